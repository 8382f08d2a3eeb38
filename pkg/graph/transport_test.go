package graph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// limitedClient is a client on the production transport (no test transport underneath) with short limits.
func limitedClient(t *testing.T, base string, l Limits) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: base, Credential: staticToken(testToken), Scopes: []string{"s"}, Limits: l,
		Retry: RetryPolicy{Sleep: func(context.Context, time.Duration) error { t.Error("unexpected retry"); return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawServer accepts TCP connections and hands each to serve; done closes at the end of the test, which also
// closes the connections.
func rawServer(t *testing.T, serve func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				go func() { <-done; conn.Close() }()
				bufio.NewReader(conn).ReadString('\n') // the request line; the rest is not needed
				serve(conn, done)
			}()
		}
	}()
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	return "http://" + ln.Addr().String() + "/beta"
}

// tick writes b every d until the connection or the test ends.
func tick(conn net.Conn, b string, d time.Duration, n int) {
	for range n {
		if _, err := io.WriteString(conn, b); err != nil {
			return
		}
		time.Sleep(d)
	}
}

// Each misbehaving server makes the call fail with the limit it broke, within that limit (plus slack for a busy
// machine), whatever the call: raw Do, SDK builder or List.
func TestMisbehavingServersEndInBoundedTime(t *testing.T) {
	short := Limits{ResponseHeaderTimeout: 300 * time.Millisecond, IdleReadTimeout: 300 * time.Millisecond, AttemptTimeout: 2 * time.Second}
	tests := []struct {
		name   string
		limits Limits
		serve  func(net.Conn, <-chan struct{})
		want   string // after "GET <base>/deviceManagement/windowsAutopilotDeviceIdentities: "
		within time.Duration
	}{
		{"accepts and never answers", short, func(_ net.Conn, done <-chan struct{}) { <-done },
			"Graph sent no answer within 300ms", 2 * time.Second},
		{"trickles headers", short, func(c net.Conn, _ <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			tick(c, "X-Slow: 1\r\n", 100*time.Millisecond, 100)
		}, "Graph sent no answer within 300ms", 2 * time.Second},
		{"stalls mid-body", short, func(c net.Conn, done <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"value\":[")
			<-done
		}, "Graph's answer stalled: no data for 300ms", 2 * time.Second},
		{"trickles the body for ever", Limits{IdleReadTimeout: time.Second, AttemptTimeout: 800 * time.Millisecond}, func(c net.Conn, _ <-chan struct{}) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
			tick(c, " ", 50*time.Millisecond, 200)
		}, "Graph's answer took longer than 800ms", 3 * time.Second},
	}
	calls := map[string]func(context.Context, *Client) error{
		"Do": func(ctx context.Context, c *Client) error {
			return c.Do(ctx, "GET", "/deviceManagement/windowsAutopilotDeviceIdentities", nil, &struct{}{})
		},
		"SDK": func(ctx context.Context, c *Client) error {
			_, err := c.DeviceManagement().WindowsAutopilotDeviceIdentities().Get(ctx, nil)
			return Translate(err)
		},
		"List": func(ctx context.Context, c *Client) error {
			return c.List(ctx, "/deviceManagement/windowsAutopilotDeviceIdentities", func(json.RawMessage) error { return nil })
		},
	}
	for _, tt := range tests {
		for name, call := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				base := rawServer(t, tt.serve)
				c := limitedClient(t, base, tt.limits)
				start := time.Now()
				err := call(context.Background(), c)
				took := time.Since(start)
				want := "GET " + base + "/deviceManagement/windowsAutopilotDeviceIdentities: " + tt.want
				var le *LimitError
				if !errors.As(err, &le) || err.Error() != want {
					t.Fatalf("err = %v\nwant %s", err, want)
				}
				if took > tt.within {
					t.Errorf("took %s, want under %s", took, tt.within)
				}
			})
		}
	}
}

