package layout

import (
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const (
	portalID = "00000000-0000-0000-0000-000000000016"
	vpnID1   = "00000000-0000-0000-0000-000000000021"
	vpnID2   = "00000000-0000-0000-0000-000000000022"
)

// appsTenant has Company Portal once and two apps named Contoso VPN, and one script.
func appsTenant(t *testing.T) *cmdtest.Env {
	t.Helper()
	e := rtTenant(t, graphmock.DirectorySeed{MobileApps: []graphmock.SeedMobileApp{
		{ID: portalID, DisplayName: "Company Portal", Type: "windowsUniversalAppX"},
		{ID: vpnID1, DisplayName: "Contoso VPN", Type: "win32LobApp"},
		{ID: vpnID2, DisplayName: "Contoso VPN", Type: "win32LobApp"},
	}})
	e.Send(t, "POST", "/deviceManagement/deviceManagementScripts",
		map[string]any{"displayName": "Time zone", "fileName": "tz.ps1", "scriptContent": "V3JpdGUtSG9zdCAx"})
	return e
}

// prepWith is a layout of one device-preparation policy with the apps and scripts given (YAML flow lists).
func prepWith(apps, scripts string) string {
	return "groups:\n  - displayName: AP Prep\ndevicePreparation:\n  - name: Prep\n    deviceGroup: AP Prep\n" +
		"    apps: " + apps + "\n    scripts: " + scripts + "\n"
}

// The README's promise: export refers to things by name. A policy made with an app and a script by name
// exports them by name, and plan of the export finds them to be the same (no changes).
func TestExportWritesDevicePreparationAppsAndScriptsByName(t *testing.T) {
	e := appsTenant(t)
	applyOK(t, e, writeFile(t, prepWith("[Company Portal]", "[Time zone]")))
	out := rtExport(t, e, "")
	if want := "    apps:\n      - Company Portal\n    scripts:\n      - Time zone\n"; !strings.Contains(out, want) {
		t.Errorf("export:\n%s\nwant it to hold:\n%s", out, want)
	}
	if strings.Contains(out, portalID) {
		t.Errorf("export names the app by id:\n%s", out)
	}
	noChanges(t, e, writeFile(t, out))
}

// An app whose name two apps share can't be named: plan would refuse the name as ambiguous. Export keeps its
// id and says why, and plan of the export still finds no changes.
func TestExportKeepsTheIdOfAnAppWhoseNameIsShared(t *testing.T) {
	e := appsTenant(t)
	applyOK(t, e, writeFile(t, prepWith("[Company Portal, "+vpnID2+"]", "[]")))
	note := "app " + vpnID2 + ` is written by id: 2 apps are named "Contoso VPN"`
	out := rtExport(t, e, "export: devicePreparation/Prep: "+note+"\n")
	want := "  # " + note + "\n  - name: Prep"
	if !strings.Contains(out, want) || !strings.Contains(out, "    apps:\n      - Company Portal\n      - "+vpnID2+"\n") {
		t.Errorf("export:\n%s\nwant the note above the policy and the app by id", out)
	}
	noChanges(t, e, writeFile(t, out))
}
