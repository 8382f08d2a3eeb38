package importer

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// firstPoll is the first wait after submitting: small imports settle in seconds, so the wait starts short
// and doubles up to PollInterval. Each poll is one paged list, whatever the number of devices.
const firstPoll = 2 * time.Second

// wait polls until every submitted device has a final answer (deleting the records of settled devices in
// the meantime, with budget the polls leave unused), looks up what the tenant holds for devices it already
// had, then deletes the remaining import records as a phase of its own. It stops at the run's deadline.
func (r *run) wait(ctx context.Context) error {
	delay := min(firstPoll, r.opts.PollInterval)
	for r.unsettled() > 0 {
		if !r.opts.KeepImportRecords {
			if err := r.cleanup(ctx); err != nil && !errors.Is(err, errCleanupStalled) {
				return err
			}
		}
		if err := r.sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(2*delay, r.opts.PollInterval)
		if err := r.poll(ctx); err != nil {
			return err
		}
	}
	if err := r.lookupRegistered(ctx); err != nil {
		return err
	}
	if r.opts.KeepImportRecords {
		return nil
	}
	r.mu.Lock()
	r.phase = PhaseCleanup
	r.progressLocked()
	r.mu.Unlock()
	// Each pass re-sends what the service answered 429/503 within the batch's own rounds; passes go on while
	// they delete something, so a throttle storm is waited out and a record that keeps failing is not.
	for left := r.recordsLeft(); left > 0; {
		if err := r.cleanup(ctx); errors.Is(err, errCleanupStalled) {
			return nil
		} else if err != nil {
			return err
		}
		if err := r.stopped(ctx); err != nil {
			return err
		}
		now := r.recordsLeft()
		if now == left {
			return nil
		}
		left = now
	}
	return nil
}

// recordsLeft counts import records still to be deleted.
func (r *run) recordsLeft() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.journal.Devices {
		if d.awaitingCleanup() {
			n++
		}
	}
	return n
}

// unsettled counts devices with an import record but no final answer yet.
func (r *run) unsettled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.journal.Devices {
		if !final(d.Status) && d.RecordID != "" {
			n++
		}
	}
	return n
}

// poll lists the import records once and settles this run's. A record missing from the complete listing
// (deleted by someone else) is settled by looking its serial number up among the registered devices.
func (r *run) poll(ctx context.Context) error {
	r.mu.Lock()
	waiting := map[string]string{} // record id → serial
	for serial, d := range r.journal.Devices {
		if d.RecordID != "" && !final(d.Status) {
			waiting[d.RecordID] = serial
		}
	}
	r.mu.Unlock()
	seen := map[string]importRecord{}
	if err := r.listRecords(ctx, func(rec importRecord) {
		if serial, ok := waiting[rec.ID]; ok && r.ours(rec, serial) {
			seen[rec.ID] = rec
		}
	}); err != nil {
		return err
	}
	var missing []string
	r.mu.Lock()
	for id, serial := range waiting {
		d := r.journal.Devices[serial]
		rec, ok := seen[id]
		if !ok {
			missing = append(missing, serial)
			continue
		}
		switch rec.State.DeviceImportStatus {
		case "complete":
			d.Status, d.DeviceID = result.Imported, rec.State.DeviceRegistrationID
		case "error":
			d.Status, d.ErrorCode, d.ErrorName = result.Failed, rec.State.DeviceErrorCode, rec.State.DeviceErrorName
			if alreadyRegistered(d.ErrorCode, d.ErrorName) {
				d.Status = result.AlreadyRegistered
			}
		}
	}
	r.progressLocked()
	err := r.saveLocked()
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.settleMissing(ctx, missing)
}

// settleMissing settles devices whose import record is gone before its answer was read: registered → imported
// (the tenant has it), not registered → failed, saying so. Nothing is waited on.
func (r *run) settleMissing(ctx context.Context, serials []string) error {
	if len(serials) == 0 {
		return nil
	}
	found, err := devicesBySerial(ctx, r.client, serials)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, serial := range serials {
		d := r.journal.Devices[serial]
		d.RecordDeleted, d.Submitting = true, false
		switch t := found[strings.ToUpper(serial)]; {
		case t == nil:
			d.Status, d.Message = result.Failed, "its import record was deleted before the service answered, and no device with this serial number is registered in this tenant; import it again"
		default:
			d.Status, d.Tenant, d.DeviceID = result.Imported, t, t.ID
			d.Message = "its import record was deleted before its answer was read; the device is registered in this tenant"
		}
	}
	r.progressLocked()
	return r.saveLocked()
}

// lookupRegistered finds what the tenant holds (id, group tag, user) for the devices it already had.
func (r *run) lookupRegistered(ctx context.Context) error {
	r.mu.Lock()
	var serials []string
	for serial, d := range r.journal.Devices {
		if d.Status == result.AlreadyRegistered && d.Tenant == nil {
			serials = append(serials, serial)
		}
	}
	r.mu.Unlock()
	if len(serials) == 0 {
		return nil
	}
	found, err := devicesBySerial(ctx, r.client, serials)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, serial := range serials {
		d := r.journal.Devices[serial]
		switch t := found[strings.ToUpper(serial)]; {
		case err != nil:
			d.Message = "looking up what the tenant holds for it failed: " + graph.Translate(err).Error()
		case t == nil:
			d.Tenant = &TenantDevice{}
		default:
			d.Tenant = t
			if t.Matches == 1 {
				d.DeviceID = t.ID
			}
		}
	}
	return r.saveLocked()
}

