// Package importer registers Windows Autopilot devices from hardware-hash CSVs through Graph's bulk import:
// take every input once, validate everything first, submit in large paced batches, poll by listing, settle
// each device to one answer (looking up what the tenant holds for devices it already had), delete the import
// records it created, and keep a journal — locked for the whole run — so that an interrupted run resumes
// without duplicates. It names no command-line flags: errors are typed, and the command words them.
package importer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/microsoftgraph/msgraph-beta-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Options drive one import run.
type Options struct {
	GroupTag     *string // overrides the files' Group Tag column when set ("" clears)
	AssignedUser *string // overrides the files' Assigned User column when set
	BatchSize    int     // devices per import request; halved when the service says a request is too large
	PollInterval time.Duration
	// Timeout is a deadline on the whole run: at it the run stops, reports what is pending, keeps the journal.
	Timeout     time.Duration
	NoWait      bool
	Resume      bool
	SkipInvalid bool
	// KeepImportRecords leaves the import records in the tenant instead of deleting them once settled.
	KeepImportRecords bool
	JournalPath       string // default JournalPath(JournalDir, the inputs' digest)
	JournalDir        string // default DefaultJournalDir()
	// Tenant is the signed-in tenant's id, when known; the journal records it with the Graph host.
	Tenant string
	// GraphHost names the Graph service the journal records (default: the host and port of the client's base
	// URL); set it where that address changes between runs of the same service, as an embedded mock's does.
	GraphHost   string
	Budget      graph.WriteBudget
	Concurrency int // import requests in flight; default 4
	Now         func() time.Time
	Sleep       func(context.Context, time.Duration) error
	Progress    func(Progress)
}

// Phase is what a run is busy with, for a progress display.
type Phase string

const (
	PhaseImport  Phase = "import"  // submitting devices and waiting for their answers
	PhaseCleanup Phase = "cleanup" // deleting this run's import records
)

// Progress counts devices, and this run's import records, for a progress display.
type Progress struct {
	Phase                          Phase
	Total, Submitted, Done, Failed int // devices
	Records, Removed               int // this run's import records, and how many are deleted
}

// Input is validated input: the rows to import and, with SkipInvalid, the problems to report.
type Input struct {
	src      *Inputs
	valid    []hashcsv.RowRef
	invalid  []hashcsv.Problem
	warnings []hashcsv.Problem // about valid rows: placeholder serial numbers
}

// Check validates the inputs without touching the network: all problems at once. An *InputError carries a
// report of the invalid rows. (Callers validate the GroupTag and AssignedUser overrides themselves.)
func Check(src *Inputs, opts Options) (*Input, error) {
	var val hashcsv.Validation
	v := hashcsv.NewValidator()
	for i, name := range src.Names {
		if r := src.rewind(i); r != nil {
			v.CheckReader(name, r, &val)
		}
	}
	in := &Input{src: src, valid: val.Valid, invalid: append(slices.Clone(src.problems), val.Invalid...), warnings: val.Warnings}
	if len(in.invalid) > 0 && (!opts.SkipInvalid || val.Stopped) {
		rep := &Report{Devices: invalidRows(in.invalid)}
		rep.Recount()
		return nil, &InputError{Problems: in.invalid, Report: rep}
	}
	return in, nil
}

// Warnings lists what to know about rows that are imported all the same (placeholder serial numbers), each
// located as file:line.
func (in *Input) Warnings() []string {
	out := make([]string, len(in.warnings))
	for i, w := range in.warnings {
		out[i] = w.Error()
	}
	return out
}

// run holds one import's state; mu guards the journal.
type run struct {
	client   *graph.Client
	opts     Options
	in       *Input
	pacer    *graph.Pacer
	deadline time.Time
	phase    Phase
	mu       sync.Mutex
	journal  *Journal
	rows     map[string]hashcsv.Device // serial → row (without the hash) for the report
	badRows  map[hashcsv.RowRef]string // file and line of an invalid row → its serial number
	inputs   map[string]bool           // the valid rows' serial numbers
	rowsRead bool
}

