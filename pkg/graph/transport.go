package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Limits bound every exchange with Graph in time and in size. Zero fields take the defaults (DefaultLimits); tests
// shorten them. A deadline on the caller's context (a command's --timeout) is honoured too: every request, retry
// wait, pacing wait and $batch round ends when it passes.
type Limits struct {
	ConnectTimeout        time.Duration // TCP connect
	TLSHandshakeTimeout   time.Duration // TLS handshake
	ResponseHeaderTimeout time.Duration // request sent → status line and headers received
	IdleReadTimeout       time.Duration // longest pause while a body is read (a stalled or trickling body fails)
	AttemptTimeout        time.Duration // one HTTP attempt, headers and body; retries each get their own
	MaxBodyBytes          int64         // bytes read from one answer, counted after gzip inflation
	MaxPages              int           // pages one List follows
	MaxPageItems          int           // items one page may hold (Graph's hold at most 1,000)
	MaxItems              int           // items one List hands out over all its pages
}

// DefaultLimits: Graph's own gateway gives up after about 100 s, so an answer slower than that is not coming; a
// page of 1,000 import records with their hashes is about 4 MB, so 64 MiB leaves room without letting a hostile or
// broken server fill memory; 10,000 pages of 1,000 is more than any tenant holds. Graph's pages of these
// collections hold at most 1,000 items, so a page of more than 10,000 is not Graph's (a 60 MB page of "{}" is
// 20 million items, gigabytes once decoded); a million devices is past the largest Autopilot tenants, and
// keeps a listing's memory near a gigabyte at most.
var DefaultLimits = Limits{
	ConnectTimeout:        30 * time.Second,
	TLSHandshakeTimeout:   15 * time.Second,
	ResponseHeaderTimeout: 2 * time.Minute,
	IdleReadTimeout:       time.Minute,
	AttemptTimeout:        5 * time.Minute,
	MaxBodyBytes:          64 << 20,
	MaxPages:              10_000,
	MaxPageItems:          10_000,
	MaxItems:              1_000_000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.ConnectTimeout, d.ConnectTimeout)
	set(&l.TLSHandshakeTimeout, d.TLSHandshakeTimeout)
	set(&l.ResponseHeaderTimeout, d.ResponseHeaderTimeout)
	set(&l.IdleReadTimeout, d.IdleReadTimeout)
	set(&l.AttemptTimeout, d.AttemptTimeout)
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxPageItems <= 0 {
		l.MaxPageItems = d.MaxPageItems
	}
	if l.MaxItems <= 0 {
		l.MaxItems = d.MaxItems
	}
	return l
}

// NewTransport is the network under the Graph pipeline when the caller supplies none: the standard transport
// (proxy from the environment, HTTP/2, transparent gzip) with connect and TLS handshake timeouts. The other
// bounds are kept above any transport, by the client itself.
func NewTransport(l Limits) *http.Transport {
	l = l.withDefaults()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: l.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = l.TLSHandshakeTimeout
	return t
}

// CheckPath refuses a request path with a "." or ".." segment (plain or percent-encoded): Graph's paths never
// have one, so it can only come from an id the server or a file supplied, and a normalising proxy would resolve
// it to another object ("…/assignments/.." is the profile itself). Every request, $batch items included, is
// checked here, whatever built its path.
func CheckPath(escapedPath string) error {
	if i := strings.IndexAny(escapedPath, "?#"); i >= 0 {
		escapedPath = escapedPath[:i]
	}
	for _, seg := range strings.Split(escapedPath, "/") {
		if dec, err := url.PathUnescape(seg); err == nil && (dec == "." || dec == "..") || seg == "." || seg == ".." {
			return fmt.Errorf("the request path %s has a %q segment, which no Graph path has (an id from the server or a file?); not sent", safetext.Quote(escapedPath), seg)
		}
	}
	return nil
}

// LimitError says which bound an exchange with Graph broke.
type LimitError struct {
	Method string
	URL    string // without userinfo or query
	What   string
}

func (e *LimitError) Error() string { return e.Method + " " + safetext.Escape(e.URL) + ": " + e.What }

