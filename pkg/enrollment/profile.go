package enrollment

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// ProfileKind is a deployment profile's entity name in change results.
const ProfileKind = "windowsAutopilotDeploymentProfile"

const (
	profilesPath = "/deviceManagement/windowsAutopilotDeploymentProfiles"
	entraType    = "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"
	hybridType   = "#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile"
	// Limits of docs/graph.md#deployment-profiles.
	MaxProfileName        = 200
	MaxProfileDescription = 1500
)

// Modes and joins, as the commands say them.
const (
	UserDriven      = "user-driven"
	SelfDeploying   = "self-deploying"
	PreProvisioning = "pre-provisioning"
	JoinEntra       = "entra"
	JoinHybrid      = "hybrid"
)

// OOBE is a profile's outOfBoxExperienceSetting, with Graph's names; nil fields were not asked for.
type OOBE struct {
	PrivacySettingsHidden        *bool   `json:"privacySettingsHidden,omitempty" yaml:"privacySettingsHidden"`
	EulaHidden                   *bool   `json:"eulaHidden,omitempty" yaml:"eulaHidden"`
	KeyboardSelectionPageSkipped *bool   `json:"keyboardSelectionPageSkipped,omitempty" yaml:"keyboardSelectionPageSkipped"`
	EscapeLinkHidden             *bool   `json:"escapeLinkHidden,omitempty" yaml:"escapeLinkHidden"`
	UserType                     *string `json:"userType,omitempty" yaml:"userType"`
	DeviceUsageType              *string `json:"deviceUsageType,omitempty" yaml:"deviceUsageType"`
}

// ProfileSettings are a deployment profile's properties as asked for, with Graph's names (in YAML files too),
// plus `join` (entra or hybrid), which picks the profile's @odata.type. nil fields were not asked for.
type ProfileSettings struct {
	DisplayName                            string    `json:"displayName" yaml:"displayName"`
	Join                                   string    `json:"-" yaml:"join"`
	Description                            *string   `json:"description,omitempty" yaml:"description"`
	Locale                                 *string   `json:"locale,omitempty" yaml:"locale"`
	DeviceNameTemplate                     *string   `json:"deviceNameTemplate,omitempty" yaml:"deviceNameTemplate"`
	DeviceType                             *string   `json:"deviceType,omitempty" yaml:"deviceType"`
	PreprovisioningAllowed                 *bool     `json:"preprovisioningAllowed,omitempty" yaml:"preprovisioningAllowed"`
	HardwareHashExtractionEnabled          *bool     `json:"hardwareHashExtractionEnabled,omitempty" yaml:"hardwareHashExtractionEnabled"`
	HybridAzureADJoinSkipConnectivityCheck *bool     `json:"hybridAzureADJoinSkipConnectivityCheck,omitempty" yaml:"hybridAzureADJoinSkipConnectivityCheck"`
	RoleScopeTagIDs                        *[]string `json:"roleScopeTagIds,omitempty" yaml:"roleScopeTagIds"`
	OutOfBoxExperienceSetting              *OOBE     `json:"outOfBoxExperienceSetting,omitempty" yaml:"outOfBoxExperienceSetting"`
}

// SetMode sets what a mode means in current, non-deprecated properties (docs/graph.md#deployment-profiles):
// self-deploying is shared usage, pre-provisioning is user-driven with preprovisioningAllowed.
func (s *ProfileSettings) SetMode(mode string) error {
	usage, pre := "singleUser", false
	switch mode {
	case UserDriven:
	case SelfDeploying:
		usage = "shared"
	case PreProvisioning:
		pre = true
	default:
		return fieldf("mode", "mode %s is not one of %s, %s, %s", safetext.Quote(mode), UserDriven, SelfDeploying, PreProvisioning)
	}
	s.oobe().DeviceUsageType = &usage
	s.PreprovisioningAllowed = &pre
	return nil
}

func (s *ProfileSettings) oobe() *OOBE {
	if s.OutOfBoxExperienceSetting == nil {
		s.OutOfBoxExperienceSetting = &OOBE{}
	}
	return s.OutOfBoxExperienceSetting
}

