package esp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const espPath = "/deviceManagement/deviceEnrollmentConfigurations"

// tenant is the demo tenant plus two groups that share a name and two apps that do.
func tenant(t *testing.T) *cmdtest.Env {
	t.Helper()
	seed := graphmock.DemoSeed()
	for _, nick := range []string{"twin-1", "twin-2"} {
		seed.Groups = append(seed.Groups, map[string]any{"displayName": "Twins", "mailEnabled": false, "mailNickname": nick, "securityEnabled": true})
	}
	seed.MobileApps = append(seed.MobileApps, graphmock.SeedMobileApp{DisplayName: "Twin app"}, graphmock.SeedMobileApp{DisplayName: "Twin app"},
		graphmock.SeedMobileApp{DisplayName: "Web link", Type: "windowsWebApp"})
	return cmdtest.New(t, graphmock.Options{Seed: seed})
}

func run(e *cmdtest.Env, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	return e.Run(NewCmdESP(e.Factory), args...)
}

// writes lists the mock's write requests as "METHOD path" (ids cut to their last 4 characters are not needed:
// tests compare paths they build).
func writes(e *cmdtest.Env) []string {
	var out []string
	for _, r := range e.Writes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// body is the JSON body of the i-th write.
func body(t *testing.T, e *cmdtest.Env, i int) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Writes()[i].Body, &m); err != nil {
		t.Fatalf("write %d: %v", i, err)
	}
	return m
}

// show reads an ESP through `esp show -o json`.
func show(t *testing.T, e *cmdtest.Env, name string) map[string]any {
	t.Helper()
	if code := run(e, "show", name, "-o", "json"); code != 0 {
		t.Fatalf("show %s: exit %d: %s", name, code, e.Stderr)
	}
	var m map[string]any
	json.Unmarshal([]byte(e.Stdout.String()), &m)
	return m
}

