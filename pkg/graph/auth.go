package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// AuthMode is a --auth value.
type AuthMode string

const (
	AuthAuto             AuthMode = "auto"
	AuthAccessToken      AuthMode = "access-token" // AUTOPILOTCTL_ACCESS_TOKEN; chosen by auto, not a --auth value
	AuthBrowser          AuthMode = "browser"
	AuthDeviceCode       AuthMode = "device-code"
	AuthClientSecret     AuthMode = "client-secret"
	AuthCertificate      AuthMode = "certificate"
	AuthWorkloadIdentity AuthMode = "workload-identity"
	AuthManagedIdentity  AuthMode = "managed-identity"
	AuthAzureCLI         AuthMode = "azure-cli"
)

// AuthModes lists the accepted --auth values.
var AuthModes = []AuthMode{AuthAuto, AuthBrowser, AuthDeviceCode, AuthClientSecret, AuthCertificate,
	AuthWorkloadIdentity, AuthManagedIdentity, AuthAzureCLI}

// DefaultPublicClientID is used for browser and device-code sign-in when --client-id is not given:
// Microsoft Graph Command Line Tools, the app Graph PowerShell signs in with, which tenants commonly have consented.
const DefaultPublicClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// AccessTokenEnv holds a pre-acquired Graph token.
const AccessTokenEnv = "AUTOPILOTCTL_ACCESS_TOKEN"

// AuthOptions is everything sign-in depends on; Env and HasAzureCLI are injected so selection is testable.
type AuthOptions struct {
	Mode        AuthMode
	TenantID    string // --tenant; falls back to AZURE_TENANT_ID
	ClientID    string // --client-id; falls back to AZURE_CLIENT_ID
	Cloud       Cloud
	Env         func(string) string
	StdinTTY    bool
	HasAzureCLI bool
	Prompt      io.Writer // where device-code instructions go (stderr)
	Transport   policy.Transporter
}

func (o AuthOptions) env(k string) string {
	if o.Env == nil {
		return os.Getenv(k)
	}
	return o.Env(k)
}

func (o AuthOptions) tenant() string {
	if o.TenantID != "" {
		return o.TenantID
	}
	return o.env("AZURE_TENANT_ID")
}

func (o AuthOptions) clientID() string {
	if o.ClientID != "" {
		return o.ClientID
	}
	return o.env("AZURE_CLIENT_ID")
}

// Plan returns the credentials to try, in order. For auto: a token in AUTOPILOTCTL_ACCESS_TOKEN, then a client
// secret or certificate from AZURE_*, then workload identity, managed identity (where the platform advertises one),
// the Azure CLI, and device code when someone can answer it. Environment-driven choices are exclusive: a pipeline
// that set AZURE_CLIENT_SECRET must never fall through to a person's az login.
func Plan(o AuthOptions) ([]AuthMode, error) {
	if o.Mode != "" && o.Mode != AuthAuto {
		m, err := ParseAuthMode(string(o.Mode))
		return []AuthMode{m}, err
	}
	switch {
	case o.env(AccessTokenEnv) != "":
		return []AuthMode{AuthAccessToken}, nil
	case o.env("AZURE_CLIENT_SECRET") != "":
		return []AuthMode{AuthClientSecret}, nil
	case o.env("AZURE_CLIENT_CERTIFICATE_PATH") != "":
		return []AuthMode{AuthCertificate}, nil
	case o.env("AZURE_FEDERATED_TOKEN_FILE") != "":
		return []AuthMode{AuthWorkloadIdentity}, nil
	}
	var plan []AuthMode
	// Probing IMDS on a laptop costs seconds; only try managed identity where the platform says it has one.
	if o.env("IDENTITY_ENDPOINT") != "" || o.env("MSI_ENDPOINT") != "" {
		plan = append(plan, AuthManagedIdentity)
	}
	if o.HasAzureCLI {
		plan = append(plan, AuthAzureCLI)
	}
	if o.StdinTTY {
		plan = append(plan, AuthDeviceCode)
	}
	if len(plan) == 0 {
		return nil, errors.New("no credential found: set " + AccessTokenEnv + ", or AZURE_TENANT_ID, AZURE_CLIENT_ID and " +
			"AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE), or run `az login`, " +
			"or pass --auth device-code from a terminal")
	}
	return plan, nil
}

// ParseAuthMode validates an --auth value ("" is auto).
func ParseAuthMode(s string) (AuthMode, error) {
	if s == "" {
		return AuthAuto, nil
	}
	for _, m := range AuthModes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("invalid --auth %q: use one of %s", s, joinModes(AuthModes))
}

