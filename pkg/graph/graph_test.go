package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ0MSJ9.c2lnbmF0dXJl" // header.{"tid":"t1"}.signature

// fakeGraph answers with a per-path script and records what it was sent.
type fakeGraph struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	handle   func(w http.ResponseWriter, r *http.Request, body string)
}

func (f *fakeGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, "bad gzip", 400)
			return
		}
		rd = gz
	}
	body, _ := io.ReadAll(rd)
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	f.handle(w, r, string(body))
}

type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, d)
	return nil
}

func newTestClient(t *testing.T, f *fakeGraph, debug io.Writer) (*Client, *sleeps) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s := &sleeps{}
	c, err := New(Config{
		BaseURL:    srv.URL + "/beta",
		Credential: staticToken(testToken),
		Scopes:     []string{"https://graph.microsoft.com/.default"},
		HTTPClient: srv.Client(),
		Debug:      debug,
		Retry:      RetryPolicy{Sleep: s.sleep},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestCloudEndpoints(t *testing.T) {
	tests := []struct{ name, graph, authority string }{
		{"global", "https://graph.microsoft.com/beta", "https://login.microsoftonline.com/"},
		{"usgov", "https://graph.microsoft.us/beta", "https://login.microsoftonline.us/"},
		{"usgovdod", "https://dod-graph.microsoft.us/beta", "https://login.microsoftonline.us/"},
		{"china", "https://microsoftgraph.chinacloudapi.cn/beta", "https://login.chinacloudapi.cn/"},
	}
	for _, tt := range tests {
		c, err := CloudByName(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := BaseURL(c, "")
		if got != tt.graph || c.Authority.ActiveDirectoryAuthorityHost != tt.authority {
			t.Errorf("%s: graph %s authority %s", tt.name, got, c.Authority.ActiveDirectoryAuthorityHost)
		}
		if c.Scope() != strings.TrimSuffix(tt.graph, "/beta")+"/.default" {
			t.Errorf("%s: scope %s", tt.name, c.Scope())
		}
	}
	if _, err := CloudByName("mars"); err == nil || err.Error() != `invalid --cloud "mars": use one of global, usgov, usgovdod, china` {
		t.Errorf("unknown cloud: %v", err)
	}
}

func TestBaseURLLoopbackOnlyHTTP(t *testing.T) {
	global, _ := CloudByName("global")
	tests := []struct{ in, want, err string }{
		{"http://127.0.0.1:8080/beta/", "http://127.0.0.1:8080/beta", ""},
		{"http://localhost:9/beta", "http://localhost:9/beta", ""},
		{"http://[::1]:9/beta", "http://[::1]:9/beta", ""},
		{"https://graph.example.com/beta", "https://graph.example.com/beta", ""},
		{"http://graph.example.com/beta", "", `invalid Graph URL "http://graph.example.com/beta": http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https`},
		{"http://10.0.0.1/beta", "", `invalid Graph URL "http://10.0.0.1/beta": http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https`},
		{"ftp://127.0.0.1/beta", "", `invalid Graph URL "ftp://127.0.0.1/beta": scheme must be https`},
		{"graph.microsoft.com", "", `invalid Graph URL "graph.microsoft.com": want an absolute URL such as https://graph.microsoft.com/beta`},
		// Userinfo is refused before anything else is checked, so no message can quote the password.
		{"https://user:hunter2@graph.example.com/beta", "", "--graph-url must not contain a user name or password"},
		{"https://user@graph.example.com/beta", "", "--graph-url must not contain a user name or password"},
		{"ftp://user:hunter2@127.0.0.1/beta", "", "--graph-url must not contain a user name or password"},
		{"user:hunter2@graph.example.com/beta", "", "--graph-url must not contain a user name or password"},
		{"https://us er:hun ter2@graph.example.com/beta", "", "--graph-url must not contain a user name or password"},
		{"https://graph.example.com/beta/users/a@b.com", "https://graph.example.com/beta/users/a@b.com", ""},
		// Request paths are appended to the base URL: a query or fragment would swallow them.
		{"http://127.0.0.1:9202/beta?x", "", `invalid Graph URL "http://127.0.0.1:9202/beta?x": it must not have a query (?…) or fragment (#…); give the version root, such as https://graph.microsoft.com/beta`},
		{"https://graph.example.com/beta?", "", `invalid Graph URL "https://graph.example.com/beta?": it must not have a query (?…) or fragment (#…); give the version root, such as https://graph.microsoft.com/beta`},
		{"https://graph.example.com/beta#", "", `invalid Graph URL "https://graph.example.com/beta#": it must not have a query (?…) or fragment (#…); give the version root, such as https://graph.microsoft.com/beta`},
		{"https://graph.example.com/beta#x", "", `invalid Graph URL "https://graph.example.com/beta#x": it must not have a query (?…) or fragment (#…); give the version root, such as https://graph.microsoft.com/beta`},
	}
	for _, tt := range tests {
		got, err := BaseURL(global, tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: err %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v", tt.in, got, err)
		}
	}
}

func TestSDKRequestBuilderGoesThroughPipeline(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"@odata.type":"#microsoft.graph.windowsAutopilotDeviceIdentity","id":"d1","serialNumber":"SN1","groupTag":"Sales"}`)
	}}
	c, _ := newTestClient(t, f, nil)
	dev, err := c.DeviceManagement().
		WindowsAutopilotDeviceIdentities().ByWindowsAutopilotDeviceIdentityId("d1").Get(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if *dev.GetSerialNumber() != "SN1" || *dev.GetGroupTag() != "Sales" {
		t.Errorf("device = %v %v", *dev.GetSerialNumber(), *dev.GetGroupTag())
	}
	if p := f.requests[0].URL.Path; p != "/beta/deviceManagement/windowsAutopilotDeviceIdentities/d1" {
		t.Errorf("path %s", p)
	}
	if f.requests[0].Header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("no token on SDK request")
	}
}

func TestErrorTranslation(t *testing.T) {
	intune := `{"error":{"code":"BadRequest","message":"{\r\n  \"_version\": 3,\r\n  \"Message\": \"An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: 1111 - Url: https://fef.msub07.manage.microsoft.com/DeviceEnrollmentFE/x?api-version=2021\",\r\n  \"CustomApiErrorPhrase\": \"\",\r\n  \"RetryAfter\": null,\r\n  \"ErrorSourceService\": \"\",\r\n  \"HttpHeaders\": \"{}\"\r\n}","innerError":{"date":"2024-01-01T00:00:00","request-id":"req-1","client-request-id":"c-1"}}}`
	tests := []struct {
		name   string
		status int
		body   string
		want   string
		auth   bool
	}{
		{"intune nested message", 400, intune, "Graph answered 400 Bad Request: BadRequest: An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: 1111 (request-id req-1)", false},
		{"forbidden", 403, `{"error":{"code":"Forbidden","message":"Application is not authorized to perform this operation.","innerError":{"request-id":"req-2"}}}`, "Graph answered 403 Forbidden: Forbidden: Application is not authorized to perform this operation. (request-id req-2)", true},
		{"unauthorized", 401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.","innerError":{"request-id":"req-3"}}}`, "Graph answered 401 Unauthorized: InvalidAuthenticationToken: Access token is empty. (request-id req-3)", true},
		{"plain message", 404, `{"error":{"code":"ResourceNotFound","message":"Resource not found","innerError":{"request-id":"req-4"}}}`, "Graph answered 404 Not Found: ResourceNotFound: Resource not found (request-id req-4)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}}
			c, _ := newTestClient(t, f, nil)
			err := c.Do(context.Background(), "GET", "/deviceManagement/x", nil, &struct{}{})
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("err = %T %v", err, err)
			}
			if ge.Error() != tt.want || ge.IsAuth() != tt.auth {
				t.Errorf("got %q auth=%v", ge.Error(), ge.IsAuth())
			}
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name      string
		answers   []int
		header    string
		noRetry   bool
		wantCalls int
		wantSleep []time.Duration
		wantErr   bool
	}{
		{"fractional Retry-After kept", []int{429, 200}, "1.5", false, 2, []time.Duration{1500 * time.Millisecond}, false},
		{"503 then 504 then ok", []int{503, 504, 200}, "2", false, 3, []time.Duration{2 * time.Second, 2 * time.Second}, false},
		{"too long a wait comes back", []int{429, 200}, "600", false, 1, nil, true},
		{"bounded", []int{429, 429, 429, 429, 429, 429, 429}, "1", false, 6, []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second}, true},
		{"no retry when asked", []int{429, 200}, "1", true, 1, nil, true},
	}
	for _, tt := range []struct {
		name    string
		answers []int
		calls   int
		wantErr bool
	}{
		{"unsafe POST: 429 retried", []int{429, 200}, 2, false},
		{"unsafe POST: 504 comes back", []int{504, 200}, 1, true},
		{"unsafe POST: 503 comes back", []int{503, 200}, 1, true},
	} {
		n := 0
		f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
			st := tt.answers[n]
			n++
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(st)
		}}
		c, _ := newTestClient(t, f, nil)
		var told []time.Duration
		ctx := NotifyThrottle(RetryThrottledOnly(context.Background()), func(d time.Duration) { told = append(told, d) })
		err := c.Do(ctx, "POST", "/x/import", map[string]string{"a": "b"}, nil)
		if (err != nil) != tt.wantErr || n != tt.calls {
			t.Errorf("%s: err=%v calls=%d", tt.name, err, n)
		}
		if want := map[bool]string{true: "[1s]", false: "[]"}[tt.answers[0] == 429]; fmt.Sprint(told) != want {
			t.Errorf("%s: throttle hook heard %v, want %s", tt.name, told, want)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
				if body != `{"groupTag":"Sales"}` {
					t.Errorf("attempt %d body %q", n, body)
				}
				st := tt.answers[n]
				n++
				if st != 200 {
					w.Header().Set("Retry-After", tt.header)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(st)
					io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`)
					return
				}
				w.WriteHeader(204)
			}}
			c, s := newTestClient(t, f, nil)
			ctx := Idempotent(context.Background()) // an action that sets a value
			if tt.noRetry {
				ctx = WithoutRetry(ctx)
			}
			err := c.Do(ctx, "POST", "/x/updateDeviceProperties", map[string]string{"groupTag": "Sales"}, nil)
			if (err != nil) != tt.wantErr || n != tt.wantCalls || fmt.Sprint(s.got) != fmt.Sprint(tt.wantSleep) {
				t.Errorf("err=%v calls=%d sleeps=%v", err, n, s.got)
			}
		})
	}
}

func TestBatchRetriesThrottledItems(t *testing.T) {
	var mu sync.Mutex // batches arrive in parallel
	round := map[string]int{}
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
		mu.Lock()
		defer mu.Unlock()
		var req struct{ Requests []BatchRequest }
		json.Unmarshal([]byte(body), &req)
		if len(req.Requests) > MaxBatch {
			t.Errorf("batch of %d", len(req.Requests))
		}
		var out []map[string]any
		for _, it := range req.Requests {
			round[it.ID]++
			if it.Headers["Content-Type"] != "application/json" {
				t.Errorf("item %s lacks Content-Type", it.ID)
			}
			switch {
			case it.ID == "7" && round[it.ID] < 3, it.ID == "23" && round[it.ID] < 2:
				out = append(out, map[string]any{"id": it.ID, "status": 429, "headers": map[string]string{"retry-after": "3"}})
			case it.ID == "9":
				out = append(out, map[string]any{"id": it.ID, "status": 404, "body": map[string]any{"error": map[string]any{"code": "ResourceNotFound", "message": "gone"}}})
			default:
				out = append(out, map[string]any{"id": it.ID, "status": 204})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"responses": out})
	}}
	c, s := newTestClient(t, f, nil)
	var reqs []BatchRequest
	for i := 1; i <= 45; i++ {
		reqs = append(reqs, BatchRequest{Method: "POST", URL: fmt.Sprintf("/deviceManagement/windowsAutopilotDeviceIdentities/d%d/updateDeviceProperties", i), Body: json.RawMessage(`{"groupTag":"X"}`)})
	}
	clock := time.Unix(0, 0)
	var paced []time.Duration
	pacer := NewPacer(WriteBudget{Writes: 1000, Window: time.Second}, func() time.Time { return clock },
		func(_ context.Context, d time.Duration) error {
			paced = append(paced, d)
			clock = clock.Add(d)
			return nil
		})
	res, err := c.Batch(context.Background(), reqs, BatchOptions{Concurrency: 2, Pacer: pacer})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := 204
		if r.ID == "9" {
			want = 404
		}
		if r.ID != fmt.Sprint(i+1) || r.Status != want {
			t.Errorf("result %d = %s %d", i, r.ID, r.Status)
		}
	}
	if res[6].Attempts != 3 || res[22].Attempts != 2 || res[0].Attempts != 1 {
		t.Errorf("attempts %d %d %d", res[6].Attempts, res[22].Attempts, res[0].Attempts)
	}
	if got := res[8].Error().Error(); got != "Graph answered 404 Not Found: ResourceNotFound: gone" {
		t.Errorf("item error %q", got)
	}
	// 45 items, then 2, then 1: the pacer blocks for the 429's Retry-After before each re-send round.
	blocked := 0
	for _, d := range paced {
		if d == 3*time.Second {
			blocked++
		}
	}
	if len(f.requests) != 5 || fmt.Sprint(s.got) != "[3s 3s]" || blocked != 2 {
		t.Errorf("batches=%d paced=%v sleeps=%v", len(f.requests), paced, s.got)
	}
}

func TestDebugLogRedactsSecrets(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("request-id", "rid-42")
		w.WriteHeader(204)
	}}
	var debug bytes.Buffer
	c, _ := newTestClient(t, f, &debug)
	hash := "T0VNOkhBU0g6SEFSRFdBUkU="
	if err := c.Do(context.Background(), "POST", "/deviceManagement/importedWindowsAutopilotDeviceIdentities", map[string]string{"hardwareIdentifier": hash}, nil); err != nil {
		t.Fatal(err)
	}
	log := debug.String()
	if !strings.Contains(log, "POST ") || !strings.Contains(log, "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities -> 204 in ") || !strings.Contains(log, "request-id=rid-42") {
		t.Errorf("debug log lacks the request line: %q", log)
	}
	for _, secret := range []string{testToken, "Bearer", hash} {
		if strings.Contains(log, secret) {
			t.Errorf("debug log contains %q", secret)
		}
	}
}

func TestParseClaims(t *testing.T) {
	payload := `{"tid":"tenant-1","appid":"app-1","app_displayname":"autopilot-ci","exp":1893456000,"roles":["DeviceManagementServiceConfig.ReadWrite.All","Group.Read.All"],"idtyp":"app"}`
	tok := "e30." + b64(payload) + ".sig"
	c, err := ParseClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != "tenant-1" || c.AppID != "app-1" || !c.AppOnly || c.Expires.Format(time.RFC3339) != "2030-01-01T00:00:00Z" ||
		strings.Join(c.Permissions, " ") != "DeviceManagementServiceConfig.ReadWrite.All Group.Read.All" {
		t.Errorf("claims %+v", c)
	}
	delegated, _ := ParseClaims("e30." + b64(`{"tid":"t","azp":"a","upn":"anna@contoso.com","scp":"Group.Read.All DeviceManagementServiceConfig.Read.All"}`) + ".s")
	if delegated.AppOnly || delegated.User != "anna@contoso.com" || strings.Join(delegated.Permissions, " ") != "DeviceManagementServiceConfig.Read.All Group.Read.All" {
		t.Errorf("delegated %+v", delegated)
	}
	if _, err := ParseClaims("opaque"); err == nil {
		t.Error("opaque token parsed")
	}
}

// Graph refusing the $batch request itself is final: reported once, not re-sent round after round.
func TestBatchRefusedIsReturned(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(403)
		io.WriteString(w, `{"error":{"code":"Forbidden","message":"Insufficient privileges"}}`)
	}}
	c, s := newTestClient(t, f, nil)
	_, err := c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/deviceManagement/x/1"}}, BatchOptions{})
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 403 || len(f.requests) != 1 || len(s.got) != 0 {
		t.Errorf("err %v, %d requests, sleeps %v", err, len(f.requests), s.got)
	}
}

// A "." or ".." path segment (an id from the server or a file) is never sent, plain or inside $batch: a
// normalising proxy would resolve it to another object.
func TestDotSegmentsAreNeverSent(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) { w.WriteHeader(204) }}
	c, _ := newTestClient(t, f, nil)
	for _, path := range []string{
		"/deviceManagement/windowsAutopilotDeploymentProfiles/p1/assignments/..",
		"/deviceManagement/deviceEnrollmentConfigurations/%2e%2E",
		"/deviceManagement/deviceEnrollmentConfigurations/./assign",
	} {
		err := c.Do(context.Background(), "DELETE", path, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "segment, which no Graph path has") {
			t.Errorf("%s: %v", path, err)
		}
	}
	_, err := c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/deviceManagement/windowsAutopilotDeploymentProfiles/p1/assignments/.."}}, BatchOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "batch item 1: the request path") {
		t.Errorf("batch: %v", err)
	}
	if len(f.requests) != 0 {
		t.Errorf("%d requests reached the server", len(f.requests))
	}
	if err := CheckPath("/deviceManagement/deviceEnrollmentConfigurations/a1b2_DefaultWindows10EnrollmentCompletionPageConfiguration"); err != nil {
		t.Errorf("an ESP id: %v", err)
	}
}

// A POST that creates something is not sent again after a 503 or 504: the service may have acted before the
// answer was lost, and a second create leaves a duplicate. Only a 429 (refused before processing) is retried.
func TestCreateIsNotRetriedOnAnUnknownOutcome(t *testing.T) {
	for _, status := range []int{503, 504, 429} {
		n := 0
		f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
			n++
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(status)
				return
			}
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"g1"}`)
		}}
		c, _ := newTestClient(t, f, nil)
		err := c.Do(context.Background(), "POST", "/groups", map[string]string{"displayName": "G"}, &map[string]any{})
		want := map[int]int{503: 1, 504: 1, 429: 2}[status]
		if n != want || (err == nil) != (status == 429) {
			t.Errorf("%d: %d calls (want %d), err %v", status, n, want, err)
		}
	}
}
