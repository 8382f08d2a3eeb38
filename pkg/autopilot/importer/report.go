package importer

import (
	"slices"
	"strconv"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// report builds the per-device answer, in file order, from the journal: a resumed run reports the same.
func (r *run) report() *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	type entry struct {
		file, line int
		res        DeviceResult
	}
	fileIndex := map[string]int{}
	for i, f := range r.opts.Files {
		fileIndex[f] = i
	}
	var entries []entry
	for _, p := range r.invalid {
		entries = append(entries, entry{fileIndex[p.File], p.Line, DeviceResult{Status: Invalid, Message: p.Error()}})
	}
	for _, v := range r.valid {
		d, ok := r.rows[v.SerialNumber]
		if !ok {
			d = hashcsv.Device{SerialNumber: v.SerialNumber}
		}
		entries = append(entries, entry{fileIndex[v.File], v.Line, r.result(d)})
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.file != b.file {
			return a.file - b.file
		}
		return a.line - b.line
	})
	rep := &Report{Devices: make([]DeviceResult, len(entries))}
	for i, e := range entries {
		rep.Devices[i] = e.res
	}
	rep.Recount()
	return rep
}

// Recount sets the summary from the devices (after a caller changed some of them).
func (rep *Report) Recount() {
	rep.Summary = Summary{}
	for _, d := range rep.Devices {
		s := &rep.Summary
		s.Total++
		switch d.Status {
		case Imported:
			s.Imported++
		case AlreadyRegistered:
			s.AlreadyRegistered++
		case Failed:
			s.Failed++
		case Invalid:
			s.Invalid++
		default:
			s.Pending++
		}
	}
}

func (r *run) result(d hashcsv.Device) DeviceResult {
	res := DeviceResult{SerialNumber: d.SerialNumber, GroupTag: d.GroupTag, AssignedUser: d.AssignedUser, Status: Pending,
		Message: "not submitted yet; run again with --resume"}
	jd := r.journal.Devices[d.SerialNumber]
	if jd == nil {
		return res
	}
	res.ImportID, res.AutopilotDeviceID, res.ErrorCode, res.ErrorName = jd.RecordID, jd.AutopilotDeviceID, jd.ErrorCode, jd.ErrorName
	res.Status = jd.Status
	switch {
	case jd.Status == Imported, jd.Status == WouldImport:
		res.Message = ""
	case jd.Status == AlreadyRegistered:
		res.Message = "already registered in this tenant"
	case jd.Status == Failed && jd.Message != "":
		res.Message = jd.Message
	case jd.Status == Failed:
		res.ErrorName, res.Message = Explain(jd.ErrorCode, jd.ErrorName)
	case jd.Submitting:
		res.Status, res.Message = Pending, "the answer to its import request was lost; run again with --resume to find it"
	default:
		res.Status, res.Message = Pending, "still processing; run again with --resume to keep waiting"
	}
	if jd.CleanupError != "" {
		res.Message = strings.TrimPrefix(res.Message+"; ", "; ") + "its import record " + jd.RecordID + " could not be deleted: " + jd.CleanupError
	}
	return res
}

// progressLocked reports counts; callers hold r.mu.
func (r *run) progressLocked() {
	if r.opts.Progress == nil {
		return
	}
	p := Progress{Total: len(r.valid)}
	for _, d := range r.journal.Devices {
		if d.RecordID != "" || d.Status.Final() {
			p.Submitted++
		}
		if d.Status.Final() {
			p.Done++
		}
		if d.Status == Failed {
			p.Failed++
		}
	}
	r.opts.Progress(p)
}

func (r *run) progress() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progressLocked()
}

// Summary line for people, e.g. "12 devices: 10 imported, 1 already registered, 1 failed".
func (s Summary) String() string {
	parts := []string{}
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+what)
		}
	}
	add(s.Imported, "imported")
	add(s.AlreadyRegistered, "already registered")
	add(s.Failed, "failed")
	add(s.Invalid, "invalid")
	add(s.Pending, "pending")
	return strconv.Itoa(s.Total) + " devices: " + strings.Join(parts, ", ")
}

// WouldImport marks devices in a --dry-run plan.
const WouldImport Status = "would-import"

// Plan lists what Run would send for in (from Check(opts)), without signing in or sending anything.
// It returns the plan and the number of import requests it would take.
func Plan(opts Options, in *Input) (*Report, int) {
	opts = withDefaults(opts)
	r := &run{opts: opts, valid: in.valid, invalid: in.invalid, rows: map[string]hashcsv.Device{}, journal: &Journal{Devices: map[string]*JournalDevice{}}}
	r.readRows(nil)
	for _, v := range in.valid {
		r.journal.Devices[v.SerialNumber] = &JournalDevice{Status: WouldImport}
	}
	rep := r.report()
	rep.Summary.Pending = 0
	return rep, (len(in.valid) + opts.BatchSize - 1) / opts.BatchSize
}
