package graphmock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// tenantSeed has three Autopilot devices (Sales/PO-1, Kiosk, untagged/PO-2), the Intune Provisioning
// Client and a seeded user.
func tenantSeed() *Seed {
	return &Seed{
		AutopilotDevices: []SeedAutopilotDevice{
			{SerialNumber: "S1", GroupTag: "Sales", PurchaseOrderIdentifier: "PO-1"},
			{SerialNumber: "S2", GroupTag: "Kiosk"},
			{SerialNumber: "S3", PurchaseOrderIdentifier: "PO-2"},
		},
		DirectorySeed: DirectorySeed{
			ServicePrincipals: []string{provisioningClientAppID},
			Users:             []SeedUser{{ID: "11111111-1111-4111-8111-111111111111", UserPrincipalName: "admin@contoso.example", DisplayName: "Admin"}},
		},
	}
}

func groupBody(name string, groupTypes []string, membershipRule string) map[string]any {
	b := map[string]any{"displayName": name, "mailEnabled": false, "mailNickname": strings.ReplaceAll(name, " ", "-"),
		"securityEnabled": true, "groupTypes": groupTypes}
	if membershipRule != "" {
		b["membershipRule"] = membershipRule
	}
	return b
}

// memberNames lists the displayName of each member of group id.
func memberNames(t *testing.T, s *Server, id string) []string {
	t.Helper()
	var names []string
	for _, m := range send(t, s, "GET", "/groups/"+id+"/members", nil).want(t, http.StatusOK).values() {
		names = append(names, m["displayName"].(string))
	}
	return names
}

func TestCreateGroup(t *testing.T) {
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string // error code and message, or the group's membershipRuleProcessingState
	}{
		{"assigned security group", groupBody("Devices", []string{}, ""), 201, "<nil>"},
		{"dynamic group", groupBody("All", []string{"DynamicMembership"}, rule.AllAutopilotDevices()), 201, "On"},
		{"invalid rule", groupBody("Bad", []string{"DynamicMembership"}, `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]" -and x))`), 400,
			`Request_BadRequest: Invalid value specified for property 'membershipRule' of resource 'Group': rule:1:57: expected ")" after "-any" lambda`},
		{"user rule", groupBody("Users", []string{"DynamicMembership"}, `user.department -eq "Sales"`), 400,
			`Request_BadRequest: Invalid value specified for property 'membershipRule' of resource 'Group': rule:1:1: user properties can't be used in a device membership rule ("user.department")`},
		{"dynamic without rule", groupBody("NoRule", []string{"DynamicMembership"}, ""), 400,
			"Request_BadRequest: Property 'membershipRule' is required on a group whose groupTypes contains 'DynamicMembership'."},
		{"rule on assigned group", groupBody("Assigned", nil, rule.AllAutopilotDevices()), 400,
			"Request_BadRequest: Properties 'membershipRule' and 'membershipRuleProcessingState' can only be set on a group whose groupTypes contains 'DynamicMembership'."},
		{"bad mailNickname", map[string]any{"displayName": "X", "mailEnabled": false, "mailNickname": "a b", "securityEnabled": true}, 400,
			"Request_BadRequest: Invalid value specified for property 'mailNickname' of resource 'Group'."},
		{"missing securityEnabled", map[string]any{"displayName": "X", "mailEnabled": false, "mailNickname": "x"}, 400,
			"BadRequest: Required property 'securityEnabled' is missing on type 'microsoft.graph.group'"},
		{"unknown property", map[string]any{"displayName": "X", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "color": "red"}, 400,
			"BadRequest: Property 'color' does not exist on type 'microsoft.graph.group'"},
		{"mail-enabled security group", map[string]any{"displayName": "X", "mailEnabled": true, "mailNickname": "x", "securityEnabled": true}, 400,
			"Request_BadRequest: Only Microsoft 365 groups (groupTypes 'Unified') and security groups (mailEnabled false, securityEnabled true) can be created through Microsoft Graph."},
		{"unknown owner", withBind(groupBody("Owned", nil, ""), "owners", "https://graph.microsoft.com/beta/directoryObjects/99999999-9999-4999-8999-999999999999"), 404,
			"Request_ResourceNotFound: Resource '99999999-9999-4999-8999-999999999999' does not exist or one of its queried reference-property objects are not present."},
		{"too many binds", withBind(groupBody("Many", nil, ""), "members", strings.Split(strings.Repeat("https://graph.microsoft.com/beta/users/11111111-1111-4111-8111-111111111111 ", 21), " ")[:21]...), 400,
			"Request_BadRequest: A group can be created with at most 20 owners and members (owners@odata.bind and members@odata.bind); add the others after creation."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, Options{Seed: tenantSeed()})
			r := send(t, s, "POST", "/groups", tt.body).want(t, tt.status)
			if tt.status != 201 {
				if got := r.errorMessage(); got != tt.want {
					t.Errorf("error\n got %s\nwant %s", got, tt.want)
				}
				return
			}
			if got := r.str("membershipRuleProcessingState"); got != tt.want && !(got == "" && tt.want == "<nil>") {
				t.Errorf("membershipRuleProcessingState = %q, want %q", got, tt.want)
			}
			if r.body["@odata.type"] != "#microsoft.graph.group" || r.body["securityIdentifier"] == nil {
				t.Errorf("created group lacks the recorded shape: %s", r.raw)
			}
			got := send(t, s, "GET", "/groups/"+r.str("id"), nil).want(t, http.StatusOK)
			if got.str("displayName") != tt.body["displayName"] {
				t.Errorf("GET after create: displayName %q", got.str("displayName"))
			}
		})
	}
}

