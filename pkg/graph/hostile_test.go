package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// scripted is a network that answers every request with answer, recording each request's URL and token. No
// sockets: the URLs can name any scheme and host, and what would have left the machine is exactly what it saw.
type scripted struct {
	mu     sync.Mutex
	urls   []string
	tokens []string
	answer func(r *http.Request) *http.Response
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.urls = append(s.urls, r.URL.String())
	s.tokens = append(s.tokens, r.Header.Get("Authorization"))
	s.mu.Unlock()
	resp := s.answer(r)
	resp.Request = r
	return resp, nil
}

func jsonAnswer(status int, body string, header ...string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

func scriptedClient(t *testing.T, base string, net *scripted, debug io.Writer, l Limits) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: base, Credential: staticToken(testToken), Scopes: []string{"s"},
		HTTPClient: &http.Client{Transport: net}, Debug: debug, Limits: l,
		Retry: RetryPolicy{Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A nextLink (or any absolute URL) goes nowhere but the configured scheme, host and port: not over http when
// the Graph URL is https, not to another port, not to another host. It is refused before anything is sent, so
// neither the token nor a request leaves for it.
func TestNextLinkOutsideGraphURLIsRefused(t *testing.T) {
	const base = "https://graph.example.com/beta"
	tests := []struct {
		next string
		err  string // "" when followed
	}{
		{"http://graph.example.com/beta/next", "http://graph.example.com/beta/next is outside"},
		{"https://graph.example.com:8443/beta/next", "https://graph.example.com:8443/beta/next is outside"},
		{"https://other.example.com/beta/next", "https://other.example.com/beta/next is outside"},
		{"//other.example.com/beta/next", "//other.example.com/beta/next is outside"},
		{"HTTP://graph.example.com/beta/next", "http://graph.example.com/beta/next is outside"},
		// The same origin spelled otherwise is followed, with the token.
		{"https://GRAPH.example.com:443/beta/next", ""},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			net := &scripted{answer: func(r *http.Request) *http.Response {
				if strings.HasSuffix(r.URL.Path, "/next") {
					return jsonAnswer(200, `{"value":[{"n":2}]}`)
				}
				return jsonAnswer(200, fmt.Sprintf(`{"value":[{"n":1}],"@odata.nextLink":%q}`, tt.next))
			}}
			c := scriptedClient(t, base, net, nil, Limits{})
			items := 0
			err := c.List(context.Background(), "/deviceManagement/windowsAutopilotDeviceIdentities", func(json.RawMessage) error { items++; return nil })
			if tt.err == "" {
				if err != nil || items != 2 || len(net.urls) != 2 || net.tokens[1] != "Bearer "+testToken {
					t.Errorf("err %v, items %d, requests %v, tokens %q", err, items, net.urls, net.tokens)
				}
				return
			}
			want := "listing /deviceManagement/windowsAutopilotDeviceIdentities: Graph's nextLink after page 1: " + tt.err +
				" the configured Graph URL https://graph.example.com:443 (scheme, host and port must match); not followed"
			var oe *OriginError
			if err == nil || err.Error() != want || !errors.As(err, &oe) || items != 1 || len(net.urls) != 1 {
				t.Errorf("err %v\nwant %s\nitems %d, requests %v", err, want, items, net.urls)
			}
			// Do refuses the same URLs: nothing is sent.
			if err := c.Do(context.Background(), "GET", tt.next, nil, &struct{}{}); !errors.As(err, &oe) || len(net.urls) != 1 {
				t.Errorf("Do: %v, requests %v", err, net.urls)
			}
		})
	}
}

// The token goes to the configured scheme, host and port only, whatever asks for it.
func TestBearerTokenScopedToOrigin(t *testing.T) {
	u, _ := url.Parse("https://graph.example.com/beta")
	auth := &bearerAuth{cred: staticToken(testToken), scopes: []string{"s"}, origin: origin(u)}
	for target, want := range map[string]string{
		"https://graph.example.com/beta/x":     "Bearer " + testToken,
		"https://graph.example.com:443/beta/x": "Bearer " + testToken,
		"http://graph.example.com/beta/x":      "",
		"http://graph.example.com:443/beta/x":  "",
		"https://graph.example.com:8443/x":     "",
		"https://graph.example.com.evil/x":     "",
	} {
		ri := abs.NewRequestInformation()
		tu, _ := url.Parse(target)
		ri.SetUri(*tu)
		if err := auth.AuthenticateRequest(context.Background(), ri, nil); err != nil {
			t.Fatal(err)
		}
		got := ""
		if v := ri.Headers.Get("Authorization"); len(v) > 0 {
			got = v[0]
		}
		if got != want {
			t.Errorf("%s: Authorization %q, want %q", target, got, want)
		}
	}
}

// itemsPage is a page of n empty objects.
func itemsPage(n int) string {
	return `{"value":[` + strings.TrimSuffix(strings.Repeat("{},", n), ",") + `]}`
}

