package enrollment

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/words"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
)

// Which deployment profile a device gets (docs/graph.md#deployment-profiles): the oldest of those whose groups
// include it and whose exclusion groups don't; only when there is none, the profile assigned to All Devices. A
// replacement is a new profile, so it loses every device an older group-targeted profile also includes.

// How an overlap is settled.
const (
	RuleAge        = "age"        // both include the devices through groups: the older profile gets them
	RuleAllDevices = "allDevices" // the other profile has them through All Devices only: the planned one gets them
	RuleGroupFirst = "groupFirst" // the planned profile has them through All Devices only: the other gets them
)

// Overlap is another deployment profile that targets some of the devices a planned profile targets.
type Overlap struct {
	Name, ID string
	Shared   string // the target both name (`group "X"`), "" when only their members overlap
	Devices  int    // devices both target; for a replacement, those assigned the profile now that this one would take
	Rule     string // RuleAge, RuleAllDevices or RuleGroupFirst
	Wins     bool   // this profile gets the shared devices
}

// Describe words the overlap for a warning or a refusal; self is the planned profile's name.
func (o Overlap) Describe(self string, replacing bool) string {
	other := "deployment profile " + safetext.Quote(o.Name)
	devices := fmt.Sprintf("%d %s", o.Devices, words.Plural(o.Devices, "device", "devices"))
	through := ""
	if o.Shared != "" {
		through = " (through " + o.Shared + ")"
	}
	if replacing {
		return fmt.Sprintf("%s assigned %s now would get %s instead%s: a replacement is the newest profile, and a device in the groups of several gets the oldest",
			devices, safetext.Quote(self), other, through)
	}
	what := fmt.Sprintf("%d of the same %s", o.Devices, words.Plural(o.Devices, "device", "devices"))
	if o.Devices == 0 && o.Shared != "" {
		what = o.Shared + " (no devices in it yet)"
	} else {
		what += through
	}
	switch o.Rule {
	case RuleAllDevices:
		return fmt.Sprintf("%s targets All Devices, which applies only to devices no group-targeted profile takes: %s comes before it for the %s it targets", other, safetext.Quote(self), devices)
	case RuleGroupFirst:
		return fmt.Sprintf("%s also targets %s through its groups, which come before All Devices: it gets them, not %s", other, what, safetext.Quote(self))
	}
	if o.Wins {
		return fmt.Sprintf("%s also targets %s and is older: it gets them, not %s", other, what, safetext.Quote(self))
	}
	return fmt.Sprintf("%s also targets %s and is newer: %s gets them", other, what, safetext.Quote(self))
}

// Created is when the profile was created; the zero time when the service did not say.
func (p *Profile) Created() time.Time {
	s, _ := p.Props["createdDateTime"].(string)
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// byAge sorts profiles oldest first; the listing's order breaks ties.
func byAge(list []*Profile) []*Profile {
	out := slices.Clone(list)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created().Before(out[j].Created()) })
	return out
}

// targetSet is what a set of assignments selects: All Devices, included groups, excluded groups.
type targetSet struct {
	all              bool
	include, exclude map[string]string // lower-cased group id → how to print it
}

func newTargetSet(ts []Target) targetSet {
	s := targetSet{include: map[string]string{}, exclude: map[string]string{}}
	for _, t := range ts {
		switch t.Kind {
		case AllDevices:
			s.all = true
		case Include:
			s.include[strings.ToLower(t.GroupID)] = t.String()
		case Exclude:
			s.exclude[strings.ToLower(t.GroupID)] = t.String()
		}
	}
	return s
}

// shared names a group both sets include that neither excludes.
func (s targetSet) shared(o targetSet) string {
	for _, id := range slices.Sorted(maps.Keys(s.include)) {
		_, in := o.include[id]
		_, outS := s.exclude[id]
		_, outO := o.exclude[id]
		if in && !outS && !outO {
			return "group " + safetext.Quote(s.include[id])
		}
	}
	return ""
}

// members caches group memberships as sets of Entra device ids (Autopilot's azureActiveDirectoryDeviceId).
type members struct {
	ctx  context.Context
	c    *graph.Client
	sets map[string]map[string]bool
}

func (m *members) of(groupID string) (map[string]bool, error) {
	if set, ok := m.sets[groupID]; ok {
		return set, nil
	}
	set := map[string]bool{}
	err := groups.Members(m.ctx, m.c, groupID, func(g groups.Member) error {
		if g.DeviceID != "" {
			set[strings.ToLower(g.DeviceID)] = true
		}
		return nil
	})
	if err != nil && !groups.IsNotFound(err) {
		return nil, err
	}
	m.sets[groupID] = set
	return set, nil
}