// A deadline on the caller's context (--timeout) ends a call that would otherwise wait on the limits, and a
// Retry-After that would outlast it is not waited for.
func TestCallerDeadlineEndsTheCall(t *testing.T) {
	base := rawServer(t, func(_ net.Conn, done <-chan struct{}) { <-done })
	c := limitedClient(t, base, Limits{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, "GET", "/x", nil, &struct{}{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %s", err, time.Since(start))
	}

	n := 0
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		n++
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	}}
	tc, s := newTestClient(t, f, nil)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = tc.Do(ctx, "GET", "/x", nil, &struct{}{})
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 429 || n != 1 || len(s.got) != 0 {
		t.Errorf("err %v after %d requests, sleeps %v", err, n, s.got)
	}
}

// pageServer answers GETs with a page whose nextLink is next(path), counting requests.
func pageServer(t *testing.T, next func(base, path string) string) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[{"n":%d}],"@odata.nextLink":%q}`, n.Load(), next(base, r.URL.RequestURI()))
	}))
	t.Cleanup(srv.Close)
	base = srv.URL + "/beta"
	c, err := New(Config{BaseURL: base, HTTPClient: srv.Client(), Limits: Limits{MaxPages: 5}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestListStopsOnRepeatedOrEndlessNextLinks(t *testing.T) {
	tests := []struct {
		name      string
		next      func(base, path string) string
		wantErr   string // %s is the base URL
		wantCalls int32
	}{
		{"page points to itself", func(base, path string) string { return base + "/deviceManagement/a" },
			"listing /deviceManagement/a: Graph's nextLink after page 1 points back to a page already read (%s/deviceManagement/a); stopped", 1},
		{"A to B to A", func(base, path string) string {
			if strings.HasSuffix(path, "/a") {
				return base + "/deviceManagement/b"
			}
			return base + "/deviceManagement/a"
		}, "listing /deviceManagement/a: Graph's nextLink after page 2 points back to a page already read (%s/deviceManagement/a); stopped", 2},
		{"never ends", func(base, path string) string { return base + path + "x" },
			"listing /deviceManagement/a: more than 5 pages; stopped", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n := pageServer(t, tt.next)
			items := 0
			err := c.List(context.Background(), "/deviceManagement/a", func(json.RawMessage) error { items++; return nil })
			want := tt.wantErr
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, c.BaseURL)
			}
			if err == nil || err.Error() != want || n.Load() != tt.wantCalls || items != int(tt.wantCalls) {
				t.Errorf("err = %v\nwant %s\nrequests %d, items %d, want %d", err, want, n.Load(), items, tt.wantCalls)
			}
		})
	}
}

// bombMember is one gzip member inflating to 1 MiB of zeros; members concatenated form one valid gzip stream.
func bombMember(t *testing.T) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A body past the cap, plain or inflated from gzip, fails with the limit, and reading stops there: the server
// gets to send little more than the cap plus the sockets' buffers, and the client allocates about the cap.
func TestAnswerSizeIsCapped(t *testing.T) {
	const limit = 4 << 20
	member := bombMember(t)
	tests := []struct {
		name    string
		gzipped bool
	}{{"plain 1 GiB", false}, {"gzip: 1 MiB inflating to 1 GiB", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				chunk := make([]byte, 1<<20)
				if tt.gzipped {
					w.Header().Set("Content-Encoding", "gzip")
					chunk = member
				}
				for range 1024 { // 1 GiB of JSON-ish zeros once inflated
					n, err := w.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL + "/beta", HTTPClient: srv.Client(), Limits: Limits{MaxBodyBytes: limit}})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err = c.Do(context.Background(), "GET", "/big", nil, &struct{}{})
			runtime.ReadMemStats(&after)
			want := "GET " + srv.URL + "/beta/big: Graph's answer is larger than 4 MiB; stopped reading"
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("client allocated %d MiB reading a capped answer", alloc>>20)
			}
			srv.CloseClientConnections()
			if s := sent.Load(); !tt.gzipped && s > 64<<20 {
				t.Errorf("server sent %d MiB before the client stopped reading", s>>20)
			}
		})
	}
}

func TestSizeCapAppliesToSDKAndBatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		status := 200
		if r.URL.Path == "/beta/err" {
			status = 500
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"value":[],"pad":"%s"}`, strings.Repeat("x", 2000))
	}))
	defer srv.Close()
	var requests atomic.Int32
	c, err := New(Config{BaseURL: srv.URL + "/beta", HTTPClient: &http.Client{Transport: countingTransport{srv.Client().Transport, &requests}},
		Limits: Limits{MaxBodyBytes: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeviceManagement().WindowsAutopilotDeviceIdentities().Get(context.Background(), nil)
	if want := "GET " + srv.URL + "/beta/deviceManagement/windowsAutopilotDeviceIdentities: Graph's answer is larger than 1000 bytes; stopped reading"; err == nil || Translate(err).Error() != want {
		t.Errorf("SDK: %v", err)
	}
	err = c.Do(context.Background(), "GET", "/err", nil, nil)
	if want := "GET " + srv.URL + "/beta/err: Graph's answer is larger than 1000 bytes; stopped reading"; err == nil || err.Error() != want {
		t.Errorf("error body: %v", err)
	}
	requests.Store(0)
	_, err = c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/x/1"}}, BatchOptions{})
	if want := "POST " + srv.URL + "/beta/$batch: Graph's answer is larger than 1000 bytes; stopped reading"; err == nil || err.Error() != want ||
		requests.Load() != 1 {
		t.Errorf("batch: %v after %d requests", err, requests.Load())
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int32
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestRetryAfterRange(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Duration
		present bool
		bad     bool
	}{
		{"", 0, false, false},
		{"1.5", 1500 * time.Millisecond, true, false},
		{"0", 0, true, false},
		{"86400", 24 * time.Hour, true, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true, false},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true, false},
		{"-1", 0, true, true},
		{"NaN", 0, true, true},
		{"Inf", 0, true, true},
		{"1e12", 0, true, true},
		{"86401", 0, true, true},
		{now.AddDate(10, 0, 0).Format(http.TimeFormat), 0, true, true},
		{"soon", 0, true, true},
	}
	for _, tt := range tests {
		d, present, err := ParseRetryAfter(tt.in, now)
		if d != tt.want || present != tt.present || (err != nil) != tt.bad {
			t.Errorf("%q: %s %v %v", tt.in, d, present, err)
		}
		if d, ok := RetryAfter(tt.in, now); ok != (tt.present && !tt.bad) || d != tt.want {
			t.Errorf("RetryAfter(%q) = %s %v", tt.in, d, ok)
		}
	}
}

// An absurd Retry-After ends the call with Graph's answer and the reason, after one request and no wait.
func TestAbsurdRetryAfterGivesUp(t *testing.T) {
	for _, v := range []string{"-1", "NaN", "1e12", time.Now().AddDate(5, 0, 0).UTC().Format(http.TimeFormat)} {
		n := 0
		f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
			n++
			w.Header().Set("Retry-After", v)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"Slow down."}}`)
		}}
		c, s := newTestClient(t, f, nil)
		err := c.Do(context.Background(), "GET", "/x", nil, &struct{}{})
		want := fmt.Sprintf(`Graph answered 429 Too Many Requests: TooManyRequests: Slow down.; Retry-After %q is not a usable wait (negative, not a number or date, or over 24h0m0s); not retried`, v)
		if err == nil || err.Error() != want || n != 1 || len(s.got) != 0 {
			t.Errorf("%s: err %v\nwant %s\nrequests %d sleeps %v", v, err, want, n, s.got)
		}
	}

	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"responses":[{"id":"1","status":429,"headers":{"Retry-After":"1e12"}}]}`)
	}}
	c, s := newTestClient(t, f, nil)
	res, err := c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/x/1"}}, BatchOptions{})
	if err != nil || len(f.requests) != 1 || len(s.got) != 0 || res[0].Error().Error() !=
		`Graph answered 429 Too Many Requests: Retry-After "1e12" is not a usable wait (negative, not a number or date, or over 24h0m0s); not retried` {
		t.Errorf("batch: %v, %d requests, sleeps %v, item %v", err, len(f.requests), s.got, res[0].Error())
	}
}

