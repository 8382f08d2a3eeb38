package device

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// showTenant has two devices sharing a serial number, one with hyphens, and two whose firmware left the
// placeholder "Default string" as their serial number.
func showTenant(t *testing.T) *cmdtest.Env {
	return tenant(t, graphmock.Options{},
		graphmock.SeedAutopilotDevice{SerialNumber: "5CG2461KX7", GroupTag: "Sales", Manufacturer: "HP", Model: "EliteBook 840", UserPrincipalName: "adele@contoso.example"},
		graphmock.SeedAutopilotDevice{SerialNumber: "DUP1", GroupTag: "Sales", Manufacturer: "HP", Model: "EliteBook 840"},
		graphmock.SeedAutopilotDevice{SerialNumber: "dup1", GroupTag: "Kiosk", Manufacturer: "Dell Inc.", Model: "Latitude 5440"},
		graphmock.SeedAutopilotDevice{SerialNumber: "AB-12-CD"},
		graphmock.SeedAutopilotDevice{SerialNumber: "Default string", Manufacturer: "ASRock"},
		graphmock.SeedAutopilotDevice{SerialNumber: "Default string", Manufacturer: "ASRock"},
	)
}

func TestShow(t *testing.T) {
	tests := []struct {
		name   string
		arg    string
		code   int
		stdout string // a line the table must hold
		stderr string
	}{
		{"by serial, any case", "5cg2461kx7", 0, "serialNumber\t5CG2461KX7\n", ""},
		{"by id", deviceID(1), 0, "userPrincipalName\tadele@contoso.example\n", ""},
		{"hyphenated serial", "ab-12-cd", 0, "id\t" + deviceID(4) + "\n", ""},
		{"profiles when none", "5CG2461KX7", 0, "deploymentProfile\tnone\nintendedDeploymentProfile\tnone\n", ""},
		{"ambiguous serial lists the matches", "Dup1", 1, "",
			`error: serial number "Dup1" matches 2 Autopilot devices; name one by its id: ` + deviceID(2) + ` (group tag "Sales", HP EliteBook 840), ` +
				deviceID(3) + ` (group tag "Kiosk", Dell Inc. Latitude 5440)` + "\n"},
		{"placeholder serial says why and lists the ids", "default STRING", 1, "",
			`error: serial number "default STRING" matches 2 Autopilot devices: it is a firmware placeholder, not a real serial number, ` +
				`so these devices can't be told apart by serial; name one by its id: ` + deviceID(5) + ` (no group tag, ASRock), ` + deviceID(6) + ` (no group tag, ASRock)` + "\n"},
		{"control character in the argument", "SN\a1", 2, "",
			"error: argument 1: serial number contains U+0007 (ALERT)\nRun 'autopilotctl device show --help' for usage.\n"},
		{"not found names similar serials", "2461", 1, "", `error: no Autopilot device has serial number "2461"; serial numbers containing it: 5CG2461KX7` + "\n"},
		{"unknown id", deviceID(9), 1, "", "error: no Autopilot device has id " + deviceID(9) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := showTenant(t)
			got := runCmd(env, "show", tt.arg)
			if got.code != tt.code || !strings.Contains(got.stdout, tt.stdout) || got.stderr != tt.stderr {
				t.Errorf("got %v\nwant exit %d, stdout with %q, stderr %q", got, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestShowJSONHasProfilesAndEveryProperty(t *testing.T) {
	env := showTenant(t)
	got := runCmd(env, "show", "5CG2461KX7", "-o", "json")
	var d map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &d); err != nil {
		t.Fatalf("%v: %v", got, err)
	}
	for _, key := range []string{"id", "serialNumber", "groupTag", "enrollmentState", "lastContactedDateTime", "azureAdDeviceId",
		"managedDeviceId", "deploymentProfileAssignmentStatus", "deploymentProfileAssignmentDetailedStatus", "remediationState",
		"userlessEnrollmentStatus", "deploymentProfile", "intendedDeploymentProfile"} {
		if _, ok := d[key]; !ok {
			t.Errorf("json has no %q: %s", key, got.stdout)
		}
	}
	if d["deploymentProfile"] != nil || len(d) != 28 {
		t.Errorf("deploymentProfile = %v, %d properties", d["deploymentProfile"], len(d))
	}
	if q := queries(env, "GET /deviceManagement/windowsAutopilotDeviceIdentities/{id}"); len(q) != 1 || q[0] != "$expand=deploymentProfile,intendedDeploymentProfile" {
		t.Errorf("get by id queries %q", q)
	}
}

func TestShowDeploymentProfiles(t *testing.T) {
	env := cmdtest.New(t, graphmock.Options{Seed: graphmock.DemoSeed()})
	got := runCmd(env, "show", "5CG2461KX7")
	for _, want := range []string{"\ndeploymentProfile\tUD - Entra join (", "\nintendedDeploymentProfile\tUD - Entra join ("} {
		if got.code != 0 || !strings.Contains(got.stdout, want) {
			t.Errorf("got %v\nwant a line starting %q", got, want)
		}
	}
}

// Tenant values in messages (serial numbers, group tags, manufacturers, models) are escaped: a hostile
// device cannot forge lines, retitle the terminal or reverse the text.
func TestShowEscapesTenantText(t *testing.T) {
	env := tenant(t, graphmock.Options{},
		graphmock.SeedAutopilotDevice{SerialNumber: "DUP", GroupTag: "T\r\nerror: forged", Manufacturer: "\x1b]0;pwned\aHP", Model: "M\u202eodel"},
		graphmock.SeedAutopilotDevice{SerialNumber: "dup", Manufacturer: "N\u0085EL"},
		graphmock.SeedAutopilotDevice{SerialNumber: "SIM\x1b[2JX"},
	)
	for _, tt := range []struct{ arg, stderr string }{
		{"DUP", `error: serial number "DUP" matches 2 Autopilot devices; name one by its id: ` + deviceID(1) +
			` (group tag "T\r\nerror: forged", \x1b]0;pwned\aHP M\u202eodel), ` + deviceID(2) + ` (no group tag, N\u0085EL)` + "\n"},
		{"SIM", `error: no Autopilot device has serial number "SIM"; serial numbers containing it: SIM\x1b[2JX` + "\n"},
	} {
		got := runCmd(env, "show", tt.arg)
		if got.code != 1 || got.stderr != tt.stderr {
			t.Errorf("show %s: %v\nwant stderr %s", tt.arg, got, tt.stderr)
		}
	}
}
