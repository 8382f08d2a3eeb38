// Package importer registers Windows Autopilot devices from hardware-hash CSVs through Graph's bulk import:
// validate everything first, submit in large paced batches, poll by listing, settle each device to one answer,
// delete the import records it created, and keep a journal so an interrupted run resumes without duplicates.
package importer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/microsoftgraph/msgraph-beta-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Status is a device's answer in the report.
type Status string

const (
	Imported          Status = "imported"
	AlreadyRegistered Status = "already-registered"
	Failed            Status = "failed"
	Invalid           Status = "invalid"
	Pending           Status = "pending"
)

// Final reports whether the status will not change any more.
func (s Status) Final() bool {
	return s == Imported || s == AlreadyRegistered || s == Failed || s == Invalid
}

// Options drive one import run.
type Options struct {
	Files        []string
	GroupTag     *string // overrides the files' Group Tag column when set ("" clears)
	AssignedUser *string // overrides the files' Assigned User column when set
	BatchSize    int     // devices per import request; halved when the service says a request is too large
	PollInterval time.Duration
	Timeout      time.Duration
	NoWait       bool
	Resume       bool
	SkipInvalid  bool
	JournalPath  string
	Budget       graph.WriteBudget
	Concurrency  int // import requests in flight; default 4
	Now          func() time.Time
	Sleep        func(context.Context, time.Duration) error
	Progress     func(Progress)
}

// Progress counts devices for a progress display.
type Progress struct {
	Total, Submitted, Done, Failed int
}

// DeviceResult is one device's line in the report (field names are the documented -o json contract).
type DeviceResult struct {
	SerialNumber      string `json:"serialNumber"`
	GroupTag          string `json:"groupTag"`
	AssignedUser      string `json:"assignedUser"`
	Status            Status `json:"status"`
	ErrorCode         int    `json:"errorCode,omitempty"`
	ErrorName         string `json:"errorName,omitempty"`
	Message           string `json:"message,omitempty"`
	ImportID          string `json:"importId,omitempty"`
	AutopilotDeviceID string `json:"autopilotDeviceId,omitempty"`
}

// Summary counts the report's statuses.
type Summary struct {
	Total             int `json:"total"`
	Imported          int `json:"imported"`
	AlreadyRegistered int `json:"alreadyRegistered"`
	Failed            int `json:"failed"`
	Invalid           int `json:"invalid"`
	Pending           int `json:"pending"`
}

// Report is the answer of one run.
type Report struct {
	Summary Summary        `json:"summary"`
	Devices []DeviceResult `json:"devices"`
}

// InputError lists every problem found in the input; nothing was sent.
type InputError struct{ Problems []hashcsv.Problem }

func (e *InputError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return fmt.Sprintf("%d problem(s) in the input; nothing was uploaded (fix them, or pass --skip-invalid to upload the valid rows):\n%s",
		len(e.Problems), strings.Join(lines, "\n"))
}

// ErrJournal is a journal state that needs the user's decision (exit 2).
type ErrJournal struct{ Msg string }

func (e *ErrJournal) Error() string { return e.Msg }

// row is a valid device, read again from its file in the submit pass.
type row struct {
	hashcsv.Device
	hash []byte
}

// run holds one import's state; mu guards the journal.
type run struct {
	client  *graph.Client
	opts    Options
	pacer   *graph.Pacer
	mu      sync.Mutex
	journal *Journal
	valid   []hashcsv.RowRef
	invalid []hashcsv.Problem
	rows    map[string]hashcsv.Device // serial → row (without the hash) for the report
}

// Input is validated input: the rows to import and, with SkipInvalid, the problems to report.
type Input struct {
	valid   []hashcsv.RowRef
	invalid []hashcsv.Problem
}

// Check validates the files without touching the network: all problems at once. (Callers validate the
// GroupTag and AssignedUser overrides, which are flags, not file content.)
func Check(opts Options) (*Input, error) {
	valid, invalid := hashcsv.ValidateFiles(opts.Files)
	if len(invalid) > 0 && !opts.SkipInvalid {
		return nil, &InputError{Problems: invalid}
	}
	return &Input{valid: valid, invalid: invalid}, nil
}

