package groups

import (
	"context"
	"fmt"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// ProcessingStatus is a dynamic group's membershipRuleProcessingStatus, which Graph returns only for one
// group read with $select, and as null for paused or assigned groups (docs/graph.md#dynamic-device-groups).
// Status is NotStarted, Running, Succeeded, Failed, or a value added later, kept as Graph sent it.
type ProcessingStatus struct {
	Status                string `json:"status"`
	ErrorMessage          string `json:"errorMessage,omitempty"`
	LastMembershipUpdated string `json:"lastMembershipUpdated,omitempty"`
}

// Processing statuses the code acts on.
const (
	StatusSucceeded = "Succeeded"
	StatusFailed    = "Failed"
)

// Processing reads the group's processing status; nil when Graph gives none.
func Processing(ctx context.Context, c *graph.Client, groupID string) (*ProcessingStatus, error) {
	var g struct {
		Status *ProcessingStatus `json:"membershipRuleProcessingStatus"`
	}
	path, err := groupPath(groupID, "?"+query("$select", "membershipRuleProcessingStatus"))
	if err != nil {
		return nil, err
	}
	err = c.Do(ctx, "GET", path, nil, &g)
	return g.Status, err
}

// WaitOptions are how Wait polls.
type WaitOptions struct {
	Timeout  time.Duration
	Interval time.Duration // first wait between polls; it doubles up to MaxInterval
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
	// Progress, when set, hears every status read.
	Progress func(st *ProcessingStatus, waited time.Duration)
}

// MaxInterval caps the wait between polls.
const MaxInterval = time.Minute

// TimeoutError says processing had not finished by the deadline; Last is the last status read.
type TimeoutError struct {
	Timeout time.Duration
	Last    *ProcessingStatus
}

func (e *TimeoutError) Error() string {
	last := "no status"
	if e.Last != nil {
		last = e.Last.Status
	}
	return fmt.Sprintf("membership processing had not finished after %s (last status: %s)", e.Timeout, last)
}

// FailedError is a processing the service reports as Failed, with its message.
type FailedError struct{ Message string }

func (e *FailedError) Error() string {
	if e.Message == "" {
		return "membership processing failed (Graph gave no error message)"
	}
	return "membership processing failed: " + e.Message
}

// Wait polls the group's processing status until it is Succeeded (returned), Failed (*FailedError) or the
// timeout passes (*TimeoutError). The caller checks first that the group is dynamic and not paused: for
// those Graph gives no status, and Wait treats a missing status as not finished.
func Wait(ctx context.Context, c *graph.Client, groupID string, opts WaitOptions) (*ProcessingStatus, error) {
	start := opts.Now()
	deadline := start.Add(opts.Timeout)
	interval := opts.Interval
	for {
		st, err := Processing(ctx, c, groupID)
		if err != nil {
			return nil, err
		}
		if opts.Progress != nil {
			opts.Progress(st, opts.Now().Sub(start))
		}
		switch {
		case st != nil && st.Status == StatusSucceeded:
			return st, nil
		case st != nil && st.Status == StatusFailed:
			return st, &FailedError{Message: st.ErrorMessage}
		}
		left := deadline.Sub(opts.Now())
		if left <= 0 {
			return st, &TimeoutError{Timeout: opts.Timeout, Last: st}
		}
		if err := sleeper(opts.Sleep)(ctx, min(interval, left)); err != nil {
			return st, err
		}
		interval = min(interval*2, MaxInterval)
	}
}

// sleeper is sleep, or a real sleep that ends with the context when none is injected.
func sleeper(sleep func(context.Context, time.Duration) error) func(context.Context, time.Duration) error {
	if sleep == nil {
		return graph.SleepContext
	}
	return sleep
}
