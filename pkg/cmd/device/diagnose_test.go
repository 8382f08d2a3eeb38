package device

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	prepcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/prep"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

const provisioningClientAppID = "f1346770-5b25-470b-88bd-d5744ab7952c"

// diagTenant is a tenant for diagnose: the Sales device SN-1 (assigned to adele) and the Kiosk device KS-1,
// the dynamic groups "Autopilot - All devices" ([ZTDId]) and "Autopilot - Sales" (tag Sales), the profile
// "UD Sales" on the Sales group, and the ESP "ESP Sales" on it. extra adds to the seed before the tenant starts.
func diagTenant(t testing.TB, opts graphmock.Options, extra func(*graphmock.Seed)) *cmdtest.Env {
	t.Helper()
	dynamic := func(name, r string) map[string]any {
		return map[string]any{"displayName": name, "groupTypes": []string{"DynamicMembership"}, "mailEnabled": false,
			"mailNickname": strings.ToLower(strings.ReplaceAll(name, " ", "")), "securityEnabled": true,
			"membershipRule": r, "membershipRuleProcessingState": "On"}
	}
	devs := []graphmock.SeedAutopilotDevice{
		{SerialNumber: "SN-1", GroupTag: "Sales", UserPrincipalName: "adele@contoso.example"},
		{SerialNumber: "KS-1", GroupTag: "Kiosk"},
	}
	for i := range devs {
		devs[i].ID = deviceID(i + 1)
	}
	seed := &graphmock.Seed{AutopilotDevices: devs, DirectorySeed: graphmock.DirectorySeed{
		ServicePrincipals: []string{provisioningClientAppID},
		Groups: []map[string]any{
			dynamic("Autopilot - All devices", rule.AllAutopilotDevices()),
			dynamic("Autopilot - Sales", rule.GroupTag("Sales")),
		},
		EnrollmentConfigurations: []map[string]any{{"@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
			"displayName": "ESP Sales", "showInstallationProgress": true, "installProgressTimeoutInMinutes": 60, "assignGroups": []string{"Autopilot - Sales"}}},
		DeploymentProfiles: []map[string]any{profileBody("UD Sales", "Autopilot - Sales")},
	}}
	if extra != nil {
		extra(seed)
	}
	opts.Seed = seed
	return cmdtest.New(t, opts)
}

func profileBody(name string, groups ...string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": name,
		"locale": "os-default", "deviceType": "windowsPc",
		"outOfBoxExperienceSetting": map[string]any{"privacySettingsHidden": true, "eulaHidden": true,
			"keyboardSelectionPageSkipped": true, "escapeLinkHidden": true, "userType": "standard", "deviceUsageType": "singleUser"},
		"assignGroups": groups}
}

// idOf finds the id of the object named name in a collection (displayName or name).
func idOf(t testing.TB, env *cmdtest.Env, collection, name string) string {
	t.Helper()
	for _, v := range env.Send(t, "GET", collection, nil)["value"].([]any) {
		o := v.(map[string]any)
		if o["displayName"] == name || o["name"] == name {
			return o["id"].(string)
		}
	}
	t.Fatalf("no %s in %s", name, collection)
	return ""
}

const profilesPath = "/deviceManagement/windowsAutopilotDeploymentProfiles"

func groupIDOf(t testing.TB, env *cmdtest.Env, name string) string {
	return idOf(t, env, "/groups?$filter="+url.PathEscape("displayName eq '"+name+"'"), name)
}

// assignProfile adds a target to a profile: "include", "exclude" or "all".
func assignProfile(t testing.TB, env *cmdtest.Env, profile, kind, group string) {
	t.Helper()
	target := map[string]any{"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
	switch kind {
	case "include":
		target = map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": groupIDOf(t, env, group)}
	case "exclude":
		target = map[string]any{"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": groupIDOf(t, env, group)}
	}
	env.Send(t, "POST", profilesPath+"/"+idOf(t, env, profilesPath, profile)+"/assignments", map[string]any{"target": target})
}

// createProfile creates a profile now (on the mock's clock), unassigned.
func createProfile(t testing.TB, env *cmdtest.Env, name string) {
	t.Helper()
	body := profileBody(name)
	delete(body, "assignGroups")
	env.Send(t, "POST", profilesPath, body)
}

// diag runs `device diagnose` with a fresh request log.
func diag(env *cmdtest.Env, args ...string) outcome {
	env.Mock.ResetLog()
	return runCmd(env, append([]string{"diagnose"}, args...)...)
}

// checkLines are the tab-separated rows of one device's checks, as a pipe gets them.
func checkLines(dev string, rows ...[4]string) string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join([]string{dev, r[0], r[1], r[2], r[3]}, "\t"))
	}
	return lines(out...)
}

