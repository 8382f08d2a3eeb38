package prep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Plan is what it takes to make the tenant hold a Spec: every name resolved, every refusal found, before
// the first write (docs/graph.md#device-preparation-and-enrollment-time-grouping, D-8).
type Plan struct {
	Spec     Spec
	Mode     Mode
	Settings Settings
	// SP is the Intune Provisioning Client's service principal; nil when the tenant has none yet.
	SP *groups.ServicePrincipal
	// DeviceGroup is the existing device group; nil when it is to be created (Spec.CreateDeviceGroup).
	DeviceGroup  *groups.Group
	OwnerMissing bool
	UserGroups   []*groups.Group
	Current      *Policy  // nil: create the policy
	Binding      *Binding // the current policy's binding; nil when unreadable or no policy
	Changes      []result.FieldChange
	// ExactUserGroups makes Spec.UserGroups the whole set: assignments to other groups are removed (a layout's
	// apply); otherwise they are kept and the missing ones added.
	ExactUserGroups bool
}

// GroupError is a group that can't serve as asked: not found, ambiguous, or of the wrong kind.
type GroupError struct {
	Field string // deviceGroup or userGroups
	Err   error
}

func (e *GroupError) Error() string { return e.Err.Error() }
func (e *GroupError) Unwrap() error { return e.Err }

// ConflictError is a policy that exists and differs where this command may not change it.
type ConflictError struct {
	Name, ID, Reason string
	Changes          []result.FieldChange
}

func (e *ConflictError) Error() string {
	s := fmt.Sprintf("policy %s (%s) %s", safetext.Quote(e.Name), e.ID, e.Reason)
	for _, c := range e.Changes {
		s += fmt.Sprintf("\n  %s: %v → %v", c.Field, c.From, c.To)
	}
	return s
}

// NewPlan resolves the spec (m and timeout from Spec.Check) against the tenant and compares it with the
// policy of that name. update allows a policy whose settings differ to be changed in place; without it a
// difference is a *ConflictError. Every name that can't be used — apps, scripts, groups — is reported at
// once: one problem as its *LookupError, *GroupError or *FieldError, several joined (errors.Join).
func NewPlan(ctx context.Context, c *graph.Client, r *Reader, spec Spec, m Mode, timeout time.Duration, update bool) (*Plan, error) {
	p := &Plan{Spec: spec, Mode: m}
	if m == UserDriven {
		p.Settings = Settings{AccountType: strings.ToLower(spec.AccountType), TimeoutMinutes: int(timeout.Minutes()), ErrorMessage: DefaultErrorMessage,
			AllowSkip: spec.AllowSkip, AllowDiagnostics: spec.AllowDiagnostics}
		if p.Settings.AccountType == "" {
			p.Settings.AccountType = DefaultAccountType
		}
		if spec.ErrorMessage != nil {
			p.Settings.ErrorMessage = *spec.ErrorMessage
		}
	}
	var problems []error
	// refused keeps an input problem for the joint report and passes any other error (a 403, say) on.
	refused := func(err error) error {
		if isInput(err) {
			problems = append(problems, err)
			return nil
		}
		return err
	}
	var err error
	if p.Current, err = Current(ctx, c, spec.Name); err != nil {
		var amb *AmbiguousError
		if !errors.As(err, &amb) {
			return nil, err
		}
		problems = append(problems, &FieldError{Field: "name", Err: err})
	}
	for _, a := range spec.Apps {
		app, err := ResolveApp(ctx, c, a)
		if err != nil {
			if err := refused(err); err != nil {
				return nil, err
			}
		} else if !slices.ContainsFunc(p.Settings.Apps, func(x App) bool { return strings.EqualFold(x.ID, app.ID) }) {
			p.Settings.Apps = append(p.Settings.Apps, app)
		}
	}
	for _, s := range spec.Scripts {
		sc, err := ResolveScript(ctx, c, s)
		if err != nil {
			if err := refused(err); err != nil {
				return nil, err
			}
		} else if !slices.ContainsFunc(p.Settings.Scripts, func(x Script) bool { return strings.EqualFold(x.ID, sc.ID) }) {
			p.Settings.Scripts = append(p.Settings.Scripts, sc)
		}
	}
	for _, name := range spec.UserGroups {
		g, err := groups.Resolve(ctx, c, name)
		if err != nil {
			if err := refused(groupLookupError("userGroups", err)); err != nil {
				return nil, err
			}
			continue
		}
		p.UserGroups = append(p.UserGroups, g)
	}
	if p.SP, err = groups.FindServicePrincipal(ctx, c, ProvisioningClientAppID); err != nil {
		return nil, err
	}
	if err := refused(p.planDeviceGroup(ctx, c)); err != nil {
		return nil, err
	}
	problems = append(problems, p.userGroupProblems()...)
	if spec.Priority > 0 {
		if err := refused(p.checkPriority(ctx, c)); err != nil {
			return nil, err
		}
	}
	switch len(problems) {
	case 0:
	case 1:
		return nil, problems[0]
	default:
		return nil, errors.Join(problems...)
	}
	if p.Current == nil {
		return p, nil
	}
	if p.Current.Mode != m {
		return nil, &ConflictError{Name: p.Current.Name, ID: p.Current.ID, Reason: fmt.Sprintf("is a %s policy, not %s; the mode can't change: delete it or choose another name", p.Current.Mode, m)}
	}
	p.Changes = diffSettings(m, p.Current.Settings, p.Settings)
	if spec.Description != "" && spec.Description != p.Current.Description {
		p.Changes = append(p.Changes, result.FieldChange{Field: "description", From: p.Current.Description, To: spec.Description})
	}
	if len(p.Changes) > 0 && !update {
		return nil, &ConflictError{Name: p.Current.Name, ID: p.Current.ID, Changes: p.Changes,
			Reason: "exists and differs; change it with `autopilotctl prep update` (this command only finishes what is missing):"}
	}
	if p.Binding, err = r.Current(ctx, p.Current.ID); errors.Is(err, ErrUnverifiable) {
		err = nil
	}
	return p, err
}