// A page of more items than Graph ever sends is refused, and a listing stops past its item budget: a small
// answer of empty objects cannot decode into gigabytes. Items are handed out one at a time, so the refused page
// costs at most MaxPageItems items.
func TestListItemLimits(t *testing.T) {
	tests := []struct {
		name   string
		pages  []string
		limits Limits
		items  int
		err    string
	}{
		{"a page at the limit", []string{itemsPage(10_000)}, Limits{}, 10_000, ""},
		{"a page past the limit", []string{itemsPage(10_001)}, Limits{}, 10_000,
			"GET https://graph.example.com/beta/deviceManagement/windowsAutopilotDeviceIdentities: Graph's page holds more than 10000 items (its pages hold at most 1,000); stopped"},
		{"a small page limit", []string{itemsPage(4)}, Limits{MaxPageItems: 3}, 3,
			"GET https://graph.example.com/beta/deviceManagement/windowsAutopilotDeviceIdentities: Graph's page holds more than 3 items (its pages hold at most 1,000); stopped"},
		{"pages past the listing's limit", []string{itemsPage(3), itemsPage(3)}, Limits{MaxItems: 5}, 5,
			"listing /deviceManagement/windowsAutopilotDeviceIdentities: more than 5 items; stopped"},
		{"null and missing values", []string{`{"value":null}`, `{"@odata.count":0}`}, Limits{}, 0, ""},
		{"not an array", []string{`{"value":{"a":1}}`}, Limits{}, 0, `Graph's answer is not the expected JSON: "value" is not an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := &scripted{answer: func(r *http.Request) *http.Response {
				i := 0
				fmt.Sscanf(r.URL.Path, "/beta/p/%d", &i)
				page := tt.pages[i]
				if i+1 < len(tt.pages) {
					page = strings.TrimSuffix(page, "}") + fmt.Sprintf(`,"@odata.nextLink":"https://graph.example.com/beta/p/%d"}`, i+1)
				}
				return jsonAnswer(200, page)
			}}
			c := scriptedClient(t, "https://graph.example.com/beta", net, nil, tt.limits)
			items := 0
			err := c.List(context.Background(), "/deviceManagement/windowsAutopilotDeviceIdentities", func(json.RawMessage) error { items++; return nil })
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err || items != tt.items || len(net.urls) != len(tt.pages) {
				t.Errorf("err %q\nwant %q\nitems %d, want %d; requests %d", got, tt.err, items, tt.items, len(net.urls))
			}
		})
	}
}

// hostile is server text built to take over a terminal: a forged error line, a title change, a bell, a
// right-to-left override.
const hostile = "ok\r\nerror: forged\x1b]0;pwned\a\x1b[2J\u202eevil"

// hostileEscaped is hostile as messages show it.
const hostileEscaped = `ok\r\nerror: forged\x1b]0;pwned\a\x1b[2J\u202eevil`

// Graph's code, message and request-id reach messages escaped, and cut short.
func TestErrorTextIsEscaped(t *testing.T) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": hostile, "message": hostile + strings.Repeat("m", 2000),
		"innerError": map[string]string{"request-id": hostile}}})
	net := &scripted{answer: func(*http.Request) *http.Response { return jsonAnswer(400, string(body)) }}
	c := scriptedClient(t, "https://graph.example.com/beta", net, nil, Limits{})
	err := c.Do(context.Background(), "GET", "/deviceManagement/x", nil, &struct{}{})
	msg := hostile + strings.Repeat("m", 2000)
	want := "Graph answered 400 Bad Request: " + hostileEscaped + ": " + strings.ReplaceAll(msg[:maxMessageBytes], hostile, hostileEscaped) +
		"… (request-id " + hostileEscaped + ")"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%q\nwant\n%q", err, want)
	}
}

// --debug lines carry the server's request-id escaped.
func TestDebugLogEscapesServerText(t *testing.T) {
	net := &scripted{answer: func(*http.Request) *http.Response { return jsonAnswer(200, `{}`, "request-id", hostile) }}
	var debug bytes.Buffer
	c := scriptedClient(t, "https://graph.example.com/beta", net, &debug, Limits{})
	if err := c.Do(context.Background(), "GET", "/deviceManagement/x", nil, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	log := debug.String()
	if !strings.HasSuffix(log, " request-id="+hostileEscaped+"\n") || strings.Count(log, "\n") != 1 {
		t.Errorf("debug log %q", log)
	}
}

// A $batch answer that leaves an item out is re-sent a few rounds, not eight rounds of backoff, and the item
// says what happened in words.
func TestBatchItemLeftOut(t *testing.T) {
	net := &scripted{answer: func(r *http.Request) *http.Response {
		return jsonAnswer(200, `{"responses":[{"id":"1","status":204}]}`)
	}}
	var slept []time.Duration
	c, err := New(Config{BaseURL: "https://graph.example.com/beta", HTTPClient: &http.Client{Transport: net},
		Retry: RetryPolicy{Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/x/1"}, {Method: "DELETE", URL: "/x/2"}}, BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[1].Error().Error(); got != "no answer from Graph: the $batch answer left this item out" || res[1].Attempts != maxMissingRounds ||
		!res[0].OK() || len(net.urls) != maxMissingRounds || len(slept) != maxMissingRounds-1 {
		t.Errorf("item 2: %q after %d attempts; %d requests, sleeps %v", got, res[1].Attempts, len(net.urls), slept)
	}
}

// A $batch answer with more responses than requests is refused, not decoded.
func TestBatchAnswerLongerThanAsked(t *testing.T) {
	net := &scripted{answer: func(r *http.Request) *http.Response {
		return jsonAnswer(200, `{"responses":[{"id":"1","status":204},{"id":"2","status":204}]}`)
	}}
	c := scriptedClient(t, "https://graph.example.com/beta", net, nil, Limits{})
	_, err := c.Batch(context.Background(), []BatchRequest{{Method: "DELETE", URL: "/x/1"}}, BatchOptions{})
	var le *LimitError
	if want := "POST https://graph.example.com/beta/$batch: Graph's answer holds more than 1 responses for 1 requests"; !errors.As(err, &le) ||
		err.Error() != want || len(net.urls) != 1 {
		t.Errorf("err %v, requests %d", err, len(net.urls))
	}
}