func withBind(body map[string]any, rel string, urls ...string) map[string]any {
	body[rel+"@odata.bind"] = urls
	return body
}

func TestDynamicMembers(t *testing.T) {
	tests := []struct {
		rule string
		want string
	}{
		{rule.AllAutopilotDevices(), "S1,S2,S3"},
		{rule.GroupTag("Sales"), "S1"},
		{rule.GroupTag("sales"), "S1"},
		{rule.PurchaseOrder("PO-2"), "S3"},
		{rule.Or(rule.GroupTag("Kiosk"), rule.PurchaseOrder("PO-2")), "S2,S3"},
		{rule.And(rule.AllAutopilotDevices(), "-not "+rule.GroupTag("Sales")), "S2,S3"},
		{rule.And(rule.GroupTag("Sales"), rule.PurchaseOrder("PO-1")), "S1"},
		{`device.displayName -startsWith "s"`, "S1,S2,S3"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			s, _ := startFake(t, Options{Seed: tenantSeed()})
			id := send(t, s, "POST", "/groups", groupBody("G", []string{"DynamicMembership"}, tt.rule)).want(t, 201).str("id")
			if got := strings.Join(memberNames(t, s, id), ","); got != tt.want {
				t.Errorf("members %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("paused processing has no members", func(t *testing.T) {
		s, _ := startFake(t, Options{Seed: tenantSeed()})
		body := groupBody("G", []string{"DynamicMembership"}, rule.AllAutopilotDevices())
		body["membershipRuleProcessingState"] = "Paused"
		id := send(t, s, "POST", "/groups", body).want(t, 201).str("id")
		if got := memberNames(t, s, id); len(got) != 0 {
			t.Errorf("members %v, want none", got)
		}
	})
}

func TestGroupReferences(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	sp := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200).str("id")
	assigned := send(t, s, "POST", "/groups", groupBody("Devices", nil, "")).want(t, 201).str("id")
	dynamic := send(t, s, "POST", "/groups", groupBody("All", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201).str("id")
	device := send(t, s, "GET", "/groups/"+dynamic+"/members", nil).want(t, 200).values()[0]["id"].(string)
	ref := func(id string) map[string]any {
		return map[string]any{"@odata.id": "https://graph.microsoft.com/beta/directoryObjects/" + id}
	}
	steps := []struct {
		name, path string
		body       map[string]any
		status     int
		want       string
	}{
		{"add SP owner", "/groups/" + assigned + "/owners/$ref", ref(sp), 204, ""},
		{"duplicate owner", "/groups/" + assigned + "/owners/$ref", ref(sp), 400,
			"Request_BadRequest: One or more added object references already exist for the following modified properties: 'owners'."},
		{"missing object", "/groups/" + assigned + "/owners/$ref", ref("99999999-9999-4999-8999-999999999999"), 404,
			"Request_ResourceNotFound: Resource '99999999-9999-4999-8999-999999999999' does not exist or one of its queried reference-property objects are not present."},
		{"missing group", "/groups/99999999-9999-4999-8999-999999999999/owners/$ref", ref(sp), 404,
			"Request_ResourceNotFound: Resource '99999999-9999-4999-8999-999999999999' does not exist or one of its queried reference-property objects are not present."},
		{"bad reference", "/groups/" + assigned + "/owners/$ref", map[string]any{"@odata.id": "not-a-url"}, 400,
			"Request_BadRequest: Invalid object identifier 'not-a-url'."},
		{"device can't own", "/groups/" + assigned + "/owners/$ref", ref(device), 400,
			"Request_BadRequest: Only users and service principals can own a group; '" + device + "' is a device."},
		{"add user owner", "/groups/" + assigned + "/owners/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/beta/users/11111111-1111-4111-8111-111111111111"}, 204, ""},
		{"add device member", "/groups/" + assigned + "/members/$ref", ref(device), 204, ""},
		{"member of dynamic group", "/groups/" + dynamic + "/members/$ref", ref(device), 400,
			"Request_BadRequest: Members can't be added to or removed from group '" + dynamic + "': its membership is dynamic."},
	}
	for _, st := range steps {
		r := send(t, s, "POST", st.path, st.body).want(t, st.status)
		if st.status != 204 && r.errorMessage() != st.want {
			t.Errorf("%s: error\n got %s\nwant %s", st.name, r.errorMessage(), st.want)
		}
	}
	var owners []string
	for _, o := range send(t, s, "GET", "/groups/"+assigned+"/owners", nil).want(t, 200).values() {
		owners = append(owners, o["@odata.type"].(string)+" "+o["displayName"].(string))
	}
	if got := strings.Join(owners, ", "); got != "#microsoft.graph.servicePrincipal Intune Provisioning Client, #microsoft.graph.user Admin" {
		t.Errorf("owners: %s", got)
	}
	if got := strings.Join(memberNames(t, s, assigned), ","); got != "S1" {
		t.Errorf("assigned members: %s", got)
	}
	if got := send(t, s, "GET", "/directoryObjects/"+sp, nil).want(t, 200).str("appId"); got != provisioningClientAppID {
		t.Errorf("directoryObjects/{sp}: appId %q", got)
	}
	send(t, s, "DELETE", "/groups/"+assigned, nil).want(t, 204)
	send(t, s, "GET", "/groups/"+assigned, nil).want(t, 404)
}

func TestListGroupsFilter(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed(), PageSize: 1})
	for _, name := range []string{"Autopilot - Sales", "Autopilot - Kiosk", "autopilot - sales"} {
		send(t, s, "POST", "/groups", groupBody(name, nil, "")).want(t, 201)
	}
	first := send(t, s, "GET", "/groups?$filter="+queryEscape("displayName eq 'Autopilot - Sales'"), nil).want(t, 200)
	next := send(t, s, "GET", first.str("@odata.nextLink"), nil).want(t, 200)
	if len(first.values()) != 1 || len(next.values()) != 1 || next.str("@odata.nextLink") != "" {
		t.Errorf("pages: %s / %s", first.raw, next.raw)
	}
	r := send(t, s, "GET", "/groups?$filter="+queryEscape("startswith(displayName,'A')"), nil).want(t, 400)
	if got := r.errorMessage(); got != "Request_UnsupportedQuery: Unsupported or invalid query filter clause specified for resource 'Group': startswith(displayName,'A')" {
		t.Errorf("unsupported filter: %s", got)
	}
}

