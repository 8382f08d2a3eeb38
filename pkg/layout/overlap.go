package layout

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/words"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// A device in the groups of several deployment profiles gets the oldest of them (docs/graph.md#deployment-profiles).
// After apply, the file's profiles and the tenant's others hold their targets side by side; overlaps says, for
// each profile that would lose devices that way, to which profile and how many — where the file lists at least
// one of the two: the tenant's other overlaps are not this file's to explain. Group contents are what the
// groups will hold: a dynamic group's rule is evaluated over the tenant's Autopilot devices (the group
// preview), so a group the file creates or changes counts too; an assigned group counts its members.

// endProfile is a profile as apply leaves it.
type endProfile struct {
	name             string
	created          time.Time // zero for one apply creates (or replaces): newer than every other
	order            int       // apply's order among the new ones
	inFile           bool
	all              bool     // assigned to All Devices
	include, exclude []string // group keys (see groupKey)
}

// overlaps words as warnings what the plan does to which profile devices get: devices a profile targets now
// that no profile would target after apply, and devices several profiles target, which go to the oldest.
func (p *planner) overlaps(plan *Plan) ([]string, error) {
	end := p.endProfiles(plan)
	targeting := slices.DeleteFunc(slices.Clone(end), func(e endProfile) bool { return len(e.include) == 0 })
	pairs := len(targeting) >= 2 && slices.ContainsFunc(targeting, func(e endProfile) bool { return e.inFile })
	// A profile's targets change, or what a group holds.
	cover := slices.ContainsFunc(plan.all, func(ch *Change) bool {
		return ch.Action != Unchanged && (ch.Kind == KindProfile || ch.Kind == KindGroup && ch.Action != Create)
	})
	if !pairs && !cover {
		return nil, nil
	}
	devices, err := autopilot.ListDevices(p.ctx, p.c, autopilot.Filter{})
	if err != nil || len(devices) == 0 {
		return nil, err
	}
	sets := &deviceSets{p: p, devices: devices, byKey: map[string]map[string]bool{}}
	var out []string
	if cover {
		if out, err = p.uncovered(end, sets); err != nil {
			return nil, err
		}
	}
	if pairs {
		contested, err := p.contested(targeting, sets)
		if err != nil {
			return nil, err
		}
		out = append(out, contested...)
	}
	if len(sets.doubtful) > 0 {
		out = append(out, fmt.Sprintf("devices that profiles target through %s are not counted: %s can't be evaluated here (it reads what an Autopilot device's record doesn't say, or doesn't parse)",
			strings.Join(sets.doubtful, ", "), words.Plural(len(sets.doubtful), "its rule", "their rules")))
	}
	return out, nil
}

