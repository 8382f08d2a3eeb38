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
		{"valid", `{"autopilotDevices":[{"serialNumber":"S1","groupTag":"Kiosk","enrollmentState":"enrolled"}],"otherTenantSerials":["X"]}`, ""},
		{"unknown property", `{"autopilotDevices":[{"serial":"S1"}]}`, `seed.json: json: unknown field "serial"`},
		{"no serial", `{"autopilotDevices":[{"groupTag":"Kiosk"}]}`, "seed.json: autopilotDevices[0]: serialNumber is required"},
		{"bad state", `{"autopilotDevices":[{"serialNumber":"S1","enrollmentState":"done"}]}`,
			`seed.json: autopilotDevices[0]: enrollmentState "done" is not one of [unknown enrolled pendingReset failed notContacted blocked]`},
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