func (s ProfileSettings) odataType() string {
	if s.Join == JoinHybrid {
		return hybridType
	}
	return entraType
}

var (
	localeRe = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})+$`)
	// nameAllowed is what a profile name may hold without the service's reason-less 500
	// (docs/graph.md#deployment-profiles).
	nameAllowed  = regexp.MustCompile(`^[A-Za-z0-9 :"?.@$&_\[\]{}|\\]*$`)
	descRefused  = "!@#$%^&*()-+="
	templateMac  = regexp.MustCompile(`%SERIAL%|%RAND:(\d+)%`)
	templateChar = regexp.MustCompile(`^[A-Za-z0-9-]*$`)
)

// Check applies the local rules before anything is sent, returning warnings about characters the service
// is reported to refuse (--force sends them anyway) and an *InvalidError for what can't work.
func (s *ProfileSettings) Check() (warnings []string, err error) {
	if strings.TrimSpace(s.DisplayName) == "" {
		return nil, fieldf("displayName", "displayName is empty")
	}
	if n := utf8.RuneCountInString(s.DisplayName); n > MaxProfileName {
		return nil, fieldf("displayName", "displayName is %d characters long; at most %d are allowed", n, MaxProfileName)
	}
	if err := safetext.Check("displayName", s.DisplayName); err != nil {
		return nil, &InvalidError{Msg: err.Error(), Field: "displayName"}
	}
	if !nameAllowed.MatchString(s.DisplayName) {
		warnings = append(warnings, fmt.Sprintf("profile name %s holds characters outside letters, digits, spaces and : \" ? . @ $ & _ [ ] { } | \\; the service is reported to answer such names (a hyphen included) with a reason-less 500", safetext.Quote(s.DisplayName)))
	}
	if d := s.Description; d != nil {
		if n := utf8.RuneCountInString(*d); n > MaxProfileDescription {
			return nil, fieldf("description", "description is %d characters long; at most %d are allowed", n, MaxProfileDescription)
		}
		if err := safetext.Check("description", *d); err != nil {
			return nil, &InvalidError{Msg: err.Error(), Field: "description"}
		}
		if strings.ContainsAny(*d, descRefused) {
			warnings = append(warnings, fmt.Sprintf("the description holds one of %s, which the service is reported to refuse with a generic 400", descRefused))
		}
	}
	switch s.Join {
	case "", JoinEntra, JoinHybrid:
	default:
		return nil, fieldf("join", "join %s is not %s or %s", safetext.Quote(s.Join), JoinEntra, JoinHybrid)
	}
	o := s.oobe()
	shared := o.DeviceUsageType != nil && *o.DeviceUsageType == "shared"
	hybrid := s.Join == JoinHybrid
	switch {
	case o.DeviceUsageType != nil && *o.DeviceUsageType != "shared" && *o.DeviceUsageType != "singleUser":
		return nil, fieldf("outOfBoxExperienceSetting.deviceUsageType", "deviceUsageType %s is not singleUser or shared", safetext.Quote(*o.DeviceUsageType))
	case o.UserType != nil && *o.UserType != "standard" && *o.UserType != "administrator":
		return nil, fieldf("outOfBoxExperienceSetting.userType", "userType %s is not standard or administrator", safetext.Quote(*o.UserType))
	case shared && o.UserType != nil:
		return nil, fieldf("outOfBoxExperienceSetting.userType", "a self-deploying profile has no user: userType can't be set (the service refuses it)")
	case shared && hybrid:
		return nil, fieldf("join", "self-deploying mode supports Microsoft Entra join only")
	case shared && s.PreprovisioningAllowed != nil && *s.PreprovisioningAllowed:
		return nil, fieldf("preprovisioningAllowed", "pre-provisioning is a user-driven mode; a self-deploying profile can't allow it")
	case hybrid && s.DeviceNameTemplate != nil && *s.DeviceNameTemplate != "":
		return nil, fieldf("deviceNameTemplate", "a hybrid join profile has no device name template: the domain join configuration names the device")
	case !hybrid && s.HybridAzureADJoinSkipConnectivityCheck != nil:
		return nil, fieldf("hybridAzureADJoinSkipConnectivityCheck", "hybridAzureADJoinSkipConnectivityCheck applies to hybrid join profiles only")
	case o.EscapeLinkHidden != nil && !*o.EscapeLinkHidden:
		return nil, fieldf("outOfBoxExperienceSetting.escapeLinkHidden", "escapeLinkHidden must be true: the service requires it")
	}
	if t := s.DeviceType; t != nil {
		switch *t {
		case "windowsPc":
		case "holoLens":
			if s.PreprovisioningAllowed != nil && *s.PreprovisioningAllowed || s.HardwareHashExtractionEnabled != nil && *s.HardwareHashExtractionEnabled || hybrid {
				return nil, fieldf("deviceType", "a HoloLens profile can't allow pre-provisioning, convert existing devices or use hybrid join")
			}
		default:
			return nil, fieldf("deviceType", "deviceType %s is not windowsPc or holoLens", safetext.Quote(*t))
		}
	}
	if l := s.Locale; l != nil {
		switch *l {
		case "user-select":
			*l = "" // what the service calls "user selects" (docs/graph.md#deployment-profiles)
		case "", "os-default":
		default:
			if !localeRe.MatchString(*l) {
				return nil, fieldf("locale", "locale %s is not user-select, os-default or a language tag such as en-US", safetext.Quote(*l))
			}
		}
	}
	if t := s.DeviceNameTemplate; t != nil && *t != "" {
		if err := CheckDeviceNameTemplate(*t); err != nil {
			return nil, err
		}
	}
	return warnings, nil
}

