package graph

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// RetryPolicy bounds how the client retries throttled (429) and unavailable (503, 504) answers.
type RetryPolicy struct {
	MaxRetries int           // attempts after the first; default 5
	BaseDelay  time.Duration // backoff start when the answer has no Retry-After; default 1s, doubled each attempt
	MaxWait    time.Duration // a longer Retry-After is not waited for: the answer goes back to the caller; default 60s
	// Sleep waits d or until ctx ends; tests inject a fake. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 5
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxWait == 0 {
		p.MaxWait = 60 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = SleepContext
	}
	return p
}

// SleepContext waits d, or less if ctx ends first.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Retryable reports whether Graph asks the caller to come back later.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// MaxRetryAfter is the longest Retry-After taken at its word. Longer (or negative, NaN, unparsable) values are
// treated as broken: the caller gives up and says so rather than waiting for ever or retrying at once.
const MaxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After value: seconds (fractions kept, unlike kiota's handler) or an HTTP date.
// present is false when v is empty; err is set when v is present but not a usable wait.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, present bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false, nil
	}
	bad := &RetryAfterError{Value: truncate(v, 40)}
	if s, perr := strconv.ParseFloat(v, 64); perr == nil {
		// ParseFloat takes NaN and Inf; the comparisons below refuse both, and the bound comes before the
		// conversion, which overflows (to a negative wait) for values like 1e12.
		if !(s >= 0 && s <= MaxRetryAfter.Seconds()) {
			return 0, true, bad
		}
		return time.Duration(s * float64(time.Second)), true, nil
	}
	t, perr := http.ParseTime(v)
	if perr != nil {
		return 0, true, bad
	}
	d = max(t.Sub(now), 0) // a date already past means "now"
	if d > MaxRetryAfter {
		return 0, true, bad
	}
	return d, true, nil
}

// RetryAfter is ParseRetryAfter for callers that only want a usable wait: ok is false when there is none.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	d, present, err := ParseRetryAfter(v, now)
	return d, present && err == nil
}

// RetryAfterError is a Retry-After header that is not a usable wait.
type RetryAfterError struct{ Value string }

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("Retry-After %q is not a usable wait (negative, not a number or date, or over %s); not retried",
		e.Value, MaxRetryAfter)
}

// Backoff is the wait before retry n (1-based) without Retry-After: exponential with ±20% jitter.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.BaseDelay << (n - 1)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// giveUp closes resp and returns its Graph error with why it is not retried.
func giveUp(resp *http.Response, why error) error {
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	e := errorFromBody(resp.StatusCode, body)
	if e.Message != "" {
		e.Message += "; "
	}
	e.Message += why.Error()
	return e
}

type noRetryKey struct{}

type throttledOnlyKey struct{}

type throttleHookKey struct{}

type idempotentKey struct{}

// Idempotent marks ctx for POST requests that can be sent again after a 503 or 504 without doing anything
// twice (a $batch of updates and deletes, an action that sets a value). Other POSTs create something, and an
// answer lost after the service acted would leave a duplicate if sent again: they are retried on 429 only.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// NotifyThrottle marks ctx so that every 429 its requests receive is reported to fn with the wait Graph asked
// for, before the retry: a pacer shared by several writers can then hold all of them back, not just this one.
func NotifyThrottle(ctx context.Context, fn func(time.Duration)) context.Context {
	return context.WithValue(ctx, throttleHookKey{}, fn)
}

// RetryThrottledOnly marks ctx for a request that must not be repeated blindly: only a 429 (refused before any
// processing) is retried; a 503 or 504 may come after the service acted, so it goes back to the caller, who
// checks what happened before sending again.
func RetryThrottledOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, throttledOnlyKey{}, true)
}

// WithoutRetry marks ctx so that throttled answers come straight back: for calls where a long wait is a known
// answer (Autopilot sync's 10-minute rule) and the caller reports it instead of blocking.
func WithoutRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

type retryHandler struct{ policy RetryPolicy }

func (h *retryHandler) Intercept(pipeline khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if ctx.Value(noRetryKey{}) != nil {
		return pipeline.Next(req, index)
	}
	// Keep the body so every attempt sends it whole (the compression handler consumes it).
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	for attempt := 0; ; attempt++ {
		// A fresh copy each time: later middleware (compression) rewrites headers and body in place.
		try := req.Clone(ctx)
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
			try.ContentLength = int64(len(body))
		}
		if attempt > 0 {
			try.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
		}
		resp, err := pipeline.Next(try, index)
		if err != nil || !Retryable(resp.StatusCode) || attempt >= h.policy.MaxRetries {
			return resp, err
		}
		throttledOnly := ctx.Value(throttledOnlyKey{}) != nil || req.Method == http.MethodPost && ctx.Value(idempotentKey{}) == nil
		if throttledOnly && resp.StatusCode != http.StatusTooManyRequests {
			return resp, nil
		}
		wait, present, err := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if err != nil {
			return nil, giveUp(resp, err)
		}
		if !present {
			wait = h.policy.Backoff(attempt + 1)
		}
		if hook, ok := ctx.Value(throttleHookKey{}).(func(time.Duration)); ok && resp.StatusCode == http.StatusTooManyRequests {
			hook(wait)
		}
		if wait > h.policy.MaxWait {
			return resp, nil
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return resp, nil // the caller's deadline (--timeout) comes first: its answer goes back now
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := h.policy.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}
