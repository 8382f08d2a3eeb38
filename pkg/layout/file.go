// Package layout owns the whole Autopilot layout as one file (docs/architecture.md#one-shape-for-every-kind-of-object):
// groups, Enrollment Status Pages, deployment profiles and device-preparation policies, referring to each
// other by name. It reads the file strictly (every problem named by file, line and key before any request),
// and composes the domain packages' Desired, Current, Diff and Apply in dependency order for plan, apply and
// export: there is no second code path for the declarative way. It knows nothing of cobra or terminals.
package layout

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// File is a layout: the sections of autopilot.yaml. Settings carry Graph's property names, and the words
// the commands take for modes, joins and account types.
type File struct {
	Name              string    `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"maxLength=40,pattern=^[A-Za-z0-9 _.]+$" jsonschema_description:"names this layout: what apply creates is marked [managed by autopilotctl layout NAME], and --prune deletes only objects with this file's marker, so several files can share a tenant. Letters, digits, spaces, _ and . (profile descriptions are reported to refuse other punctuation); at most 40 characters"`
	Groups            []Group   `yaml:"groups,omitempty" json:"groups,omitempty" jsonschema_description:"Entra ID security groups: dynamic from a rule (groupTag, purchaseOrder, enrollmentProfile, allAutopilot or membershipRule) or assigned"`
	ESPs              []ESP     `yaml:"esps,omitempty" json:"esps,omitempty" jsonschema_description:"Enrollment Status Pages; displayName default is the built-in default ESP"`
	Profiles          []Profile `yaml:"profiles,omitempty" json:"profiles,omitempty" jsonschema_description:"Autopilot deployment profiles"`
	DevicePreparation []Prep    `yaml:"devicePreparation,omitempty" json:"devicePreparation,omitempty" jsonschema_description:"Autopilot device-preparation policies with their enrollment-time device group"`
}

// Group is a security group. One rule source at most: none makes an assigned group.
type Group struct {
	DisplayName                   string   `yaml:"displayName" json:"displayName" jsonschema:"required"`
	Description                   string   `yaml:"description,omitempty" json:"description,omitempty"`
	GroupTag                      string   `yaml:"groupTag,omitempty" json:"groupTag,omitempty" jsonschema_description:"devices with this group tag (as group create --group-tag)"`
	PurchaseOrder                 string   `yaml:"purchaseOrder,omitempty" json:"purchaseOrder,omitempty" jsonschema_description:"devices of this purchase order (as group create --purchase-order)"`
	EnrollmentProfile             string   `yaml:"enrollmentProfile,omitempty" json:"enrollmentProfile,omitempty" jsonschema_description:"devices enrolled with this deployment profile (as group create --enrollment-profile)"`
	AllAutopilot                  bool     `yaml:"allAutopilot,omitempty" json:"allAutopilot,omitempty" jsonschema_description:"every Autopilot device (as group create --all-autopilot)"`
	MembershipRule                string   `yaml:"membershipRule,omitempty" json:"membershipRule,omitempty" jsonschema_description:"a dynamic membership rule of your own"`
	MembershipRuleProcessingState string   `yaml:"membershipRuleProcessingState,omitempty" json:"membershipRuleProcessingState,omitempty" jsonschema:"enum=On,enum=Paused"`
	Owners                        []string `yaml:"owners,omitempty" json:"owners,omitempty" jsonschema_description:"owner apps by appId"`
}

// ESP is an Enrollment Status Page: its settings with Graph's names, and what it is assigned to. An ESP may
// target All Devices and All users (allDevicesAssignmentTarget, allLicensedUsersAssignmentTarget,
// docs/graph.md#enrollment-status-page); a deployment profile only devices.
type ESP struct {
	enrollment.ESPSettings `yaml:",inline"`
	Assign                 []string `yaml:"assign,omitempty" json:"assign,omitempty" jsonschema_description:"groups by name. With any of assign, exclude, allDevices and allUsers the file holds the whole set of assignments (assign: [] is none) and apply removes the others; with none of them the ESP's assignments are left as they are"`
	Exclude                []string `yaml:"exclude,omitempty" json:"exclude,omitempty" jsonschema_description:"groups by name"`
	AllDevices             bool     `yaml:"allDevices,omitempty" json:"allDevices,omitempty" jsonschema_description:"assign to All Devices"`
	AllUsers               bool     `yaml:"allUsers,omitempty" json:"allUsers,omitempty" jsonschema_description:"assign to All users (every licensed user)"`
}

