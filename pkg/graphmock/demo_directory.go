package graphmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// DirectorySeed is the directory and policy part of Seed. Entities are given as the Graph request bodies
// that create them and are created through the same handlers, so a seed is held to the same rules as a
// client. Seed-only keys refer to groups by display name: "assignGroups" (ESPs, deployment profiles,
// configuration policies) and "deviceGroup" (configuration policies: the enrollment-time device group).
type DirectorySeed struct {
	Users []SeedUser `json:"users,omitempty"`
	// ServicePrincipals are the appIds whose service principals exist.
	ServicePrincipals []string `json:"servicePrincipals,omitempty"`
	// OmitProvisioningClient leaves the Intune Provisioning Client's service principal out even when
	// ServicePrincipals lists it, to try the path where it must be created.
	OmitProvisioningClient   bool             `json:"omitProvisioningClient,omitempty"`
	Groups                   []map[string]any `json:"groups,omitempty"`                   // POST /groups bodies
	EnrollmentConfigurations []map[string]any `json:"enrollmentConfigurations,omitempty"` // POST …/deviceEnrollmentConfigurations bodies
	DeploymentProfiles       []map[string]any `json:"deploymentProfiles,omitempty"`       // POST …/windowsAutopilotDeploymentProfiles bodies
	ConfigurationPolicies    []map[string]any `json:"configurationPolicies,omitempty"`    // POST …/configurationPolicies bodies
}

// SeedUser is a user that can be bound as a group owner or member.
type SeedUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
}

// demoDirectorySeed adds the demo tenant's directory and policies: the Intune Provisioning Client, an
// all-Autopilot-devices group and a Sales group-tag group, one ESP and one deployment profile, both
// assigned to the all-devices group.
func demoDirectorySeed(seed *Seed) {
	dynamicGroup := func(name, nickname, description, membershipRule string) map[string]any {
		return map[string]any{"displayName": name, "description": description, "groupTypes": []string{"DynamicMembership"},
			"mailEnabled": false, "mailNickname": nickname, "securityEnabled": true,
			"membershipRule": membershipRule, "membershipRuleProcessingState": "On"}
	}
	allDevices := []string{"Autopilot - All devices"}
	seed.DirectorySeed = DirectorySeed{
		ServicePrincipals: []string{provisioningClientAppID},
		Groups: []map[string]any{
			dynamicGroup(allDevices[0], "autopilot-all-devices", "All Autopilot-registered devices", rule.AllAutopilotDevices()),
			dynamicGroup("Autopilot - Sales", "autopilot-sales", "Autopilot devices with group tag Sales", rule.GroupTag("Sales")),
		},
		EnrollmentConfigurations: []map[string]any{{
			"@odata.type": espType, "displayName": "ESP - Autopilot", "description": "Blocks the desktop until required apps are installed.",
			"showInstallationProgress": true, "allowDeviceResetOnInstallFailure": true, "allowLogCollectionOnInstallFailure": true,
			"customErrorMessage": "Setup could not finish. Contact IT.", "installProgressTimeoutInMinutes": 60,
			"trackInstallProgressForAutopilotOnly": true, "disableUserStatusTrackingAfterFirstUser": true,
			"assignGroups": allDevices,
		}},
		DeploymentProfiles: []map[string]any{{
			"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile", "displayName": "UD - Entra join",
			"description": "User-driven Microsoft Entra join", "locale": "os-default", "deviceType": "windowsPc",
			"deviceNameTemplate": "CTS-%SERIAL%", "roleScopeTagIds": []string{"0"},
			"outOfBoxExperienceSetting": map[string]any{"privacySettingsHidden": true, "eulaHidden": true,
				"keyboardSelectionPageSkipped": true, "escapeLinkHidden": true, "userType": "standard", "deviceUsageType": "singleUser"},
			"assignGroups": allDevices,
		}},
	}
}