// userGroupProblems refuses the user groups the policy is not assigned to yet that can't serve (see
// userGroupProblem); groups it already has are left to verify, so an update can still change other things.
func (p *Plan) userGroupProblems() []error {
	deviceGroupID := ""
	if p.DeviceGroup != nil {
		deviceGroupID = p.DeviceGroup.ID
	}
	var out []error
	for _, g := range p.UserGroups {
		if p.Current != nil && slices.ContainsFunc(p.Current.UserGroupIDs, func(id string) bool { return strings.EqualFold(id, g.ID) }) {
			continue
		}
		if why := userGroupProblem(g, deviceGroupID); why != "" {
			out = append(out, &GroupError{Field: "userGroups", Err: fmt.Errorf("group %s (%s) %s; %s", safetext.Quote(g.DisplayName), g.ID, why, userGroupFix)})
		}
	}
	return out
}

// isInput reports whether err is a refusal of the spec's input rather than a failure to read the tenant.
func isInput(err error) bool {
	var fe *FieldError
	var ge *GroupError
	var le *LookupError
	return errors.As(err, &fe) || errors.As(err, &ge) || errors.As(err, &le)
}

func groupLookupError(field string, err error) error {
	var nf *groups.NotFoundError
	var amb *groups.AmbiguousError
	if errors.As(err, &nf) || errors.As(err, &amb) {
		return &GroupError{Field: field, Err: err}
	}
	return err
}

