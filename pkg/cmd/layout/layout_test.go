package layout

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// empty is a tenant with nothing of Autopilot's but what every tenant has (the default ESP).
func empty(t *testing.T) *cmdtest.Env {
	t.Helper()
	return cmdtest.New(t, graphmock.Options{Seed: &graphmock.Seed{}})
}

// run runs one of the layout commands on a fresh log and output.
func run(e *cmdtest.Env, newCmd func(*cmdutil.Factory) *cobra.Command, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	e.Mock.ResetLog()
	return e.Run(newCmd(e.Factory), args...)
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "autopilot.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writes lists the last run's writes as "METHOD path"; binding reads sent as POST are not writes.
func writes(e *cmdtest.Env) []string {
	var out []string
	for _, r := range e.Writes() {
		if !strings.Contains(r.Path, "/retrieve") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// planJSON runs plan -o json and decodes it.
func planJSON(t *testing.T, e *cmdtest.Env, file string, extra ...string) (map[string]any, int) {
	t.Helper()
	code := run(e, NewCmdPlan, append([]string{"-f", file, "-o", "json"}, extra...)...)
	var m map[string]any
	if code == 0 || code == 5 {
		if err := json.Unmarshal([]byte(e.Stdout.String()), &m); err != nil {
			t.Fatalf("plan -o json: %v\n%s", err, e.Stdout)
		}
	}
	return m, code
}

func applyOK(t testing.TB, e *cmdtest.Env, file string, extra ...string) {
	t.Helper()
	if code := run(e, NewCmdApply, append([]string{"-f", file, "--yes"}, extra...)...); code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, e.Stdout, e.Stderr)
	}
}

// noChanges asserts that plan finds the tenant as the file asks, and sends no write.
func noChanges(t *testing.T, e *cmdtest.Env, file string) {
	t.Helper()
	code := run(e, NewCmdPlan, "-f", file, "--detailed-exitcode")
	if code != 0 || !strings.HasPrefix(e.Stdout.String(), "No changes: ") {
		t.Fatalf("plan after apply: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("plan wrote: %v", w)
	}
	t.Logf("no-change plan of %s: %d requests", filepath.Base(file), len(e.Mock.Requests()))
}

func TestExampleLayoutsApplyToAnEmptyTenantThenPlanNoChanges(t *testing.T) {
	for _, name := range []string{"small-business.yaml", "enterprise.yaml"} {
		t.Run(name, func(t *testing.T) {
			e := empty(t)
			file := filepath.Join("..", "..", "..", "examples", "layouts", name)
			plan, code := planJSON(t, e, file, "--detailed-exitcode")
			if code != 5 {
				t.Fatalf("plan of an empty tenant: exit %d, want 5\n%s", code, e.Stderr)
			}
			if w := writes(e); len(w) > 0 {
				t.Errorf("plan wrote: %v", w)
			}
			t.Logf("summary %v", plan["summary"])
			applyOK(t, e, file)
			noChanges(t, e, file)
		})
	}
}

func TestBadFilesExit2AndSendNothing(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown key", "groups:\n  - displayName: A\n    colour: red\n", `:3: unknown key "colour"`},
		{"wrong type", "esps:\n  - displayName: E\n    priority: first\n", `:3: "first" is a string, but this key takes a whole number`},
		{"duplicate name", "groups:\n  - displayName: A\n    groupTag: A\n  - displayName: a\n    groupTag: B\n", `:4: groups[1].displayName: "a" is also the name of groups[0] (line 2); names must differ`},
		{"cycle", "groups:\n  - displayName: G\n    enrollmentProfile: P\nprofiles:\n  - displayName: P\n    mode: user-driven\n    assign: [G]\n",
			`:3: groups[0].enrollmentProfile: cycle: group "G" holds the devices enrolled with profile "P", and that profile (profiles[0], line 7) is assigned to this group, so no device can join it`},
		{"dynamic device group", "groups:\n  - displayName: D\n    groupTag: D\ndevicePreparation:\n  - name: P\n    deviceGroup: D\n",
			`:6: devicePreparation[0].deviceGroup: group "D" (groups[0]) is dynamic; a device-preparation device group must be an assigned security group`},
		{"two All Devices profiles", "profiles:\n  - displayName: A\n    mode: user-driven\n    allDevices: true\n  - displayName: B\n    mode: user-driven\n    allDevices: true\n",
			`:7: profiles[1].allDevices: profiles[0] is assigned to All Devices too; only one profile can be`},
		{"two rule sources", "groups:\n  - displayName: A\n    groupTag: A\n    allAutopilot: true\n", `:2: groups[0]: give one of groupTag, purchaseOrder, enrollmentProfile, allAutopilot or membershipRule`},
		{"dangling reference", "profiles:\n  - displayName: P\n    mode: user-driven\n    assign: [Nowhere]\n", `:4: profiles[0].assign: group "Nowhere" is neither in the file's groups nor in the tenant`},
		{"empty list item", "groups:\n  - ~\n  - displayName: A\n", `:2: an empty list item (null): remove it or give its value`},
		{"the marker written by hand", "profiles:\n  - displayName: P\n    mode: user-driven\n    description: Sales [managed by autopilotctl]\n",
			`:4: profiles[0].description: holds "[managed by autopilotctl", autopilotctl's ownership marker: apply adds it to what it creates; leave it out`},
		{"a control character in a group tag", "groups:\n  - displayName: A\n    groupTag: \"x\\e[2J\"\n", `:3: groups[0].groupTag: group tag contains U+001B (ESCAPE)`},
		{"a control character in a rule", "groups:\n  - displayName: A\n    membershipRule: \"(device.devicePhysicalIds -any _ -eq \\\"[OrderID]:\\e\\\")\"\n",
			`:3: groups[0].membershipRule: rule contains U+001B (ESCAPE)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			file := writeFile(t, tc.body)
			for _, cmd := range []func(*cmdutil.Factory) *cobra.Command{NewCmdPlan, NewCmdApply} {
				code := run(e, cmd, "-f", file, "--yes")
				if cmd(e.Factory).Name() == "plan" {
					code = run(e, cmd, "-f", file)
				}
				if code != 2 {
					t.Errorf("%s: exit %d, want 2\n%s", cmd(e.Factory).Name(), code, e.Stderr)
				}
				if want := "error: " + file + tc.want + "\n"; e.Stderr.String() != want {
					t.Errorf("%s stderr:\n%s\nwant:\n%s", cmd(e.Factory).Name(), e.Stderr, want)
				}
				if w := writes(e); len(w) > 0 {
					t.Errorf("wrote: %v", w)
				}
			}
		})
	}
}

const oneOfEach = `groups:
  - displayName: AP Sales
    groupTag: Sales
  - displayName: AP Old
    description: hand made
esps:
  - displayName: ESP Sales
    priority: 1
    showInstallationProgress: true
    installProgressTimeoutInMinutes: 60
    assign: [AP Sales]
profiles:
  - displayName: Sales
    mode: user-driven
    join: entra
    assign: [AP Sales]
`

func TestPlanPrintsEachSingleFieldChangeAsOneUpdate(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, oneOfEach))
	cases := []struct{ name, from, to, want string }{
		{"group rule", "groupTag: Sales", "groupTag: Sales2",
			`~ update group "AP Sales" (00000000-0000-4000-8000-000000000003)` + "\n" +
				`    membershipRule: "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Sales\"))" → "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Sales2\"))"` + "\n"},
		{"ESP setting", "installProgressTimeoutInMinutes: 60", "installProgressTimeoutInMinutes: 90",
			"~ update ESP \"ESP Sales\" (%s)\n    installProgressTimeoutInMinutes: 60 → 90\n"},
		{"profile setting", "    join: entra\n", "    join: entra\n    deviceNameTemplate: S-%SERIAL%\n",
			"~ update profile \"Sales\" (%s)\n    deviceNameTemplate: \"\" → \"S-%%SERIAL%%\"\n"},
		{"profile join", "    join: entra\n", "    join: hybrid\n",
			"-/+ replace profile \"Sales\" (%s)\n    because its join type changes from entra to hybrid\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, strings.Replace(oneOfEach, tc.from, tc.to, 1))
			if code := run(e, NewCmdPlan, "-f", file, "--detailed-exitcode"); code != 5 {
				t.Fatalf("exit %d, want 5\n%s%s", code, e.Stdout, e.Stderr)
			}
			out := e.Stdout.String()
			head, _, _ := strings.Cut(out, "Plan: ")
			want := tc.want
			if strings.Contains(want, "%s") {
				want = fmtID(t, e, head, want)
			}
			if tc.name == "profile join" {
				head = head[:len(want)] // the fields that differ between the two kinds of profile follow
			}
			if head != want {
				t.Errorf("plan:\n%s\nwant:\n%s", out, want)
			}
			if !strings.HasSuffix(out, "unchanged.\n") || e.Stderr.String() != "1 change pending\n" {
				t.Errorf("summary: %q / %q", out, e.Stderr)
			}
			if w := writes(e); len(w) > 0 {
				t.Errorf("plan wrote: %v", w)
			}
		})
	}
}

// fmtID puts the id the plan line names into want.
func fmtID(t *testing.T, e *cmdtest.Env, out, want string) string {
	t.Helper()
	i, j := strings.Index(out, "("), strings.Index(out, ")")
	if i < 0 || j < i {
		t.Fatalf("no id in %q", out)
	}
	return strings.ReplaceAll(strings.Replace(want, "%s", out[i+1:j], 1), "%%", "%")
}

// graphDo sends a request as another admin (or the portal) would.
func graphDo(t *testing.T, e *cmdtest.Env, method, path string, body, out any) {
	t.Helper()
	c, err := e.Factory.Graph()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), method, path, body, out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
}

func TestAssignmentDriftAddedByHandIsFoundAndRepaired(t *testing.T) {
	e := empty(t)
	file := writeFile(t, oneOfEach)
	applyOK(t, e, file)
	var old struct {
		ID string `json:"id"`
	}
	var profiles struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	graphDo(t, e, "GET", "/groups?$filter=displayName%20eq%20'AP%20Old'&$select=id", nil, &struct {
		Value []*struct {
			ID string `json:"id"`
		} `json:"value"`
	}{Value: []*struct {
		ID string `json:"id"`
	}{&old}})
	graphDo(t, e, "GET", "/deviceManagement/windowsAutopilotDeploymentProfiles", nil, &profiles)
	profileID := profiles.Value[0].ID
	graphDo(t, e, "POST", "/deviceManagement/windowsAutopilotDeploymentProfiles/"+profileID+"/assignments",
		map[string]any{"target": map[string]any{"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": old.ID}}, nil)

	if code := run(e, NewCmdPlan, "-f", file); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	want := `~ update profile "Sales" (` + profileID + ")\n" +
		`    assignments: ["AP Sales","exclude:AP Old"] → ["AP Sales"]` + "\n" +
		"Plan: 0 to create, 1 to update, 0 to replace, 0 to delete; 3 unchanged.\n"
	if e.Stdout.String() != want {
		t.Errorf("plan:\n%s\nwant:\n%s", e.Stdout, want)
	}
	applyOK(t, e, file, "-o", "json")
	if !strings.Contains(e.Stdout.String(), `"updated": 1`) { // only an assignment went, but the profile changed
		t.Errorf("apply did not report the profile updated:\n%s", e.Stdout)
	}
	if w := writes(e); len(w) != 1 || !strings.HasPrefix(w[0], "DELETE /deviceManagement/windowsAutopilotDeploymentProfiles/"+profileID+"/assignments/") {
		t.Errorf("apply wrote %v, want the one DELETE of the exclusion", w)
	}
	noChanges(t, e, file)
}

func TestPruneDeletesOnlyMarkedObjects(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, oneOfEach))
	// A group made by hand, named like the one apply made: no marker, never pruned.
	graphDo(t, e, "POST", "/groups", map[string]any{"displayName": "AP Older", "description": "hand made", "mailEnabled": false,
		"mailNickname": "ap-older", "securityEnabled": true, "groupTypes": []string{}}, nil)
	file := writeFile(t, strings.Replace(oneOfEach, "  - displayName: AP Old\n    description: hand made\n", "", 1))
	if code := run(e, NewCmdPlan, "-f", file); code != 0 || !strings.HasPrefix(e.Stdout.String(), "No changes: ") {
		t.Fatalf("plan without --prune: exit %d\n%s", code, e.Stdout)
	}
	if code := run(e, NewCmdPlan, "-f", file, "--prune"); code != 0 {
		t.Fatalf("plan --prune: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	if !strings.HasPrefix(out, `- delete group "AP Old" (`) || strings.Contains(out, "AP Older") ||
		!strings.HasSuffix(out, "Plan: 0 to create, 0 to update, 0 to replace, 1 to delete; 3 unchanged.\n") {
		t.Errorf("plan --prune:\n%s", out)
	}
	applyOK(t, e, file, "--prune")
	if w := writes(e); len(w) != 1 || !strings.HasPrefix(w[0], "DELETE /groups/") {
		t.Errorf("apply --prune wrote %v", w)
	}
	if code := run(e, NewCmdPlan, "-f", file, "--prune"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "No changes: ") {
		t.Errorf("after prune: %s", e.Stdout)
	}
	var left struct {
		Value []map[string]any `json:"value"`
	}
	graphDo(t, e, "GET", "/groups?$filter=displayName%20eq%20'AP%20Older'", nil, &left)
	if len(left.Value) != 1 {
		t.Errorf("the unmarked group is gone")
	}
}

func TestAllDevicesHeldByATenantProfileIsAConflict(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "profiles:\n  - displayName: Everyone\n    mode: user-driven\n    allDevices: true\n"))
	file := writeFile(t, "profiles:\n  - displayName: Other\n    mode: self-deploying\n    allDevices: true\n")
	if code := run(e, NewCmdPlan, "-f", file); code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, e.Stderr)
	}
	if !strings.HasPrefix(e.Stderr.String(), "error: "+file+`:4: profiles[0].allDevices: deployment profile "Everyone" (`) ||
		!strings.HasSuffix(e.Stderr.String(), ") is already assigned to All Devices; only one profile can be\n") {
		t.Errorf("stderr: %s", e.Stderr)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("wrote %v", w)
	}
}

func TestPlanJSONShape(t *testing.T) {
	e := empty(t)
	plan, code := planJSON(t, e, writeFile(t, "groups:\n  - displayName: AP A\n    groupTag: A\n"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	b, _ := json.Marshal(plan)
	want := `{"changes":[{"action":"create","kind":"group","name":"AP A"}],"summary":{"create":1,"delete":0,"replace":0,"unchanged":0,"update":0}}`
	if string(b) != want {
		t.Errorf("json:\n%s\nwant:\n%s", b, want)
	}
}

func TestExportRoundTrip(t *testing.T) {
	a := empty(t)
	applyOK(t, a, filepath.Join("..", "..", "..", "examples", "layouts", "enterprise.yaml"))
	if code := run(a, NewCmdExport); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, a.Stderr)
	}
	exportA := a.Stdout.String()
	if !strings.HasPrefix(exportA, "# yaml-language-server: $schema=") {
		t.Errorf("no schema comment:\n%s", exportA)
	}
	fileA := writeFile(t, exportA)
	noChanges(t, a, fileA)
	if code := run(a, NewCmdExport); code != 0 || a.Stdout.String() != exportA {
		t.Errorf("a second export differs:\n%s", a.Stdout)
	}

	b := empty(t)
	applyOK(t, b, fileA)
	noChanges(t, b, fileA)
	if code := run(b, NewCmdExport); code != 0 {
		t.Fatalf("export B: exit %d\n%s", code, b.Stderr)
	}
	if got, want := withoutIDs(b.Stdout.String()), withoutIDs(exportA); got != want {
		t.Errorf("export of B differs from A's beyond ids:\n%s\nA:\n%s", got, want)
	}
}

var idComment = regexp.MustCompile(` # id .*`)

func withoutIDs(s string) string { return idComment.ReplaceAllString(s, "") }
