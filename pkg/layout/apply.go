package layout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Report is what an apply did, object by object in the plan's order.
type Report struct {
	Objects []*result.Change `json:"objects"`
	Summary result.Summary   `json:"summary"`
	Message string           `json:"message,omitempty"`
	// Warnings are the plan's (Plan.Warnings), for -o json: a profile losing devices to an older one.
	Warnings []string `json:"warnings,omitempty"`
}

// ApplyOptions are how Apply runs.
type ApplyOptions struct {
	// Sleep waits between read-backs of objects the service has not replicated yet.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress, when set, hears of each object before it is applied.
	Progress func(done, total int, ch *Change)
	// AppOnly says the token is application-only: a 500 from binding a device group is then blamed on it.
	AppOnly bool
}

// Binds reports whether applying the plan binds a device group to a device-preparation policy
// (setEnrollmentTimeDeviceMembershipTarget), which Intune answers with 500 for app-only tokens
// (docs/graph.md#device-preparation-and-enrollment-time-grouping).
func (plan *Plan) Binds() bool {
	for _, ch := range plan.Changes {
		if ch.Kind != KindPrep || ch.Action == Delete {
			continue
		}
		if ch.Action != Update || slices.ContainsFunc(ch.Fields, func(f Field) bool { return f.Path == "deviceGroup" }) {
			return true
		}
	}
	return false
}

// Apply carries out plan in its order — groups, ESPs (create, priority, assign), profiles (create, assign),
// device preparation (device group owner, policy, binding, assignments), then deletions — through the domain
// packages' Apply functions. Groups are written as the plan read them (they refer to nothing the run makes);
// every other object is planned again against the tenant just before its writes, so references to groups
// created earlier in the run resolve. Objects the plan found unchanged send nothing. The
// first failure stops the run: the objects after it are reported pending, and the message says what was done.
func Apply(ctx context.Context, c *graph.Client, l *Layout, plan *Plan, opts ApplyOptions) *Report {
	p := newPlanner(ctx, c, l)
	rep := &Report{Warnings: plan.Warnings}
	failed := false
	var done []string
	for n, ch := range plan.all {
		entry := &result.Change{Kind: ch.Kind, Name: ch.Name, ID: ch.ID}
		rep.Objects = append(rep.Objects, entry)
		switch {
		case failed:
			entry.Status, entry.Message = result.Pending, "not done: an earlier object failed"
			continue
		case ch.Action == Unchanged:
			entry.Status = result.Unchanged
			if ch.section == SectionGroups {
				p.groupIDs[strings.ToLower(ch.Name)] = &groups.Group{ID: ch.ID, DisplayName: ch.Name}
			}
			continue
		}
		if opts.Progress != nil {
			opts.Progress(n, len(plan.all), ch)
		}
		if err := p.applyOne(ch, entry, opts); err != nil {
			entry.Status, entry.Error = result.Failed, err.Error()
		}
		if entry.Status == result.Failed {
			failed = true
			continue
		}
		if entry.Status == result.Unchanged && entry.Message == "" {
			// Planned again at its turn, it was already as asked: say why the plan's change wasn't needed.
			switch ch.Action {
			case Update, Replace:
				entry.Message = "already as the file asks when apply reached it: an earlier change of this run (an ESP taking another's place moves it) or someone else did it"
			case Create:
				entry.Message = "made by someone else since the plan, as the file asks"
			}
		}
		done = append(done, ch.Action+" "+describe(ch))
	}
	if !failed {
		if err := p.settlePriorities(rep); err != nil {
			failed = true
			rep.Objects = append(rep.Objects, &result.Change{Kind: KindESP, Name: "(priorities)", Status: result.Failed, Error: err.Error()})
		}
	}
	rep.Summary = result.Summarize(rep.Objects)
	if failed {
		what := "nothing"
		if len(done) > 0 {
			what = strings.Join(done, ", ")
		}
		rep.Message = "done: " + what + ". Fix the cause and run apply again: it plans against the tenant and picks up where this run stopped."
	}
	return rep
}

// NothingToDo is the report of an apply with nothing to do: every object of the plan, unchanged.
func NothingToDo(plan *Plan) *Report {
	rep := &Report{Warnings: plan.Warnings}
	for _, ch := range plan.all {
		rep.Objects = append(rep.Objects, &result.Change{Kind: ch.Kind, Name: ch.Name, ID: ch.ID, Status: result.Unchanged})
	}
	rep.Summary = result.Summarize(rep.Objects)
	return rep
}

// describe names an object in messages: its kind in words and its name.
func describe(ch *Change) string {
	return KindWord(ch.Kind) + " " + fmt.Sprintf("%q", ch.Name)
}

