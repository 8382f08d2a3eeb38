package cli

import (
	"strings"
	"testing"
)

// -o csv names its columns as -o json names what they show (Graph's property names), on every command.
func TestCSVColumnsAreJSONPropertyNames(t *testing.T) {
	env := mockFactoryEnv(t)
	tests := []struct {
		args   []string
		header string
	}{
		{[]string{"device", "list"}, "serialNumber,groupTag,userPrincipalName,deploymentProfileAssignmentStatus,enrollmentState,lastContactedDateTime"},
		{[]string{"esp", "list"}, "priority,displayName,id,assignments"},
		{[]string{"group", "list"}, "displayName,type,membershipRule,id"},
		{[]string{"group", "members", "Autopilot - Sales"}, "displayName,type,id,deviceId"},
		{[]string{"profile", "list"}, "displayName,mode,join,id,assignments"},
		{[]string{"profile", "list", "--devices"}, "displayName,mode,join,id,assignments,assignedDevices"},
		{[]string{"prep", "list"}, "name,mode,priority,id"},
		{[]string{"device", "diagnose", "5CG2461KX7"}, "serialNumber,check,status,detail,fix"},
		{[]string{"device", "diagnose", "--all", "--summary"}, "check,status,devices,reason"},
		{[]string{"device", "tag", "5CG2461KX8", "--group-tag", "Sales"}, "serialNumber,from,to,status,detail"},
		{[]string{"esp", "show", "default"}, "property,value"},
	}
	for _, tt := range tests {
		got := run(withBuffers(testFactory(env)), append([]string{"--mock", "-o", "csv"}, tt.args...))
		header, _, _ := strings.Cut(got.stdout, "\n")
		if header != tt.header {
			t.Errorf("%s: exit %d, CSV header %q, want %q\nstderr: %s", strings.Join(tt.args, " "), got.code, header, tt.header, got.stderr)
		}
	}
}