// The same device data appears in most tests.
var (
	registered1 = [4]string{"registered", "ok", "registered in this tenant (id " + deviceID(1) + ")", ""}
	registered2 = [4]string{"registered", "ok", "registered in this tenant (id " + deviceID(2) + ")", ""}
	salesTag    = [4]string{"groupTag", "ok", `group tag "Sales"`, ""}
	kioskTag    = [4]string{"groupTag", "ok", `group tag "Kiosk"`, ""}
	adele       = [4]string{"assignedUser", "ok", `assigned to "adele@contoso.example"`, ""}
	noUser      = [4]string{"assignedUser", "ok", "no assigned user: whoever signs in during setup becomes the user", ""}
	notContact  = [4]string{"enrollment", "ok", "enrollment state notContacted; has not contacted the Autopilot service yet", ""}
	defaultESP  = [4]string{"enrollmentStatusPage", "ok", "the default Enrollment Status Page: no other targets its groups (one assigned to the user's groups can still apply)", ""}
	salesESP    = [4]string{"enrollmentStatusPage", "ok", `"ESP Sales" (priority 1) through group "Autopilot - Sales"`, ""}
	noPrep      = [4]string{"devicePreparation", "ok", "no device-preparation policies; the device uses classic Autopilot", ""}
	epochDay    = cmdtest.Epoch.Format("2006-01-02")
	epochTime   = cmdtest.Epoch.Format("2006-01-02 15:04 UTC")
)

func TestDiagnoseHealthyDeviceAllOK(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	got := diag(env, "sn-1")
	want := checkLines("SN-1", registered1, salesTag, adele, notContact,
		[4]string{"groups", "ok", `member of "Autopilot - All devices", "Autopilot - Sales"`, ""},
		[4]string{"profile", "ok", `"UD Sales" applies, through group "Autopilot - Sales"; service: assignedUnkownSyncState, assigned "UD Sales" on ` + epochTime, ""},
		salesESP, noPrep)
	if got.code != 0 || got.stdout != want || got.stderr != "1 device diagnosed: 1 without problems, 0 with problems\n" {
		t.Errorf("got %v\nwant stdout\n%s", got, want)
	}
	// The tenant is read once: groups, profiles and ESPs with their assignments, members of the groups that
	// matter, policies; then the device by serial number (Graph refuses contains() with a hyphen, so the
	// devices are listed) and by id with its profiles.
	var routes []string
	for _, r := range env.Mock.Requests() {
		routes = append(routes, r.Route)
	}
	wantRoutes := []string{
		"GET /groups",
		"GET /deviceManagement/windowsAutopilotDeploymentProfiles",
		"GET /deviceManagement/windowsAutopilotDeploymentProfiles/{id}/assignments",
		"GET /deviceManagement/deviceEnrollmentConfigurations",
		"GET /deviceManagement/deviceEnrollmentConfigurations/{id}/assignments",
		"GET /groups/{id}/members", "GET /groups/{id}/members",
		"GET /deviceManagement/configurationPolicies",
		"GET /deviceManagement/windowsAutopilotDeviceIdentities", "GET /deviceManagement/windowsAutopilotDeviceIdentities",
		"GET /deviceManagement/windowsAutopilotDeviceIdentities/{id}",
	}
	if !slices.Equal(routes, wantRoutes) || len(env.Writes()) != 0 {
		t.Errorf("requests:\n%s\nwant\n%s", strings.Join(routes, "\n"), strings.Join(wantRoutes, "\n"))
	}
}

