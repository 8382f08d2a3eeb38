package graphmock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// serials lists the serial numbers of a collection page.
func serials(r reply) string {
	var out []string
	for _, v := range r.values() {
		out = append(out, v["serialNumber"].(string))
	}
	return strings.Join(out, ",")
}

func TestDevicePagingFollowsAbsoluteNextLinks(t *testing.T) {
	s, _ := startFake(t, Options{PageSize: 2, Seed: DemoSeed()})
	var pages []string
	next := devicesPath
	for next != "" {
		page := send(t, s, "GET", next, nil).want(t, 200)
		pages = append(pages, serials(page))
		next = page.str("@odata.nextLink")
		if next != "" && !strings.HasPrefix(next, s.BaseURL()+devicesPath+"?") || len(pages) > 3 {
			t.Fatalf("nextLink %q after %d pages", next, len(pages))
		}
	}
	want := "5CG2461KX7,5CG2461KX8|PF3ABCD1,0F4410234567|0F4410234568,7YX2KL3"
	if got := strings.Join(pages, "|"); got != want {
		t.Errorf("pages %q, want %q", got, want)
	}

	first := send(t, s, "GET", devicesPath+"?$top=1&$filter="+queryEscape("groupTag eq 'kiosk'"), nil).want(t, 200)
	second := send(t, s, "GET", first.str("@odata.nextLink"), nil).want(t, 200)
	if serials(first) != "0F4410234567" || serials(second) != "0F4410234568" || second.str("@odata.nextLink") != "" {
		t.Errorf("$top=1 pages %q then %q (next %q)", serials(first), serials(second), second.str("@odata.nextLink"))
	}
	if got := first.str("@odata.context"); got != s.BaseURL()+"/$metadata#deviceManagement/windowsAutopilotDeviceIdentities" {
		t.Errorf("@odata.context %q", got)
	}
}

func TestDeviceFilters(t *testing.T) {
	s, _ := startFake(t, Options{Seed: DemoSeed()})
	tests := []struct {
		filter     string
		wantStatus int
		want       string
	}{
		{"contains(serialNumber,'5cg2461')", 200, "5CG2461KX7,5CG2461KX8"},
		{"groupTag eq 'Sales'", 200, "5CG2461KX7,5CG2461KX8,PF3ABCD1"},
		{"groupTag eq 'O''Brien'", 200, ""},
		{"contains(serialNumber,'5CG-2461')", 400, ""},
		{"serialNumber eq '7YX2KL3'", 400, ""},
		{"startswith(serialNumber,'7')", 400, ""},
	}
	for _, tt := range tests {
		got := send(t, s, "GET", devicesPath+"?$filter="+queryEscape(tt.filter), nil).want(t, tt.wantStatus)
		if tt.wantStatus == 200 {
			if serials(got) != tt.want {
				t.Errorf("$filter=%s: %q, want %q", tt.filter, serials(got), tt.want)
			}
			continue
		}
		// Intune's front end nests a JSON document in error.message (docs/graph.md#error-bodies).
		var inner struct {
			Version int    `json:"_version"`
			Message string `json:"Message"`
		}
		msg := got.str("error.message")
		if err := json.Unmarshal([]byte(msg), &inner); err != nil || inner.Version != 3 || !strings.HasPrefix(inner.Message, "An error has occurred - Operation ID") || !strings.Contains(msg, "\r\n") {
			t.Errorf("$filter=%s: error.message %q", tt.filter, msg)
		}
	}
}

