package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// devicesOf is `profile list --devices`' count per profile name.
func devicesOf(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		got[f[0]] = f[len(f)-1]
	}
	return got
}

// The trial's blocker: replacing a profile makes it the newest, so an older profile whose groups hold the same
// devices takes them without a word. (The All Devices holder does not: it applies only where no group-targeted
// profile does, however old it is.)
func TestReplacementThatWouldLoseDevicesIsRefused(t *testing.T) {
	e := tenant(t)
	// "AP Finance UD" targets every demo device through the all-devices group; "AP Sales", newer, the 3 Sales
	// devices; "AP Global" holds All Devices.
	for _, args := range [][]string{
		{"unassign", "UD - Entra join", "Autopilot - All devices"},
		{"create", "AP Finance UD", "--mode", "user-driven", "--assign", "Autopilot - All devices"},
	} {
		if code := run(e, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, e.Stderr)
		}
	}
	if code := run(e, "create", "AP Sales", "--mode", "user-driven", "--assign", "Autopilot - Sales"); code != 0 ||
		e.Stderr.String() != "warning: deployment profile \"AP Finance UD\" also targets 3 of the same devices and is older: it gets them, not \"AP Sales\"\n"+
			"profile \"AP Sales\": created\n" {
		t.Fatalf("create AP Sales: exit %d %q", code, e.Stderr)
	}
	if code := run(e, "create", "AP Global", "--mode", "user-driven", "--all-devices"); code != 0 ||
		e.Stderr.String() != "warning: deployment profile \"AP Finance UD\" also targets 6 of the same devices through its groups, which come before All Devices: it gets them, not \"AP Global\"\n"+
			"warning: deployment profile \"AP Sales\" also targets 3 of the same devices through its groups, which come before All Devices: it gets them, not \"AP Global\"\n"+
			"profile \"AP Global\": created\n" {
		t.Fatalf("create AP Global: exit %d %q", code, e.Stderr)
	}
	run(e, "list", "--devices")
	if got := devicesOf(t, e.Stdout.String()); got["AP Finance UD"] != "6" || got["AP Sales"] != "0" || got["AP Global"] != "0" {
		t.Fatalf("before: %v", got)
	}

	n := len(e.Writes())
	want := "error: replacing deployment profile \"AP Finance UD\" would move devices to another profile:\n" +
		"  3 devices assigned \"AP Finance UD\" now would get deployment profile \"AP Sales\" instead: a replacement is the newest profile, and a device in the groups of several gets the oldest\n" +
		"pass --force to replace it anyway, or exclude those devices' groups from the other profile first\n"
	for _, extra := range [][]string{nil, {"--dry-run"}} {
		args := append([]string{"update", "AP Finance UD", "--join", "hybrid", "--replace"}, extra...)
		if code := run(e, args...); code != 2 || e.Stderr.String() != want || len(e.Writes()) != n {
			t.Errorf("%v: exit %d %q, writes %v", args, code, e.Stderr, writes(e)[n:])
		}
	}
	// A dry run with --force says it would replace.
	if code := run(e, "update", "AP Finance UD", "--join", "hybrid", "--replace", "--force", "--dry-run", "-o", "json"); code != 0 || len(e.Writes()) != n {
		t.Fatalf("dry run: exit %d %s", code, e.Stderr)
	}
	var ch struct{ Status, Message string }
	json.Unmarshal([]byte(e.Stdout.String()), &ch)
	if ch.Status != "wouldReplace" || !strings.HasPrefix(ch.Message, "would replace ") || !strings.HasSuffix(ch.Message, ": its join type changes from entra to hybrid") {
		t.Errorf("dry run: %+v", ch)
	}
	if code := run(e, "update", "AP Finance UD", "--join", "hybrid", "--replace", "--force", "--yes"); code != 0 ||
		!strings.HasPrefix(e.Stderr.String(), "warning: 3 devices assigned \"AP Finance UD\" now would get deployment profile \"AP Sales\" instead") {
		t.Fatalf("--force: exit %d %s", code, e.Stderr)
	}
	run(e, "list", "--devices")
	if got := devicesOf(t, e.Stdout.String()); got["AP Finance UD"] != "3" || got["AP Sales"] != "3" || got["AP Global"] != "0" {
		t.Errorf("after: %v", got)
	}
}

