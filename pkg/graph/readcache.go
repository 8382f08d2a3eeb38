package graph

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

// A read snapshot answers repeated GETs of one operation from memory, and lets the operation fetch the GETs it
// knows it will need as $batch requests of 20 (docs/graph.md#json-batching) instead of one request each. It is
// for reads that make one decision — a plan — never for polling or for reading back a write: under it a GET
// answers what the tenant held when it was first read.

type snapshotKey struct{}

type snapshot struct {
	mu      sync.Mutex
	answers map[string]cachedAnswer // resolved URL → answer
}

type cachedAnswer struct {
	body []byte
	err  error
}

// WithSnapshot is ctx under which the client's GETs (Do and each page of List) are answered at most once from
// the tenant: a GET of a URL already read, or fetched by Prefetch, is answered from memory. Successes are kept,
// and refusals that asking again would not change (4xx other than 408 and 429).
func WithSnapshot(ctx context.Context) context.Context {
	return context.WithValue(ctx, snapshotKey{}, &snapshot{answers: map[string]cachedAnswer{}})
}

func snapshotOf(ctx context.Context) *snapshot {
	s, _ := ctx.Value(snapshotKey{}).(*snapshot)
	return s
}

func (s *snapshot) get(key string) (cachedAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[key]
	return a, ok
}

func (s *snapshot) put(key string, a cachedAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[key] = a
}

// lasting reports a status whose answer a second request would repeat.
func lasting(status int) bool {
	return status >= 200 && status < 300 ||
		status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

// Prefetch reads paths (relative GETs, as Do takes them) as $batch requests of up to 20, several in flight, into
// ctx's snapshot, so the GETs that follow are answered without a request each. Paths already read are skipped,
// and so is everything when ctx has no snapshot. Items that fail for a passing reason (throttled, 5xx, no answer)
// are left out: the GET that needs them then asks on its own, through the usual retries. An error is returned
// only when a $batch itself fails or ctx ends.
func (c *Client) Prefetch(ctx context.Context, paths []string) error {
	s := snapshotOf(ctx)
	if s == nil {
		return nil
	}
	var reqs []BatchRequest
	var keys []string
	seen := map[string]bool{}
	for _, p := range paths {
		u, err := c.resolve(p)
		if err != nil || !strings.HasPrefix(p, "/") || CheckPath(p) != nil {
			continue // a $batch item's URL is relative; the GET itself reports a bad path
		}
		key := u.String()
		if _, ok := s.get(key); ok || seen[key] {
			continue
		}
		seen[key] = true
		reqs = append(reqs, BatchRequest{Method: http.MethodGet, URL: p})
		keys = append(keys, key)
	}
	if len(reqs) == 0 {
		return nil
	}
	// One round: a throttled item is read again by the GET that needs it, with that request's own retries.
	answers, err := c.Batch(ctx, reqs, BatchOptions{MaxRounds: 1})
	if err != nil {
		return err
	}
	for i, a := range answers {
		switch {
		case a.Err != nil || !lasting(a.Status):
		case a.OK():
			s.put(keys[i], cachedAnswer{body: a.Body})
		default:
			s.put(keys[i], cachedAnswer{err: a.Error()})
		}
	}
	return nil
}
