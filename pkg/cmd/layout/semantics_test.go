package layout

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// What a layout file means where a newcomer would guess otherwise: several files in one tenant, leaving keys
// out, and where the errors point.

// teamLayout is a named layout of one group, one ESP and one profile, all called after team.
func teamLayout(name, team string) string {
	head := ""
	if name != "" {
		head = "name: " + name + "\n"
	}
	return head + strings.ReplaceAll(`groups:
  - displayName: @ Devices
    groupTag: @
esps:
  - displayName: @ ESP
    assign: [@ Devices]
profiles:
  - displayName: @ Profile
    mode: user-driven
    assign: [@ Devices]
`, "@", team)
}

// deletes are the last run's DELETE requests.
func deletes(e *cmdtest.Env) []string {
	return slices.DeleteFunc(writes(e), func(w string) bool { return !strings.HasPrefix(w, "DELETE ") })
}

// description reads a group's description as the tenant holds it.
func groupDescription(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	var list struct {
		Value []struct {
			Description string `json:"description"`
		} `json:"value"`
	}
	graphDo(t, e, "GET", "/groups?$filter=displayName%20eq%20'"+strings.ReplaceAll(name, " ", "%20")+"'&$select=description", nil, &list)
	if len(list.Value) != 1 {
		t.Fatalf("%d groups named %q", len(list.Value), name)
	}
	return list.Value[0].Description
}

// TestLayoutsSharingATenantPruneOnlyTheirOwnObjects: two layouts share a tenant — two named ones, and an
// unnamed one (the plain marker) with a named one. Each marks what it creates with its name, and apply --prune
// of one leaves the other's objects; --prune still deletes what the file itself made and no longer lists.
func TestLayoutsSharingATenantPruneOnlyTheirOwnObjects(t *testing.T) {
	for _, tc := range []struct{ first, second string }{{"Team A", "Team B"}, {"", "Team B"}} {
		t.Run(tc.first+"/"+tc.second, func(t *testing.T) {
			e := empty(t)
			a, b := writeFile(t, teamLayout(tc.first, "A")), writeFile(t, teamLayout(tc.second, "B"))
			applyOK(t, e, a)
			applyOK(t, e, b, "--prune")
			if d := deletes(e); len(d) > 0 {
				t.Errorf("apply --prune of the second deleted %v", d)
			}
			applyOK(t, e, a, "--prune")
			if d := deletes(e); len(d) > 0 {
				t.Errorf("apply --prune of the first deleted %v", d)
			}
			for team, name := range map[string]string{"A": tc.first, "B": tc.second} {
				want := "[managed by autopilotctl layout " + name + "]"
				if name == "" {
					want = "[managed by autopilotctl]"
				}
				if got := groupDescription(t, e, team+" Devices"); got != want {
					t.Errorf("group %s Devices: description %q, want %q", team, got, want)
				}
			}
			for _, f := range []string{a, b} {
				if code := run(e, NewCmdPlan, "-f", f, "--prune"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "No changes: ") {
					t.Errorf("plan --prune -f %s: exit %d\n%s%s", f, code, e.Stdout, e.Stderr)
				}
			}

			// The first drops its ESP: its --prune deletes that, and only that.
			a2 := writeFile(t, strings.Replace(teamLayout(tc.first, "A"), "esps:\n  - displayName: A ESP\n    assign: [A Devices]\n", "", 1))
			if code := run(e, NewCmdPlan, "-f", a2, "--prune"); code != 0 {
				t.Fatalf("plan --prune: exit %d\n%s", code, e.Stderr)
			}
			if out := e.Stdout.String(); !strings.HasPrefix(out, `- delete ESP "A ESP" (`) ||
				!strings.HasSuffix(out, "Plan: 0 to create, 0 to update, 0 to replace, 1 to delete; 2 unchanged.\n") {
				t.Errorf("plan --prune:\n%s", out)
			}
		})
	}
}

