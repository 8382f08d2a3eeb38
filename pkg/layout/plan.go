package layout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/result"
	"github.com/autopilotctl/autopilotctl/pkg/usage"
)

// Marker ends the description of every object apply creates from a layout without a name; a named layout's
// objects end with MarkerFor(name). --prune deletes only objects that carry the file's own marker, so layouts
// sharing a tenant leave each other's objects alone. Brackets, because profile descriptions are reported to
// refuse parentheses and hyphens (docs/graph.md#deployment-profiles).
const Marker = "[managed by autopilotctl]"

const namedMarker = "[managed by autopilotctl layout "

// MarkerFor is the marker of the layout named name ("" is Marker).
func MarkerFor(name string) string {
	if name == "" {
		return Marker
	}
	return namedMarker + name + "]"
}

// markerOf is the marker a description ends with, in any of its forms; "" for none.
func markerOf(description string) string {
	d := strings.TrimSpace(description)
	if strings.HasSuffix(d, Marker) {
		return Marker
	}
	i := strings.LastIndex(d, namedMarker)
	if i < 0 || !strings.HasSuffix(d, "]") {
		return ""
	}
	if name := d[i+len(namedMarker) : len(d)-1]; name == "" || checkName(name) != nil {
		return ""
	}
	return d[i:]
}

// Marked reports whether a description carries an ownership marker, any layout's: such an object is
// apply's, and keeps its marker when apply changes its description.
func Marked(description string) bool { return markerOf(description) != "" }

// StripMarker is a description without its marker, whichever layout's (what export writes).
func StripMarker(description string) string {
	d := strings.TrimSpace(description)
	return strings.TrimSpace(strings.TrimSuffix(d, markerOf(d)))
}

// NameOf is the layout name export writes for objects with these descriptions: the one name the marked ones
// all carry, "" when any marked one has the plain marker or the names differ.
func NameOf(descriptions []string) string {
	name := ""
	for _, d := range descriptions {
		m := markerOf(d)
		if m == "" {
			continue
		}
		n := strings.TrimSuffix(strings.TrimPrefix(m, namedMarker), "]")
		if m == Marker || name != "" && n != name {
			return ""
		}
		name = n
	}
	return name
}

// marker is the layout's own marker.
func (l *Layout) marker() string { return MarkerFor(l.File.Name) }

// withMarker is a description with the layout's marker at its end.
func (p *planner) withMarker(description string) string {
	if description == "" {
		return p.l.marker()
	}
	return description + " " + p.l.marker()
}

// description is what an ESP's or a profile's description is to be, nil to leave it as it is: the file's,
// with the layout's marker when apply creates the object (cur nil) or it is marked already. One another
// layout marked is adopted: it is re-marked as this layout's, so its --prune is this file's to make.
func (p *planner) description(file *string, cur map[string]any) *string {
	if cur == nil {
		d := p.withMarker(deref(file))
		return &d
	}
	have := str(cur["description"])
	m := markerOf(have)
	switch {
	case m == "":
		return file
	case file != nil:
		d := p.withMarker(*file)
		return &d
	case m != p.l.marker():
		d := p.withMarker(StripMarker(have))
		return &d
	}
	return nil
}

// Actions, as plans print them.
const (
	Create    = "create"
	Update    = "update"
	Replace   = "replace"
	Delete    = "delete"
	Unchanged = "unchanged"
)

// Field is one property that differs: what the tenant holds and what the file asks.
type Field struct {
	Path string `json:"path"`
	From any    `json:"from"`
	To   any    `json:"to"`
}

// Change is what apply would do to one object.
type Change struct {
	Kind   string  `json:"kind"`
	Name   string  `json:"name"`
	Action string  `json:"action"`
	ID     string  `json:"id,omitempty"`
	Fields []Field `json:"fields,omitempty"`
	Reason string  `json:"reason,omitempty"`

	section string // the file's section; "" for an object only the tenant has (delete)
	index   int
	group   *groups.Plan // a group's plan: apply carries it out as read (groups refer to nothing the run makes)
}

// Summary counts the plan's objects by action.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Replace   int `json:"replace"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
}

// Pending is the number of objects that would change.
func (s Summary) Pending() int { return s.Create + s.Update + s.Replace + s.Delete }

