package autopilot

import (
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
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
			t.Errorf("%+v: %v, want %q", tt.f, err, tt.err)
		}
	}
}

func TestSummarize(t *testing.T) {
	rs := []TagResult{{Outcome: Outcome{Status: StatusUpdated}}, {Outcome: Outcome{Status: StatusNotFound}}, {Outcome: Outcome{Status: StatusUpdated}},
		{Outcome: Outcome{Status: StatusFailed}}, {Outcome: Outcome{Status: StatusUnchanged}}}
	s := Summarize(rs)
	if s.String() != "2 updated, 1 notFound, 1 failed, 1 unchanged" || s.Failed != 2 || s.Total != 5 || s.Count(StatusUpdated) != 2 {
		t.Errorf("summary %q, %+v", s, s)
	}
	if s := Summarize([]DeleteResult{}); s.String() != "no devices" || s.Failed != 0 {
		t.Errorf("empty summary %q", s)
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