// Run imports the devices of in (from Check(opts)) through client and returns the per-device report.
func Run(ctx context.Context, client *graph.Client, opts Options, in *Input) (*Report, error) {
	opts = withDefaults(opts)
	r := &run{client: client, opts: opts, valid: in.valid, invalid: in.invalid, rows: map[string]hashcsv.Device{},
		pacer: graph.NewPacer(opts.Budget, opts.Now, opts.Sleep)}
	if err := r.openJournal(); err != nil {
		return nil, err
	}
	if err := r.reconcile(ctx); err != nil {
		return nil, err
	}
	if err := r.submit(ctx); err != nil {
		return r.report(), err
	}
	if !opts.NoWait {
		if err := r.wait(ctx); err != nil {
			return r.report(), err
		}
	}
	rep := r.report()
	if r.journal.Finished() {
		// Nothing is left to resume; a later run of the same files starts afresh.
		if err := os.Remove(r.journal.Path); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func withDefaults(o Options) Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 15 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Budget.Writes == 0 {
		o.Budget = graph.DefaultWriteBudget
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = graph.SleepContext
	}
	if o.JournalPath == "" && len(o.Files) > 0 {
		o.JournalPath = DefaultJournalPath(o.Files[0])
	}
	return o
}

func (r *run) openJournal() error {
	digest, err := DigestFiles(r.opts.Files)
	if err != nil {
		return err
	}
	j, err := LoadJournal(r.opts.JournalPath)
	if err != nil {
		return &ErrJournal{Msg: err.Error()}
	}
	switch {
	case r.opts.Resume && j == nil:
		return &ErrJournal{Msg: fmt.Sprintf("--resume: no journal at %s (pass --journal if it is elsewhere)", r.opts.JournalPath)}
	case r.opts.Resume && j.Digest != digest:
		return &ErrJournal{Msg: fmt.Sprintf("--resume: the CSV files changed since %s was written; resume with the same files, or delete the journal to start a new import", r.opts.JournalPath)}
	case r.opts.Resume && !j.Overrides.equal(r.overrides()):
		return &ErrJournal{Msg: fmt.Sprintf("--resume: --group-tag and --assigned-user must be as in the interrupted run (%s)", j.Overrides)}
	case !r.opts.Resume && j != nil && !j.Finished():
		return &ErrJournal{Msg: fmt.Sprintf("an unfinished import journal exists at %s: run again with --resume to continue it, or delete it to start over", r.opts.JournalPath)}
	case !r.opts.Resume:
		j = &Journal{Version: journalVersion, Files: r.opts.Files, Digest: digest, RunID: newRunID(), Overrides: r.overrides(),
			Devices: map[string]*JournalDevice{}, Path: r.opts.JournalPath}
	}
	r.journal = j
	return r.save()
}

func (r *run) save() error { return r.journal.Save() }

func (r *run) overrides() Overrides {
	return Overrides{GroupTag: r.opts.GroupTag, AssignedUser: r.opts.AssignedUser}
}

// newRunID is a random GUID: the importId of every record this run creates.
func newRunID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// importRecord is the part of an importedWindowsAutopilotDeviceIdentity the pipeline reads.
type importRecord struct {
	ID           string `json:"id"`
	SerialNumber string `json:"serialNumber"`
	ImportID     string `json:"importId"`
	State        struct {
		DeviceImportStatus   string `json:"deviceImportStatus"`
		DeviceRegistrationID string `json:"deviceRegistrationId"`
		DeviceErrorCode      int    `json:"deviceErrorCode"`
		DeviceErrorName      string `json:"deviceErrorName"`
	} `json:"state"`
}

const importsPath = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"

// listRecords pages through the tenant's import records (other admins' too; callers pick their own by id).
func (r *run) listRecords(ctx context.Context, each func(importRecord)) error {
	return r.client.List(ctx, importsPath, func(raw json.RawMessage) error {
		var rec importRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		each(rec)
		return nil
	})
}

// reconcile settles devices whose import request left but whose answer was never recorded: a record of
// this run (same importId) for the serial is theirs; otherwise the device is submitted again. Records of other
// runs or other admins are never adopted, so never deleted.
func (r *run) reconcile(ctx context.Context) error {
	var unsure []string
	for serial, d := range r.journal.Devices {
		if d.Submitting && d.RecordID == "" {
			unsure = append(unsure, serial)
		}
	}
	if len(unsure) == 0 {
		return nil
	}
	found, err := r.findOurs(ctx, unsure)
	if err != nil {
		return fmt.Errorf("checking which devices an interrupted run already submitted: %w", err)
	}
	for _, serial := range unsure {
		d := r.journal.Devices[serial]
		d.Submitting, d.RecordID = false, found[strings.ToUpper(serial)]
	}
	return r.save()
}

// findOurs lists the import records and returns, by upper-cased serial, the ids of this run's records for
// serials, skipping records the journal already holds.
func (r *run) findOurs(ctx context.Context, serials []string) (map[string]string, error) {
	want := map[string]bool{}
	for _, s := range serials {
		want[strings.ToUpper(s)] = true
	}
	r.mu.Lock()
	taken := map[string]bool{}
	for _, d := range r.journal.Devices {
		taken[d.RecordID] = true
	}
	runID := r.journal.RunID
	r.mu.Unlock()
	found := map[string]string{}
	err := r.listRecords(ctx, func(rec importRecord) {
		s := strings.ToUpper(rec.SerialNumber)
		if want[s] && rec.ImportID == runID && !taken[rec.ID] && found[s] == "" {
			found[s] = rec.ID
		}
	})
	return found, err
}

// submit streams the valid rows again, hashes included, and sends those without an import record yet.
func (r *run) submit(ctx context.Context) error {
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	send := func(batch []row) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := r.submitBatch(ctx, batch); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
			}
		}()
	}
	var batch []row
	r.readRows(func(d hashcsv.Device) {
		r.mu.Lock() // submitBatch goroutines write the journal
		jd := r.journal.Devices[d.SerialNumber]
		done := jd != nil && (jd.RecordID != "" || jd.Status.Final())
		r.mu.Unlock()
		if done {
			return
		}
		hash, _ := base64.StdEncoding.DecodeString(d.HardwareHash)
		d.HardwareHash = ""
		batch = append(batch, row{Device: d, hash: hash})
		if len(batch) == r.opts.BatchSize {
			send(batch)
			batch = nil
		}
	})
	if len(batch) > 0 {
		send(batch)
	}
	wg.Wait()
	r.progress()
	return firstErr
}

