package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// snapshotGraph answers $batch GET items and plain GETs alike: /ok/N → {"n":"N"}, /gone → 404, /busy → 429
// (Retry-After 0), /page → a one-item list.
func snapshotGraph() *fakeGraph {
	answer := func(path string) (int, any) {
		switch {
		case strings.HasPrefix(path, "/ok/"):
			return 200, map[string]any{"n": strings.TrimPrefix(path, "/ok/")}
		case path == "/gone":
			return 404, map[string]any{"error": map[string]any{"code": "ResourceNotFound", "message": "gone"}}
		case path == "/busy":
			return 429, map[string]any{"error": map[string]any{"code": "TooManyRequests"}}
		case path == "/page":
			return 200, map[string]any{"value": []any{map[string]any{"id": "1"}}}
		}
		return 500, nil
	}
	return &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/beta/$batch" {
			var req struct{ Requests []BatchRequest }
			json.Unmarshal([]byte(body), &req)
			var out []map[string]any
			for _, it := range req.Requests {
				status, b := answer(it.URL)
				out = append(out, map[string]any{"id": it.ID, "status": status, "body": b, "headers": map[string]string{"Retry-After": "0"}})
			}
			json.NewEncoder(w).Encode(map[string]any{"responses": out})
			return
		}
		status, b := answer(strings.TrimPrefix(r.URL.Path, "/beta"))
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(b)
	}}
}

// sent lists the requests f received as "METHOD path", and the $batch items' URLs among them.
func sent(f *fakeGraph) (requests, items []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.requests {
		requests = append(requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/beta"))
		var req struct{ Requests []BatchRequest }
		if json.Unmarshal([]byte(f.bodies[i]), &req) == nil {
			for _, it := range req.Requests {
				items = append(items, it.Method+" "+it.URL)
			}
		}
	}
	return requests, items
}

func TestSnapshotAsksEachGETOnce(t *testing.T) {
	f := snapshotGraph()
	c, _ := newTestClient(t, f, nil)
	ctx := WithSnapshot(context.Background())
	var got map[string]string
	for range 2 {
		if err := c.Do(ctx, "GET", "/ok/1", nil, &got); err != nil || got["n"] != "1" {
			t.Fatalf("GET /ok/1: %v %v", got, err)
		}
		var ge *Error
		if err := c.Do(ctx, "GET", "/gone", nil, &got); !errors.As(err, &ge) || ge.Status != 404 {
			t.Fatalf("GET /gone: %v", err)
		}
	}
	n := 0
	if err := c.List(ctx, "/page", func(json.RawMessage) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, "/page", func(json.RawMessage) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("list twice: %d items, %v", n, err)
	}
	// Writes are never answered from the snapshot, and a GET without one is always sent.
	c.Do(ctx, "POST", "/ok/2", map[string]any{}, nil)
	c.Do(ctx, "POST", "/ok/2", map[string]any{}, nil)
	c.Do(context.Background(), "GET", "/ok/1", nil, &got)
	requests, _ := sent(f)
	want := []string{"GET /ok/1", "GET /gone", "GET /page", "POST /ok/2", "POST /ok/2", "GET /ok/1"}
	if !slices.Equal(requests, want) {
		t.Errorf("sent %q, want %q", requests, want)
	}
}

func TestPrefetchBatchesGETsAndKeepsOnlyLastingAnswers(t *testing.T) {
	f := snapshotGraph()
	c, _ := newTestClient(t, f, nil)
	ctx := WithSnapshot(context.Background())
	var paths []string
	for i := range 22 {
		paths = append(paths, "/ok/"+strings.Repeat("x", i))
	}
	paths = append(paths, "/ok/", "/gone", "/busy", "/x/../ok/1", "https://elsewhere.example/ok/1")
	if err := c.Prefetch(ctx, paths); err != nil {
		t.Fatal(err)
	}
	requests, items := sent(f)
	if !slices.Equal(requests, []string{"POST /$batch", "POST /$batch"}) {
		t.Fatalf("prefetch sent %q, want two $batch requests", requests)
	}
	// The duplicate "/ok/" (i = 0) is asked once; a dot segment and another host are never put in a batch.
	if len(items) != 24 || slices.ContainsFunc(items, func(s string) bool { return strings.Contains(s, "..") || strings.Contains(s, "elsewhere") }) {
		t.Fatalf("%d items: %q", len(items), items)
	}
	var got map[string]string
	for _, p := range []string{"/ok/xxxx", "/gone"} {
		c.Do(ctx, "GET", p, nil, &got)
	}
	c.Do(ctx, "GET", "/busy", nil, &got) // throttled in the batch: asked again, on its own (with its retries)
	if requests, _ = sent(f); len(requests) < 3 || slices.ContainsFunc(requests[2:], func(s string) bool { return s != "GET /busy" }) {
		t.Errorf("after prefetch sent %q, want only GET /busy", requests[2:])
	}
	// A second prefetch of what is known sends nothing; without a snapshot, nothing either.
	c.Prefetch(ctx, paths[:3])
	c.Prefetch(context.Background(), paths)
	if after, _ := sent(f); len(after) != len(requests) {
		t.Errorf("a prefetch of known paths sent %q", after[len(requests):])
	}
}

// An answer that repeats an item's id can't say which answer is the item's: neither is kept, and the GET that
// needs it is sent on its own. (A proxy that copied item 1 over the last item's answer made a plan think an
// existing group was missing.)
func TestPrefetchKeepsNoAnswerARepeatedIDMakesDoubtful(t *testing.T) {
	f := &fakeGraph{handle: func(w http.ResponseWriter, r *http.Request, body string) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/beta/$batch" {
			var req struct{ Requests []BatchRequest }
			json.Unmarshal([]byte(body), &req)
			out := []map[string]any{
				{"id": req.Requests[0].ID, "status": 200, "body": map[string]any{"n": "real"}},
				{"id": req.Requests[0].ID, "status": 200, "body": map[string]any{"n": "forged"}},
			}
			json.NewEncoder(w).Encode(map[string]any{"responses": out})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"n": "live " + strings.TrimPrefix(r.URL.Path, "/beta")})
	}}
	c, _ := newTestClient(t, f, nil)
	ctx := WithSnapshot(context.Background())
	if err := c.Prefetch(ctx, []string{"/ok/1", "/ok/2"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/ok/1", "/ok/2"} {
		var got map[string]string
		if err := c.Do(ctx, "GET", p, nil, &got); err != nil || got["n"] != "live "+p {
			t.Errorf("GET %s after the prefetch: %v %v, want the live answer", p, got, err)
		}
	}
}
