package autopilot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Kind is the kind of every per-device result entry: Graph's entity name for a registered device.
const Kind = "windowsAutopilotDeviceIdentity"

// resolveSerials finds the device of each serial number. Each entry carries the device's id and serial number
// as Graph spells it, or notFound (no device) or failed (several devices) with the reason; the caller sets
// the status of found devices.
func resolveSerials(ctx context.Context, c *graph.Client, serials []string) ([]Device, []result.Change, error) {
	r := newResolver(c, len(serials))
	devices, entries := make([]Device, len(serials)), make([]result.Change, len(serials))
	for i, serial := range serials {
		d, err := r.resolve(ctx, serial)
		var nf *NotFoundError
		var amb *AmbiguousSerialError
		switch {
		case errors.As(err, &nf):
			entries[i] = result.Change{Kind: Kind, SerialNumber: serial, Status: result.NotFound, Error: err.Error()}
		case errors.As(err, &amb):
			entries[i] = result.Change{Kind: Kind, SerialNumber: serial, Status: result.Failed, Error: amb.Reason(), Message: amb.Advice()}
		case errors.As(err, new(*graph.IDError)):
			entries[i] = result.Change{Kind: Kind, SerialNumber: serial, Status: result.Failed, Error: err.Error()}
		case err != nil:
			return nil, nil, err
		default:
			devices[i], entries[i] = d, result.Change{Kind: Kind, SerialNumber: d.SerialNumber, ID: d.ID}
		}
	}
	return devices, entries, nil
}

// WriteOptions keep bulk writes inside the tenant's write budget. Now and Sleep may be nil (real time).
type WriteOptions struct {
	Budget graph.WriteBudget // zero: graph.DefaultWriteBudget
	Now    func() time.Time
	Sleep  func(context.Context, time.Duration) error
	// Progress, when set, hears how many writes have their final answer.
	Progress func(done int)
}

// sendWrites sends reqs (one per planned entry) through $batch, several in flight inside the budget, with
// items answered 429/503/504 re-sent; each entry becomes done, or failed with Graph's error.
func sendWrites(ctx context.Context, c *graph.Client, planned []*result.Change, reqs []graph.BatchRequest, done result.Status, opts WriteOptions) error {
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
			o.Status, o.Error = result.Failed, answers[i].Error().Error()
		default:
			o.Status, o.Error = result.Failed, fmt.Sprintf("not sent: %v", err)
		}
	}
	return err
}

// devicePath is the URL path of a device ("" action) or one of its actions. The id comes from Graph (or was
// checked as one): it must be a GUID, so that no id can turn a write into a request on another path.
func devicePath(id, action string) (string, error) {
	seg, err := graph.IDSegment("Autopilot device", id)
	if err != nil {
		return "", err
	}
	path := devicesPath + "/" + seg
	if action != "" {
		path += "/" + action
	}
	return path, nil
}

// checkID refuses a device whose id Graph gave as something other than a GUID: nothing is sent for it.
func checkID(d Device) error {
	_, err := devicePath(d.ID, "")
	return err
}

// addWrite adds the batch item for entry e's device, or marks e failed when its id cannot be put in a URL.
func addWrite(planned []*result.Change, reqs []graph.BatchRequest, e *result.Change, method, action string, body []byte) ([]*result.Change, []graph.BatchRequest) {
	path, err := devicePath(e.ID, action)
	if err != nil {
		e.Status, e.Error = result.Failed, err.Error()
		return planned, reqs
	}
	return append(planned, e), append(reqs, graph.BatchRequest{Method: method, URL: path, Body: body})
}

// uniqueFold drops serial numbers listed before, ignoring case.
func uniqueFold(serials []string) []string {
	seen := map[string]bool{}
	out := serials[:0:0]
	for _, s := range serials {
		if key := hashcsv.SerialKey(s); !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}
