package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

const (
	testTenant = "11111111-2222-3333-4444-555555555555"
	testOther  = "99999999-2222-3333-4444-555555555555"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noNetwork fails the test on any request: sign-in settings that cannot work must fail before one is sent.
type noNetwork struct{ t *testing.T }

func (n noNetwork) Do(r *http.Request) (*http.Response, error) {
	n.t.Errorf("request sent: %s %s", r.Method, r.URL)
	return nil, errors.New("no network in this test")
}

func noRetry() policy.RetryOptions { return policy.RetryOptions{MaxRetries: -1} }

// A pipeline whose settings cannot work hears why in one line, and nothing is sent.
func TestCISignInFailsFastBeforeAnyNetworkCall(t *testing.T) {
	global, _ := CloudByName("global")
	app := func(kv ...string) map[string]string {
		m := map[string]string{"AZURE_TENANT_ID": testTenant, "AZURE_CLIENT_ID": "c"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	dir := t.TempDir()
	empty := writeFile(t, "empty-token", " \n")
	garbage := writeFile(t, "app.pem", "not a certificate")
	tests := []struct {
		name string
		mode AuthMode
		env  map[string]string
		want string
	}{
		{"federated token file missing", AuthWorkloadIdentity, app("AZURE_FEDERATED_TOKEN_FILE", filepath.Join(dir, "nope")),
			"workload-identity sign-in: AZURE_FEDERATED_TOKEN_FILE " + filepath.Join(dir, "nope") + " does not exist"},
		{"federated token file empty", AuthAuto, app("AZURE_FEDERATED_TOKEN_FILE", empty),
			"workload-identity sign-in: AZURE_FEDERATED_TOKEN_FILE " + empty + " is empty: the pipeline did not write its OIDC token (GitHub Actions needs `permissions: id-token: write`; see examples/ci/github-actions.yml)"},
		{"federated token path is a directory", AuthWorkloadIdentity, app("AZURE_FEDERATED_TOKEN_FILE", dir),
			"workload-identity sign-in: AZURE_FEDERATED_TOKEN_FILE: " + dir + " is not a regular file (a directory)"},
		{"federated token file not set", AuthWorkloadIdentity, app(),
			"workload-identity sign-in: missing AZURE_FEDERATED_TOKEN_FILE"},
		{"secret empty", AuthClientSecret, app("AZURE_CLIENT_SECRET", ""),
			"client-secret sign-in: missing AZURE_CLIENT_SECRET"},
		{"secret blank", AuthAuto, app("AZURE_CLIENT_SECRET", "  "),
			"client-secret sign-in: AZURE_CLIENT_SECRET is blank"},
		{"certificate missing", AuthAuto, app("AZURE_CLIENT_CERTIFICATE_PATH", filepath.Join(dir, "app.pem")),
			"certificate sign-in: AZURE_CLIENT_CERTIFICATE_PATH " + filepath.Join(dir, "app.pem") + " does not exist"},
		{"certificate unreadable", AuthCertificate, app("AZURE_CLIENT_CERTIFICATE_PATH", dir),
			"certificate sign-in: AZURE_CLIENT_CERTIFICATE_PATH: " + dir + " is not a regular file (a directory)"},
		{"certificate not a certificate", AuthCertificate, app("AZURE_CLIENT_CERTIFICATE_PATH", garbage),
			"certificate sign-in: AZURE_CLIENT_CERTIFICATE_PATH " + garbage + " holds no usable certificate and private key (PEM, or PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD)"},
		{"no tenant", AuthClientSecret, map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"},
			"client-secret sign-in: missing --tenant or AZURE_TENANT_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCredential(AuthOptions{Mode: tt.mode, Env: envOf(tt.env), Cloud: global, Transport: noNetwork{t}})
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) || strings.ContainsAny(got, "\r\n") {
				t.Errorf("err = %q\nwant %q (one line)", got, tt.want)
			}
		})
	}
}

// A failure to reach the authority names its host, in one line.
func TestSignInNetworkFailureNamesAuthorityHost(t *testing.T) {
	for _, name := range []string{"global", "usgov", "china"} {
		cloud, _ := CloudByName(name)
		c, err := NewCredential(AuthOptions{Mode: AuthClientSecret, Cloud: cloud, Retry: noRetry(),
			Env:       envOf(map[string]string{"AZURE_TENANT_ID": testTenant, "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}),
			Transport: transportFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("dial tcp: lookup: no such host") })})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{cloud.Scope()}})
		host := strings.TrimSuffix(strings.TrimPrefix(cloud.Authority.ActiveDirectoryAuthorityHost, "https://"), "/")
		want := "sign-in failed: client-secret: could not reach the sign-in authority " + host + ": dial tcp: lookup: no such host"
		var ae *AuthError
		if err == nil || err.Error() != want || !errors.As(err, &ae) {
			t.Errorf("%s: err = %v\nwant %s", name, err, want)
		}
	}
}