// CheckDeviceNameTemplate applies the documented rules (docs/graph.md#deployment-profiles): at most 15
// characters once expanded (%SERIAL% counted as one, %RAND:x% as x), letters, digits and hyphens, the two
// macros only, and not only digits.
func CheckDeviceNameTemplate(tmpl string) error {
	const maxDeviceName = 15
	length, serial, badRand := 0, false, ""
	literal := templateMac.ReplaceAllStringFunc(tmpl, func(m string) string {
		if m == "%SERIAL%" {
			serial = true
			length++
			return ""
		}
		// Bounded before adding: a huge x must not saturate or wrap the sum.
		n, err := strconv.Atoi(templateMac.FindStringSubmatch(m)[1])
		if err != nil || n < 1 || n > maxDeviceName {
			badRand = m
		} else {
			length += n
		}
		return ""
	})
	bad := func(why string) error {
		return fieldf("deviceNameTemplate", "device name template %s: %s", safetext.Quote(tmpl), why)
	}
	switch {
	case badRand != "":
		return bad(fmt.Sprintf("%s: x in %%RAND:x%% runs from 1 to %d", safetext.Short(badRand), maxDeviceName))
	case strings.Contains(literal, "%"):
		return bad("the only macros are %SERIAL% and %RAND:x%")
	case !templateChar.MatchString(literal):
		return bad("use only letters, digits and hyphens")
	case length+len(literal) > maxDeviceName:
		return bad(fmt.Sprintf("device names are limited to %d characters", maxDeviceName))
	case !serial && strings.Trim(literal, "0123456789") == "":
		return bad("a device name can't be only digits")
	}
	return nil
}

// Profile is a deployment profile as the tenant holds it.
type Profile struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Join        string         `json:"join"`
	Mode        string         `json:"mode"`
	Props       map[string]any `json:"properties"`
	Assignments []Target       `json:"assignments"`
	Devices     *int           `json:"assignedDevices,omitempty"`
}

func profileFrom(raw json.RawMessage) (*Profile, error) {
	var props map[string]any
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("reading a deployment profile from Graph: %w", err)
	}
	p := &Profile{Props: props, Join: JoinEntra, Mode: modeOf(props), Assignments: []Target{}}
	p.ID, _ = props["id"].(string)
	p.DisplayName, _ = props["displayName"].(string)
	if props["@odata.type"] == hybridType {
		p.Join = JoinHybrid
	}
	return p, nil
}

