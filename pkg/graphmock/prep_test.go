package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

func choiceSetting(def, instanceTemplate, valueTemplate, value string) map[string]any {
	return map[string]any{"@odata.type": settingType, "settingInstance": map[string]any{
		"@odata.type": choiceInstance, "settingDefinitionId": def,
		"settingInstanceTemplateReference": map[string]any{"settingInstanceTemplateId": instanceTemplate},
		"choiceSettingValue": map[string]any{"@odata.type": choiceValue, "children": []any{}, "value": value,
			"settingValueTemplateReference": map[string]any{"settingValueTemplateId": valueTemplate}}}}
}

func simpleSetting(def, instanceTemplate, valueTemplate, valueType string, value any) map[string]any {
	return map[string]any{"@odata.type": settingType, "settingInstance": map[string]any{
		"@odata.type": simpleInstance, "settingDefinitionId": def,
		"settingInstanceTemplateReference": map[string]any{"settingInstanceTemplateId": instanceTemplate},
		"simpleSettingValue": map[string]any{"@odata.type": valueType, "value": value,
			"settingValueTemplateReference": map[string]any{"settingValueTemplateId": valueTemplate}}}}
}

func appsSetting(apps ...string) map[string]any {
	var values []any
	for _, a := range apps {
		values = append(values, map[string]any{"@odata.type": stringValue, "value": a})
	}
	return map[string]any{"settingInstance": map[string]any{
		"@odata.type": collectionInstance, "settingDefinitionId": "enrollment_autopilot_dpp_allowedappids",
		"settingInstanceTemplateReference": map[string]any{"settingInstanceTemplateId": "70d22a8a-a03c-4f62-b8df-dded3e327639"},
		"simpleSettingCollectionValue":     values}}
}

