package device

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const listRoute = "GET /deviceManagement/windowsAutopilotDeviceIdentities"

func TestListFlags(t *testing.T) {
	tests := []struct {
		args []string
		want autopilot.Filter
		code int
	}{
		{nil, autopilot.Filter{}, 0},
		{[]string{"--group-tag", "Sales", "--serial", "5CG", "--profile-status", "assigned", "--enrollment-state", "enrolled", "--limit", "3"},
			autopilot.Filter{GroupTag: "Sales", Serial: "5CG", ProfileStatus: "assigned", EnrollmentState: "enrolled", Limit: 3}, 0},
		{[]string{"--profile-status", "assignedInSync"}, autopilot.Filter{}, 2},
		{[]string{"--enrollment-state", "gone"}, autopilot.Filter{}, 2},
		{[]string{"--limit", "-1"}, autopilot.Filter{}, 2},
		{[]string{"extra"}, autopilot.Filter{}, 2},
	}
	for _, tt := range tests {
		env := cmdtest.New(t, graphmock.Options{})
		var got autopilot.Filter
		code := env.Run(NewCmdList(env.Factory, func(o *ListOptions) error { got = o.Filter; return nil }), tt.args...)
		if code != tt.code || got != tt.want {
			t.Errorf("%v: exit %d, filter %+v; want %d, %+v (stderr %q)", tt.args, code, got, tt.code, tt.want, env.Stderr)
		}
	}
}

// listTenant has six devices in several states; the mock pages them two at a time.
func listTenant(t *testing.T) *cmdtest.Env {
	devs := []graphmock.SeedAutopilotDevice{
		{SerialNumber: "5CG2461KX7", GroupTag: "Sales", UserPrincipalName: "adele@contoso.example"},
		{SerialNumber: "5CG2461KX8", GroupTag: "Sales", EnrollmentState: "enrolled"},
		{SerialNumber: "PF3-ABCD1", GroupTag: "Kiosk"},
		{SerialNumber: "PF3-ABCD2", GroupTag: "kiosk"},
		{SerialNumber: "0F4410234567"},
		{SerialNumber: "0F4410234568", GroupTag: "Sales"},
	}
	return tenant(t, graphmock.Options{PageSize: 2}, devs...)
}

func TestList(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdout  string
		queries []string // $filter of each page request
	}{
		{"every device across three pages", []string{"list"}, lines(
			"5CG2461KX7\tSales\tadele@contoso.example\tnotAssigned\tnotContacted\tnever",
			"5CG2461KX8\tSales\t\tnotAssigned\tenrolled\tnever",
			"PF3-ABCD1\tKiosk\t\tnotAssigned\tnotContacted\tnever",
			"PF3-ABCD2\tkiosk\t\tnotAssigned\tnotContacted\tnever",
			"0F4410234567\t\t\tnotAssigned\tnotContacted\tnever",
			"0F4410234568\tSales\t\tnotAssigned\tnotContacted\tnever"),
			[]string{"", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDoy", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDo0"}},
		{"group tag filtered by Graph", []string{"list", "--group-tag", "kiosk"}, lines(
			"PF3-ABCD1\tKiosk\t\tnotAssigned\tnotContacted\tnever",
			"PF3-ABCD2\tkiosk\t\tnotAssigned\tnotContacted\tnever"),
			[]string{"$filter=groupTag eq 'kiosk'"}},
		{"serial part filtered by Graph", []string{"list", "--serial", "kx"}, lines(
			"5CG2461KX7\tSales\tadele@contoso.example\tnotAssigned\tnotContacted\tnever",
			"5CG2461KX8\tSales\t\tnotAssigned\tenrolled\tnever"),
			[]string{"$filter=contains(serialNumber,'kx')"}},
		{"hyphenated serial: Graph refuses, matched here", []string{"list", "--serial", "PF3-ABCD"}, lines(
			"PF3-ABCD1\tKiosk\t\tnotAssigned\tnotContacted\tnever",
			"PF3-ABCD2\tkiosk\t\tnotAssigned\tnotContacted\tnever"),
			[]string{"$filter=contains(serialNumber,'PF3-ABCD')", "", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDoy", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDo0"}},
		{"state filters matched here, serial by Graph", []string{"list", "--serial", "5CG", "--group-tag", "sales", "--enrollment-state", "enrolled"}, lines(
			"5CG2461KX8\tSales\t\tnotAssigned\tenrolled\tnever"),
			[]string{"$filter=contains(serialNumber,'5CG')"}},
		{"limit stops paging", []string{"list", "--limit", "3"}, lines(
			"5CG2461KX7\tSales\tadele@contoso.example\tnotAssigned\tnotContacted\tnever",
			"5CG2461KX8\tSales\t\tnotAssigned\tenrolled\tnever",
			"PF3-ABCD1\tKiosk\t\tnotAssigned\tnotContacted\tnever"),
			[]string{"", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDoy"}},
		{"profile status", []string{"list", "--profile-status", "assigned"}, "", []string{"", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDoy", "$skiptoken=Z3JhcGhtb2NrLW9mZnNldDo0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := listTenant(t)
			got := runCmd(env, tt.args...)
			if got.code != 0 || got.stdout != tt.stdout || got.stderr != "" {
				t.Errorf("got %v\nwant stdout:\n%s", got, tt.stdout)
			}
			if q := queries(env, listRoute); !reflect.DeepEqual(q, tt.queries) {
				t.Errorf("requests %q, want %q", q, tt.queries)
			}
		})
	}
}

func TestListMachineOutputKeepsGraphNames(t *testing.T) {
	env := listTenant(t)
	got := runCmd(env, "list", "--serial", "5CG2461KX7", "-o", "json")
	var devices []map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &devices); err != nil || got.code != 0 {
		t.Fatalf("%v: %v", got, err)
	}
	if len(devices) != 1 || devices[0]["serialNumber"] != "5CG2461KX7" || devices[0]["id"] != deviceID(1) ||
		devices[0]["userPrincipalName"] != "adele@contoso.example" || devices[0]["deploymentProfileAssignmentStatus"] != "notAssigned" {
		t.Errorf("json: %v", devices)
	}
	if _, secret := devices[0]["deviceAccountPassword"]; secret {
		t.Error("deviceAccountPassword is printed")
	}
	got = runCmd(env, "list", "--group-tag", "nothing", "-o", "json")
	if got.stdout != "[]\n" {
		t.Errorf("empty list printed %q", got.stdout)
	}
	got = runCmd(env, "list", "--serial", "KX8", "-o", "csv")
	want := "serialNumber,groupTag,userPrincipalName,deploymentProfileAssignmentStatus,enrollmentState,lastContactedDateTime\n" +
		"5CG2461KX8,Sales,,notAssigned,enrolled,never\n"
	if got.stdout != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got.stdout, want)
	}
}

// --serial and --group-tag follow the value rule of every flag and CSV cell: nothing is sent.
func TestListRefusesUnsafeFilterValues(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"list", "--serial", "x\x1b"}, "error: --serial: serial number contains U+001B (ESCAPE)\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"list", "--group-tag", "x\u202e"}, "error: --group-tag: group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE)\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"list", "--serial", ""}, "error: --serial: serial number is missing\nRun 'autopilotctl device list --help' for usage.\n"},
	} {
		env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"))
		got := runCmd(env, tt.args...)
		if got.code != 2 || got.stdout != "" || got.stderr != tt.stderr || len(queries(env, listRoute)) != 0 {
			t.Errorf("%q: %v, %d listings", tt.args, got, len(queries(env, listRoute)))
		}
	}
}
