package graphmock

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestImportLifecycle(t *testing.T) {
	s, clock := startFake(t, Options{ProcessDelay: 5 * time.Minute})
	got := send(t, s, "POST", importsPath+"/import", importBody(importDevice("5CG1", hash("a", 4000)), importDevice("5CG2", hash("b", 4000)))).want(t, 200)
	recs := got.values()
	if len(recs) != 2 || recs[0]["state"].(map[string]any)["deviceImportStatus"] != "pending" {
		t.Fatalf("import answer %s", got.raw)
	}
	id := recs[0]["id"].(string)
	if recs[0]["importId"] == "" || recs[0]["importId"] != recs[1]["importId"] {
		t.Errorf("records of one call should share a generated importId: %v, %v", recs[0]["importId"], recs[1]["importId"])
	}

	clock.Advance(5*time.Minute - time.Second)
	if st := send(t, s, "GET", importsPath+"/"+id, nil).want(t, 200).str("state.deviceImportStatus"); st != "pending" {
		t.Fatalf("before ProcessDelay: status %q, want pending", st)
	}
	clock.Advance(time.Second)
	rec := send(t, s, "GET", importsPath+"/"+id, nil).want(t, 200)
	if rec.str("state.deviceImportStatus") != "complete" || rec.str("state.deviceErrorCode") != "0" {
		t.Fatalf("after ProcessDelay: %s", rec.raw)
	}
	devID := rec.str("state.deviceRegistrationId")
	dev := send(t, s, "GET", devicesPath+"/"+devID, nil).want(t, 200)
	if dev.str("serialNumber") != "5CG1" || dev.str("@odata.type") != "#microsoft.graph.windowsAutopilotDeviceIdentity" || dev.str("enrollmentState") != "notContacted" {
		t.Errorf("registered device %s", dev.raw)
	}
	entra := s.entraDevices()
	if len(entra) != 2 || entra[0].PhysicalIDs[0] != "[ZTDId]:"+devID || entra[0].ID != dev.str("azureAdDeviceId") || entra[0].DisplayName != "5CG1" {
		t.Errorf("entraDevices = %+v", entra)
	}

	send(t, s, "DELETE", importsPath+"/"+id, nil).want(t, 204)
	send(t, s, "GET", importsPath+"/"+id, nil).want(t, 404)
}

func TestImportErrors(t *testing.T) {
	seed := &Seed{
		AutopilotDevices:   []SeedAutopilotDevice{{SerialNumber: "REG1", HardwareIdentifier: hash("r", 100)}},
		OtherTenantSerials: []string{"theirs1"},
	}
	tests := []struct {
		name     string
		device   map[string]any
		wantCode int
		wantName string
	}{
		{"serial registered here", importDevice("reg1", hash("x", 100)), 806, "ZtdDeviceAlreadyAssigned"},
		{"hash registered here", importDevice("NEW1", hash("r", 100)), 806, "ZtdDeviceAlreadyAssigned"},
		{"serial of another tenant", importDevice("THEIRS1", hash("y", 100)), 808, "ZtdDeviceAssignedToOtherTenant"},
		{"hash too short", importDevice("NEW2", hash("z", 63)), 802, "InvalidZtdHardwareHash"},
		{"no serial or product key", importDevice("", hash("w", 100)), 803, "MissingZtdSerialNumberAndProductKey"},
		{"new device", importDevice("NEW3", hash("v", 64)), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, Options{Seed: seed})
			send(t, s, "POST", importsPath+"/import", importBody(tt.device)).want(t, 200)
			got := send(t, s, "GET", importsPath, nil).want(t, 200).values()[0]["state"].(map[string]any)
			wantStatus := "error"
			if tt.wantCode == 0 {
				wantStatus = "complete"
			}
			if got["deviceImportStatus"] != wantStatus || got["deviceErrorCode"] != float64(tt.wantCode) || got["deviceErrorName"] != tt.wantName {
				t.Errorf("state = %v, want %s %d %s", got, wantStatus, tt.wantCode, tt.wantName)
			}
		})
	}
}

