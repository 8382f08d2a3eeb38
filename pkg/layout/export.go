package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Sections export can include: the short words, each with the file's own key for it.
var Sections = [][2]string{{"groups", SectionGroups}, {"esp", SectionESPs}, {"profiles", SectionProfiles}, {"prep", SectionPrep}}

// Section is the short word of an --include value, either the word itself or the file's key (any case); ok
// is false for anything else.
func Section(s string) (word string, ok bool) {
	for _, sec := range Sections {
		if strings.EqualFold(s, sec[0]) || strings.EqualFold(s, sec[1]) {
			return sec[0], true
		}
	}
	return "", false
}

// Exported is a tenant's layout with the ids of its objects, for comments.
type Exported struct {
	File File
	IDs  map[string]string // "section/name" → id
	// Left holds, by "section/name", what the tenant has that a file can't refer to — an assignment to a group
	// that no longer exists, a kind of target the file has no key for — written as comments above the object.
	// The file leaves it out, so plan of the export offers to remove it: "no changes" would hide it. Left also
	// says why an app or script is written by id, not by name (see exporter.byName).
	Left map[string][]string
	// noneLeft holds the objects whose every assignment was left out: they get `assign: []`, since without
	// the key the file would leave the tenant's assignments as they are.
	noneLeft map[string]bool
}

// setID keeps an object's id for its comment; two objects of one name get none (a comment can't tell them
// apart, and plan refuses the file until one is renamed).
func (ex *Exported) setID(key, id string) {
	if _, dup := ex.IDs[key]; dup {
		id = ""
	}
	ex.IDs[key] = id
}

// Notes are the comments of Left, one line each with the object they belong to, for messages.
func (ex *Exported) Notes() []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(ex.Left)) {
		for _, n := range ex.Left[k] {
			out = append(out, safetext.Escape(k)+": "+n)
		}
	}
	return out
}

// exporter holds what one export has read: groups by id, each read once.
type exporter struct {
	ctx    context.Context
	c      *graph.Client
	ex     *Exported
	groups map[string]*groups.Group // by id; nil for a group that no longer exists
	used   map[string]bool          // ids of the groups the file refers to
	descs  []string                 // descriptions as the tenant holds them: the layout's name (NameOf)
	named  map[string]namedRef      // "apps/ID", "scripts/ID" → how the file refers to it, found once
}

// namedRef is how the file refers to an app or a script: by name, or by id with a note why.
type namedRef struct{ ref, note string }

// group is the group with id, read once; nil when it no longer exists.
func (x *exporter) group(id string) (*groups.Group, error) {
	if g, ok := x.groups[id]; ok {
		return g, nil
	}
	var g *groups.Group
	var err error
	if graph.IsGUID(id) { // anything else no group can have: gone as far as the file is concerned
		if g, err = groups.Get(x.ctx, x.c, id); groups.IsNotFound(err) {
			g, err = nil, nil
		}
	}
	if err != nil {
		return nil, err
	}
	x.groups[id] = g
	return g, nil
}

// leave records something of object key ("section/name") the file can't say.
func (x *exporter) leave(key, format string, a ...any) {
	x.ex.Left[key] = append(x.ex.Left[key], safetext.Escape(fmt.Sprintf(format, a...)))
}

// checkName notes a name the file reader refuses (a tab, a control or format character: the one value rule,
// docs/architecture.md#inputs). The object is still written, so the file shows the whole tenant, but plan of
// it exits 2 at that line until the object is renamed in the tenant.
func (x *exporter) checkName(key, name string) {
	if err := safetext.Check("its name", name); err != nil {
		x.leave(key, "%v, which a layout file refuses: rename it in the tenant, then export again", err)
	}
}

// exportTargets are an object's assignments as the file says them.
type exportTargets struct {
	assign, exclude      []string
	allDevices, allUsers bool
}