// TestALayoutAdoptsAnotherLayoutsObjectByName: a file that lists by name an object another layout made takes
// it over: the plan shows the marker changing, as a description change (the file's description, or the
// tenant's when the file gives none), and after apply the object is this layout's to prune.
func TestALayoutAdoptsAnotherLayoutsObjectByName(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, teamLayout("Team A", "A")))
	b := writeFile(t, "name: Team B\ngroups:\n  - displayName: A Devices\n    groupTag: A\nprofiles:\n  - displayName: A Profile\n    mode: user-driven\n")
	if code := run(e, NewCmdPlan, "-f", b); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	group := `~ update group "A Devices" (`
	profile := `~ update profile "A Profile" (`
	change := `    description: "[managed by autopilotctl layout Team A]" → "[managed by autopilotctl layout Team B]"` + "\n"
	if !strings.HasPrefix(out, group) || strings.Count(out, change) != 2 || !strings.Contains(out, ")\n"+change+profile) ||
		!strings.HasSuffix(out, "Plan: 0 to create, 2 to update, 0 to replace, 0 to delete; 0 unchanged.\n") {
		t.Errorf("plan:\n%s", out)
	}
	takes := func(what string) string {
		return "warning: " + what + " carries [managed by autopilotctl layout Team A]: applying this file takes it over (it gets [managed by autopilotctl layout Team B], and that layout's --prune no longer sees it)\n"
	}
	if want := takes(`group "A Devices"`) + takes(`profile "A Profile"`); e.Stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
	}
	applyOK(t, e, b)
	if got := groupDescription(t, e, "A Devices"); got != "[managed by autopilotctl layout Team B]" {
		t.Errorf("description %q", got)
	}
	noChanges(t, e, b)
	// Team B's file without the profile: its --prune now deletes it.
	b2 := writeFile(t, "name: Team B\ngroups:\n  - displayName: A Devices\n    groupTag: A\n")
	if code := run(e, NewCmdPlan, "-f", b2, "--prune"); code != 0 || !strings.HasPrefix(e.Stdout.String(), `- delete profile "A Profile" (`) {
		t.Errorf("plan --prune: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

// TestLeavingOutAssignLeavesTheTenantsAssignments: an object whose file entry says nothing of assignments
// (no assign, exclude, allDevices or allUsers) keeps the tenant's, as a setting left out keeps its value;
// assign: [] says "none", and apply removes them.
func TestLeavingOutAssignLeavesTheTenantsAssignments(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, oneOfEach))
	const assign = "    assign: [AP Sales]\n"
	leave := writeFile(t, strings.ReplaceAll(oneOfEach, assign, ""))
	noChanges(t, e, leave)
	applyOK(t, e, leave)
	if w := writes(e); len(w) > 0 {
		t.Errorf("apply of a file that leaves assignments wrote %v", w)
	}

	none := writeFile(t, strings.ReplaceAll(oneOfEach, assign, "    assign: []\n"))
	if code := run(e, NewCmdPlan, "-f", none); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	if strings.Count(out, `    assignments: ["AP Sales"] → []`+"\n") != 2 ||
		!strings.HasSuffix(out, "Plan: 0 to create, 2 to update, 0 to replace, 0 to delete; 2 unchanged.\n") {
		t.Errorf("plan:\n%s", out)
	}
	applyOK(t, e, none)
	// The ESP's set is written whole (assign with no targets), the profile's assignment deleted.
	if w := writes(e); len(w) != 2 || !strings.HasPrefix(w[0], "POST /deviceManagement/deviceEnrollmentConfigurations/") || !strings.HasSuffix(w[0], "/assign") ||
		!strings.HasPrefix(w[1], "DELETE /deviceManagement/windowsAutopilotDeploymentProfiles/") || !strings.Contains(w[1], "/assignments/") {
		t.Errorf("apply wrote %v, want the ESP's assign and the profile assignment's DELETE", w)
	}
	noChanges(t, e, none)
}

// TestAProfileThatLeavesItsAssignmentsKeepsAllDevices: a tenant profile assigned to All Devices that the
// file lists without assignment keys keeps All Devices, so another profile of the file can't take it.
func TestAProfileThatLeavesItsAssignmentsKeepsAllDevices(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "profiles:\n  - displayName: Everyone\n    mode: user-driven\n    allDevices: true\n"))
	file := writeFile(t, "profiles:\n  - displayName: Everyone\n    mode: user-driven\n  - displayName: Other\n    mode: self-deploying\n    allDevices: true\n")
	if code := run(e, NewCmdPlan, "-f", file); code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, e.Stdout, e.Stderr)
	}
	if got := e.Stderr.String(); !strings.HasPrefix(got, "error: "+file+`:6: profiles[1].allDevices: deployment profile "Everyone" (`) ||
		!strings.HasSuffix(got, ") is already assigned to All Devices; only one profile can be\n") {
		t.Errorf("stderr: %s", got)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("wrote %v", w)
	}
}

