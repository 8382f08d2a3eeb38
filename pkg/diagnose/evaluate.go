package diagnose

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/importer"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Expect is what the admin means the device to go through.
type Expect struct {
	// DevicePreparation: the device should be set up by a device-preparation policy, so its classic
	// registration is a problem rather than a note.
	DevicePreparation bool
}

// Unknown is the report of a serial number (or id) no registered device has: whether an import record for
// it exists, and what became of it.
func (t *Tenant) Unknown(ctx context.Context, serialOrID string, byID bool) (*Device, error) {
	d := &Device{SerialNumber: serialOrID, Unknown: true}
	if byID {
		d.SerialNumber, d.ID = "", serialOrID
		d.add(CheckRegistered, Problem, "not registered", "no Autopilot device has id "+safetext.Short(serialOrID)+" in this tenant",
			"check the id, or name the device by its serial number")
		return d.finish(), nil
	}
	fix := "register it: autopilotctl device import HASHES.csv (the hardware hash from Get-WindowsAutopilotInfo)"
	if hint := autopilot.SeparateSerials(serialOrID); hint != "" {
		fix = hint
	}
	d.add(CheckRegistered, Problem, "not registered", "no Autopilot device has serial number "+safetext.Quote(serialOrID)+" in this tenant", fix)
	records, err := t.importRecords(ctx, serialOrID)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		d.add(CheckImportRecord, Problem, "no import record", "no import record for this serial number either: it was never imported, or its record was cleaned up",
			"import its hardware hash: autopilotctl device import HASHES.csv")
		return d.finish(), nil
	}
	r := records[len(records)-1]
	more := ""
	if len(records) > 1 {
		more = fmt.Sprintf(" (the last of %d)", len(records))
	}
	switch st := r.State.DeviceImportStatus; st {
	case "error":
		name, meaning := importer.Explain(r.State.DeviceErrorCode, r.State.DeviceErrorName)
		d.add(CheckImportRecord, Problem, "import failed: "+name,
			fmt.Sprintf("import record %s%s failed: %d %s", safetext.Short(r.ID), more, r.State.DeviceErrorCode, safetext.Short(name)), meaning)
	case "pending", "unknown", "":
		d.add(CheckImportRecord, Warning, "import pending",
			fmt.Sprintf("import record %s%s is still %s: the service has not registered the device yet", safetext.Short(r.ID), more, orWord(st, "unknown")),
			"wait, then diagnose again: imports usually settle within minutes")
	default:
		d.add(CheckImportRecord, Warning, "import complete, device not listed",
			fmt.Sprintf("import record %s%s is %s, yet no device has this serial number: it may have been deleted since", safetext.Short(r.ID), more, safetext.Short(st)),
			"delete the stale import record and import the device again: autopilotctl device import HASHES.csv")
	}
	return d.finish(), nil
}

// Diagnose runs every check on one registered device. The only requests it may send are a group's
// processing status, read once per group for the whole run.
func (t *Tenant) Diagnose(ctx context.Context, d autopilot.Device, expect Expect) (*Device, error) {
	out := &Device{SerialNumber: d.SerialNumber, ID: d.ID}
	out.add(CheckRegistered, OK, "", "registered in this tenant (id "+safetext.Short(d.ID)+")", "")
	t.deviceChecks(out, d)
	rep := t.reported(d)
	member, pending, err := t.groupCheck(ctx, out, d, rep)
	if err != nil {
		return nil, err
	}
	expected := union(member, pending)
	computed := t.profileCheck(out, d, expected, len(pending) > 0, rep)
	t.espCheck(out, expected)
	t.prepCheck(out, computed, rep, expect)
	return out.finish(), nil
}

