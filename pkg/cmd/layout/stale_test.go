package layout

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	prepcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/prep"
	profilecmd "github.com/autopilotctl/autopilotctl/pkg/cmd/profile"
	"github.com/autopilotctl/autopilotctl/pkg/layout"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// planThen makes a plan of file, lets change run (another admin, while apply waits for its answer), then
// applies the plan as `apply` does.
func planThen(t *testing.T, e *cmdtest.Env, file string, prune bool, change func()) *layout.Report {
	t.Helper()
	l, err := layout.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Factory.Graph()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plan, err := layout.Make(ctx, c, l, layout.Options{Prune: prune})
	if err != nil {
		t.Fatal(err)
	}
	change()
	e.Mock.ResetLog()
	return layout.Apply(ctx, c, l, plan, layout.ApplyOptions{Sleep: e.Factory.Sleep})
}

func status(rep *layout.Report, name string) (result.Status, string) {
	for _, o := range rep.Objects {
		if o.Name == name {
			return o.Status, o.Message
		}
	}
	return "", ""
}

// A group someone made while apply waited is not made twice: apply looks it up again just before the create.
func TestApplyDoesNotCreateAGroupMadeSinceThePlan(t *testing.T) {
	e := empty(t)
	file := writeFile(t, "groups:\n  - displayName: Race Group\n")
	rep := planThen(t, e, file, false, func() {
		e.Send(t, "POST", "/groups", map[string]any{"displayName": "Race Group", "mailEnabled": false, "mailNickname": "race",
			"securityEnabled": true, "groupTypes": []string{}})
	})
	if st, _ := status(rep, "Race Group"); st != result.Unchanged {
		t.Errorf("Race Group: %s, want unchanged (the hand-made group is as the file asks)\n%+v", st, rep.Objects[0])
	}
	if n := len(groupsNamed(t, e, "Race Group")); n != 1 {
		t.Errorf("%d groups named Race Group, want 1", n)
	}
	noChanges(t, e, file)
}

// --prune deletes nothing someone took over (removed the marker from) since the plan, and an object already
// gone is no failure.
func TestPruneReadsEachObjectAgainBeforeDeleting(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: Taken\n  - displayName: Gone\n  - displayName: Kept\n"))
	ids := map[string]string{}
	for _, n := range []string{"Taken", "Gone"} {
		ids[n] = groupsNamed(t, e, n)[0]
	}
	file := writeFile(t, "groups:\n  - displayName: Kept\n")
	rep := planThen(t, e, file, true, func() {
		e.Send(t, "PATCH", "/groups/"+ids["Taken"], map[string]any{"description": "now owned by the network team"})
		e.Send(t, "DELETE", "/groups/"+ids["Gone"], nil)
	})
	for name, want := range map[string]string{"Taken": "not deleted: its description no longer carries [managed by autopilotctl] (changed since the plan)", "Gone": "already gone"} {
		if st, msg := status(rep, name); st != result.Unchanged || msg != want {
			t.Errorf("%s: %s %q, want unchanged %q", name, st, msg, want)
		}
	}
	for _, r := range e.Mock.Requests() {
		if r.Method == "DELETE" {
			t.Errorf("sent %s %s", r.Method, r.Path)
		}
	}
}

// groupsNamed is the ids of the tenant's groups named name.
func groupsNamed(t *testing.T, e *cmdtest.Env, name string) []string {
	t.Helper()
	var list struct{ Value []map[string]any }
	graphDo(t, e, "GET", "/groups?$filter="+url.QueryEscape("displayName eq '"+name+"'"), nil, &list)
	var ids []string
	for _, g := range list.Value {
		ids = append(ids, g["id"].(string))
	}
	return ids
}

