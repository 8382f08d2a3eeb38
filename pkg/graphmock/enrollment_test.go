package graphmock

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// intuneMessage is the Message inside the JSON document Intune nests in error.message, without the
// operation-id tail.
func (r reply) intuneMessage(t *testing.T) string {
	t.Helper()
	var doc struct{ Message string }
	if err := json.Unmarshal([]byte(r.str("error.message")), &doc); err != nil {
		return r.errorMessage() // not an Intune-style error
	}
	msg, _, _ := strings.Cut(doc.Message, " - Operation ID")
	return msg
}

func espBody(name string) map[string]any {
	return map[string]any{"@odata.type": espType, "displayName": name, "showInstallationProgress": true, "installProgressTimeoutInMinutes": 90}
}

// espPriorities lists "displayName=priority" in list order.
func espPriorities(t *testing.T, s *Server) string {
	var out []string
	for _, e := range send(t, s, "GET", espPath, nil).want(t, 200).values() {
		out = append(out, fmt.Sprintf("%v=%v", e["displayName"], e["priority"]))
	}
	return strings.Join(out, ", ")
}

func TestEnrollmentStatusPages(t *testing.T) {
	seed := tenantSeed()
	seed.MobileApps = []SeedMobileApp{{DisplayName: "Company Portal"}}
	s, _ := startFake(t, Options{Seed: seed})
	list := send(t, s, "GET", espPath, nil).want(t, 200).values()
	// The default as live tenants show it: the ordinary type, priority 0, no creation time, retry blocked.
	if len(list) != 1 || list[0]["deviceEnrollmentConfigurationType"] != "windows10EnrollmentCompletionPageConfiguration" || list[0]["priority"] != 0.0 ||
		list[0]["createdDateTime"] != "0001-01-01T00:00:00Z" || list[0]["blockDeviceSetupRetryByUser"] != true || list[0]["installProgressTimeoutInMinutes"] != 0.0 {
		t.Fatalf("built-in default ESP: %v", list)
	}
	defaultID := list[0]["id"].(string)
	a := send(t, s, "POST", espPath, espBody("A")).want(t, 201)
	if a.str("priority") != "1" || a.str("installProgressTimeoutInMinutes") != "90" || a.str("version") != "1" ||
		!strings.HasSuffix(a.str("id"), "_Windows10EnrollmentCompletionPageConfiguration") {
		t.Errorf("created ESP: %s", a.raw)
	}
	b := send(t, s, "POST", espPath, espBody("B")).want(t, 201)
	c := send(t, s, "POST", espPath, espBody("C")).want(t, 201)
	if got := espPriorities(t, s); got != "All users and all devices=0, A=1, B=2, C=3" {
		t.Errorf("priorities after create: %s", got)
	}
	send(t, s, "POST", espPath+"/"+c.str("id")+"/setPriority", map[string]any{"priority": 1}).want(t, 204)
	if got := espPriorities(t, s); got != "All users and all devices=0, C=1, A=2, B=3" {
		t.Errorf("priorities after setPriority: %s", got)
	}
	send(t, s, "DELETE", espPath+"/"+a.str("id"), nil).want(t, 204)
	if got := espPriorities(t, s); got != "All users and all devices=0, C=1, B=2" {
		t.Errorf("priorities after delete: %s", got)
	}
	group := send(t, s, "POST", "/groups", groupBody("All", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201).str("id")
	assign := map[string]any{"enrollmentConfigurationAssignments": []any{map[string]any{
		"target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": group}}}}
	send(t, s, "POST", espPath+"/"+b.str("id")+"/assign", assign).want(t, 204)
	assigned := send(t, s, "GET", espPath+"/"+b.str("id")+"/assignments", nil).want(t, 200).values()
	if len(assigned) != 1 || assigned[0]["id"] != b.str("id")+"_"+group || assigned[0]["source"] != "direct" ||
		assigned[0]["target"].(map[string]any)["deviceAndAppManagementAssignmentFilterType"] != "none" {
		t.Errorf("assignments: %v", assigned)
	}
	// The default is updated with the whole typed object.
	full := fullESPBody(t, s, defaultID)
	full["showInstallationProgress"], full["installProgressTimeoutInMinutes"] = true, 30
	send(t, s, "PATCH", espPath+"/"+defaultID, full).want(t, 204)
	if got := send(t, s, "GET", espPath+"/"+defaultID, nil).want(t, 200); got.str("showInstallationProgress") != "true" || got.str("version") != "2" {
		t.Errorf("default ESP after PATCH: %s", got.raw)
	}
	typeFilter := "?$filter=" + queryEscape("deviceEnrollmentConfigurationType eq 'windows10EnrollmentCompletionPageConfiguration'")
	if got := len(send(t, s, "GET", espPath+typeFilter, nil).want(t, 200).values()); got != 3 {
		t.Errorf("type filter: %d ESPs, want 3", got)
	}
	blocked := fullESPBody(t, s, b.str("id"))
	blocked["blockDeviceSetupRetryByUser"], blocked["allowDeviceUseOnInstallFailure"] = true, true
	unshown := fullESPBody(t, s, b.str("id"))
	unshown["installProgressTimeoutInMinutes"] = 0
	refusals := []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"PATCH priority", "PATCH", espPath + "/" + b.str("id"), map[string]any{"priority": 5}, 400, "Priority can't be updated with PATCH; use the setPriority action."},
		{"one-property PATCH", "PATCH", espPath + "/" + b.str("id"), map[string]any{"@odata.type": espType, "showInstallationProgress": true}, 400,
			"Model validation failed: 'allowDeviceResetOnInstallFailure' is missing; send the complete windows10EnrollmentCompletionPageConfiguration."},
		{"PATCH refused combination", "PATCH", espPath + "/" + b.str("id"), blocked, 400, "An error has occurred"},
		{"PATCH shown page without timeout", "PATCH", espPath + "/" + b.str("id"), unshown, 400,
			"installProgressTimeoutInMinutes must be from 1 to 1440 when showInstallationProgress is true."},
		{"create blocking with apps", "POST", espPath, map[string]any{"@odata.type": espType, "displayName": "x", "blockDeviceSetupRetryByUser": true,
			"selectedMobileAppIds": []string{s.policy.apps[0].ID}}, 400, "An error has occurred"},
		{"unknown app", "POST", espPath, map[string]any{"@odata.type": espType, "displayName": "x", "selectedMobileAppIds": []string{"nope"}}, 400,
			"Mobile app 'nope' was not found."},
		{"POST assignments", "POST", espPath + "/" + b.str("id") + "/assignments", assign["enrollmentConfigurationAssignments"].([]any)[0], 400,
			"No OData route exists that match template ~/singleton/navigation/key/navigation with http verb POST for request " + espPath + "/" + b.str("id") + "/assignments."},
		{"DELETE assignment", "DELETE", espPath + "/" + b.str("id") + "/assignments/" + b.str("id") + "_" + group, nil, 400,
			"No OData route exists that match template ~/singleton/navigation/key/navigation with http verb DELETE for request " + espPath + "/" + b.str("id") + "/assignments/" + b.str("id") + "_" + group + "."},
		{"setPriority unchanged", "POST", espPath + "/" + b.str("id") + "/setPriority", map[string]any{"priority": 2}, 400, "An error has occurred"},
		{"delete default", "DELETE", espPath + "/" + defaultID, nil, 400, "The default Enrollment Status Page configuration can't be deleted."},
		{"assign default", "POST", espPath + "/" + defaultID + "/assign", assign, 400, "The default Enrollment Status Page configuration applies to all users and all devices and can't be assigned."},
		{"setPriority default", "POST", espPath + "/" + defaultID + "/setPriority", map[string]any{"priority": 2}, 400, "The default Enrollment Status Page configuration always has priority 0."},
		{"setPriority zero", "POST", espPath + "/" + b.str("id") + "/setPriority", map[string]any{"priority": 0}, 400, "Priority must be a whole number of at least 1; got 0."},
		{"assign unknown group", "POST", espPath + "/" + b.str("id") + "/assign", map[string]any{"enrollmentConfigurationAssignments": []any{map[string]any{
			"target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "nope"}}}}, 400, "Assignment target group 'nope' was not found."},
		{"wrong type", "POST", espPath, map[string]any{"@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration", "displayName": "x"}, 400,
			"@odata.type '#microsoft.graph.deviceEnrollmentLimitConfiguration' can't be created here: this mock creates only #microsoft.graph.windows10EnrollmentCompletionPageConfiguration."},
		{"bad timeout", "POST", espPath, map[string]any{"@odata.type": espType, "displayName": "x", "installProgressTimeoutInMinutes": 1441}, 400,
			"BadRequest: Property 'installProgressTimeoutInMinutes' on type 'microsoft.graph.windows10EnrollmentCompletionPageConfiguration' must be an integer from 0 to 1440."},
		{"unknown property", "POST", espPath, map[string]any{"@odata.type": espType, "displayName": "x", "showProgress": true}, 400,
			"BadRequest: Property 'showProgress' does not exist on type 'microsoft.graph.deviceEnrollmentConfiguration'"},
		{"unknown id", "GET", espPath + "/nope", nil, 404, "The deviceEnrollmentConfiguration with id 'nope' was not found."},
	}
	for _, r := range refusals {
		if got := send(t, s, r.method, r.path, r.body).want(t, r.status).intuneMessage(t); got != r.want {
			t.Errorf("%s:\n got %s\nwant %s", r.name, got, r.want)
		}
	}
}

// fullESPBody is the ESP's editable properties as the tenant holds them, with @odata.type: a valid PATCH body.
func fullESPBody(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	cur := send(t, s, "GET", espPath+"/"+id, nil).want(t, 200).body
	body := map[string]any{"@odata.type": espType}
	for _, k := range espSchema.names() {
		body[k] = cur[k]
	}
	return body
}

func profileBody(name, template string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": name,
		"deviceNameTemplate": template, "outOfBoxExperienceSetting": map[string]any{"privacySettingsHidden": true, "userType": "standard"}}
}

func TestDeploymentProfileValidation(t *testing.T) {
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"serial macro", profileBody("P", "CTS-%SERIAL%"), 201, ""},
		{"rand macro", profileBody("P", "KIOSK-%RAND:5%"), 201, ""},
		{"too long", profileBody("P", "CONTOSO-%RAND:8%"), 400, "deviceNameTemplate 'CONTOSO-%RAND:8%' is invalid: names are limited to 15 characters."},
		{"all digits", profileBody("P", "123%RAND:4%"), 400, "deviceNameTemplate '123%RAND:4%' is invalid: names can't be only numbers."},
		{"bad character", profileBody("P", "CTS_%SERIAL%"), 400, "deviceNameTemplate 'CTS_%SERIAL%' is invalid: use only letters, numbers and hyphens."},
		{"unknown macro", profileBody("P", "%USER%"), 400, "deviceNameTemplate '%USER%' is invalid: the only macros are %SERIAL% and %RAND:x%."},
		{"hybrid with template", map[string]any{"@odata.type": "#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile", "displayName": "H", "deviceNameTemplate": "X-%SERIAL%"}, 400,
			"deviceNameTemplate applies only to Microsoft Entra join profiles; hybrid join names devices through the domain join configuration."},
		{"bad enum", map[string]any{"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "P", "outOfBoxExperienceSetting": map[string]any{"userType": "guest"}}, 400,
			"BadRequest: Property 'userType' on type 'microsoft.graph.outOfBoxExperienceSetting' has the invalid value 'guest'; allowed: administrator, standard."},
		{"hybrid-only property on Entra profile", map[string]any{"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "P", "hybridAzureADJoinSkipConnectivityCheck": true}, 400,
			"BadRequest: Property 'hybridAzureADJoinSkipConnectivityCheck' does not exist on type 'microsoft.graph.azureADWindowsAutopilotDeploymentProfile'"},
		{"no type", map[string]any{"displayName": "P"}, 400,
			"@odata.type must be #microsoft.graph.azureADWindowsAutopilotDeploymentProfile or #microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, Options{})
			r := send(t, s, "POST", profilesPath, tt.body).want(t, tt.status)
			if tt.status != 201 {
				if got := r.intuneMessage(t); got != tt.want {
					t.Errorf("\n got %s\nwant %s", got, tt.want)
				}
				return
			}
			oobe := r.body["outOfBoxExperienceSetting"].(map[string]any)
			old := r.body["outOfBoxExperienceSettings"].(map[string]any)
			if oobe["privacySettingsHidden"] != true || oobe["eulaHidden"] != false || old["hidePrivacySettings"] != true || old["userType"] != "standard" {
				t.Errorf("OOBE settings not merged with defaults and mirrored: %v / %v", oobe, old)
			}
		})
	}
}