// Error answers that are not JSON are reported with their status and first bytes, control characters escaped,
// whichever way the call was made.
func TestNonJSONErrorAnswers(t *testing.T) {
	html := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\x1b]0;pwned\x07" + strings.Repeat("<p>filler</p>", 40) + "</body></html>"
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"proxy HTML page", "text/html", html, 502,
			`Graph answered 502 Bad Gateway: <html> <head><title>502 Bad Gateway</title></head> <body>\x1b]0;pwned\a<p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>filler</p><p>…`},
		{"431 text/plain", "text/plain; charset=utf-8", "Request Header Fields Too Large\n", 431,
			"Graph answered 431 Request Header Fields Too Large: Request Header Fields Too Large"},
		{"no body", "", "", 502, "Graph answered 502 Bad Gateway"},
	}
	for _, tt := range tests {
		f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
			if tt.contentType != "" {
				w.Header().Set("Content-Type", tt.contentType)
			}
			w.WriteHeader(tt.status)
			io.WriteString(w, tt.body)
		}}
		c, _ := newTestClient(t, f, nil)
		ctx := context.Background()
		_, sdkErr := c.DeviceManagement().WindowsAutopilotDeviceIdentities().Get(ctx, nil)
		_, batchErr := c.Batch(ctx, []BatchRequest{{Method: "DELETE", URL: "/x/1"}}, BatchOptions{})
		errs := map[string]error{
			"Do":                c.Do(ctx, "GET", "/x", nil, &struct{}{}),
			"Do without answer": c.Do(ctx, "DELETE", "/x", nil, nil),
			"List":              c.List(ctx, "/x", func(json.RawMessage) error { return nil }),
			"SDK":               Translate(sdkErr),
			"Batch":             batchErr,
		}
		for call, err := range errs {
			var ge *Error
			if !errors.As(err, &ge) || err.Error() != tt.want || ge.Status != tt.status {
				t.Errorf("%s/%s: %v\nwant %s", tt.name, call, err, tt.want)
			}
		}
	}
}