func TestServicePrincipals(t *testing.T) {
	seed := tenantSeed()
	seed.OmitProvisioningClient = true
	s, _ := startFake(t, Options{Seed: seed})
	missing := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 404)
	if got := missing.errorMessage(); got != "Request_ResourceNotFound: Resource '"+provisioningClientAppID+"' does not exist or one of its queried reference-property objects are not present." {
		t.Errorf("missing SP: %s", got)
	}
	created := send(t, s, "POST", "/servicePrincipals", map[string]any{"appId": provisioningClientAppID}).want(t, 201)
	if created.str("displayName") != "Intune Provisioning Client" || created.str("@odata.type") != "#microsoft.graph.servicePrincipal" {
		t.Errorf("created: %s", created.raw)
	}
	again := send(t, s, "POST", "/servicePrincipals", map[string]any{"appId": provisioningClientAppID}).want(t, 409)
	if got := again.errorMessage(); got != "Request_MultipleObjectsWithSameKeyValue: The service principal cannot be created, updated, or restored because the service principal name "+provisioningClientAppID+" is already in use." {
		t.Errorf("duplicate: %s", got)
	}
	unknown := send(t, s, "POST", "/servicePrincipals", map[string]any{"appId": "22222222-2222-4222-8222-222222222222"}).want(t, 400)
	if got := unknown.errorMessage(); got != "Request_BadRequest: The appId '22222222-2222-4222-8222-222222222222' of the service principal does not reference a valid application object." {
		t.Errorf("unknown app: %s", got)
	}
	byID := send(t, s, "GET", "/servicePrincipals/"+created.str("id"), nil).want(t, 200)
	byAppID := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200)
	a, _ := json.Marshal(byID.body)
	b, _ := json.Marshal(byAppID.body)
	if string(a) != string(b) {
		t.Errorf("GET by id and by appId differ:\n%s\n%s", a, b)
	}
}