func newRun(client *graph.Client, opts Options, in *Input) *run {
	r := &run{client: client, opts: opts, in: in, phase: PhaseImport, rows: map[string]hashcsv.Device{},
		inputs: map[string]bool{}, journal: &Journal{Devices: map[string]*JournalDevice{}}}
	for _, v := range in.valid {
		r.inputs[v.SerialNumber] = true
	}
	return r
}

// Run imports the devices of in (from Check) through client and returns the per-device report. The report
// comes back with the error whenever the run got as far as the journal: an interruption (ctx canceled),
// ErrTimedOut, a refused request.
func Run(ctx context.Context, client *graph.Client, opts Options, in *Input) (*Report, error) {
	opts = withDefaults(opts)
	r := newRun(client, opts, in)
	r.deadline = opts.Now().Add(opts.Timeout)
	r.pacer = graph.NewPacer(opts.Budget, opts.Now, r.sleep)
	path, err := r.journalPath()
	if err != nil {
		return nil, err
	}
	lk, err := lockJournal(path)
	if err != nil {
		return nil, err
	}
	tl, err := lockTenant(r.lockDir(path), r.graphHost(), opts.Tenant)
	if err != nil {
		lk.Release(false)
		return nil, err
	}
	defer tl.Release(true)
	if err := r.openJournal(path); err != nil {
		lk.Release(false)
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	err = r.reconcile(runCtx)
	if err == nil {
		err = r.submit(runCtx)
	}
	if err == nil && !opts.NoWait {
		err = r.wait(runCtx)
	}
	if !r.rowsRead {
		r.readRows(nil) // the report's fields, when the run stopped before the submit pass
	}
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimedOut)) {
		err = ErrTimedOut
	}
	rep := r.report()
	r.mu.Lock()
	defer r.mu.Unlock()
	done := r.finished()
	if serr := r.saveOrRemove(done); err == nil {
		err = serr
	}
	if !done {
		rep.Journal = r.journal.Path
	}
	lk.Release(done)
	return rep, err
}

// finished reports whether every device of the inputs has its final answer and no import record is left to
// delete: then nothing is left to resume. Callers hold r.mu.
func (r *run) finished() bool {
	for serial := range r.inputs {
		if d := r.journal.Devices[serial]; d == nil || !final(d.Status) {
			return false
		}
	}
	return r.journal.Finished(r.opts.KeepImportRecords)
}

// saveOrRemove keeps the journal of an unfinished run and removes a finished one: a later run of the same
// input starts afresh. Callers hold r.mu.
func (r *run) saveOrRemove(done bool) error {
	if !done {
		return r.saveLocked()
	}
	if err := osRemove(r.journal.Path); err != nil {
		return &JournalError{Path: r.journal.Path, Err: err}
	}
	return nil
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
	return o
}

// sleep waits through opts.Sleep, but never past the run's deadline: reaching it returns ErrTimedOut. (The
// run's context has the same deadline on the real clock; this one holds on an injected clock too.)
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	left := r.deadline.Sub(r.opts.Now())
	if left <= 0 {
		return ErrTimedOut
	}
	if d < left {
		return r.opts.Sleep(ctx, d)
	}
	if err := r.opts.Sleep(ctx, left); err != nil {
		return err
	}
	return ErrTimedOut
}

// stopped says why the run must stop now (interrupted, or past its deadline), or nil. A batch that ran into
// either ends with its unsent items marked, not with an error, so callers check after it.
func (r *run) stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !r.opts.Now().Before(r.deadline) {
		return ErrTimedOut
	}
	return nil
}

func (r *run) journalPath() (string, error) {
	if r.opts.JournalPath != "" {
		return r.opts.JournalPath, nil
	}
	dir := r.opts.JournalDir
	if dir == "" {
		var err error
		if dir, err = DefaultJournalDir(); err != nil {
			return "", &JournalError{Path: "(no per-user cache directory)", Err: err}
		}
	}
	if err := osMkdirAll(dir); err != nil {
		return "", &JournalError{Path: JournalPath(dir, r.in.src.Digest), Err: err}
	}
	return JournalPath(dir, r.in.src.Digest), nil
}