// readRows streams the valid rows of every file (the second pass), applies the overrides, remembers each
// row's report fields, and hands the full row, hash included, to each (when not nil).
func (r *run) readRows(each func(hashcsv.Device)) {
	keep := make(map[hashcsv.RowRef]bool, len(r.valid))
	for _, v := range r.valid {
		keep[v] = true
	}
	for _, path := range r.opts.Files {
		rd, err := hashcsv.Open(path)
		if err != nil {
			continue // validation reported it
		}
		for {
			d, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil || !keep[d.Ref()] {
				continue
			}
			r.applyOverrides(&d)
			r.mu.Lock()
			r.rows[d.SerialNumber] = hashcsv.Device{File: d.File, Line: d.Line, SerialNumber: d.SerialNumber, GroupTag: d.GroupTag, AssignedUser: d.AssignedUser}
			r.mu.Unlock()
			if each != nil {
				each(d)
			}
		}
		rd.Close()
	}
}

func (r *run) applyOverrides(d *hashcsv.Device) {
	if r.opts.GroupTag != nil {
		d.GroupTag = *r.opts.GroupTag
	}
	if r.opts.AssignedUser != nil {
		d.AssignedUser = *r.opts.AssignedUser
	}
}

// unknownOutcomeTries bounds how often one batch is looked for and sent again after answers that leave its
// fate unknown (503, 504, a lost connection).
const unknownOutcomeTries = 5

// submitBatch sends one import request, journaling before and after. A request the service finds too large is
// split; an answer that leaves unknown whether the records were created (503, 504, lost connection) is checked
// by listing this run's records before the devices not found are sent again.
func (r *run) submitBatch(ctx context.Context, batch []row) error {
	for try := 1; ; try++ {
		if err := r.pacer.Wait(ctx, 1); err != nil {
			return err
		}
		if err := r.markSubmitting(batch); err != nil {
			return err
		}
		post := graph.NotifyThrottle(graph.RetryThrottledOnly(ctx), r.pacer.Throttled)
		resp, err := r.importBuilder().PostAsImportPostResponse(post, importBody(batch, r.journal.RunID), nil)
		if err == nil {
			return r.settle(batch, recordIDs(resp), nil)
		}
		err = graph.Translate(err)
		var ge *graph.Error
		isGraph := errors.As(err, &ge)
		switch {
		case ctx.Err() != nil:
			return err
		case isGraph && tooLarge(ge) && len(batch) > 1:
			for _, part := range split(batch, allowedBatch(ge, len(batch))) {
				if err := r.submitBatch(ctx, part); err != nil {
					return err
				}
			}
			return nil
		case isGraph && ge.IsAuth():
			return err
		case isGraph && ge.Status >= 400 && ge.Status < 500 && ge.Status != http.StatusTooManyRequests:
			// The service refused this request outright: nothing was created, so the answer is final.
			return r.settle(batch, nil, ge)
		case try == unknownOutcomeTries:
			return fmt.Errorf("import request for %d devices: %w (run again with --resume: devices already received will not be sent twice)", len(batch), err)
		}
		if err := r.opts.Sleep(ctx, min(30*time.Second, 2*time.Second<<(try-1))); err != nil {
			return err
		}
		serials := make([]string, len(batch))
		for i, d := range batch {
			serials[i] = d.SerialNumber
		}
		found, ferr := r.findOurs(ctx, serials)
		if ferr != nil {
			return fmt.Errorf("import request for %d devices: %w; then checking what arrived: %w (run again with --resume)", len(batch), err, ferr)
		}
		var arrived, missing []row
		for _, d := range batch {
			if found[strings.ToUpper(d.SerialNumber)] != "" {
				arrived = append(arrived, d)
			} else {
				missing = append(missing, d)
			}
		}
		if err := r.settle(arrived, found, nil); err != nil {
			return err
		}
		if batch = missing; len(batch) == 0 {
			return nil
		}
	}
}

