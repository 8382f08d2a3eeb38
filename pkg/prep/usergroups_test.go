package prep

import (
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/groups"
)

func TestUserGroupProblem(t *testing.T) {
	dynamic := func(rule string) *groups.Group {
		return &groups.Group{ID: "g1", DisplayName: "G", SecurityEnabled: true, GroupTypes: []string{"DynamicMembership"}, MembershipRule: rule}
	}
	tests := []struct {
		name  string
		group *groups.Group
		want  string
	}{
		{"assigned group", &groups.Group{ID: "g1", SecurityEnabled: true}, ""},
		{"the device group", &groups.Group{ID: "G1", SecurityEnabled: true}, "is the policy's device group"},
		{"dynamic user group", dynamic(`user.department -eq "HR"`), ""},
		{"dynamic user group mentioning devices in a value", dynamic(`(user.jobTitle -eq "device.admin")`), ""},
		{"dynamic device group", dynamic(`(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))`), "is a dynamic group whose rule selects devices"},
		{"device rule pkg/rule does not know", dynamic(`(device.someNewProperty -eq "x")`), "is a dynamic group whose rule selects devices"},
		{"rule not read", dynamic(""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := "other"
			if tt.name == "the device group" {
				dev = "g1"
			}
			if got := userGroupProblem(tt.group, dev); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