// overlapTenant has 3 Sales devices among 5, and two profiles a first layout made that overlap on them.
func overlapTenant(t *testing.T) *cmdtest.Env {
	t.Helper()
	seed := &graphmock.Seed{}
	for i, tag := range []string{"Sales", "Sales", "Sales", "Kiosk", "Other"} {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{SerialNumber: fmt.Sprintf("SEM%d", i), GroupTag: tag})
	}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	first := `name: First
groups:
  - displayName: AP - Sales
    groupTag: Sales
  - displayName: AP - Everything
    allAutopilot: true
profiles:
  - displayName: Sales UD
    mode: user-driven
    assign: [AP - Sales]
`
	applyOK(t, e, writeFile(t, first))
	e.Clock.Advance(time.Minute) // Sales UD is the older
	applyOK(t, e, writeFile(t, first+"  - displayName: Everything UD\n    mode: user-driven\n    assign: [AP - Everything]\n"))
	return e
}

const overlapWarning = `deployment profile %q: 3 devices it targets get "Sales UD" instead, which targets them too and is older (a device in the groups of several profiles gets the oldest)`

// TestOverlapWarningsNameOnlyPairsWithAProfileOfTheFile: the tenant's profiles overlap, but a file that lists
// neither has nothing to say about it; one that lists a profile which leaves its assignments is warned with
// the tenant's assignments for it; and apply -o json carries the warnings.
func TestOverlapWarningsNameOnlyPairsWithAProfileOfTheFile(t *testing.T) {
	e := overlapTenant(t)
	other := writeFile(t, "name: Second\ngroups:\n  - displayName: AP - Nobody\nprofiles:\n  - displayName: Nobody SD\n    mode: self-deploying\n    assign: [AP - Nobody]\n")
	m, code := planJSON(t, e, other)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	if m["warnings"] != nil || e.Stderr.String() != "" {
		t.Errorf("warnings about profiles the file doesn't list: %v\n%s", m["warnings"], e.Stderr)
	}

	// Everything UD is listed with its assignments left as they are: they still count. New UD is the file's.
	adopt := writeFile(t, "name: First\nprofiles:\n  - displayName: Everything UD\n    mode: user-driven\n  - displayName: New UD\n    mode: user-driven\n    assign: [AP - Sales]\n")
	want := []string{fmt.Sprintf(overlapWarning, "Everything UD"), fmt.Sprintf(overlapWarning, "New UD")}
	m, code = planJSON(t, e, adopt)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	if got := toStrings(m["warnings"]); !slices.Equal(got, want) {
		t.Errorf("warnings:\n%q\nwant:\n%q", got, want)
	}
	if code := run(e, NewCmdApply, "-f", adopt, "--yes", "-o", "json"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, e.Stderr)
	}
	var rep struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &rep); err != nil {
		t.Fatalf("apply -o json: %v\n%s", err, e.Stdout)
	}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("apply -o json warnings:\n%q\nwant:\n%q", rep.Warnings, want)
	}
}

