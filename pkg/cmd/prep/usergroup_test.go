package prep

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
)

// A user group that selects devices, or the device group itself, is refused before anything is written: the
// policy runs for the user who sets the device up, so such an assignment never does anything.
func TestCreateRefusesDeviceGroupsAsUserGroups(t *testing.T) {
	tests := []struct {
		name, group, want string
	}{
		{"dynamic device group", "Dynamic", `--user-group: group "Dynamic" (ID) is a dynamic group whose rule selects devices; the policy is assigned to the users who set devices up: name a group of users`},
		{"the device group", "DPP devices", `--user-group: group "DPP devices" (ID) is the policy's device group; the policy is assigned to the users who set devices up: name a group of users`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenant(t, false, "")
			code := run(e, "create", "DPP - Sales", "--device-group", "DPP devices", "--user-group", "Sales users", "--user-group", tt.group)
			want := strings.ReplaceAll(tt.want, "ID", groupID(t, e, tt.group))
			if code != 2 || !strings.Contains(e.Stderr.String(), want) || len(e.Writes()) != 0 {
				t.Errorf("exit %d, writes %v\nstderr %s\nwant   %s", code, writes(e), e.Stderr, want)
			}
		})
	}
}

// update adds user groups: a device group among the added ones is refused too.
func TestUpdateRefusesDeviceGroupAsUserGroup(t *testing.T) {
	e := tenant(t, false, "")
	if code := run(e, create...); code != 0 {
		t.Fatalf("create: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	code := run(e, "update", "DPP - Sales", "--user-group", "Dynamic")
	if code != 2 || !strings.Contains(e.Stderr.String(), `--user-group: group "Dynamic" (`) || len(e.Writes()) != 0 {
		t.Errorf("exit %d, writes %v\n%s", code, writes(e), e.Stderr)
	}
}

// verify fails assignedToUsers for an assignment to a group of devices, to the device group, or to a group
// deleted after it was assigned; the detail names each.
func TestVerifyAssignedToUsersChecksTheGroups(t *testing.T) {
	tests := []struct {
		name   string
		brk    func(t *testing.T, e *cmdtest.Env, pol string)
		detail string
	}{
		{"assigned to a dynamic device group", func(t *testing.T, e *cmdtest.Env, pol string) {
			assign(t, e, pol, groupID(t, e, "Sales users"), groupID(t, e, "Dynamic"))
		}, `group "Dynamic" (DYN) is a dynamic group whose rule selects devices`},
		{"assigned to the device group", func(t *testing.T, e *cmdtest.Env, pol string) {
			assign(t, e, pol, groupID(t, e, "DPP devices"))
		}, `group "DPP devices" (DEV) is the policy's device group`},
		{"user group deleted", func(t *testing.T, e *cmdtest.Env, _ string) {
			e.Send(t, "DELETE", "/groups/"+groupID(t, e, "Sales users"), nil)
		}, `group USERS no longer exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenant(t, false, "")
			if code := run(e, create...); code != 0 {
				t.Fatalf("create: exit %d\n%s%s", code, e.Stdout, e.Stderr)
			}
			ids := strings.NewReplacer("DYN", groupID(t, e, "Dynamic"), "DEV", groupID(t, e, "DPP devices"), "USERS", groupID(t, e, "Sales users"))
			quoted, _ := json.Marshal(ids.Replace(tt.detail))
			want := string(quoted[1 : len(quoted)-1]) // as -o json writes it
			tt.brk(t, e, policyID(t, e, "DPP - Sales"))
			code, failed := failingChecks(t, e, "DPP - Sales")
			if code != 1 || strings.Join(failed, ",") != "assignedToUsers" || !strings.Contains(e.Stdout.String(), want) {
				t.Errorf("exit %d, failed %v, want detail %s\n%s%s", code, failed, want, e.Stdout, e.Stderr)
			}
		})
	}
}

// assign replaces the policy's assignments with these groups, as the admin center would.
func assign(t *testing.T, e *cmdtest.Env, pol string, groupIDs ...string) {
	t.Helper()
	var list []any
	for _, id := range groupIDs {
		list = append(list, map[string]any{"target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": id}})
	}
	e.Send(t, "POST", "/deviceManagement/configurationPolicies/"+pol+"/assign", map[string]any{"assignments": list})
}