func TestImportDuplicateHashInOneCall(t *testing.T) {
	s, _ := startFake(t, Options{})
	h := hash("d", 200)
	send(t, s, "POST", importsPath+"/import", importBody(importDevice("A1", h), importDevice("A2", h), importDevice("A3", hash("e", 200)))).want(t, 200)
	var got []string
	for _, rec := range send(t, s, "GET", importsPath, nil).want(t, 200).values() {
		st := rec["state"].(map[string]any)
		got = append(got, fmt.Sprintf("%s %s %v", rec["serialNumber"], st["deviceImportStatus"], st["deviceErrorName"]))
	}
	want := "A1 complete |A2 error ZtdDeviceDuplicated|A3 complete "
	if strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestImportRequestValidation(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		body    any
		wantMsg string
	}{
		{"unknown property", importsPath, map[string]any{"serialNumber": "S", "hardwareIdentifier": hash("a", 64), "orderIdentifier": "x"},
			"BadRequest: Property 'orderIdentifier' does not exist on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentity'"},
		{"missing hash", importsPath, map[string]any{"serialNumber": "S"},
			"BadRequest: Required property 'hardwareIdentifier' is missing on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentity'"},
		{"hash not base64", importsPath + "/import", importBody(importDevice("S", "not base64!")),
			"BadRequest: Property 'hardwareIdentifier' on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentity' is not valid base64 (Edm.Binary): illegal base64 data at input byte 3"},
		{"unknown state property", importsPath + "/import", importBody(map[string]any{"serialNumber": "S", "hardwareIdentifier": hash("a", 64), "state": map[string]any{"deviceImportStatus": "pending", "foo": 1}}),
			"BadRequest: Property 'foo' does not exist on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState'"},
		{"serial not a string", importsPath + "/import", importBody(map[string]any{"serialNumber": 5, "hardwareIdentifier": hash("a", 64)}),
			"BadRequest: Property 'serialNumber' on type 'microsoft.graph.importedWindowsAutopilotDeviceIdentity' must be a string."},
		{"unknown action parameter", importsPath + "/import", map[string]any{"importedWindowsAutopilotDeviceIdentities": []any{}, "extra": true},
			"BadRequest: Property 'extra' does not exist on type 'microsoft.graph.import'"},
		{"over the batch limit", importsPath + "/import", importBody(importDevice("S1", hash("a", 64)), importDevice("S2", hash("b", 64)), importDevice("S3", hash("c", 64))),
			"BadRequest: The import contains 3 devices; at most 2 devices can be imported per call."},
		{"not JSON", importsPath, []byte("serial=5"), "BadRequest: Invalid JSON: the request body must be one JSON object."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, Options{MaxImportBatch: 2})
			got := send(t, s, "POST", tt.path, tt.body).want(t, http.StatusBadRequest)
			if got.errorMessage() != tt.wantMsg {
				t.Errorf("error %q, want %q", got.errorMessage(), tt.wantMsg)
			}
			if n := len(send(t, s, "GET", importsPath, nil).values()); n != 0 {
				t.Errorf("%d records created by a refused call", n)
			}
		})
	}
}

func TestImportCreateAndFilters(t *testing.T) {
	s, _ := startFake(t, Options{ProcessDelay: time.Hour})
	created := send(t, s, "POST", importsPath, map[string]any{
		"@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity", "serialNumber": "5CG-77", "groupTag": "Kiosk",
		"productKey": "", "importId": "batch-1", "hardwareIdentifier": hash("k", 64), "assignedUserPrincipalName": "",
		"state": map[string]any{"@odata.type": "microsoft.graph.importedWindowsAutopilotDeviceIdentityState", "deviceImportStatus": "pending", "deviceRegistrationId": "", "deviceErrorCode": 0, "deviceErrorName": ""},
	}).want(t, http.StatusCreated)
	if created.str("importId") != "batch-1" || created.str("groupTag") != "Kiosk" || created.str("state.deviceImportStatus") != "pending" {
		t.Errorf("created %s", created.raw)
	}
	send(t, s, "POST", importsPath+"/import", importBody(importDevice("5CG-78", hash("l", 64)))).want(t, 200)
	tests := []struct {
		filter string
		want   []string
	}{
		{"importId eq 'batch-1'", []string{"5CG-77"}},
		{"contains(serialNumber,'5cg-7')", []string{"5CG-77", "5CG-78"}},
		{"contains(serialNumber, '78')", []string{"5CG-78"}},
	}
	for _, tt := range tests {
		var got []string
		for _, rec := range send(t, s, "GET", importsPath+"?$filter="+queryEscape(tt.filter), nil).want(t, 200).values() {
			got = append(got, rec["serialNumber"].(string))
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("$filter=%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
	send(t, s, "GET", importsPath+"?$filter="+queryEscape("groupTag eq 'Kiosk'"), nil).want(t, http.StatusBadRequest)
}