// userDrivenPolicy is the admin center's user-driven body (docs/graph.md#device-preparation-and-enrollment-time-grouping) with the given settings.
func userDrivenPolicy(settings ...any) map[string]any {
	if settings == nil {
		settings = []any{
			choiceSetting("enrollment_autopilot_dpp_deploymentmode", "5180aeab-886e-4589-97d4-40855c646315", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82", "enrollment_autopilot_dpp_deploymentmode_0"),
			choiceSetting("enrollment_autopilot_dpp_accountype", "d4f2a840-86d5-4162-9a08-fa8cc608b94e", "bf13bb47-69ef-4e06-97c1-50c2859a49c2", "enrollment_autopilot_dpp_accountype_1"),
			simpleSetting("enrollment_autopilot_dpp_timeout", "6dec0657-dfb8-4906-a7ee-3ac6ee1edecb", "0bbcce5b-a55a-4e05-821a-94bf576d6cc8", integerValue, 60),
			simpleSetting("enrollment_autopilot_dpp_customerrormessage", "2ddf0619-2b7a-46de-b29b-c6191e9dda6e", "fe5002d5-fbe9-4920-9e2d-26bfc4b4cc97", stringValue, "Contact IT"),
			appsSetting(`{"id":"e83d36e1-3ff2-4567-90d9-940919184ad5","type":"#microsoft.graph.win32LobApp"}`),
		}
	}
	return map[string]any{"name": "APDP - User driven", "description": "", "platforms": "windows10", "technologies": "enrollment",
		"roleScopeTagIds": []string{"0"}, "templateReference": map[string]any{"templateId": userDrivenTemplateID}, "settings": settings}
}

func TestConfigurationPolicyCreate(t *testing.T) {
	s, _ := startFake(t, Options{})
	r := send(t, s, "POST", policiesPath, userDrivenPolicy()).want(t, 201)
	for path, want := range map[string]string{"settingCount": "5", "templateReference.templateDisplayName": "Device Preparation",
		"templateReference.templateFamily": "enrollmentConfiguration", "priorityMetaData.priority": "1", "isAssigned": "false",
		"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy"} {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	id := r.str("id")
	withSettings := send(t, s, "GET", policiesPath+"/"+id+"?$expand=settings", nil).want(t, 200)
	if settings, _ := withSettings.body["settings"].([]any); len(settings) != 5 || settings[4].(map[string]any)["id"] != "4" {
		t.Errorf("$expand=settings: %s", withSettings.raw)
	}
	replaced := userDrivenPolicy(appsSetting())
	replaced["name"] = "Renamed"
	send(t, s, "PUT", policiesPath+"/"+id, replaced).want(t, 204)
	if got := send(t, s, "GET", policiesPath+"/"+id, nil).want(t, 200); got.str("name") != "Renamed" || got.str("settingCount") != "1" {
		t.Errorf("after PUT: %s", got.raw)
	}
	filter := "(technologies has 'enrollment') and (platforms eq 'windows10') and (templateReference/templateFamily eq 'enrollmentConfiguration')"
	if got := send(t, s, "GET", policiesPath+"?$filter="+queryEscape(filter), nil).want(t, 200).values(); len(got) != 1 {
		t.Errorf("filtered list: %v", got)
	}
	tmpl := send(t, s, "GET", "/deviceManagement/configurationPolicyTemplates/"+automaticTemplateID, nil).want(t, 200)
	if tmpl.str("baseId") != "a6157a7f-aa00-42d9-ac82-7d2479f545db" || tmpl.str("settingTemplateCount") != "2" {
		t.Errorf("template: %s", tmpl.raw)
	}
	send(t, s, "GET", "/deviceManagement/configurationPolicyTemplates/00000000-0000-0000-0000-000000000000_1", nil).want(t, 404)
	group := send(t, s, "POST", "/groups", groupBody("Users", nil, "")).want(t, 201).str("id")
	assigned := send(t, s, "POST", policiesPath+"/"+id+"/assign", map[string]any{"assignments": []any{map[string]any{
		"id": "", "source": "direct", "target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group,
			"deviceAndAppManagementAssignmentFilterType": "none"}}}}).want(t, 200).values()
	if len(assigned) != 1 || assigned[0]["id"] != id+"_"+group || assigned[0]["@odata.type"] != "#microsoft.graph.deviceManagementConfigurationPolicyAssignment" {
		t.Errorf("assign: %v", assigned)
	}
	if got := send(t, s, "GET", policiesPath+"/"+id, nil).want(t, 200).str("isAssigned"); got != "true" {
		t.Errorf("isAssigned after assign: %s", got)
	}
	send(t, s, "DELETE", policiesPath+"/"+id, nil).want(t, 204)
	send(t, s, "GET", policiesPath+"/"+id, nil).want(t, 404)
}

func TestConfigurationPolicyRefusals(t *testing.T) {
	wrongTemplate := userDrivenPolicy()
	wrongTemplate["templateReference"] = map[string]any{"templateId": "00000000-0000-0000-0000-000000000000_1"}
	mode := func(value, valueTemplate string) map[string]any {
		return choiceSetting("enrollment_autopilot_dpp_deploymentmode", "5180aeab-886e-4589-97d4-40855c646315", valueTemplate, value)
	}
	wrongInstance := mode("enrollment_autopilot_dpp_deploymentmode_0", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82")
	wrongInstance["settingInstance"].(map[string]any)["@odata.type"] = simpleInstance
	timeout := func(v any) map[string]any {
		return simpleSetting("enrollment_autopilot_dpp_timeout", "6dec0657-dfb8-4906-a7ee-3ac6ee1edecb", "0bbcce5b-a55a-4e05-821a-94bf576d6cc8", integerValue, v)
	}
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown template", wrongTemplate, "templateReference.templateId '00000000-0000-0000-0000-000000000000_1' is not a device preparation template (80d33118-b7b4-40d8-b15f-81be745e053f_1 user-driven, a6157a7f-aa00-42d9-ac82-7d2479f545db_1 automatic)."},
		{"wrong value id", userDrivenPolicy(mode("enrollment_autopilot_dpp_deploymentmode_1", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82")),
			`settings[0]: enrollment_autopilot_dpp_deploymentmode: choiceSettingValue value "enrollment_autopilot_dpp_deploymentmode_1" is not one of enrollment_autopilot_dpp_deploymentmode_0`},
		{"wrong value template", userDrivenPolicy(mode("enrollment_autopilot_dpp_deploymentmode_0", "00000000-0000-0000-0000-000000000000")),
			`settings[0]: enrollment_autopilot_dpp_deploymentmode: choiceSettingValue settingValueTemplateId is "00000000-0000-0000-0000-000000000000", want "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82"`},
		{"wrong instance type", userDrivenPolicy(wrongInstance),
			`settings[0]: enrollment_autopilot_dpp_deploymentmode: settingInstance @odata.type is "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance", want "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance"`},
		{"unknown setting", userDrivenPolicy(choiceSetting("enrollment_autopilot_dpp_color", "x", "y", "z")),
			`settings[0]: settingDefinitionId "enrollment_autopilot_dpp_color" is not part of template 80d33118-b7b4-40d8-b15f-81be745e053f_1 (Device Preparation)`},
		{"timeout out of range", userDrivenPolicy(timeout(5)), "settings[0]: enrollment_autopilot_dpp_timeout: simpleSettingValue value 5 must be an integer from 15 to 720"},
		{"timeout as string", userDrivenPolicy(timeout("60")), "settings[0]: enrollment_autopilot_dpp_timeout: simpleSettingValue value must be an integer"},
		{"app not JSON", userDrivenPolicy(appsSetting("e83d36e1-3ff2-4567-90d9-940919184ad5")),
			`settings[0]: enrollment_autopilot_dpp_allowedappids: simpleSettingCollectionValue[0] value "e83d36e1-3ff2-4567-90d9-940919184ad5" is not a valid reference`},
		{"duplicate setting", userDrivenPolicy(timeout(60), timeout(90)), `settings[1]: setting "enrollment_autopilot_dpp_timeout" appears twice`},
		{"wrong platform", func() map[string]any { b := userDrivenPolicy(); b["platforms"] = "macOS"; return b }(),
			"BadRequest: Property 'platforms' on type 'microsoft.graph.deviceManagementConfigurationPolicy' has the invalid value 'macOS'; allowed: windows10."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, Options{})
			if got := send(t, s, "POST", policiesPath, tt.body).want(t, 400).intuneMessage(t); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// deviceGroupTenant is a tenant with a user-driven policy and groups for each enrollment-time outcome.
func deviceGroupTenant(t *testing.T) (s *Server, policy string, groups map[string]string) {
	s, _ = startFake(t, Options{Seed: tenantSeed()})
	s.SetReplicationRefusals(0) // TestEnrollmentTimeReplication covers the refusal
	sp := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200).str("id")
	owner := []string{"https://graph.microsoft.com/beta/directoryObjects/" + sp}
	groups = map[string]string{
		"valid":    send(t, s, "POST", "/groups", withBind(groupBody("DP devices", nil, ""), "owners", owner...)).want(t, 201).str("id"),
		"noOwner":  send(t, s, "POST", "/groups", groupBody("No owner", nil, "")).want(t, 201).str("id"),
		"dynamic":  send(t, s, "POST", "/groups", withBind(groupBody("Dynamic", []string{"DynamicMembership"}, rule.AllAutopilotDevices()), "owners", owner...)).want(t, 201).str("id"),
		"unified":  send(t, s, "POST", "/groups", map[string]any{"displayName": "M365", "mailEnabled": true, "mailNickname": "m365", "securityEnabled": false, "groupTypes": []string{"Unified"}}).want(t, 201).str("id"),
		"notFound": "99999999-9999-4999-8999-999999999999",
	}
	return s, send(t, s, "POST", policiesPath, userDrivenPolicy()).want(t, 201).str("id"), groups
}

func setTarget(groupID string) map[string]any {
	return map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{map[string]any{"targetType": "staticSecurityGroup", "targetId": groupID}}}
}

// targetResult summarises an enrollmentTimeDeviceMembershipTargetResult as "<succeeded> <targetId>:<code>".
func targetResult(r reply) string {
	out := r.str("validationSucceeded")
	list, _ := r.body["enrollmentTimeDeviceMembershipTargetValidationStatuses"].([]any)
	for _, st := range list {
		m := st.(map[string]any)
		out += " " + m["targetId"].(string) + ":" + stringOrNil(m["targetValidationErrorCode"])
	}
	return out
}

func stringOrNil(v any) string {
	if v == nil {
		return "null"
	}
	return v.(string)
}

func TestEnrollmentTimeDeviceGroup(t *testing.T) {
	for _, tt := range []struct{ group, code string }{
		{"notFound", "securityGroupNotFound"}, {"unified", "notSecurityGroup"}, {"dynamic", "notStaticSecurityGroup"},
		{"noOwner", "firstPartyAppNotAnOwner"}, {"valid", "null"},
	} {
		t.Run(tt.code, func(t *testing.T) {
			s, policy, groups := deviceGroupTenant(t)
			id := groups[tt.group]
			set := send(t, s, "POST", policiesPath+"/"+policy+"/setEnrollmentTimeDeviceMembershipTarget", setTarget(id)).want(t, 200)
			want := "false " + id + ":" + tt.code
			bound := "true"
			if tt.code == "null" {
				want, bound = "true "+id+":null", "true "+id+":null"
			}
			if got := targetResult(set); got != want {
				t.Errorf("set: %s, want %s", got, want)
			}
			if got := targetResult(send(t, s, "GET", policiesPath+"/"+policy+"/retrieveEnrollmentTimeDeviceMembershipTarget", nil).want(t, 200)); got != bound {
				t.Errorf("retrieve: %s, want %s", got, bound)
			}
		})
	}
}

func TestEnrollmentTimeDeviceGroupLifecycle(t *testing.T) {
	s, policy, groups := deviceGroupTenant(t)
	s.SetRetrieveVerbs(RetrieveBoth) // the documented POST, body refusals included
	action := func(name string, body any, status int) reply {
		return send(t, s, "POST", policiesPath+"/"+policy+"/"+name, body).want(t, status)
	}
	action("setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["valid"]), 200)
	// The legacy API reads the same binding.
	if got := action("retrieveJustInTimeConfiguration", nil, 200); got.str("targetType") != "entraSecurityGroup" || got.str("target") != "["+groups["valid"]+"]" {
		t.Errorf("JIT retrieve after set: %s", got.raw)
	}
	// Deleting the bound group makes retrieve report it.
	send(t, s, "DELETE", "/groups/"+groups["valid"], nil).want(t, http.StatusNoContent)
	if got := targetResult(action("retrieveEnrollmentTimeDeviceMembershipTarget", nil, 200)); got != "false "+groups["valid"]+":securityGroupNotFound" {
		t.Errorf("retrieve after group delete: %s", got)
	}
	if got := action("clearEnrollmentTimeDeviceMembershipTarget", nil, 200).str("value"); got != "true" {
		t.Errorf("clear: %s", got)
	}
	if got := action("retrieveJustInTimeConfiguration", nil, 200); got.str("targetType") != "none" || got.str("target") != "[]" {
		t.Errorf("JIT retrieve after clear: %s", got.raw)
	}
	jit := func(ids ...string) map[string]any {
		return map[string]any{"justInTimeAssignments": map[string]any{"targetType": "entraSecurityGroup", "target": ids}}
	}
	if got := action("assignJustInTimeConfiguration", jit(groups["dynamic"]), 200).str("value"); got != "false" {
		t.Errorf("JIT assign of a dynamic group: %s", got)
	}
	sp := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200).str("id")
	send(t, s, "POST", "/groups/"+groups["noOwner"]+"/owners/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/beta/directoryObjects/" + sp}).want(t, 204)
	if got := action("assignJustInTimeConfiguration", jit(groups["noOwner"]), 200).str("value"); got != "true" {
		t.Errorf("JIT assign once owned: %s", got)
	}
	if got := targetResult(action("retrieveEnrollmentTimeDeviceMembershipTarget", nil, 200)); got != "true "+groups["noOwner"]+":null" {
		t.Errorf("new API after JIT assign: %s", got)
	}
	action("assignJustInTimeConfiguration", jit(), 200)
	if got := targetResult(action("retrieveEnrollmentTimeDeviceMembershipTarget", nil, 200)); got != "true" {
		t.Errorf("after JIT assign of no group: %s", got)
	}
	refusals := []struct {
		name, action string
		body         any
		want         string
	}{
		{"two targets", "setEnrollmentTimeDeviceMembershipTarget", map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{
			setTarget("a")["enrollmentTimeDeviceMembershipTargets"].([]any)[0], setTarget("b")["enrollmentTimeDeviceMembershipTargets"].([]any)[0]}},
			"enrollmentTimeDeviceMembershipTargets must hold exactly one target; got 2."},
		{"wrong target type", "setEnrollmentTimeDeviceMembershipTarget", map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{map[string]any{"targetType": "dynamicGroup", "targetId": "a"}}},
			"BadRequest: Property 'targetType' on type 'microsoft.graph.enrollmentTimeDeviceMembershipTarget' has the invalid value 'dynamicGroup'; allowed: staticSecurityGroup."},
		{"JIT two groups", "assignJustInTimeConfiguration", jit("a", "b"), "justInTimeAssignments.target holds 2 groups; a policy has one device group."},
		{"retrieve with parameters", "retrieveEnrollmentTimeDeviceMembershipTarget", map[string]any{"x": 1},
			"BadRequest: Property 'x' does not exist on type 'microsoft.graph.retrieveEnrollmentTimeDeviceMembershipTarget'"},
	}
	for _, r := range refusals {
		if got := action(r.action, r.body, 400).intuneMessage(t); got != r.want {
			t.Errorf("%s:\n got %s\nwant %s", r.name, got, r.want)
		}
	}
	s.policy.appOnlyCaller = true
	if got := action("setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["noOwner"]), 500).intuneMessage(t); got != "An internal server error has occurred" {
		t.Errorf("app-only set: %s", got)
	}
	action("clearEnrollmentTimeDeviceMembershipTarget", nil, 500)
	action("retrieveEnrollmentTimeDeviceMembershipTarget", nil, 200)
}

