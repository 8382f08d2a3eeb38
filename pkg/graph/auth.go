package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// AuthMode is a --auth value.
type AuthMode string

const (
	AuthAuto             AuthMode = "auto"
	AuthAccessToken      AuthMode = "access-token" // AUTOPILOTCTL_ACCESS_TOKEN; chosen by auto, not a --auth value
	AuthCached           AuthMode = "cached"       // the sign-in `auth login` kept; chosen by auto, not a --auth value
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

// maxCredentialFile caps the certificate and federated token files read before signing in (a PEM chain or a
// PKCS#12 bundle is a few KB, an OIDC token about 1 KB).
const maxCredentialFile = 1 << 20

// AuthOptions is everything sign-in depends on; Env and HasAzureCLI are injected so selection is testable.
type AuthOptions struct {
	Mode        AuthMode
	TenantID    string // --tenant; falls back to AZURE_TENANT_ID
	ClientID    string // --client-id; falls back to AZURE_CLIENT_ID
	Cloud       Cloud
	Env         func(string) string
	StdinTTY    bool
	HasAzureCLI bool
	Prompt      io.Writer // where interactive sign-in says where it waits, and sign-in notes go (stderr)
	Transport   policy.Transporter
	// Debug, when set, gets one line per credential of the chain: skipped and why, tried, and how it ended.
	Debug io.Writer
	// Store is where `auth login` keeps a person's sign-in; nil means none is used (tests, --mock).
	Store *Store
	// Retry is the sign-in requests' retry policy (azcore's default when zero); tests switch retries off.
	Retry policy.RetryOptions
	// NewAuthenticator builds browser and device-code credentials; nil is azidentity's (tests inject fakes).
	NewAuthenticator NewAuthenticator
	// NoPrompt is set by commands that must never ask a person to sign in (auth status, shell completion):
	// auto leaves device code out, and --auth browser or device-code uses only the sign-in `auth login` kept.
	NoPrompt bool
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

func (o AuthOptions) debugf(format string, a ...any) {
	if o.Debug != nil {
		fmt.Fprintf(o.Debug, "sign-in: "+format+"\n", a...)
	}
}

// planStep is one credential auto considers: in the chain when skip is empty, else why not.
type planStep struct {
	mode AuthMode
	skip string
}

// Plan returns the credentials to try, in order. For auto: a token in AUTOPILOTCTL_ACCESS_TOKEN, then a client
// secret or certificate from AZURE_*, then workload identity, managed identity (where the platform advertises one),
// the sign-in `auth login` kept, the Azure CLI, and device code when someone can answer it. Environment-driven
// choices are exclusive: a pipeline that set AZURE_CLIENT_SECRET must never fall through to a person's az login.
func Plan(o AuthOptions) ([]AuthMode, error) {
	steps, err := plan(o)
	var modes []AuthMode
	for _, s := range steps {
		if s.skip == "" {
			modes = append(modes, s.mode)
		}
	}
	return modes, err
}

func plan(o AuthOptions) ([]planStep, error) {
	if o.Mode != "" && o.Mode != AuthAuto {
		m, err := ParseAuthMode(string(o.Mode))
		if err != nil {
			return nil, err
		}
		if (m == AuthBrowser || m == AuthDeviceCode) && o.NoPrompt {
			kept := planStep{AuthCached, o.keptSkip()}
			if kept.skip != "" {
				return []planStep{kept}, fmt.Errorf("--auth %s asks a person to sign in, which this command never does, and %s", m, kept.skip)
			}
			return []planStep{kept}, nil
		}
		if (m == AuthBrowser || m == AuthDeviceCode) && !o.StdinTTY {
			return nil, fmt.Errorf("--auth %s needs a person at a terminal, and standard input is not one; "+
				"scripts and CI sign in as an app (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or "+
				"AZURE_FEDERATED_TOKEN_FILE), or run `autopilotctl auth login` once from a terminal", m)
		}
		return []planStep{{mode: m}}, nil
	}
	// The environment's choices, in order; the first one set is the only one tried.
	exclusive := []struct {
		mode AuthMode
		env  string
	}{
		{AuthAccessToken, AccessTokenEnv},
		{AuthClientSecret, "AZURE_CLIENT_SECRET"},
		{AuthCertificate, "AZURE_CLIENT_CERTIFICATE_PATH"},
		{AuthWorkloadIdentity, "AZURE_FEDERATED_TOKEN_FILE"},
	}
	var steps []planStep
	chosen := AuthMode("")
	for _, e := range exclusive {
		switch {
		case chosen != "":
			steps = append(steps, planStep{e.mode, "not tried: " + string(chosen) + " comes from the environment and is tried alone"})
		case o.env(e.env) != "":
			chosen = e.mode
			steps = append(steps, planStep{mode: e.mode})
		default:
			steps = append(steps, planStep{e.mode, e.env + " is not set"})
		}
	}
	rest := []planStep{
		// Probing IMDS on a laptop costs seconds; only try managed identity where the platform says it has one.
		{AuthManagedIdentity, unless(o.env("IDENTITY_ENDPOINT") != "" || o.env("MSI_ENDPOINT") != "", "neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set")},
		{AuthCached, o.keptSkip()},
		{AuthAzureCLI, unless(o.HasAzureCLI, "az is not on PATH")},
		{AuthDeviceCode, unless(o.StdinTTY, "standard input is not a terminal")},
	}
	if o.NoPrompt {
		rest[len(rest)-1].skip = NoPromptReason
	}
	for _, s := range rest {
		if chosen != "" {
			s.skip = "not tried: " + string(chosen) + " comes from the environment and is tried alone"
		}
		steps = append(steps, s)
	}
	if chosen == "" && !inChain(steps) {
		return steps, errors.New("no credential found: sign in once with `autopilotctl auth login` from a terminal, or set " +
			AccessTokenEnv + ", or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH, " +
			"or AZURE_FEDERATED_TOKEN_FILE), or run `az login`")
	}
	return steps, nil
}

// NoPromptReason is why a command that never asks anyone to sign in leaves device code out.
const NoPromptReason = "this command never asks anyone to sign in"

// PlanStep is one credential --auth auto considers, with why it is left out (Skip; "" when it is tried).
type PlanStep struct {
	Mode AuthMode
	Skip string
}

// PlanSteps is Plan with every credential considered and the reason for each one left out, for messages that
// say why no sign-in was found.
func PlanSteps(o AuthOptions) ([]PlanStep, error) {
	steps, err := plan(o)
	out := make([]PlanStep, len(steps))
	for i, s := range steps {
		out[i] = PlanStep{s.mode, s.skip}
	}
	return out, err
}

func unless(ok bool, why string) string {
	if ok {
		return ""
	}
	return why
}

func inChain(steps []planStep) bool {
	for _, s := range steps {
		if s.skip == "" {
			return true
		}
	}
	return false
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
	debug   func(format string, a ...any)
	mu      sync.Mutex
	used    *namedCredential
}

type namedCredential struct {
	mode    AuthMode
	cred    azcore.TokenCredential
	account string         // the kept sign-in's user, when the source uses it
	reach   *reachRecorder // the network failure behind an error, if any
}

// NewCredential builds the credentials of Plan(o). Nothing touches the network until GetToken: settings that
// cannot work (a missing or empty federated token file, an empty secret, an unreadable certificate) fail here.
func NewCredential(o AuthOptions) (*Credential, error) {
	steps, err := plan(o)
	for _, s := range steps {
		if s.skip != "" {
			o.debugf("%s skipped: %s", s.mode, s.skip)
		}
	}
	if err != nil {
		return nil, err
	}
	c := &Credential{debug: o.debugf}
	var chain []AuthMode
	for _, s := range steps {
		if s.skip == "" {
			chain = append(chain, s.mode)
		}
	}
	for _, m := range chain {
		src, err := newSource(m, o)
		if err != nil && m == AuthCached && len(chain) > 1 {
			// A kept sign-in that cannot be used here is one fewer choice, not a failure.
			o.debugf("%s skipped: %v", m, err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s sign-in: %w", m, err)
		}
		c.sources = append(c.sources, src)
	}
	return c, nil
}

// Used is the source that produced the last token ("" before any).
func (c *Credential) Used() AuthMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == nil {
		return ""
	}
	return c.used.mode
}

// Account is the kept sign-in's user name when the last token came from it ("" otherwise).
func (c *Credential) Account() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == nil {
		return ""
	}
	return c.used.account
}

// GetToken tries each source in order and remembers the first that answers.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	used := c.used
	c.mu.Unlock()
	var msgs []string
	for i := range c.sources {
		s := &c.sources[i]
		if used != nil && s != used {
			continue
		}
		if used == nil {
			c.debug("trying %s", s.mode)
		}
		tok, err := s.cred.GetToken(ctx, opts)
		if err == nil {
			if used == nil {
				c.debug("%s signed in", s.mode)
			}
			c.mu.Lock()
			c.used = s
			c.mu.Unlock()
			return tok, nil
		}
		msg := s.describe(err)
		c.debug("%s failed: %s", s.mode, msg)
		msgs = append(msgs, string(s.mode)+": "+msg)
	}
	return azcore.AccessToken{}, &AuthError{Err: errors.New(strings.Join(msgs, "; "))}
}