// modeOf is the mode a profile's properties make.
func modeOf(props map[string]any) string {
	oobe, _ := props["outOfBoxExperienceSetting"].(map[string]any)
	switch {
	case oobe["deviceUsageType"] == "shared":
		return SelfDeploying
	case props["preprovisioningAllowed"] == true:
		return PreProvisioning
	}
	return UserDriven
}

// ListProfiles lists the tenant's deployment profiles, with their assignments when withAssignments.
func ListProfiles(ctx context.Context, c *graph.Client, withAssignments bool) ([]*Profile, error) {
	var out []*Profile
	err := c.List(ctx, ProfileListPath, func(raw json.RawMessage) error {
		p, err := profileFrom(raw)
		if err == nil {
			out = append(out, p)
		}
		return err
	})
	if err != nil || !withAssignments {
		return out, err
	}
	for _, p := range out {
		if p.Assignments, err = readAssignments(ctx, c, ProfileAssignmentsPath(p.ID)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ProfileListPath is the read ListProfiles sends first (see ESPListPath).
const ProfileListPath = profilesPath

// ProfileAssignmentsPath is the read of a profile's assignments (see ESPListPath).
func ProfileAssignmentsPath(id string) string {
	return profilesPath + "/" + escape(id) + "/assignments"
}

// CountDevices sets p.Devices: how many Autopilot devices the profile is assigned to.
func CountDevices(ctx context.Context, c *graph.Client, p *Profile) error {
	n := 0
	err := AssignedDevices(ctx, c, p.ID, func(string) error { n++; return nil })
	p.Devices = &n
	return err
}

// AssignedDevices pages through the ids of the Autopilot devices the profile is assigned to.
func AssignedDevices(ctx context.Context, c *graph.Client, profileID string, each func(deviceID string) error) error {
	return assignedDevices(ctx, c, profileID, func(id, _ string) error { return each(id) })
}

// FindProfile picks the profile an argument names: an id, or an exact display name without regard to case.
func FindProfile(list []*Profile, nameOrID string) (*Profile, error) {
	return pick(list, "deployment profile", nameOrID, func(p *Profile) (string, string) { return p.ID, p.DisplayName })
}

// profileDefaults are what a new profile gets for what was not asked (docs/graph.md#deployment-profiles).
func profileDefaults(join string) map[string]any {
	d := map[string]any{"description": "", "locale": "os-default", "deviceType": "windowsPc", "preprovisioningAllowed": false,
		"hardwareHashExtractionEnabled": false, "roleScopeTagIds": []any{"0"},
		"outOfBoxExperienceSetting": map[string]any{"privacySettingsHidden": false, "eulaHidden": false,
			"keyboardSelectionPageSkipped": false, "escapeLinkHidden": true, "userType": "standard", "deviceUsageType": "singleUser"}}
	if join == JoinHybrid {
		d["hybridAzureADJoinSkipConnectivityCheck"] = false
	} else {
		d["deviceNameTemplate"] = ""
	}
	return d
}

// createOnly are set when a profile is created and never sent again (docs/graph.md#deployment-profiles).
var createOnly = []string{"deviceType", "hybridAzureADJoinSkipConnectivityCheck"}

// ProfileDesired is a deployment profile as asked for.
type ProfileDesired struct {
	Settings ProfileSettings
	Targets  []Target
	Replace  bool // a join or usage change may replace the profile
}

// ProfilePlan is what it takes to make the tenant hold a ProfileDesired.
type ProfilePlan struct {
	Desired    ProfileDesired
	Current    *Profile
	Body       map[string]any // POST (create, replace) or PATCH body; nil when nothing changes
	Changes    []result.FieldChange
	Replace    string // why the profile must be replaced, when it must
	NewTargets []Target
	// Into is the replacement a failed run already created (named as the profile, matching what is asked):
	// a re-run moves what is left to it and deletes Current instead of creating another.
	Into *Profile
}

// ResumeReplace finds, among the profiles sharing a name after a replacement failed part-way, the one to
// replace (Current) and the replacement already created (Into): exactly two, one matching what is asked and
// one that must be replaced. ok is false otherwise.
func ResumeReplace(list []*Profile, ids []string, d ProfileDesired) (*ProfilePlan, bool) {
	if len(ids) != 2 || !d.Replace {
		return nil, false
	}
	var old, into *Profile
	for _, id := range ids {
		cur, err := FindProfile(list, id)
		if err != nil {
			return nil, false
		}
		plan, err := PlanProfile(list, cur, ProfileDesired{Settings: d.Settings})
		switch {
		case err != nil:
			return nil, false
		case plan.Replace != "":
			old = cur
		case plan.Body == nil:
			into = cur
		}
	}
	if old == nil || into == nil {
		return nil, false
	}
	plan, err := PlanProfile(list, old, d)
	if err != nil || plan.Replace == "" {
		return nil, false
	}
	plan.Into = into
	return plan, true
}

// merge overlays want (nested objects member by member) on base.
func merge(base, want map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range want {
		if m, ok := v.(map[string]any); ok {
			out[k] = merge(asMap(out[k]), m)
			continue
		}
		out[k] = v
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

// PlanProfile compares desired with cur (nil: create). list is every profile with its assignments: the
// holder of All Devices is found there before anything is written.
func PlanProfile(list []*Profile, cur *Profile, d ProfileDesired) (*ProfilePlan, error) {
	p := &ProfilePlan{Desired: d, Current: cur}
	s := d.Settings
	want := toMap(s)
	if cur != nil {
		delete(want, "displayName")
		if s.Join == "" {
			s.Join = cur.Join
		}
	}
	oobe := func(m map[string]any) map[string]any { return asMap(m["outOfBoxExperienceSetting"]) }
	if err := checkAllDevices(list, cur, d.Targets); err != nil {
		return nil, err
	}
	if err := CheckTargets(nil, d.Targets); err != nil {
		return nil, err
	}
	if cur == nil {
		p.Body = merge(merge(profileDefaults(s.Join), map[string]any{"@odata.type": s.odataType()}), want)
		p.NewTargets = missing(d.Targets, nil)
	} else {
		p.Changes = diff(cur.Props, want)
		var reasons []string
		if s.Join != cur.Join {
			reasons = append(reasons, "its join type changes from "+cur.Join+" to "+s.Join)
			p.Changes = append(p.Changes, result.FieldChange{Field: "@odata.type", From: cur.Props["@odata.type"], To: s.odataType()})
		}
		for _, c := range p.Changes {
			switch c.Field {
			case "outOfBoxExperienceSetting.deviceUsageType":
				// Admins choose the mode; deviceUsageType is how the service keeps it.
				if from, to := modeOf(cur.Props), modeOf(merge(cur.Props, want)); from != to {
					reasons = append(reasons, "its mode changes from "+from+" to "+to)
				} else {
					reasons = append(reasons, fmt.Sprintf("its deviceUsageType changes from %s to %s", show(c.From), show(c.To)))
				}
			case "deviceType", "hybridAzureADJoinSkipConnectivityCheck":
				reasons = append(reasons, c.Field+" is set only when a profile is created")
			}
		}
		p.Replace = strings.Join(reasons, "; ")
		if p.Replace != "" {
			base := map[string]any{"@odata.type": s.odataType()}
			for k, v := range profileDefaults(s.Join) {
				base[k] = cur.Props[k]
				if base[k] == nil {
					base[k] = v
				}
			}
			base["displayName"] = cur.DisplayName
			p.Body = merge(base, want)
			if s.Join == JoinHybrid {
				delete(p.Body, "deviceNameTemplate")
			}
		} else if len(p.Changes) > 0 {
			body := map[string]any{"@odata.type": cur.Props["@odata.type"], "displayName": cur.DisplayName}
			for k := range profileDefaults(cur.Join) {
				body[k] = cur.Props[k]
			}
			for _, k := range createOnly {
				delete(body, k)
			}
			o := asMap(body["outOfBoxExperienceSetting"])
			clean := map[string]any{}
			for _, k := range []string{"privacySettingsHidden", "eulaHidden", "keyboardSelectionPageSkipped", "userType", "deviceUsageType"} {
				clean[k] = o[k]
			}
			body["outOfBoxExperienceSetting"] = clean
			p.Body = merge(body, want)
		}
		p.NewTargets = missing(d.Targets, cur.Assignments)
		if len(p.NewTargets) > 0 {
			p.Changes = append(p.Changes, result.FieldChange{Field: "assignments", From: targetNames(cur.Assignments),
				To: targetNames(append(append([]Target{}, cur.Assignments...), p.NewTargets...))})
		}
	}
	if p.Body != nil {
		o := oobe(p.Body)
		o["escapeLinkHidden"] = true // the service requires it (docs/graph.md#deployment-profiles)
		if o["deviceUsageType"] == "shared" {
			delete(o, "userType") // refused on self-deploying profiles
		}
		p.Body["outOfBoxExperienceSetting"] = o
	}
	return p, nil
}

// EnablesConversion reports whether the plan turns on hardwareHashExtractionEnabled, which can't be undone
// for the devices it converts (docs/graph.md#deployment-profiles).
func (p *ProfilePlan) EnablesConversion() bool {
	return p.Body != nil && p.Body["hardwareHashExtractionEnabled"] == true && (p.Current == nil || p.Current.Props["hardwareHashExtractionEnabled"] != true)
}

// checkAllDevices refuses All Devices when another profile holds it (only one may), and exclusions beside it.
func checkAllDevices(list []*Profile, cur *Profile, targets []Target) error {
	wantAll, wantExcl := false, false
	for _, t := range targets {
		wantAll = wantAll || t.Kind == AllDevices
		wantExcl = wantExcl || t.Kind == Exclude
	}
	if cur != nil {
		for _, t := range cur.Assignments {
			if t.Kind == Exclude && wantAll || t.Kind == AllDevices && wantExcl {
				return invalidf("deployment profile %s: All Devices can't be combined with exclusions", safetext.Quote(cur.DisplayName))
			}
		}
	}
	if !wantAll {
		return nil
	}
	if wantExcl {
		return invalidf("All Devices can't be combined with exclusions")
	}
	for _, o := range list {
		if cur != nil && o.ID == cur.ID {
			continue
		}
		for _, t := range o.Assignments {
			if t.Kind == AllDevices {
				return invalidf("deployment profile %s (%s) is already assigned to All Devices; only one profile can be", safetext.Quote(o.DisplayName), o.ID)
			}
		}
	}
	return nil
}

// Check refuses an update or replacement that was not asked for.
func (p *ProfilePlan) Check(update bool) error {
	switch {
	case p.Current == nil || len(p.Changes) == 0:
		return nil
	case p.Replace != "" && !p.Desired.Replace:
		return &ConflictError{What: "deployment profile", Name: p.Current.DisplayName, ID: p.Current.ID, Changes: p.Changes,
			Reason: "must be replaced: " + p.Replace + "; pass --replace to create a new profile, move its assignments and delete this one:"}
	case !update && !p.Desired.Replace:
		return &ConflictError{What: "deployment profile", Name: p.Current.DisplayName, ID: p.Current.ID, Changes: p.Changes,
			Reason: "exists and differs; pass --update to change it:"}
	}
	return nil
}

// ApplyProfile makes the tenant match the plan: POST (create), PATCH the editable set (update) or create a
// new profile, move the assignments and delete the old one (replace); every write is read back and compared;
// missing targets are added one by one through /assignments (docs/graph.md#deployment-profiles).
func ApplyProfile(ctx context.Context, c *graph.Client, p *ProfilePlan, dryRun bool) *Change {
	ch := &Change{Change: result.Change{Kind: ProfileKind, Name: p.Desired.Settings.DisplayName, Changes: p.Changes}}
	cur := p.Current
	if cur != nil {
		ch.Name, ch.ID = cur.DisplayName, cur.ID
		if p.Body == nil && len(p.NewTargets) == 0 {
			ch.Status = result.Unchanged
			return ch
		}
	}
	send := func(method, path string, body, out any) error {
		if dryRun {
			ch.Requests = append(ch.Requests, Request{method, path, body})
			return nil
		}
		return c.Do(ctx, method, path, body, out)
	}
	id, replacing := newID, cur != nil && p.Replace != ""
	if cur != nil && !replacing {
		id = cur.ID
	}
	what := "profile " + safetext.Quote(ch.Name)
	// The writes to go, in order: each that goes through moves to pr, so a failure part-way reports what the
	// tenant holds now (and, for a replacement, how to finish) rather than the plan.
	var pr progress
	var todo []string
	var moves, adds []Target
	if replacing {
		for _, t := range cur.Assignments {
			if p.Into == nil || missing([]Target{t}, p.Into.Assignments) != nil {
				moves = append(moves, t)
			}
		}
	}
	adds = p.NewTargets
	if p.Into != nil {
		adds = missing(p.NewTargets, p.Into.Assignments)
	}
	switch {
	case p.Into != nil:
	case p.Body != nil && replacing:
		todo = append(todo, "create the replacement "+what)
	case p.Body != nil && cur == nil:
		todo = append(todo, "create "+what)
	case p.Body != nil:
		todo = append(todo, "update of "+what+"'s settings")
	}
	for _, t := range moves {
		todo = append(todo, "move of "+t.String()+" to the new profile")
	}
	for _, t := range adds {
		todo = append(todo, "assignment to "+t.String())
	}
	if replacing {
		todo = append(todo, "delete of the old profile "+cur.ID)
	}
	added := []Target{}
	step := func(done string) {
		pr.did(done)
		todo = todo[1:]
	}
	fail := func(err error) *Change {
		pr.failed(ch, err, strings.Join(todo, "; "))
		if !ch.Partial() {
			return ch
		}
		var kept []result.FieldChange
		for _, c := range ch.Changes {
			if c.Field != "assignments" && (p.Body == nil || len(pr.done) > 0) {
				kept = append(kept, c)
			}
		}
		if len(added) > 0 && !replacing {
			have := append([]Target{}, cur.Assignments...)
			if cur == nil {
				have = nil
			}
			kept = append(kept, result.FieldChange{Field: "assignments", From: targetNames(have), To: targetNames(append(have, added...))})
		}
		ch.Changes = kept
		if replacing {
			ch.Changes = nil
			ch.Message += fmt.Sprintf("; the old profile %s (%s) still exists: run the same command again to finish the replacement", safetext.Quote(cur.DisplayName), cur.ID)
		}
		return ch
	}
	if p.Into != nil {
		id, ch.ID = p.Into.ID, p.Into.ID
	} else if p.Body != nil {
		var created struct {
			ID string `json:"id"`
		}
		if cur == nil || replacing {
			if err := send("POST", profilesPath, p.Body, &created); err != nil {
				return fail(err)
			}
			if !dryRun {
				id, ch.ID = created.ID, created.ID
			}
			step(map[bool]string{true: "created the replacement " + what + " (" + created.ID + ")", false: "created " + what + " (" + created.ID + ")"}[replacing])
		} else if err := send("PATCH", profilesPath+"/"+escape(id), p.Body, nil); err != nil {
			return fail(err)
		} else {
			step("updated " + what + "'s settings")
		}
		if !dryRun {
			var got map[string]any
			if err := c.Do(ctx, "GET", profilesPath+"/"+escape(id), nil, &got); err != nil {
				return fail(err)
			}
			if err := readBack(p.Body, got); err != nil {
				return fail(err)
			}
		}
	}
	path := profilesPath + "/" + escape(id) + "/assignments"
	// Move each assignment: All Devices leaves the old profile first (only one may hold it); groups are
	// added to the new one first, so their devices are never without a profile.
	for _, t := range moves {
		del := Request{"DELETE", profilesPath + "/" + escape(cur.ID) + "/assignments/" + escape(t.ID), nil}
		add := Request{"POST", path, map[string]any{"target": t.graphTarget()}}
		order := []Request{add, del}
		if t.Kind == AllDevices {
			order = []Request{del, add}
		}
		for _, r := range order {
			if err := send(r.Method, r.Path, r.Body, nil); err != nil {
				return fail(err)
			}
		}
		step("moved " + t.String())
	}
	for _, t := range adds {
		if err := send("POST", path, map[string]any{"target": t.graphTarget()}, nil); err != nil {
			return fail(err)
		}
		added = append(added, t)
		step("assigned to " + t.String())
	}
	if replacing {
		if err := send("DELETE", profilesPath+"/"+escape(cur.ID), nil, nil); err != nil {
			return fail(err)
		}
		ch.Message = "replaced " + cur.ID + ": " + p.Replace
	}
	switch {
	case dryRun && cur == nil:
		ch.Status = result.WouldCreate
	case dryRun && replacing:
		ch.Status, ch.Message = result.WouldReplace, "would replace "+cur.ID+": "+p.Replace
	case dryRun:
		ch.Status = result.WouldUpdate
	case cur == nil:
		ch.Status = result.Created
	case replacing:
		ch.Status = result.Replaced
	default:
		ch.Status = result.Updated
	}
	return ch
}

// UnassignProfile deletes the profile's assignments to the targets, one by one.
func UnassignProfile(ctx context.Context, c *graph.Client, p *Profile, remove []Target, dryRun bool) *Change {
	ch := &Change{Change: result.Change{Kind: ProfileKind, Name: p.DisplayName, ID: p.ID}}
	var gone, keep []Target
	for _, t := range p.Assignments {
		if missing([]Target{t}, remove) == nil {
			gone = append(gone, t)
		} else {
			keep = append(keep, t)
		}
	}
	if len(gone) == 0 {
		ch.Status, ch.Message = result.Unchanged, "none of these groups is assigned"
		return ch
	}
	ch.Changes = []result.FieldChange{{Field: "assignments", From: targetNames(p.Assignments), To: targetNames(keep)}}
	var pr progress
	for i, t := range gone {
		path := profilesPath + "/" + escape(p.ID) + "/assignments/" + escape(t.ID)
		if dryRun {
			ch.Requests = append(ch.Requests, Request{"DELETE", path, nil})
			continue
		}
		if err := c.Do(ctx, "DELETE", path, nil, nil); err != nil {
			// Only the removals made are changes; the rest are named as not done.
			left := append(append([]Target{}, keep...), gone[i:]...)
			ch.Changes[0].To = targetNames(left)
			if i == 0 {
				ch.Changes = nil
			}
			return pr.failed(ch, err, "removal of "+strings.Join(targetNames(gone[i:]), ", "))
		}
		pr.did("removed " + t.String())
	}
	ch.Status = map[bool]result.Status{true: result.WouldUpdate, false: result.Updated}[dryRun]
	return ch
}

// DeleteProfile removes the profile's assignments, then the profile (the service refuses to delete an
// assigned one).
func DeleteProfile(ctx context.Context, c *graph.Client, p *Profile, dryRun bool) *Change {
	ch := UnassignProfile(ctx, c, p, p.Assignments, dryRun)
	if ch.Status == result.Failed {
		if ch.Partial() {
			ch.Message += "; delete of the profile"
		}
		return ch
	}
	ch.Changes, ch.Message = nil, ""
	path := profilesPath + "/" + escape(p.ID)
	if dryRun {
		ch.Status, ch.Requests = result.WouldDelete, append(ch.Requests, Request{"DELETE", path, nil})
		return ch
	}
	if err := c.Do(ctx, "DELETE", path, nil, nil); err != nil {
		ch.Status, ch.Error = result.Failed, err.Error()
		return ch
	}
	ch.Status = result.Deleted
	return ch
}