// KindWord is a kind as admins say it.
func KindWord(kind string) string {
	switch kind {
	case KindGroup:
		return "group"
	case KindESP:
		return "ESP"
	case KindProfile:
		return "profile"
	case KindPrep:
		return "device-preparation policy"
	}
	return kind
}

func (p *planner) applyOne(ch *Change, entry *result.Change, opts ApplyOptions) error {
	if ch.Action == Delete {
		return p.delete(ch, entry)
	}
	switch ch.section {
	case SectionGroups:
		return p.applyGroup(ch, entry, opts)
	case SectionESPs:
		return p.applyESP(ch.index, entry)
	case SectionProfiles:
		return p.applyProfile(ch.index, entry)
	case SectionPrep:
		return p.applyPrep(ch.index, entry, opts)
	}
	return fmt.Errorf("nothing applies %s", describe(ch))
}

// copyChange fills the report's entry from a domain package's result.
func copyChange(entry *result.Change, from *result.Change) error {
	name := entry.Name
	*entry = *from
	if entry.Name == "" {
		entry.Name = name
	}
	if entry.Status == result.Failed {
		return errors.New(entry.Error)
	}
	return nil
}

// applyGroup writes a group as the plan read it, except a create: the group is looked up again just before,
// since one made in the meantime (by hand, while apply waited for its answer) would otherwise be made twice.
func (p *planner) applyGroup(plan *Change, entry *result.Change, opts ApplyOptions) error {
	gp := plan.group
	if plan.Action == Create {
		if err := p.reads(func() (err error) { gp, err = p.planGroup(plan.index); return err }); err != nil {
			return err
		}
	}
	ch, err := groups.Apply(p.ctx, p.c, gp, groups.ApplyOptions{Sleep: opts.Sleep})
	if err != nil {
		return err
	}
	if ch.ID != "" {
		p.groupIDs[strings.ToLower(gp.Desired.DisplayName)] = &groups.Group{ID: ch.ID, DisplayName: gp.Desired.DisplayName}
	}
	return copyChange(entry, &ch.Change)
}

// reads runs f — an object's reads, never a write — under a snapshot of its own, so a read the planning of
// one object repeats is sent once.
func (p *planner) reads(f func() error) error {
	base := p.ctx
	p.ctx = graph.WithSnapshot(base)
	defer func() { p.ctx = base }()
	return f()
}

// resolveGroups makes sure every group reference is known (an earlier object of this run may have made it).
func (p *planner) resolveGroups() error {
	if err := p.resolveRefs(nil); err != nil {
		return err
	}
	for k, g := range p.groupIDs {
		if g == nil {
			return fmt.Errorf("group %q has no id: it was not created", k)
		}
	}
	return nil
}

func (p *planner) applyESP(i int, entry *result.Change) error {
	if err := p.resolveGroups(); err != nil {
		return err
	}
	removed := false // stale assignments were taken away: the ESP changed even if nothing else does
	for attempt := 0; ; attempt++ {
		var ep *enrollment.ESPPlan
		var stale []enrollment.Target
		err := p.reads(func() (err error) {
			if p.esps, err = enrollment.ListESPs(p.ctx, p.c, true); err == nil {
				ep, stale, _, err = p.planESP(i)
			}
			return err
		})
		if err != nil {
			return err
		}
		if len(stale) > 0 && attempt == 0 {
			// Assignments the file doesn't list go first; the ESP is then planned again from what is left.
			ch, err := enrollment.UnassignESP(p.ctx, p.c, ep.Current, stale, false)
			if err != nil {
				return err
			}
			if ch.Status == result.Failed {
				return copyChange(entry, &ch.Change)
			}
			removed = true
			continue
		}
		ch := enrollment.ApplyESP(p.ctx, p.c, ep, false)
		if err := copyChange(entry, &ch.Change); err != nil || !removed || entry.Status != result.Unchanged {
			return err
		}
		entry.Status = result.Updated // only assignments were removed
		return nil
	}
}

func (p *planner) applyProfile(i int, entry *result.Change) error {
	if err := p.resolveGroups(); err != nil {
		return err
	}
	removed := false // as in applyESP
	for attempt := 0; ; attempt++ {
		var pp *enrollment.ProfilePlan
		var stale []enrollment.Target
		err := p.reads(func() (err error) {
			if p.profiles, err = enrollment.ListProfiles(p.ctx, p.c, true); err == nil {
				pp, stale, _, err = p.planProfile(i)
			}
			return err
		})
		if err != nil {
			return err
		}
		if len(stale) > 0 && attempt == 0 {
			if ch := enrollment.UnassignProfile(p.ctx, p.c, pp.Current, stale, false); ch.Status == result.Failed {
				return copyChange(entry, &ch.Change)
			}
			removed = true
			continue
		}
		ch := enrollment.ApplyProfile(p.ctx, p.c, pp, false)
		if err := copyChange(entry, &ch.Change); err != nil || !removed || entry.Status != result.Unchanged {
			return err
		}
		entry.Status = result.Updated
		return nil
	}
}