// Plan is what apply would do, object by object, in the order it would do it.
type Plan struct {
	Changes []*Change `json:"changes"`
	Summary Summary   `json:"summary"`
	// Warnings are what the tenant will do that the file may not mean: a profile losing devices to an older one.
	Warnings []string `json:"warnings,omitempty"`
	// Unlisted counts, without --prune, the ESPs, profiles and policies apply created that the file no longer
	// lists: what --prune would delete ("No changes" alone would hide them). Groups are looked for with --prune
	// only: that lists every group of the tenant.
	Unlisted int       `json:"-"`
	all      []*Change // unchanged objects too
}

// Options are how a plan is made.
type Options struct {
	Prune bool // list marked objects the file no longer has, for deletion
}

// Kinds of object in plans, Graph's entity names (docs/architecture.md#one-result-model).
const (
	KindGroup   = groups.Kind
	KindESP     = enrollment.ESPKind
	KindProfile = enrollment.ProfileKind
	KindPrep    = prep.Kind
)

// planner holds what one plan (or apply) has read from the tenant.
type planner struct {
	ctx      context.Context
	c        *graph.Client
	l        *Layout
	groupIDs map[string]*groups.Group // by lower-case name; a nil value is a group the file will create
	names    map[string]string        // group id → name, for assignments read from the tenant
	esps     []*enrollment.ESP
	profiles []*enrollment.Profile
	reader   *prep.Reader
	prune    bool
	usersNow *usage.Index // apply: who uses each group, read at the first group deletion
}

func newPlanner(ctx context.Context, c *graph.Client, l *Layout) *planner {
	return &planner{ctx: ctx, c: c, l: l, groupIDs: map[string]*groups.Group{}, names: map[string]string{}, reader: prep.NewReader(c)}
}

// InputError is a file that can't be planned as written — a reference the tenant can't resolve, a conflict
// with the tenant: nothing was sent, and the file must change (exit 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// refusal makes a domain package's "the input must change" an *InputError at the object's line.
func (p *planner) refusal(section string, i int, key string, err error) error {
	if !isRefusal(err) {
		return err
	}
	return &InputError{Err: p.l.Errorf(section, i, key, "%v", err)}
}

func isRefusal(err error) bool {
	var gc *groups.ConflictError
	var ga *groups.AmbiguousError
	var gn *groups.NotFoundError
	var pc *prep.ConflictError
	var pg *prep.GroupError
	return enrollment.IsRefusal(err) || prep.IsLookup(err) || errors.As(err, &gc) || errors.As(err, &ga) ||
		errors.As(err, &gn) || errors.As(err, &pc) || errors.As(err, &pg)
}

// Make reads the tenant and compares it with the layout, object by object, through the domain packages:
// nothing is written. Each read is made once, most of them batched (prefetch). A file that can't be planned
// is an *InputError.
func Make(ctx context.Context, c *graph.Client, l *Layout, opts Options) (*Plan, error) {
	p := newPlanner(graph.WithSnapshot(ctx), c, l)
	p.prune = opts.Prune
	if err := p.prefetch(); err != nil {
		return nil, err
	}
	plan := &Plan{}
	steps := []func(*Plan) error{p.planGroups, p.resolveRefs, p.planESPs, p.planProfiles, p.planPreps, p.planPrune}
	for _, step := range steps {
		if err := step(plan); err != nil {
			return nil, err
		}
	}
	if !opts.Prune { // what --prune would delete is counted, not planned
		plan.all = slices.DeleteFunc(plan.all, func(ch *Change) bool {
			if ch.Action == Delete {
				plan.Unlisted++
			}
			return ch.Action == Delete
		})
	}
	overlaps, err := p.overlaps(plan)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil: // a warning's reads failing is no reason to withhold the plan, nor to hide that it did
		overlaps = []string{"which deployment profile gets devices several target could not be worked out: " + err.Error()}
	}
	plan.Warnings = append(plan.Warnings, overlaps...)
	plan.Warnings = append(plan.Warnings, p.takeovers(plan)...)
	plan.summarize()
	return plan, nil
}

// notMade adds to a replacement's reason that the object being deleted is not one autopilotctl made.
func notMade(description string) string {
	if Marked(description) {
		return ""
	}
	return "; autopilotctl did not create it, and the replacement deletes it"
}

// takeovers warns of objects another layout made that this file adopts: applying it re-marks them, and
// that layout's --prune no longer sees them.
func (p *planner) takeovers(plan *Plan) []string {
	var out []string
	for _, ch := range plan.all {
		for _, f := range ch.Fields {
			from, to := markerOf(str(f.From)), markerOf(str(f.To))
			if f.Path == "description" && from != "" && from != to {
				out = append(out, fmt.Sprintf("%s %s carries %s: applying this file takes it over (it gets %s, and that layout's --prune no longer sees it)",
					KindWord(ch.Kind), safetext.Quote(ch.Name), from, to))
			}
		}
	}
	return out
}