// planDeviceGroup finds the device group and checks it can serve: a security group, assigned, not
// role-assignable, not mail-enabled; the Provisioning Client among its owners (else OwnerMissing).
func (p *Plan) planDeviceGroup(ctx context.Context, c *graph.Client) error {
	g, err := groups.Resolve(ctx, c, p.Spec.DeviceGroup)
	var nf *groups.NotFoundError
	if errors.As(err, &nf) && p.Spec.CreateDeviceGroup && !isGUID.MatchString(p.Spec.DeviceGroup) {
		if err := groups.CheckDisplayName(p.Spec.DeviceGroup); err != nil {
			return &GroupError{Field: "deviceGroup", Err: err}
		}
		p.OwnerMissing = true
		return nil
	}
	if err != nil {
		return groupLookupError("deviceGroup", err)
	}
	for _, prob := range groupProblems(g) {
		if prob.bad {
			return &GroupError{Field: "deviceGroup", Err: fmt.Errorf("group %s (%s) is %s; a device-preparation device group must be an assigned security group that is not role-assignable (%s)",
				safetext.Quote(g.DisplayName), g.ID, prob.detail, prob.fix)}
		}
	}
	p.DeviceGroup = g
	owners, err := groups.Owners(ctx, c, g.ID)
	if err != nil {
		return err
	}
	p.OwnerMissing = !hasOwnerApp(owners, ProvisioningClientAppID)
	return nil
}

// Step is one step of an apply: the shared change fields, and which step.
type Step struct {
	Step string `json:"step"`
	result.Change
}

// Report is what an apply did, step by step, and the read-back checks.
type Report struct {
	Name         string         `json:"name"`
	ID           string         `json:"id,omitempty"`
	Mode         Mode           `json:"mode"`
	Steps        []*Step        `json:"steps"`
	Verification *Verification  `json:"verification,omitempty"`
	Summary      result.Summary `json:"summary"`
	Message      string         `json:"message,omitempty"`
}

// Problems counts failed and pending steps, and a failed read-back as one more.
func (r *Report) Problems() int {
	n := r.Summary.Problems()
	if r.Verification != nil && !r.Verification.OK {
		n++
	}
	return n
}

// ApplyOptions are how Apply runs.
type ApplyOptions struct {
	NoFix  bool // report a missing owner instead of adding it
	DryRun bool
	// AppOnly says the token is application-only: a 500 from binding the group is then blamed on it.
	AppOnly bool
	Sleep   func(ctx context.Context, d time.Duration) error
}

// checkPriority refuses a priority past the last place among the policies of the mode (+1 for a new one):
// reorder takes 1 to that count only, and the policy would be created before it was refused.
func (p *Plan) checkPriority(ctx context.Context, c *graph.Client) error {
	list, err := List(ctx, c)
	if err != nil {
		return err
	}
	others := 0
	for _, o := range list {
		if o.Mode == p.Mode && (p.Current == nil || o.ID != p.Current.ID) {
			others++
		}
	}
	if last := others + 1; p.Spec.Priority > last {
		return fieldErr("priority", "priority %d is past the last place: the tenant has %d other %s policies, so this one takes 1 to %d",
			p.Spec.Priority, others, p.Mode.Word(), last)
	}
	return nil
}

// bindWaits are the waits between set calls refused with securityGroupNotFound: a group Graph has just
// returned can be unknown to Intune for a while (replication; about 30 s in all).
var bindWaits = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}

