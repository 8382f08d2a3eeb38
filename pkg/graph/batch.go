package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// MaxBatch is Graph's limit of requests in one $batch (docs/graph.md#json-batching).
const MaxBatch = 20

// BatchRequest is one item of a $batch. URL is relative to the version root ("/deviceManagement/…").
type BatchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	// No dependsOn: retries regroup items into new sets of 20, so an item could be sent without the one it depends
	// on. Every caller's items are independent writes.
}

// BatchResponse is one item's final answer. Status 0 means the item never got one (Err says why).
type BatchResponse struct {
	ID       string            `json:"id"`
	Status   int               `json:"status"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
	Attempts int               `json:"-"`
	Err      error             `json:"-"`
}

// OK reports a 2xx answer.
func (r BatchResponse) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Error describes a failed item from its Graph error body, and why it got no (further) answer when known.
func (r BatchResponse) Error() *Error {
	e := errorFromBody(r.Status, r.Body)
	if r.Err != nil {
		if e.Message == "" {
			e.Message = r.Err.Error()
		} else {
			e.Message += " (" + r.Err.Error() + ")"
		}
	}
	return e
}

// BatchOptions tunes Batch.
type BatchOptions struct {
	Concurrency int // $batch requests in flight; default 4
	MaxRounds   int // rounds of re-sending items answered 429/503/504; default 8
	// Pacer, when set, keeps the write items inside the service's budget and learns of items answered 429.
	Pacer *Pacer
	// Progress, when set, receives each item as soon as its answer is final.
	Progress func(BatchResponse)
}

// Batch sends reqs as $batch requests of up to 20, several in flight, and re-sends the items Graph answered
// with 429/503/504 after the longest Retry-After among them (SDKs don't retry items inside a batch). It returns
// one answer per request, in the order given. Items must not depend on each other (re-sent items are regrouped).
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest, opts BatchOptions) ([]BatchResponse, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxRounds <= 0 {
		opts.MaxRounds = 8
	}
	index := make(map[string]int, len(reqs))
	for i := range reqs {
		if reqs[i].ID == "" {
			reqs[i].ID = strconv.Itoa(i + 1)
		}
		if _, dup := index[reqs[i].ID]; dup {
			return nil, fmt.Errorf("batch: duplicate request id %q", reqs[i].ID)
		}
		index[reqs[i].ID] = i
		if err := CheckPath(reqs[i].URL); err != nil {
			return nil, fmt.Errorf("batch item %s: %w", reqs[i].ID, err)
		}
		if reqs[i].Body != nil && reqs[i].Headers == nil {
			reqs[i].Headers = map[string]string{"Content-Type": "application/json"}
		}
	}
	results := make([]BatchResponse, len(reqs))
	pending := reqs
	for round := 1; len(pending) > 0; round++ {
		answers, err := c.sendRound(ctx, pending, opts)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return results, err
		}
		var retry []BatchRequest
		var wait time.Duration
		for i, a := range answers {
			a.Attempts = results[index[a.ID]].Attempts + 1
			results[index[a.ID]] = a
			d, present, raErr := ParseRetryAfter(a.Headers["Retry-After"], time.Now())
			if raErr != nil && a.Err == nil {
				a.Err = raErr
				results[index[a.ID]] = a
			}
			if retryableItem(a, round) && raErr == nil && round < opts.MaxRounds {
				retry = append(retry, pending[i])
				if !present {
					d = c.retry.Backoff(round)
				}
				if a.Status == http.StatusTooManyRequests && opts.Pacer != nil {
					opts.Pacer.Throttled(d)
				}
				wait = max(wait, d)
				continue
			}
			if opts.Progress != nil {
				opts.Progress(a)
			}
		}
		pending = retry
		if len(pending) > 0 {
			if err := c.retry.Sleep(ctx, wait); err != nil {
				return results, err
			}
		}
	}
	return results, nil
}

// retryableItem: the item was throttled or unavailable, or its $batch never got an answer (the items are all
// idempotent writes, so sending them again is safe), or the answer left it out (for a few rounds only).
func retryableItem(a BatchResponse, round int) bool {
	if errors.Is(a.Err, errNoItemAnswer) || errors.Is(a.Err, errRepeatedAnswer) {
		return round < maxMissingRounds
	}
	return Retryable(a.Status) || (a.Status == 0 && a.Err != nil)
}

// sendRound sends items in groups of MaxBatch with bounded concurrency; answers come back aligned with items.
// A $batch request that Graph itself refuses (after the client's retries) ends the round with that error:
// re-sending it cannot help, and the caller should report it (a 403 exits 4).
func (c *Client) sendRound(ctx context.Context, items []BatchRequest, opts BatchOptions) ([]BatchResponse, error) {
	answers := make([]BatchResponse, len(items))
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var refused error
	for start := 0; start < len(items); start += MaxBatch {
		chunk := items[start:min(start+MaxBatch, len(items))]
		out := answers[start : start+len(chunk)]
		if opts.Pacer != nil {
			if err := opts.Pacer.Wait(ctx, countWrites(chunk)); err != nil {
				fail(chunk, out, err)
				continue
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := c.sendBatch(ctx, chunk, out); err != nil {
				mu.Lock()
				if refused == nil {
					refused = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return answers, refused
}

func countWrites(items []BatchRequest) int {
	n := 0
	for _, it := range items {
		if it.Method != http.MethodGet {
			n++
		}
	}
	return n
}

func fail(items []BatchRequest, out []BatchResponse, err error) {
	for i := range items {
		out[i] = BatchResponse{ID: items[i].ID, Err: err}
	}
}

// sendBatch sends one $batch; it returns Graph's refusal of the whole request, and marks the items of a request
// that got no answer at all (network) for another round.
func (c *Client) sendBatch(ctx context.Context, items []BatchRequest, out []BatchResponse) error {
	// The items are updates, deletes and actions that set a value (see Batch): sending them again is safe.
	b, err := c.send(Idempotent(ctx), "POST", "/$batch", map[string]any{"requests": items})
	if err == nil {
		// Read one response at a time, and no more than were asked for: a bloated answer is refused, not kept.
		byID := make(map[string]BatchResponse, len(items))
		repeated := map[string]bool{}
		_, err = eachElement(b, "responses", len(items), func(raw json.RawMessage) error {
			var r BatchResponse
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("Graph's $batch answer is not the expected JSON: %w", err)
			}
			if _, dup := byID[r.ID]; dup {
				repeated[r.ID] = true // which of the answers is the item's can't be told: neither is used
			}
			byID[r.ID] = r
			return nil
		})
		for id := range repeated {
			byID[id] = BatchResponse{ID: id, Err: errRepeatedAnswer}
		}
		if err == errTooManyElements {
			err = &LimitError{Method: "POST", URL: shortPath(c.BaseURL + "/$batch"),
				What: fmt.Sprintf("Graph's answer holds more than %d responses for %d requests", len(items), len(items))}
		}
		if err == nil {
			for i, it := range items {
				r, ok := byID[it.ID]
				if !ok {
					r = BatchResponse{ID: it.ID, Err: errNoItemAnswer}
				}
				r.Headers = canonicalHeaders(r.Headers)
				out[i] = r
			}
			return nil
		}
	}
	fail(items, out, err)
	var ge *Error
	var le *LimitError
	if errors.As(err, &ge) || errors.As(err, &le) {
		return err // Graph refused the $batch, or its answer broke a limit: sending it again won't help
	}
	return nil // no answer (network), or one that did not parse: the items go again
}

// errNoItemAnswer marks an item a $batch answer left out. Graph answers every item, so one left out is
// re-sent only a few rounds (maxMissingRounds), not the full MaxRounds of backoff.
var errNoItemAnswer = errors.New("the $batch answer left this item out")

// errRepeatedAnswer marks an item the $batch answer answered more than once: the item is sent again, like
// one left out.
var errRepeatedAnswer = errors.New("the $batch answer answered this item more than once")

// maxMissingRounds bounds the rounds for an item the answers keep leaving out.
const maxMissingRounds = 3

// canonicalHeaders lets callers look up "Retry-After" whatever case the service used.
func canonicalHeaders(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[http.CanonicalHeaderKey(k)] = v
	}
	return out
}
