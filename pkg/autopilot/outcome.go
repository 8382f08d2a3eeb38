package autopilot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Status is what happened to one device in a bulk command.
type Status string

const (
	StatusUpdated     Status = "updated"
	StatusUnchanged   Status = "unchanged" // already as asked: nothing sent
	StatusWouldUpdate Status = "wouldUpdate"
	StatusDeleted     Status = "deleted"
	StatusWouldDelete Status = "wouldDelete"
	StatusNotFound    Status = "notFound"
	StatusAmbiguous   Status = "ambiguous"
	StatusEnrolled    Status = "enrolled" // still enrolled in Intune, so the service refuses to delete it
	StatusFailed      Status = "failed"
)

// Failed reports whether the device did not end as asked.
func (s Status) Failed() bool {
	switch s {
	case StatusNotFound, StatusAmbiguous, StatusEnrolled, StatusFailed:
		return true
	}
	return false
}

// Outcome is one device's result in a bulk command, with Graph's error when it failed.
type Outcome struct {
	SerialNumber string `json:"serialNumber"`
	ID           string `json:"id,omitempty"`
	Status       Status `json:"status"`
	Error        string `json:"error,omitempty"`
}

func (o Outcome) outcome() Outcome { return o }

// Summary counts a bulk command's outcomes.
type Summary struct {
	Total, Failed int
	counts        []string
	n             map[Status]int
}

// Count is how many devices ended with status s.
func (s Summary) Count(st Status) int { return s.n[st] }

// String reads like "3 updated, 1 unchanged, 1 notFound".
func (s Summary) String() string {
	if s.Total == 0 {
		return "no devices"
	}
	return strings.Join(s.counts, ", ")
}

// Summarize counts results by status, in order of first appearance.
func Summarize[R interface{ outcome() Outcome }](results []R) Summary {
	var order []Status
	n := map[Status]int{}
	s := Summary{Total: len(results), n: n}
	for _, r := range results {
		st := r.outcome().Status
		if n[st] == 0 {
			order = append(order, st)
		}
		n[st]++
		if st.Failed() {
			s.Failed++
		}
	}
	for _, st := range order {
		s.counts = append(s.counts, fmt.Sprintf("%d %s", n[st], st))
	}
	return s
}

// resolveSerials finds the device of each serial number. Outcomes carry the device's id and serial number as
// Graph spells it, or notFound/ambiguous with the reason; other statuses are left for the caller to set.
func resolveSerials(ctx context.Context, c *graph.Client, serials []string) ([]Device, []Outcome, error) {
	r := newResolver(c, len(serials))
	devices, outcomes := make([]Device, len(serials)), make([]Outcome, len(serials))
	for i, serial := range serials {
		d, err := r.resolve(ctx, serial)
		var nf *NotFoundError
		var amb *AmbiguousSerialError
		switch {
		case errors.As(err, &nf):
			outcomes[i] = Outcome{SerialNumber: serial, Status: StatusNotFound, Error: err.Error()}
		case errors.As(err, &amb):
			outcomes[i] = Outcome{SerialNumber: serial, Status: StatusAmbiguous, Error: err.Error()}
		case err != nil:
			return nil, nil, err
		default:
			devices[i], outcomes[i] = d, Outcome{SerialNumber: d.SerialNumber, ID: d.ID}
		}
	}
	return devices, outcomes, nil
}

// WriteOptions keep bulk writes inside the tenant's write budget. Now and Sleep may be nil (real time).
type WriteOptions struct {
	Budget graph.WriteBudget // zero: graph.DefaultWriteBudget
	Now    func() time.Time
	Sleep  func(context.Context, time.Duration) error
	// Progress, when set, hears how many writes have their final answer.
	Progress func(done int)
}

// sendWrites sends reqs (one per planned outcome) through $batch, several in flight inside the budget, with
// items answered 429/503/504 re-sent; each outcome becomes done, or failed with Graph's error.
func sendWrites(ctx context.Context, c *graph.Client, planned []*Outcome, reqs []graph.BatchRequest, done Status, opts WriteOptions) error {
	if len(reqs) == 0 {
		return nil
	}
	budget := opts.Budget
	if budget.Writes == 0 {
		budget = graph.DefaultWriteBudget
	}
	bo := graph.BatchOptions{Pacer: graph.NewPacer(budget, opts.Now, opts.Sleep)}
	if opts.Progress != nil {
		done := 0
		bo.Progress = func(graph.BatchResponse) { done++; opts.Progress(done) }
	}
	answers, err := c.Batch(ctx, reqs, bo)
	for i, o := range planned {
		switch {
		case i < len(answers) && answers[i].OK():
			o.Status, o.Error = done, ""
		case i < len(answers) && (answers[i].Status != 0 || answers[i].Err != nil):
			o.Status, o.Error = StatusFailed, answers[i].Error().Error()
		default:
			o.Status, o.Error = StatusFailed, fmt.Sprintf("not sent: %v", err)
		}
	}
	return err
}

// deviceRequest is the batch item for a device ("" action) or one of its actions.
func deviceRequest(method, id, action string, body []byte) graph.BatchRequest {
	url := devicesPath + "/" + id
	if action != "" {
		url += "/" + action
	}
	return graph.BatchRequest{Method: method, URL: url, Body: body}
}

// uniqueFold drops serial numbers listed before, ignoring case.
func uniqueFold(serials []string) []string {
	seen := map[string]bool{}
	out := serials[:0:0]
	for _, s := range serials {
		if key := strings.ToUpper(s); !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}
