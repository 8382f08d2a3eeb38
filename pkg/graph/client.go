// Package graph owns the connection to Microsoft Graph: sign-in, clouds and base URLs, the kiota request adapter
// and its middleware (retry, compression, debug log), raw requests for calls the SDK lacks, $batch, paging, and
// turning Graph errors into one readable line. Domain packages reach Graph only through a *Client.
package graph

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/devicemanagement"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// sdkVersion is the pinned msgraph-beta-sdk-go version, reported in the SDK's telemetry header.
const sdkVersion = "0.165.0"

// Config builds a Client. HTTPClient supplies the network (tests pass an httptest client); everything above the
// network — auth, retry, compression, debug log — is always the real pipeline.
type Config struct {
	BaseURL    string // with version, e.g. https://graph.microsoft.com/beta; checked by BaseURL()
	Credential azcore.TokenCredential
	Scopes     []string
	HTTPClient *http.Client
	Debug      io.Writer // when set, one line per HTTP attempt
	Retry      RetryPolicy
	Limits     Limits // time and size bounds; zero fields take DefaultLimits
}

// Client is a Graph connection: the kiota adapter for SDK request builders plus raw, batch and paging helpers.
type Client struct {
	Adapter *msgraphgocore.GraphRequestAdapterBase
	BaseURL string
	origin  string // scheme://host:port of BaseURL: requests go there and nowhere else
	retry   RetryPolicy
	limits  Limits
}

// New wires the adapter. It performs no I/O.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("invalid Graph base URL %s", safetext.Quote(cfg.BaseURL))
	}
	limits := cfg.Limits.withDefaults()
	var parent http.RoundTripper
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		parent = cfg.HTTPClient.Transport
	} else {
		parent = NewTransport(limits)
	}
	parent = &guard{next: parent, limits: limits}
	if cfg.Debug != nil {
		parent = &debugTransport{next: parent, w: cfg.Debug}
	}
	retry := cfg.Retry.withDefaults()
	opts := &msgraphgocore.GraphClientOptions{GraphServiceVersion: "beta", GraphServiceLibraryVersion: sdkVersion}
	// A fixed order, outermost first (kiota's default list comes from a map, so its order changes between runs):
	// redirects are refused before anything is retried, and each retry compresses its own fresh copy of the body.
	middlewares := []khttp.Middleware{
		msgraphgocore.NewGraphTelemetryHandler(opts),
		khttp.NewUrlReplaceHandler(true, msgraphgocore.ReplacementPairs),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
		refuseRedirects{},
		&retryHandler{policy: retry},
		khttp.NewCompressionHandler(),
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, middlewares...),
		// refuseRedirects answers every redirect; this keeps net/http from following one on its own.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	parse.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	write.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()

	auth := &bearerAuth{cred: cfg.Credential, scopes: cfg.Scopes, origin: origin(u)}
	adapter, err := msgraphgocore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphgocore.GraphClientOptions{GraphServiceVersion: "beta", GraphServiceLibraryVersion: sdkVersion},
		parse, write, httpClient)
	if err != nil {
		return nil, err
	}
	adapter.SetBaseUrl(cfg.BaseURL)
	return &Client{Adapter: adapter, BaseURL: cfg.BaseURL, origin: origin(u), retry: retry, limits: limits}, nil
}

// origin is u's scheme, host and port, lower-cased and with the default port made explicit: what the token is
// scoped to. "https://graph.microsoft.com" and "https://GRAPH.microsoft.com:443" are one origin;
// "http://graph.microsoft.com" and "https://graph.microsoft.com:8443" are others.
func origin(u *url.URL) string {
	scheme, port := strings.ToLower(u.Scheme), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// OriginError is an absolute URL (a nextLink) outside the configured Graph URL's scheme, host and port. It is
// never requested: the token must not travel in clear text or to another host, and Graph's own links stay on
// the host they came from (docs/graph.md#paging).
type OriginError struct {
	URL  string // the refused URL, for messages: no userinfo, escaped, cut short
	Want string // the configured origin
}

func (e *OriginError) Error() string {
	return fmt.Sprintf("%s is outside the configured Graph URL %s (scheme, host and port must match); not followed", e.URL, e.Want)
}

// checkOrigin refuses u unless it has the configured Graph URL's scheme, host and port.
func (c *Client) checkOrigin(u *url.URL) error {
	if origin(u) != c.origin {
		return &OriginError{URL: shortPath(u.String()), Want: c.origin}
	}
	return nil
}

// bearerAuth sends the credential's token to the configured Graph URL's scheme, host and port and nowhere else
// (never over http when the Graph URL is https). Unlike kiota's Azure provider it has no built-in host
// allow-list, so a loopback mock or a national cloud gets the token too.
type bearerAuth struct {
	cred   azcore.TokenCredential
	scopes []string
	origin string
}

func (a *bearerAuth) AuthenticateRequest(ctx context.Context, ri *abs.RequestInformation, _ map[string]any) error {
	if a.cred == nil {
		return nil
	}
	u, err := ri.GetUri()
	if err != nil {
		return err
	}
	if origin(u) != a.origin {
		return nil
	}
	tok, err := a.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: a.scopes})
	if err != nil {
		return err
	}
	ri.Headers.Add("Authorization", "Bearer "+tok.Token)
	return nil
}

// debugTransport logs each attempt on the wire: method, URL, status, duration, request-id. Never headers or
// bodies, so tokens, client assertions and hardware hashes cannot leak into the log.
type debugTransport struct {
	next http.RoundTripper
	w    io.Writer
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(d.w, "graph: %s %s -> error after %s: %s\n", req.Method, safetext.Escape(redactURL(req.URL)), took,
			safetext.Escape(err.Error()))
		return nil, err
	}
	// The request-id is the server's text: escaped, and cut short, like every value from Graph in a log line.
	fmt.Fprintf(d.w, "graph: %s %s -> %d in %s request-id=%s\n", req.Method, safetext.Escape(redactURL(req.URL)), resp.StatusCode, took,
		safetext.Escape(truncate(resp.Header.Get("request-id"), maxIDBytes)))
	return resp, nil
}

// redactURL drops userinfo; Graph URLs carry no secrets otherwise.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// refuseRedirects turns a redirect into an error. Graph's device-management APIs do not redirect, and following
// one would send the token or the request body (hardware hashes) somewhere other than the configured Graph URL.
type refuseRedirects struct{}

func (refuseRedirects) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	resp, err := pipeline.Next(req, index)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 || resp.Header.Get("Location") == "" {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	where := resp.Header.Get("Location")
	if u, err := req.URL.Parse(where); err == nil {
		where = redactURL(u)
	}
	return nil, &Error{Status: resp.StatusCode, Message: "redirected to " + truncate(where, 200) +
		"; not followed: the token and request body go only to the configured Graph URL"}
}

// DeviceManagement is the SDK's /deviceManagement request builder on this client. Builders are made with path
// parameters, not a raw URL: a raw-URL builder passes that URL to its children, which then all call the parent.
func (c *Client) DeviceManagement() *devicemanagement.DeviceManagementRequestBuilder {
	return devicemanagement.NewDeviceManagementRequestBuilderInternal(map[string]string{}, c.Adapter)
}
