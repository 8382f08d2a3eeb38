package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Report is the answer of one run.
type Report struct {
	ImportID string          `json:"importId,omitempty"` // sent as every device's importId by this run
	Summary  result.Summary  `json:"summary"`
	Devices  []*DeviceResult `json:"devices"`
	// ImportRecordsLeft counts this run's import records still in the tenant that were meant to be deleted
	// (cleanup interrupted, or the service not deleting them yet); a resumed run deletes them.
	ImportRecordsLeft int `json:"importRecordsLeft,omitempty"`
	// Journal is where the journal of an unfinished run is kept; empty when the run finished.
	Journal string `json:"journal,omitempty"`
}

// DeviceResult is one device's entry: the shared change fields (kind windowsAutopilotDeviceIdentity, serial
// number, id of the Autopilot device when known, status, error, message) and the import's own.
type DeviceResult struct {
	result.Change
	File string `json:"file,omitempty"` // where the row is
	Line int    `json:"line,omitempty"`
	// GroupTag and AssignedUser are what the tenant holds: what was imported, or, for a device already
	// registered, what the tenant had. RequestedGroupTag and RequestedAssignedUser are what the row (or the
	// override) asked for, when that differs from what the tenant holds.
	GroupTag              string   `json:"groupTag"`
	AssignedUser          string   `json:"assignedUser"`
	RequestedGroupTag     *string  `json:"requestedGroupTag,omitempty"`
	RequestedAssignedUser *string  `json:"requestedAssignedUser,omitempty"`
	ImportRecordID        string   `json:"importRecordId,omitempty"` // the import record this run created
	ErrorCode             int      `json:"errorCode,omitempty"`      // the service's import error code
	ErrorName             string   `json:"errorName,omitempty"`
	Problems              []string `json:"problems,omitempty"` // what is wrong with an invalid row
	Warnings              []string `json:"warnings,omitempty"` // what to know about a row that was imported
}

// report builds the per-device answer, in input order, from the journal: a resumed run reports the same.
func (r *run) report() *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	type entry struct {
		file, line int
		res        *DeviceResult
	}
	fileIndex := map[string]int{}
	for i, f := range r.in.src.Names {
		fileIndex[f] = i
	}
	var entries []entry
	for _, row := range invalidRows(r.in.invalid) {
		entries = append(entries, entry{fileIndex[row.File], row.Line, row})
	}
	warnings := map[hashcsv.RowRef][]string{}
	for _, w := range r.in.warnings {
		at := hashcsv.RowRef{File: w.File, Line: w.Line}
		warnings[at] = append(warnings[at], w.Detail())
	}
	for _, v := range r.in.valid {
		d, ok := r.rows[v.SerialNumber]
		if !ok {
			d = hashcsv.Device{File: v.File, Line: v.Line, SerialNumber: v.SerialNumber}
		}
		res := r.result(d)
		res.Warnings = warnings[hashcsv.RowRef{File: v.File, Line: v.Line}]
		entries = append(entries, entry{fileIndex[v.File], v.Line, res})
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.file != b.file {
			return a.file - b.file
		}
		return a.line - b.line
	})
	rep := &Report{ImportID: r.journal.RunID, Devices: make([]*DeviceResult, len(entries))}
	for i, e := range entries {
		rep.Devices[i] = e.res
	}
	for _, d := range r.journal.Devices {
		if d.awaitingCleanup() && !r.opts.KeepImportRecords {
			rep.ImportRecordsLeft++
		}
	}
	rep.Recount()
	return rep
}

// invalidRows gives each invalid row (or input, for a problem with a whole input) one entry, its problems
// listed without their location, which is in File and Line.
func invalidRows(problems []hashcsv.Problem) []*DeviceResult {
	var out []*DeviceResult
	for _, row := range hashcsv.ByRow(problems) {
		located := make([]string, len(row.Problems))
		for i, p := range row.Problems {
			located[i] = hashcsv.Problem{File: row.File, Line: row.Line, Msg: p}.Error()
		}
		out = append(out, &DeviceResult{Change: result.Change{Kind: autopilot.Kind, SerialNumber: row.SerialNumber,
			Status: result.Invalid, Error: strings.Join(located, "; ")}, File: row.File, Line: row.Line, Problems: row.Problems})
	}
	return out
}

// Recount sets the summary from the devices (after a caller changed some of them).
func (rep *Report) Recount() { rep.Summary = result.Summarize(rep.Devices) }