func TestEnrollmentTimeRetrieveVerbs(t *testing.T) {
	for _, tt := range []struct {
		verbs     RetrieveVerbs
		get, post int
	}{{RetrieveGET, 200, 400}, {RetrievePOST, 400, 200}, {RetrieveBoth, 200, 200}, {RetrieveNone, 400, 400}} {
		t.Run(string(tt.verbs), func(t *testing.T) {
			s, policy, _ := deviceGroupTenant(t)
			s.SetRetrieveVerbs(tt.verbs)
			path := policiesPath + "/" + policy + "/retrieveEnrollmentTimeDeviceMembershipTarget"
			for verb, status := range map[string]int{"GET": tt.get, "POST": tt.post} {
				r := send(t, s, verb, path, nil).want(t, status)
				if status == 400 && !strings.HasPrefix(r.intuneMessage(t), "No OData route exists that match template ~/singleton/navigation/key/action with http verb "+verb+" ") {
					t.Errorf("%s: %s", verb, r.intuneMessage(t))
				}
			}
		})
	}
}

func TestEnrollmentTimeRetrieveShapes(t *testing.T) {
	for shape, want := range map[TargetShape]string{
		ShapeStatuses: `"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"@odata.type":"#microsoft.graph.enrollmentTimeDeviceMembershipTargetStatus","targetId":"G","targetValidationErrorCode":null}],"validationSucceeded":true}`,
		ShapeTargets:  `"enrollmentTimeDeviceMembershipTargets":[{"targetId":"G","targetType":"staticSecurityGroup"}]}`,
		ShapeRoot:     `"targetId":"G","targetType":"staticSecurityGroup"}`,
		ShapeValue:    `"value":{"@odata.type":"#microsoft.graph.enrollmentTimeDeviceMembershipTargetResult","enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"@odata.type":"#microsoft.graph.enrollmentTimeDeviceMembershipTargetStatus","targetId":"G","targetValidationErrorCode":null}],"validationSucceeded":true}}`,
	} {
		t.Run(string(shape), func(t *testing.T) {
			s, policy, groups := deviceGroupTenant(t)
			s.SetTargetShape(shape)
			send(t, s, "POST", policiesPath+"/"+policy+"/setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["valid"])).want(t, 200)
			r := send(t, s, "GET", policiesPath+"/"+policy+"/retrieveEnrollmentTimeDeviceMembershipTarget", nil).want(t, 200)
			delete(r.body, "@odata.context")
			delete(r.body, "@odata.type")
			got, _ := json.Marshal(r.body)
			if g := strings.ReplaceAll(string(got), groups["valid"], "G"); !strings.HasSuffix(g, want) {
				t.Errorf("got  %s\nwant …%s", g, want)
			}
		})
	}
}

func TestEnrollmentTimeReplicationDelay(t *testing.T) {
	s, clock := startFake(t, Options{Seed: tenantSeed()})
	sp := send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200).str("id")
	policy := send(t, s, "POST", policiesPath, userDrivenPolicy()).want(t, 201).str("id")
	owned := func(name string) string {
		return send(t, s, "POST", "/groups", withBind(groupBody(name, nil, ""), "owners", "https://graph.microsoft.com/beta/directoryObjects/"+sp)).want(t, 201).str("id")
	}
	set := func(g string) string {
		return targetResult(send(t, s, "POST", policiesPath+"/"+policy+"/setEnrollmentTimeDeviceMembershipTarget", setTarget(g)).want(t, 200))
	}
	fresh := owned("Fresh")
	if got := set(fresh); got != "false "+fresh+":securityGroupNotFound" {
		t.Errorf("first set of a fresh group: %s", got)
	}
	if got := set(fresh); got != "true "+fresh+":null" {
		t.Errorf("second set: %s", got)
	}
	s.SetReplicationRefusals(3)
	slow := owned("Slow")
	for range 3 {
		if got := set(slow); got != "false "+slow+":securityGroupNotFound" {
			t.Errorf("set within the refusals: %s", got)
		}
	}
	old := owned("Old")
	clock.Advance(replicationWindow)
	if got := set(old); got != "true "+old+":null" {
		t.Errorf("a group older than the window: %s", got)
	}
}

