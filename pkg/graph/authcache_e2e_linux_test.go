package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache"
)

const (
	e2eAccessToken  = "eyJ0eXAiOiJKV1QifQ.eyJzY3AiOiJEZXZpY2VNYW5hZ2VtZW50In0.access-token-value"
	e2eRefreshToken = "refresh-token-value-0123456789"
)

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// deviceCodeAuthority is fakeAuthority with a device-code endpoint and a token endpoint that signs admin@contoso.com in.
func deviceCodeAuthority(t *testing.T, tokens *atomic.Int32, grants *[]string) transportFunc {
	inner := fakeAuthority(t, func(form string) (int, string) {
		tokens.Add(1)
		q, _ := url.ParseQuery(form)
		*grants = append(*grants, q.Get("grant_type"))
		now := time.Now().Unix()
		idToken := b64json(map[string]any{"alg": "none"}) + "." + b64json(map[string]any{
			"iss": "https://login.microsoftonline.com/" + testTenant + "/v2.0", "tid": testTenant, "oid": "uid", "sub": "sub",
			"aud": DefaultPublicClientID, "preferred_username": "admin@contoso.com", "iat": now, "nbf": now, "exp": now + 3600,
		}) + "."
		body, _ := json.Marshal(map[string]any{"token_type": "Bearer", "scope": "https://graph.microsoft.com/.default",
			"expires_in": 3600, "ext_expires_in": 3600, "access_token": e2eAccessToken, "refresh_token": e2eRefreshToken,
			"id_token": idToken, "client_info": b64json(map[string]string{"uid": "uid", "utid": testTenant})})
		return 200, string(body)
	})
	return func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/devicecode") {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: ioNop(`{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin",` +
					`"expires_in":900,"interval":1,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."}`)}, nil
		}
		return inner(r)
	}
}

// The whole path with azidentity's real credentials and the real persistent cache (kernel keyring + encrypted
// file under a temporary XDG_CACHE_HOME): auth login by device code prints where it waits and keeps the
// sign-in; the next auto run takes a token from the cache without asking Entra ID or anyone; logout forgets it.
func TestLoginThenAutoThenLogoutWithThePersistentCache_SkipsWithoutKernelKeyring(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if _, err := cache.New(&cache.Options{Name: cacheName}); err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	global, _ := CloudByName("global")
	var tokens atomic.Int32
	var grants []string
	var stderr bytes.Buffer
	o := AuthOptions{Cloud: global, StdinTTY: true, Prompt: &stderr, Env: envOf(nil), Retry: noRetry(),
		Transport: deviceCodeAuthority(t, &tokens, &grants), Store: &Store{Dir: filepath.Join(t.TempDir(), "autopilotctl")}}
	rec, err := Login(context.Background(), o, AuthDeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Username != "admin@contoso.com" || rec.TenantID != testTenant || tokens.Load() != 1 {
		t.Fatalf("record %+v after %d token requests", rec, tokens.Load())
	}
	if !strings.Contains(stderr.String(), "https://microsoft.com/devicelogin and enter the code ABCD-EFGH") {
		t.Errorf("stderr = %q", stderr.String())
	}
	// Neither file holds a token in clear.
	cacheFile := filepath.Join(os.Getenv("XDG_CACHE_HOME"), ".IdentityService", cacheName)
	for _, p := range []string{o.Store.RecordPath(), cacheFile} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("access-token-value")) || bytes.Contains(data, []byte(e2eRefreshToken)) {
			t.Errorf("%s holds a token in clear", p)
		}
	}

	// A later run (a new store value, as a new process has) signs in silently from the cache.
	later := o
	later.Mode, later.StdinTTY, later.Prompt = AuthAuto, false, nil
	later.Store = &Store{Dir: o.Store.Dir}
	c, err := NewCredential(later)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{global.Scope()}})
	if err != nil || tok.Token != e2eAccessToken {
		t.Fatalf("silent token = %q, %v", tok.Token, err)
	}
	// Silent: from the cache, or with the cached refresh token, never another device code.
	if c.Used() != AuthCached || c.Account() != "admin@contoso.com" || strings.Count(strings.Join(grants, " "), "device_code") != 1 ||
		tokens.Load() > 2 || (tokens.Load() == 2 && grants[1] != "refresh_token") {
		t.Errorf("used %s as %q after token requests %v", c.Used(), c.Account(), grants)
	}

	// logout: record and cache gone; the next auto run has nothing to use.
	if removed, err := later.Store.Forget(); !removed || err != nil {
		t.Fatalf("Forget = %v, %v", removed, err)
	}
	if _, err := os.Stat(cacheFile); !os.IsNotExist(err) {
		t.Errorf("cache file still there: %v", err)
	}
	if _, err := NewCredential(later); err == nil || !strings.HasPrefix(err.Error(), "no credential found") {
		t.Errorf("after logout: %v", err)
	}
}