// deviceProfiles reads every Autopilot device's profile status and expanded profile name, by serial number.
func deviceProfiles(t *testing.T, s *Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range send(t, s, "GET", devicesPath+"?$expand=deploymentProfile", nil).want(t, 200).values() {
		name := "-"
		if p, ok := d["deploymentProfile"].(map[string]any); ok {
			name = p["displayName"].(string)
		}
		out[d["serialNumber"].(string)] = fmt.Sprintf("%v %s", d["deploymentProfileAssignmentStatus"], name)
	}
	return out
}

// deviceProfile is deviceProfiles for one device.
func deviceProfile(t *testing.T, s *Server, serial string) string {
	t.Helper()
	got, ok := deviceProfiles(t, s)[serial]
	if !ok {
		t.Fatalf("no device %s", serial)
	}
	return got
}

func TestDeploymentProfileAssignment(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	sales := send(t, s, "POST", "/groups", groupBody("Sales", []string{"DynamicMembership"}, rule.GroupTag("Sales"))).want(t, 201).str("id")
	all := send(t, s, "POST", "/groups", groupBody("All", []string{"DynamicMembership"}, rule.AllAutopilotDevices())).want(t, 201).str("id")
	kiosk := send(t, s, "POST", "/groups", groupBody("Kiosk", []string{"DynamicMembership"}, rule.GroupTag("Kiosk"))).want(t, 201).str("id")
	older := send(t, s, "POST", profilesPath, profileBody("Sales profile", "S-%SERIAL%")).want(t, 201).str("id")
	newer := send(t, s, "POST", profilesPath, profileBody("Everyone", "E-%SERIAL%")).want(t, 201).str("id")
	target := func(typ, group string) map[string]any {
		return map[string]any{"target": map[string]any{"@odata.type": "#microsoft.graph." + typ, "groupId": group}}
	}
	created := send(t, s, "POST", profilesPath+"/"+newer+"/assignments", target("groupAssignmentTarget", all)).want(t, 201)
	if created.str("id") != newer+"_"+all+"_0" || created.str("target.groupId") != all {
		t.Errorf("assignment: %s", created.raw)
	}
	send(t, s, "POST", profilesPath+"/"+older+"/assignments", target("groupAssignmentTarget", sales)).want(t, 201)
	excl := send(t, s, "POST", profilesPath+"/"+newer+"/assignments", target("exclusionGroupAssignmentTarget", kiosk)).want(t, 201).str("id")
	// The oldest profile wins for S1 (in both groups); the Kiosk device is excluded from "Everyone".
	for serial, want := range map[string]string{"S1": "assignedUnkownSyncState Sales profile", "S2": "notAssigned -", "S3": "assignedUnkownSyncState Everyone"} {
		if got := deviceProfile(t, s, serial); got != want {
			t.Errorf("%s: %s, want %s", serial, got, want)
		}
	}
	var devices []string
	for _, d := range send(t, s, "GET", profilesPath+"/"+newer+"/assignedDevices", nil).want(t, 200).values() {
		devices = append(devices, d["serialNumber"].(string))
	}
	if strings.Join(devices, ",") != "S3" {
		t.Errorf("assignedDevices: %v", devices)
	}
	if got := send(t, s, "DELETE", profilesPath+"/"+newer, nil).want(t, 400).intuneMessage(t); got != "Deployment profile '"+newer+"' is assigned to 2 group(s); remove its assignments before deleting it." {
		t.Errorf("delete assigned: %s", got)
	}
	send(t, s, "DELETE", profilesPath+"/"+newer+"/assignments/"+excl, nil).want(t, 204)
	if got := deviceProfile(t, s, "S2"); got != "assignedUnkownSyncState Everyone" {
		t.Errorf("S2 after removing the exclusion: %s", got)
	}
	if got := send(t, s, "POST", profilesPath+"/"+newer+"/assignments", target("groupAssignmentTarget", all)).want(t, 400).intuneMessage(t); got != "Deployment profile '"+newer+"' is already assigned to '"+all+"'." {
		t.Errorf("duplicate assignment: %s", got)
	}
	send(t, s, "DELETE", "/groups/"+all, nil).want(t, http.StatusNoContent)
	if got := deviceProfile(t, s, "S3"); got != "notAssigned -" {
		t.Errorf("S3 after its group is deleted: %s", got)
	}
}