// --prune leaves a group it made when an object it didn't make still targets it (deleting the group would
// leave that object assigned to a group that no longer exists), and says so; once nothing uses it, it goes.
func TestPruneLeavesAGroupOthersStillUse(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: Tool Group\nprofiles:\n  - displayName: Tool Profile\n    mode: user-driven\n    assign: [Tool Group]\n"))
	if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "create", "Hand Profile", "--mode", "user-driven", "--assign", "Tool Group"); code != 0 {
		t.Fatalf("profile create: exit %d\n%s", code, e.Stderr)
	}
	file := writeFile(t, "groups:\n  - displayName: Other\n")
	applyOK(t, e, file, "--prune")
	want := `warning: group "Tool Group" is not pruned: deployment profile "Hand Profile" still uses it` + "\n"
	if !strings.HasPrefix(e.Stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant it to start with %s", e.Stderr, want)
	}
	if len(groupsNamed(t, e, "Tool Group")) != 1 {
		t.Error("Tool Group was deleted")
	}
	for _, r := range e.Mock.Requests() {
		if r.Method == "DELETE" && !strings.Contains(r.Path, "windowsAutopilotDeploymentProfiles") {
			t.Errorf("sent %s %s", r.Method, r.Path)
		}
	}
	if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "delete", "Hand Profile", "--yes"); code != 0 {
		t.Fatalf("profile delete: exit %d\n%s", code, e.Stderr)
	}
	applyOK(t, e, file, "--prune")
	if len(groupsNamed(t, e, "Tool Group")) != 0 {
		t.Error("Tool Group is still there once nothing uses it")
	}
}

// Export says up front what plan will refuse in the file it writes (here two profiles of one name, which
// Intune allows), and gives neither of them an id comment it can't tell apart.
func TestExportSaysWhatPlanWillRefuse(t *testing.T) {
	e := empty(t)
	for range 2 {
		e.Send(t, "POST", "/deviceManagement/windowsAutopilotDeploymentProfiles", map[string]any{
			"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "Twin",
			"outOfBoxExperienceSetting": map[string]any{"deviceUsageType": "singleUser", "escapeLinkHidden": true}})
	}
	if code := run(e, NewCmdExport); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	second := strings.Count(out[:strings.LastIndex(out, "displayName: Twin")], "\n") + 1
	first := strings.Count(out[:strings.Index(out, "displayName: Twin")], "\n") + 1
	want := fmt.Sprintf("export: plan refuses this file until the tenant changes: line %d: profiles[1].displayName: \"Twin\" is also the name of profiles[0] (line %d); names must differ\n", second, first)
	if e.Stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
	}
	if strings.Contains(out, "displayName: Twin # id") {
		t.Errorf("an id comment on a name two profiles share:\n%s", out)
	}
}

// An entry that names its ESP or profile by id (as a plan refusing two objects of one name asks) is that
// object: --prune never plans to delete it too.
func TestPruneKeepsObjectsTheFileNamesByID(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "name: Alpha\nesps:\n  - displayName: ESP Alpha\nprofiles:\n  - displayName: P Alpha\n    mode: user-driven\n"))
	var esps struct{ Value []map[string]any }
	graphDo(t, e, "GET", espPath, nil, &esps)
	var espID string
	for _, o := range esps.Value {
		if o["displayName"] == "ESP Alpha" {
			espID = o["id"].(string)
		}
	}
	var profiles struct{ Value []map[string]any }
	graphDo(t, e, "GET", "/deviceManagement/windowsAutopilotDeploymentProfiles", nil, &profiles)
	profileID := profiles.Value[0]["id"].(string)
	file := writeFile(t, "name: Alpha\nesps:\n  - displayName: "+espID+"\nprofiles:\n  - displayName: "+profileID+"\n    mode: user-driven\n")
	m, code := planJSON(t, e, file, "--prune")
	if code != 0 {
		t.Fatalf("plan --prune: exit %d\n%s", code, e.Stderr)
	}
	for _, ch := range m["changes"].([]any) {
		if c := ch.(map[string]any); c["action"] == "delete" {
			t.Errorf("plans to delete %v %v (%v), which the file names by id", c["kind"], c["name"], c["id"])
		}
	}
}

// A group --prune is to delete that someone assigns while apply waits is left, and the report says who
// uses it.
func TestPruneLeavesAGroupAssignedSinceThePlan(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: GH\n"))
	if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "create", "Hand Profile", "--mode", "user-driven"); code != 0 {
		t.Fatalf("profile create: exit %d\n%s", code, e.Stderr)
	}
	rep := planThen(t, e, writeFile(t, "groups: []\n"), true, func() {
		if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "assign", "Hand Profile", "GH"); code != 0 {
			t.Fatalf("profile assign: exit %d\n%s", code, e.Stderr)
		}
	})
	if st, msg := status(rep, "GH"); st != result.Unchanged || msg != `not deleted: deployment profile "Hand Profile" uses it now` {
		t.Errorf("GH: %s %q", st, msg)
	}
	if len(groupsNamed(t, e, "GH")) != 1 {
		t.Error("GH was deleted")
	}
}

