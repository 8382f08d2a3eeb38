package graph

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is a Microsoft cloud: where to sign in and where Graph lives (docs/graph.md#national-clouds).
type Cloud struct {
	Name      string
	Authority cloud.Configuration
	GraphRoot string // without version, e.g. https://graph.microsoft.com
}

// Scope is the .default scope for this cloud's Graph.
func (c Cloud) Scope() string { return c.GraphRoot + "/.default" }

var usGovDoD = cloud.Configuration{ActiveDirectoryAuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost}

// Clouds lists the accepted --cloud values. GCC (moderate) uses the global endpoints.
var Clouds = []Cloud{
	{Name: "global", Authority: cloud.AzurePublic, GraphRoot: "https://graph.microsoft.com"},
	{Name: "usgov", Authority: cloud.AzureGovernment, GraphRoot: "https://graph.microsoft.us"},
	{Name: "usgovdod", Authority: usGovDoD, GraphRoot: "https://dod-graph.microsoft.us"},
	{Name: "china", Authority: cloud.AzureChina, GraphRoot: "https://microsoftgraph.chinacloudapi.cn"},
}

// CloudByName returns the cloud for a --cloud value.
func CloudByName(name string) (Cloud, error) {
	for _, c := range Clouds {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
	}
	names := make([]string, len(Clouds))
	for i, c := range Clouds {
		names[i] = c.Name
	}
	return Cloud{}, fmt.Errorf("invalid --cloud %q: use one of %s", name, strings.Join(names, ", "))
}

// ErrGraphURLUserinfo refuses a Graph URL carrying a user name or password: Graph takes none, and a password
// there would end up in messages and logs.
var ErrGraphURLUserinfo = errors.New("--graph-url must not contain a user name or password")

// BaseURL returns the Graph base URL (with version) to call: the override when given, else the cloud's beta root.
// An override must be https, or http to a loopback host (a local mock); tokens never travel in clear text elsewhere.
// Errors never quote userinfo.
func BaseURL(c Cloud, override string) (string, error) {
	if override == "" {
		return c.GraphRoot + "/beta", nil
	}
	if hasUserinfo(override) {
		return "", ErrGraphURLUserinfo
	}
	quoted := strconv.Quote(truncate(override, 200))
	u, err := url.Parse(override)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("invalid Graph URL %s: want an absolute URL such as https://graph.microsoft.com/beta", quoted)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(override, "#") {
		// Paths are appended to the base URL: a query or fragment there would swallow them.
		return "", fmt.Errorf("invalid Graph URL %s: it must not have a query (?…) or fragment (#…); give the version root, such as https://graph.microsoft.com/beta", quoted)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("invalid Graph URL %s: http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https", quoted)
		}
	default:
		return "", fmt.Errorf("invalid Graph URL %s: scheme must be https", quoted)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// hasUserinfo reports an "@" in the authority part of s ("https://user:pass@host/…", or "user:pass@host/…"
// without a scheme), whether or not s parses as a URL.
func hasUserinfo(s string) bool {
	if i := strings.Index(s, "//"); i >= 0 {
		s = s[i+2:]
	}
	if end := strings.IndexAny(s, "/?#"); end >= 0 {
		s = s[:end]
	}
	return strings.Contains(s, "@")
}

// IsLoopback reports whether host names this machine only.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// KnownGraphHost reports whether baseURL is a national cloud's Graph or a loopback address (a local mock).
func KnownGraphHost(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	if IsLoopback(u.Hostname()) {
		return true
	}
	for _, c := range Clouds {
		if root, _ := url.Parse(c.GraphRoot); root != nil && strings.EqualFold(root.Host, u.Host) {
			return true
		}
	}
	return false
}