func joinModes(ms []AuthMode) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// Credential is the token source a command signs in with; Used says which one produced the last token.
type Credential struct {
	sources []namedCredential
	mu      sync.Mutex
	used    AuthMode
}

type namedCredential struct {
	mode AuthMode
	cred azcore.TokenCredential
}

// NewCredential builds the credentials of Plan(o). Nothing touches the network until GetToken.
func NewCredential(o AuthOptions) (*Credential, error) {
	plan, err := Plan(o)
	if err != nil {
		return nil, err
	}
	c := &Credential{}
	for _, m := range plan {
		cred, err := newSource(m, o)
		if err != nil {
			return nil, fmt.Errorf("%s sign-in: %w", m, err)
		}
		c.sources = append(c.sources, namedCredential{m, cred})
	}
	return c, nil
}

// Used is the source that produced the last token ("" before any).
func (c *Credential) Used() AuthMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// GetToken tries each source in order and remembers the first that answers.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	used := c.used
	c.mu.Unlock()
	var errs []error
	for _, s := range c.sources {
		if used != "" && s.mode != used {
			continue
		}
		tok, err := s.cred.GetToken(ctx, opts)
		if err == nil {
			c.mu.Lock()
			c.used = s.mode
			c.mu.Unlock()
			return tok, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", s.mode, err))
	}
	return azcore.AccessToken{}, &AuthError{Err: errors.Join(errs...)}
}

// AuthError marks a sign-in failure (exit code 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return "sign-in failed: " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

func newSource(m AuthMode, o AuthOptions) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{Cloud: o.Cloud.Authority, Transport: o.Transport}
	tenant, client := o.tenant(), o.clientID()
	need := func(what ...string) error {
		var missing []string
		for i := 0; i+1 < len(what); i += 2 {
			if what[i+1] == "" {
				missing = append(missing, what[i])
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("missing %s", strings.Join(missing, ", "))
		}
		return nil
	}
	switch m {
	case AuthAccessToken:
		return staticToken(o.env(AccessTokenEnv)), nil
	case AuthClientSecret:
		secret := o.env("AZURE_CLIENT_SECRET")
		if err := need("--tenant or AZURE_TENANT_ID", tenant, "--client-id or AZURE_CLIENT_ID", client, "AZURE_CLIENT_SECRET", secret); err != nil {
			return nil, err
		}
		return azidentity.NewClientSecretCredential(tenant, client, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: co})
	case AuthCertificate:
		path := o.env("AZURE_CLIENT_CERTIFICATE_PATH")
		if err := need("--tenant or AZURE_TENANT_ID", tenant, "--client-id or AZURE_CLIENT_ID", client, "AZURE_CLIENT_CERTIFICATE_PATH", path); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(o.env("AZURE_CLIENT_CERTIFICATE_PASSWORD")))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return azidentity.NewClientCertificateCredential(tenant, client, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: co})
	case AuthWorkloadIdentity:
		file := o.env("AZURE_FEDERATED_TOKEN_FILE")
		if err := need("--tenant or AZURE_TENANT_ID", tenant, "--client-id or AZURE_CLIENT_ID", client, "AZURE_FEDERATED_TOKEN_FILE", file); err != nil {
			return nil, err
		}
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: client, TokenFilePath: file})
	case AuthManagedIdentity:
		opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if client != "" {
			opts.ID = azidentity.ClientID(client) // a user-assigned identity
		}
		return azidentity.NewManagedIdentityCredential(opts)
	case AuthAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
	case AuthDeviceCode:
		w := o.Prompt
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: publicClient(client),
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				if w != nil {
					fmt.Fprintln(w, m.Message)
				}
				return nil
			}})
	case AuthBrowser:
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: publicClient(client)})
	}
	return nil, fmt.Errorf("unsupported sign-in mode %q", m)
}

func publicClient(id string) string {
	if id == "" {
		return DefaultPublicClientID
	}
	return id
}

// staticToken serves a token acquired elsewhere. Its expiry comes from the token itself when it is a JWT with an
// exp claim; otherwise ExpiresOn stays zero (unknown) rather than an invented time.
type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	var exp time.Time
	if c, err := ParseClaims(string(t)); err == nil {
		exp = c.Expires
	}
	return azcore.AccessToken{Token: string(t), ExpiresOn: exp}, nil
}
