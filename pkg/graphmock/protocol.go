package graphmock

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
)

// ServeHTTP answers one HTTP request: the /_mock hooks, or a Graph request under /beta.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_mock/") {
		s.serveControl(w, r)
		return
	}
	s.trackConcurrency(1)
	defer s.trackConcurrency(-1)
	if s.opts.Latency > 0 {
		s.opts.Sleep(s.opts.Latency)
	}
	body, bodyErr := readBody(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.newCall(w, r, body, false)
	defer s.record(c)
	version, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if version == "beta" {
		c.path = "/" + rest
	}
	switch {
	case !s.authorized(r):
		c.Error(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
	case version != "beta":
		// Graph's answer for an unknown version segment.
		c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid version: %s", version))
	case bodyErr != nil:
		c.Error(http.StatusBadRequest, "BadRequest", bodyErr.Error())
	default:
		s.dispatch(c)
	}
}

// readBody returns the request body, gunzipped when Content-Encoding says gzip (kiota's compression
// handler sends bodies so).
// maxBody caps what the mock reads of one body (a request, or an upstream answer while recording), so a
// hostile or broken peer cannot take the process's memory; Graph's own answers are far smaller.
const maxBody = 64 << 20

// readCapped reads r whole, failing past maxBody bytes.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err == nil && len(b) > maxBody {
		err = fmt.Errorf("body larger than %d MiB", maxBody>>20)
	}
	return b, err
}

func readBody(r *http.Request) ([]byte, error) {
	raw, err := readCapped(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %v", err)
	}
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("the request body is not valid gzip: %v", err)
		}
		b, err := readCapped(zr)
		if err != nil {
			return nil, fmt.Errorf("the request body is not valid gzip: %v", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	return s.opts.Token == "" || r.Header.Get("Authorization") == "Bearer "+s.opts.Token
}

// newCall starts answering r; request-id and client-request-id are fixed here so every answer carries them.
func (s *Server) newCall(w http.ResponseWriter, r *http.Request, body []byte, inBatch bool) *call {
	c := &call{W: w, R: r, Body: body, s: s, path: r.URL.Path, inBatch: inBatch, requestID: s.nextRequestID()}
	c.clientRequestID = r.Header.Get("client-request-id")
	if c.clientRequestID == "" {
		c.clientRequestID = c.requestID
	}
	return c
}

// dispatch routes c (path already without /beta) and runs its handler, after the injected fault and the
// write throttle have had their say.
func (s *Server) dispatch(c *call) {
	s.settleAutopilot(c.Now())
	m := s.match(c.R.Method, c.path)
	switch {
	case m.wrongVerb:
		c.Error(http.StatusMethodNotAllowed, "BadRequest", "Specified HTTP method is not allowed for the request target.")
		return
	case m.route == nil:
		// Graph answers a path it cannot resolve with 400 naming the first unknown segment (an unknown id
		// inside a known collection is a 404 from the handler instead).
		c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", m.badSeg))
		return
	}
	c.route, c.params = m.route, m.params
	s.stats.ByRoute[m.route.pattern]++
	if s.injectFault(c) || s.throttleWrite(c) {
		return
	}
	m.route.handler(c)
}

// injectFault answers with a transient 503 or 504 at the seeded FaultRate.
func (s *Server) injectFault(c *call) bool {
	if s.opts.FaultRate <= 0 || s.rand.Float64() >= s.opts.FaultRate {
		return false
	}
	s.stats.Faults++
	if s.rand.IntN(2) == 0 {
		c.Error(http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.")
	} else {
		c.Error(http.StatusGatewayTimeout, "GatewayTimeout", "The operation timed out. Please retry later.")
	}
	return true
}

// writeThrottle is a fixed window: WriteLimit writes per WriteWindow, counted from the window's first write.
type writeThrottle struct {
	start  time.Time
	writes int
}

// throttleWrite counts c when it is a write and answers 429 (docs/graph.md#throttling-and-write-budget) once the window is full,
// with Retry-After the whole seconds until the window frees (rounded up, at least 1).
func (s *Server) throttleWrite(c *call) bool {
	if s.opts.WriteLimit <= 0 || !isWrite(c) {
		return false
	}
	now := c.Now()
	t := &s.throttle
	if t.start.IsZero() || !now.Before(t.start.Add(s.opts.WriteWindow)) {
		t.start, t.writes = now, 0
	}
	if t.writes < s.opts.WriteLimit {
		t.writes++
		return false
	}
	s.stats.Throttled++
	wait := max(1, int(math.Ceil(t.start.Add(s.opts.WriteWindow).Sub(now).Seconds())))
	c.W.Header().Set("Retry-After", fmt.Sprint(wait))
	body := s.render("error-tooManyRequests", nil)
	inner := body["error"].(map[string]any)["innerError"].(map[string]any)
	for k, v := range c.innerError(nil) {
		inner[k] = v
	}
	c.JSON(http.StatusTooManyRequests, body)
	return true
}

func isWrite(c *call) bool {
	switch c.R.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return c.route.pattern != "POST /$batch"
	}
	return false
}

func (s *Server) trackConcurrency(delta int64) {
	n := s.inFlight.Add(delta)
	for {
		top := s.maxInFl.Load()
		if n <= top || s.maxInFl.CompareAndSwap(top, n) {
			return
		}
	}
}