// Profile is a deployment profile: its settings with Graph's names, mode and join as the commands say them,
// and its assignments.
type Profile struct {
	enrollment.ProfileSettings `yaml:",inline"`
	Mode                       string   `yaml:"mode,omitempty" json:"mode,omitempty" jsonschema:"enum=user-driven,enum=self-deploying,enum=pre-provisioning"`
	Assign                     []string `yaml:"assign,omitempty" json:"assign,omitempty" jsonschema_description:"groups by name. With any of assign, exclude and allDevices the file holds the whole set of assignments (assign: [] is none) and apply removes the others; with none of them the profile's assignments are left as they are"`
	Exclude                    []string `yaml:"exclude,omitempty" json:"exclude,omitempty" jsonschema_description:"groups by name"`
	AllDevices                 bool     `yaml:"allDevices,omitempty" json:"allDevices,omitempty" jsonschema_description:"assign to All Devices (one profile at most)"`
}

// Prep is a device-preparation policy, with the keys of `prep create -f`.
type Prep struct {
	prep.Spec `yaml:",inline"`
}

// Layout is a file read and checked: its objects and where each key is, for errors found later.
type Layout struct {
	Path string
	File File
	root *yaml.Node
}

// Read reads path strictly and checks it (see Parse).
func Read(path string) (*Layout, error) {
	data, err := safefile.ReadFile(path, yamlfile.MaxBytes)
	if err != nil {
		return nil, &yamlfile.Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse decodes a layout (unknown keys and wrong types are errors) and checks it as a whole: each object's
// own rules, duplicate names, references between objects in the file, and cycles. Every problem is a
// yamlfile.Error naming the file, the line and the key; all are returned together, by line. The checks run
// on what the decoder could fill in, and say nothing of a key it could not (see followsFrom): their word on
// it would only echo the decoder's.
func Parse(name string, data []byte) (*Layout, error) {
	l := &Layout{Path: name}
	err := yamlfile.Decode(name, data, &l.File)
	decoded := yamlfile.List(err)
	if err != nil && slices.ContainsFunc(decoded, func(e *yamlfile.Error) bool { return e.Key == "" }) {
		return nil, err // the file as a whole: there is nothing to check
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, &yamlfile.Error{File: name, Msg: "not valid YAML"}
	}
	l.root = doc.Content[0]
	errs := yamlfile.Errors(decoded)
	for _, e := range l.check() {
		if !slices.ContainsFunc(decoded, func(d *yamlfile.Error) bool { return followsFrom(e.Key, d) }) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *yamlfile.Error) int { return a.Line - b.Line })
		return nil, errs
	}
	return l, nil
}

// followsFrom reports whether a check's problem at key (esps[0].priority) only follows from decode problem
// d: it is about the key d names or the one d's unknown key probably meant, a key inside it (d couldn't
// fill it in), or the key holding it (profiles[0].assign for profiles[0].assign[1]) — never the whole
// object for one of its keys: groups[0] missing its rule still counts when groups[0].colour is unknown.
func followsFrom(key string, d *yamlfile.Error) bool {
	under := func(a, b string) bool { // a is b or inside it
		return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
	}
	for _, dk := range []string{d.Key, d.Meant} {
		if dk != "" && key != "" && (under(key, dk) || under(dk, key) && !strings.HasSuffix(key, "]")) {
			return true
		}
	}
	return false
}

// Section names, as in the file.
const (
	SectionGroups   = "groups"
	SectionESPs     = "esps"
	SectionProfiles = "profiles"
	SectionPrep     = "devicePreparation"
)

// Errorf is a problem with the key of the i-th object of section (key "" names the object itself).
func (l *Layout) Errorf(section string, i int, key, format string, a ...any) *yamlfile.Error {
	msg := fmt.Sprintf(format, a...)
	where := fmt.Sprintf("%s[%d]", section, i)
	if key != "" {
		where += "." + key
	}
	return &yamlfile.Error{File: l.Path, Line: l.line(section, i, key), Msg: where + ": " + msg, Key: where}
}

