package graph

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is a Microsoft cloud: where to sign in and where Graph lives (reference §8.6).
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

// BaseURL returns the Graph base URL (with version) to call: the override when given, else the cloud's beta root.
// An override must be https, or http to a loopback host (a local mock); tokens never travel in clear text elsewhere.
func BaseURL(c Cloud, override string) (string, error) {
	if override == "" {
		return c.GraphRoot + "/beta", nil
	}
	u, err := url.Parse(override)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("invalid Graph URL %q: want an absolute URL such as https://graph.microsoft.com/beta", override)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("invalid Graph URL %q: http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https", override)
		}
	default:
		return "", fmt.Errorf("invalid Graph URL %q: scheme must be https", override)
	}
	return strings.TrimRight(u.String(), "/"), nil
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