// A priority that only fits once --prune has deleted ESPs is refused before any write: the places are the
// ESPs the tenant will have after the plan's deletions.
func TestPrunePriorityCountsTheDeletions(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "esps:\n  - displayName: ESP A\n  - displayName: ESP B\n  - displayName: ESP C\n"))
	file := writeFile(t, "esps:\n  - displayName: ESP A\n    priority: 3\n  - displayName: ESP C\n")
	code := run(e, NewCmdApply, "-f", file, "--yes", "--prune")
	want := "error: " + file + ":3: esps[0].priority: priority 3 is past the last place: with --prune the tenant will have 2 Enrollment Status Pages besides the default, so this one takes 1 to 2\n"
	if code != 2 || e.Stderr.String() != want {
		t.Errorf("apply --prune: exit %d\n%s\nwant exit 2 and\n%s", code, e.Stderr, want)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("wrote %v", w)
	}
}

// A profile whose every assignment export leaves out (its group was deleted) is written with `assign: []`:
// without the key the file would leave those assignments as they are, and plan would hide them.
func TestExportWritesNoAssignmentsWhenAllWereLeftOut(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: Tmp G\n"))
	if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "create", "Dangle P", "--mode", "user-driven", "--assign", "Tmp G"); code != 0 {
		t.Fatalf("profile create: exit %d\n%s", code, e.Stderr)
	}
	e.Send(t, "DELETE", "/groups/"+groupsNamed(t, e, "Tmp G")[0], nil)
	if code := run(e, NewCmdExport, "--include", "profiles"); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	if !strings.Contains(e.Stdout.String(), "    assign: []\n") {
		t.Errorf("export:\n%s", e.Stdout)
	}
	file := writeFile(t, e.Stdout.String())
	m, code := planJSON(t, e, file, "--detailed-exitcode")
	if code != 5 || len(m["changes"].([]any)) != 1 {
		t.Errorf("plan of the export: exit %d, %v; want the dangling assignment offered for removal", code, m["changes"])
	}
}

// Export of a tenant holding several named layouts' objects says that the file it writes, having no name,
// would take them all over when applied.
func TestExportSaysWhenItMixesLayouts(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "name: Team A\ngroups:\n  - displayName: GA\n    groupTag: A\n"))
	applyOK(t, e, writeFile(t, "name: Team B\ngroups:\n  - displayName: GB\n    groupTag: B\n"))
	if code := run(e, NewCmdExport, "--include", "groups"); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	want := "export: layout: objects carry the markers of several layouts ([managed by autopilotctl layout Team A], [managed by autopilotctl layout Team B]); this file has no name:, so applying it marks them all [managed by autopilotctl] (split the file by layout, with each one's name:, to keep them apart)\n"
	if e.Stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
	}
}

