package enrollment

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// ESPKind is the ESP's entity name in change results.
const ESPKind = "windows10EnrollmentCompletionPageConfiguration"

const (
	espType = "#microsoft.graph." + ESPKind
	espPath = "/deviceManagement/deviceEnrollmentConfigurations"
	// defaultSuffix ends the id of the built-in default ESP (docs/graph.md#enrollment-status-page).
	defaultSuffix = "_DefaultWindows10EnrollmentCompletionPageConfiguration"
	// DefaultName addresses the built-in default ESP in commands.
	DefaultName = "default"
	// Limits of docs/graph.md#enrollment-status-page.
	MaxCustomErrorMessage = 10000
	MaxTimeoutMinutes     = 1440
)

// ESPSettings are an ESP's editable properties as asked for, with Graph's names (in YAML files too). A nil
// field was not asked for: a new ESP gets Graph's default, an existing one keeps its value.
type ESPSettings struct {
	DisplayName                             string    `json:"displayName" yaml:"displayName"`
	Description                             *string   `json:"description,omitempty" yaml:"description"`
	ShowInstallationProgress                *bool     `json:"showInstallationProgress,omitempty" yaml:"showInstallationProgress"`
	BlockDeviceSetupRetryByUser             *bool     `json:"blockDeviceSetupRetryByUser,omitempty" yaml:"blockDeviceSetupRetryByUser"`
	AllowDeviceResetOnInstallFailure        *bool     `json:"allowDeviceResetOnInstallFailure,omitempty" yaml:"allowDeviceResetOnInstallFailure"`
	AllowLogCollectionOnInstallFailure      *bool     `json:"allowLogCollectionOnInstallFailure,omitempty" yaml:"allowLogCollectionOnInstallFailure"`
	CustomErrorMessage                      *string   `json:"customErrorMessage,omitempty" yaml:"customErrorMessage"`
	InstallProgressTimeoutInMinutes         *int      `json:"installProgressTimeoutInMinutes,omitempty" yaml:"installProgressTimeoutInMinutes"`
	AllowDeviceUseOnInstallFailure          *bool     `json:"allowDeviceUseOnInstallFailure,omitempty" yaml:"allowDeviceUseOnInstallFailure"`
	SelectedMobileAppIDs                    *[]string `json:"selectedMobileAppIds,omitempty" yaml:"selectedMobileAppIds"` // names or ids until resolved
	TrackInstallProgressForAutopilotOnly    *bool     `json:"trackInstallProgressForAutopilotOnly,omitempty" yaml:"trackInstallProgressForAutopilotOnly"`
	DisableUserStatusTrackingAfterFirstUser *bool     `json:"disableUserStatusTrackingAfterFirstUser,omitempty" yaml:"disableUserStatusTrackingAfterFirstUser"`
	InstallQualityUpdates                   *bool     `json:"installQualityUpdates,omitempty" yaml:"installQualityUpdates"`
	AllowNonBlockingAppInstallation         *bool     `json:"allowNonBlockingAppInstallation,omitempty" yaml:"allowNonBlockingAppInstallation"`
	RoleScopeTagIDs                         *[]string `json:"roleScopeTagIds,omitempty" yaml:"roleScopeTagIds"`
	Priority                                *int      `json:"-" yaml:"priority"`
}

// espDefaults are Graph's defaults for a new ESP (docs/graph.md#enrollment-status-page).
var espDefaults = map[string]any{
	"description": "", "showInstallationProgress": false, "blockDeviceSetupRetryByUser": false,
	"allowDeviceResetOnInstallFailure": false, "allowLogCollectionOnInstallFailure": false, "customErrorMessage": "",
	"installProgressTimeoutInMinutes": 60.0, "allowDeviceUseOnInstallFailure": false, "selectedMobileAppIds": []any{},
	"trackInstallProgressForAutopilotOnly": false, "disableUserStatusTrackingAfterFirstUser": false,
	"installQualityUpdates": false, "allowNonBlockingAppInstallation": false, "roleScopeTagIds": []any{"0"},
}