// line finds where section[i].key is written (the object's first line when key is absent).
func (l *Layout) line(section string, i int, key string) int {
	seq := mapValue(l.root, section)
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		if seq != nil {
			return seq.Line
		}
		return 0
	}
	if k := l.keyNode(section, i, key); k != nil {
		return k.Line
	}
	return seq.Content[i].Line
}

// keyNode is the key node of section[i].key (a nested key dotted, outOfBoxExperienceSetting.userType); nil
// when the file does not write it.
func (l *Layout) keyNode(section string, i int, key string) *yaml.Node {
	seq := mapValue(l.root, section)
	if key == "" || seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return nil
	}
	m, parts := seq.Content[i], strings.Split(key, ".")
	for n, part := range parts {
		k, v := mapEntry(m, part)
		if k == nil || n == len(parts)-1 {
			return k
		}
		m = v
	}
	return nil
}

// has reports whether the file writes section[i].key.
func (l *Layout) has(section string, i int, key string) bool {
	return l.keyNode(section, i, key) != nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(m, key)
	return v
}

// mapEntry is the key and value nodes of key in mapping m, nils when m has no such key.
func mapEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j], m.Content[j+1]
		}
	}
	return nil, nil
}

// fieldKey is the key a domain package's refusal of section[i] belongs to (enrollment.FieldOf), for its line:
// the key when the file writes it; mode for the properties a profile's mode sets; "" (the object) otherwise.
func (l *Layout) fieldKey(section string, i int, err error) string {
	f := enrollment.FieldOf(err)
	switch {
	case f == "":
		return ""
	case l.has(section, i, f):
		return f
	case section == SectionProfiles && (f == "preprovisioningAllowed" || f == "outOfBoxExperienceSetting.deviceUsageType") && l.has(section, i, "mode"):
		return "mode"
	}
	return ""
}

// fieldErr is a domain package's refusal of section[i], at its key's line (see fieldKey) and about its field
// even where the file doesn't write it, so that a refusal following from a misspelt key is known as one.
func (l *Layout) fieldErr(section string, i int, err error) *yamlfile.Error {
	e := l.Errorf(section, i, l.fieldKey(section, i, err), "%v", err)
	if f := enrollment.FieldOf(err); f != "" {
		e.Key = fmt.Sprintf("%s[%d].%s", section, i, f)
	}
	return e
}

// assignmentKeys are the keys that say an object's assignments.
var assignmentKeys = []string{"assign", "exclude", "allDevices", "allUsers"}

// ownsAssignments reports whether the file says section[i]'s assignments — writes any of assign, exclude,
// allDevices and allUsers (assign: [] says "none") — and so holds their whole set. An object that writes
// none keeps the tenant's assignments, as a setting the file leaves out keeps its value.
func (l *Layout) ownsAssignments(section string, i int) bool {
	return slices.ContainsFunc(assignmentKeys, func(k string) bool { return l.has(section, i, k) })
}

// ruleSource is the group's rule as sent, "" for an assigned group, and how many sources it names.
func (g Group) ruleSource() (text string, n int, err error) {
	for _, s := range []struct {
		set       bool
		key, what string
		value     string
		rule      func() string
	}{
		{g.GroupTag != "", "groupTag", groups.ValueGroupTag, g.GroupTag, func() string { return rule.GroupTag(g.GroupTag) }},
		{g.PurchaseOrder != "", "purchaseOrder", groups.ValuePurchaseOrder, g.PurchaseOrder, func() string { return rule.PurchaseOrder(g.PurchaseOrder) }},
		{g.EnrollmentProfile != "", "enrollmentProfile", groups.ValueEnrollmentProfile, g.EnrollmentProfile, func() string { return rule.EnrollmentProfile(g.EnrollmentProfile) }},
		{g.AllAutopilot, "allAutopilot", "", "", rule.AllAutopilotDevices},
		{g.MembershipRule != "", "membershipRule", groups.ValueRule, g.MembershipRule, func() string { return g.MembershipRule }},
	} {
		if !s.set {
			continue
		}
		if s.what != "" && err == nil {
			if e := groups.CheckRuleValue(s.what, s.value); e != nil {
				err = fmt.Errorf("%s: %w", s.key, e)
			}
		}
		text, n = s.rule(), n+1
	}
	return text, n, err
}