type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// fakeAuthority answers Entra ID's discovery requests like login.microsoftonline.com and the token endpoint
// with token(body).
func fakeAuthority(t *testing.T, token func(form string) (int, string)) transportFunc {
	return func(r *http.Request) (*http.Response, error) {
		base := "https://" + r.URL.Host + "/" + testTenant
		var status int
		var body string
		switch {
		case strings.Contains(r.URL.Path, "/discovery/instance"):
			status, body = 200, `{"tenant_discovery_endpoint":"`+base+`/v2.0/.well-known/openid-configuration","api-version":"1.1",`+
				`"metadata":[{"preferred_network":"`+r.URL.Host+`","preferred_cache":"`+r.URL.Host+`","aliases":["`+r.URL.Host+`"]}]}`
		case strings.HasSuffix(r.URL.Path, "/openid-configuration"):
			status, body = 200, `{"token_endpoint":"`+base+`/oauth2/v2.0/token","authorization_endpoint":"`+base+
				`/oauth2/v2.0/authorize","device_authorization_endpoint":"`+base+`/oauth2/v2.0/devicecode","issuer":"`+base+`/v2.0"}`
		case strings.HasSuffix(r.URL.Path, "/token"):
			form, _ := io.ReadAll(r.Body)
			status, body = token(string(form))
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			status, body = 404, `{}`
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
}

// Entra ID's refusal is reported by its AADSTS reason, on one line, never with the secret.
func TestSignInRefusalIsOneLine(t *testing.T) {
	global, _ := CloudByName("global")
	const secret = "s3cret-value"
	c, err := NewCredential(AuthOptions{Mode: AuthClientSecret, Cloud: global, Retry: noRetry(),
		Env: envOf(map[string]string{"AZURE_TENANT_ID": testTenant, "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": secret}),
		Transport: fakeAuthority(t, func(string) (int, string) {
			return 401, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: x\r\nCorrelation ID: y","error_codes":[7000215]}`
		})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{global.Scope()}})
	want := "sign-in failed: client-secret: Entra ID refused the sign-in: AADSTS7000215: Invalid client secret provided."
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// --debug names every credential auto considered: skipped and why, tried, and how it ended.
func TestDebugShowsTheChain(t *testing.T) {
	global, _ := CloudByName("global")
	var debug bytes.Buffer
	store := &Store{Dir: t.TempDir(), OpenCache: memCache}
	c, err := NewCredential(AuthOptions{Mode: AuthAuto, Cloud: global, Debug: &debug, Store: store, Retry: noRetry(),
		Env:       envOf(map[string]string{"AZURE_TENANT_ID": testTenant}),
		StdinTTY:  false,
		Transport: noNetwork{t}, HasAzureCLI: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "sign-in: access-token skipped: AUTOPILOTCTL_ACCESS_TOKEN is not set\n" +
		"sign-in: client-secret skipped: AZURE_CLIENT_SECRET is not set\n" +
		"sign-in: certificate skipped: AZURE_CLIENT_CERTIFICATE_PATH is not set\n" +
		"sign-in: workload-identity skipped: AZURE_FEDERATED_TOKEN_FILE is not set\n" +
		"sign-in: managed-identity skipped: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set\n" +
		"sign-in: cached skipped: no kept sign-in (`autopilotctl auth login` keeps one)\n" +
		"sign-in: device-code skipped: standard input is not a terminal\n"
	if debug.String() != want {
		t.Errorf("debug:\n%s\nwant:\n%s", debug.String(), want)
	}
	if got := c.sources; len(got) != 1 || got[0].mode != AuthAzureCLI {
		t.Errorf("chain = %v", got)
	}

	// An exclusive environment choice says why nothing else was tried, then how its attempt ended.
	debug.Reset()
	c, err = NewCredential(AuthOptions{Mode: AuthAuto, Cloud: global, Debug: &debug, Retry: noRetry(),
		Env:       envOf(map[string]string{"AZURE_TENANT_ID": testTenant, "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}),
		Transport: transportFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") })})
	if err != nil {
		t.Fatal(err)
	}
	c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{global.Scope()}})
	for _, line := range []string{
		"sign-in: access-token skipped: AUTOPILOTCTL_ACCESS_TOKEN is not set\n",
		"sign-in: certificate skipped: not tried: client-secret comes from the environment and is tried alone\n",
		"sign-in: azure-cli skipped: not tried: client-secret comes from the environment and is tried alone\n",
		"sign-in: trying client-secret\n",
		"sign-in: client-secret failed: could not reach the sign-in authority login.microsoftonline.com: connection refused\n",
	} {
		if !strings.Contains(debug.String(), line) {
			t.Errorf("debug lacks %q:\n%s", line, debug.String())
		}
	}
	if strings.Contains(debug.String(), "s3cret") {
		t.Error("secret in debug output")
	}
}

func memCache() (azidentity.Cache, error) { return azidentity.Cache{}, nil }

// fakeAuth is an interactive sign-in that holds a token and a refresh token, as a real one would.
type fakeAuth struct {
	rec   azidentity.AuthenticationRecord
	err   error
	calls int
}

func (f *fakeAuth) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.sig-access-token"}, nil
}

func (f *fakeAuth) Authenticate(context.Context, *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	f.calls++
	return f.rec, f.err
}

func testRecord() azidentity.AuthenticationRecord {
	return azidentity.AuthenticationRecord{Authority: "https://login.microsoftonline.com", ClientID: DefaultPublicClientID,
		HomeAccountID: "uid." + testTenant, TenantID: testTenant, Username: "admin@contoso.com", Version: "1.0"}
}

// auth login keeps the record in the config directory: who and where, no token, no secret, readable by the
// user only; a later auto run uses it before the Azure CLI and device code.
func TestLoginKeepsRecordWithoutSecrets(t *testing.T) {
	global, _ := CloudByName("global")
	store := &Store{Dir: filepath.Join(t.TempDir(), "autopilotctl"), OpenCache: memCache}
	fake := &fakeAuth{rec: testRecord()}
	o := AuthOptions{Cloud: global, StdinTTY: true, Store: store,
		Env: envOf(map[string]string{"AZURE_CLIENT_SECRET": "", "AUTOPILOTCTL_CERT_PASSWORD": "pw"}),
		NewAuthenticator: func(m AuthMode, _ AuthOptions, _ azcore.ClientOptions, _ azidentity.Cache) (Authenticator, error) {
			if m != AuthDeviceCode {
				t.Errorf("mode %s", m)
			}
			return fake, nil
		}}
	rec, err := Login(context.Background(), o, AuthDeviceCode)
	if err != nil || rec.Username != "admin@contoso.com" {
		t.Fatalf("Login = %+v, %v", rec, err)
	}
	data, err := os.ReadFile(store.RecordPath())
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]string
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, " ") != "authority clientId homeAccountId tenantId username version" {
		t.Errorf("record fields = %v", keys)
	}
	for _, secret := range []string{"eyJ", "access-token", "sig-", "refresh", "secret", "password"} {
		if bytes.Contains(bytes.ToLower(data), []byte(secret)) {
			t.Errorf("record file holds %q:\n%s", secret, data)
		}
	}
	if fi, _ := os.Stat(store.RecordPath()); fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode = %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(store.Dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", fi.Mode().Perm())
	}

	// The next auto run without a terminal finds it, before the Azure CLI and device code.
	plan, err := Plan(AuthOptions{Cloud: global, Store: store, HasAzureCLI: true, StdinTTY: true, Env: envOf(nil)})
	if err != nil || joinModes(plan) != "cached, azure-cli, device-code" {
		t.Errorf("plan = %v, %v", plan, err)
	}
	c, err := NewCredential(AuthOptions{Cloud: global, Store: store, Env: envOf(nil)})
	if err != nil || len(c.sources) != 1 || c.sources[0].mode != AuthCached || c.sources[0].account != "admin@contoso.com" {
		t.Fatalf("credential = %+v, %v", c, err)
	}
}

// A kept sign-in made for another cloud, tenant or app is not used, and --debug says why.
func TestKeptSignInMustFitTheRun(t *testing.T) {
	global, _ := CloudByName("global")
	usgov, _ := CloudByName("usgov")
	store := &Store{Dir: t.TempDir(), OpenCache: memCache}
	if err := store.saveRecord(testRecord()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    AuthOptions
		skip string
	}{
		{"fits", AuthOptions{Cloud: global}, ""},
		{"tenant by name is left to Entra ID", AuthOptions{Cloud: global, TenantID: "contoso.onmicrosoft.com"}, ""},
		{"same tenant from the environment", AuthOptions{Cloud: global, Env: envOf(map[string]string{"AZURE_TENANT_ID": strings.ToUpper(testTenant)})}, ""},
		{"other tenant", AuthOptions{Cloud: global, TenantID: testOther}, "the kept sign-in is for tenant " + testTenant + ", not " + testOther},
		{"other cloud", AuthOptions{Cloud: usgov}, "the kept sign-in is for login.microsoftonline.com, not --cloud usgov"},
		{"other app", AuthOptions{Cloud: global, ClientID: "app"}, "the kept sign-in used app " + DefaultPublicClientID + ", not --client-id app"},
		{"no store", AuthOptions{Cloud: global}, "no kept sign-in here"},
	}
	for _, tt := range tests {
		if tt.name != "no store" {
			tt.o.Store = store
		}
		if tt.o.Env == nil {
			tt.o.Env = envOf(nil)
		}
		if got := tt.o.keptSkip(); got != tt.skip {
			t.Errorf("%s: skip = %q, want %q", tt.name, got, tt.skip)
		}
	}

	// A record file that is not one is named, with how to get rid of it.
	os.WriteFile(store.RecordPath(), []byte("{not json"), 0o600)
	if got := (AuthOptions{Cloud: global, Store: store}).keptSkip(); !strings.HasPrefix(got, store.RecordPath()+" is not a sign-in record (") ||
		!strings.HasSuffix(got, "); `autopilotctl auth logout` removes it") {
		t.Errorf("corrupt record: %q", got)
	}
}

// No credential store: login stops before anyone is asked, keeps nothing, and never writes tokens to a file.
func TestLoginWithoutCredentialStoreKeepsNothing(t *testing.T) {
	global, _ := CloudByName("global")
	store := &Store{Dir: t.TempDir(), OpenCache: func() (azidentity.Cache, error) {
		return azidentity.Cache{}, errors.New(`persistent storage isn't available due to error "couldn't get the user keyring"`)
	}}
	fake := &fakeAuth{rec: testRecord()}
	o := AuthOptions{Cloud: global, StdinTTY: true, Store: store,
		NewAuthenticator: func(AuthMode, AuthOptions, azcore.ClientOptions, azidentity.Cache) (Authenticator, error) {
			return fake, nil
		}}
	_, err := Login(context.Background(), o, AuthBrowser)
	want := `the OS credential store cannot keep a sign-in here (persistent storage isn't available due to error "couldn't get the user keyring"), ` +
		"so nothing was asked or kept (tokens are never written to a plaintext file); sign in per command with --auth device-code instead"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if fake.calls != 0 {
		t.Error("the person was asked to sign in")
	}
	if entries, _ := os.ReadDir(store.Dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}

	// An ordinary command with --auth device-code falls back to memory and says so once.
	var stderr bytes.Buffer
	o.Prompt = &stderr
	if _, err := NewCredential(withMode(o, AuthDeviceCode)); err != nil {
		t.Fatal(err)
	}
	if stderr.String() != "note: the token cache is unavailable (persistent storage isn't available due to error \"couldn't get the user keyring\"): this sign-in lasts for this command only\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func withMode(o AuthOptions, m AuthMode) AuthOptions { o.Mode = m; return o }

// login refuses modes that are not a person's, and refuses without a terminal, before asking anyone.
func TestLoginRefusals(t *testing.T) {
	global, _ := CloudByName("global")
	fake := &fakeAuth{rec: testRecord()}
	newAuth := func(AuthMode, AuthOptions, azcore.ClientOptions, azidentity.Cache) (Authenticator, error) {
		return fake, nil
	}
	store := &Store{Dir: t.TempDir(), OpenCache: memCache}
	tests := []struct {
		mode AuthMode
		tty  bool
		want string
	}{
		{AuthClientSecret, true, "auth login signs a person in: use --auth browser or --auth device-code, not client-secret (apps sign in from the environment on every run; there is nothing to keep)"},
		{AuthDeviceCode, false, "auth login signs a person in: it needs a terminal, and standard input is not one"},
	}
	for _, tt := range tests {
		_, err := Login(context.Background(), AuthOptions{Cloud: global, StdinTTY: tt.tty, Store: store, NewAuthenticator: newAuth}, tt.mode)
		if !errors.Is(err, ErrLoginUsage) || err.Error() != tt.want {
			t.Errorf("%s: err = %v", tt.mode, err)
		}
	}
	if fake.calls != 0 {
		t.Error("asked anyway")
	}
	// Entra ID refusing the sign-in is an auth error, and nothing is kept.
	fake.err = errors.New("DeviceCodeCredential: AADSTS70016: Pending end-user authorization.\nmore")
	_, err := Login(context.Background(), AuthOptions{Cloud: global, StdinTTY: true, Store: store, NewAuthenticator: newAuth}, AuthDeviceCode)
	var ae *AuthError
	if !errors.As(err, &ae) || err.Error() != "sign-in failed: device-code: Entra ID refused the sign-in: AADSTS70016: Pending end-user authorization." {
		t.Errorf("err = %v", err)
	}
	if _, ok, _ := store.Record(); ok {
		t.Error("record kept after a failed sign-in")
	}
}

// logout removes the record and clears the cache; a second logout finds nothing and is fine.
func TestForgetRemovesRecordAndCache(t *testing.T) {
	cleared := 0
	store := &Store{Dir: t.TempDir(), OpenCache: memCache, ClearCache: func() error { cleared++; return nil }}
	store.saveRecord(testRecord())
	removed, err := store.Forget()
	if !removed || err != nil || cleared != 1 {
		t.Errorf("Forget = %v, %v, cleared %d", removed, err, cleared)
	}
	if _, err := os.Stat(store.RecordPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("record still there: %v", err)
	}
	removed, err = store.Forget()
	if removed || err != nil || cleared != 2 {
		t.Errorf("second Forget = %v, %v", removed, err)
	}
}

func ioNop(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// A kept sign-in whose tokens cannot be read is skipped when something else can be tried, and named when not.
func TestKeptSignInWithoutItsCache(t *testing.T) {
	global, _ := CloudByName("global")
	store := &Store{Dir: t.TempDir(), OpenCache: func() (azidentity.Cache, error) {
		return azidentity.Cache{}, errors.New("no keyring")
	}}
	store.saveRecord(testRecord())
	var debug bytes.Buffer
	c, err := NewCredential(AuthOptions{Cloud: global, Store: store, StdinTTY: true, Debug: &debug, Env: envOf(nil)})
	if err != nil || len(c.sources) != 1 || c.sources[0].mode != AuthDeviceCode ||
		!strings.Contains(debug.String(), "sign-in: cached skipped: the kept sign-in's tokens cannot be read: no keyring\n") {
		t.Errorf("with a terminal: %v, %v\n%s", c, err, debug.String())
	}
	_, err = NewCredential(AuthOptions{Cloud: global, Store: store, Env: envOf(nil)})
	if err == nil || err.Error() != "cached sign-in: the kept sign-in's tokens cannot be read: no keyring" {
		t.Errorf("alone: %v", err)
	}
}