func (plan *Plan) add(ch *Change) { plan.all = append(plan.all, ch) }

func (plan *Plan) summarize() {
	plan.Changes, plan.Summary = []*Change{}, Summary{}
	for _, ch := range plan.all {
		switch ch.Action {
		case Create:
			plan.Summary.Create++
		case Update:
			plan.Summary.Update++
		case Replace:
			plan.Summary.Replace++
		case Delete:
			plan.Summary.Delete++
		default:
			plan.Summary.Unchanged++
			continue
		}
		plan.Changes = append(plan.Changes, ch)
	}
}

func fields(changes []result.FieldChange) []Field {
	var out []Field
	for _, c := range changes {
		out = append(out, Field{Path: c.Field, From: c.From, To: c.To})
	}
	return out
}

func action(created bool, fs []Field) string {
	switch {
	case created:
		return Create
	case len(fs) > 0:
		return Update
	}
	return Unchanged
}

// --- groups ---

// planGroup compares the file's i-th group with the tenant through groups.PlanGroup. The description
// carries the marker when the group is created, or already carries it.
func (p *planner) planGroup(i int) (*groups.Plan, error) {
	g := p.l.File.Groups[i]
	d, err := g.Desired()
	if err != nil {
		return nil, &InputError{Err: p.l.Errorf(SectionGroups, i, "", "%v", err)}
	}
	for _, pr := range p.l.File.DevicePreparation {
		// A device-preparation device group is owned by the Intune Provisioning Client: bound when it is created.
		if strings.EqualFold(pr.DeviceGroup, g.DisplayName) && !slices.ContainsFunc(d.OwnerAppIDs, func(a string) bool { return strings.EqualFold(a, prep.ProvisioningClientAppID) }) {
			d.OwnerAppIDs = append(slices.Clone(d.OwnerAppIDs), prep.ProvisioningClientAppID)
		}
	}
	file := d.Description
	d.Description = p.withMarker(file)
	gp, err := groups.PlanGroup(p.ctx, p.c, d)
	if err != nil {
		return nil, p.refusal(SectionGroups, i, "displayName", err)
	}
	if gp.Current != nil && !Marked(gp.Current.Description) {
		gp.Desired.Description = file
		gp.Changes, gp.MissingOwners = groups.Diff(gp.Desired, gp.Current, gp.Owners)
	}
	return gp, nil
}

func (p *planner) planGroups(plan *Plan) error {
	for i, g := range p.l.File.Groups {
		gp, err := p.planGroup(i)
		if err != nil {
			return err
		}
		ch := &Change{Kind: KindGroup, Name: g.DisplayName, section: SectionGroups, index: i, group: gp}
		ch.Fields = fields(gp.Changes)
		if gp.Current != nil {
			ch.ID = gp.Current.ID
		}
		ch.Action = action(gp.Current == nil, ch.Fields)
		p.groupIDs[strings.ToLower(g.DisplayName)] = gp.Current
		plan.add(ch)
	}
	return nil
}

// resolveRefs finds each group the file names but does not list, in the tenant: one that isn't there is a
// dangling reference (exit 2, before any write).
func (p *planner) resolveRefs(*Plan) error {
	for _, r := range p.l.refs() {
		k := strings.ToLower(r.name)
		if _, ok := p.groupIDs[k]; ok {
			continue
		}
		g, err := groups.Current(p.ctx, p.c, r.name)
		if err == nil && g == nil {
			err = &groups.NotFoundError{NameOrID: r.name}
		}
		if err != nil {
			if isRefusal(err) {
				return &InputError{Err: p.l.Errorf(r.section, r.index, r.key, "group %s is neither in the file's groups nor in the tenant", safetext.Quote(r.name))}
			}
			return err
		}
		p.groupIDs[k] = g
	}
	return nil
}

// targets turns names into enrollment targets; a group the file will create has no id yet.
func (p *planner) targets(ts []enrollment.Target) []enrollment.Target {
	for i, t := range ts {
		if g := p.groupIDs[strings.ToLower(t.GroupName)]; g != nil {
			ts[i].GroupID, ts[i].GroupName = g.ID, g.DisplayName
		}
	}
	return ts
}