// deviceChecks are the device record's own: group tag, assigned user, enrollment state and last contact. A
// device that never contacted the service, or has no user, is healthy.
func (t *Tenant) deviceChecks(out *Device, d autopilot.Device) {
	switch {
	case d.GroupTag == "":
		out.add(CheckGroupTag, OK, "", "no group tag", "")
	case t.usesTagGroups() && !t.tagSelected(d.GroupTag):
		// The tenant targets by group tag, but no group's rule takes this one: a typo, or a stray space, leaves
		// the device out of every tag group without any error.
		detail := "group tag " + safetext.Quote(d.GroupTag) + ": no Autopilot group's rule selects it"
		if strings.TrimSpace(d.GroupTag) != d.GroupTag {
			detail += " (it starts or ends with a space)"
		}
		out.add(CheckGroupTag, Warning, "no group for this tag", detail,
			"give it a tag a group selects: autopilotctl device tag "+arg(d.SerialNumber)+" --group-tag TAG, or create the group: autopilotctl group create \"Autopilot - "+strings.ReplaceAll(strings.TrimSpace(d.GroupTag), `"`, "")+"\" --group-tag "+arg(d.GroupTag))
	default:
		out.add(CheckGroupTag, OK, "", "group tag "+safetext.Quote(d.GroupTag), "")
	}
	if d.UserPrincipalName == "" {
		out.add(CheckUser, OK, "", "no assigned user: whoever signs in during setup becomes the user", "")
	} else {
		out.add(CheckUser, OK, "", "assigned to "+safetext.Quote(d.UserPrincipalName), "")
	}
	contact := "has not contacted the Autopilot service yet"
	if at, ok := d.LastContact(); ok {
		contact = "last contact " + at.UTC().Format("2006-01-02 15:04 UTC")
	}
	state := orWord(d.EnrollmentState, "unknown")
	switch d.EnrollmentState {
	case "blocked":
		out.add(CheckEnrollment, Problem, "enrollment blocked", "enrollment state blocked; "+contact,
			"the service blocks this device's enrollment: check the device in the admin center (Windows Autopilot devices)")
	case "failed", "pendingReset":
		out.add(CheckEnrollment, Warning, "enrollment "+state, "enrollment state "+safetext.Short(state)+"; "+contact,
			"reset the device and run setup again; if it fails again, collect the Autopilot diagnostics from it")
	default:
		out.add(CheckEnrollment, OK, "", "enrollment state "+safetext.Short(state)+"; "+contact, "")
	}
}

// reportedProfile is what the service says of the device's deployment profile.
type reportedProfile struct {
	status             string
	assignedID, name   string
	intended, assigned string // intended profile's name; the assigned date
}

func (t *Tenant) reported(d autopilot.Device) reportedProfile {
	r := reportedProfile{status: d.DeploymentProfileAssignmentStatus}
	if at, ok := graphDate(d.DeploymentProfileAssignedDateTime); ok {
		r.assigned = at
	}
	if len(d.DeploymentProfile) > 0 || len(d.IntendedDeploymentProfile) > 0 {
		a, i := d.Profiles()
		if a != nil {
			r.assignedID, r.name = a.ID, a.DisplayName
		}
		if i != nil {
			r.intended = i.DisplayName
		}
	} else if id, ok := t.assigned[strings.ToLower(d.ID)]; ok {
		r.assignedID = id
		for _, p := range t.profiles {
			if strings.EqualFold(p.ID, id) {
				r.name = p.DisplayName
			}
		}
	}
	if !d.ProfileAssigned() {
		r.assignedID, r.name = "", ""
	}
	return r
}

// usesTagGroups reports whether any Autopilot group selects devices by group tag ([OrderID]).
func (t *Tenant) usesTagGroups() bool {
	return slices.ContainsFunc(t.ruled, func(rg ruledGroup) bool {
		return strings.Contains(strings.ToLower(rg.g.MembershipRule), "[orderid]")
	})
}

// tagSelected reports whether some group's rule selects a device by this group tag alone.
func (t *Tenant) tagSelected(tag string) bool {
	byTag := rule.Device{PhysicalIDs: []string{"[OrderID]:" + tag}}
	return slices.ContainsFunc(t.ruled, func(rg ruledGroup) bool { return rg.r.Match(byTag) })
}

