package esp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
)

// defaultID is the tenant's default ESP id, read through `esp show default`.
func defaultID(t *testing.T, e *cmdtest.Env) string {
	t.Helper()
	return show(t, e, "default")["id"].(string)
}

// writeFile writes a YAML file for -f and returns its path.
func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "esp.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBlockingAppsNeedAShownPage(t *testing.T) {
	e := tenant(t)
	const want = "error: showInstallationProgress is false, so the page is not shown and nothing waits for blocking apps (selectedMobileAppIds): show the page, or give no apps\n"
	if code := run(e, "create", "ESP Kiosk", "--blocking-app", "Company Portal"); code != 2 || e.Stderr.String() != want || len(e.Writes()) != 0 {
		t.Fatalf("create: exit %d, %q, writes %v", code, e.Stderr, writes(e))
	}
	if code := run(e, "create", "ESP Kiosk", "--show-installation-progress", "--blocking-app", "Company Portal"); code != 0 {
		t.Fatalf("shown page: exit %d %s", code, e.Stderr)
	}
	// Hiding the page of an ESP that waits for apps, or giving the default (page off) an app: refused, nothing sent.
	n := len(e.Writes())
	for _, args := range [][]string{
		{"update", "ESP Kiosk", "--show-installation-progress=false"},
		{"update", "default", "--blocking-app", "Company Portal", "--block-device-setup-retry-by-user=false"},
	} {
		if code := run(e, args...); code != 2 || e.Stderr.String() != want || len(e.Writes()) != n {
			t.Errorf("%v: exit %d, %q, writes %v", args, code, e.Stderr, writes(e)[n:])
		}
	}
	// A change that touches neither is not refused, and hiding the page with the apps cleared is fine.
	if code := run(e, "update", "ESP Kiosk", "--description", "kiosks"); code != 0 {
		t.Errorf("unrelated update: exit %d %s", code, e.Stderr)
	}
	if code := run(e, "update", "ESP Kiosk", "--show-installation-progress=false", "-f", writeFile(t, "displayName: ESP Kiosk\nselectedMobileAppIds: []\n")); code != 0 {
		t.Errorf("page hidden, apps cleared: exit %d %s", code, e.Stderr)
	}
}

func TestSameGroupIncludedAndExcludedIsRefused(t *testing.T) {
	e := tenant(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "ESP X", "--assign", "Autopilot - Sales", "--exclude", "Autopilot - Sales"},
			`error: group "Autopilot - Sales" can't be both included and excluded` + "\n"},
		// The demo ESP includes "Autopilot - All devices"; the name is matched without regard to case.
		{[]string{"assign", "ESP - Autopilot", "--exclude", "autopilot - all devices"},
			`error: group "Autopilot - All devices" is included already; it can't be both included and excluded (unassign it first to switch)` + "\n"},
		{[]string{"create", "ESP - Autopilot", "--exclude", "Autopilot - All devices", "--update"},
			`error: group "Autopilot - All devices" is included already; it can't be both included and excluded (unassign it first to switch)` + "\n"},
	} {
		if code := run(e, tt.args...); code != 2 || e.Stderr.String() != tt.want || len(e.Writes()) != 0 {
			t.Errorf("%v: exit %d, %q, writes %v", tt.args, code, e.Stderr, writes(e))
		}
	}
}

func TestGroupNamesAnyCase(t *testing.T) {
	e := tenant(t)
	if code := run(e, "assign", "ESP - Autopilot", "autopilot - sales"); code != 0 ||
		!strings.Contains(e.Stderr.String(), `  assignments: ["Autopilot - All devices"] → ["Autopilot - All devices","Autopilot - Sales"]`) {
		t.Errorf("exit %d %s", code, e.Stderr)
	}
}

func TestOutputReadsAsNames(t *testing.T) {
	e := tenant(t)
	// A dry run's paths hold "{new id}" as it reads, not URL-escaped.
	if code := run(e, "create", "ESP Kiosk", "--assign", "Autopilot - Sales", "--priority", "1", "--dry-run"); code != 0 ||
		!strings.Contains(e.Stdout.String(), "\nPOST "+espPath+"/{new id}/setPriority\n") || !strings.Contains(e.Stdout.String(), "\nPOST "+espPath+"/{new id}/assign\n") {
		t.Errorf("dry run: exit %d\n%s", code, e.Stdout)
	}
	// An unassigned ESP's assignments are [] in JSON, not null.
	run(e, "create", "ESP Kiosk", "--show-installation-progress", "--blocking-app", "Company Portal")
	if m := show(t, e, "ESP Kiosk"); m["assignments"] == nil {
		t.Errorf("assignments %v", m["assignments"])
	}
	if m := show(t, e, "default"); m["assignments"] == nil {
		t.Errorf("default's assignments %v", m["assignments"])
	}
	// The assignment diff names the groups on both sides, those the ESP had included.
	if code := run(e, "create", "ESP - Autopilot", "--assign", "Autopilot - Sales", "--update"); code != 0 ||
		!strings.Contains(e.Stderr.String(), `  assignments: ["Autopilot - All devices"] → ["Autopilot - All devices","Autopilot - Sales"]`+"\n") {
		t.Errorf("diff: exit %d %s", code, e.Stderr)
	}
	// Blocking apps are shown with their names.
	appID := show(t, e, "ESP Kiosk")["properties"].(map[string]any)["selectedMobileAppIds"].([]any)[0].(string)
	if code := run(e, "show", "ESP Kiosk"); code != 0 || !strings.Contains(e.Stdout.String(), "\nselectedMobileAppIds\tCompany Portal ("+appID+")\n") {
		t.Errorf("show: exit %d\n%s", code, e.Stdout)
	}
}