// Check applies the local rules to what was asked for: the value rule and lengths, and the timeout's range.
// The rules across properties are checked on the merged object (CheckCombination), once the tenant's is known.
func (s ESPSettings) Check() error {
	if strings.TrimSpace(s.DisplayName) == "" {
		return fieldf("displayName", "displayName is empty")
	}
	if err := safetext.Check("displayName", s.DisplayName); err != nil {
		return &InvalidError{Msg: err.Error(), Field: "displayName"}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"description", s.Description}, {"customErrorMessage", s.CustomErrorMessage}} {
		if f.v == nil {
			continue
		}
		// Line breaks belong in a message; other control and format characters don't.
		if err := safetext.Check(f.name, strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(*f.v)); err != nil {
			return &InvalidError{Msg: err.Error(), Field: f.name}
		}
	}
	if s.CustomErrorMessage != nil && utf8.RuneCountInString(*s.CustomErrorMessage) > MaxCustomErrorMessage {
		return fieldf("customErrorMessage", "customErrorMessage is %d characters long; at most %d are allowed", utf8.RuneCountInString(*s.CustomErrorMessage), MaxCustomErrorMessage)
	}
	if t := s.InstallProgressTimeoutInMinutes; t != nil && (*t < 1 || *t > MaxTimeoutMinutes) {
		return fieldf("installProgressTimeoutInMinutes", "installProgressTimeoutInMinutes is %d; it must be from 1 to %d minutes", *t, MaxTimeoutMinutes)
	}
	if p := s.Priority; p != nil && *p < 1 {
		return fieldf("priority", "priority is %d; it must be 1 or more (0 belongs to the default ESP)", *p)
	}
	if s.SelectedMobileAppIDs != nil {
		for _, a := range *s.SelectedMobileAppIDs {
			if strings.TrimSpace(a) == "" {
				return fieldf("selectedMobileAppIds", "a blocking app's name is empty")
			}
			if err := safetext.Check("blocking app", a); err != nil {
				return &InvalidError{Msg: err.Error(), Field: "selectedMobileAppIds"}
			}
		}
	}
	return nil
}

// CheckCombination applies the rules the service enforces across an ESP's properties, on the properties
// the ESP will have (docs/graph.md#enrollment-status-page): with blockDeviceSetupRetryByUser, no blocking
// apps and no reset, use or non-blocking install on failure; a shown page needs a timeout of 1–1440.
func CheckCombination(props map[string]any) error {
	if props["blockDeviceSetupRetryByUser"] == true {
		for _, k := range []string{"allowDeviceResetOnInstallFailure", "allowDeviceUseOnInstallFailure", "allowNonBlockingAppInstallation"} {
			if props[k] == true {
				return fieldf(k, "blockDeviceSetupRetryByUser is true, so %s must be false (the service refuses the combination)", k)
			}
		}
		if apps, _ := props["selectedMobileAppIds"].([]any); len(apps) > 0 {
			return fieldf("selectedMobileAppIds", "blockDeviceSetupRetryByUser is true, so selectedMobileAppIds must be empty (the service refuses blocking apps with it)")
		}
	}
	if t, _ := props["installProgressTimeoutInMinutes"].(float64); props["showInstallationProgress"] == true && (t < 1 || t > MaxTimeoutMinutes) {
		return fieldf("installProgressTimeoutInMinutes", "showInstallationProgress is true, so installProgressTimeoutInMinutes must be from 1 to %d (it is %v)", MaxTimeoutMinutes, t)
	}
	return nil
}

// checkBlockingApps refuses blocking apps on a page that is not shown: only a shown page holds the device
// until its apps are installed, so the apps would do nothing (docs/graph.md#enrollment-status-page).
func checkBlockingApps(props map[string]any) error {
	if apps, _ := props["selectedMobileAppIds"].([]any); len(apps) > 0 && props["showInstallationProgress"] != true {
		return fieldf("selectedMobileAppIds", "showInstallationProgress is false, so the page is not shown and nothing waits for blocking apps (selectedMobileAppIds): show the page, or give no apps")
	}
	return nil
}

