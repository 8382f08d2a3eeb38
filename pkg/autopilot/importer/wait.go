package importer

import (
	"context"
	"net/http"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// firstPoll is the first wait after submitting: small imports settle in seconds, so the wait starts short
// and doubles up to PollInterval. Each poll is one paged list, whatever the number of devices.
const firstPoll = 2 * time.Second

// wait polls until every submitted device has a final answer and its import record is deleted, or the timeout.
func (r *run) wait(ctx context.Context) error {
	deadline := r.opts.Now().Add(r.opts.Timeout)
	delay := min(firstPoll, r.opts.PollInterval)
	for {
		if err := r.cleanup(ctx); err != nil {
			return err
		}
		if r.outstanding() == 0 {
			return nil
		}
		left := deadline.Sub(r.opts.Now())
		if left <= 0 {
			return nil // the report lists what is still pending
		}
		if err := r.opts.Sleep(ctx, min(delay, left)); err != nil {
			return err
		}
		delay = min(2*delay, r.opts.PollInterval)
		if err := r.poll(ctx); err != nil {
			return err
		}
	}
}

// outstanding counts devices still waiting for an answer or whose import record is not yet deleted.
func (r *run) outstanding() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.journal.Devices {
		if (!d.Status.Final() && d.RecordID != "") || d.awaitingCleanup() {
			n++
		}
	}
	return n
}

// poll lists the import records once and settles the ones this run created.
func (r *run) poll(ctx context.Context) error {
	r.mu.Lock()
	ours := map[string]*JournalDevice{}
	for _, d := range r.journal.Devices {
		if d.RecordID != "" && !d.Status.Final() {
			ours[d.RecordID] = d
		}
	}
	r.mu.Unlock()
	seen := map[string]importRecord{}
	if err := r.listRecords(ctx, func(rec importRecord) {
		if _, ok := ours[rec.ID]; ok {
			seen[rec.ID] = rec
		}
	}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, rec := range seen {
		d := ours[id]
		switch rec.State.DeviceImportStatus {
		case "complete":
			d.Status, d.AutopilotDeviceID = Imported, rec.State.DeviceRegistrationID
		case "error":
			d.Status, d.ErrorCode, d.ErrorName = Failed, rec.State.DeviceErrorCode, rec.State.DeviceErrorName
			if alreadyRegistered(d.ErrorCode, d.ErrorName) {
				d.Status = AlreadyRegistered
			}
		}
	}
	r.progressLocked()
	return r.save()
}

// cleanup deletes the import records of settled devices, in paced $batch requests. Only records this run
// created are touched, never another admin's in-flight import.
func (r *run) cleanup(ctx context.Context) error {
	r.mu.Lock()
	var reqs []graph.BatchRequest
	owner := map[string]*JournalDevice{}
	for _, d := range r.journal.Devices {
		if d.awaitingCleanup() {
			reqs = append(reqs, graph.BatchRequest{ID: d.RecordID, Method: http.MethodDelete, URL: importsPath + "/" + d.RecordID})
			owner[d.RecordID] = d
		}
	}
	r.mu.Unlock()
	if len(reqs) == 0 {
		return nil
	}
	res, err := r.client.Batch(ctx, reqs, graph.BatchOptions{Pacer: r.pacer})
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range res {
		switch {
		case a.OK() || a.Status == http.StatusNotFound:
			owner[a.ID].RecordDeleted = true
		case a.Status >= 400 && !graph.Retryable(a.Status):
			// A refusal will not change on the next round: report it rather than wait for the timeout.
			owner[a.ID].CleanupError = a.Error().Error()
		}
	}
	if serr := r.save(); err == nil {
		err = serr
	}
	return err
}