// Desired is the group as pkg/groups takes it (the rule linted as `group create` sends it), before the
// ownership marker.
func (g Group) Desired() (groups.Desired, error) {
	text, n, err := g.ruleSource()
	if n > 1 {
		return groups.Desired{}, fmt.Errorf("give one of groupTag, purchaseOrder, enrollmentProfile, allAutopilot or membershipRule")
	}
	if err != nil {
		return groups.Desired{}, err
	}
	d := groups.Desired{DisplayName: g.DisplayName, Description: g.Description, Dynamic: n == 1, OwnerAppIDs: g.Owners}
	switch g.MembershipRuleProcessingState {
	case "", groups.ProcessingOn:
	case groups.ProcessingPaused:
		d.Paused = true
	default:
		return d, fmt.Errorf("membershipRuleProcessingState %s is not On or Paused", safetext.Quote(g.MembershipRuleProcessingState))
	}
	if d.Dynamic {
		linted, err := rule.Lint(text)
		if err != nil {
			return d, err
		}
		d.Rule = linted.Send
	}
	return d, d.Validate()
}

// targetNames are assignments by group name, as enrollment targets whose group ids are still to be found,
// after the tenant-wide ones the switches ask for.
func targetNames(assign, exclude []string, allDevices, allUsers bool) []enrollment.Target {
	var out []enrollment.Target
	if allDevices {
		out = append(out, enrollment.Target{Kind: enrollment.AllDevices})
	}
	if allUsers {
		out = append(out, enrollment.Target{Kind: enrollment.AllUsers})
	}
	for _, n := range assign {
		out = append(out, enrollment.Target{Kind: enrollment.Include, GroupName: n})
	}
	for _, n := range exclude {
		out = append(out, enrollment.Target{Kind: enrollment.Exclude, GroupName: n})
	}
	return out
}

// targetNames are the ESP's assignments as enrollment targets.
func (e ESP) targetNames() []enrollment.Target {
	return targetNames(e.Assign, e.Exclude, e.AllDevices, e.AllUsers)
}

// targetNames are the profile's assignments as enrollment targets.
func (p Profile) targetNames() []enrollment.Target {
	return targetNames(p.Assign, p.Exclude, p.AllDevices, false)
}

// ref is a reference to a group by name, and where it is written.
type ref struct {
	section string
	index   int
	key     string
	name    string
}

// refs lists every group the file names outside the groups section.
func (l *Layout) refs() []ref {
	var out []ref
	add := func(section string, i int, key string, names ...string) {
		for _, n := range names {
			out = append(out, ref{section, i, key, n})
		}
	}
	for i, e := range l.File.ESPs {
		add(SectionESPs, i, "assign", e.Assign...)
		add(SectionESPs, i, "exclude", e.Exclude...)
	}
	for i, p := range l.File.Profiles {
		add(SectionProfiles, i, "assign", p.Assign...)
		add(SectionProfiles, i, "exclude", p.Exclude...)
	}
	for i, p := range l.File.DevicePreparation {
		add(SectionPrep, i, "deviceGroup", p.DeviceGroup)
		add(SectionPrep, i, "userGroups", p.UserGroups...)
	}
	return out
}

// GroupIndex is the index of the file's group named name (Entra compares names without case), -1 if none.
func (l *Layout) GroupIndex(name string) int {
	for i, g := range l.File.Groups {
		if strings.EqualFold(g.DisplayName, name) {
			return i
		}
	}
	return -1
}