// targets names an object's assignments for the file. Those it can't name are left (see Exported.Left): a
// group that no longer exists, a kind of target the file has no key for; users says whether allUsers is one.
// An assignment filter is left too: the file has no key for one.
func (x *exporter) targets(key string, ts []enrollment.Target, users bool) (out exportTargets, err error) {
	left := len(x.ex.Left[key])
	defer func() {
		if len(x.ex.Left[key]) > left && len(out.assign)+len(out.exclude) == 0 && !out.allDevices && !out.allUsers {
			x.ex.noneLeft[key] = true
		}
	}()
	for _, t := range ts {
		switch {
		case t.Kind == enrollment.AllDevices:
			out.allDevices = true
		case t.Kind == enrollment.AllUsers && users:
			out.allUsers = true
		case t.Kind == enrollment.Include || t.Kind == enrollment.Exclude:
			g, err := x.group(t.GroupID)
			if err != nil {
				return out, err
			}
			if g == nil {
				x.leave(key, "assignment %s left out: it %ss group %s, which no longer exists", t.ID, t.Kind, t.GroupID)
				continue
			}
			x.used[g.ID], t.GroupName = true, g.DisplayName
			if t.Kind == enrollment.Exclude {
				out.exclude = append(out.exclude, g.DisplayName)
			} else {
				out.assign = append(out.assign, g.DisplayName)
			}
		default:
			x.leave(key, "assignment %s left out: a layout file can't say its target (%s)", t.ID, t.String())
			continue
		}
		if f := filterOf(t); f != "" {
			x.leave(key, "assignment %s (%s): its assignment filter (%s) left out: a layout file can't say one; apply neither sets nor removes it", t.ID, t.String(), f)
		}
	}
	sort.Strings(out.assign)
	sort.Strings(out.exclude)
	return out, nil
}

// filterOf is the assignment filter a target read from the tenant carries ("include <id>"), "" for none.
func filterOf(t enrollment.Target) string {
	var f struct {
		ID   string `json:"deviceAndAppManagementAssignmentFilterId"`
		Type string `json:"deviceAndAppManagementAssignmentFilterType"`
	}
	if json.Unmarshal(t.Raw, &f) != nil || f.ID == "" {
		return ""
	}
	return strings.TrimSpace(f.Type + " " + f.ID)
}