// describe words a source's failure as one line: the unreachable host, Entra ID's AADSTS reason, or the first line
// of the error (azidentity's own run to many lines with the whole response).
func (s *namedCredential) describe(err error) string {
	if s.reach != nil {
		if nerr := s.reach.failure(); nerr != nil {
			return nerr.Error()
		}
	}
	if s.mode == AuthCached {
		var req *azidentity.AuthenticationRequiredError
		if errors.As(err, &req) {
			return "the kept sign-in has expired or was revoked; run `autopilotctl auth login` again"
		}
	}
	if m := aadstsReason.FindString(err.Error()); m != "" {
		return "Entra ID refused the sign-in: " + oneLine(errors.New(m))
	}
	return oneLine(err)
}

// aadstsReason finds Entra ID's error code and its first sentence in an azidentity error's response dump.
var aadstsReason = regexp.MustCompile(`AADSTS\d+: [^\r\n".\\]*\.?`)

// AuthError marks a sign-in failure (exit code 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return "sign-in failed: " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

func newSource(m AuthMode, o AuthOptions) (namedCredential, error) {
	reach := &reachRecorder{next: o.Transport}
	co := azcore.ClientOptions{Cloud: o.Cloud.Authority, Transport: reach, Retry: o.Retry}
	src := namedCredential{mode: m, reach: reach}
	cred, err := newTokenCredential(m, o, co, &src)
	src.cred = cred
	return src, err
}