// check runs the checks that need no tenant.
func (l *Layout) check() yamlfile.Errors {
	var errs yamlfile.Errors
	bad := func(e *yamlfile.Error) { errs = append(errs, e) }
	dup := func(section, key string, names []string) {
		seen := map[string]int{}
		for i, n := range names {
			k := strings.ToLower(n)
			if j, ok := seen[k]; ok {
				bad(l.Errorf(section, i, key, "%s is also the name of %s[%d] (line %d); names must differ", safetext.Quote(n), section, j, l.line(section, j, key)))
				continue
			}
			seen[k] = i
		}
	}
	if err := checkName(l.File.Name); err != nil {
		line := 0
		if k, _ := mapEntry(l.root, "name"); k != nil {
			line = k.Line
		}
		bad(&yamlfile.Error{File: l.Path, Line: line, Msg: "name: " + err.Error(), Key: "name"})
	}
	errs = append(errs, l.markersWritten()...)
	var names []string
	for i, g := range l.File.Groups {
		names = append(names, g.DisplayName)
		if _, err := g.Desired(); err != nil {
			key := groupKey(g, err)
			bad(l.Errorf(SectionGroups, i, key, "%s", strings.TrimPrefix(err.Error(), key+": ")))
		}
	}
	dup(SectionGroups, "displayName", names)

	names = nil
	priorities := map[int]int{}
	for i, e := range l.File.ESPs {
		names = append(names, e.DisplayName)
		if err := e.ESPSettings.Check(); err != nil {
			bad(l.fieldErr(SectionESPs, i, err))
		}
		l.checkBoth(SectionESPs, i, e.Assign, e.Exclude, bad)
		if e.Priority != nil {
			if j, ok := priorities[*e.Priority]; ok {
				bad(l.Errorf(SectionESPs, i, "priority", "priority %d is also that of esps[%d]; each ESP has its own", *e.Priority, j))
			}
			priorities[*e.Priority] = i
		}
		if strings.EqualFold(e.DisplayName, enrollment.DefaultName) && (e.Priority != nil || len(e.Assign)+len(e.Exclude) > 0 || e.AllDevices || e.AllUsers) {
			bad(l.Errorf(SectionESPs, i, "", "the default Enrollment Status Page applies to every device at the lowest priority: it takes no priority, assign, exclude, allDevices or allUsers"))
		}
	}
	dup(SectionESPs, "displayName", names)

	names = nil
	allDevices := -1
	for i := range l.File.Profiles {
		p := &l.File.Profiles[i]
		names = append(names, p.DisplayName)
		if p.Mode == "" {
			// As profile create requires --mode: a profile made without one would be user-driven unasked.
			bad(l.Errorf(SectionProfiles, i, "mode", "mode is required: %s, %s or %s", enrollment.UserDriven, enrollment.SelfDeploying, enrollment.PreProvisioning))
		} else if err := p.SetMode(p.Mode); err != nil {
			bad(l.Errorf(SectionProfiles, i, "mode", "%v", err))
			continue
		}
		if _, err := p.ProfileSettings.Check(); err != nil {
			bad(l.fieldErr(SectionProfiles, i, err))
		}
		l.checkBoth(SectionProfiles, i, p.Assign, p.Exclude, bad)
		if p.AllDevices {
			if allDevices >= 0 {
				bad(l.Errorf(SectionProfiles, i, "allDevices", "profiles[%d] is assigned to All Devices too; only one profile can be", allDevices))
			}
			allDevices = i
			if len(p.Exclude) > 0 {
				bad(l.Errorf(SectionProfiles, i, "exclude", "All Devices can't be combined with exclusions"))
			}
		}
	}
	dup(SectionProfiles, "displayName", names)

	names = nil
	for i, p := range l.File.DevicePreparation {
		names = append(names, p.Name)
		spec := p.Spec
		_, _, _, fieldErrs := spec.CheckAll()
		for _, err := range fieldErrs {
			bad(l.Errorf(SectionPrep, i, err.Field, "%v", err))
		}
		if j := l.GroupIndex(p.DeviceGroup); j >= 0 {
			if _, n, _ := l.File.Groups[j].ruleSource(); n > 0 {
				bad(l.Errorf(SectionPrep, i, "deviceGroup", "group %s (groups[%d]) is dynamic; a device-preparation device group must be an assigned security group", safetext.Quote(p.DeviceGroup), j))
			}
		}
	}
	dup(SectionPrep, "name", names)
	for _, r := range l.refs() {
		if strings.TrimSpace(r.name) == "" {
			bad(l.Errorf(r.section, r.index, r.key, "an empty group name"))
		} else if err := safetext.Check("group name", r.name); err != nil {
			bad(l.Errorf(r.section, r.index, r.key, "%v", err))
		}
	}
	errs = append(errs, l.cycles()...)
	return errs
}