func (p *planner) applyPrep(i int, entry *result.Change, opts ApplyOptions) error {
	if err := p.resolveGroups(); err != nil {
		return err
	}
	var pp *prep.Plan
	var old *prep.Policy
	err := p.reads(func() (err error) { pp, _, old, err = p.prepPlan(i); return err })
	if err != nil {
		return err
	}
	replaced := old != nil
	if replaced {
		// Another template: the policy can't be converted, so the old one goes and a new one is made.
		if err := prep.Delete(p.ctx, p.c, old.ID); err != nil {
			return fmt.Errorf("deleting the policy to replace it: %w", err)
		}
		if err := p.reads(func() (err error) { pp, _, _, err = p.prepPlan(i); return err }); err != nil {
			return err
		}
	}
	rep := prep.Apply(p.ctx, p.c, p.reader, pp, prep.ApplyOptions{Sleep: opts.Sleep, AppOnly: opts.AppOnly})
	entry.ID = rep.ID
	var changes []result.FieldChange
	status := result.Unchanged
	for _, st := range rep.Steps {
		changes = append(changes, st.Changes...)
		switch {
		case st.Status == result.Failed:
			return fmt.Errorf("%s: %s", st.Step, st.Error)
		case st.Step == "policy" && st.Status == result.Created:
			status = result.Created
		case status == result.Unchanged && (st.Status == result.Created || st.Status == result.Updated):
			status = result.Updated
		}
	}
	entry.Changes, entry.Status = changes, status
	if replaced {
		entry.Status, entry.Message = result.Replaced, "replaced "+old.ID
	}
	if v := rep.Verification; v != nil && !v.OK {
		var failed []string
		for _, c := range v.Checks {
			if !c.OK {
				failed = append(failed, c.Name+": "+c.Detail)
			}
		}
		return fmt.Errorf("read back as prep verify does: %s", strings.Join(failed, "; "))
	}
	return nil
}

// delete removes an object the file no longer lists; the plan only offers marked ones.
//
// Each object is read again first and deleted only if its description still carries the file's marker: the plan may
// be old (apply waits for its answer), and an object someone has taken over since is theirs.
func (p *planner) delete(ch *Change, entry *result.Change) (err error) {
	taken := func(description string) bool {
		if markerOf(description) == p.l.marker() {
			return false
		}
		entry.Status, entry.Message = result.Unchanged, "not deleted: its description no longer carries "+p.l.marker()+" (changed since the plan)"
		return true
	}
	var gn *groups.NotFoundError
	var pn *prep.NotFoundError
	var en *enrollment.NotFoundError
	defer func() {
		if errors.As(err, &gn) || errors.As(err, &pn) || errors.As(err, &en) {
			entry.Status, entry.Message, err = result.Unchanged, "already gone", nil
		}
	}()
	switch ch.Kind {
	case KindPrep:
		pol, err := prep.Get(p.ctx, p.c, ch.ID)
		if err != nil || taken(pol.Description) {
			return err
		}
		if err := prep.Delete(p.ctx, p.c, ch.ID); err != nil {
			return err
		}
	case KindProfile:
		list, err := enrollment.ListProfiles(p.ctx, p.c, true)
		if err != nil {
			return err
		}
		pr, err := enrollment.FindProfile(list, ch.ID)
		if err != nil || taken(str(pr.Props["description"])) {
			return err
		}
		if d := enrollment.DeleteProfile(p.ctx, p.c, pr, false); d.Status == result.Failed {
			return errors.New(d.Error)
		}
	case KindESP:
		list, err := enrollment.ListESPs(p.ctx, p.c, false)
		if err != nil {
			return err
		}
		e, err := enrollment.FindESP(list, ch.ID)
		if err != nil || taken(str(e.Props["description"])) {
			return err
		}
		d, err := enrollment.DeleteESP(p.ctx, p.c, e, false)
		if err != nil {
			return err
		}
		if d.Status == result.Failed {
			return errors.New(d.Error)
		}
	case KindGroup:
		g, err := groups.Get(p.ctx, p.c, ch.ID)
		if err != nil || taken(g.Description) {
			return err
		}
		// Who uses it now, after the run's other deletions (someone may have assigned it since the plan).
		if p.usersNow == nil {
			if p.usersNow, err = p.groupUsers(); err != nil {
				return err
			}
		}
		if u := p.usersNow.Blocker(ch.ID, nil); u != "" {
			entry.Status, entry.Message = result.Unchanged, "not deleted: "+u+" uses it now"
			return nil
		}
		if err := groups.Delete(p.ctx, p.c, ch.ID); err != nil {
			return err
		}
	}
	entry.Status = result.Deleted
	return nil
}