// Export reads the tenant's layout: the groups Autopilot objects target and those whose rule selects
// Autopilot devices, every ESP (the default's settings under displayName "default", the others in priority
// order), profiles and device-preparation policies with their assignments, by name. Output is deterministic:
// a stable order, no timestamps, the ownership marker left out. include picks sections by their short words
// (Section; all when empty).
func Export(ctx context.Context, c *graph.Client, include []string) (*Exported, error) {
	want := func(s string) bool { return len(include) == 0 || slices.Contains(include, s) }
	ex := &Exported{IDs: map[string]string{}, Left: map[string][]string{}, noneLeft: map[string]bool{}}
	x := &exporter{ctx: ctx, c: c, ex: ex, groups: map[string]*groups.Group{}, used: map[string]bool{}, named: map[string]namedRef{}}
	if want("esp") {
		esps, err := enrollment.ListESPs(ctx, c, true)
		if err != nil {
			return nil, err
		}
		for _, e := range esps {
			var y ESP
			if err := fromProps(e.Props, &y.ESPSettings); err != nil {
				return nil, err
			}
			y.DisplayName = e.DisplayName
			if e.Default {
				y.DisplayName = enrollment.DefaultName
			} else {
				prio := e.Priority
				y.Priority = &prio
			}
			x.descs = append(x.descs, deref(y.Description))
			y.Description = markerless(y.Description)
			if t := y.InstallProgressTimeoutInMinutes; t != nil && *t == 0 {
				y.InstallProgressTimeoutInMinutes = nil // the default ESP's page-off 0, which no file may ask for
			}
			ts, err := x.targets(SectionESPs+"/"+y.DisplayName, e.Assignments, true)
			if err != nil {
				return nil, err
			}
			y.Assign, y.Exclude, y.AllDevices, y.AllUsers = ts.assign, ts.exclude, ts.allDevices, ts.allUsers
			x.checkName(SectionESPs+"/"+y.DisplayName, y.DisplayName)
			ex.File.ESPs = append(ex.File.ESPs, y)
			ex.setID(SectionESPs+"/"+y.DisplayName, e.ID)
		}
		sort.SliceStable(ex.File.ESPs, func(i, j int) bool { return espOrder(ex.File.ESPs[i]) < espOrder(ex.File.ESPs[j]) })
	}
	if want("profiles") {
		profiles, err := enrollment.ListProfiles(ctx, c, true)
		if err != nil {
			return nil, err
		}
		for _, p := range profiles {
			var y Profile
			if err := fromProps(p.Props, &y.ProfileSettings); err != nil {
				return nil, err
			}
			y.DisplayName, y.Join, y.Mode = p.DisplayName, p.Join, p.Mode
			if y.Locale != nil && *y.Locale == "" {
				*y.Locale = "user-select" // what the service holds as "" (docs/graph.md#deployment-profiles)
			}
			x.descs = append(x.descs, deref(y.Description))
			y.Description = markerless(y.Description)
			y.PreprovisioningAllowed = nil // the mode says it
			if o := y.OutOfBoxExperienceSetting; o != nil {
				o.DeviceUsageType = nil
				if p.Mode == enrollment.SelfDeploying {
					o.UserType = nil // a self-deploying profile has no user
				}
			}
			if p.Join != enrollment.JoinHybrid {
				y.HybridAzureADJoinSkipConnectivityCheck = nil
			}
			// A profile targets devices only: All users is a target the file has no key for.
			ts, err := x.targets(SectionProfiles+"/"+y.DisplayName, p.Assignments, false)
			if err != nil {
				return nil, err
			}
			y.Assign, y.Exclude, y.AllDevices = ts.assign, ts.exclude, ts.allDevices
			x.checkName(SectionProfiles+"/"+y.DisplayName, y.DisplayName)
			ex.File.Profiles = append(ex.File.Profiles, y)
			ex.setID(SectionProfiles+"/"+y.DisplayName, p.ID)
		}
		sort.SliceStable(ex.File.Profiles, func(i, j int) bool { return ex.File.Profiles[i].DisplayName < ex.File.Profiles[j].DisplayName })
	}
	if want("prep") {
		list, err := prep.List(ctx, c)
		if err != nil {
			return nil, err
		}
		r := prep.NewReader(c)
		for _, head := range list {
			pol, err := prep.Get(ctx, c, head.ID)
			if err != nil {
				return nil, err
			}
			x.descs = append(x.descs, pol.Description)
			y, err := x.prep(r, pol)
			if err != nil {
				return nil, err
			}
			x.checkName(SectionPrep+"/"+y.Name, y.Name)
			ex.File.DevicePreparation = append(ex.File.DevicePreparation, y)
			ex.setID(SectionPrep+"/"+y.Name, pol.ID)
		}
		sort.SliceStable(ex.File.DevicePreparation, func(i, j int) bool {
			return ex.File.DevicePreparation[i].Name < ex.File.DevicePreparation[j].Name
		})
	}
	if want("groups") {
		// Groups no included object refers to are kept when their rule selects Autopilot devices: a group-tag
		// group waiting for its profile is part of the layout.
		err := groups.List(ctx, c, func(g *groups.Group) error {
			if g.Dynamic() && g.TargetsAutopilot() {
				x.groups[g.ID], x.used[g.ID] = g, true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, id := range slices.Sorted(maps.Keys(x.used)) {
			g, err := x.group(id)
			if err != nil {
				return nil, err
			}
			x.descs = append(x.descs, g.Description)
			y, err := exportGroup(ctx, c, g)
			if err != nil {
				return nil, err
			}
			x.checkName(SectionGroups+"/"+y.DisplayName, y.DisplayName)
			ex.File.Groups = append(ex.File.Groups, y)
			ex.setID(SectionGroups+"/"+y.DisplayName, g.ID)
		}
		sort.SliceStable(ex.File.Groups, func(i, j int) bool { return ex.File.Groups[i].DisplayName < ex.File.Groups[j].DisplayName })
	}
	ex.File.Name = NameOf(x.descs)
	if ex.File.Name == "" {
		// Applied, a file without a name marks what it adopts with the plain marker: say whose objects it takes.
		var named []string
		for _, d := range x.descs {
			if m := markerOf(d); m != "" && m != Marker && !slices.Contains(named, m) {
				named = append(named, m)
			}
		}
		if len(named) > 0 {
			sort.Strings(named)
			ex.Left["layout"] = append(ex.Left["layout"], "objects carry the markers of several layouts ("+strings.Join(named, ", ")+
				"); this file has no name:, so applying it marks them all "+Marker+" (split the file by layout, with each one's name:, to keep them apart)")
		}
	}
	return ex, nil
}

// espOrder sorts the default ESP first, then by priority.
func espOrder(e ESP) int {
	if e.Priority == nil {
		return 0
	}
	return *e.Priority
}

// fromProps reads Graph's properties into settings whose JSON names are Graph's.
func fromProps(props map[string]any, v any) error {
	b, err := json.Marshal(props)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func markerless(s *string) *string {
	if s == nil {
		return nil
	}
	d := StripMarker(*s)
	if d == "" {
		return nil
	}
	return &d
}

func exportGroup(ctx context.Context, c *graph.Client, g *groups.Group) (Group, error) {
	x := Group{DisplayName: g.DisplayName, Description: StripMarker(g.Description)}
	if g.Dynamic() {
		x.setRule(g.MembershipRule)
		if strings.EqualFold(g.MembershipRuleProcessingState, groups.ProcessingPaused) {
			x.MembershipRuleProcessingState = groups.ProcessingPaused
		}
	}
	owners, err := groups.Owners(ctx, c, g.ID)
	if err != nil {
		return x, err
	}
	for _, o := range owners {
		if o.AppID != "" {
			x.Owners = append(x.Owners, strings.ToLower(o.AppID))
		}
	}
	sort.Strings(x.Owners)
	return x, nil
}

// ruleShorthands are the file's keys for the rules `group create` writes from a value: the physical-id type
// the value follows ("" for a profile name), the builder, and the key to set.
var ruleShorthands = []struct {
	prefix string
	build  func(string) string
	set    func(*Group, string)
}{
	{"[OrderID]:", rule.GroupTag, func(g *Group, v string) { g.GroupTag = v }},
	{"[PurchaseOrderId]:", rule.PurchaseOrder, func(g *Group, v string) { g.PurchaseOrder = v }},
	{"", rule.EnrollmentProfile, func(g *Group, v string) { g.EnrollmentProfile = v }},
}

// ruleString is a string in a rule's canonical form (double quotes, a backtick before " and `).
var ruleString = regexp.MustCompile("\"((?:[^\"`]|`.)*)\"")

// setRule writes a dynamic group's rule under the file's shorthand when it is a rule autopilotctl writes
// (group create --group-tag, --purchase-order, --enrollment-profile, --all-autopilot), else as it is. The
// service holds the rule as sent, but an admin may have retyped it: the rule the shorthand builds is
// compared with the tenant's as plan compares them (rule.Equivalent), so plan of the export reads no change.
func (g *Group) setRule(text string) {
	if rule.Equivalent(text, rule.AllAutopilotDevices()) {
		g.AllAutopilot = true
		return
	}
	if r, err := rule.Parse(text); err == nil {
		if m := ruleString.FindAllStringSubmatch(r.String(), 2); len(m) == 1 { // every shorthand has one value
			v := strings.NewReplacer("`\"", "\"", "``", "`").Replace(m[0][1])
			for _, s := range ruleShorthands {
				if val, ok := strings.CutPrefix(v, s.prefix); ok && val != "" && rule.Equivalent(text, s.build(val)) {
					s.set(g, val)
					return
				}
			}
		}
	}
	g.MembershipRule = text
}

// prep is a device-preparation policy as the file says it. A user group that no longer exists is left (see
// Exported.Left); a bound device group that no longer exists is an error, since the file must name one.
func (x *exporter) prep(r *prep.Reader, pol *prep.Policy) (Prep, error) {
	var y Prep
	s := &y.Spec
	key := SectionPrep + "/" + pol.Name
	s.Name, s.Description = pol.Name, StripMarker(pol.Description)
	s.Mode = "user-driven"
	if pol.Mode == prep.Automatic {
		s.Mode = "automatic"
	}
	b, err := r.Current(x.ctx, pol.ID)
	if err != nil && !errors.Is(err, prep.ErrUnverifiable) {
		return y, err
	}
	if b == nil || b.GroupID == "" {
		return y, fmt.Errorf("device-preparation policy %s has no device group bound; bind one with `prep update` before exporting", safetext.Quote(pol.Name))
	}
	g, err := x.group(b.GroupID)
	if err != nil {
		return y, err
	}
	if g == nil {
		return y, fmt.Errorf("device-preparation policy %s is bound to group %s, which no longer exists; bind another with `prep update` before exporting", safetext.Quote(pol.Name), safetext.Quote(b.GroupID))
	}
	s.DeviceGroup, x.used[g.ID] = g.DisplayName, true
	for _, id := range pol.UserGroupIDs {
		g, err := x.group(id)
		if err != nil {
			return y, err
		}
		if g == nil {
			x.leave(key, "assignment to user group %s left out: it no longer exists", id)
			continue
		}
		s.UserGroups, x.used[g.ID] = append(s.UserGroups, g.DisplayName), true
	}
	sort.Strings(s.UserGroups)
	st := pol.Settings
	resolveApp := func(nameOrID string) (string, string, error) {
		a, err := prep.ResolveApp(x.ctx, x.c, nameOrID)
		return a.ID, a.Name, err
	}
	resolveScript := func(nameOrID string) (string, string, error) {
		sc, err := prep.ResolveScript(x.ctx, x.c, nameOrID)
		return sc.ID, sc.Name, err
	}
	for _, a := range st.Apps {
		ref, err := x.byName(key, "app", a.ID, resolveApp)
		if err != nil {
			return y, err
		}
		s.Apps = append(s.Apps, ref)
	}
	for _, sc := range st.Scripts {
		ref, err := x.byName(key, "script", sc.ID, resolveScript)
		if err != nil {
			return y, err
		}
		s.Scripts = append(s.Scripts, ref)
	}
	if pol.Mode == prep.UserDriven {
		s.AccountType, s.AllowSkip, s.AllowDiagnostics = st.AccountType, st.AllowSkip, st.AllowDiagnostics
		s.Timeout = fmt.Sprintf("%dm", st.TimeoutMinutes)
		msg := st.ErrorMessage
		s.ErrorMessage = &msg
		s.Priority = pol.Priority
	}
	return y, nil
}

// byName is how the file refers to the app or script (what) with id: by its display name when plan's own
// resolver (prep.ResolveApp, prep.ResolveScript) takes that name back to this id — exactly one of them has
// it, and it doesn't read as an id — else by id, with a note on object key saying why.
func (x *exporter) byName(key, what, id string, resolve func(nameOrID string) (id, name string, err error)) (string, error) {
	k := what + "s/" + strings.ToLower(id)
	n, ok := x.named[k]
	if !ok {
		var err error
		if n, err = x.findName(what, id, resolve); err != nil {
			return "", err
		}
		x.named[k] = n
	}
	if n.note != "" {
		x.leave(key, "%s", n.note)
	}
	return n.ref, nil
}

func (x *exporter) findName(what, id string, resolve func(string) (string, string, error)) (namedRef, error) {
	byID := func(format string, a ...any) (namedRef, error) {
		return namedRef{id, fmt.Sprintf("%s %s is written by id: ", what, id) + fmt.Sprintf(format, a...)}, nil
	}
	var lookup *prep.LookupError
	_, name, err := resolve(id)
	switch {
	case errors.As(err, &lookup):
		return byID("it no longer exists, and plan refuses the file until it is removed from the policy")
	case err != nil:
		return namedRef{}, err
	case graph.IsGUID(name) || strings.TrimSpace(name) == "" || safetext.Check("name", name) != nil:
		return byID("its name %s can't name it in a file", safetext.Quote(name))
	}
	back, _, err := resolve(name)
	var amb *prep.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return byID("%d %ss are named %s", len(amb.IDs), what, safetext.Quote(name))
	case errors.As(err, &lookup):
		return byID("its name %s finds no %s", safetext.Quote(name), what)
	case err != nil:
		return namedRef{}, err
	case !strings.EqualFold(back, id):
		return byID("its name %s finds another %s (%s)", safetext.Quote(name), what, back)
	}
	return namedRef{ref: name}, nil
}

// Value is the export as -o json prints it: the document YAML writes, as plain maps and lists under the
// file's own keys (Go's field names and unpruned defaults would not read back), without the comments.
func (ex *Exported) Value() (any, error) {
	b, err := ex.YAML("")
	if err != nil {
		return nil, err
	}
	var v any
	return v, yaml.Unmarshal(b, &v)
}

// YAML writes the export as a layout file: the schema comment first, then the sections, each object's id
// as a comment on its name.
func (ex *Exported) YAML(schemaURL string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(ex.File); err != nil {
		return nil, err
	}
	sections := map[string]string{SectionGroups: "displayName", SectionESPs: "displayName", SectionProfiles: "displayName", SectionPrep: "name"}
	for section, key := range sections {
		seq := mapValue(&doc, section)
		if seq == nil {
			continue
		}
		for _, item := range seq.Content {
			for j := 0; j+1 < len(item.Content); j += 2 {
				if item.Content[j].Value == key {
					k := section + "/" + item.Content[j+1].Value
					if id := ex.IDs[k]; id != "" {
						item.Content[j+1].LineComment = "id " + safetext.Escape(id)
					}
					// Above the object: a comment on a key inside it reads as if about that key.
					item.HeadComment = strings.Join(ex.Left[k], "\n")
				}
			}
		}
	}
	prune(&doc)
	for section, key := range sections {
		for _, item := range nodeItems(mapValue(&doc, section)) {
			if name := mapValue(item, key); name != nil && ex.noneLeft[section+"/"+name.Value] {
				item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "assign"},
					&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle})
			}
		}
	}
	var sb strings.Builder
	if schemaURL != "" {
		sb.WriteString("# yaml-language-server: $schema=" + schemaURL + "\n")
	}
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return []byte(sb.String()), enc.Close()
}

// prune drops keys the export does not need to say: nulls (not asked), empty strings and lists, and
// false switches of device-preparation policies (their default).
func prune(n *yaml.Node) {
	for _, c := range n.Content {
		prune(c)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	kept := n.Content[:0]
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		empty := v.Tag == "!!null" || v.Kind == yaml.SequenceNode && len(v.Content) == 0 ||
			v.Tag == "!!str" && v.Value == "" && v.LineComment == "" ||
			v.Tag == "!!bool" && v.Value == "false" && (k.Value == "createDeviceGroup" || k.Value == "allowSkip" || k.Value == "allowDiagnostics") ||
			v.Tag == "!!int" && v.Value == "0" && k.Value == "priority"
		if !empty {
			kept = append(kept, k, v)
		}
	}
	n.Content = kept
}

// nodeItems are a sequence node's items; none for nil.
func nodeItems(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return n.Content
}
