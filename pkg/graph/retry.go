package graph

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
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

// RetryAfter reads a Retry-After value: seconds (fractions kept, unlike kiota's handler) or an HTTP date.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// Backoff is the wait before retry n (1-based) without Retry-After: exponential with ±20% jitter.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.BaseDelay << (n - 1)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

type noRetryKey struct{}

type throttledOnlyKey struct{}

type throttleHookKey struct{}

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
		if ctx.Value(throttledOnlyKey{}) != nil && resp.StatusCode != http.StatusTooManyRequests {
			return resp, nil
		}
		wait, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			wait = h.policy.Backoff(attempt + 1)
		}
		if hook, ok := ctx.Value(throttleHookKey{}).(func(time.Duration)); ok && resp.StatusCode == http.StatusTooManyRequests {
			hook(wait)
		}
		if wait > h.policy.MaxWait {
			return resp, nil
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err := h.policy.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}