// settlePriorities puts every ESP where the file says, once all are written. Each ESP's place was set as it
// was applied, but the service moves the ESPs at and after a place down when another takes it, and closes the
// gap a deleted one leaves (docs/graph.md#enrollment-status-page): an ESP moved to a later place, or --prune,
// can shift one placed earlier in the run. So it lists the ESPs again, works out the whole order — the file's
// ESPs at their places, the others in the remaining places in their present order — and from the first place
// on moves each ESP that is not where that order puts it. Nothing is sent when all are in place.
func (p *planner) settlePriorities(rep *Report) error {
	want := map[string]int{} // lower-cased ESP id → place; an entry may name its ESP by id
	for _, e := range p.l.File.ESPs {
		for _, o := range rep.Objects {
			if e.Priority != nil && o.Kind == KindESP && o.ID != "" && (strings.EqualFold(o.Name, e.DisplayName) || strings.EqualFold(o.ID, e.DisplayName)) {
				want[strings.ToLower(o.ID)] = *e.Priority
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	list, err := enrollment.ListESPs(p.ctx, p.c, false)
	if err != nil {
		return err
	}
	cur := slices.DeleteFunc(list, func(e *enrollment.ESP) bool { return e.Default })
	slices.SortStableFunc(cur, func(a, b *enrollment.ESP) int { return a.Priority - b.Priority })
	was := map[string]int{}
	for _, e := range cur {
		was[e.ID] = e.Priority
	}
	order := make([]*enrollment.ESP, len(cur))
	var rest []*enrollment.ESP
	for _, e := range cur {
		n, ok := want[strings.ToLower(e.ID)]
		if !ok || n < 1 || n > len(order) || order[n-1] != nil {
			rest = append(rest, e)
			continue
		}
		order[n-1] = e
	}
	for i := range order {
		if order[i] == nil {
			order[i], rest = rest[0], rest[1:]
		}
	}
	moved := false
	for k, e := range order {
		_, fileSays := want[strings.ToLower(e.ID)]
		if cur[k].ID == e.ID && (!fileSays || e.Priority == k+1) {
			continue // in place (the file's own ESPs: at the very number)
		}
		if err := enrollment.SetPriority(p.ctx, p.c, e.ID, k+1); err != nil {
			return fmt.Errorf("moving ESP %s to priority %d: %w", safetext.Quote(e.DisplayName), k+1, err)
		}
		moved = true
		p.notePriority(rep, e, was[e.ID], k+1)
		j := slices.IndexFunc(cur, func(x *enrollment.ESP) bool { return x.ID == e.ID })
		cur = slices.Insert(slices.Delete(cur, j, j+1), k, e)
		for i, x := range cur[k:] {
			x.Priority = k + 1 + i // the service moves those after it down
		}
	}
	if !moved {
		return nil
	}
	// Read back: the places are what the tenant says, not what this run expects of the service.
	if list, err = enrollment.ListESPs(p.ctx, p.c, false); err != nil {
		return err
	}
	for _, e := range list {
		if n, ok := want[strings.ToLower(e.ID)]; ok && e.Priority != n {
			return fmt.Errorf("ESP %s is at priority %d after it was moved to %d: run apply again", safetext.Quote(e.DisplayName), e.Priority, n)
		}
	}
	return nil
}

// notePriority records a settled place on the ESP's report entry: an ESP left unchanged by its own step
// is updated after all, and one the file doesn't list gets an entry of its own (it moved to keep the file's
// ESPs at their places).
func (p *planner) notePriority(rep *Report, e *enrollment.ESP, from, to int) {
	change := result.FieldChange{Field: "priority", From: from, To: to}
	for _, o := range rep.Objects {
		if o.Kind == KindESP && strings.EqualFold(o.ID, e.ID) {
			if o.Status == result.Unchanged {
				o.Status = result.Updated
			}
			o.Changes = append(o.Changes, change)
			return
		}
	}
	rep.Objects = append(rep.Objects, &result.Change{Kind: KindESP, Name: e.DisplayName, ID: e.ID, Status: result.Updated,
		Changes: []result.FieldChange{change}, Message: "not in the file: moved to keep the file's ESPs at their places"})
}