// guard sits right above the network, so it sees every attempt (retries included) and bodies after the transport
// has inflated them. It bounds each attempt in time and size and gives non-JSON error answers a readable form.
type guard struct {
	next   http.RoundTripper
	limits Limits
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := CheckPath(req.URL.EscapedPath()); err != nil {
		return nil, &LimitError{Method: req.Method, URL: shortURL(req.URL), What: err.Error()}
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	limitErr := func(what string, args ...any) *LimitError {
		return &LimitError{Method: req.Method, URL: shortURL(req.URL), What: fmt.Sprintf(what, args...)}
	}
	attempt := time.AfterFunc(g.limits.AttemptTimeout, func() {
		cancel(limitErr("Graph's answer took longer than %s", g.limits.AttemptTimeout))
	})
	headers := time.AfterFunc(g.limits.ResponseHeaderTimeout, func() {
		cancel(limitErr("Graph sent no answer within %s", g.limits.ResponseHeaderTimeout))
	})
	resp, err := g.next.RoundTrip(req.WithContext(ctx))
	headers.Stop()
	if err != nil {
		attempt.Stop()
		var le *LimitError
		if cause := context.Cause(ctx); errors.As(cause, &le) {
			err = le
		}
		cancel(nil)
		return nil, err
	}
	body := &guardedBody{rc: resp.Body, ctx: ctx, cancel: cancel, attempt: attempt, max: g.limits.MaxBodyBytes,
		tooLarge: limitErr("Graph's answer is larger than %s; stopped reading", sizeString(g.limits.MaxBodyBytes))}
	body.idle = time.AfterFunc(g.limits.IdleReadTimeout, func() {
		cancel(limitErr("Graph's answer stalled: no data for %s", g.limits.IdleReadTimeout))
	})
	body.idleAfter = g.limits.IdleReadTimeout
	resp.Body = body
	if resp.StatusCode >= 400 && !isJSON(resp.Header.Get("Content-Type")) {
		return jsonErrorAnswer(resp)
	}
	return resp, nil
}

// guardedBody counts what is read and fails past the cap, re-arms the idle timer on every byte, and reports the
// limit that cancelled the attempt instead of the transport's "context canceled".
type guardedBody struct {
	rc        io.ReadCloser
	ctx       context.Context
	cancel    context.CancelCauseFunc
	attempt   *time.Timer
	idle      *time.Timer
	idleAfter time.Duration
	max, n    int64
	tooLarge  error

	mu  sync.Mutex
	err error
}

func (b *guardedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if left := b.max - b.n + 1; int64(len(p)) > left {
		p = p[:left] // one byte past the cap is enough to know it was passed
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if n > 0 {
		b.idle.Reset(b.idleAfter)
	}
	if b.n > b.max {
		b.err = b.tooLarge
		b.stop()
		return n - int(b.n-b.max), b.err
	}
	if err != nil {
		var le *LimitError
		if cause := context.Cause(b.ctx); errors.As(cause, &le) {
			err = le
		}
		if err == io.EOF {
			b.stop()
		} else {
			b.err = err
		}
	}
	return n, err
}

func (b *guardedBody) stop() {
	b.idle.Stop()
	b.attempt.Stop()
}

func (b *guardedBody) Close() error {
	b.mu.Lock()
	b.stop()
	b.mu.Unlock()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// errorSnippetBytes is how much of a non-JSON error body is quoted.
const errorSnippetBytes = 200

// jsonErrorAnswer turns an error answer that is not JSON (a proxy's HTML page, a text/plain 431) into a Graph
// error body quoting its first bytes, so every caller — SDK builders, Do, List, $batch — reports "Graph answered
// 502 Bad Gateway: <first bytes>" rather than a deserializer's complaint. The status is kept, so a 503 from a
// proxy is still retried.
func jsonErrorAnswer(resp *http.Response) (*http.Response, error) {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4*errorSnippetBytes))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	inner := map[string]string{"code": ""}
	if s := Snippet(raw, errorSnippetBytes); s != "" {
		inner["message"] = s
	}
	b, _ := json.Marshal(map[string]any{"error": inner})
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Length")
	resp.Header.Del("Content-Encoding")
	resp.ContentLength = int64(len(b))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// Snippet quotes at most max bytes of b for a message: whitespace runs become one space, control and invisible
// format characters are escaped (safetext's one rule: \x1b, \a, \u202e), and a cut is marked with "…".
func Snippet(b []byte, max int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if len(s) > max {
		s = truncate(s, max)
	}
	return safetext.Escape(s)
}

// shortURL is u without userinfo or query, for messages: queries can be long and carry filter values.
func shortURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment = nil, "", false, ""
	return c.String()
}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// truncate keeps at most n bytes of s, on a rune boundary, marking a cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
