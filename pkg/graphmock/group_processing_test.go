package graphmock

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// processingStatus reads group id's membershipRuleProcessingStatus the documented way: $select on one group.
func processingStatusOf(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	r := send(t, s, "GET", "/groups/"+id+"?$select=membershipRuleProcessingStatus", nil).want(t, http.StatusOK)
	status, _ := r.body["membershipRuleProcessingStatus"].(map[string]any)
	if len(r.body) != 2 { // @odata.context and the selected property
		t.Errorf("$select answer has %d properties: %v", len(r.body), r.body)
	}
	return status
}

func TestDynamicGroupProcessing(t *testing.T) {
	s, clock := startFake(t, Options{Seed: tenantSeed(), ProcessDelay: 10 * time.Minute})
	id := send(t, s, "POST", "/groups", groupBody("Sales", []string{"DynamicMembership"}, rule.GroupTag("Sales"))).want(t, 201).str("id")
	if _, ok := send(t, s, "GET", "/groups/"+id, nil).want(t, 200).body["membershipRuleProcessingStatus"]; ok {
		t.Error("membershipRuleProcessingStatus returned without $select")
	}
	step := func(advance time.Duration, wantStatus string, wantMembers ...string) {
		t.Helper()
		clock.Advance(advance)
		if got := processingStatusOf(t, s, id)["status"]; got != wantStatus {
			t.Errorf("status = %v, want %s", got, wantStatus)
		}
		if got := strings.Join(memberNames(t, s, id), ","); got != strings.Join(wantMembers, ",") {
			t.Errorf("members = %q, want %q", got, wantMembers)
		}
	}
	step(0, "NotStarted")
	step(5*time.Minute, "Running")
	step(5*time.Minute-time.Second, "Running")
	step(time.Second, "Succeeded", "S1")

	// A new rule: the old members stay until it is processed.
	send(t, s, "PATCH", "/groups/"+id, map[string]any{"membershipRule": rule.GroupTag("Kiosk")}).want(t, 204)
	step(0, "NotStarted", "S1")
	step(10*time.Minute, "Succeeded", "S2")
	if got := processingStatusOf(t, s, id)["lastMembershipUpdated"]; got != "2025-03-01T09:20:00Z" {
		t.Errorf("lastMembershipUpdated = %v", got)
	}

	// Paused: no status; resuming restarts processing.
	send(t, s, "PATCH", "/groups/"+id, map[string]any{"membershipRuleProcessingState": "Paused"}).want(t, 204)
	if st := processingStatusOf(t, s, id); st != nil {
		t.Errorf("status of a paused group = %v, want null", st)
	}
	send(t, s, "PATCH", "/groups/"+id, map[string]any{"membershipRuleProcessingState": "On"}).want(t, 204)
	step(0, "NotStarted", "S2")

	if err := s.FailGroupProcessing(id, "The rule could not be processed."); err != nil {
		t.Fatal(err)
	}
	st := processingStatusOf(t, s, id)
	if st["status"] != "Failed" || st["errorMessage"] != "The rule could not be processed." {
		t.Errorf("after a failure: %v", st)
	}
	clock.Advance(time.Hour)
	if got := memberNames(t, s, id); len(got) != 1 || got[0] != "S2" {
		t.Errorf("members after a failed processing = %v, want the old ones", got)
	}
}