// seedDirectory creates the seed's directory and policy entities. It runs once every route is
// registered (at the end of registerPrep) and panics on a seed the handlers refuse.
func (s *Server) seedDirectory() {
	seed := s.opts.Seed.DirectorySeed
	s.directory.users = seed.Users
	for _, appID := range seed.ServicePrincipals {
		if !(seed.OmitProvisioningClient && strings.EqualFold(appID, provisioningClientAppID)) {
			s.seedPost("/servicePrincipals", map[string]any{"appId": appID})
		}
	}
	for _, g := range seed.Groups {
		s.seedPost("/groups", g)
	}
	for _, body := range seed.EnrollmentConfigurations {
		id, groups, _ := s.seedCreate(espPath, body)
		s.seedPost(espPath+"/"+id+"/assign", map[string]any{"enrollmentConfigurationAssignments": groupAssignments(groups)})
	}
	for _, body := range seed.DeploymentProfiles {
		id, groups, _ := s.seedCreate(profilesPath, body)
		for _, a := range groupAssignments(groups) {
			s.seedPost(profilesPath+"/"+id+"/assignments", a.(map[string]any))
		}
	}
	for _, body := range seed.ConfigurationPolicies {
		id, groups, deviceGroup := s.seedCreate(policiesPath, body)
		s.seedPost(policiesPath+"/"+id+"/assign", map[string]any{"assignments": groupAssignments(groups)})
		if deviceGroup != "" {
			res := s.seedPost(policiesPath+"/"+id+"/setEnrollmentTimeDeviceMembershipTarget", map[string]any{
				"enrollmentTimeDeviceMembershipTargets": []any{map[string]any{"targetType": "staticSecurityGroup", "targetId": deviceGroup}}})
			if res["validationSucceeded"] != true {
				panic(fmt.Sprintf("graphmock: seed: device group of policy %q: %v", body["name"], res["enrollmentTimeDeviceMembershipTargetValidationStatuses"]))
			}
		}
	}
}

// seedCreate posts body without its seed-only keys and returns the new id and the ids of the groups the
// seed-only keys name.
func (s *Server) seedCreate(path string, body map[string]any) (id string, assignGroups []string, deviceGroup string) {
	post := cloneMap(body)
	// Seeds from Go carry []string, seeds from JSON []any: a round trip through JSON evens them out.
	raw, _ := json.Marshal(map[string]any{"assignGroups": post["assignGroups"], "deviceGroup": post["deviceGroup"]})
	var refs struct {
		AssignGroups []string
		DeviceGroup  string
	}
	if err := json.Unmarshal(raw, &refs); err != nil {
		panic(fmt.Sprintf("graphmock: seed: POST %s: assignGroups must list group names and deviceGroup name one: %v", path, err))
	}
	names, device := refs.AssignGroups, refs.DeviceGroup
	delete(post, "assignGroups")
	delete(post, "deviceGroup")
	for _, name := range names {
		assignGroups = append(assignGroups, s.seedGroupID(name))
	}
	if device != "" {
		deviceGroup = s.seedGroupID(device)
	}
	return s.seedPost(path, post)["id"].(string), assignGroups, deviceGroup
}

func (s *Server) seedGroupID(name string) string {
	for _, g := range s.directory.groups {
		if strings.EqualFold(g.displayName, name) {
			return g.id
		}
	}
	panic(fmt.Sprintf("graphmock: seed: no group named %q", name))
}

func groupAssignments(groupIDs []string) []any {
	out := make([]any, 0, len(groupIDs))
	for _, id := range groupIDs {
		out = append(out, map[string]any{"target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": id}})
	}
	return out
}

// seedPost runs the handler of POST path on body directly (no log, throttle or faults) and returns the
// decoded answer; a refusal panics, naming the call.
func (s *Server) seedPost(path string, body map[string]any) map[string]any {
	raw, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("graphmock: seed: POST %s: %v", path, err))
	}
	rec := httptest.NewRecorder()
	c := s.newCall(rec, httptest.NewRequest(http.MethodPost, "/beta"+path, bytes.NewReader(raw)), raw, false)
	c.path = path
	m := s.match(http.MethodPost, path)
	c.route, c.params = m.route, m.params
	m.route.handler(c)
	if rec.Code >= 300 {
		panic(fmt.Sprintf("graphmock: seed: POST %s: %d %s", path, rec.Code, rec.Body))
	}
	var out map[string]any
	if rec.Body.Len() > 0 {
		json.Unmarshal(rec.Body.Bytes(), &out)
	}
	return out
}
