package cmdutil

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/autopilotctl/autopilotctl/internal/runlock"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// StateDirEnv overrides where journals and run locks are kept (tests point it at a temporary directory).
const StateDirEnv = "AUTOPILOTCTL_JOURNAL_DIR"

// StateDir is where import journals and run locks live: $AUTOPILOTCTL_JOURNAL_DIR, else
// <user cache dir>/autopilotctl/journals (a cache: losing it costs a resume, never data).
func (f *Factory) StateDir() (string, error) {
	if d := f.Env(StateDirEnv); d != "" {
		return d, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "autopilotctl", "journals"), nil
}

// SignedInTenant is the tenant the token was issued for (its tid claim), else the one named by --tenant or
// AZURE_TENANT_ID; "" when neither says. Getting the token here signs in before anything is sent.
func (f *Factory) SignedInTenant(ctx context.Context) (string, error) {
	cred, err := f.Credential()
	if err != nil {
		return "", err
	}
	cloud, err := f.Cloud()
	if err != nil {
		return "", err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cloud.Scope()}})
	if err != nil {
		return "", err
	}
	if c, err := graph.ParseClaims(tok.Token); err == nil && c.TenantID != "" {
		return c.TenantID, nil
	}
	if f.Globals.Tenant != "" {
		return f.Globals.Tenant, nil
	}
	return f.Env("AZURE_TENANT_ID"), nil
}

// LockTenant takes this user account's lock on one kind of run (purpose: "apply", …) against the signed-in
// tenant, so that two such runs on this machine never plan against each other's half-done work and create
// an object twice. A run already holding it is busy's error (an InputError: exit 2, nothing changed).
func (f *Factory) LockTenant(ctx context.Context, c *graph.Client, purpose string, busy func(tenant, host string) error) (*runlock.Lock, error) {
	tenant, err := f.SignedInTenant(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := f.StateDir()
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return nil, InputErrorf("no directory for the run lock: %v (set %s)", err, StateDirEnv)
	}
	host := c.BaseURL
	if u, err := url.Parse(c.BaseURL); err == nil {
		host = u.Host
	}
	l, err := runlock.Take(runlock.TenantPath(dir, purpose, lockHost(c.BaseURL), tenant), func() error { return busy(tenant, host) })
	var le *runlock.Error
	if errors.As(err, &le) {
		return nil, InputErrorf("%v (set %s to keep locks elsewhere)", err, StateDirEnv)
	}
	return l, err
}

// lockHost is the Graph a run goes to, one way however it is spelled: scheme, host and port with the default
// port made explicit, and every loopback name (localhost, 127.0.0.1, ::1) as one.
func lockHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return strings.ToLower(baseURL)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	}
	if graph.IsLoopback(host) {
		host = "loopback"
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(host, port)
}