// ESP is an Enrollment Status Page as the tenant holds it: Graph's properties, and its assignments.
type ESP struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Priority    int            `json:"priority"`
	Default     bool           `json:"default"`
	Props       map[string]any `json:"properties"`
	Assignments []Target       `json:"assignments"`
}

// IsDefault reports whether id is the built-in default ESP's: by its suffix, never by its type, which is the
// ordinary one (docs/graph.md#enrollment-status-page).
func IsDefault(id string) bool {
	return strings.HasSuffix(strings.ToLower(id), strings.ToLower(defaultSuffix))
}

func espFrom(raw json.RawMessage) (*ESP, error) {
	var props map[string]any
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("reading an ESP from Graph: %w", err)
	}
	e := &ESP{Props: props, Assignments: []Target{}}
	e.ID, _ = props["id"].(string)
	e.DisplayName, _ = props["displayName"].(string)
	p, _ := props["priority"].(float64)
	e.Priority = int(p)
	e.Default = IsDefault(e.ID) && e.Priority == 0
	return e, nil
}

// ListESPs lists the tenant's ESPs in priority order (the service's), with their assignments when withAssignments.
// The type filter works on the service; @odata.type is checked here as well (docs/graph.md#enrollment-status-page).
func ListESPs(ctx context.Context, c *graph.Client, withAssignments bool) ([]*ESP, error) {
	var out []*ESP
	err := c.List(ctx, ESPListPath(), func(raw json.RawMessage) error {
		e, err := espFrom(raw)
		if err == nil && e.Props["@odata.type"] == espType {
			out = append(out, e)
		}
		return err
	})
	if err != nil || !withAssignments {
		return out, err
	}
	for _, e := range out {
		if e.Default {
			continue // never assigned
		}
		if e.Assignments, err = readAssignments(ctx, c, ESPAssignmentsPath(e.ID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ESPListPath is the read ListESPs sends first: for a caller that fetches several at once
// (graph.Client.Prefetch).
func ESPListPath() string {
	return espPath + "?$filter=" + escapeQuery("deviceEnrollmentConfigurationType eq '"+ESPKind+"'")
}

// ESPAssignmentsPath is the read of an ESP's assignments (see ESPListPath).
func ESPAssignmentsPath(id string) string { return espPath + "/" + escape(id) + "/assignments" }

// FindESP picks the ESP an argument names among list: "default", an id, or an exact display name (without
// regard to case, as Graph's eq). Several with the name is an *AmbiguousError, none a *NotFoundError.
func FindESP(list []*ESP, nameOrID string) (*ESP, error) {
	if strings.EqualFold(nameOrID, DefaultName) {
		for _, e := range list {
			if e.Default {
				return e, nil
			}
		}
	}
	return pick(list, "Enrollment Status Page", nameOrID, func(e *ESP) (string, string) { return e.ID, e.DisplayName })
}

// ESPDesired is an ESP as asked for: its settings (apps resolved to ids), where it is assigned, its priority.
type ESPDesired struct {
	Settings ESPSettings
	Targets  []Target // added to the ESP's assignments
}

// ESPPlan is what it takes to make the tenant hold an ESPDesired.
type ESPPlan struct {
	Desired     ESPDesired
	Current     *ESP // nil: create
	Body        any  // the POST or PATCH body; nil when the settings already match
	Changes     []result.FieldChange
	NewTargets  []Target // targets to add
	Merged      []Target // the whole assignment set to post, when NewTargets is not empty
	Priority    int      // the priority to set; 0 leaves it
	PriorityMsg string   // who holds that priority now
}

// PlanESP compares desired with the tenant: the ESP with the name (or, for update, the one the caller found),
// the field changes, the assignments to add and the priority move. list is ListESPs with assignments.
func PlanESP(list []*ESP, cur *ESP, d ESPDesired) (*ESPPlan, error) {
	p := &ESPPlan{Desired: d, Current: cur}
	if err := CheckTargets(nil, d.Targets); err != nil {
		return nil, err
	}
	want := toMap(d.Settings)
	// Blocking apps are checked when they or the page's visibility are asked for, so that an unrelated change
	// to an ESP that already holds both is not refused.
	_, apps := want["selectedMobileAppIds"]
	_, shown := want["showInstallationProgress"]
	checkApps := cur == nil || apps || shown
	if cur == nil {
		body := map[string]any{"@odata.type": espType}
		for k, v := range espDefaults {
			body[k] = v
		}
		for k, v := range want {
			body[k] = v
		}
		if err := CheckCombination(body); err != nil {
			return nil, err
		}
		if err := checkBlockingApps(body); err != nil {
			return nil, err
		}
		p.Body = body
		p.NewTargets, p.Merged = missing(d.Targets, nil), missing(d.Targets, nil)
	} else {
		if cur.Default && (len(d.Targets) > 0 || d.Settings.Priority != nil) {
			return nil, invalidf("the default Enrollment Status Page applies to all users and all devices at the lowest priority: it is never assigned or reprioritised")
		}
		delete(want, "displayName") // found by it; renaming is not asked for here
		p.Changes = diff(cur.Props, want)
		body := map[string]any{"@odata.type": espType}
		for k := range espDefaults {
			body[k] = cur.Props[k]
		}
		body["displayName"] = cur.DisplayName
		for k, v := range want {
			body[k] = v
		}
		if err := CheckCombination(body); err != nil {
			return nil, err
		}
		if checkApps {
			if err := checkBlockingApps(body); err != nil {
				return nil, err
			}
		}
		if len(p.Changes) > 0 {
			p.Body = body
		}
		p.NewTargets = missing(d.Targets, cur.Assignments)
		if len(p.NewTargets) > 0 {
			p.Merged = append(append([]Target{}, cur.Assignments...), p.NewTargets...)
			p.Changes = append(p.Changes, result.FieldChange{Field: "assignments", From: targetNames(cur.Assignments), To: targetNames(p.Merged)})
		}
	}
	if n := d.Settings.Priority; n != nil && (cur == nil || cur.Priority != *n) {
		p.Priority = *n
		if cur != nil {
			p.Changes = append(p.Changes, result.FieldChange{Field: "priority", From: cur.Priority, To: *n})
		}
		for _, o := range list {
			if o.Priority == *n && o != cur {
				p.PriorityMsg = fmt.Sprintf("priority %d was held by %s, which Intune moves down", *n, safetext.Quote(o.DisplayName))
			}
		}
	}
	return p, nil
}

// CheckPriority refuses a priority past the last place: the service clamps it there, so the read-back would
// never match and a re-run never converge. The places are the ESPs but the default, plus one for each new
// ESP: cur nil is one, and added counts the others created in the same run (a layout's). where names the
// flag, argument or key ("" for none).
func CheckPriority(list []*ESP, cur *ESP, n, added int, where string) error {
	others := 0
	for _, e := range list {
		if !e.Default {
			others++
		}
	}
	last, which := others+added, "it"
	if cur == nil {
		last, which = last+1, "a new one"
	}
	if n <= last {
		return nil
	}
	if where != "" {
		where += ": "
	}
	if added > 0 {
		return invalidf("%spriority %d is past the last place: the tenant will have %d Enrollment Status Pages besides the default (%d now, %d new), so this one takes 1 to %d",
			where, n, last, others, last-others, last)
	}
	return invalidf("%spriority %d is past the last place: the tenant has %d Enrollment Status Pages besides the default, so %s takes 1 to %d",
		where, n, others, which, last)
}

func setPriorityPath(id string) string { return espPath + "/" + escape(id) + "/setPriority" }

// SetPriority moves the ESP with id to place n (1 first); the service moves the others at and after that
// place down one, and refuses the place the ESP already holds (docs/graph.md#enrollment-status-page).
func SetPriority(ctx context.Context, c *graph.Client, id string, n int) error {
	return c.Do(ctx, "POST", setPriorityPath(id), map[string]any{"priority": n}, nil)
}

// Check refuses an update that was not asked for.
func (p *ESPPlan) Check(update bool) error {
	if p.Current == nil || len(p.Changes) == 0 || update {
		return nil
	}
	return &ConflictError{What: "Enrollment Status Page", Name: p.Current.DisplayName, ID: p.Current.ID, Changes: p.Changes,
		Reason: "exists and differs; pass --update to change it:"}
}

// ApplyESP makes the tenant match the plan, in the order that works on the service
// (docs/graph.md#enrollment-status-page): create unassigned (or PATCH the whole typed object), setPriority
// when asked, read back and compare every field sent, then /assign with the whole merged set.
func ApplyESP(ctx context.Context, c *graph.Client, p *ESPPlan, dryRun bool) *Change {
	ch := &Change{Change: result.Change{Kind: ESPKind, Name: p.Desired.Settings.DisplayName, Changes: p.Changes}}
	id := newID
	if p.Current != nil {
		id, ch.Name, ch.ID = p.Current.ID, p.Current.DisplayName, p.Current.ID
		if p.Body == nil && p.Priority == 0 && len(p.NewTargets) == 0 {
			ch.Status = result.Unchanged
			return ch
		}
	}
	var notes []string
	send := func(method, path string, body, out any) error {
		if dryRun {
			ch.Requests = append(ch.Requests, Request{method, path, body})
			return nil
		}
		return c.Do(ctx, method, path, body, out)
	}
	// todo is the writes still to go, in order; each that goes through moves to pr, so a failure reports
	// what the tenant holds now, and only the changes made.
	var pr progress
	var todo []string
	made := map[string]bool{}
	what := "ESP " + safetext.Quote(ch.Name)
	if p.Body != nil {
		todo = append(todo, map[bool]string{true: "create " + what, false: "update of " + what + "'s settings"}[p.Current == nil])
	}
	if p.Priority > 0 {
		todo = append(todo, fmt.Sprintf("priority %d", p.Priority))
	}
	if len(p.NewTargets) > 0 {
		todo = append(todo, "assignment to "+strings.Join(targetNames(p.NewTargets), ", "))
	}
	step := func(field, done string) {
		pr.did(done)
		todo, made[field] = todo[1:], true
	}
	fail := func(err error) *Change {
		pr.failed(ch, err, strings.Join(todo, "; "))
		if ch.Message == "" {
			ch.Message = strings.Join(notes, "; ")
		}
		var kept []result.FieldChange
		for _, c := range ch.Changes {
			field := map[bool]string{true: c.Field, false: "settings"}[c.Field == "priority" || c.Field == "assignments"]
			if made[field] {
				kept = append(kept, c)
			}
		}
		ch.Changes = kept
		return ch
	}
	priority := p.Priority
	if p.Body != nil {
		var created struct {
			ID       string `json:"id"`
			Priority int    `json:"priority"`
		}
		if p.Current == nil {
			if err := send("POST", espPath, p.Body, &created); err != nil {
				return fail(err)
			}
			step("settings", "created "+what+" ("+created.ID+")")
			if !dryRun {
				id, ch.ID = created.ID, created.ID
				if priority > 0 && created.Priority == priority {
					// The service gave the new ESP the priority asked; setPriority to it would fail
					// (docs/graph.md#enrollment-status-page).
					priority = 0
					step("priority", fmt.Sprintf("priority %d", p.Priority))
				}
			}
		} else if err := send("PATCH", espPath+"/"+escape(id), p.Body, nil); err != nil {
			return fail(err)
		} else {
			step("settings", "updated "+what+"'s settings")
		}
	}
	if priority > 0 {
		if p.PriorityMsg != "" {
			notes = append(notes, p.PriorityMsg)
		}
		if err := send("POST", setPriorityPath(id), map[string]any{"priority": priority}, nil); err != nil {
			return fail(err)
		}
		step("priority", fmt.Sprintf("priority %d", priority))
	}
	if !dryRun && (p.Body != nil || p.Priority > 0) {
		var got map[string]any
		if err := c.Do(ctx, "GET", espPath+"/"+escape(id), nil, &got); err != nil {
			return fail(err)
		}
		sent := map[string]any{}
		if body, ok := p.Body.(map[string]any); ok {
			sent = toMap(body)
		}
		if p.Priority > 0 {
			sent["priority"] = float64(p.Priority)
		}
		if err := readBack(sent, got); err != nil {
			return fail(err)
		}
	}
	if len(p.NewTargets) > 0 {
		if err := send("POST", espPath+"/"+escape(id)+"/assign", assignBody(p.Merged), nil); err != nil {
			return fail(err)
		}
	}
	ch.Status = map[bool]result.Status{true: result.Created, false: result.Updated}[p.Current == nil]
	if dryRun {
		ch.Status = map[bool]result.Status{true: result.WouldCreate, false: result.WouldUpdate}[p.Current == nil]
	}
	ch.Message = strings.Join(notes, "; ")
	return ch
}

// assignBody is /assign's body: the whole set, every time (docs/graph.md#enrollment-status-page).
func assignBody(targets []Target) map[string]any {
	list := []any{}
	for _, t := range targets {
		list = append(list, map[string]any{"target": t.graphTarget()})
	}
	return map[string]any{"enrollmentConfigurationAssignments": list}
}

// UnassignESP removes targets from the ESP's assignments by posting the set without them.
func UnassignESP(ctx context.Context, c *graph.Client, e *ESP, remove []Target, dryRun bool) (*Change, error) {
	if e.Default {
		return nil, invalidf("the default Enrollment Status Page is never assigned")
	}
	ch := &Change{Change: result.Change{Kind: ESPKind, Name: e.DisplayName, ID: e.ID}}
	var keep []Target
	for _, t := range e.Assignments {
		if missing([]Target{t}, remove) != nil {
			keep = append(keep, t)
		}
	}
	if len(keep) == len(e.Assignments) {
		ch.Status, ch.Message = result.Unchanged, "none of these groups is assigned"
		return ch, nil
	}
	ch.Changes = []result.FieldChange{{Field: "assignments", From: targetNames(e.Assignments), To: targetNames(keep)}}
	path := espPath + "/" + escape(e.ID) + "/assign"
	if dryRun {
		ch.Status, ch.Requests = result.WouldUpdate, []Request{{"POST", path, assignBody(keep)}}
		return ch, nil
	}
	if err := c.Do(ctx, "POST", path, assignBody(keep), nil); err != nil {
		ch.Status, ch.Error = result.Failed, err.Error()
		return ch, nil
	}
	ch.Status = result.Updated
	return ch, nil
}

// DeleteESP deletes an ESP; the default can't be.
func DeleteESP(ctx context.Context, c *graph.Client, e *ESP, dryRun bool) (*Change, error) {
	if e.Default {
		return nil, invalidf("the default Enrollment Status Page can't be deleted; change it with `esp update default`")
	}
	ch := &Change{Change: result.Change{Kind: ESPKind, Name: e.DisplayName, ID: e.ID}}
	path := espPath + "/" + escape(e.ID)
	if dryRun {
		ch.Status, ch.Requests = result.WouldDelete, []Request{{"DELETE", path, nil}}
		return ch, nil
	}
	if err := c.Do(ctx, "DELETE", path, nil, nil); err != nil {
		ch.Status, ch.Error = result.Failed, err.Error()
		return ch, nil
	}
	ch.Status = result.Deleted
	return ch, nil
}