// unsignedJWT is an unsigned JWT with claims, as the mock reads them.
func unsignedJWT(claims string) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"none"}`)) + "." + e.EncodeToString([]byte(claims)) + ".sig"
}

func TestEnrollmentTimeAppOnlyTokens(t *testing.T) {
	s, policy, groups := deviceGroupTenant(t)
	app := "Authorization: Bearer " + unsignedJWT(`{"idtyp":"app","roles":["DeviceManagementConfiguration.ReadWrite.All"]}`)
	user := "Authorization: Bearer " + unsignedJWT(`{"scp":"DeviceManagementConfiguration.ReadWrite.All","upn":"admin@contoso.example"}`)
	path := policiesPath + "/" + policy + "/"
	if got := send(t, s, "POST", path+"setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["valid"]), app).want(t, 500).intuneMessage(t); got != "An internal server error has occurred" {
		t.Errorf("app-only set: %s", got)
	}
	send(t, s, "POST", path+"clearEnrollmentTimeDeviceMembershipTarget", nil, app).want(t, 500)
	send(t, s, "POST", path+"retrieveJustInTimeConfiguration", nil, app).want(t, 403)
	send(t, s, "GET", path+"retrieveEnrollmentTimeDeviceMembershipTarget", nil, app).want(t, 200) // reads work app-only
	send(t, s, "POST", path+"setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["valid"]), user).want(t, 200)
	send(t, s, "POST", path+"retrieveJustInTimeConfiguration", nil, user).want(t, 200)
}

func TestLegacyDeviceGroupDrift(t *testing.T) {
	s, policy, groups := deviceGroupTenant(t)
	send(t, s, "POST", policiesPath+"/"+policy+"/setEnrollmentTimeDeviceMembershipTarget", setTarget(groups["valid"])).want(t, 200)
	if err := s.SetLegacyDeviceGroup(policy, groups["noOwner"]); err != nil {
		t.Fatal(err)
	}
	if got := send(t, s, "POST", policiesPath+"/"+policy+"/retrieveJustInTimeConfiguration", nil).want(t, 200).str("target"); got != "["+groups["noOwner"]+"]" {
		t.Errorf("legacy target: %s", got)
	}
	if got := targetResult(send(t, s, "GET", policiesPath+"/"+policy+"/retrieveEnrollmentTimeDeviceMembershipTarget", nil).want(t, 200)); got != "true "+groups["valid"]+":null" {
		t.Errorf("current target: %s", got)
	}
	if err := s.SetLegacyDeviceGroup("nope", ""); err == nil {
		t.Error("legacy group for an unknown policy")
	}
}

func TestConfigurationPolicyLimitsReorderAndPatch(t *testing.T) {
	s, _ := startFake(t, Options{})
	app := func(i int) string {
		return fmt.Sprintf(`{"id":"e83d36e1-3ff2-4567-90d9-%012d","type":"#microsoft.graph.win32LobApp"}`, i)
	}
	var apps []string
	for i := range maxPolicyApps + 1 {
		apps = append(apps, app(i))
	}
	send(t, s, "POST", policiesPath, userDrivenPolicy(appsSetting(apps[:maxPolicyApps]...))).want(t, 201)
	if got := send(t, s, "POST", policiesPath, userDrivenPolicy(appsSetting(apps...))).want(t, 400).intuneMessage(t); got != "settings[0]: enrollment_autopilot_dpp_allowedappids: at most 25 values; got 26" {
		t.Errorf("26 apps: %s", got)
	}
	var ids []string
	for range 2 {
		ids = append(ids, send(t, s, "POST", policiesPath, userDrivenPolicy()).want(t, 201).str("id"))
	}
	// Three user-driven policies at priorities 1, 2, 3: moving the last to 1 shifts the others down.
	send(t, s, "POST", policiesPath+"/"+ids[1]+"/reorder", map[string]any{"priority": 1}).want(t, 204)
	var order []string
	for _, p := range send(t, s, "GET", policiesPath, nil).want(t, 200).values() {
		order = append(order, fmt.Sprint(p["priorityMetaData"].(map[string]any)["priority"]))
	}
	if got := strings.Join(order, ","); got != "2,3,1" {
		t.Errorf("priorities after reorder: %s", got)
	}
	if got := send(t, s, "POST", policiesPath+"/"+ids[1]+"/reorder", map[string]any{"priority": 4}).want(t, 400).intuneMessage(t); got != "priority must be a whole number from 1 to 3." {
		t.Errorf("reorder past the end: %s", got)
	}
	if got := send(t, s, "PATCH", policiesPath+"/"+ids[0], map[string]any{"settings": []any{}}).want(t, 400).intuneMessage(t); got != "Cannot PATCH navigation property 'settings' on entity type 'microsoft.graph.deviceManagementConfigurationPolicy'." {
		t.Errorf("PATCH settings: %s", got)
	}
	if got := send(t, s, "PATCH", policiesPath+"/"+ids[0]+"/settings/0", map[string]any{}).want(t, 400).intuneMessage(t); !strings.HasPrefix(got, "No OData route exists that match template ~/singleton/navigation/key/action with http verb PATCH") {
		t.Errorf("PATCH a setting: %s", got)
	}
	send(t, s, "PATCH", policiesPath+"/"+ids[0], map[string]any{"description": "patched"}).want(t, 204)
	if got := send(t, s, "GET", policiesPath+"/"+ids[0], nil).want(t, 200).str("description"); got != "patched" {
		t.Errorf("PATCH description: %s", got)
	}
}

func TestPlatformScripts(t *testing.T) {
	s, _ := startFake(t, Options{})
	id := send(t, s, "POST", scriptsPath, map[string]any{"displayName": "Set time zone", "fileName": "tz.ps1", "scriptContent": "V3JpdGUtSG9zdCAx"}).want(t, 201).str("id")
	if got := send(t, s, "GET", scriptsPath+"/"+id, nil).want(t, 200); got.str("runAsAccount") != "system" || got.str("displayName") != "Set time zone" {
		t.Errorf("script: %s", got.raw)
	}
	send(t, s, "POST", scriptsPath, map[string]any{"displayName": "x", "fileName": "x.ps1", "scriptContent": "not base64!"}).want(t, 400)
	send(t, s, "DELETE", scriptsPath+"/"+id, nil).want(t, 204)
	send(t, s, "GET", scriptsPath+"/"+id, nil).want(t, 404)
}