// TestDeploymentProfileFollowsDevices changes devices, not groups or assignments: the profile must follow a
// device that registers into a targeted group, is retagged out of or into its rule, or is deleted.
func TestDeploymentProfileFollowsDevices(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	sales := send(t, s, "POST", "/groups", groupBody("Sales", []string{"DynamicMembership"}, rule.GroupTag("Sales"))).want(t, 201).str("id")
	profile := send(t, s, "POST", profilesPath, profileBody("Sales profile", "S-%SERIAL%")).want(t, 201).str("id")
	send(t, s, "POST", profilesPath+"/"+profile+"/assignments", map[string]any{"target": map[string]any{
		"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": sales}}).want(t, 201)
	deviceID := func(serial string) string {
		r := send(t, s, "GET", devicesPath+"?$filter="+queryEscape("contains(serialNumber,'"+serial+"')"), nil).want(t, 200)
		return r.values()[0]["id"].(string)
	}
	retag := func(serial, tag string) func() {
		return func() {
			send(t, s, "POST", devicesPath+"/"+deviceID(serial)+"/updateDeviceProperties", map[string]any{"groupTag": tag}).want(t, 204)
		}
	}
	const (
		assigned    = "assignedUnkownSyncState Sales profile"
		notAssigned = "notAssigned -"
	)
	steps := []struct {
		name string
		act  func()
		want map[string]string
	}{
		{"S4 imported with tag Sales after the assignment", func() {
			tagged := importDevice("S4", hash("a", 64))
			tagged["groupTag"] = "Sales"
			// ProcessDelay is 0: the records settle into devices on the next request.
			send(t, s, "POST", importsPath+"/import", importBody(tagged, importDevice("S5", hash("b", 64)))).want(t, 200)
		}, map[string]string{"S1": assigned, "S2": notAssigned, "S3": notAssigned, "S4": assigned, "S5": notAssigned}},
		{"S1 retagged out of the rule", retag("S1", "Kiosk"),
			map[string]string{"S1": notAssigned, "S2": notAssigned, "S3": notAssigned, "S4": assigned, "S5": notAssigned}},
		{"S5 retagged into the rule", retag("S5", "Sales"),
			map[string]string{"S1": notAssigned, "S2": notAssigned, "S3": notAssigned, "S4": assigned, "S5": assigned}},
		{"S4 deleted", func() { send(t, s, "DELETE", devicesPath+"/"+deviceID("S4"), nil).want(t, 204) },
			map[string]string{"S1": notAssigned, "S2": notAssigned, "S3": notAssigned, "S5": assigned}},
	}
	for _, step := range steps {
		step.act()
		if got := deviceProfiles(t, s); !maps.Equal(got, step.want) {
			t.Errorf("%s:\n got %v\nwant %v", step.name, got, step.want)
		}
	}
	if got := serials(send(t, s, "GET", profilesPath+"/"+profile+"/assignedDevices", nil).want(t, 200)); got != "S5" {
		t.Errorf("assignedDevices after the steps: %s", got)
	}
}