// openJournal loads the journal to resume, or starts one, after checking that it belongs to this input,
// these overrides, this tenant and this Graph host. The caller holds the journal's lock.
func (r *run) openJournal(path string) error {
	j, err := LoadJournal(path)
	if err != nil {
		return &JournalError{Path: path, Err: err}
	}
	host := r.graphHost()
	switch {
	case r.opts.Resume && j == nil:
		return &NoJournalError{Path: path}
	case r.opts.Resume && j.Digest != r.in.src.Digest:
		return &OtherInputError{Path: path}
	case r.opts.Resume && !j.Overrides.equal(r.overrides()):
		return &OtherOverridesError{Path: path, Journal: j.Overrides, Given: r.overrides()}
	case r.opts.Resume && (j.GraphHost != "" && !strings.EqualFold(j.GraphHost, host) ||
		j.Tenant != "" && r.opts.Tenant != "" && !strings.EqualFold(j.Tenant, r.opts.Tenant)):
		return &OtherTargetError{Path: path, JournalTenant: j.Tenant, JournalHost: j.GraphHost, Tenant: r.opts.Tenant, Host: host}
	case !r.opts.Resume && j != nil && !j.Finished(r.opts.KeepImportRecords):
		return &UnfinishedError{Path: path}
	case !r.opts.Resume:
		j = &Journal{Inputs: r.in.src.Names, Digest: r.in.src.Digest, RunID: newRunID(), Overrides: r.overrides(),
			Devices: map[string]*JournalDevice{}, Path: path}
	}
	j.Version, j.GraphHost, j.Holder = journalVersion, host, currentHolder(r.opts.Now())
	if j.Tenant == "" {
		j.Tenant = r.opts.Tenant
	}
	// Entries for devices these inputs don't hold are never acted on.
	for serial := range j.Devices {
		if !r.inputs[serial] {
			delete(j.Devices, serial)
		}
	}
	r.journal = j
	return r.save()
}

// graphHost names the Graph service the records live in: Options.GraphHost, else the base URL's host.
func (r *run) graphHost() string {
	if r.opts.GraphHost != "" {
		return r.opts.GraphHost
	}
	return graphHost(r.client.BaseURL)
}

// lockDir is where the tenant lock lives: the journal directory, whatever --journal names.
func (r *run) lockDir(journalPath string) string {
	if r.opts.JournalDir != "" {
		return r.opts.JournalDir
	}
	if dir, err := DefaultJournalDir(); err == nil && osMkdirAll(dir) == nil {
		return dir
	}
	return filepath.Dir(journalPath)
}

// graphHost is the host (and port) of a Graph base URL.
func graphHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return baseURL
	}
	return u.Host
}

func (r *run) save() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.saveLocked()
}

func (r *run) saveLocked() error {
	if err := r.journal.Save(); err != nil {
		return &JournalError{Path: r.journal.Path, Err: err}
	}
	return nil
}

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

// listRecords pages through the tenant's import records (other admins' too: callers pick this run's).
func (r *run) listRecords(ctx context.Context, each func(importRecord)) error {
	return ListRecords(ctx, r.client, func(rec Record) error { each(rec); return nil })
}

// Record is an import record (importedWindowsAutopilotDeviceIdentity) as the pipeline reads it.
type Record = importRecord

// ListRecords pages through the tenant's import records, every admin's, for readers such as `device diagnose`.
func ListRecords(ctx context.Context, c *graph.Client, each func(Record) error) error {
	return c.List(ctx, importsPath, func(raw json.RawMessage) error {
		var rec importRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		return each(rec)
	})
}

