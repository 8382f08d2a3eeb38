package graphmock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSeed(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"valid", `{"autopilotDevices":[{"serialNumber":"S1","groupTag":"Kiosk","enrollmentState":"enrolled"}],"otherTenantSerials":["X"],
			"groups":[{"displayName":"Kiosk","mailEnabled":false,"mailNickname":"kiosk","securityEnabled":true}]}`, ""},
		{"unknown property", `{"autopilotDevices":[{"serial":"S1"}]}`, `seed.json: json: unknown field "serial"`},
		{"no serial", `{"autopilotDevices":[{"groupTag":"Kiosk"}]}`, "seed.json: autopilotDevices[0]: serialNumber is required"},
		{"bad state", `{"autopilotDevices":[{"serialNumber":"S1","enrollmentState":"done"}]}`,
			`seed.json: autopilotDevices[0]: enrollmentState "done" is not one of [unknown enrolled pendingReset failed notContacted blocked]`},
		{"refused group", `{"groups":[{"displayName":"Sales","mailEnabled":false,"mailNickname":"sales team","securityEnabled":true}]}`,
			`seed.json: groups[0] "Sales": POST /groups: 400 Request_BadRequest: Invalid value specified for property 'mailNickname' of resource 'Group'.`},
		{"unknown group property", `{"groups":[{"displayName":"Sales","mailEnabled":false,"mailNickname":"sales","securityEnabled":true,"visible":true}]}`,
			`seed.json: groups[0] "Sales": POST /groups: 400 BadRequest: Property 'visible' does not exist on type 'microsoft.graph.group'`},
		{"refused profile", `{"deploymentProfiles":[{"@odata.type":"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile","displayName":"P","deviceNameTemplate":"CONTOSO-%RAND:8%"}]}`,
			`seed.json: deploymentProfiles[0] "P": POST /deviceManagement/windowsAutopilotDeploymentProfiles: 400 BadRequest: deviceNameTemplate 'CONTOSO-%RAND:8%' is invalid: names are limited to 15 characters.`},
		{"unknown assigned group", `{"enrollmentConfigurations":[{"@odata.type":"#microsoft.graph.windows10EnrollmentCompletionPageConfiguration","displayName":"ESP","assignGroups":["Nope"]}]}`,
			`seed.json: enrollmentConfigurations[0] "ESP": assignGroups: no group named "Nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "seed.json")
			os.WriteFile(path, []byte(tt.json), 0o644)
			seed, err := LoadSeed(path)
			if tt.wantErr == "" {
				if err != nil || len(seed.AutopilotDevices) != 1 || seed.OtherTenantSerials[0] != "X" {
					t.Fatalf("LoadSeed: %v %+v", err, seed)
				}
				return
			}
			if err == nil || err.Error() != strings.ReplaceAll(tt.wantErr, "seed.json", path) {
				t.Errorf("error %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestDemoSeedServes(t *testing.T) {
	s, _ := startFake(t, Options{Seed: DemoSeed()})
	got := send(t, s, "GET", devicesPath+"?$filter="+queryEscape("groupTag eq 'Kiosk'"), nil).want(t, 200)
	if serials(got) != "0F4410234567,0F4410234568" {
		t.Errorf("Kiosk devices %q", serials(got))
	}
	send(t, s, "POST", importsPath+"/import", importBody(importDevice("5CG9999999", hash("o", 64)))).want(t, 200)
	if rec := send(t, s, "GET", importsPath, nil).values()[0]["state"].(map[string]any); rec["deviceErrorCode"] != float64(808) {
		t.Errorf("demo other-tenant serial: %v", rec)
	}
}