// markSubmitting journals that batch's import request is about to leave.
func (r *run) markSubmitting(batch []row) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range batch {
		r.journal.Devices[d.SerialNumber] = &JournalDevice{Submitting: true, Status: Pending}
	}
	return r.save()
}

func recordIDs(resp devicemanagement.ImportedWindowsAutopilotDeviceIdentitiesImportPostResponseable) map[string]string {
	ids := map[string]string{}
	for _, rec := range resp.GetValue() {
		if rec.GetSerialNumber() != nil && rec.GetId() != nil {
			ids[strings.ToUpper(*rec.GetSerialNumber())] = *rec.GetId()
		}
	}
	return ids
}

// settle records the service's answer to one import request and saves the journal.
func (r *run) settle(batch []row, recordIDs map[string]string, refused *graph.Error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range batch {
		jd := r.journal.Devices[d.SerialNumber]
		if refused != nil {
			jd.Submitting, jd.Status, jd.ErrorName, jd.Message = false, Failed, refused.Code, refused.Error()
			continue
		}
		jd.RecordID = recordIDs[strings.ToUpper(d.SerialNumber)]
		jd.Submitting = jd.RecordID == "" // missing from the answer: a resumed run looks for it
	}
	r.progressLocked()
	return r.save()
}

func (r *run) importBuilder() *devicemanagement.ImportedWindowsAutopilotDeviceIdentitiesImportRequestBuilder {
	return r.client.DeviceManagement().ImportedWindowsAutopilotDeviceIdentities().ImportEscaped()
}

func importBody(batch []row, runID string) *devicemanagement.ImportedWindowsAutopilotDeviceIdentitiesImportPostRequestBody {
	items := make([]models.ImportedWindowsAutopilotDeviceIdentityable, len(batch))
	for i, d := range batch {
		it := models.NewImportedWindowsAutopilotDeviceIdentity()
		serial, pk := d.SerialNumber, d.ProductKey
		it.SetImportId(&runID)
		it.SetSerialNumber(&serial)
		it.SetProductKey(&pk)
		it.SetHardwareIdentifier(d.hash)
		if d.GroupTag != "" {
			tag := d.GroupTag
			it.SetGroupTag(&tag)
		}
		if d.AssignedUser != "" {
			upn := d.AssignedUser
			it.SetAssignedUserPrincipalName(&upn)
		}
		items[i] = it
	}
	body := devicemanagement.NewImportedWindowsAutopilotDeviceIdentitiesImportPostRequestBody()
	body.SetImportedWindowsAutopilotDeviceIdentities(items)
	return body
}

// tooLarge recognises the service refusing the number of devices in one request. The limit is undocumented
// (reference §9.1): a 413, or a 400 that speaks of a maximum number of devices, counts.
func tooLarge(e *graph.Error) bool {
	if e.Status == http.StatusRequestEntityTooLarge {
		return true
	}
	m := strings.ToLower(e.Message)
	return e.Status == http.StatusBadRequest && (strings.Contains(m, "at most") || strings.Contains(m, "too many") ||
		strings.Contains(m, "exceeds the maximum") || strings.Contains(m, "too large"))
}

var atMost = regexp.MustCompile(`(?i)at most (\d+)`)

// allowedBatch is the size to split a refused batch into: the number the service named, else half.
func allowedBatch(e *graph.Error, size int) int {
	if m := atMost.FindStringSubmatch(e.Message); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < size {
			return n
		}
	}
	return (size + 1) / 2
}

// split cuts batch into parts of at most n.
func split(batch []row, n int) [][]row {
	var parts [][]row
	for len(batch) > n {
		parts = append(parts, batch[:n])
		batch = batch[n:]
	}
	return append(parts, batch)
}