func TestDiagnoseJSON(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	got := diag(env, "KS-1", "SN-1", "-o", "json")
	var res struct {
		Devices []struct {
			SerialNumber, ID string
			OK               bool
			Checks           []map[string]string
		}
	}
	if err := json.Unmarshal([]byte(got.stdout), &res); err != nil || got.code != 1 || len(res.Devices) != 2 {
		t.Fatalf("%v: %v", got, err)
	}
	ks, sn := res.Devices[0], res.Devices[1]
	if ks.SerialNumber != "KS-1" || ks.ID != deviceID(2) || ks.OK || sn.SerialNumber != "SN-1" || !sn.OK || len(sn.Checks) != 8 {
		t.Errorf("devices: %+v", res.Devices)
	}
	// fix only where a check is not ok; the four keys otherwise
	for _, c := range append(ks.Checks, sn.Checks...) {
		if _, hasFix := c["fix"]; hasFix != (c["status"] != "ok") || c["name"] == "" || c["detail"] == "" {
			t.Errorf("check %v", c)
		}
	}
	if got.stderr != "2 devices diagnosed: 1 without problems, 1 with problems\nerror: 1 device has a problem: each check's fix says what to do\n" {
		t.Errorf("stderr %q", got.stderr)
	}
}

// A tag no group selects: the device is in no targeted group, and no profile applies.
func TestDiagnoseNoProfileBecauseTagHasNoGroup(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	// Only the Sales group is targeted here, so the all-devices group does not matter.
	env.Send(t, "DELETE", "/groups/"+groupIDOf(t, env, "Autopilot - All devices"), nil)
	got := diag(env, "KS-1")
	// The tenant selects devices by tag (the Sales group), but no group takes "Kiosk": the tag check says so.
	noKioskGroup := [4]string{"groupTag", "warning", `group tag "Kiosk": no Autopilot group's rule selects it`,
		`give it a tag a group selects: autopilotctl device tag KS-1 --group-tag TAG, or create the group: autopilotctl group create "Autopilot - Kiosk" --group-tag Kiosk`}
	want := checkLines("KS-1", registered2, noKioskGroup, noUser, notContact,
		[4]string{"groups", "warning", `in no group that a profile or ESP targets, and no Autopilot group's rule selects its group tag "Kiosk"`,
			`autopilotctl group create "Autopilot - Kiosk" --group-tag Kiosk`},
		[4]string{"profile", "problem", "no deployment profile applies: setup will not run Autopilot's profile; service: notAssigned",
			"create a group for it (see the groups check), then: autopilotctl profile assign PROFILE GROUP"},
		defaultESP, noPrep)
	if got.code != 1 || got.stdout != want {
		t.Errorf("got %v\nwant stdout\n%s", got, want)
	}
}

// A group created moments ago selects the device by its tag, but its membership processing has not run.
func TestDiagnoseMembershipPending(t *testing.T) {
	env := diagTenant(t, graphmock.Options{ProcessDelay: 10 * time.Minute}, nil)
	env.Send(t, "POST", "/groups", map[string]any{"displayName": "Autopilot - Kiosk", "groupTypes": []string{"DynamicMembership"},
		"mailEnabled": false, "mailNickname": "apkiosk", "securityEnabled": true, "membershipRule": rule.GroupTag("Kiosk"), "membershipRuleProcessingState": "On"})
	createProfile(t, env, "Kiosk profile")
	assignProfile(t, env, "Kiosk profile", "include", "Autopilot - Kiosk")
	got := diag(env, "KS-1")
	want := checkLines("KS-1", registered2, kioskTag, noUser, notContact,
		[4]string{"groups", "warning", `member of "Autopilot - All devices"; selected by "Autopilot - Kiosk" (membership processing pending: NotStarted)`,
			`wait for processing: autopilotctl group wait "Autopilot - Kiosk"`},
		[4]string{"profile", "warning", `"Kiosk profile" (through group "Autopilot - Kiosk") will apply once processing finishes; service: notAssigned`,
			"wait and diagnose again; a device set up before then gets the profile the service reports"},
		defaultESP, noPrep)
	if got.code != 0 || got.stdout != want {
		t.Errorf("got %v\nwant stdout\n%s", got, want)
	}
	if n := len(queries(env, "GET /groups/{id}")); n != 1 {
		t.Errorf("processing status read %d times", n)
	}
	// Once processing is done, the device is a member and, once the service recomputes assignments (the
	// mock does on a group change), has its profile.
	env.Clock.Advance(10 * time.Minute)
	env.Send(t, "PATCH", "/groups/"+groupIDOf(t, env, "Autopilot - Kiosk"), map[string]any{"description": "Kiosks"})
	got = diag(env, "KS-1")
	if got.code != 0 || !strings.Contains(got.stdout, "\tprofile\tok\t\"Kiosk profile\" applies, through group \"Autopilot - Kiosk\"; service: assignedUnkownSyncState, assigned \"Kiosk profile\"") {
		t.Errorf("after processing: %v", got)
	}
}

