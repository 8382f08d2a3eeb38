// Package enrollment owns the two Intune objects that shape an Autopilot enrollment: Enrollment Status Pages
// (windows10EnrollmentCompletionPageConfiguration) and Autopilot deployment profiles. Both follow the one shape
// of docs/architecture.md — Desired settings from flags or a file, the Current object found by exact name, a
// field Diff against what the service returns, and an Apply that writes, reads back and compares — and they
// share what makes that shape: group assignment targets, name lookup and the property comparison. That sharing
// is why they are one package rather than two. It knows nothing of cobra or terminals.
package enrollment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// NotFoundError says no object of a kind has the name or id.
type NotFoundError struct{ What, NameOrID string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s named or with id %s", e.What, safetext.Quote(e.NameOrID))
}

// AmbiguousError says several objects of a kind carry one name; it never picks one.
type AmbiguousError struct {
	What, Name string
	IDs        []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d %ss are named %s (ids %s); name it by id", len(e.IDs), e.What, safetext.Quote(e.Name), strings.Join(e.IDs, ", "))
}

// InvalidError is a refusal before anything is sent: the settings break a rule the service enforces, or the
// command asks for something the object can't do (assigning the default ESP, say). Field names the property
// the refusal is about, as the settings' YAML key (a nested one dotted, outOfBoxExperienceSetting.userType), so
// a file can point at its line; "" when it is about none or several.
type InvalidError struct{ Msg, Field string }

func (e *InvalidError) Error() string { return e.Msg }

func invalidf(format string, a ...any) error { return &InvalidError{Msg: fmt.Sprintf(format, a...)} }

// fieldf is invalidf about one property.
func fieldf(field, format string, a ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, a...), Field: field}
}

// FieldOf is the property an *InvalidError is about, "" for another error or none.
func FieldOf(err error) string {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Field
	}
	return ""
}

// ConflictError is an object that exists and differs, where an update was not asked for (or can't do it).
type ConflictError struct {
	What, Name, ID, Reason string
	Changes                []result.FieldChange
}

func (e *ConflictError) Error() string {
	s := fmt.Sprintf("%s %s (%s) %s", e.What, safetext.Quote(e.Name), e.ID, e.Reason)
	for _, c := range e.Changes {
		s += fmt.Sprintf("\n  %s: %s → %s", c.Field, show(c.From), show(c.To))
	}
	return s
}

// IsRefusal reports whether err means "nothing was sent and the input must change" (exit 2).
func IsRefusal(err error) bool {
	var nf *NotFoundError
	var amb *AmbiguousError
	var inv *InvalidError
	var conf *ConflictError
	var gnf *groups.NotFoundError
	var gamb *groups.AmbiguousError
	return errors.As(err, &nf) || errors.As(err, &amb) || errors.As(err, &inv) || errors.As(err, &conf) ||
		errors.As(err, &gnf) || errors.As(err, &gamb)
}

// Request is one write Apply sends or, in a dry run, would send.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
}

// Change is the result of one write command on one object: the shared change fields, and for a dry run the
// exact requests.
type Change struct {
	result.Change
	Requests []Request `json:"requests,omitempty"`
	partial  bool      // failed after some writes went through
}

// Partial reports a failure after some writes went through: the tenant is changed, and Message says how.
func (ch *Change) Partial() bool { return ch.Status == result.Failed && ch.partial }

// progress records the writes of an apply that went through, so a failure part-way can report what the
// tenant holds now rather than the plan.
type progress struct {
	done []string
}

func (p *progress) did(what string) { p.done = append(p.done, what) }

// failed marks ch failed with err; when writes went through before, Message names them and what was not done.
func (p *progress) failed(ch *Change, err error, notDone string) *Change {
	ch.Status, ch.Error = result.Failed, err.Error()
	switch {
	case len(p.done) > 0 && notDone != "":
		ch.partial = true
		ch.Message = "done: " + strings.Join(p.done, "; ") + "; not done: " + notDone
	case len(p.done) > 0:
		ch.Message = "done: " + strings.Join(p.done, "; ")
	}
	return ch
}

// newID stands, in a dry run's paths, for the id of an object that would be created.
const newID = "{new id}"

// Target kinds, as the commands say them.
const (
	Include    = "include"
	Exclude    = "exclude"
	AllDevices = "allDevices"
	AllUsers   = "allUsers"
)

// Target is one assignment of an ESP or profile: a group included or excluded, All Devices, All users, or a
// kind this tool does not manage (named by its @odata.type).
type Target struct {
	Kind      string `json:"kind"`
	GroupID   string `json:"groupId,omitempty"`
	GroupName string `json:"groupName,omitempty"`
	ID        string `json:"-"` // the assignment's id, when read from the tenant
	// Raw is the target exactly as read from the tenant: a merged set sends it back unchanged, so a kind or
	// a property this tool does not model (All users, a filter, a Configuration Manager collection) survives.
	Raw json.RawMessage `json:"-"`
}