// ownerWaits are the waits between owner read-backs of a group created with its owner bound.
var ownerWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// Apply makes the tenant match the plan, step by step — service principal, device group and owner, policy
// (created, or replaced whole with PUT), binding, user assignments, priority — then reads everything back
// through Verify. A step that fails stops the run; the steps after it are reported pending, and the
// message says how to finish or undo.
func Apply(ctx context.Context, c *graph.Client, r *Reader, p *Plan, opts ApplyOptions) *Report {
	rep := &Report{Name: p.Spec.Name, Mode: p.Mode}
	if p.Current != nil {
		rep.ID = p.Current.ID
	}
	a := &applier{ctx: ctx, c: c, r: r, p: p, opts: opts, rep: rep, groupName: p.Spec.DeviceGroup}
	a.step("servicePrincipal", "servicePrincipal", "Intune Provisioning Client", a.servicePrincipal)
	a.step("deviceGroup", "group", p.Spec.DeviceGroup, a.deviceGroup)
	a.step("policy", Kind, p.Spec.Name, a.policy)
	a.step("deviceGroupBinding", "enrollmentTimeDeviceMembershipTarget", p.Spec.DeviceGroup, a.bind)
	if p.Mode == UserDriven {
		var names []string // by name for people: an update's spec holds the assigned groups by id
		for _, g := range p.UserGroups {
			names = append(names, g.DisplayName)
		}
		a.step("userAssignments", "deviceManagementConfigurationPolicyAssignment", strings.Join(names, ", "), a.assign)
		if p.Spec.Priority > 0 {
			a.step("priority", Kind, fmt.Sprint(p.Spec.Priority), a.priority)
		}
	}
	rep.Summary = result.Summarize(rep.Steps)
	if a.failed || opts.DryRun {
		a.finishMessage()
		return rep
	}
	pol, err := Get(ctx, c, rep.ID)
	if err == nil {
		rep.Verification, err = Verify(ctx, c, r, pol, a.groupID)
	}
	if err != nil {
		rep.Verification = &Verification{PolicyID: rep.ID, PolicyName: rep.Name, Mode: p.Mode,
			Checks: []Check{{Name: "readable", Detail: "reading back: " + err.Error()}}}
	}
	if v := rep.Verification; len(p.Spec.UserGroups) == 0 && v.Mode == UserDriven {
		// Created without user groups on purpose (Spec.Check warned): reported, not a failed read-back.
		for i := range v.Checks {
			if c := &v.Checks[i]; c.Name == "assignedToUsers" && !c.OK && c.Detail == NoUserGroup {
				c.Accepted = true
			}
		}
		v.OK = len(v.Failed()) == 0
	}
	return rep
}

type applier struct {
	ctx     context.Context
	c       *graph.Client
	r       *Reader
	p       *Plan
	opts    ApplyOptions
	rep     *Report
	failed  bool
	spID    string
	groupID string
	// groupName is the device group's display name: the spec may name it by id.
	groupName string
	created   []string // what this run created, for the undo advice
}

// step runs fn unless an earlier step failed (then it is pending); fn sets the status and may return an error.
func (a *applier) step(name, kind, label string, fn func(st *Step) error) {
	st := &Step{Step: name, Change: result.Change{Kind: kind, Name: label}}
	a.rep.Steps = append(a.rep.Steps, st)
	if a.failed {
		st.Status, st.Message = result.Pending, "not done: an earlier step failed"
		return
	}
	if err := fn(st); err != nil {
		st.Status, st.Error = result.Failed, err.Error()
		a.failed = true
	}
}

func (a *applier) would(st *Step, created bool) {
	st.Status = map[bool]result.Status{true: result.WouldCreate, false: result.WouldUpdate}[created]
}

func (a *applier) servicePrincipal(st *Step) error {
	if a.p.SP != nil {
		a.spID, st.ID, st.Status = a.p.SP.ID, a.p.SP.ID, result.Unchanged
		return nil
	}
	st.Message = "the tenant had no service principal for the Intune Provisioning Client (" + ProvisioningClientAppID + ")"
	if a.opts.DryRun {
		a.would(st, true)
		return nil
	}
	sp, err := groups.CreateServicePrincipal(a.ctx, a.c, ProvisioningClientAppID)
	if err != nil {
		return err
	}
	a.spID, st.ID, st.Status = sp.ID, sp.ID, result.Created
	st.Message += "; created it"
	return nil
}

