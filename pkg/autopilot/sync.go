package autopilot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/microsoftgraph/msgraph-beta-sdk-go/models/odataerrors"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// SyncCooldown is how long after one sync request the service refuses the next with 429 (docs/graph.md#autopilot-devices-and-sync).
const SyncCooldown = 10 * time.Minute

// SyncKind is the kind of `device sync`'s result: the sync is an action on the tenant's Autopilot settings.
const SyncKind = "windowsAutopilotSettings"

// SyncResult says whether an Autopilot sync was requested: updated (requested), wouldUpdate (a dry run found
// the service would accept one now) or failed (refused: Error says why, RetryAt when to try again).
type SyncResult struct {
	result.Change
	RequestedAt time.Time `json:"requestedDateTime,omitzero"`  // when this sync was requested
	RetryAt     time.Time `json:"retryAfterDateTime,omitzero"` // refused: when the service accepts the next one
}

// SyncRefusedError is the service's "not now": a sync is running (409) or one was requested less than ten
// minutes ago (429). RetryAt is when to try again: from Retry-After when Graph sent one, else ten minutes
// after lastManualSyncTriggerDateTime; zero when neither says (a running sync that has to finish first).
type SyncRefusedError struct {
	Running     bool
	RequestedAt time.Time // the last manual sync request; zero if unknown
	RetryAt     time.Time
	Now         time.Time
}

func (e *SyncRefusedError) Error() string { return e.reason() + "; " + e.advice() }

// Result is the refusal as `device sync` reports it.
func (e *SyncRefusedError) Result() SyncResult {
	r := SyncResult{Change: result.Change{Kind: SyncKind, Status: result.Failed, Error: e.reason(), Message: e.advice()}}
	if e.RetryAt.After(e.Now) {
		r.RetryAt = e.RetryAt.UTC()
	}
	return r
}

func (e *SyncRefusedError) reason() string {
	msg := "Autopilot sync not started: "
	recent := !e.RequestedAt.IsZero() && e.Now.Before(e.RequestedAt.Add(SyncCooldown))
	switch {
	case e.Running:
		msg += "a sync is already running"
	case recent:
		msg += "the last sync was requested less than 10 minutes ago"
	default:
		msg += "Graph throttled the request"
	}
	if !e.RequestedAt.IsZero() && (e.Running || recent) {
		msg += " (requested at " + e.RequestedAt.UTC().Format(time.RFC3339) + ")"
	}
	return msg
}

func (e *SyncRefusedError) advice() string {
	switch {
	case e.RetryAt.After(e.Now):
		return fmt.Sprintf("try again after %s (in %s)", e.RetryAt.UTC().Format(time.RFC3339), e.RetryAt.Sub(e.Now).Round(time.Second))
	case e.Running:
		return "try again when it has finished, in a few minutes"
	}
	return "try again in a few minutes"
}

// Sync asks the service to sync Autopilot devices from the device directory. A refusal comes back at once as
// a *SyncRefusedError saying when to try again; it is never waited out: every request here is sent once
// (graph.WithoutRetry), so a 429 with a long Retry-After, on the settings read as on the sync itself, is
// reported with its time, not slept through. With dryRun it only checks whether the service would accept a
// request now.
func Sync(ctx context.Context, c *graph.Client, now func() time.Time, dryRun bool) (SyncResult, error) {
	ctx = graph.WithoutRetry(ctx)
	if dryRun {
		if err := checkSyncAllowed(ctx, c, now(), time.Time{}); err != nil {
			return SyncResult{}, err
		}
		return SyncResult{Change: result.Change{Kind: SyncKind, Status: result.WouldUpdate, Message: "the service would accept a sync request now"}}, nil
	}
	err := c.DeviceManagement().WindowsAutopilotSettings().Sync().Post(ctx, nil)
	if err == nil {
		return SyncResult{Change: result.Change{Kind: SyncKind, Status: result.Updated, Message: "Autopilot sync requested"}, RequestedAt: now().UTC()}, nil
	}
	status, retryAt := refusal(err, now())
	if status == 0 {
		return SyncResult{}, graph.Translate(err)
	}
	if err := checkSyncAllowed(ctx, c, now(), retryAt); err != nil {
		return SyncResult{}, err
	}
	// The settings say a sync may start, yet the service refused: report its answer with Retry-After.
	return SyncResult{}, &SyncRefusedError{Running: status == http.StatusConflict, RetryAt: retryAt, Now: now()}
}

// refusal reads a "not now" from Graph: a 409 (a sync is running) or 429 (too soon, or throttled), with the
// time its Retry-After names (zero when it names none). status is 0 for any other answer.
func refusal(err error, now time.Time) (status int, retryAt time.Time) {
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) || (oe.ResponseStatusCode != http.StatusConflict && oe.ResponseStatusCode != http.StatusTooManyRequests) {
		return 0, time.Time{}
	}
	if oe.ResponseHeaders != nil {
		if v := oe.ResponseHeaders.Get("Retry-After"); len(v) > 0 {
			if d, ok := graph.RetryAfter(v[0], now); ok {
				retryAt = now.Add(d)
			}
		}
	}
	return oe.ResponseStatusCode, retryAt
}

// checkSyncAllowed reads windowsAutopilotSettings and returns a *SyncRefusedError when a sync is running or
// was requested within SyncCooldown, or when Graph throttles the read itself. retryAt, when not zero, is
// Graph's own Retry-After and wins.
func checkSyncAllowed(ctx context.Context, c *graph.Client, now, retryAt time.Time) error {
	s, err := c.DeviceManagement().WindowsAutopilotSettings().Get(ctx, nil)
	if err != nil {
		if status, at := refusal(err, now); status == http.StatusTooManyRequests {
			if at.IsZero() {
				at = retryAt
			}
			return &SyncRefusedError{RetryAt: at, Now: now}
		}
		return graph.Translate(err)
	}
	refused := &SyncRefusedError{RetryAt: retryAt, Now: now}
	if t := s.GetLastManualSyncTriggerDateTime(); t != nil && t.Year() > 1 {
		refused.RequestedAt = *t
		if retryAt.IsZero() {
			refused.RetryAt = t.Add(SyncCooldown)
		}
	}
	if st := s.GetSyncStatus(); st != nil && st.String() == "inProgress" {
		refused.Running = true
		return refused
	}
	if refused.RetryAt.After(now) {
		return refused
	}
	return nil
}
