// Package graph owns the connection to Microsoft Graph: sign-in, clouds and base URLs, the kiota request adapter
// and its middleware (retry, compression, debug log), raw requests for calls the SDK lacks, $batch, paging, and
// turning Graph errors into one readable line. Domain packages reach Graph only through a *Client.
package graph

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
}

// Client is a Graph connection: the kiota adapter for SDK request builders plus raw, batch and paging helpers.
type Client struct {
	Adapter *msgraphgocore.GraphRequestAdapterBase
	BaseURL string
	retry   RetryPolicy
}

// New wires the adapter. It performs no I/O.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid Graph base URL %q", cfg.BaseURL)
	}
	parent := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		parent = cfg.HTTPClient.Transport
	}
	if cfg.Debug != nil {
		parent = &debugTransport{next: parent, w: cfg.Debug}
	}
	retry := cfg.Retry.withDefaults()
	middlewares := msgraphgocore.GetDefaultMiddlewaresWithOptions(&msgraphgocore.GraphClientOptions{
		GraphServiceVersion: "beta", GraphServiceLibraryVersion: sdkVersion})
	for i, m := range middlewares {
		// Our retry honours fractional Retry-After, refuses long waits and sleeps on an injectable clock.
		if _, ok := m.(*khttp.RetryHandler); ok {
			middlewares[i] = &retryHandler{policy: retry}
		}
	}
	httpClient := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(parent, middlewares...)}

	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	parse.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	write.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()

	auth := &bearerAuth{cred: cfg.Credential, scopes: cfg.Scopes, host: u.Host}
	adapter, err := msgraphgocore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphgocore.GraphClientOptions{GraphServiceVersion: "beta", GraphServiceLibraryVersion: sdkVersion},
		parse, write, httpClient)
	if err != nil {
		return nil, err
	}
	adapter.SetBaseUrl(cfg.BaseURL)
	return &Client{Adapter: adapter, BaseURL: cfg.BaseURL, retry: retry}, nil
}

// bearerAuth sends the credential's token to the configured Graph host and nowhere else. Unlike kiota's Azure
// provider it has no built-in host allow-list, so a loopback mock or a national cloud gets the token too.
type bearerAuth struct {
	cred   azcore.TokenCredential
	scopes []string
	host   string
}

func (a *bearerAuth) AuthenticateRequest(ctx context.Context, ri *abs.RequestInformation, _ map[string]any) error {
	if a.cred == nil {
		return nil
	}
	u, err := ri.GetUri()
	if err != nil {
		return err
	}
	if u.Host != a.host {
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
		fmt.Fprintf(d.w, "graph: %s %s -> error after %s: %v\n", req.Method, redactURL(req.URL), took, err)
		return nil, err
	}
	fmt.Fprintf(d.w, "graph: %s %s -> %d in %s request-id=%s\n", req.Method, redactURL(req.URL), resp.StatusCode, took,
		resp.Header.Get("request-id"))
	return resp, nil
}

// redactURL drops userinfo; Graph URLs carry no secrets otherwise.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// DeviceManagement is the SDK's /deviceManagement request builder on this client. Builders are made with path
// parameters, not a raw URL: a raw-URL builder passes that URL to its children, which then all call the parent.
func (c *Client) DeviceManagement() *devicemanagement.DeviceManagementRequestBuilder {
	return devicemanagement.NewDeviceManagementRequestBuilderInternal(map[string]string{}, c.Adapter)
}