// MaxName is the longest layout name: it is written into the description of every object apply creates.
const MaxName = 40

// checkName checks the layout's name. It ends up in deployment profiles' descriptions, which the service is
// reported to refuse with !@#$%^&*()-+= in them (docs/graph.md#deployment-profiles): letters, digits, spaces,
// _ and . only.
func checkName(name string) error {
	if name == "" {
		return nil
	}
	if n := len([]rune(name)); n > MaxName {
		return fmt.Errorf("it is %d characters long; at most %d are allowed", n, MaxName)
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%s starts or ends with a space", safetext.Quote(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '_' || r == '.') {
			return fmt.Errorf("%s holds %s: use letters A to Z, digits, spaces, _ and . (it goes into profile descriptions, which are reported to refuse other punctuation)", safetext.Quote(name), safetext.Quote(string(r)))
		}
	}
	return nil
}

// checkBoth refuses a group that section[i] both assigns and excludes, at the exclude key: the ESP would
// take both and apply neither way, the profile service answers a bare 400 (enrollment.CheckTargets).
func (l *Layout) checkBoth(section string, i int, assign, exclude []string, bad func(*yamlfile.Error)) {
	for _, x := range exclude {
		if slices.ContainsFunc(assign, func(a string) bool { return strings.EqualFold(a, x) }) {
			bad(l.Errorf(section, i, "exclude", "group %s is in assign too; a group can't be both assigned and excluded", safetext.Quote(x)))
		}
	}
}

// groupKey is the key a group's problem belongs to, for its line.
func groupKey(g Group, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "membershipRuleProcessingState"):
		return "membershipRuleProcessingState"
	case strings.Contains(msg, "owner"):
		return "owners"
	case strings.Contains(msg, "description"):
		return "description"
	case strings.Contains(msg, "group name"):
		return "displayName"
	}
	for _, k := range []string{"groupTag", "purchaseOrder", "enrollmentProfile", "membershipRule"} {
		if strings.HasPrefix(msg, k+": ") {
			return k
		}
	}
	if g.MembershipRule != "" {
		return "membershipRule"
	}
	return ""
}

// markersWritten refuses a description that holds the ownership marker: apply adds it to what it creates,
// and one written by hand would make --prune take an object the tool didn't create for its own.
func (l *Layout) markersWritten() yamlfile.Errors {
	var errs yamlfile.Errors
	check := func(section string, i int, d string) {
		if strings.Contains(d, strings.TrimSuffix(Marker, "]")) {
			errs = append(errs, l.Errorf(section, i, "description", "holds %s, autopilotctl's ownership marker: apply adds it to what it creates; leave it out", safetext.Quote(strings.TrimSuffix(Marker, "]"))))
		}
	}
	for i, g := range l.File.Groups {
		check(SectionGroups, i, g.Description)
	}
	for i, e := range l.File.ESPs {
		check(SectionESPs, i, deref(e.Description))
	}
	for i, p := range l.File.Profiles {
		check(SectionProfiles, i, deref(p.Description))
	}
	for i, p := range l.File.DevicePreparation {
		check(SectionPrep, i, p.Description)
	}
	return errs
}

// cycles finds groups whose members are chosen by a profile's name while that profile is assigned to them:
// no device can ever get the profile, so it can never join the group (group → profile → group).
func (l *Layout) cycles() yamlfile.Errors {
	var errs yamlfile.Errors
	for i, g := range l.File.Groups {
		if g.EnrollmentProfile == "" {
			continue
		}
		for j, p := range l.File.Profiles {
			if !strings.EqualFold(p.DisplayName, g.EnrollmentProfile) {
				continue
			}
			for _, a := range p.Assign {
				if strings.EqualFold(a, g.DisplayName) {
					errs = append(errs, l.Errorf(SectionGroups, i, "enrollmentProfile",
						"cycle: group %s holds the devices enrolled with profile %s, and that profile (profiles[%d], line %d) is assigned to this group, so no device can join it",
						safetext.Quote(g.DisplayName), safetext.Quote(p.DisplayName), j, l.line(SectionProfiles, j, "assign")))
				}
			}
		}
	}
	return errs
}