func newTokenCredential(m AuthMode, o AuthOptions, co azcore.ClientOptions, src *namedCredential) (azcore.TokenCredential, error) {
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
	app := func(secretName, secret string) error {
		return need("--tenant or AZURE_TENANT_ID", tenant, "--client-id or AZURE_CLIENT_ID", client, secretName, secret)
	}
	switch m {
	case AuthAccessToken:
		return staticToken(o.env(AccessTokenEnv)), nil
	case AuthClientSecret:
		secret := o.env("AZURE_CLIENT_SECRET")
		if err := app("AZURE_CLIENT_SECRET", secret); err != nil {
			return nil, err
		}
		if strings.TrimSpace(secret) == "" {
			return nil, errors.New("AZURE_CLIENT_SECRET is blank")
		}
		return azidentity.NewClientSecretCredential(tenant, client, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: co})
	case AuthCertificate:
		path := o.env("AZURE_CLIENT_CERTIFICATE_PATH")
		if err := app("AZURE_CLIENT_CERTIFICATE_PATH", path); err != nil {
			return nil, err
		}
		data, err := readCredentialFile("AZURE_CLIENT_CERTIFICATE_PATH", path)
		if err != nil {
			return nil, err
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(o.env("AZURE_CLIENT_CERTIFICATE_PASSWORD")))
		if err != nil {
			// azidentity's reason is ASN.1 detail; the admin needs to know what the file should hold.
			return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s holds no usable certificate and private key "+
				"(PEM, or PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD)", shown(path))
		}
		return azidentity.NewClientCertificateCredential(tenant, client, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: co})
	case AuthWorkloadIdentity:
		file := o.env("AZURE_FEDERATED_TOKEN_FILE")
		if err := app("AZURE_FEDERATED_TOKEN_FILE", file); err != nil {
			return nil, err
		}
		// azidentity reads the file only when it asks for a token; a pipeline that never wrote it should hear so now.
		data, err := readCredentialFile("AZURE_FEDERATED_TOKEN_FILE", file)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, fmt.Errorf("AZURE_FEDERATED_TOKEN_FILE %s is empty: the pipeline did not write its OIDC token "+
				"(GitHub Actions needs `permissions: id-token: write`; see examples/ci/github-actions.yml)", shown(file))
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
		src.reach = nil // az reaches the network itself
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
	case AuthCached:
		rec, err := o.kept()
		if err != nil {
			return nil, err
		}
		cache, err := o.Store.Cache()
		if err != nil {
			return nil, fmt.Errorf("the kept sign-in's tokens cannot be read: %w", err)
		}
		src.account = rec.Username
		// Silent only: an expired sign-in fails (and auto moves on); it never prompts.
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: rec.TenantID, ClientID: rec.ClientID, AuthenticationRecord: rec,
			Cache: cache, DisableAutomaticAuthentication: true})
	case AuthDeviceCode, AuthBrowser:
		return newInteractive(m, o, co, src)
	}
	return nil, fmt.Errorf("unsupported sign-in mode %q", m)
}

// readCredentialFile reads a file a sign-in depends on, saying in one line what is wrong with it.
func readCredentialFile(env, path string) ([]byte, error) {
	data, err := safefile.ReadFile(path, maxCredentialFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s %s does not exist", env, shown(path))
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%s %s cannot be read: permission denied", env, shown(path))
	case err != nil:
		return nil, fmt.Errorf("%s: %s", env, oneLine(err))
	}
	return data, nil
}

// oneLine is an error's first line, escaped and cut at 300 characters.
func oneLine(err error) string {
	text := err.Error()
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	return shown(strings.TrimSpace(text))
}

// shown is a value for a sign-in message (a path, an id): escaped, and cut at 300 characters.
func shown(s string) string {
	s = safetext.Escape(s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
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