// The only profile that targets the device's groups excludes one of them.
func TestDiagnoseExcludedByExclusionGroup(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, func(s *graphmock.Seed) {
		s.DeploymentProfiles = []map[string]any{profileBody("Everyone but Sales", "Autopilot - All devices")}
	})
	assignProfile(t, env, "Everyone but Sales", "exclude", "Autopilot - Sales")
	got := diag(env, "SN-1")
	want := [4]string{"profile", "problem", `no deployment profile applies: setup will not run Autopilot's profile ("Everyone but Sales" excludes it through "Autopilot - Sales"); service: notAssigned`,
		"take it out of the exclusion group, or target it with another profile: autopilotctl profile assign PROFILE GROUP"}
	if got.code != 1 || !strings.Contains(got.stdout, checkLines("SN-1", want)) {
		t.Errorf("got %v\nwant a line\n%s", got, checkLines("SN-1", want))
	}
	// The other device, not in the exclusion group, gets it.
	got = diag(env, "KS-1")
	if got.code != 0 || !strings.Contains(got.stdout, "\tprofile\tok\t\"Everyone but Sales\" applies, through group \"Autopilot - All devices\";") {
		t.Errorf("KS-1: %v", got)
	}
}

// Two profiles target the device's groups: the one created first applies, and the service agrees.
func TestDiagnoseTwoProfilesOldestWins(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	env.Clock.Advance(24 * time.Hour)
	createProfile(t, env, "All devices profile")
	assignProfile(t, env, "All devices profile", "include", "Autopilot - All devices")
	got := diag(env, "SN-1")
	next := cmdtest.Epoch.Add(24 * time.Hour).Format("2006-01-02")
	want := [4]string{"profile", "ok", `"UD Sales" applies, the oldest of "UD Sales" (created ` + epochDay + `, through "Autopilot - Sales"), "All devices profile" (created ` + next +
		`, through "Autopilot - All devices"); service: assignedUnkownSyncState, assigned "UD Sales" on ` + epochTime, ""}
	if got.code != 0 || !strings.Contains(got.stdout, checkLines("SN-1", want)) {
		t.Errorf("got %v\nwant a line\n%s", got, checkLines("SN-1", want))
	}
}

// The service reports another profile than the one its assignments give.
func TestDiagnoseReportedProfileDiffers(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, func(s *graphmock.Seed) {
		s.DeploymentProfiles = append(s.DeploymentProfiles, profileBody("Kiosk profile"))
	})
	if err := env.Mock.SetReportedProfile(deviceID(1), idOf(t, env, profilesPath, "Kiosk profile"), "assignedOutOfSync"); err != nil {
		t.Fatal(err)
	}
	got := diag(env, "SN-1")
	want := [4]string{"profile", "problem", `"UD Sales" should apply (through group "Autopilot - Sales"), but the service: assignedOutOfSync, assigned "Kiosk profile" on ` + epochTime,
		"have the service recompute: autopilotctl device sync; if it stays, check the profiles' assignments (autopilotctl profile show PROFILE)"}
	if got.code != 1 || !strings.Contains(got.stdout, checkLines("SN-1", want)) {
		t.Errorf("got %v\nwant a line\n%s", got, checkLines("SN-1", want))
	}
}