// Ctrl-C while planning says so in words, not Go's "context canceled".
func TestInterruptedPlanSaysSo(t *testing.T) {
	e := empty(t)
	file := writeFile(t, "groups:\n  - displayName: G\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.Stderr.Reset()
	if code := e.RunContext(ctx, NewCmdPlan(e.Factory), "-f", file); code != 1 || e.Stderr.String() != "error: interrupted (Ctrl-C or SIGTERM) before the command finished\n" {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
}

// When a policy's bound device group is deleted by hand, plan shows the binding going to the group the file
// names (apply makes it first), not to "no group".
func TestPlanShowsTheDeviceGroupApplyWillMakeAndBind(t *testing.T) {
	e := empty(t)
	file := writeFile(t, "groups:\n  - displayName: DPP Devices\ndevicePreparation:\n  - name: DPP\n    deviceGroup: DPP Devices\n")
	applyOK(t, e, file)
	gone := groupsNamed(t, e, "DPP Devices")[0]
	e.Send(t, "DELETE", "/groups/"+gone, nil)
	run(e, NewCmdPlan, "-f", file)
	if want := `    deviceGroup: "` + gone + `" → "DPP Devices"` + "\n"; !strings.Contains(e.Stdout.String(), want) {
		t.Errorf("plan:\n%s\nwant a line\n%s", e.Stdout, want)
	}
	applyOK(t, e, file)
	noChanges(t, e, file)
}

// apply -o json prints its report whether or not there was anything to do, so a pipeline reads one shape.
func TestApplyJSONIsTheReportWithNothingToDo(t *testing.T) {
	e := empty(t)
	file := writeFile(t, "groups:\n  - displayName: G\n")
	applyOK(t, e, file)
	applyOK(t, e, file, "-o", "json", "-q", "[.objects[] | .name + \" \" + .status] | join(\",\")")
	if got := e.Stdout.String(); got != "G unchanged\n" {
		t.Errorf("apply -o json with nothing to do: %q", got)
	}
}

// A replacement of an object autopilotctl didn't create says so: it deletes someone's object.
func TestReplaceSaysWhenItDeletesAnObjectTheToolDidNotMake(t *testing.T) {
	e := empty(t)
	if code := e.Run(profilecmd.NewCmdProfile(e.Factory), "create", "Hand", "--mode", "user-driven"); code != 0 {
		t.Fatalf("profile create: exit %d\n%s", code, e.Stderr)
	}
	m, code := planJSON(t, e, writeFile(t, "profiles:\n  - displayName: Hand\n    mode: self-deploying\n"))
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	ch := m["changes"].([]any)[0].(map[string]any)
	if ch["action"] != "replace" || !strings.HasSuffix(ch["reason"].(string), "; autopilotctl did not create it, and the replacement deletes it") {
		t.Errorf("change: %v", ch)
	}
}

// A group a device-preparation policy may be bound to is not pruned when that binding can't be read: the
// policy may use it.
func TestPruneKeepsGroupsWhenABindingCantBeRead(t *testing.T) {
	e := empty(t)
	fault := &failWrite{next: e.Mock.Client().Transport, method: "GET", suffix: "/retrieveEnrollmentTimeDeviceMembershipTarget", n: 1, status: http.StatusInternalServerError, off: true}
	e.Factory.HTTPClient = &http.Client{Transport: fault}
	applyOK(t, e, writeFile(t, "name: Q\ngroups:\n  - displayName: QG\n"))
	if code := e.Run(prepcmd.NewCmdPrep(e.Factory), "create", "HandPrep", "--mode", "automatic", "--device-group", "QG"); code != 0 {
		t.Fatalf("prep create: exit %d\n%s", code, e.Stderr)
	}
	fault.mu.Lock()
	fault.off = false
	fault.mu.Unlock()
	code := run(e, NewCmdPlan, "-f", writeFile(t, "name: Q\ngroups:\n  - displayName: Other\n"), "--prune")
	want := `warning: group "QG" is not pruned: device-preparation policy "HandPrep" (its device group could not be read: Graph answered 500 Internal Server Error: InternalServerError: injected by the test) still uses it` + "\n"
	if code != 0 || e.Stderr.String() != want || strings.Contains(e.Stdout.String(), "- delete") {
		t.Errorf("plan --prune: exit %d\n%s%s\nwant\n%s", code, e.Stdout, e.Stderr, want)
	}
}

// group delete names a device-preparation policy assigned to the group as its user group, and the one bound
// to it as its device group (pkg/usage; the user groups were missed when read from the policy list).
func TestGroupDeleteNamesThePoliciesThatUseTheGroup(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: Devices\n  - displayName: Users\ndevicePreparation:\n  - name: DPP\n    deviceGroup: Devices\n    userGroups: [Users]\n"))
	for group, how := range map[string]string{"Users": "assigned", "Devices": "its device group"} {
		e.Stderr.Reset()
		if code := e.Run(groupcmd.NewCmdGroup(e.Factory), "delete", group, "--dry-run"); code != 0 {
			t.Fatalf("group delete %s: exit %d\n%s", group, code, e.Stderr)
		}
		if want := "group \"" + group + "\" is used by:\n  device-preparation policy \"DPP\" (" + how + ")\n"; !strings.HasPrefix(e.Stderr.String(), want) {
			t.Errorf("stderr:\n%s\nwant prefix\n%s", e.Stderr, want)
		}
	}
}
