package graphmock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
)

// Cassette replays a recorded exchange in order, as an http.Handler. A request that does not match the next
// interaction fails the test and gets status 599; interactions left unused when the test ends fail it too.
type Cassette struct {
	t            TB
	file         string
	mu           sync.Mutex
	interactions []Interaction
	next         int
}

// NewCassette loads file, a JSON list of interactions (as Recorder.Save writes).
func NewCassette(t TB, file string) *Cassette {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("cassette: %v", err)
		return nil
	}
	c := &Cassette{t: t, file: file}
	if err := json.Unmarshal(raw, &c.interactions); err != nil {
		t.Fatalf("cassette %s: %v", file, err)
		return nil
	}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if left := len(c.interactions) - c.next; left > 0 {
			first := c.interactions[c.next].Request
			c.t.Errorf("cassette %s: %d of %d interactions never requested, next: %s %s", c.file, left, len(c.interactions), first.Method, first.URL)
		}
	})
	return c
}

// ServeHTTP answers r with the next recorded response when r matches the next recorded request.
func (c *Cassette) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	got := r.URL.RequestURI()
	var problem string
	switch {
	case err != nil:
		problem = fmt.Sprintf("%s %s: %v", r.Method, got, err)
	case c.next >= len(c.interactions):
		problem = fmt.Sprintf("unexpected request %s %s after all %d interactions were used", r.Method, got, len(c.interactions))
	default:
		if d := c.interactions[c.next].Request.diff(r.Method, got, body); d != "" {
			problem = fmt.Sprintf("request does not match interaction %d:\n%s", c.next+1, d)
		}
	}
	if problem != "" {
		c.t.Errorf("cassette %s: %s", c.file, problem)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(599)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "CassetteMismatch", "message": problem}})
		return
	}
	resp := c.interactions[c.next].Response
	c.next++
	root := requestRoot(r)
	for k, v := range resp.Headers {
		w.Header().Set(k, strings.ReplaceAll(v, serverPlaceholder, root))
	}
	w.WriteHeader(resp.Status)
	var text string
	if json.Unmarshal(resp.Body, &text) == nil && !strings.Contains(resp.Headers["Content-Type"], "json") {
		w.Write([]byte(text))
		return
	}
	w.Write([]byte(strings.ReplaceAll(string(resp.Body), serverPlaceholder, root)))
}