// cleanup deletes the import records of settled devices, in paced $batch requests, marking each as its
// answer comes. Only records this run created are touched, never another admin's. A record already gone
// counts as deleted; one the service refuses to delete is reported and left; one it could not delete for now
// (503, no answer, after the batch's own retries) is left for the next pass or a resumed run.
func (r *run) cleanup(ctx context.Context) error {
	r.mu.Lock()
	var reqs []graph.BatchRequest
	owner := map[string]*JournalDevice{}
	for _, d := range r.journal.Devices {
		if d.awaitingCleanup() {
			seg, err := graph.IDSegment("import record", d.RecordID) // a GUID, never a path of Graph's choosing
			if err != nil {
				d.CleanupError = err.Error()
				continue
			}
			reqs = append(reqs, graph.BatchRequest{ID: d.RecordID, Method: http.MethodDelete, URL: importsPath + "/" + seg})
			owner[d.RecordID] = d
		}
	}
	r.mu.Unlock()
	if len(reqs) == 0 {
		return nil
	}
	_, err := r.client.Batch(ctx, reqs, graph.BatchOptions{Pacer: r.pacer, Progress: func(a graph.BatchResponse) {
		r.mu.Lock()
		defer r.mu.Unlock()
		d := owner[a.ID]
		switch {
		case a.OK() || a.Status == http.StatusNotFound:
			d.RecordDeleted, d.CleanupFailed = true, ""
		case a.Status >= 400 && !graph.Retryable(a.Status):
			// A refusal will not change on the next pass: report it rather than try until the deadline.
			d.CleanupError = a.Error().Error()
		default:
			d.CleanupFailed = a.Error().Error()
		}
		r.progressLocked()
	}})
	var ge *graph.Error
	if err != nil && ctx.Err() == nil && !(errors.As(graph.Translate(err), &ge) && ge.IsAuth()) {
		// The $batch request itself failed (a 503 that outlasted the retries, say): the devices' answers
		// stand, so each record left is reported and the phase ends; a resume deletes what is still there.
		r.mu.Lock()
		for _, d := range owner {
			if d.awaitingCleanup() && d.CleanupFailed == "" {
				d.CleanupFailed = graph.Translate(err).Error()
			}
		}
		r.mu.Unlock()
		err = errCleanupStalled
	}
	if serr := r.save(); serr != nil && (err == nil || errors.Is(err, errCleanupStalled)) {
		return serr
	}
	return err
}

// errCleanupStalled ends the clean-up phase without failing the run: the records left are in the report.
var errCleanupStalled = errors.New("import records left to delete")

// reconcile checks the journal of a resumed run against the tenant's import records before anything is
// sent: a record the journal names is used only if it is still there with this run's importId and the
// journaled serial number; a device whose request left without an answer recorded adopts this run's record
// for its serial, or is sent again; a record already gone is not deleted again, and a device whose record
// vanished before its answer was read is settled by looking its serial number up.
func (r *run) reconcile(ctx context.Context) error {
	r.mu.Lock()
	check := false
	for _, d := range r.journal.Devices {
		if d.Submitting || d.RecordID != "" && !d.RecordDeleted && d.CleanupError == "" {
			check = true
		}
	}
	r.mu.Unlock()
	if !check {
		return nil
	}
	byID := map[string]importRecord{}
	mine := map[string][]string{} // upper-cased serial → this run's record ids
	if err := r.listRecords(ctx, func(rec importRecord) {
		byID[rec.ID] = rec
		if rec.ImportID == r.journal.RunID {
			key := strings.ToUpper(rec.SerialNumber)
			mine[key] = append(mine[key], rec.ID)
		}
	}); err != nil {
		return err
	}
	r.mu.Lock()
	taken := map[string]bool{}
	var missing []string
	for serial, d := range r.journal.Devices {
		if d.RecordID == "" || d.RecordDeleted || d.CleanupError != "" {
			continue
		}
		rec, there := byID[d.RecordID]
		switch {
		case there && r.ours(rec, serial):
			taken[rec.ID] = true
		case there: // another run's or another admin's record: never ours to follow or delete
			d.RecordID, d.Submitting = "", true
		case final(d.Status):
			d.RecordDeleted = true
		default:
			missing = append(missing, serial)
		}
	}
	for serial, d := range r.journal.Devices {
		if d.RecordID != "" || !d.Submitting {
			continue
		}
		d.Submitting = false
		for _, id := range mine[strings.ToUpper(serial)] {
			if !taken[id] {
				d.RecordID, taken[id] = id, true
				break
			}
		}
		if d.RecordID == "" && !final(d.Status) {
			delete(r.journal.Devices, serial) // never arrived: submitted again
		}
	}
	err := r.saveLocked()
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.settleMissing(ctx, missing)
}