// addDrift adds to ch the assignments field when the tenant's targets differ from the file's, and returns the
// tenant's targets the file doesn't list. The tenant's targets are named from the groups this plan knows, else
// read.
func (p *planner) addDrift(ch *Change, have, want []enrollment.Target) ([]enrollment.Target, error) {
	have = slices.Clone(have)
	if err := enrollment.NameGroups(p.ctx, p.c, have, p.knownNames()); err != nil {
		return nil, err
	}
	stale, f := assignmentDrift(have, want)
	if f != nil {
		ch.Fields = append(ch.Fields, *f)
	}
	return stale, nil
}

// knownNames is p.names (group id → name) with every group this plan has found by name added.
func (p *planner) knownNames() map[string]string {
	for _, g := range p.groupIDs {
		if g != nil {
			p.names[g.ID] = g.DisplayName
		}
	}
	return p.names
}

// assignmentDrift compares the whole set of targets: what the tenant has that the file does not (stale),
// and the field that shows it.
func assignmentDrift(have, want []enrollment.Target) (stale []enrollment.Target, f *Field) {
	key := func(t enrollment.Target) string {
		if t.GroupID == "" && t.Kind != enrollment.AllDevices {
			return t.Kind + "/name/" + strings.ToLower(t.GroupName)
		}
		return t.Kind + "/" + strings.ToLower(t.GroupID)
	}
	wantKeys, haveKeys := map[string]bool{}, map[string]bool{}
	for _, t := range want {
		wantKeys[key(t)] = true
	}
	for _, t := range have {
		haveKeys[key(t)] = true
		if !wantKeys[key(t)] {
			stale = append(stale, t)
		}
	}
	added := false
	for _, t := range want {
		added = added || !haveKeys[key(t)]
	}
	if len(stale) == 0 && !added {
		return nil, nil
	}
	return stale, &Field{Path: "assignments", From: targetList(have), To: targetList(want)}
}

func targetList(ts []enrollment.Target) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.String())
	}
	sort.Strings(out)
	return out
}

// withoutAssignments drops the domain's own "assignments" change (it only adds); the layout's is the whole set.
func withoutAssignments(fs []Field) []Field {
	return slices.DeleteFunc(fs, func(f Field) bool { return f.Path == "assignments" })
}

// --- ESPs ---