// result is one valid row's entry. d holds what the row asked for (after the overrides).
func (r *run) result(d hashcsv.Device) *DeviceResult {
	res := &DeviceResult{Change: result.Change{Kind: autopilot.Kind, SerialNumber: d.SerialNumber, Status: result.Pending,
		Message: "not submitted yet"}, File: d.File, Line: d.Line, GroupTag: d.GroupTag, AssignedUser: d.AssignedUser}
	jd := r.journal.Devices[d.SerialNumber]
	if jd == nil {
		return res
	}
	res.ImportRecordID, res.ID, res.ErrorCode, res.ErrorName = jd.RecordID, jd.DeviceID, jd.ErrorCode, jd.ErrorName
	res.Status, res.Message = jd.Status, jd.Message
	switch {
	case jd.Status == result.AlreadyRegistered:
		r.describeRegistered(res, jd.Tenant)
	case jd.Status == result.Failed && jd.Message != "":
		res.Error, res.Message = jd.Message, ""
	case jd.Status == result.Failed:
		res.ErrorName, res.Error = Explain(jd.ErrorCode, jd.ErrorName)
	case final(jd.Status), jd.Status == result.WouldImport:
	case jd.Submitting:
		res.Status, res.Message = result.Pending, "the answer to its import request was lost; resuming looks for its record before sending it again"
	default:
		res.Status, res.Message = result.Pending, "the service is still processing it"
	}
	switch {
	case jd.CleanupError != "":
		res.Message = join(res.Message, "its import record "+jd.RecordID+" could not be deleted: "+jd.CleanupError)
	case jd.CleanupFailed != "" && jd.awaitingCleanup():
		res.Message = join(res.Message, "its import record "+jd.RecordID+" is not deleted yet: "+jd.CleanupFailed)
	}
	return res
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// describeRegistered shows what the tenant holds for a device it already had, and what the row asked for
// when that differs (res holds the row's values on entry).
func (r *run) describeRegistered(res *DeviceResult, t *TenantDevice) {
	askedTag, askedUser := res.GroupTag, res.AssignedUser
	res.GroupTag, res.AssignedUser = "", ""
	switch {
	case t == nil:
		res.Message = join("already registered in this tenant", res.Message)
		return
	case t.Matches > 1:
		res.Message = fmt.Sprintf("already registered in this tenant; %d devices have this serial number, so which one is this device is unknown", t.Matches)
		return
	case t.ID == "":
		res.Message = "already registered in this tenant (its hardware hash is registered), but no device has this serial number"
		return
	}
	res.ID, res.GroupTag, res.AssignedUser = t.ID, t.GroupTag, t.AssignedUser
	var asks []string
	if (askedTag != "" || r.opts.GroupTag != nil) && askedTag != t.GroupTag {
		res.RequestedGroupTag = &askedTag
		asks = append(asks, fmt.Sprintf("group tag %q", askedTag))
	}
	if askedUser != "" && !strings.EqualFold(askedUser, t.AssignedUser) {
		res.RequestedAssignedUser = &askedUser
		asks = append(asks, fmt.Sprintf("user %q", askedUser))
	}
	res.Message = "already registered in this tenant"
	if len(asks) > 0 {
		res.Message += " with " + describeHeld(t) + "; the input asks for " + strings.Join(asks, " and ")
	}
}

func describeHeld(t *TenantDevice) string {
	tag := "no group tag"
	if t.GroupTag != "" {
		tag = fmt.Sprintf("group tag %q", t.GroupTag)
	}
	if t.AssignedUser == "" {
		return tag + " and no user"
	}
	return fmt.Sprintf("%s and user %q", tag, t.AssignedUser)
}

// progressLocked reports counts; callers hold r.mu.
func (r *run) progressLocked() {
	if r.opts.Progress == nil {
		return
	}
	p := Progress{Phase: r.phase, Total: len(r.in.valid)}
	for _, d := range r.journal.Devices {
		if d.RecordID != "" || final(d.Status) {
			p.Submitted++
		}
		if final(d.Status) {
			p.Done++
		}
		if d.Status == result.Failed {
			p.Failed++
		}
		if d.RecordID != "" && d.CleanupError == "" {
			p.Records++
			if d.RecordDeleted {
				p.Removed++
			}
		}
	}
	r.opts.Progress(p)
}

func (r *run) progress() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progressLocked()
}

// Plan lists what Run would send for in (from Check), without signing in or sending anything. It returns the
// plan and the number of import requests it would take.
func Plan(opts Options, in *Input) (*Report, int) {
	opts = withDefaults(opts)
	r := newRun(nil, opts, in)
	r.readRows(nil)
	for _, v := range in.valid {
		r.journal.Devices[v.SerialNumber] = &JournalDevice{Status: result.WouldImport}
	}
	return r.report(), (len(in.valid) + opts.BatchSize - 1) / opts.BatchSize
}