// A redirect is never followed: the other host gets nothing (no token, no body), and the caller learns why.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
			w.Header().Set("Location", strings.Replace(elsewhere.URL, "http://", "http://user:secret@", 1)+"/beta/steal")
			w.WriteHeader(status)
		}}
		c, _ := newTestClient(t, f, nil)
		err := c.Do(context.Background(), "POST", "/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
			map[string]string{"hardwareIdentifier": "SECRET-HASH"}, &struct{}{})
		want := fmt.Sprintf("Graph answered %d %s: redirected to %s/beta/steal; not followed: the token and request body go only to the configured Graph URL",
			status, http.StatusText(status), elsewhere.URL)
		if err == nil || err.Error() != want || len(f.requests) != 1 {
			t.Errorf("%d: %v (%d requests)\nwant %s", status, err, len(f.requests), want)
		}
	}
	if other.Load() != 0 {
		t.Errorf("the other host got %d requests", other.Load())
	}
}

// $batch items carry exactly id, method, url, headers and body: no dependsOn, which a retry's regrouping would break.
func TestBatchItemShape(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"responses":[{"id":"1","status":204},{"id":"2","status":204}]}`)
	}}
	c, _ := newTestClient(t, f, nil)
	_, err := c.Batch(context.Background(), []BatchRequest{
		{Method: "POST", URL: "/a", Body: json.RawMessage(`{"x":1}`)}, {Method: "DELETE", URL: "/b"}}, BatchOptions{})
	want := `{"requests":[{"id":"1","method":"POST","url":"/a","headers":{"Content-Type":"application/json"},"body":{"x":1}},{"id":"2","method":"DELETE","url":"/b"}]}`
	if err != nil || f.bodies[0] != want {
		t.Errorf("err %v, sent\n%s\nwant\n%s", err, f.bodies[0], want)
	}
}

func TestSnippet(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"  a\r\n\tb  ", "a b"},
		{"bell\x07 esc\x1b del\x7f", `bell\a esc\x1b del\x7f`},
		{"rtl\u202eevil zw\u200bsp", `rtl\u202eevil zw\u200bsp`},
		{"c1\u0090x", `c1\u0090x`},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "…"},
	}
	for _, tt := range tests {
		if got := Snippet([]byte(tt.in), 200); got != tt.want {
			t.Errorf("Snippet(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