// groupCheck compares the Autopilot groups whose rules select the device here with the groups it is in.
// member and pending are lower-cased group ids: groups it is in, and groups whose rule selects it but whose
// membership processing has not added it yet.
func (t *Tenant) groupCheck(ctx context.Context, out *Device, d autopilot.Device, rep reportedProfile) (member, pending []string, err error) {
	entraID := strings.ToLower(d.AzureAdDeviceID)
	for id, set := range t.members {
		if entraID != "" && set[entraID] {
			member = append(member, id)
		}
	}
	slices.Sort(member)
	rd := rule.Device{PhysicalIDs: groups.PhysicalIDs(d), Properties: map[string]string{"enrollmentProfileName": rep.name}}
	var pendingText []string
	status, reason, fix := OK, "", ""
	for _, rg := range t.ruled {
		id := strings.ToLower(rg.g.ID)
		if slices.Contains(member, id) || !rg.certain || !rg.r.Match(rd) {
			continue
		}
		st, err := t.processingOf(ctx, rg.g)
		if err != nil {
			return nil, nil, err
		}
		pending = append(pending, id)
		name := safetext.Quote(rg.g.DisplayName)
		switch {
		case st != nil && st.Status == groups.StatusFailed:
			pendingText = append(pendingText, name+" (membership processing failed: "+safetext.Short(st.ErrorMessage)+")")
			status, reason, fix = Problem, "membership processing failed", "fix the group's rule, then: autopilotctl group wait "+arg(rg.g.DisplayName)
		case st != nil && st.Status == groups.StatusSucceeded:
			pendingText = append(pendingText, name+" (processing finished without adding it)")
			status, reason, fix = worse(status, Warning), "rule matches, not a member", "check the device's Entra object: autopilotctl group preview --group "+arg(rg.g.DisplayName)+" --explain "+arg(d.SerialNumber)
		default:
			what := "no status"
			if st != nil {
				what = safetext.Short(st.Status)
			}
			pendingText = append(pendingText, name+" (membership processing pending: "+what+")")
			if status == OK {
				status, reason, fix = Warning, "membership processing pending", "wait for processing: autopilotctl group wait "+arg(rg.g.DisplayName)
			}
		}
	}
	var parts []string
	if len(member) > 0 {
		names := make([]string, len(member))
		for i, id := range member {
			names[i] = safetext.Quote(t.groupName(id))
		}
		parts = append(parts, "member of "+strings.Join(names, ", "))
	}
	if len(pendingText) > 0 {
		parts = append(parts, "selected by "+strings.Join(pendingText, ", "))
	}
	if len(parts) == 0 {
		tag := "its group tag " + safetext.Quote(d.GroupTag)
		create := "autopilotctl group create \"Autopilot - " + strings.ReplaceAll(d.GroupTag, `"`, "") + "\" --group-tag " + arg(d.GroupTag)
		if d.GroupTag == "" {
			tag, create = "it (it has no group tag)", "autopilotctl group create \"Autopilot - All devices\" --all-autopilot"
		}
		out.add(CheckGroups, Warning, "in no group", "in no group that a profile or ESP targets, and no Autopilot group's rule selects "+tag, create)
		return member, pending, nil
	}
	out.add(CheckGroups, status, reason, strings.Join(parts, "; "), fix)
	return member, pending, nil
}