func TestDeviceUpdatesAreVisibleLater(t *testing.T) {
	s, _ := startFake(t, Options{Seed: &Seed{AutopilotDevices: []SeedAutopilotDevice{{ID: "dev-1", SerialNumber: "S1", GroupTag: "Sales", DisplayName: "OLD"}}}})
	path := devicesPath + "/dev-1"
	steps := []struct {
		action string
		body   any
		status int
		want   map[string]string // properties after the step
	}{
		{"updateDeviceProperties", map[string]any{"groupTag": "Kiosk", "deviceFriendlyName": "Hub"}, 204,
			map[string]string{"groupTag": "Kiosk", "displayName": "OLD", "deviceFriendlyName": "Hub"}},
		{"updateDeviceProperties", map[string]any{"displayName": ""}, 204,
			map[string]string{"groupTag": "Kiosk", "displayName": ""}},
		{"updateDeviceProperties", map[string]any{"purchaseOrderIdentifier": "PO"}, 400, nil},
		{"assignUserToDevice", map[string]any{"userPrincipalName": "anna@contoso.example", "addressableUserName": "Anna"}, 204,
			map[string]string{"userPrincipalName": "anna@contoso.example", "addressableUserName": "Anna"}},
		{"assignUserToDevice", map[string]any{"addressableUserName": "Anna"}, 400, nil},
		{"assignUserToDevice", map[string]any{"userPrincipalName": ""}, 400, nil},
		{"unassignUserFromDevice", nil, 204, map[string]string{"userPrincipalName": "", "addressableUserName": ""}},
	}
	for i, st := range steps {
		send(t, s, "POST", path+"/"+st.action, st.body).want(t, st.status)
		got := send(t, s, "GET", path, nil).want(t, 200)
		for k, v := range st.want {
			if got.str(k) != v {
				t.Errorf("step %d %s: %s = %q, want %q", i, st.action, k, got.str(k), v)
			}
		}
	}
	send(t, s, "POST", devicesPath+"/nope/assignUserToDevice", map[string]any{"userPrincipalName": "a@b.example"}).want(t, 404)
}

func TestDeviceDelete(t *testing.T) {
	s, _ := startFake(t, Options{Seed: &Seed{AutopilotDevices: []SeedAutopilotDevice{
		{ID: "free", SerialNumber: "S1"},
		{ID: "enrolled", SerialNumber: "S2", EnrollmentState: "enrolled", ManagedDeviceID: "md-2"},
	}}})
	got := send(t, s, "DELETE", devicesPath+"/enrolled", nil).want(t, http.StatusBadRequest)
	if msg := got.str("error.message"); !strings.Contains(msg, `is enrolled in Intune as managed device 'md-2': delete it from Intune devices first`) {
		t.Errorf("enrolled delete message %q", msg)
	}
	send(t, s, "DELETE", devicesPath+"/free", nil).want(t, 204)
	send(t, s, "GET", devicesPath+"/free", nil).want(t, 404)
	if ids := s.autopilotDeviceIDs(); len(ids) != 1 || ids[0] != "enrolled" {
		t.Errorf("devices left %v", ids)
	}
}

func TestDeviceExpandProfiles(t *testing.T) {
	s, _ := startFake(t, Options{Seed: &Seed{AutopilotDevices: []SeedAutopilotDevice{{ID: "d1", SerialNumber: "S1"}}}})
	expand := devicesPath + "/d1?$expand=deploymentProfile,intendedDeploymentProfile"
	got := send(t, s, "GET", expand, nil).want(t, 200)
	if v, ok := got.body["deploymentProfile"]; !ok || v != nil || got.body["intendedDeploymentProfile"] != nil {
		t.Errorf("without profiles: %s", got.raw)
	}
	s.deploymentProfileEntity = func(id string) (map[string]any, bool) { return map[string]any{"id": id}, id == "p1" }
	tests := []struct {
		status, wantStatus, wantAssigned, wantIntended string
	}{
		{"pending", "pending", "", "p1"},
		{"assignedInSync", "assignedInSync", "p1", "p1"},
		{"notAssigned", "notAssigned", "", ""},
	}
	for _, tt := range tests {
		s.mu.Lock()
		s.setDeviceProfile("d1", "p1", tt.status)
		s.mu.Unlock()
		got := send(t, s, "GET", expand, nil).want(t, 200)
		if got.str("deploymentProfileAssignmentStatus") != tt.wantStatus || got.str("deploymentProfile.id") != tt.wantAssigned || got.str("intendedDeploymentProfile.id") != tt.wantIntended {
			t.Errorf("after %s: %s", tt.status, got.raw)
		}
	}
	got = send(t, s, "GET", devicesPath+"/d1?$expand=owner", nil).want(t, 400)
	if got.errorMessage() != "BadRequest: Could not find a property named 'owner' on type 'microsoft.graph.windowsAutopilotDeviceIdentity'." {
		t.Errorf("bad $expand: %s", got.errorMessage())
	}
}