// uncovered warns of devices some profile targets now that none would after apply: they would set up
// without Autopilot's profile.
func (p *planner) uncovered(end []endProfile, sets *deviceSets) ([]string, error) {
	var now []endProfile
	for _, o := range p.profiles {
		e := endProfile{all: hasAllDevices(o)}
		e.include, e.exclude = p.tenantTargets(o)
		now = append(now, e)
	}
	// Before: the groups as the tenant holds them now; after: as the file makes them.
	before, err := (&deviceSets{p: p, devices: sets.devices, byKey: map[string]map[string]bool{}, now: true}).covered(now)
	if err != nil {
		return nil, err
	}
	after, err := sets.covered(end)
	if err != nil {
		return nil, err
	}
	n := 0
	for d := range before {
		if !after[d] {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	return []string{fmt.Sprintf("%d %s that a deployment profile targets now would have none after apply: they would set up without Autopilot's profile",
		n, words.Plural(n, "device", "devices"))}, nil
}

func hasAllDevices(o *enrollment.Profile) bool {
	return slices.ContainsFunc(o.Assignments, func(t enrollment.Target) bool { return t.Kind == enrollment.AllDevices })
}

// contested warns, for each profile that would lose devices to an older one targeting them too, to which
// and how many.
func (p *planner) contested(profiles []endProfile, sets *deviceSets) ([]string, error) {
	var err error
	// Included devices first; exclusions are read only for devices more than one profile includes.
	in := make([]map[string]bool, len(profiles))
	holders := map[string][]int{}
	for i, pr := range profiles {
		if in[i], err = sets.union(pr.include); err != nil {
			return nil, err
		}
		for d := range in[i] {
			holders[d] = append(holders[d], i)
		}
	}
	lost := map[int]map[int]int{}                      // loser → winner → devices
	excluded := make([]map[string]bool, len(profiles)) // each profile's exclusions, read when first needed
	for d, hs := range holders {
		if len(hs) < 2 {
			continue
		}
		var keep []int
		for _, i := range hs {
			if excluded[i] == nil {
				if excluded[i], err = sets.union(profiles[i].exclude); err != nil {
					return nil, err
				}
			}
			if !excluded[i][d] {
				keep = append(keep, i)
			}
		}
		if len(keep) < 2 {
			continue
		}
		sort.SliceStable(keep, func(a, b int) bool { return older(profiles[keep[a]], profiles[keep[b]]) }) // ties: in order
		for _, loser := range keep[1:] {
			if lost[loser] == nil {
				lost[loser] = map[int]int{}
			}
			lost[loser][keep[0]]++
		}
	}
	var out []string
	for _, loser := range slices.Sorted(maps.Keys(lost)) {
		for _, winner := range slices.Sorted(maps.Keys(lost[loser])) {
			if !profiles[loser].inFile && !profiles[winner].inFile {
				continue
			}
			n := lost[loser][winner]
			out = append(out, fmt.Sprintf("deployment profile %s: %d %s it targets get %s instead, which targets them too and is older (a device in the groups of several profiles gets the oldest)",
				safetext.Quote(profiles[loser].name), n, words.Plural(n, "device", "devices"), safetext.Quote(profiles[winner].name)))
		}
	}
	return out, nil
}

// older orders profiles as the service does: by creation, the tenant's before those apply makes, which come in
// apply's order.
func older(a, b endProfile) bool {
	switch {
	case a.created.IsZero() != b.created.IsZero():
		return !a.created.IsZero()
	case a.created.IsZero():
		return a.order < b.order
	}
	return a.created.Before(b.created)
}

// endProfiles are the file's profiles as apply leaves them (with the tenant's assignments where the file
// leaves those as they are), then the tenant's profiles the file doesn't list (and the plan doesn't delete),
// each with the groups it includes and excludes.
func (p *planner) endProfiles(plan *Plan) []endProfile {
	var out []endProfile
	inFile, inFileIDs := map[string]bool{}, map[string]bool{}
	for i, fp := range p.l.File.Profiles {
		inFile[strings.ToLower(fp.DisplayName)] = true
		e := endProfile{name: fp.DisplayName, order: i, inFile: true}
		cur, _ := enrollment.FindProfile(p.profiles, fp.DisplayName)
		if cur != nil && !replaced(plan, fp.DisplayName) {
			e.created = cur.Created()
		}
		if cur != nil {
			inFileIDs[strings.ToLower(cur.ID)] = true
		}
		switch {
		case p.l.ownsAssignments(SectionProfiles, i):
			e.all = fp.AllDevices
			for _, n := range fp.Assign {
				e.include = append(e.include, p.groupKey("", n))
			}
			for _, n := range fp.Exclude {
				e.exclude = append(e.exclude, p.groupKey("", n))
			}
		case cur != nil:
			e.all = hasAllDevices(cur)
			e.include, e.exclude = p.tenantTargets(cur)
		}
		out = append(out, e)
	}
	for _, o := range p.profiles {
		if inFile[strings.ToLower(o.DisplayName)] || inFileIDs[strings.ToLower(o.ID)] || deleted(plan, o.ID) {
			continue
		}
		e := endProfile{name: o.DisplayName, created: o.Created(), all: hasAllDevices(o)}
		e.include, e.exclude = p.tenantTargets(o)
		out = append(out, e)
	}
	return out
}

// tenantTargets are the group keys a tenant profile's assignments include and exclude.
func (p *planner) tenantTargets(o *enrollment.Profile) (include, exclude []string) {
	for _, t := range o.Assignments {
		switch t.Kind {
		case enrollment.Include:
			include = append(include, p.groupKey(t.GroupID, ""))
		case enrollment.Exclude:
			exclude = append(exclude, p.groupKey(t.GroupID, ""))
		}
	}
	return include, exclude
}

func replaced(plan *Plan, name string) bool {
	return slices.ContainsFunc(plan.all, func(ch *Change) bool { return ch.Kind == KindProfile && ch.Action == Replace && ch.Name == name })
}

func deleted(plan *Plan, id string) bool {
	return slices.ContainsFunc(plan.all, func(ch *Change) bool { return ch.Action == Delete && ch.ID == id })
}

// groupKey names a group for deviceSets: "id:<id>" for a group the tenant holds, "name:<name>" for one
// the file creates.
func (p *planner) groupKey(id, name string) string {
	if id == "" {
		if g := p.groupIDs[strings.ToLower(name)]; g != nil {
			id = g.ID
		}
	}
	if id != "" {
		return "id:" + strings.ToLower(id)
	}
	return "name:" + strings.ToLower(name)
}

// deviceSets are the Autopilot device ids each group will hold, computed once per group.
type deviceSets struct {
	p        *planner
	devices  []autopilot.Device
	byKey    map[string]map[string]bool
	doubtful []string // groups whose rules read what an Autopilot device's record doesn't say
	now      bool     // what the groups hold now (the tenant's rules), not after apply (the file's)
}

// covered is every device the profiles target: All Devices, or their groups less their exclusions.
func (s *deviceSets) covered(profiles []endProfile) (map[string]bool, error) {
	out := map[string]bool{}
	for _, pr := range profiles {
		if pr.all {
			for _, d := range s.devices {
				out[d.ID] = true
			}
			continue
		}
		in, err := s.union(pr.include)
		if err != nil {
			return nil, err
		}
		ex, err := s.union(pr.exclude)
		if err != nil {
			return nil, err
		}
		for d := range in {
			if !ex[d] {
				out[d] = true
			}
		}
	}
	return out, nil
}

func (s *deviceSets) union(keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		set, err := s.of(k)
		if err != nil {
			return nil, err
		}
		for d := range set {
			out[d] = true
		}
	}
	return out, nil
}

// of is what the group will hold: the file's rule for it, else the tenant's rule, else its members.
func (s *deviceSets) of(key string) (map[string]bool, error) {
	if set, ok := s.byKey[key]; ok {
		return set, nil
	}
	set, err := s.compute(key)
	s.byKey[key] = set
	return set, err
}

func (s *deviceSets) compute(key string) (map[string]bool, error) {
	g, err := s.group(key)
	if err != nil {
		return nil, err
	}
	text := ""
	if i := s.fileIndex(key, g); i >= 0 && !s.now {
		d, err := s.p.l.File.Groups[i].Desired()
		if err != nil {
			return nil, err
		}
		if d.Dynamic {
			text = d.Rule
		}
	} else if g != nil {
		text = g.MembershipRule
	}
	if text != "" {
		r, err := rule.Parse(text)
		if err == nil {
			set := map[string]bool{}
			p := groups.Evaluate(r, text, s.devices)
			for _, d := range p.Devices {
				set[d.ID] = true
			}
			if len(p.Unknown) == 0 {
				return set, nil
			}
		}
		s.doubt(key, g)
	}
	set := map[string]bool{}
	if g == nil || g.Dynamic() && text != "" {
		return set, nil // a group still to be made holds nothing; a rule this can't evaluate, nothing known
	}
	byEntraID := map[string]string{}
	for _, d := range s.devices {
		if d.AzureAdDeviceID != "" {
			byEntraID[strings.ToLower(d.AzureAdDeviceID)] = d.ID
		}
	}
	err = groups.Members(s.p.ctx, s.p.c, g.ID, func(m groups.Member) error {
		if id, ok := byEntraID[strings.ToLower(m.DeviceID)]; ok && m.DeviceID != "" {
			set[id] = true
		}
		return nil
	})
	if groups.IsNotFound(err) {
		err = nil
	}
	return set, err
}

// doubt notes a group whose rule can't be evaluated here.
func (s *deviceSets) doubt(key string, g *groups.Group) {
	name := strings.TrimPrefix(key, "name:")
	if i := s.fileIndex(key, g); i >= 0 {
		name = s.p.l.File.Groups[i].DisplayName
	} else if g != nil {
		name = g.DisplayName
	}
	s.doubtful = append(s.doubtful, "group "+safetext.Quote(name))
}

// group is the tenant's group the key names, nil for one the file creates or one that no longer exists.
func (s *deviceSets) group(key string) (*groups.Group, error) {
	id, ok := strings.CutPrefix(key, "id:")
	if !ok {
		return nil, nil
	}
	for _, g := range s.p.groupIDs {
		if g != nil && strings.EqualFold(g.ID, id) {
			return g, nil
		}
	}
	g, err := groups.Get(s.p.ctx, s.p.c, id)
	if groups.IsNotFound(err) {
		return nil, nil
	}
	return g, err
}

// fileIndex is the file's group the key names, -1 when the file doesn't list it.
func (s *deviceSets) fileIndex(key string, g *groups.Group) int {
	if name, ok := strings.CutPrefix(key, "name:"); ok {
		return s.p.l.GroupIndex(name)
	}
	if g != nil {
		return s.p.l.GroupIndex(g.DisplayName)
	}
	return -1
}