// espDesired is the file's i-th ESP as enrollment takes it, against cur (nil: create), with apps resolved.
func (p *planner) espDesired(i int, cur *enrollment.ESP) (enrollment.ESPDesired, error) {
	e := p.l.File.ESPs[i]
	s := e.ESPSettings
	var props map[string]any
	if cur != nil {
		props = cur.Props
		if cur.Default {
			s.DisplayName = cur.DisplayName
		}
	}
	s.Description = p.description(s.Description, props)
	if s.SelectedMobileAppIDs != nil {
		ids, err := enrollment.ResolveApps(p.ctx, p.c, *s.SelectedMobileAppIDs)
		if err != nil {
			return enrollment.ESPDesired{}, p.refusal(SectionESPs, i, "selectedMobileAppIds", err)
		}
		s.SelectedMobileAppIDs = &ids
	}
	var ts []enrollment.Target
	if p.l.ownsAssignments(SectionESPs, i) {
		ts = p.targets(e.targetNames())
	}
	return enrollment.ESPDesired{Settings: s, Targets: ts}, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// findESP is the file's i-th ESP in the tenant, nil when there is none.
func (p *planner) findESP(i int) (*enrollment.ESP, error) {
	cur, err := enrollment.FindESP(p.esps, p.l.File.ESPs[i].DisplayName)
	var nf *enrollment.NotFoundError
	if errors.As(err, &nf) {
		if strings.EqualFold(p.l.File.ESPs[i].DisplayName, enrollment.DefaultName) {
			return nil, &InputError{Err: p.l.Errorf(SectionESPs, i, "displayName", "the tenant has no default Enrollment Status Page")}
		}
		return nil, nil
	}
	if err != nil {
		return nil, p.refusal(SectionESPs, i, "displayName", err)
	}
	return cur, nil
}

// planESP compares the file's i-th ESP with p.esps.
func (p *planner) planESP(i int) (*enrollment.ESPPlan, []enrollment.Target, *Change, error) {
	ch := &Change{Kind: KindESP, Name: p.l.File.ESPs[i].DisplayName, section: SectionESPs, index: i}
	cur, err := p.findESP(i)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := p.espDesired(i, cur)
	if err != nil {
		return nil, nil, nil, err
	}
	ep, err := enrollment.PlanESP(p.esps, cur, d)
	if err != nil {
		return nil, nil, nil, p.refusal(SectionESPs, i, p.l.fieldKey(SectionESPs, i, err), err)
	}
	if ep.Priority > 0 {
		added := p.newESPs()
		if cur == nil {
			added-- // counted as the new one
		}
		if err := enrollment.CheckPriority(p.esps, cur, ep.Priority, added, ""); err != nil {
			return nil, nil, nil, p.refusal(SectionESPs, i, "priority", err)
		}
	}
	ch.Fields = withoutAssignments(fields(ep.Changes))
	var stale []enrollment.Target
	if cur != nil {
		ch.ID = cur.ID
		if !cur.Default && p.l.ownsAssignments(SectionESPs, i) {
			if stale, err = p.addDrift(ch, cur.Assignments, d.Targets); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	ch.Action = action(cur == nil, ch.Fields)
	return ep, stale, ch, nil
}

// newESPs counts the file's ESPs the tenant does not have yet: each takes a place when apply creates it.
func (p *planner) newESPs() int {
	n := 0
	for _, e := range p.l.File.ESPs {
		var nf *enrollment.NotFoundError
		if _, err := enrollment.FindESP(p.esps, e.DisplayName); errors.As(err, &nf) {
			n++
		}
	}
	return n
}

// planESPs plans the file's ESPs in the order apply can place them: those without a priority first (a new
// one is created in the last place), then by priority, so each new ESP is created when enough are there for
// its place to exist.
func (p *planner) planESPs(plan *Plan) error {
	order := make([]int, len(p.l.File.ESPs))
	for i := range order {
		order[i] = i
	}
	prio := func(i int) int {
		if n := p.l.File.ESPs[i].Priority; n != nil {
			return *n
		}
		return 0
	}
	slices.SortStableFunc(order, func(a, b int) int { return prio(a) - prio(b) })
	return p.planEach(plan, len(order),
		func() (err error) { p.esps, err = enrollment.ListESPs(p.ctx, p.c, true); return err },
		func(k int) (*Change, error) { _, _, ch, err := p.planESP(order[k]); return ch, err })
}

// planEach reads the tenant's objects of one kind (when the file has some, or --prune needs them all), then
// plans each of the file's n objects of that kind.
func (p *planner) planEach(plan *Plan, n int, list func() error, one func(i int) (*Change, error)) error {
	if n == 0 && !p.needLists() {
		return nil
	}
	if err := list(); err != nil {
		return err
	}
	for i := range n {
		ch, err := one(i)
		if err != nil {
			return err
		}
		plan.add(ch)
	}
	return nil
}

// needLists is set when prune needs every ESP and profile even if the file lists none.
func (p *planner) needLists() bool { return p.prune }

// --- profiles ---

func (p *planner) profileDesired(i int, cur *enrollment.Profile) enrollment.ProfileDesired {
	pr := p.l.File.Profiles[i]
	s := pr.ProfileSettings
	var props map[string]any
	if cur != nil {
		props = cur.Props
	}
	s.Description = p.description(s.Description, props)
	var ts []enrollment.Target
	if p.l.ownsAssignments(SectionProfiles, i) {
		ts = p.targets(pr.targetNames())
	}
	return enrollment.ProfileDesired{Settings: s, Targets: ts, Replace: true}
}

func (p *planner) findProfile(i int) (*enrollment.Profile, error) {
	cur, err := enrollment.FindProfile(p.profiles, p.l.File.Profiles[i].DisplayName)
	var nf *enrollment.NotFoundError
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, p.refusal(SectionProfiles, i, "displayName", err)
	}
	return cur, nil
}

// planProfile compares the file's i-th profile with p.profiles. The All Devices holder is checked against
// the tenant's other profiles, except those the file takes All Devices from.
func (p *planner) planProfile(i int) (*enrollment.ProfilePlan, []enrollment.Target, *Change, error) {
	ch := &Change{Kind: KindProfile, Name: p.l.File.Profiles[i].DisplayName, section: SectionProfiles, index: i}
	cur, err := p.findProfile(i)
	if err != nil {
		return nil, nil, nil, err
	}
	d := p.profileDesired(i, cur)
	pp, err := enrollment.PlanProfile(p.othersForAllDevices(i), cur, d)
	if err != nil {
		return nil, nil, nil, p.refusal(SectionProfiles, i, "allDevices", err)
	}
	ch.Fields = withoutAssignments(fields(pp.Changes))
	var stale []enrollment.Target
	if cur != nil {
		ch.ID = cur.ID
	}
	if cur != nil && p.l.ownsAssignments(SectionProfiles, i) {
		if stale, err = p.addDrift(ch, cur.Assignments, d.Targets); err != nil {
			return nil, nil, nil, err
		}
	}
	ch.Action = action(cur == nil, ch.Fields)
	if pp.Replace != "" {
		ch.Action, ch.Reason = Replace, pp.Replace+notMade(str(cur.Props["description"]))
	}
	return pp, stale, ch, nil
}

// othersForAllDevices is the profile list PlanProfile checks the All Devices holder in: a tenant profile the
// file also lists, and whose assignments it says, without All Devices will lose it, so it does not count; one
// whose assignments the file leaves keeps what it has.
func (p *planner) othersForAllDevices(i int) []*enrollment.Profile {
	var out []*enrollment.Profile
	for _, o := range p.profiles {
		j := slices.IndexFunc(p.l.File.Profiles, func(fp Profile) bool { return strings.EqualFold(fp.DisplayName, o.DisplayName) })
		if j >= 0 && j != i && !p.l.File.Profiles[j].AllDevices && p.l.ownsAssignments(SectionProfiles, j) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func (p *planner) planProfiles(plan *Plan) error {
	return p.planEach(plan, len(p.l.File.Profiles),
		func() (err error) { p.profiles, err = enrollment.ListProfiles(p.ctx, p.c, true); return err },
		func(i int) (*Change, error) { _, _, ch, err := p.planProfile(i); return ch, err })
}

// --- device preparation ---

// prepPlan resolves the file's i-th policy through prep.NewPlan. A device group or user group the file
// creates but the tenant does not have yet is planned as to be created (pending); replace is the mode
// changing (another template).
func (p *planner) prepPlan(i int) (pp *prep.Plan, pending []string, replace *prep.Policy, err error) {
	spec := p.l.File.DevicePreparation[i].Spec
	m, timeout, _, err := spec.Check()
	if err != nil {
		return nil, nil, nil, &InputError{Err: p.l.Errorf(SectionPrep, i, "", "%v", err)}
	}
	if p.l.GroupIndex(spec.DeviceGroup) >= 0 && p.groupIDs[strings.ToLower(spec.DeviceGroup)] == nil {
		spec.CreateDeviceGroup = true
	}
	spec.UserGroups = slices.DeleteFunc(slices.Clone(spec.UserGroups), func(n string) bool {
		if p.groupIDs[strings.ToLower(n)] == nil {
			pending = append(pending, n)
			return true
		}
		return false
	})
	cur, err := prep.Current(p.ctx, p.c, spec.Name)
	if err != nil {
		return nil, nil, nil, p.refusal(SectionPrep, i, "name", err)
	}
	if cur == nil || Marked(cur.Description) {
		spec.Description = p.withMarker(spec.Description)
	}
	pp, err = prep.NewPlan(p.ctx, p.c, p.reader, spec, m, timeout, true)
	var conflict *prep.ConflictError
	if errors.As(err, &conflict) && cur != nil && cur.Mode != m {
		return nil, pending, cur, nil
	}
	if err != nil {
		return nil, nil, nil, p.refusal(SectionPrep, i, prepKey(err), err)
	}
	pp.ExactUserGroups = true
	return pp, pending, nil, nil
}

// prepKey is the file key a device-preparation refusal names (deviceGroup, userGroups, …); "" for several.
func prepKey(err error) string {
	var fe *prep.FieldError
	var ge *prep.GroupError
	if _, several := err.(interface{ Unwrap() []error }); several {
		return ""
	}
	if errors.As(err, &ge) {
		return ge.Field
	}
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func (p *planner) planPreps(plan *Plan) error {
	for i, d := range p.l.File.DevicePreparation {
		ch := &Change{Kind: KindPrep, Name: d.Name, section: SectionPrep, index: i}
		pp, pending, old, err := p.prepPlan(i)
		if err != nil {
			return err
		}
		if old != nil {
			ch.ID, ch.Action = old.ID, Replace
			ch.Reason = fmt.Sprintf("its mode changes from %s to %s (another policy template)", old.Mode.Word(), modeWord(d.Mode)) + notMade(old.Description)
			plan.add(ch)
			continue
		}
		rep := prep.Apply(p.ctx, p.c, p.reader, pp, prep.ApplyOptions{DryRun: true})
		created := pp.Current == nil
		if !created {
			ch.ID = pp.Current.ID
		}
		for _, st := range rep.Steps {
			if st.Step == "servicePrincipal" || st.Step == "deviceGroup" && pp.DeviceGroup == nil {
				continue // the groups section (or the policy's create) makes these
			}
			if st.Step == "deviceGroup" && len(st.Changes) > 0 {
				if p.l.GroupIndex(d.DeviceGroup) < 0 { // else the group's own change adds the owner, and says so
					ch.Fields = append(ch.Fields, Field{Path: "deviceGroup.owners", From: st.Changes[0].From, To: st.Changes[0].To})
				}
				continue
			}
			if !created {
				for _, f := range p.namedGroups(fields(st.Changes)) {
					if f.Path == "deviceGroup" && f.To == prep.NoGroup && d.DeviceGroup != "" {
						f.To = d.DeviceGroup // a group apply makes first (the bound one was deleted, say)
					}
					ch.Fields = append(ch.Fields, f)
				}
			}
		}
		if len(pending) > 0 && !created {
			ch.Fields = append(ch.Fields, Field{Path: "userGroups", From: p.namesOf(pp.Current.UserGroupIDs), To: append(slices.Clone(d.UserGroups), pending...)})
		}
		ch.Action = action(created, ch.Fields)
		plan.add(ch)
	}
	return nil
}

// namedGroups shows the groups of a policy's deviceGroup and userGroups changes by name, as the file does.
func (p *planner) namedGroups(fs []Field) []Field {
	for i, f := range fs {
		if f.Path != "deviceGroup" && f.Path != "userGroups" {
			continue
		}
		for _, v := range []*any{&fs[i].From, &fs[i].To} {
			switch x := (*v).(type) {
			case string:
				*v = p.groupName(x)
			case []string:
				*v = p.namesOf(x)
			}
		}
	}
	return fs
}

func (p *planner) namesOf(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		out = append(out, p.groupName(id))
	}
	return out
}

// groupName is the name of the group with id, from what the plan has read or else read now; the id itself
// when it is not a group's.
func (p *planner) groupName(id string) string {
	if !graph.IsGUID(id) {
		return id
	}
	if n, ok := p.knownNames()[id]; ok {
		return n
	}
	if g, err := groups.Get(p.ctx, p.c, id); err == nil {
		p.names[id] = g.DisplayName
		return g.DisplayName
	}
	return id
}

func modeWord(m string) string {
	if mode, err := prep.ParseMode(m); err == nil {
		return mode.Word()
	}
	return m
}

// --- prune ---

// planPrune lists the objects carrying this layout's marker (exactly: another layout's objects are that
// layout's to prune) that the file no longer has, in the order they would be deleted: policies, profiles, ESPs,
// then groups.
func (p *planner) planPrune(plan *Plan) error {
	// The file's objects as the plan found them: by name, or by id for an entry that names one by id (as a
	// plan refusing two objects of one name asks).
	planned := map[string]bool{}
	for _, ch := range plan.all {
		if ch.ID != "" {
			planned[strings.ToLower(ch.ID)] = true
		}
	}
	listed := func(names []string, name string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
	}
	mine := func(description string) bool { return markerOf(description) == p.l.marker() }
	var names []string
	for _, d := range p.l.File.DevicePreparation {
		names = append(names, d.Name)
	}
	policies, err := prep.List(p.ctx, p.c)
	if err != nil {
		return err
	}
	for _, pol := range policies {
		if mine(pol.Description) && !listed(names, pol.Name) && !planned[strings.ToLower(pol.ID)] {
			plan.add(&Change{Kind: KindPrep, Name: pol.Name, ID: pol.ID, Action: Delete})
		}
	}
	names = nil
	for _, d := range p.l.File.Profiles {
		names = append(names, d.DisplayName)
	}
	if p.profiles == nil { // not read: the file has none, and this is no --prune
		if p.profiles, err = enrollment.ListProfiles(p.ctx, p.c, false); err != nil {
			return err
		}
	}
	for _, o := range p.profiles {
		if mine(str(o.Props["description"])) && !listed(names, o.DisplayName) && !planned[strings.ToLower(o.ID)] {
			plan.add(&Change{Kind: KindProfile, Name: o.DisplayName, ID: o.ID, Action: Delete})
		}
	}
	names = nil
	for _, d := range p.l.File.ESPs {
		names = append(names, d.DisplayName)
	}
	if p.esps == nil {
		if p.esps, err = enrollment.ListESPs(p.ctx, p.c, false); err != nil {
			return err
		}
	}
	for _, o := range p.esps {
		if !o.Default && mine(str(o.Props["description"])) && !listed(names, o.DisplayName) && !planned[strings.ToLower(o.ID)] {
			plan.add(&Change{Kind: KindESP, Name: o.DisplayName, ID: o.ID, Action: Delete})
		}
	}
	if !p.prune {
		// Without --prune only the count is wanted, and listing every group of a large tenant on each plan
		// costs a request per 999: groups are left out of it.
		return nil
	}
	if err := p.checkPrioritiesAfterPrune(plan); err != nil {
		return err
	}
	names = nil
	for _, d := range p.l.File.Groups {
		names = append(names, d.DisplayName)
	}
	for _, r := range p.l.refs() { // a group the file still assigns, excludes or binds is in use, listed or not
		names = append(names, r.name)
	}
	kept := p.keptTargets() // and so is one an object the file lists keeps, its assignments left as they are
	var candidates []*groups.Group
	err = groups.List(p.ctx, p.c, func(g *groups.Group) error {
		if mine(g.Description) && !listed(names, g.DisplayName) && !kept[strings.ToLower(g.ID)] {
			candidates = append(candidates, g)
		}
		return nil
	})
	if err != nil || len(candidates) == 0 {
		return err
	}
	users, err := p.groupUsers()
	if err != nil {
		return err
	}
	deleted := func(id string) bool {
		return slices.ContainsFunc(plan.all, func(ch *Change) bool { return ch.Action == Delete && ch.ID == id })
	}
	for _, g := range candidates {
		if u := users.Blocker(g.ID, deleted); u != "" {
			// Deleting it would leave that object assigned to a group that no longer exists.
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("group %s is not pruned: %s still uses it", safetext.Quote(g.DisplayName), u))
			continue
		}
		plan.add(&Change{Kind: KindGroup, Name: g.DisplayName, ID: g.ID, Action: Delete})
	}
	return nil
}

// groupUsers is who uses which group now (pkg/usage). A kind of object that can't be listed fails the plan:
// any of them might use a group prune would delete.
func (p *planner) groupUsers() (*usage.Index, error) {
	x, err := usage.Read(p.ctx, p.c)
	if err == nil && len(x.Unread) > 0 {
		err = fmt.Errorf("can't tell which groups are in use: %s could not be read", x.Unread[0])
	}
	return x, err
}

// checkPrioritiesAfterPrune refuses an ESP priority that only fits before --prune deletes ESPs: the places
// are the ESPs the tenant will have once the plan's deletions are done.
func (p *planner) checkPrioritiesAfterPrune(plan *Plan) error {
	places := 0
	for _, e := range p.esps {
		if !e.Default {
			places++
		}
	}
	for _, ch := range plan.all {
		switch {
		case ch.Kind != KindESP:
		case ch.Action == Delete:
			places--
		case ch.Action == Create:
			places++
		}
	}
	for i, e := range p.l.File.ESPs {
		if e.Priority != nil && *e.Priority > places {
			return &InputError{Err: p.l.Errorf(SectionESPs, i, "priority", "priority %d is past the last place: with --prune the tenant will have %d Enrollment Status Pages besides the default, so this one takes 1 to %d",
				*e.Priority, places, places)}
		}
	}
	return nil
}

// keptTargets are the ids (lower-cased) of the groups the tenant's assignments of the file's ESPs and
// profiles target where the file leaves those assignments as they are.
func (p *planner) keptTargets() map[string]bool {
	kept := map[string]bool{}
	add := func(ts []enrollment.Target) {
		for _, t := range ts {
			if t.GroupID != "" {
				kept[strings.ToLower(t.GroupID)] = true
			}
		}
	}
	for i, e := range p.l.File.ESPs {
		if cur, _ := enrollment.FindESP(p.esps, e.DisplayName); cur != nil && !p.l.ownsAssignments(SectionESPs, i) {
			add(cur.Assignments)
		}
	}
	for i, pr := range p.l.File.Profiles {
		if cur, _ := enrollment.FindProfile(p.profiles, pr.DisplayName); cur != nil && !p.l.ownsAssignments(SectionProfiles, i) {
			add(cur.Assignments)
		}
	}
	return kept
}

// IsInput reports whether err means the file must change (exit 2): a yamlfile problem or an *InputError.
func IsInput(err error) bool {
	var ie *InputError
	var ye *yamlfile.Error
	var yes yamlfile.Errors
	return errors.As(err, &ie) || errors.As(err, &ye) || errors.As(err, &yes)
}