func (a *applier) deviceGroup(st *Step) error {
	p := a.p
	if p.DeviceGroup != nil {
		a.groupID, st.ID, st.Name, a.groupName = p.DeviceGroup.ID, p.DeviceGroup.ID, p.DeviceGroup.DisplayName, p.DeviceGroup.DisplayName
		if !p.OwnerMissing {
			st.Status = result.Unchanged
			return nil
		}
		st.Changes = []result.FieldChange{{Field: "owners", From: "without the Intune Provisioning Client", To: "with " + ProvisioningClientAppID}}
		if a.opts.DryRun {
			a.would(st, false)
			return nil
		}
		if err := a.c.Do(a.ctx, "POST", "/groups/"+url.PathEscape(p.DeviceGroup.ID)+"/owners/$ref",
			map[string]string{"@odata.id": strings.TrimSuffix(a.c.BaseURL, "/") + "/directoryObjects/" + a.spID}, nil); err != nil {
			return fmt.Errorf("adding the Intune Provisioning Client as owner: %w", err)
		}
		st.Status, st.Message = result.Updated, "added the Intune Provisioning Client as owner"
		return a.waitForOwner(p.DeviceGroup.ID)
	}
	if a.opts.DryRun {
		a.would(st, true)
		st.Message = "an assigned security group owned by the Intune Provisioning Client"
		return nil
	}
	d := groups.Desired{DisplayName: p.Spec.DeviceGroup, Description: "Autopilot device preparation: devices join during setup",
		OwnerAppIDs: []string{ProvisioningClientAppID}}
	gp, err := groups.PlanGroup(a.ctx, a.c, d)
	if err != nil {
		return err
	}
	ch, err := groups.Apply(a.ctx, a.c, gp, groups.ApplyOptions{Sleep: a.opts.Sleep})
	if err != nil {
		return err
	}
	a.groupID, st.ID = ch.ID, ch.ID
	if ch.Status == result.Failed {
		return errors.New(ch.Error)
	}
	a.created = append(a.created, "group "+safetext.ShellQuote(p.Spec.DeviceGroup))
	st.Status, st.Message = result.Created, "assigned security group, the Intune Provisioning Client bound as owner in the same request"
	return a.waitForOwner(ch.ID)
}

// waitForOwner re-reads the owners until the Provisioning Client shows (replication), bounded.
func (a *applier) waitForOwner(groupID string) error {
	for i := 0; ; i++ {
		owners, err := groups.Owners(a.ctx, a.c, groupID)
		if err != nil && !groups.IsNotFound(err) {
			return err
		}
		if hasOwnerApp(owners, ProvisioningClientAppID) {
			return nil
		}
		if i == len(ownerWaits) {
			return fmt.Errorf("the Intune Provisioning Client did not show among the owners of group %s", groupID)
		}
		if err := a.sleep(ownerWaits[i]); err != nil {
			return err
		}
	}
}

func (a *applier) sleep(d time.Duration) error {
	if a.opts.Sleep == nil {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-a.ctx.Done():
			return a.ctx.Err()
		case <-t.C:
			return nil
		}
	}
	return a.opts.Sleep(a.ctx, d)
}

// policyBody is the create and PUT body (docs/graph.md#device-preparation-and-enrollment-time-grouping).
func (a *applier) policyBody() map[string]any {
	return map[string]any{"name": a.p.Spec.Name, "description": a.p.Spec.Description, "platforms": "windows10", "technologies": "enrollment",
		"roleScopeTagIds": []string{"0"}, "templateReference": map[string]string{"templateId": a.p.Mode.template()},
		"settings": settingsBody(a.p.Mode, a.p.Settings)}
}