// TestFileValueErrorsNameTheirKey: values the domain packages refuse are reported at the key that holds
// them, and a profile must say its mode; nothing is sent.
func TestFileValueErrorsNameTheirKey(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"profile without mode", "profiles:\n  - displayName: P\n    assign: []\n",
			":2: profiles[0].mode: mode is required: user-driven, self-deploying or pre-provisioning"},
		{"join", "profiles:\n  - displayName: P\n    mode: user-driven\n    join: azuread\n",
			`:4: profiles[0].join: join "azuread" is not entra or hybrid`},
		{"hybrid template", "profiles:\n  - displayName: P\n    mode: user-driven\n    join: hybrid\n    deviceNameTemplate: S-%SERIAL%\n",
			":5: profiles[0].deviceNameTemplate: a hybrid join profile has no device name template: the domain join configuration names the device"},
		{"template length", "profiles:\n  - displayName: P\n    mode: user-driven\n    deviceNameTemplate: CONTOSO-SALES-%RAND:4%\n",
			`:4: profiles[0].deviceNameTemplate: device name template "CONTOSO-SALES-%RAND:4%": device names are limited to 15 characters`},
		{"user type", "profiles:\n  - displayName: P\n    mode: user-driven\n    outOfBoxExperienceSetting:\n      eulaHidden: true\n      userType: admin\n",
			`:6: profiles[0].outOfBoxExperienceSetting.userType: userType "admin" is not standard or administrator`},
		{"self-deploying hybrid", "profiles:\n  - displayName: P\n    mode: self-deploying\n    join: hybrid\n",
			":4: profiles[0].join: self-deploying mode supports Microsoft Entra join only"},
		{"ESP timeout", "esps:\n  - displayName: E\n    showInstallationProgress: true\n    installProgressTimeoutInMinutes: 0\n",
			":4: esps[0].installProgressTimeoutInMinutes: installProgressTimeoutInMinutes is 0; it must be from 1 to 1440 minutes"},
		{"assigned and excluded", "groups:\n  - displayName: G\n    groupTag: G\nesps:\n  - displayName: E\n    assign: [G]\n    exclude: [H, g]\n",
			`:7: esps[0].exclude: group "g" is in assign too; a group can't be both assigned and excluded`},
		{"layout name punctuation", "name: Team-A!\ngroups:\n  - displayName: G\n",
			`:1: name: "Team-A!" holds "-": use letters A to Z, digits, spaces, _ and . (it goes into profile descriptions, which are reported to refuse other punctuation)`},
		{"layout name length", "\nname: " + strings.Repeat("x", 41) + "\n",
			`:2: name: it is 41 characters long; at most 40 are allowed`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			file := writeFile(t, tc.body)
			for _, cmd := range []func(*cmdutil.Factory) *cobra.Command{NewCmdPlan, NewCmdApply} {
				args := []string{"-f", file}
				if cmd(e.Factory).Name() == "apply" {
					args = append(args, "--yes")
				}
				if code := run(e, cmd, args...); code != 2 {
					t.Errorf("exit %d, want 2\n%s", code, e.Stderr)
				}
				if want := "error: " + file + tc.want + "\n"; e.Stderr.String() != want {
					t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
				}
				if n := len(e.Mock.Requests()); n > 0 {
					t.Errorf("sent %d requests", n)
				}
			}
		})
	}
}

// TestPlanRefusalsFoundAgainstTheTenantNameTheirKey: a combination the service refuses, found once the ESP
// is planned, points at the key too.
func TestPlanRefusalsFoundAgainstTheTenantNameTheirKey(t *testing.T) {
	e := empty(t)
	file := writeFile(t, "esps:\n  - displayName: E\n    blockDeviceSetupRetryByUser: true\n    allowDeviceResetOnInstallFailure: true\n")
	if code := run(e, NewCmdPlan, "-f", file); code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, e.Stderr)
	}
	want := "error: " + file + ":4: esps[0].allowDeviceResetOnInstallFailure: blockDeviceSetupRetryByUser is true, so allowDeviceResetOnInstallFailure must be false (the service refuses the combination)\n"
	if e.Stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("wrote %v", w)
	}
}

// TestExportWritesTheLayoutsName: a tenant whose marked objects all carry one layout's marker exports with
// that name (and no marker in any description), so the export plans as no changes and an apply of it into
// another tenant marks as the first did; once two layouts share the tenant, there is no one name to write.
func TestExportWritesTheLayoutsName(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, teamLayout("Team A", "A")))
	if code := run(e, NewCmdExport); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	if _, body, _ := strings.Cut(out, "\n"); !strings.HasPrefix(body, "name: Team A\n") || strings.Contains(out, "managed by") {
		t.Errorf("export:\n%s", out)
	}
	exported := writeFile(t, out)
	noChanges(t, e, exported)

	other := empty(t)
	applyOK(t, other, exported)
	if got := groupDescription(t, other, "A Devices"); got != "[managed by autopilotctl layout Team A]" {
		t.Errorf("description in the other tenant %q", got)
	}

	applyOK(t, e, writeFile(t, teamLayout("Team B", "B")))
	if code := run(e, NewCmdExport); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	if out := e.Stdout.String(); strings.Contains(out, "\nname:") || strings.Contains(out, "managed by") {
		t.Errorf("export of two layouts:\n%s", out)
	}
}
