package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const profilesPath = "/deviceManagement/windowsAutopilotDeploymentProfiles"

func tenant(t *testing.T) *cmdtest.Env {
	t.Helper()
	return cmdtest.New(t, graphmock.Options{Seed: graphmock.DemoSeed()})
}

func run(e *cmdtest.Env, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	return e.Run(NewCmdProfile(e.Factory), args...)
}

func writes(e *cmdtest.Env) []string {
	var out []string
	for _, r := range e.Writes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func body(t *testing.T, e *cmdtest.Env, i int) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Writes()[i].Body, &m); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m) // keys sorted
	return string(b)
}

func TestModeAndJoinMapToTheBody(t *testing.T) {
	oobe := func(usage string, user bool) string {
		s := `"outOfBoxExperienceSetting":{"deviceUsageType":"` + usage + `","escapeLinkHidden":true,"eulaHidden":false,"keyboardSelectionPageSkipped":false,"privacySettingsHidden":false`
		if user {
			s += `,"userType":"standard"`
		}
		return s + "}"
	}
	const common = `"description":"","deviceType":"windowsPc","displayName":"P","hardwareHashExtractionEnabled":false,`
	tests := []struct {
		flags []string
		want  string
	}{
		{[]string{"--mode", "user-driven"}, `{"@odata.type":"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",` + `"description":"","deviceNameTemplate":"","deviceType":"windowsPc","displayName":"P","hardwareHashExtractionEnabled":false,"locale":"os-default",` + oobe("singleUser", true) + `,"preprovisioningAllowed":false,"roleScopeTagIds":["0"]}`},
		{[]string{"--mode", "self-deploying"}, `{"@odata.type":"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",` + `"description":"","deviceNameTemplate":"","deviceType":"windowsPc","displayName":"P","hardwareHashExtractionEnabled":false,"locale":"os-default",` + oobe("shared", false) + `,"preprovisioningAllowed":false,"roleScopeTagIds":["0"]}`},
		{[]string{"--mode", "pre-provisioning"}, `{"@odata.type":"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",` + `"description":"","deviceNameTemplate":"","deviceType":"windowsPc","displayName":"P","hardwareHashExtractionEnabled":false,"locale":"os-default",` + oobe("singleUser", true) + `,"preprovisioningAllowed":true,"roleScopeTagIds":["0"]}`},
		{[]string{"--mode", "user-driven", "--join", "hybrid", "--skip-connectivity-check"}, `{"@odata.type":"#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile",` + common + `"hybridAzureADJoinSkipConnectivityCheck":true,"locale":"os-default",` + oobe("singleUser", true) + `,"preprovisioningAllowed":false,"roleScopeTagIds":["0"]}`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			e := tenant(t)
			if code := run(e, append([]string{"create", "P"}, tt.flags...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.Stderr)
			}
			if got := writes(e); len(got) != 1 || got[0] != "POST "+profilesPath {
				t.Fatalf("writes %v", got)
			}
			if got := body(t, e, 0); got != tt.want {
				t.Errorf("body\n%s\nwant\n%s", got, tt.want)
			}
			// The same command again: unchanged, nothing written.
			if code := run(e, append([]string{"create", "P"}, tt.flags...)...); code != 0 || len(e.Writes()) != 1 || !strings.Contains(e.Stderr.String(), "unchanged") {
				t.Errorf("re-run: exit %d, writes %v, %s", code, writes(e), e.Stderr)
			}
		})
	}
}

func TestEveryCreateFlag(t *testing.T) {
	e := tenant(t)
	code := run(e, "create", "Autopilot Sales", "--mode", "user-driven", "--device-name-template", "SALES-%RAND:5%", "--locale", "user-select",
		"--user-type", "administrator", "--hide-privacy-settings", "--hide-eula", "--skip-keyboard-selection", "--device-type", "windowsPc",
		"--convert-existing", "--confirm-irreversible", "--description", "Sales laptops", "--assign", "Autopilot - Sales")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	b := body(t, e, 0)
	for _, want := range []string{`"deviceNameTemplate":"SALES-%RAND:5%"`, `"locale":""`, `"userType":"administrator"`, `"privacySettingsHidden":true`,
		`"eulaHidden":true`, `"keyboardSelectionPageSkipped":true`, `"hardwareHashExtractionEnabled":true`, `"description":"Sales laptops"`} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %s: %s", want, b)
		}
	}
	if got := writes(e); len(got) != 2 || !strings.HasSuffix(got[1], "/assignments") || !strings.Contains(body(t, e, 1), `"@odata.type":"#microsoft.graph.groupAssignmentTarget"`) {
		t.Errorf("writes %v", got)
	}
	// The Sales devices now have the profile... unless an older profile targets them: the demo's holds All devices.
	if code := run(e, "list", "--devices"); code != 0 || !strings.Contains(e.Stdout.String(), "Autopilot Sales\tuser-driven\tentra\t") ||
		!strings.Contains(e.Stdout.String(), "UD - Entra join\tuser-driven\tentra\t") {
		t.Errorf("list:\n%s", e.Stdout)
	}
}

