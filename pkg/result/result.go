// Package result is the one change/result model every write command reports through: one entry per object or
// device (kind, name or serial number, id, status, field changes, error or message), a summary that counts
// statuses, and the rule that turns a summary into "everything done" or "partial".
//
// Commands that need more per-entry fields (an import's group tag and error code, say) embed Change, so the
// shared fields and their JSON names stay the same everywhere. docs/json.md documents the shapes.
package result

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Status is what happened to one object or device. One camelCase vocabulary for every command.
type Status string

const (
	Created           Status = "created"
	Updated           Status = "updated"
	Unchanged         Status = "unchanged" // already as asked: nothing sent
	Replaced          Status = "replaced"
	Deleted           Status = "deleted"
	WouldCreate       Status = "wouldCreate"
	WouldUpdate       Status = "wouldUpdate"
	WouldReplace      Status = "wouldReplace" // a dry run of a replacement: a new object, the old one deleted
	WouldDelete       Status = "wouldDelete"
	Imported          Status = "imported"
	AlreadyRegistered Status = "alreadyRegistered"
	WouldImport       Status = "wouldImport"
	Pending           Status = "pending" // not finished yet; the message says how to continue
	Invalid           Status = "invalid" // refused before anything was sent
	NotFound          Status = "notFound"
	Failed            Status = "failed"
)

// Statuses lists the vocabulary in the order summaries print it.
var Statuses = []Status{Created, Updated, Replaced, Imported, AlreadyRegistered, Unchanged, Deleted,
	WouldCreate, WouldUpdate, WouldReplace, WouldDelete, WouldImport, Pending, Invalid, NotFound, Failed}

// Problem reports whether s means the object did not end as asked (a partial run, exit 3). Commands that
// accept a status as success (notFound under --ignore-missing, pending under --no-wait) say so through Accept.
func (s Status) Problem() bool {
	switch s {
	case Pending, Invalid, NotFound, Failed:
		return true
	}
	return false
}

// FieldChange is one property that differs: From is what the tenant holds, To what was asked.
type FieldChange struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Change is one object's or device's entry in a command's result.
type Change struct {
	Kind         string        `json:"kind"`                   // Graph's entity name: windowsAutopilotDeviceIdentity, group, …
	Name         string        `json:"name,omitempty"`         // display name, for named objects
	SerialNumber string        `json:"serialNumber,omitempty"` // for devices
	ID           string        `json:"id,omitempty"`           // the object's id in the tenant, when it has one
	Status       Status        `json:"status"`
	Changes      []FieldChange `json:"changes,omitempty"`
	Error        string        `json:"error,omitempty"`   // why it failed, with Graph's code and message
	Message      string        `json:"message,omitempty"` // what else the admin should know, or do next
}

// Result returns c; embedding types get it for free, so Summarize takes any of them.
func (c *Change) Result() *Change { return c }

// Entry is anything that carries a Change.
type Entry interface{ Result() *Change }

// Summary counts entries by status. Its JSON is {"total": N, "<status>": n, …} with only non-zero counts.
type Summary struct {
	Total  int
	Counts map[Status]int
}

// Summarize counts entries by status.
func Summarize[E Entry](entries []E) Summary {
	s := Summary{Total: len(entries), Counts: map[Status]int{}}
	for _, e := range entries {
		s.Counts[e.Result().Status]++
	}
	return s
}

// Count is how many entries ended with st.
func (s Summary) Count(st Status) int { return s.Counts[st] }

// Problems counts entries whose status is a problem and not in accept.
func (s Summary) Problems(accept ...Status) int {
	n := 0
	for st, c := range s.Counts {
		if st.Problem() && !slices.Contains(accept, st) {
			n += c
		}
	}
	return n
}

// String reads like "12 devices: 10 imported, 1 alreadyRegistered, 1 failed"; noun is the plural of what
// was counted ("devices", "objects").
func (s Summary) String(noun string) string {
	parts := []string{}
	for _, st := range s.order() {
		parts = append(parts, strconv.Itoa(s.Counts[st])+" "+string(st))
	}
	if len(parts) == 0 {
		return "no " + noun
	}
	return strconv.Itoa(s.Total) + " " + noun + ": " + strings.Join(parts, ", ")
}

// order lists the statuses with a count: the vocabulary's order, then any other status alphabetically.
func (s Summary) order() []Status {
	var out []Status
	for _, st := range Statuses {
		if s.Counts[st] > 0 {
			out = append(out, st)
		}
	}
	var extra []string
	for st, n := range s.Counts {
		if n > 0 && !slices.Contains(Statuses, st) {
			extra = append(extra, string(st))
		}
	}
	slices.Sort(extra)
	for _, st := range extra {
		out = append(out, Status(st))
	}
	return out
}

// MarshalJSON writes {"total": N, then each non-zero status in the vocabulary's order}.
func (s Summary) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteString(`{"total":` + strconv.Itoa(s.Total))
	for _, st := range s.order() {
		k, _ := json.Marshal(string(st))
		b.WriteString("," + string(k) + ":" + strconv.Itoa(s.Counts[st]))
	}
	b.WriteString("}")
	return []byte(b.String()), nil
}

// MarshalYAML gives -o yaml the same keys as JSON.
func (s Summary) MarshalYAML() (any, error) {
	m := map[string]int{"total": s.Total}
	for st, n := range s.Counts {
		if n > 0 {
			m[string(st)] = n
		}
	}
	return m, nil
}

// UnmarshalJSON reads what MarshalJSON wrote (journals and tests read reports back).
func (s *Summary) UnmarshalJSON(b []byte) error {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.Total, s.Counts = m["total"], map[Status]int{}
	for k, v := range m {
		if k != "total" {
			s.Counts[Status(k)] = v
		}
	}
	return nil
}
