package autopilot

import (
	"strings"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	d := Device{SerialNumber: "5CG2461KX7", GroupTag: "Sales", EnrollmentState: "enrolled", DeploymentProfileAssignmentStatus: "assignedOutOfSync"}
	tests := []struct {
		f      Filter
		match  bool
		server string
	}{
		{Filter{}, true, ""},
		{Filter{GroupTag: "sales"}, true, "groupTag eq 'sales'"},
		{Filter{GroupTag: "Kiosk"}, false, "groupTag eq 'Kiosk'"},
		{Filter{Serial: "kx", GroupTag: "Sales"}, true, "contains(serialNumber,'kx')"},
		{Filter{Serial: "O'Brien"}, false, "contains(serialNumber,'O''Brien')"},
		{Filter{ProfileStatus: "assigned"}, true, ""},
		{Filter{ProfileStatus: "assigned", EnrollmentState: "notContacted"}, false, ""},
		{Filter{ProfileStatus: "pending"}, false, ""},
		{Filter{EnrollmentState: "enrolled"}, true, ""},
	}
	for _, tt := range tests {
		if got := tt.f.Match(d); got != tt.match {
			t.Errorf("%+v matches: %v, want %v", tt.f, got, tt.match)
		}
		if got := tt.f.serverFilter(); got != tt.server {
			t.Errorf("%+v server filter %q, want %q", tt.f, got, tt.server)
		}
	}
	if got := devicesQuery("groupTag eq 'A+B & C'"); got != devicesPath+"?$filter=groupTag%20eq%20%27A%2BB%20%26%20C%27" {
		t.Errorf("query %s", got)
	}
}

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		f   Filter
		err string
	}{
		{Filter{ProfileStatus: "notAssigned", EnrollmentState: "blocked", Limit: 5}, ""},
		{Filter{ProfileStatus: "assignedInSync"}, `invalid profile status "assignedInSync": use one of assigned, notAssigned, pending, failed, unknown`},
		{Filter{EnrollmentState: "Enrolled"}, `invalid enrollment state "Enrolled": use one of unknown, enrolled, pendingReset, failed, notContacted, blocked`},
		{Filter{Limit: -2}, "invalid limit -2: must be 0 (all) or more"},
		// The value rule of flags and CSV cells holds for filters too.
		{Filter{Serial: "x\x1b"}, "serial number contains U+001B (ESCAPE)"},
		{Filter{GroupTag: "x\u202e"}, "group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{Filter{GroupTag: strings.Repeat("t", 129)}, "group tag is 129 characters long; the limit is 128"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
			t.Errorf("%+v: %v, want %q", tt.f, err, tt.err)
		}
	}
}

func TestAmbiguousSerialError(t *testing.T) {
	matches := []Device{{ID: "id-1", GroupTag: "Sales", Manufacturer: "HP", Model: "EliteBook"}, {ID: "id-2"}}
	e := &AmbiguousSerialError{Serial: "5CG1", Matches: matches}
	if got, want := e.Error(), `serial number "5CG1" matches 2 Autopilot devices; name one by its id: id-1 (group tag "Sales", HP EliteBook), id-2 (no group tag)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e = &AmbiguousSerialError{Serial: "Default string", Placeholder: true, Matches: matches}
	if got, want := e.Reason(), `serial number "Default string" matches 2 Autopilot devices: it is a firmware placeholder, not a real serial number, so these devices can't be told apart by serial`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEnrolledAdviceNeverOffersANilID(t *testing.T) {
	known := enrolledAdvice(Device{SerialNumber: "5CG2", ManagedDeviceID: "3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60"})
	if want := "delete managed device 3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60 first, in the Intune admin center (Devices > All devices) or with DELETE /deviceManagement/managedDevices/3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60, then run this again"; known != want {
		t.Errorf("known id: %s", known)
	}
	for _, id := range []string{"", nilGUID, "../managedDevices/x"} {
		got := enrolledAdvice(Device{SerialNumber: "O'Neil-1", ManagedDeviceID: id})
		want := "its managed device id is unknown: find the device in the Intune admin center (Devices > All devices, search for serial number O'Neil-1) or with GET /deviceManagement/managedDevices?$filter=serialNumber eq 'O''Neil-1', delete it there, then run this again"
		if got != want || strings.Contains(got, nilGUID) {
			t.Errorf("id %q: %s", id, got)
		}
	}
}

func TestSyncRefusedError(t *testing.T) {
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		e    SyncRefusedError
		want string
	}{
		{SyncRefusedError{RequestedAt: at, RetryAt: at.Add(SyncCooldown), Now: at.Add(time.Minute)},
			"Autopilot sync not started: the last sync was requested less than 10 minutes ago (requested at 2026-01-05T10:00:00Z); try again after 2026-01-05T10:10:00Z (in 9m0s)"},
		{SyncRefusedError{Running: true, RequestedAt: at, RetryAt: at.Add(SyncCooldown), Now: at.Add(12 * time.Minute)},
			"Autopilot sync not started: a sync is already running (requested at 2026-01-05T10:00:00Z); try again when it has finished, in a few minutes"},
		{SyncRefusedError{Running: true, Now: at}, "Autopilot sync not started: a sync is already running; try again when it has finished, in a few minutes"},
		{SyncRefusedError{RequestedAt: at, RetryAt: at.Add(time.Hour + 500*time.Millisecond), Now: at.Add(time.Hour)},
			"Autopilot sync not started: Graph throttled the request; try again after 2026-01-05T11:00:00Z (in 1s)"},
		{SyncRefusedError{Now: at}, "Autopilot sync not started: Graph throttled the request; try again in a few minutes"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}