// TestAllDevicesIsTheFallback: the All Devices holder applies only to devices no group-targeted profile
// takes, however old it is.
func TestAllDevicesIsTheFallback(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	sales := send(t, s, "POST", "/groups", groupBody("Sales", []string{"DynamicMembership"}, rule.GroupTag("Sales"))).want(t, 201).str("id")
	global := send(t, s, "POST", profilesPath, profileBody("Global", "G-%SERIAL%")).want(t, 201).str("id")
	salesProfile := send(t, s, "POST", profilesPath, profileBody("Sales profile", "S-%SERIAL%")).want(t, 201).str("id")
	send(t, s, "POST", profilesPath+"/"+global+"/assignments", map[string]any{"target": map[string]any{
		"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}).want(t, 201)
	send(t, s, "POST", profilesPath+"/"+salesProfile+"/assignments", map[string]any{"target": map[string]any{
		"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": sales}}).want(t, 201)
	// S1 is tagged Sales: the newer group-targeted profile wins over the older All Devices holder.
	for serial, want := range map[string]string{"S1": "assignedUnkownSyncState Sales profile", "S2": "assignedUnkownSyncState Global", "S3": "assignedUnkownSyncState Global"} {
		if got := deviceProfile(t, s, serial); got != want {
			t.Errorf("%s: %s, want %s", serial, got, want)
		}
	}
}

func TestDeploymentProfileRefusals(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	sales := send(t, s, "POST", "/groups", groupBody("Sales", []string{"DynamicMembership"}, rule.GroupTag("Sales"))).want(t, 201).str("id")
	first := send(t, s, "POST", profilesPath, profileBody("First", "F-%SERIAL%")).want(t, 201).str("id")
	second := send(t, s, "POST", profilesPath, profileBody("Second", "S-%SERIAL%")).want(t, 201).str("id")
	target := func(typ, group string) map[string]any {
		t := map[string]any{"@odata.type": "#microsoft.graph." + typ}
		if group != "" {
			t["groupId"] = group
		}
		return map[string]any{"target": t}
	}
	send(t, s, "POST", profilesPath+"/"+first+"/assignments", target("allDevicesAssignmentTarget", "")).want(t, 201)
	shared := profileBody("Kiosk", "K-%SERIAL%")
	shared["outOfBoxExperienceSetting"] = map[string]any{"deviceUsageType": "shared", "userType": "standard"}
	for _, r := range []struct {
		name, path string
		body       map[string]any
		want       string
	}{
		{"second All Devices holder", profilesPath + "/" + second + "/assignments", target("allDevicesAssignmentTarget", ""),
			"Another Profile " + first + " is already assigned to All Devices."},
		{"exclusion beside All Devices", profilesPath + "/" + first + "/assignments", target("exclusionGroupAssignmentTarget", sales),
			"Exclusions aren't supported when a profile is assigned to All Devices."},
		{"userType on a shared profile", profilesPath, shared, "userType can't be set on a profile whose deviceUsageType is shared."},
	} {
		if got := send(t, s, "POST", r.path, r.body).want(t, 400).intuneMessage(t); got != r.want {
			t.Errorf("%s:\n got %s\nwant %s", r.name, got, r.want)
		}
	}
	delete(shared["outOfBoxExperienceSetting"].(map[string]any), "userType")
	send(t, s, "POST", profilesPath, shared).want(t, 201)
}

func TestIgnoredPropertyIsDropped(t *testing.T) {
	s, _ := startFake(t, Options{Seed: tenantSeed()})
	s.IgnoreProperty("trackInstallProgressForAutopilotOnly")
	s.IgnoreProperty("locale")
	body := espBody("A")
	body["trackInstallProgressForAutopilotOnly"] = true
	esp := send(t, s, "POST", espPath, body).want(t, 201)
	profile := profileBody("P", "P-%SERIAL%")
	profile["locale"] = "en-US"
	p := send(t, s, "POST", profilesPath, profile).want(t, 201)
	if esp.str("trackInstallProgressForAutopilotOnly") != "false" || p.str("locale") != "os-default" {
		t.Errorf("ignored properties were kept: %s / %s", esp.str("trackInstallProgressForAutopilotOnly"), p.str("locale"))
	}
}