// profileCheck works out the deployment profile that applies to a device in the groups expected (members,
// and groups it is about to join): profiles targeting those groups and not excluding them, the oldest first,
// and only when none does, the profile assigned to All Devices (docs/graph.md#deployment-profiles). It
// compares that with what the service reports; a mismatch is a problem unless membership or the
// assignment is still being processed. It returns the computed profile (nil: none).
func (t *Tenant) profileCheck(out *Device, d autopilot.Device, expected []string, membershipPending bool, rep reportedProfile) *profile {
	var targeting, excluded []string
	var computed, allDevices *profile
	var via string
	for _, p := range t.profiles {
		incl, excl, all := t.targets(p.Assignments, expected)
		switch {
		case excl != "":
			excluded = append(excluded, safetext.Quote(p.DisplayName)+" excludes it through "+safetext.Quote(excl))
		case incl != "":
			targeting = append(targeting, fmt.Sprintf("%s (created %s, through %s)", safetext.Quote(p.DisplayName), p.created.UTC().Format("2006-01-02"), safetext.Quote(incl)))
			if computed == nil {
				computed, via = p, "through group "+safetext.Quote(incl)
			}
		case all && allDevices == nil:
			allDevices = p
		}
	}
	why := via
	if len(targeting) > 1 {
		why = "the oldest of " + strings.Join(targeting, ", ")
	}
	if computed == nil && allDevices != nil {
		computed, why = allDevices, "the All Devices default: no profile targets its groups"
	}
	if len(excluded) > 0 {
		why += "; " + strings.Join(excluded, "; ")
	}
	why = strings.TrimPrefix(why, "; ")
	service := "service: " + orWord(rep.status, "no status")
	if rep.name != "" {
		service += ", assigned " + safetext.Quote(rep.name)
	}
	if rep.intended != "" && rep.intended != rep.name {
		service += ", intended " + safetext.Quote(rep.intended)
	}
	if rep.assigned != "" {
		service += " on " + rep.assigned
	}
	processing := membershipPending || rep.status == "pending"
	switch {
	case computed == nil && rep.assignedID == "":
		fix := "target it: autopilotctl profile assign PROFILE GROUP (a group it is in)"
		if len(expected) == 0 {
			fix = "create a group for it (see the groups check), then: autopilotctl profile assign PROFILE GROUP"
		}
		if len(excluded) > 0 {
			fix = "take it out of the exclusion group, or target it with another profile: autopilotctl profile assign PROFILE GROUP"
		}
		detail := "no deployment profile applies: setup will not run Autopilot's profile"
		if why != "" {
			detail += " (" + why + ")"
		}
		out.add(CheckProfile, Problem, "no profile applies", detail+"; "+service, fix)
	case computed != nil && strings.EqualFold(computed.ID, rep.assignedID):
		out.add(CheckProfile, OK, "", safetext.Quote(computed.DisplayName)+" applies, "+why+"; "+service, "")
	case processing:
		want := "no profile"
		if computed != nil {
			want = safetext.Quote(computed.DisplayName) + " (" + why + ")"
		}
		out.add(CheckProfile, Warning, "profile assignment pending", want+" will apply once processing finishes; "+service,
			"wait and diagnose again; a device set up before then gets the profile the service reports")
	default:
		want := "no profile applies"
		if computed != nil {
			want = safetext.Quote(computed.DisplayName) + " should apply (" + why + ")"
		}
		out.add(CheckProfile, Problem, "reported profile differs", want+", but the "+service,
			"have the service recompute: autopilotctl device sync; if it stays, check the profiles' assignments (autopilotctl profile show PROFILE)")
	}
	return computed
}

// targets says how assignments meet the expected groups: the first included and excluded group, and
// whether All Devices is targeted.
func (t *Tenant) targets(assignments []enrollment.Target, expected []string) (include, exclude string, all bool) {
	for _, a := range assignments {
		in := a.GroupID != "" && slices.Contains(expected, strings.ToLower(a.GroupID))
		switch {
		case a.Kind == enrollment.AllDevices:
			all = true
		case a.Kind == enrollment.Exclude && in && exclude == "":
			exclude = t.groupName(a.GroupID)
		case a.Kind == enrollment.Include && in && include == "":
			include = t.groupName(a.GroupID)
		}
	}
	return include, exclude, all
}