func TestOverlapWarningsNameTheWinner(t *testing.T) {
	e := tenant(t)
	// A new profile is the newest: the demo's, on a group holding the Sales devices, keeps them.
	if code := run(e, "create", "AP Sales", "--mode", "user-driven", "--assign", "Autopilot - Sales"); code != 0 ||
		e.Stderr.String() != "warning: deployment profile \"UD - Entra join\" also targets 3 of the same devices and is older: it gets them, not \"AP Sales\"\n"+
			"profile \"AP Sales\": created\n" {
		t.Fatalf("create: exit %d %q", code, e.Stderr)
	}
	// Assigning the older profile to a group a newer one targets: the older one wins.
	if code := run(e, "assign", "UD - Entra join", "Autopilot - Sales"); code != 0 ||
		!strings.HasPrefix(e.Stderr.String(), "warning: deployment profile \"AP Sales\" also targets 3 of the same devices (through group \"Autopilot - Sales\") and is newer: \"UD - Entra join\" gets them\n") {
		t.Errorf("assign: exit %d %q", code, e.Stderr)
	}
	// All Devices applies last: a group-targeted profile comes before it, whatever their ages.
	if code := run(e, "create", "AP Global", "--mode", "user-driven", "--all-devices"); code != 0 ||
		e.Stderr.String() != "warning: deployment profile \"UD - Entra join\" also targets 6 of the same devices through its groups, which come before All Devices: it gets them, not \"AP Global\"\n"+
			"warning: deployment profile \"AP Sales\" also targets 3 of the same devices through its groups, which come before All Devices: it gets them, not \"AP Global\"\n"+
			"profile \"AP Global\": created\n" {
		t.Errorf("All Devices: exit %d %q", code, e.Stderr)
	}
	if code := run(e, "create", "AP Kiosk", "--mode", "user-driven", "--assign", "Autopilot - Sales"); code != 0 ||
		!strings.Contains(e.Stderr.String(), "warning: deployment profile \"AP Global\" targets All Devices, which applies only to devices no group-targeted profile takes: \"AP Kiosk\" comes before it for the 3 devices it targets\n") {
		t.Errorf("after All Devices: exit %d %q", code, e.Stderr)
	}
	// No overlap, no warning.
	if code := run(e, "create", "AP Nobody", "--mode", "user-driven"); code != 0 || strings.Contains(e.Stderr.String(), "warning") {
		t.Errorf("no targets: exit %d %q", code, e.Stderr)
	}
}

func TestSameGroupIncludedAndExcludedIsRefused(t *testing.T) {
	e := tenant(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "X", "--mode", "user-driven", "--assign", "Autopilot - Sales", "--exclude", "Autopilot - Sales"},
			"error: group \"Autopilot - Sales\" can't be both included and excluded\n"},
		// Was the service's bare 400 (exit 1).
		{[]string{"assign", "UD - Entra join", "--exclude", "autopilot - all devices"},
			"error: group \"Autopilot - All devices\" is included already; it can't be both included and excluded (unassign it first to switch)\n"},
	} {
		if code := run(e, tt.args...); code != 2 || e.Stderr.String() != tt.want || len(e.Writes()) != 0 {
			t.Errorf("%v: exit %d %q, writes %v", tt.args, code, e.Stderr, writes(e))
		}
	}
}

func TestModeInYAML(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kiosk.yaml")
	os.WriteFile(p, []byte("displayName: Kiosk\nmode: self-deploying\nlocale: en-US\n"), 0o600)
	e := tenant(t)
	if code := run(e, "create", "-f", p); code != 0 {
		t.Fatalf("exit %d %s", code, e.Stderr)
	}
	if b := body(t, e, 0); !strings.Contains(b, `"deviceUsageType":"shared"`) || strings.Contains(b, "userType") || !strings.Contains(b, `"preprovisioningAllowed":false`) {
		t.Errorf("body %s", b)
	}
}

func TestShowRendersNestedSettingsAsRows(t *testing.T) {
	e := tenant(t)
	run(e, "create", "Kiosk", "--mode", "self-deploying")
	if code := run(e, "show", "UD - Entra join"); code != 0 || strings.Contains(e.Stdout.String(), "map[") ||
		!strings.Contains(e.Stdout.String(), "\noutOfBoxExperienceSetting.userType\t\"standard\"\n") ||
		!strings.Contains(e.Stdout.String(), "\noutOfBoxExperienceSetting.deviceUsageType\t\"singleUser\"\n") ||
		strings.Contains(e.Stdout.String(), "@odata") {
		t.Errorf("show: exit %d\n%s", code, e.Stdout)
	}
	if code := run(e, "show", "Kiosk", "-o", "json"); code != 0 || !strings.Contains(e.Stdout.String(), `"assignments": []`) {
		t.Errorf("json: exit %d\n%s", code, e.Stdout)
	}
}

func TestAssignmentDiffNamesGroups(t *testing.T) {
	e := tenant(t)
	if code := run(e, "create", "UD - Entra join", "--mode", "user-driven", "--assign", "Autopilot - Sales", "--update", "--force"); code != 0 ||
		!strings.Contains(e.Stderr.String(), "\n  assignments: [\"Autopilot - All devices\"] → [\"Autopilot - All devices\",\"Autopilot - Sales\"]\n") {
		t.Errorf("exit %d %q", code, e.Stderr)
	}
}