// A device-preparation policy exists, but the device is registered for classic Autopilot: device preparation
// will not run on it, which is a problem when it is expected.
func TestDiagnoseClassicRegistrationWithDevicePreparation(t *testing.T) {
	owned := "https://graph.microsoft.com/beta/servicePrincipals(appId='" + provisioningClientAppID + "')"
	env := diagTenant(t, graphmock.Options{}, func(s *graphmock.Seed) {
		s.Groups = append(s.Groups,
			map[string]any{"displayName": "Sales users", "mailEnabled": false, "mailNickname": "salesusers", "securityEnabled": true},
			map[string]any{"displayName": "DPP devices", "mailEnabled": false, "mailNickname": "dppdevices", "securityEnabled": true, "owners@odata.bind": []string{owned}})
	})
	if code := env.Run(prepcmd.NewCmdPrep(env.Factory), "create", "DPP - Sales", "--device-group", "DPP devices", "--user-group", "Sales users"); code != 0 {
		t.Fatalf("prep create: exit %d\n%s%s", code, env.Stdout, env.Stderr)
	}
	detail := `1 device-preparation policy: "DPP - Sales" (device group "DPP devices", owned by the Intune Provisioning Client); ` +
		`this device is registered for classic Autopilot with profile "UD Sales", so device preparation will not run on it`
	got := diag(env, "SN-1", "--expect-device-preparation")
	want := [4]string{"devicePreparation", "problem", detail, "deregister the device so device preparation can run: autopilotctl device delete SN-1 (then reset it)"}
	if got.code != 1 || !strings.HasSuffix(got.stdout, checkLines("SN-1", want)) {
		t.Errorf("got %v\nwant the last line\n%s", got, checkLines("SN-1", want))
	}
	// Not expected: a note, not a problem.
	got = diag(env, "SN-1")
	if got.code != 0 || !strings.HasSuffix(got.stdout, checkLines("SN-1", [4]string{"devicePreparation", "ok", detail, ""})) {
		t.Errorf("without --expect-device-preparation: %v", got)
	}
	// The binding is read from the service, and the group's owners once.
	if n := len(queries(env, "GET /groups/{id}/owners")); n != 1 {
		t.Errorf("owners read %d times", n)
	}
}

// A serial number registered to another tenant: not registered here, and its import record failed.
func TestDiagnoseNotRegisteredFailedImportRecord(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, func(s *graphmock.Seed) { s.OtherTenantSerials = []string{"THEIRS-1"} })
	hash := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("h"), 64))
	env.Send(t, "POST", "/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", map[string]any{
		"importedWindowsAutopilotDeviceIdentities": []any{map[string]any{"serialNumber": "THEIRS-1", "hardwareIdentifier": hash}}})
	env.Clock.Advance(time.Minute)
	records := env.Send(t, "GET", "/deviceManagement/importedWindowsAutopilotDeviceIdentities", nil)["value"].([]any)
	recordID := records[0].(map[string]any)["id"].(string)
	got := diag(env, "THEIRS-1", "NEVER-1", "SN-1")
	want := checkLines("THEIRS-1",
		[4]string{"registered", "problem", `no Autopilot device has serial number "THEIRS-1" in this tenant`, "register it: autopilotctl device import HASHES.csv (the hardware hash from Get-WindowsAutopilotInfo)"},
		[4]string{"importRecord", "problem", "import record " + recordID + " failed: 808 ZtdDeviceAssignedToOtherTenant",
			"the device is registered to another tenant; ask the previous owner to deregister it, or open a Microsoft support case with proof of ownership"}) +
		checkLines("NEVER-1",
			[4]string{"registered", "problem", `no Autopilot device has serial number "NEVER-1" in this tenant`, "register it: autopilotctl device import HASHES.csv (the hardware hash from Get-WindowsAutopilotInfo)"},
			[4]string{"importRecord", "problem", "no import record for this serial number either: it was never imported, or its record was cleaned up", "import its hardware hash: autopilotctl device import HASHES.csv"})
	if got.code != 2 || !strings.HasPrefix(got.stdout, want) ||
		got.stderr != "1 device diagnosed: 1 without problems, 0 with problems\nerror: 2 serial numbers or ids name no registered device in this tenant\n" {
		t.Errorf("got %v\nwant stdout starting\n%s", got, want)
	}
	if n := len(queries(env, "GET /deviceManagement/importedWindowsAutopilotDeviceIdentities")); n != 1 {
		t.Errorf("import records listed %d times", n)
	}
}