// espCheck names the Enrollment Status Page for the device's groups: the first by priority that targets one
// of them (or All Devices) without excluding it, else the default.
func (t *Tenant) espCheck(out *Device, expected []string) {
	for _, e := range t.esps {
		if e.Default {
			continue
		}
		incl, excl, all := t.targets(e.Assignments, expected)
		if excl != "" || incl == "" && !all {
			continue
		}
		via := "All Devices"
		if incl != "" {
			via = "group " + safetext.Quote(incl)
		}
		out.add(CheckESP, OK, "", fmt.Sprintf("%s (priority %d) through %s", safetext.Quote(e.DisplayName), e.Priority, via), "")
		return
	}
	out.add(CheckESP, OK, "", "the default Enrollment Status Page: no other targets its groups (one assigned to the user's groups can still apply)", "")
}

// prepCheck reports the device-preparation policies and what they mean for a device registered for classic
// Autopilot: device preparation never runs on it (docs/graph.md#device-preparation-and-enrollment-time-grouping).
func (t *Tenant) prepCheck(out *Device, computed *profile, rep reportedProfile, expect Expect) {
	if len(t.prep) == 0 {
		if expect.DevicePreparation {
			out.add(CheckPrep, Problem, "no device-preparation policy", "no device-preparation policy exists",
				"create one: autopilotctl prep create NAME --device-group GROUP --user-group GROUP")
		} else {
			out.add(CheckPrep, OK, "", "no device-preparation policies; the device uses classic Autopilot", "")
		}
		return
	}
	var names []string
	groupProblem := ""
	for _, p := range t.prep {
		var s string
		switch {
		case p.unverifiable:
			s = "device group unverifiable"
		case p.groupID == "":
			s = "no device group bound"
			groupProblem = "policy " + safetext.Quote(p.Name) + " has no device group"
		case p.group == nil:
			s = "device group " + safetext.Short(p.groupID) + " no longer exists"
			groupProblem = "policy " + safetext.Quote(p.Name) + "'s device group is gone"
		case !p.owned:
			s = "device group " + safetext.Quote(p.group.DisplayName) + ", not owned by the Intune Provisioning Client"
			groupProblem = "policy " + safetext.Quote(p.Name) + "'s device group lacks its owner"
		default:
			s = "device group " + safetext.Quote(p.group.DisplayName) + ", owned by the Intune Provisioning Client"
		}
		names = append(names, safetext.Quote(p.Name)+" ("+s+")")
	}
	classic := "registered for classic Autopilot"
	if rep.name != "" {
		classic += " with profile " + safetext.Quote(rep.name)
	} else if computed != nil {
		classic += " (profile " + safetext.Quote(computed.DisplayName) + " applies)"
	}
	detail := fmt.Sprintf("%d device-preparation polic%s: %s; this device is %s, so device preparation will not run on it",
		len(t.prep), map[bool]string{true: "y", false: "ies"}[len(t.prep) == 1], strings.Join(names, ", "), classic)
	fixGroup := "verify and repair the policies: autopilotctl prep verify --all"
	switch {
	case expect.DevicePreparation:
		out.add(CheckPrep, Problem, "classic registration blocks device preparation", detail,
			"deregister the device so device preparation can run: autopilotctl device delete "+arg(out.SerialNumber)+" (then reset it)")
	case groupProblem != "":
		out.add(CheckPrep, Warning, "device-preparation group broken", detail+"; "+groupProblem, fixGroup)
	default:
		out.add(CheckPrep, OK, "", detail, "")
	}
}

func worse(a, b string) string {
	rank := map[string]int{OK: 0, Warning: 1, Problem: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// graphDate is a Graph time as a date and time, false for Graph's "never".
func graphDate(s string) (string, bool) {
	d := autopilot.Device{LastContactedDateTime: s}
	at, ok := d.LastContact()
	if !ok {
		return "", false
	}
	return at.UTC().Format("2006-01-02 15:04 UTC"), true
}

// arg quotes a tenant value for a command line shown in a fix, escaped so it cannot drive a terminal.
func arg(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\") && safetext.Escape(s) == s {
		return s
	}
	return safetext.Quote(s)
}