// ours reports whether rec is this run's record for serial: its importId is this run's and its serial number
// is the one the journal names. Nothing else is ever adopted, so nothing else is ever deleted.
func (r *run) ours(rec importRecord, serial string) bool {
	return rec.ImportID == r.journal.RunID && strings.EqualFold(rec.SerialNumber, serial)
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
	r.mu.Unlock()
	found := map[string]string{}
	err := r.listRecords(ctx, func(rec importRecord) {
		s := strings.ToUpper(rec.SerialNumber)
		if want[s] && r.ours(rec, rec.SerialNumber) && !taken[rec.ID] && found[s] == "" {
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
		done := jd != nil && (jd.RecordID != "" || final(jd.Status))
		r.mu.Unlock()
		errMu.Lock()
		stop := firstErr != nil
		errMu.Unlock()
		if done || stop || ctx.Err() != nil {
			return
		}
		hash, _ := hashcsv.DecodeHardwareHash(d.HardwareHash) // validated; padded again when sent
		d.HardwareHash = ""
		batch = append(batch, row{Device: d, hash: hash})
		if len(batch) == r.opts.BatchSize {
			send(batch)
			batch = nil
		}
	})
	if len(batch) > 0 && ctx.Err() == nil {
		send(batch)
	}
	wg.Wait()
	r.progress()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// row is a valid device, read again from its input in the submit pass.
type row struct {
	hashcsv.Device
	hash []byte
}

// readRows streams the valid rows of every input (the second pass), applies the overrides, remembers each
// row's report fields, and hands the full row, hash included, to each (when not nil).
func (r *run) readRows(each func(hashcsv.Device)) {
	r.rowsRead = true
	keep := make(map[hashcsv.RowRef]bool, len(r.in.valid))
	for _, v := range r.in.valid {
		keep[v] = true
	}
	for i, name := range r.in.src.Names {
		src := r.in.src.rewind(i)
		if src == nil {
			continue // its problem is reported
		}
		rd, err := hashcsv.NewReader(name, src)
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
			r.rows[d.SerialNumber] = hashcsv.Device{File: d.File, Line: d.Line, SerialNumber: strings.Clone(d.SerialNumber),
				GroupTag: strings.Clone(d.GroupTag), AssignedUser: strings.Clone(d.AssignedUser)}
			r.mu.Unlock()
			if each != nil {
				each(d)
			}
		}
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

// submitBatch sends one import request (see send); when the service refuses it outright, isolate finds the
// rows it was refused for.
func (r *run) submitBatch(ctx context.Context, batch []row) error {
	refused, err := r.send(ctx, batch)
	if err != nil || refused == nil {
		return err
	}
	return r.isolate(ctx, batch, refused)
}

// isolate settles a request the service refused outright (nothing was created). The service refuses a whole
// request for one row it will not take, so the others are sent again without it: a row the answer names is
// taken out at once; otherwise each half is sent on its own. When both halves are refused as well, the fault
// is not one row's, and every row fails with the service's answer.
func (r *run) isolate(ctx context.Context, batch []row, refused *graph.Error) error {
	if len(batch) == 1 {
		return r.settle(batch, nil, refused)
	}
	if i := namedRow(batch, refused); i >= 0 {
		if err := r.settle(batch[i:i+1], nil, refused); err != nil {
			return err
		}
		return r.submitBatch(ctx, append(slices.Clone(batch[:i]), batch[i+1:]...))
	}
	halves := [][]row{batch[:len(batch)/2], batch[len(batch)/2:]}
	var answers [2]*graph.Error
	for i, half := range halves {
		var err error
		if answers[i], err = r.send(ctx, half); err != nil {
			return err
		}
	}
	switch {
	case answers[0] != nil && answers[1] != nil:
		if err := r.settle(halves[0], nil, answers[0]); err != nil {
			return err
		}
		return r.settle(halves[1], nil, answers[1])
	case answers[0] != nil:
		return r.isolate(ctx, halves[0], answers[0])
	case answers[1] != nil:
		return r.isolate(ctx, halves[1], answers[1])
	}
	return nil
}

// namedRow is the index of the one row whose serial number or user the refusal's message names, or -1.
func namedRow(batch []row, refused *graph.Error) int {
	msg, found := strings.ToUpper(refused.Message), -1
	for i, d := range batch {
		for _, v := range []string{d.SerialNumber, d.AssignedUser} {
			if len(v) >= 4 && strings.Contains(msg, strings.ToUpper(v)) {
				if found >= 0 && found != i {
					return -1 // several rows named: not one row's fault to take out
				}
				found = i
			}
		}
	}
	return found
}

// send sends one import request, journaling before and after, and returns the service's answer when it
// refused the request outright (nothing created; the rows are not settled yet). A request the service finds
// too large is split; an answer that leaves unknown whether the records were created (503, 504, lost
// connection) is checked by listing this run's records before the devices not found are sent again.
func (r *run) send(ctx context.Context, batch []row) (*graph.Error, error) {
	for try := 1; ; try++ {
		if err := r.pacer.Wait(ctx, 1); err != nil {
			return nil, err
		}
		if err := r.markSubmitting(batch); err != nil {
			return nil, err
		}
		post := graph.NotifyThrottle(graph.RetryThrottledOnly(ctx), r.pacer.Throttled)
		resp, err := r.importBuilder().PostAsImportPostResponse(post, importBody(batch, r.journal.RunID), nil)
		if err == nil {
			return nil, r.settle(batch, recordIDs(resp), nil)
		}
		err = graph.Translate(err)
		var ge *graph.Error
		isGraph := errors.As(err, &ge)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case isGraph && tooLarge(ge) && len(batch) > 1:
			for _, part := range split(batch, allowedBatch(ge, len(batch))) {
				if err := r.submitBatch(ctx, part); err != nil {
					return nil, err
				}
			}
			return nil, nil
		case isGraph && ge.IsAuth():
			// Refused before anything was created: these devices were not submitted, and a journal holding
			// nothing submitted does not stand in the way of the next run.
			if uerr := r.unmarkSubmitting(batch); uerr != nil {
				return nil, uerr
			}
			return nil, err
		case isGraph && ge.Status >= 400 && ge.Status < 500 && ge.Status != http.StatusTooManyRequests:
			return ge, nil // refused outright: nothing was created
		case try == unknownOutcomeTries:
			return nil, &LostAnswerError{Devices: len(batch), Err: err}
		}
		if err := r.sleep(ctx, min(30*time.Second, 2*time.Second<<(try-1))); err != nil {
			return nil, err
		}
		serials := make([]string, len(batch))
		for i, d := range batch {
			serials[i] = d.SerialNumber
		}
		found, ferr := r.findOurs(ctx, serials)
		if ferr != nil {
			return nil, &LostAnswerError{Devices: len(batch), Err: fmt.Errorf("%w; then checking what arrived: %w", err, ferr)}
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
			return nil, err
		}
		if batch = missing; len(batch) == 0 {
			return nil, nil
		}
	}
}

// markSubmitting journals that batch's import request is about to leave.
func (r *run) markSubmitting(batch []row) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range batch {
		r.journal.Devices[d.SerialNumber] = &JournalDevice{Submitting: true, Status: result.Pending}
	}
	return r.saveLocked()
}

// unmarkSubmitting journals that batch's import request was refused before anything was created.
func (r *run) unmarkSubmitting(batch []row) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range batch {
		delete(r.journal.Devices, d.SerialNumber)
	}
	return r.saveLocked()
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
			jd.Submitting, jd.Status, jd.ErrorName, jd.Message = false, result.Failed, refused.Code, refused.Error()
			continue
		}
		jd.RecordID = recordIDs[strings.ToUpper(d.SerialNumber)]
		jd.Submitting = jd.RecordID == "" // missing from the answer: a resumed run looks for it
	}
	r.progressLocked()
	return r.saveLocked()
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
// (docs/graph.md#not-confirmed): a 413, or a 400 that speaks of a maximum number of devices, counts.
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