func (a *applier) policy(st *Step) error {
	p := a.p
	if p.Current != nil {
		st.ID, st.Changes = p.Current.ID, p.Changes
		if len(p.Changes) == 0 {
			st.Status = result.Unchanged
			return nil
		}
		if p.Spec.Description == "" {
			p.Spec.Description = p.Current.Description
		}
		if a.opts.DryRun {
			a.would(st, false)
			return nil
		}
		// The whole policy is replaced: settings can't be PATCHed, and a policy is never deleted and re-created.
		if err := a.c.Do(a.ctx, "PUT", policiesPath+"/"+url.PathEscape(p.Current.ID), a.policyBody(), nil); err != nil {
			return err
		}
		st.Status = result.Updated
		return a.readBackPolicy(p.Current.ID)
	}
	if a.opts.DryRun {
		a.would(st, true)
		return nil
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := a.c.Do(a.ctx, "POST", policiesPath, a.policyBody(), &created); err != nil {
		return err
	}
	a.rep.ID, st.ID, st.Status = created.ID, created.ID, result.Created
	a.created = append(a.created, "policy")
	return a.readBackPolicy(created.ID)
}

// readBackPolicy compares the policy the tenant now holds with what was sent.
func (a *applier) readBackPolicy(id string) error {
	got, err := Get(a.ctx, a.c, id)
	if err != nil {
		return fmt.Errorf("reading the policy back: %w", err)
	}
	a.p.Current = got
	if diffs := diffSettings(a.p.Mode, got.Settings, a.p.Settings); len(diffs) > 0 || got.Name != a.p.Spec.Name {
		var fields []string
		for _, d := range diffs {
			fields = append(fields, d.Field)
		}
		return fmt.Errorf("Graph holds another policy than was sent (name %s; settings %s)", safetext.Quote(got.Name), strings.Join(fields, ", "))
	}
	return nil
}

func (a *applier) bind(st *Step) error {
	p := a.p
	st.ID, st.Name = a.groupID, a.groupName
	if p.Binding != nil && a.groupID != "" && strings.EqualFold(p.Binding.GroupID, a.groupID) && p.Binding.ErrorCode == "" &&
		(p.Binding.Succeeded == nil || *p.Binding.Succeeded) {
		st.Status = result.Unchanged
		return nil
	}
	if p.Binding != nil && p.Binding.GroupID != "" && !strings.EqualFold(p.Binding.GroupID, a.groupID) {
		st.Changes = []result.FieldChange{{Field: "deviceGroup", From: p.Binding.GroupID, To: orNone(a.groupID)}}
	}
	if a.opts.DryRun {
		a.would(st, p.Binding == nil || p.Binding.GroupID == "")
		return nil
	}
	for i := 0; ; i++ {
		b, err := Set(a.ctx, a.c, a.rep.ID, a.groupID)
		if err != nil {
			if isStatus(err, 500) && a.opts.AppOnly {
				return fmt.Errorf("%w: Intune answers 500 to setEnrollmentTimeDeviceMembershipTarget for app-only tokens; sign in as a user (--auth device-code or --auth browser)", err)
			}
			return err
		}
		if b.Succeeded != nil && *b.Succeeded && b.ErrorCode == "" {
			break
		}
		if b.ErrorCode != "securityGroupNotFound" || i == len(bindWaits) {
			if b.ErrorCode == "" {
				b.ErrorCode = "validationSucceeded false"
			}
			return &ValidationError{GroupID: a.groupID, Code: b.ErrorCode}
		}
		if err := a.sleep(bindWaits[i]); err != nil {
			return err
		}
	}
	got, err := a.r.Current(a.ctx, a.rep.ID)
	switch {
	case errors.Is(err, ErrUnverifiable):
		st.Message = "bound; the service's retrieve answered neither GET nor POST, so the binding could not be read back"
	case err != nil:
		return fmt.Errorf("reading the binding back: %w", err)
	case !strings.EqualFold(got.GroupID, a.groupID):
		return fmt.Errorf("set answered success, but the service reports %s bound", orNone(got.GroupID))
	}
	st.Status = map[bool]result.Status{true: result.Created, false: result.Updated}[p.Binding == nil || p.Binding.GroupID == ""]
	return nil
}

func (a *applier) assign(st *Step) error {
	p := a.p
	var current []string
	var targets []json.RawMessage
	wanted := func(id string) bool {
		return slices.ContainsFunc(p.UserGroups, func(g *groups.Group) bool { return strings.EqualFold(g.ID, id) })
	}
	removed := false
	if p.Current != nil {
		current = p.Current.UserGroupIDs
		for _, raw := range p.Current.Assignments {
			var as struct {
				Target json.RawMessage `json:"target"`
			}
			if json.Unmarshal(raw, &as) == nil && len(as.Target) > 0 {
				var t struct {
					Type    string `json:"@odata.type"`
					GroupID string `json:"groupId"`
				}
				if p.ExactUserGroups && json.Unmarshal(as.Target, &t) == nil && t.Type == groupTarget && !wanted(t.GroupID) {
					removed = true
					continue
				}
				targets = append(targets, as.Target)
			}
		}
	}
	var added []string
	for _, g := range p.UserGroups {
		if !slices.ContainsFunc(current, func(id string) bool { return strings.EqualFold(id, g.ID) }) {
			added = append(added, g.ID)
			t, _ := json.Marshal(map[string]string{"@odata.type": groupTarget, "groupId": g.ID})
			targets = append(targets, t)
		}
	}
	if len(added) == 0 && !removed {
		st.Status = result.Unchanged
		if len(current) == 0 {
			st.Message = NoUserGroup
		}
		return nil
	}
	to := append(nonNil(current), added...)
	if removed {
		to = slices.DeleteFunc(to, func(id string) bool { return !wanted(id) })
	}
	st.Changes = []result.FieldChange{{Field: "userGroups", From: nonNil(current), To: to}}
	if a.opts.DryRun {
		a.would(st, len(current) == 0)
		return nil
	}
	// assign replaces the whole set: the merged set is sent (docs/graph.md#device-preparation-and-enrollment-time-grouping).
	list := []any{}
	for _, t := range targets {
		list = append(list, map[string]json.RawMessage{"target": t})
	}
	if err := a.c.Do(a.ctx, "POST", policiesPath+"/"+url.PathEscape(a.rep.ID)+"/assign", map[string]any{"assignments": list}, nil); err != nil {
		return err
	}
	st.Status = map[bool]result.Status{true: result.Created, false: result.Updated}[len(current) == 0]
	got, err := Get(a.ctx, a.c, a.rep.ID)
	if err != nil {
		return fmt.Errorf("reading the assignments back: %w", err)
	}
	for _, id := range added {
		if !slices.ContainsFunc(got.UserGroupIDs, func(g string) bool { return strings.EqualFold(g, id) }) {
			return fmt.Errorf("assign answered success, but group %s is not among the policy's assignments", id)
		}
	}
	return nil
}

func nonNil(s []string) []string { return append([]string{}, s...) }

func (a *applier) priority(st *Step) error {
	want := a.p.Spec.Priority
	st.ID = a.rep.ID
	if a.p.Current != nil && a.p.Current.Priority == want {
		st.Status = result.Unchanged
		return nil
	}
	if a.p.Current != nil {
		st.Changes = []result.FieldChange{{Field: "priority", From: a.p.Current.Priority, To: want}}
	}
	if a.opts.DryRun {
		a.would(st, false)
		return nil
	}
	if err := a.c.Do(a.ctx, "POST", policiesPath+"/"+url.PathEscape(a.rep.ID)+"/reorder", map[string]int{"priority": want}, nil); err != nil {
		return err
	}
	got, err := Get(a.ctx, a.c, a.rep.ID)
	if err != nil {
		return err
	}
	if got.Priority != want {
		return fmt.Errorf("reorder answered success, but the policy's priority is %d", got.Priority)
	}
	st.Status = result.Updated
	return nil
}

// finishMessage says, after a failure, what is done and how to finish or undo.
func (a *applier) finishMessage() {
	if !a.failed {
		return
	}
	var done []string
	for _, st := range a.rep.Steps {
		if st.Status == result.Created || st.Status == result.Updated || st.Status == result.Unchanged {
			done = append(done, st.Step)
		}
	}
	msg := "done: " + orNothing(done) + ". To finish, fix the cause and run the same command again: it picks up where this run stopped."
	if len(a.created) > 0 {
		var undo []string
		for _, c := range a.created {
			if c == "policy" {
				undo = append(undo, "autopilotctl prep delete "+safetext.ShellQuote(a.p.Spec.Name)+" --yes")
			} else {
				undo = append(undo, "autopilotctl "+c[:strings.Index(c, " ")]+" delete "+c[strings.Index(c, " ")+1:]+" --yes")
			}
		}
		msg += " To undo what this run created: " + strings.Join(undo, "; ")
	}
	a.rep.Message = msg
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}