func TestCreateSendsEveryFlagAndIsIdempotent(t *testing.T) {
	e := tenant(t)
	args := []string{"create", "ESP Sales", "--show-installation-progress", "--install-progress-timeout", "1h30m",
		"--allow-log-collection-on-install-failure", "--allow-device-reset-on-install-failure", "--allow-device-use-on-install-failure",
		"--allow-non-blocking-app-installation", "--install-quality-updates", "--track-install-progress-for-autopilot-only",
		"--disable-user-status-tracking-after-first-user", "--custom-error-message", "Call IT.", "--description", "Sales laptops",
		"--blocking-app", "Company Portal", "--role-scope-tag", "0", "--assign", "Autopilot - Sales", "--exclude", "Twins", "--priority", "1"}
	// "Twins" names two groups: refused before anything is written.
	if code := run(e, args...); code != 2 || !strings.Contains(e.Stderr.String(), `error: 2 groups are named "Twins" (ids `) || len(e.Writes()) != 0 {
		t.Fatalf("ambiguous group: exit %d, %s, writes %v", code, e.Stderr, writes(e))
	}
	args[len(args)-3] = "Autopilot - All devices"
	if code := run(e, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	got := writes(e)
	if len(got) != 3 || got[0] != "POST "+espPath || !strings.HasSuffix(got[1], "/setPriority") || !strings.HasSuffix(got[2], "/assign") {
		t.Fatalf("writes %v", got)
	}
	sent := body(t, e, 0)
	want := map[string]any{"@odata.type": "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration", "displayName": "ESP Sales",
		"description": "Sales laptops", "showInstallationProgress": true, "blockDeviceSetupRetryByUser": false,
		"allowDeviceResetOnInstallFailure": true, "allowLogCollectionOnInstallFailure": true, "customErrorMessage": "Call IT.",
		"installProgressTimeoutInMinutes": 90.0, "allowDeviceUseOnInstallFailure": true, "allowNonBlockingAppInstallation": true,
		"installQualityUpdates": true, "trackInstallProgressForAutopilotOnly": true, "disableUserStatusTrackingAfterFirstUser": true,
		"roleScopeTagIds": []any{"0"}}
	for k, v := range want {
		if b, _ := json.Marshal(sent[k]); string(b) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, b, mustJSON(v))
		}
	}
	if apps := sent["selectedMobileAppIds"].([]any); len(apps) != 1 || len(sent) != 16 {
		t.Errorf("body has %d properties, apps %v", len(sent), apps)
	}
	if p := body(t, e, 1); p["priority"] != 1.0 {
		t.Errorf("setPriority %v", p)
	}
	assign := mustJSON(body(t, e, 2))
	if strings.Count(assign, "groupAssignmentTarget") != 1 || strings.Count(assign, "exclusionGroupAssignmentTarget") != 1 {
		t.Errorf("assign body %s", assign)
	}
	if !strings.Contains(e.Stderr.String(), `priority 1 was held by "ESP - Autopilot", which Intune moves down`) {
		t.Errorf("stderr %s", e.Stderr)
	}

	n := len(e.Writes())
	if code := run(e, args...); code != 0 || len(e.Writes()) != n || !strings.HasSuffix(e.Stderr.String(), "ESP \"ESP Sales\": unchanged\n") {
		t.Fatalf("re-run: exit %d, %d writes, %s", code, len(e.Writes())-n, e.Stderr)
	}
	// Priority order, the default last: it has priority 0 but applies to whoever no other ESP targets.
	def := defaultID(t, e)
	if code := run(e, "list"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "1\tESP Sales\t") ||
		!strings.Contains(e.Stdout.String(), "Autopilot - Sales, exclude:Autopilot - All devices") ||
		!strings.Contains(e.Stdout.String(), "\n2\tESP - Autopilot\t") ||
		!strings.HasSuffix(e.Stdout.String(), "\ndefault\tAll users and all devices\t"+def+"\tall users and all devices\n") {
		t.Errorf("list:\n%s", e.Stdout)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestUpdateDiffsAndSendsTheWholeObject(t *testing.T) {
	e := tenant(t)
	if code := run(e, "create", "ESP - Autopilot", "--install-progress-timeout", "45m"); code != 2 {
		t.Fatalf("conflict: exit %d", code)
	}
	id := show(t, e, "ESP - Autopilot")["id"].(string)
	run(e, "create", "ESP - Autopilot", "--install-progress-timeout", "45m")
	want := "error: Enrollment Status Page \"ESP - Autopilot\" (" + id + ") exists and differs; pass --update to change it:\n  installProgressTimeoutInMinutes: 60 → 45\n"
	if e.Stderr.String() != want || len(e.Writes()) != 0 {
		t.Fatalf("stderr:\n%s\nwant\n%s\nwrites %v", e.Stderr, want, writes(e))
	}
	if code := run(e, "create", "esp - autopilot", "--install-progress-timeout", "45m", "--update", "-o", "json"); code != 0 {
		t.Fatalf("update: exit %d: %s", code, e.Stderr)
	}
	patch := body(t, e, 0)
	if e.Writes()[0].Method != "PATCH" || patch["@odata.type"] == nil || patch["installProgressTimeoutInMinutes"] != 45.0 ||
		patch["customErrorMessage"] != "Setup could not finish. Contact IT." || patch["priority"] != nil || patch["id"] != nil || len(patch) != 16 {
		t.Errorf("PATCH body %v", patch)
	}
	var ch map[string]any
	json.Unmarshal([]byte(e.Stdout.String()), &ch)
	if ch["status"] != "updated" || mustJSON(ch["changes"]) != `[{"field":"installProgressTimeoutInMinutes","from":60,"to":45}]` {
		t.Errorf("result %s", e.Stdout)
	}
	// The default ESP: updated in place by name `default`, never assigned, reprioritised or deleted.
	if code := run(e, "update", "default", "--show-installation-progress", "--install-progress-timeout", "30m", "--block-device-setup-retry-by-user=false"); code != 0 {
		t.Fatalf("update default: exit %d: %s", code, e.Stderr)
	}
	if d := show(t, e, "default"); d["priority"] != 0.0 || d["properties"].(map[string]any)["showInstallationProgress"] != true || d["default"] != true {
		t.Errorf("default after update %v", d)
	}
	n := len(e.Writes())
	for _, args := range [][]string{{"assign", "default", "Autopilot - Sales"}, {"set-priority", "default", "3"}, {"delete", "default", "--yes"}} {
		if code := run(e, args...); code != 2 || !strings.Contains(e.Stderr.String(), "default Enrollment Status Page") {
			t.Errorf("%v: exit %d %s", args, code, e.Stderr)
		}
	}
	if len(e.Writes()) != n {
		t.Errorf("refusals wrote %v", writes(e)[n:])
	}
}

func TestSetPriorityAssignUnassignDelete(t *testing.T) {
	e := tenant(t)
	if code := run(e, "set-priority", "ESP - Autopilot", "1"); code != 0 || len(e.Writes()) != 0 || !strings.Contains(e.Stderr.String(), "unchanged") {
		t.Fatalf("same priority: exit %d, writes %v, %s", code, writes(e), e.Stderr)
	}
	run(e, "create", "ESP Kiosk")
	if code := run(e, "set-priority", "ESP Kiosk", "1", "--dry-run"); code != 0 || !strings.Contains(e.Stdout.String(), "/setPriority\n{\n  \"priority\": 1\n}\n") {
		t.Fatalf("dry run: exit %d %s", code, e.Stdout)
	}
	n := len(e.Writes())
	if run(e, "set-priority", "ESP Kiosk", "1"); show(t, e, "ESP Kiosk")["priority"] != 1.0 || len(e.Writes()) != n+1 {
		t.Errorf("set-priority did not move it")
	}
	if code := run(e, "assign", "ESP Kiosk", "Autopilot - Sales"); code != 0 {
		t.Fatal(e.Stderr)
	}
	run(e, "assign", "ESP Kiosk", "--exclude", "Autopilot - All devices")
	last := body(t, e, len(e.Writes())-1)
	if got := mustJSON(last); strings.Count(got, "groupId") != 2 {
		t.Errorf("assign sends the merged set: %s", got)
	}
	run(e, "unassign", "ESP Kiosk", "Autopilot - Sales")
	if got := show(t, e, "ESP Kiosk")["assignments"]; mustJSON(got) != `[{"groupId":"`+groupID(t, e, "Autopilot - All devices")+`","groupName":"Autopilot - All devices","kind":"exclude"}]` {
		t.Errorf("after unassign: %s", mustJSON(got))
	}
	// Writing to the navigation route would answer "No OData route": only /assign is used.
	for _, w := range writes(e) {
		if strings.Contains(w, "/assignments") {
			t.Errorf("wrote %s", w)
		}
	}
	if code := run(e, "delete", "ESP Kiosk"); code != 2 || !strings.Contains(e.Stderr.String(), "pass --yes") {
		t.Errorf("delete without --yes off a terminal: exit %d %s", code, e.Stderr)
	}
	if code := run(e, "delete", "ESP Kiosk", "--yes"); code != 0 || !strings.HasSuffix(writes(e)[len(e.Writes())-1], "_Windows10EnrollmentCompletionPageConfiguration") {
		t.Errorf("delete: exit %d %v", code, writes(e))
	}
}

// groupID reads the id of the group with the name from the mock.
func groupID(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	for _, g := range e.Mock.Snapshot().Groups {
		if g.DisplayName == name {
			return g.ID
		}
	}
	t.Fatalf("no group %s", name)
	return ""
}

func TestReadBackMismatchFails(t *testing.T) {
	e := tenant(t)
	e.Mock.IgnoreProperty("trackInstallProgressForAutopilotOnly")
	code := run(e, "create", "ESP X", "--track-install-progress-for-autopilot-only")
	if code != 1 || !strings.Contains(e.Stderr.String(), "read back: the service did not keep what was sent: trackInstallProgressForAutopilotOnly is false, not true") {
		t.Errorf("exit %d: %s", code, e.Stderr)
	}
}

func TestYAMLFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	valid := file("esp.yaml", "displayName: ESP File\nshowInstallationProgress: true\ninstallProgressTimeoutInMinutes: 120\nselectedMobileAppIds: [Contoso VPN]\npriority: 1\n")
	e := tenant(t)
	if code := run(e, "create", "-f", valid, "--custom-error-message", "Flags win."); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	if b := body(t, e, 0); b["installProgressTimeoutInMinutes"] != 120.0 || b["customErrorMessage"] != "Flags win." || len(b["selectedMobileAppIds"].([]any)) != 1 {
		t.Errorf("body %v", b)
	}
	for _, tt := range []struct{ text, want string }{
		{"displayName: X\nshowProgress: true\n", "bad.yaml:2: unknown key \"showProgress\""},
		{"displayName: X\ninstallProgressTimeoutInMinutes: soon\n", "bad.yaml:2: \"soon\" is a string, but this key takes a whole number"},
		{"displayName: X\nshowInstallationProgress: [yes]\n", "bad.yaml:2:"},
		{"- displayName: X\n", "bad.yaml:1: the file must be a mapping of keys to values, not a list"},
		{"showInstallationProgress: true\n", "bad.yaml: displayName is missing"},
	} {
		p := file("bad.yaml", tt.text)
		n := len(e.Writes())
		if code := run(e, "create", "-f", p); code != 2 || !strings.Contains(e.Stderr.String(), strings.Replace(tt.want, "bad.yaml", p, 1)) || len(e.Writes()) != n {
			t.Errorf("%q: exit %d, %s", tt.text, code, e.Stderr)
		}
		if strings.Contains(e.Stderr.String(), "--help") {
			t.Errorf("%q: a file's content is not a usage error: %s", tt.text, e.Stderr)
		}
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	e := tenant(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "X", "--assign", "Nope"}, `no group named or with id "Nope"`},
		{[]string{"create", "X", "--blocking-app", "Twin app"}, `2 apps are named "Twin app"`},
		{[]string{"create", "X", "--blocking-app", "Nope"}, `no app named or with id "Nope"`},
		{[]string{"create", "X", "--blocking-app", "Web link"}, `is a windowsWebApp; an Enrollment Status Page can only wait for`},
		{[]string{"create", "X", "--block-device-setup-retry-by-user", "--allow-device-reset-on-install-failure"}, "blockDeviceSetupRetryByUser is true, so allowDeviceResetOnInstallFailure must be false"},
		{[]string{"create", "X", "--block-device-setup-retry-by-user", "--blocking-app", "Company Portal"}, "selectedMobileAppIds must be empty"},
		{[]string{"create", "X", "--install-progress-timeout", "25h"}, "installProgressTimeoutInMinutes is 1500; it must be from 1 to 1440"},
		{[]string{"create", "X", "--install-progress-timeout", "90s"}, "give whole minutes"},
		{[]string{"create", "X", "--custom-error-message", strings.Repeat("x", 10001)}, "customErrorMessage is 10001 characters long"},
		{[]string{"create", "X\u202e"}, "displayName contains U+202E"},
		{[]string{"create", "X", "--priority", "0"}, "priority is 0"},
		{[]string{"update", "Nope", "--install-quality-updates"}, `no Enrollment Status Page named or with id "Nope"`},
		{[]string{"update", "ESP - Autopilot"}, "nothing to change"},
		{[]string{"assign", "default", "Autopilot - Sales"}, "never assigned"},
		{[]string{"set-priority", "ESP - Autopilot", "first"}, `priority "first" is not a whole number`},
		{[]string{"unassign", "ESP - Autopilot", "Nope"}, `no group named or with id "Nope"`},
		{[]string{"show", "Nope"}, `no Enrollment Status Page named or with id "Nope"`},
	} {
		if code := run(e, tt.args...); code != 2 || !strings.Contains(e.Stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %s", tt.args, code, e.Stderr)
		}
	}
	if w := writes(e); len(w) != 0 {
		t.Errorf("bad input wrote %v", w)
	}
}

func TestIDsThatAreNotGUIDs(t *testing.T) {
	e := tenant(t)
	id := show(t, e, "ESP - Autopilot")["id"].(string)
	if got := show(t, e, id); got["displayName"] != "ESP - Autopilot" {
		t.Errorf("show by id: %v", got)
	}
	run(e, "update", id, "--install-quality-updates", "--dry-run")
	if !strings.HasPrefix(e.Stdout.String(), "PATCH "+espPath+"/"+id+"\n{\n  \"@odata.type\"") || len(e.Writes()) != 0 {
		t.Errorf("dry run:\n%s", e.Stdout)
	}
}