func TestDiagnoseBadUsage(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{nil, "error: name the devices: serial numbers or ids as arguments, --group-tag TAG, or --all\n"},
		{[]string{"SN-1", "--all"}, "error: name the devices one way only: serial numbers or ids as arguments, --group-tag TAG, or --all\n"},
		{[]string{"SN-1", "--summary"}, "error: --summary counts many devices: use it with --group-tag or --all\n"},
		{[]string{"--group-tag", ""}, "error: --group-tag: name a group tag (devices without one: use --all)\n"},
		{[]string{"SN\a1"}, "error: argument 1: serial number contains U+0007 (ALERT)\n"},
	} {
		got := diag(env, tt.args...)
		wantErr := tt.stderr + "Run 'autopilotctl device diagnose --help' for usage.\n"
		if got.code != 2 || got.stderr != wantErr || len(env.Mock.Requests()) != 0 {
			t.Errorf("%q: %v\nwant stderr %q and no request", tt.args, got, wantErr)
		}
	}
}

// bulkTenant has n devices: a third tagged Sales (the UD Sales profile), a third Kiosk (a Kiosk group and
// profile), a third untagged (no profile), with pages of 1,000 as the service sends.
func bulkTenant(t testing.TB, n int) *cmdtest.Env {
	t.Helper()
	env := diagTenant(t, graphmock.Options{PageSize: 1000}, func(s *graphmock.Seed) {
		s.AutopilotDevices = nil
		for i := range n {
			s.AutopilotDevices = append(s.AutopilotDevices, graphmock.SeedAutopilotDevice{
				ID: fmt.Sprintf("00000000-0000-4000-b000-%012d", i), SerialNumber: fmt.Sprintf("BULK%05d", i), GroupTag: []string{"Sales", "Kiosk", ""}[i%3]})
		}
		s.Groups = append(s.Groups, map[string]any{"displayName": "Autopilot - Kiosk", "groupTypes": []string{"DynamicMembership"},
			"mailEnabled": false, "mailNickname": "apkiosk", "securityEnabled": true, "membershipRule": rule.GroupTag("Kiosk"), "membershipRuleProcessingState": "On"})
		s.DeploymentProfiles = append(s.DeploymentProfiles, profileBody("Kiosk profile", "Autopilot - Kiosk"))
	})
	return env
}

// Over 2,000 devices the requests follow pages, not devices: every group, profile, assignment and ESP read
// once, members per group.
func TestDiagnoseBulkRequestCount(t *testing.T) {
	env := bulkTenant(t, 2000)
	got := diag(env, "--all", "--summary")
	// The untagged third is in the all-devices group only, which no profile targets.
	want := lines("profile\tproblem\t666\tno profile applies")
	if got.code != 1 || got.stdout != want || got.stderr != "2000 devices diagnosed: 1334 without problems, 666 with problems\nerror: 666 devices have a problem: each check's fix says what to do\n" {
		t.Errorf("got %v\nwant stdout\n%s", got, want)
	}
	st := env.Mock.Stats()
	t.Logf("device diagnose --all over 2,000 devices: %d requests %v", st.Total, st.ByRoute)
	if st.Total >= 40 {
		t.Errorf("%d requests, want fewer than 40: %v", st.Total, st.ByRoute)
	}
	got = diag(env, "--group-tag", "kiosk", "-o", "json")
	var res struct{ Devices []struct{ OK bool } }
	if err := json.Unmarshal([]byte(got.stdout), &res); err != nil || got.code != 0 || len(res.Devices) != 667 {
		t.Errorf("--group-tag kiosk: exit %d, %d devices, %v\n%s", got.code, len(res.Devices), err, got.stderr)
	}
}

// A group tag no registered device has names nothing, like an unknown serial: exit 2, so a typo in a CI gate
// does not pass.
func TestDiagnoseUnknownGroupTagExits2(t *testing.T) {
	env := diagTenant(t, graphmock.Options{}, nil)
	got := diag(env, "--group-tag", "Nope")
	if got.code != 2 || got.stderr != "error: no registered device has group tag \"Nope\": nothing was diagnosed\n" {
		t.Errorf("got %v", got)
	}
}