func TestUpdateReplaceAndAllDevices(t *testing.T) {
	e := tenant(t)
	run(e, "create", "Kiosk", "--mode", "user-driven", "--locale", "en-US")
	if code := run(e, "create", "Kiosk", "--mode", "user-driven", "--locale", "en-GB"); code != 2 ||
		!strings.Contains(e.Stderr.String(), "exists and differs; pass --update to change it:\n  locale: \"en-US\" → \"en-GB\"\n") {
		t.Fatalf("conflict: exit %d %s", code, e.Stderr)
	}
	n := len(e.Writes())
	if code := run(e, "update", "Kiosk", "--locale", "en-GB"); code != 0 || e.Writes()[n].Method != "PATCH" {
		t.Fatalf("update: exit %d %v %s", code, writes(e), e.Stderr)
	}
	if b := body(t, e, n); strings.Contains(b, "deviceType") || !strings.Contains(b, `"escapeLinkHidden":true`) || !strings.Contains(b, `"locale":"en-GB"`) {
		t.Errorf("PATCH body %s", b)
	}
	// A mode change is a replacement.
	run(e, "assign", "Kiosk", "Autopilot - Sales")
	if code := run(e, "update", "Kiosk", "--mode", "self-deploying"); code != 2 || !strings.Contains(e.Stderr.String(), "must be replaced: its mode changes from user-driven to self-deploying") {
		t.Fatalf("replace refused: exit %d %s", code, e.Stderr)
	}
	n = len(e.Writes())
	// The old profile is deleted: asked for like delete (off a terminal, --yes).
	if code := run(e, "update", "Kiosk", "--mode", "self-deploying", "--replace"); code != 2 || len(e.Writes()) != n ||
		!strings.Contains(e.Stderr.String(), "error: not replacing without confirmation: pass --yes (or --dry-run to see what would change)\n") {
		t.Fatalf("replace without --yes: exit %d %s %v", code, e.Stderr, writes(e)[n:])
	}
	if code := run(e, "update", "Kiosk", "--mode", "self-deploying", "--replace", "--yes"); code != 0 || !strings.Contains(e.Stderr.String(), "replaced") {
		t.Fatalf("replace: exit %d %s", code, e.Stderr)
	}
	got := writes(e)[n:]
	if len(got) != 4 || got[0] != "POST "+profilesPath || !strings.HasSuffix(got[1], "/assignments") || got[2][:6] != "DELETE" || got[3][:6] != "DELETE" {
		t.Errorf("replace writes %v", got)
	}
	if b := body(t, e, n); strings.Contains(b, "userType") || !strings.Contains(b, `"deviceUsageType":"shared"`) {
		t.Errorf("replacement body %s", b)
	}
	// All Devices: one holder only.
	if code := run(e, "assign", "UD - Entra join", "--all-devices"); code != 0 {
		t.Fatal(e.Stderr)
	}
	n = len(e.Writes())
	if code := run(e, "create", "Second", "--mode", "user-driven", "--all-devices"); code != 2 ||
		!strings.Contains(e.Stderr.String(), `deployment profile "UD - Entra join" (`) || !strings.Contains(e.Stderr.String(), "is already assigned to All Devices") || len(e.Writes()) != n {
		t.Errorf("All Devices conflict: exit %d %s %v", code, e.Stderr, writes(e)[n:])
	}
}

func TestReadBackAndDelete(t *testing.T) {
	e := tenant(t)
	e.Mock.IgnoreProperty("locale")
	if code := run(e, "create", "P", "--mode", "user-driven", "--locale", "en-US"); code != 1 ||
		!strings.Contains(e.Stderr.String(), `read back: the service did not keep what was sent: locale is "os-default", not "en-US"`) {
		t.Errorf("read back: exit %d %s", code, e.Stderr)
	}
	if code := run(e, "delete", "UD - Entra join", "--yes"); code != 2 || !strings.Contains(e.Stderr.String(), "is assigned to 6 Autopilot devices; pass --force") {
		t.Errorf("delete assigned: exit %d %s", code, e.Stderr)
	}
	n := len(e.Writes())
	if code := run(e, "delete", "UD - Entra join", "--yes", "--force"); code != 0 {
		t.Fatal(e.Stderr)
	}
	if got := writes(e)[n:]; len(got) != 2 || !strings.Contains(got[0], "/assignments/") || strings.Contains(got[1], "/assignments") {
		t.Errorf("delete writes %v", got)
	}
}

func TestYAMLAndBadInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "profile.yaml")
	os.WriteFile(p, []byte("displayName: From file\njoin: entra\nlocale: en-US\ndeviceNameTemplate: FF-%SERIAL%\noutOfBoxExperienceSetting:\n  deviceUsageType: singleUser\n  userType: standard\n  privacySettingsHidden: true\n"), 0o600)
	e := tenant(t)
	if code := run(e, "create", "-f", p); code != 0 || !strings.Contains(body(t, e, 0), `"privacySettingsHidden":true`) {
		t.Fatalf("valid file: exit %d %s", code, e.Stderr)
	}
	bad := filepath.Join(dir, "bad.yaml")
	n := len(e.Writes())
	for _, tt := range []struct {
		file string
		args []string
		want string
	}{
		{"displayName: X\nmode: kiosk\n", nil, bad + `:2: mode "kiosk" is not one of user-driven, self-deploying, pre-provisioning`},
		{"displayName: X\nmode:\n  a: 1\n", nil, bad + `:3: mode must be user-driven, self-deploying or pre-provisioning`},
		{"displayName: X\nmode: self-deploying\noutOfBoxExperienceSetting:\n  deviceUsageType: singleUser\n", nil,
			bad + `:2: mode self-deploying means outOfBoxExperienceSetting.deviceUsageType shared, but the file sets "singleUser"; give one of them`},
		{"displayName: X\n\nmode: user-driven\npreprovisioningAllowed: true\n", nil,
			bad + `:3: mode user-driven means preprovisioningAllowed false, but the file sets true; give one of them`},
		{"displayName: X\npreprovisioningAllowed: maybe\n", nil, bad + `:2: "maybe" is a string, but this key takes true or false`},
		{"[1, 2]\n", nil, bad + ":1: the file must be a mapping"},
		{"", []string{"create", "X", "--mode", "kiosk"}, "--mode: mode \"kiosk\" is not one of"},
		{"", []string{"create", "X"}, "--mode is required"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "CONTOSO-%RAND:8%"}, "device names are limited to 15 characters"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "1234"}, "can't be only digits"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "A%RAND:99999999999999999999%"}, `device name template "A%RAND:99999999999999999999%": %RAND:99999999999999999999%: x in %RAND:x% runs from 1 to 15`},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "A%RAND:9223372036854775807%%RAND:9223372036854775807%"}, "x in %RAND:x% runs from 1 to 15"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "A%RAND:0%"}, "%RAND:0%: x in %RAND:x% runs from 1 to 15"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "A%RAND:16%"}, "%RAND:16%: x in %RAND:x% runs from 1 to 15"},
		{"", []string{"create", "X", "--mode", "user-driven", "--device-name-template", "A_%SERIAL%"}, "letters, digits and hyphens"},
		{"", []string{"create", "X", "--mode", "user-driven", "--join", "hybrid", "--device-name-template", "A-%SERIAL%"}, "no device name template"},
		{"", []string{"create", "X", "--mode", "self-deploying", "--user-type", "standard"}, "userType can't be set"},
		{"", []string{"create", "X", "--mode", "self-deploying", "--join", "hybrid"}, "self-deploying mode supports Microsoft Entra join only"},
		{"", []string{"create", "X", "--mode", "user-driven", "--skip-connectivity-check"}, "hybrid join profiles only"},
		{"", []string{"create", "X", "--mode", "pre-provisioning", "--device-type", "holoLens"}, "HoloLens"},
		{"", []string{"create", "X", "--mode", "user-driven", "--locale", "english"}, "not user-select, os-default or a language tag"},
		{"", []string{"create", "X", "--mode", "user-driven", "--convert-existing"}, "--confirm-irreversible"},
		{"", []string{"create", "Kiosk - EU", "--mode", "user-driven"}, "reason-less 500"},
		{"", []string{"create", "X", "--mode", "user-driven", "--all-devices", "--exclude", "Autopilot - Sales"}, "no exclusions"},
		{"", []string{"create", "X", "--mode", "user-driven", "--assign", "Nope"}, `no group named or with id "Nope"`},
		{"", []string{"assign", "Nope", "Autopilot - Sales"}, `no deployment profile named or with id "Nope"`},
		{"", []string{"update", "Nope", "--locale", "en-US"}, `no deployment profile named or with id "Nope"`},
	} {
		args := tt.args
		if args == nil {
			os.WriteFile(bad, []byte(tt.file), 0o600)
			args = []string{"create", "-f", bad}
		}
		if code := run(e, args...); code != 2 || !strings.Contains(e.Stderr.String(), tt.want) {
			t.Errorf("%v %q: exit %d %s", args, tt.file, code, e.Stderr)
		}
	}
	if got := writes(e)[n:]; len(got) != 0 {
		t.Errorf("bad input wrote %v", got)
	}
	// --force sends a name the service is reported to refuse, with the warning.
	if code := run(e, "create", "Kiosk - EU", "--mode", "self-deploying", "--force"); code != 0 || !strings.HasPrefix(e.Stderr.String(), "warning: profile name \"Kiosk - EU\"") {
		t.Errorf("--force: exit %d %s", code, e.Stderr)
	}
}