// inGroups reports whether s includes the device (by its Entra device id) through a group and excludes it
// through none.
func (m *members) inGroups(s targetSet, device string) (bool, error) {
	for id := range s.exclude {
		set, err := m.of(id)
		if err != nil || set[device] {
			return false, err
		}
	}
	for id := range s.include {
		set, err := m.of(id)
		if err != nil || set[device] {
			return set[device], err
		}
	}
	return false, nil
}

// devices lists the Entra device ids s includes through its groups.
func (m *members) devices(s targetSet) ([]string, error) {
	seen := map[string]bool{}
	for id := range s.include {
		set, err := m.of(id)
		if err != nil {
			return nil, err
		}
		for d := range set {
			if ok, err := m.inGroups(s, d); err != nil {
				return nil, err
			} else if ok {
				seen[d] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// Overlaps finds the other profiles of list that target devices the plan's profile would, reading group
// members. For a replacement it counts the devices assigned the profile now that another would get instead:
// those an older profile includes through its groups (every other profile is older than a replacement; the All
// Devices target moves with the replacement and still applies last). Otherwise it looks at the targets being
// added, counts the devices both profiles target and says which gets them. A profile that names the same group
// while the group is still empty is listed with Devices 0.
func Overlaps(ctx context.Context, c *graph.Client, list []*Profile, p *ProfilePlan) ([]Overlap, error) {
	cur := p.Current
	replacing := cur != nil && p.Replace != ""
	if len(p.NewTargets) == 0 && !replacing {
		return nil, nil
	}
	var after []Target
	if cur != nil {
		after = append(after, cur.Assignments...)
	}
	after = append(after, p.NewTargets...)
	names := map[string]string{}
	if err := NameGroups(ctx, c, after, names); err != nil {
		return nil, err
	}
	// asked is what the question is about: every target of a new profile or a replacement, else the targets
	// being added (with every exclusion the profile will have).
	asked := newTargetSet(after)
	if !replacing && cur != nil {
		s := newTargetSet(after[len(cur.Assignments):])
		s.exclude = asked.exclude
		asked = s
	}
	newest := cur == nil || replacing
	m := &members{ctx: ctx, c: c, sets: map[string]map[string]bool{}}
	var devices []string // the devices in question, by Entra device id
	if replacing {
		err := assignedDevices(ctx, c, cur.ID, func(_, aad string) error {
			devices = append(devices, strings.ToLower(aad))
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		var err error
		if devices, err = m.devices(asked); err != nil {
			return nil, err
		}
	}
	var out []Overlap
	claimed := map[string]bool{}
	for _, o := range byAge(list) {
		if cur != nil && o.ID == cur.ID || len(o.Assignments) == 0 {
			continue
		}
		if err := NameGroups(ctx, c, o.Assignments, names); err != nil {
			return nil, err
		}
		other := newTargetSet(o.Assignments)
		ov := Overlap{Name: o.DisplayName, ID: o.ID, Shared: asked.shared(other), Rule: RuleAge,
			Wins: newest || o.Created().Before(cur.Created())}
		ds := devices
		switch {
		case replacing:
		case other.all && len(other.include) == 0 && len(asked.include) > 0:
			ov.Rule, ov.Wins, ov.Devices = RuleAllDevices, false, len(devices)
			ds = nil
		case asked.all && len(asked.include) == 0:
			ov.Rule, ov.Wins = RuleGroupFirst, true
			var err error
			if ds, err = m.devices(other); err != nil { // every device its groups hold is ours too
				return nil, err
			}
		}
		for _, d := range ds {
			if claimed[d] {
				continue
			}
			ok, err := m.inGroups(other, d)
			if err != nil {
				return nil, err
			}
			if ok {
				ov.Devices++
				claimed[d] = replacing // a replaced profile's device goes to the oldest that includes it
			}
		}
		if ov.Devices > 0 || ov.Shared != "" && !replacing {
			out = append(out, ov)
		}
	}
	return out, nil
}

// assignedDevices pages through the Autopilot devices the profile is assigned to: their ids and Entra
// device ids.
func assignedDevices(ctx context.Context, c *graph.Client, profileID string, each func(id, aadDeviceID string) error) error {
	return c.List(ctx, profilesPath+"/"+escape(profileID)+"/assignedDevices?$select=id,azureActiveDirectoryDeviceId", func(raw json.RawMessage) error {
		var d struct {
			ID    string `json:"id"`
			AadID string `json:"azureActiveDirectoryDeviceId"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("reading a profile's assigned device from Graph: %w", err)
		}
		return each(d.ID, d.AadID)
	})
}