func TestUpdateGroup(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	dyn := send(t, s, "POST", "/groups", groupBody("Dyn", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201).str("id")
	assigned := send(t, s, "POST", "/groups", groupBody("Assigned", []string{}, "")).want(t, 201).str("id")
	roleBody := groupBody("Role", []string{}, "")
	roleBody["isAssignableToRole"] = true
	role := send(t, s, "POST", "/groups", roleBody).want(t, 201)
	if role.body["isAssignableToRole"] != true {
		t.Errorf("isAssignableToRole = %v", role.body["isAssignableToRole"])
	}
	tests := []struct {
		name, id string
		body     map[string]any
		status   int
		want     string
	}{
		{"description", dyn, map[string]any{"description": "All devices"}, 204, ""},
		{"rule over 3,072 characters", dyn, map[string]any{"membershipRule": `device.displayName -eq "` + strings.Repeat("x", rule.MaxLength) + `"`}, 400,
			"Request_BadRequest: Invalid value specified for property 'membershipRule' of resource 'Group': rule:1:3073: rule is 3097 characters long; Entra allows at most 3072"},
		{"rule on an assigned group", assigned, map[string]any{"membershipRule": rule.AllAutopilotDevices()}, 400,
			"Request_BadRequest: Properties 'membershipRule' and 'membershipRuleProcessingState' can only be set on a group whose groupTypes contains 'DynamicMembership'."},
		{"isAssignableToRole", assigned, map[string]any{"isAssignableToRole": true}, 400,
			"Request_BadRequest: Property 'isAssignableToRole' can only be set when the group is created."},
		{"role-assignable made dynamic", role.str("id"), map[string]any{"groupTypes": []string{"DynamicMembership"}, "membershipRule": rule.AllAutopilotDevices()}, 400,
			"Request_BadRequest: A group with isAssignableToRole set to true can't have dynamic membership."},
		{"unknown property", dyn, map[string]any{"colour": "red"}, 400, ""},
		{"unknown group", "00000000-0000-4000-8000-00000000ffff", map[string]any{"description": "x"}, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, "PATCH", "/groups/"+tt.id, tt.body).want(t, tt.status)
			if tt.want != "" && r.errorMessage() != tt.want {
				t.Errorf("error = %s\nwant %s", r.errorMessage(), tt.want)
			}
		})
	}
	if got := send(t, s, "GET", "/groups/"+dyn, nil).str("description"); got != "All devices" {
		t.Errorf("description = %q", got)
	}
	if got := send(t, s, "GET", "/groups/"+dyn, nil).str("membershipRule"); got != rule.AllAutopilotDevices() {
		t.Errorf("a refused PATCH changed the rule to %q", got)
	}
}

func TestRemoveReferences(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	id := send(t, s, "POST", "/groups", groupBody("Assigned", []string{}, "")).want(t, 201).str("id")
	user := "11111111-1111-4111-8111-111111111111"
	ref := map[string]any{"@odata.id": "https://graph.microsoft.com/beta/directoryObjects/" + user}
	send(t, s, "POST", "/groups/"+id+"/members/$ref", ref).want(t, 204)
	send(t, s, "POST", "/groups/"+id+"/owners/$ref", ref).want(t, 204)
	send(t, s, "DELETE", "/groups/"+id+"/members/"+user+"/$ref", nil).want(t, 204)
	send(t, s, "DELETE", "/groups/"+id+"/members/"+user+"/$ref", nil).want(t, 404)
	if got := memberNames(t, s, id); len(got) != 0 {
		t.Errorf("members after removal: %v", got)
	}
	send(t, s, "DELETE", "/groups/"+id+"/owners/"+strings.ToUpper(user)+"/$ref", nil).want(t, 204)
	if got := send(t, s, "GET", "/groups/"+id+"/owners", nil).values(); len(got) != 0 {
		t.Errorf("owners after removal: %v", got)
	}
	dyn := send(t, s, "POST", "/groups", groupBody("Dyn", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201).str("id")
	member := send(t, s, "GET", "/groups/"+dyn+"/members", nil).values()[0]["id"].(string)
	send(t, s, "DELETE", "/groups/"+dyn+"/members/"+member+"/$ref", nil).want(t, 400)
}

func TestSelectOnGroups(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	send(t, s, "POST", "/groups", groupBody("Dyn", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201)
	list := send(t, s, "GET", "/groups?$select=id,displayName,membershipRule&$filter=displayName%20eq%20'Dyn'", nil).want(t, 200).values()
	if len(list) != 1 || len(list[0]) != 3 || list[0]["membershipRule"] != rule.AllAutopilotDevices() {
		t.Errorf("selected list = %v", list)
	}
	r := send(t, s, "GET", "/groups?$select=colour", nil).want(t, 400)
	if r.errorMessage() != "Request_BadRequest: Could not find a property named 'colour' on type 'microsoft.graph.group'." {
		t.Errorf("error = %s", r.errorMessage())
	}
	members := send(t, s, "GET", "/groups/"+list[0]["id"].(string)+"/members?$select=id,deviceId", nil).want(t, 200).values()
	if len(members) != 3 || members[0]["deviceId"] != members[0]["id"] || members[0]["displayName"] != nil || members[0]["@odata.type"] != "#microsoft.graph.device" {
		t.Errorf("selected members = %v", members)
	}
}