func (t Target) key() string { return t.Kind + "/" + strings.ToLower(t.GroupID) }

// String is how commands print a target: the group's name (or id), "exclude:" before an exclusion.
func (t Target) String() string {
	name := t.GroupName
	if name == "" {
		name = t.GroupID
	}
	switch t.Kind {
	case AllDevices:
		return "All Devices"
	case AllUsers:
		return "All users"
	case Exclude:
		return "exclude:" + name
	case Include:
		return name
	}
	return "other target (" + safetext.Short(t.Kind) + ")"
}

// graphTarget is the deviceAndAppManagementAssignmentTarget Graph takes for t (docs/graph.md#enrollment-status-page):
// as read, for a target read from the tenant.
func (t Target) graphTarget() any {
	if len(t.Raw) > 0 {
		return t.Raw
	}
	switch t.Kind {
	case AllDevices:
		return map[string]any{"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
	case AllUsers:
		return map[string]any{"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}
	case Exclude:
		return map[string]any{"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": t.GroupID}
	}
	return map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": t.GroupID}
}

// assignment is an assignment as Graph returns it.
type assignment struct {
	ID     string          `json:"id"`
	Target json.RawMessage `json:"target"`
}

func (a assignment) target() (Target, error) {
	var target struct {
		Type    string `json:"@odata.type"`
		GroupID string `json:"groupId"`
	}
	if err := json.Unmarshal(a.Target, &target); err != nil {
		return Target{}, err
	}
	t := Target{GroupID: target.GroupID, ID: a.ID, Raw: a.Target}
	switch target.Type {
	case "#microsoft.graph.allDevicesAssignmentTarget":
		t.Kind = AllDevices
	case "#microsoft.graph.allLicensedUsersAssignmentTarget":
		t.Kind = AllUsers
	case "#microsoft.graph.exclusionGroupAssignmentTarget":
		t.Kind = Exclude
	case "#microsoft.graph.groupAssignmentTarget":
		t.Kind = Include
	default:
		t.Kind = strings.TrimPrefix(target.Type, "#microsoft.graph.")
	}
	return t, nil
}

// readAssignments lists an object's assignments (path ends in /assignments).
func readAssignments(ctx context.Context, c *graph.Client, path string) ([]Target, error) {
	out := []Target{}
	err := c.List(ctx, path, func(raw json.RawMessage) error {
		var a assignment
		err := json.Unmarshal(raw, &a)
		var t Target
		if err == nil {
			t, err = a.target()
		}
		if err != nil {
			return fmt.Errorf("reading an assignment from Graph: %w", err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// ResolveTargets finds the groups named (by exact name or id) in include and exclude. A group that does
// not exist, or a name several groups share, is an error from pkg/groups.
func ResolveTargets(ctx context.Context, c *graph.Client, include, exclude []string) ([]Target, error) {
	var out []Target
	for _, list := range []struct {
		kind  string
		names []string
	}{{Include, include}, {Exclude, exclude}} {
		for _, name := range list.names {
			g, err := groups.Resolve(ctx, c, name)
			if err != nil {
				return nil, err
			}
			out = append(out, Target{Kind: list.kind, GroupID: g.ID, GroupName: g.DisplayName})
		}
	}
	return out, nil
}

// NameGroups fills in the group names of targets, reading each group once.
func NameGroups(ctx context.Context, c *graph.Client, targets []Target, cache map[string]string) error {
	for i, t := range targets {
		if t.GroupID == "" || t.GroupName != "" {
			continue
		}
		name, ok := cache[t.GroupID]
		if !ok && !graph.IsGUID(t.GroupID) {
			// Not a group id Graph could answer for: shown as it is, the rest is still listed.
			name, ok = "unreadable group id "+safetext.Quote(t.GroupID), true
		}
		if !ok {
			g, err := groups.Get(ctx, c, t.GroupID)
			var nf *groups.NotFoundError
			switch {
			case errors.As(err, &nf):
				name = t.GroupID + " (deleted group)"
			case err != nil:
				return err
			default:
				name = g.DisplayName
			}
			cache[t.GroupID] = name
		}
		targets[i].GroupName = name
	}
	return nil
}

// missing returns the targets of want that have is lacks.
func missing(want, have []Target) []Target {
	var out []Target
	for _, t := range want {
		if !slices.ContainsFunc(have, func(h Target) bool { return h.key() == t.key() }) && !slices.ContainsFunc(out, func(h Target) bool { return h.key() == t.key() }) {
			out = append(out, t)
		}
	}
	return out
}

// CheckTargets refuses a group both included and excluded, among the targets asked (add) or between them and
// the assignments the object has: the ESP would take both and apply neither way, the profile service answers
// a bare 400. have may be nil.
func CheckTargets(have, add []Target) error {
	seen := map[string]Target{}
	for _, t := range append(append([]Target{}, have...), add...) {
		if t.GroupID == "" {
			continue
		}
		other := Include
		if t.Kind == Include {
			other = Exclude
		}
		if o, ok := seen[other+"/"+strings.ToLower(t.GroupID)]; ok {
			name := t.GroupName
			if name == "" {
				name = o.GroupName
			}
			if name == "" {
				name = t.GroupID
			}
			if slices.ContainsFunc(have, func(h Target) bool { return h.key() == o.key() }) {
				return invalidf("group %s is %sd already; it can't be both included and excluded (unassign it first to switch)", safetext.Quote(name), other)
			}
			return invalidf("group %s can't be both included and excluded", safetext.Quote(name))
		}
		seen[t.key()] = t
	}
	return nil
}

func targetNames(ts []Target) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.String())
	}
	return out
}

// --- property comparison ---

// flatten turns a JSON object into dotted keys ("outOfBoxExperienceSetting.userType"), leaving out
// @odata annotations.
func flatten(prefix string, obj map[string]any, out map[string]any) map[string]any {
	for k, v := range obj {
		if strings.HasPrefix(k, "@odata.") {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", m, out)
			continue
		}
		out[prefix+k] = v
	}
	return out
}

// toMap is v (a struct with json tags) as a generic JSON object.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// same compares a property as the tenant holds it with the value asked for: null and "" are alike, lists
// are compared as sets, and roleScopeTagIds [] is the Default scope tag ["0"]
// (docs/graph.md#deployment-profiles).
func same(field string, have, want any) bool {
	if field == "roleScopeTagIds" {
		have, want = scopeTags(have), scopeTags(want)
	}
	if hs, ok := have.([]any); ok {
		if ws, ok := want.([]any); ok {
			return sameSet(hs, ws)
		}
	}
	if have == nil {
		have = zeroLike(want)
	}
	if want == nil {
		want = zeroLike(have)
	}
	return reflect.DeepEqual(have, want)
}

func zeroLike(v any) any {
	switch v.(type) {
	case string:
		return ""
	case []any:
		return []any{}
	}
	return nil
}

func scopeTags(v any) any {
	if l, ok := v.([]any); ok && len(l) == 0 || v == nil {
		return []any{"0"}
	}
	return v
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	as, bs := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		as[i], bs[i] = strings.ToLower(fmt.Sprint(a[i])), strings.ToLower(fmt.Sprint(b[i]))
	}
	sort.Strings(as)
	sort.Strings(bs)
	return slices.Equal(as, bs)
}

// diff lists the fields of want (flattened) whose value in have differs, in field order.
func diff(have, want map[string]any) []result.FieldChange {
	h, w := flatten("", have, map[string]any{}), flatten("", want, map[string]any{})
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []result.FieldChange
	for _, k := range keys {
		if !same(lastPart(k), h[k], w[k]) {
			out = append(out, result.FieldChange{Field: k, From: h[k], To: w[k]})
		}
	}
	return out
}

func lastPart(k string) string { return k[strings.LastIndex(k, ".")+1:] }

// readBack compares what was sent with the object read after the write: a field the service dropped or
// changed is an error, never a success (docs/graph.md#enrollment-status-page).
func readBack(sent, got map[string]any) error {
	changes := diff(got, sent)
	if len(changes) == 0 {
		return nil
	}
	var parts []string
	for _, c := range changes {
		parts = append(parts, fmt.Sprintf("%s is %s, not %s", c.Field, show(c.From), show(c.To)))
	}
	return fmt.Errorf("read back: the service did not keep what was sent: %s", strings.Join(parts, "; "))
}

// show is a value in a message: strings quoted and cut short, the rest as JSON.
func show(v any) string {
	if s, ok := v.(string); ok {
		return safetext.Quote(s)
	}
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return safetext.Escape(string(b))
}

// isNotFound reports whether err is Graph's 404.
func isNotFound(err error) bool {
	var ge *graph.Error
	return errors.As(err, &ge) && ge.Status == http.StatusNotFound
}

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// escape is an id or name as one URL path segment: ESP ids are not GUIDs and are sent as they are. A dry
// run's stand-in for an id yet to be made is printed as it reads.
func escape(id string) string {
	if id == newID {
		return id
	}
	return url.PathEscape(id)
}

// escapeQuery encodes a query value with spaces as %20, as Graph's examples show.
func escapeQuery(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }

// pick finds the object of list an argument names: by id, else by exact display name without regard to case
// (as Graph's eq compares). None is a *NotFoundError, several with the name an *AmbiguousError listing them.
func pick[T any](list []*T, what, nameOrID string, idName func(*T) (id, name string)) (*T, error) {
	var found []*T
	var ids []string
	for _, o := range list {
		id, name := idName(o)
		if id != "" && strings.EqualFold(id, nameOrID) {
			return o, nil
		}
		if strings.EqualFold(name, nameOrID) {
			found, ids = append(found, o), append(ids, id)
		}
	}
	switch len(found) {
	case 0:
		return nil, &NotFoundError{What: what, NameOrID: nameOrID}
	case 1:
		return found[0], nil
	}
	return nil, &AmbiguousError{What: what, Name: nameOrID, IDs: ids}
}
