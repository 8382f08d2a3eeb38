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
	MobileApps               []SeedMobileApp  `json:"mobileApps,omitempty"`               // the app catalogue, before the ESPs that block on apps
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
		MobileApps: []SeedMobileApp{{DisplayName: "Company Portal", Publisher: "Microsoft Corporation", Type: "windowsUniversalAppX"},
			{DisplayName: "Microsoft 365 Apps for enterprise", Publisher: "Microsoft", Type: "officeSuiteApp"},
			{DisplayName: "Contoso VPN", Publisher: "Contoso"}},
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

// seedDirectory creates the seed's directory and policy entities through the POST handlers, once every
// route is registered. An error names the seed entry and the refusal.
func (s *Server) seedDirectory() error {
	seed := s.opts.Seed.DirectorySeed
	s.directory.users = seed.Users
	for i, appID := range seed.ServicePrincipals {
		if seed.OmitProvisioningClient && strings.EqualFold(appID, provisioningClientAppID) {
			continue
		}
		if _, err := s.seedPost("/servicePrincipals", map[string]any{"appId": appID}); err != nil {
			return fmt.Errorf("servicePrincipals[%d] %q: %w", i, appID, err)
		}
	}
	for i, app := range seed.MobileApps {
		if err := s.addMobileApp(app); err != nil {
			return fmt.Errorf("mobileApps[%d] %q: %w", i, app.DisplayName, err)
		}
	}
	lists := []struct {
		name   string
		bodies []map[string]any
		create func(body map[string]any) error
	}{
		{"groups", seed.Groups, func(body map[string]any) error {
			created, err := s.seedPost("/groups", body)
			if err == nil {
				// A seed is a tenant as it stands: its dynamic groups' processing is done.
				g := s.group(created["id"].(string))
				now := s.opts.Clock.Now()
				g.processing = groupProcessing{startedAt: now, doneAt: now, processed: g.membershipRule}
				s.markReplicated(g.id)
			}
			return err
		}},
		{"enrollmentConfigurations", seed.EnrollmentConfigurations, s.seedESP},
		{"deploymentProfiles", seed.DeploymentProfiles, s.seedProfile},
		{"configurationPolicies", seed.ConfigurationPolicies, s.seedConfigurationPolicy},
	}
	for _, list := range lists {
		for i, body := range list.bodies {
			if err := list.create(body); err != nil {
				return fmt.Errorf("%s[%d] %q: %w", list.name, i, seedEntryName(body), err)
			}
		}
	}
	return nil
}

// seedEntryName is the display name (policies: name) a seed entry is known by in errors.
func seedEntryName(body map[string]any) string {
	if name, ok := body["displayName"].(string); ok {
		return name
	}
	name, _ := body["name"].(string)
	return name
}

func (s *Server) seedESP(body map[string]any) error {
	id, groups, _, err := s.seedCreate(espPath, body)
	if err == nil {
		_, err = s.seedPost(espPath+"/"+id+"/assign", map[string]any{"enrollmentConfigurationAssignments": groupAssignments(groups)})
	}
	return err
}

func (s *Server) seedProfile(body map[string]any) error {
	id, groups, _, err := s.seedCreate(profilesPath, body)
	for _, a := range groupAssignments(groups) {
		if _, err = s.seedPost(profilesPath+"/"+id+"/assignments", a.(map[string]any)); err != nil {
			break
		}
	}
	return err
}

func (s *Server) seedConfigurationPolicy(body map[string]any) error {
	id, groups, deviceGroup, err := s.seedCreate(policiesPath, body)
	if err == nil {
		_, err = s.seedPost(policiesPath+"/"+id+"/assign", map[string]any{"assignments": groupAssignments(groups)})
	}
	if err != nil || deviceGroup == "" {
		return err
	}
	res, err := s.seedPost(policiesPath+"/"+id+"/setEnrollmentTimeDeviceMembershipTarget", map[string]any{
		"enrollmentTimeDeviceMembershipTargets": []any{map[string]any{"targetType": "staticSecurityGroup", "targetId": deviceGroup}}})
	if err != nil || res["validationSucceeded"] == true {
		return err
	}
	statuses, _ := res["enrollmentTimeDeviceMembershipTargetValidationStatuses"].([]any)
	status, _ := statuses[0].(map[string]any)
	return fmt.Errorf("deviceGroup %q can't be the enrollment-time device group: targetValidationErrorCode %v", body["deviceGroup"], status["targetValidationErrorCode"])
}

// seedCreate posts body without its seed-only keys and returns the new id and the ids of the groups the
// seed-only keys name.
func (s *Server) seedCreate(path string, body map[string]any) (id string, assignGroups []string, deviceGroup string, err error) {
	post := cloneMap(body)
	// Seeds from Go carry []string, seeds from JSON []any: a round trip through JSON evens them out.
	raw, _ := json.Marshal(map[string]any{"assignGroups": post["assignGroups"], "deviceGroup": post["deviceGroup"]})
	var refs struct {
		AssignGroups []string
		DeviceGroup  string
	}
	if err := json.Unmarshal(raw, &refs); err != nil {
		return "", nil, "", fmt.Errorf("assignGroups must list group names and deviceGroup name one: %v", err)
	}
	delete(post, "assignGroups")
	delete(post, "deviceGroup")
	for _, name := range refs.AssignGroups {
		g, err := s.seedGroupID("assignGroups", name)
		if err != nil {
			return "", nil, "", err
		}
		assignGroups = append(assignGroups, g)
	}
	if refs.DeviceGroup != "" {
		if deviceGroup, err = s.seedGroupID("deviceGroup", refs.DeviceGroup); err != nil {
			return "", nil, "", err
		}
	}
	created, err := s.seedPost(path, post)
	if err != nil {
		return "", nil, "", err
	}
	return created["id"].(string), assignGroups, deviceGroup, nil
}

// seedGroupID is the id of the group named name, which the seed key refers to.
func (s *Server) seedGroupID(key, name string) (string, error) {
	for _, g := range s.directory.groups {
		if strings.EqualFold(g.displayName, name) {
			return g.id, nil
		}
	}
	return "", fmt.Errorf("%s: no group named %q", key, name)
}

func groupAssignments(groupIDs []string) []any {
	out := make([]any, 0, len(groupIDs))
	for _, id := range groupIDs {
		out = append(out, map[string]any{"target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": id}})
	}
	return out
}

// seedPost runs the handler of POST path on body directly (no log, throttle or faults) and returns the
// decoded answer, or the refusal as "POST <path>: <status> <code>: <message>".
func (s *Server) seedPost(path string, body map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %v", path, err)
	}
	rec := httptest.NewRecorder()
	c := s.newCall(rec, httptest.NewRequest(http.MethodPost, "/beta"+path, bytes.NewReader(raw)), raw, false)
	c.path = path
	m := s.match(http.MethodPost, path)
	c.route, c.params = m.route, m.params
	m.route.handler(c)
	var out map[string]any
	if rec.Body.Len() > 0 {
		json.Unmarshal(rec.Body.Bytes(), &out)
	}
	if rec.Code >= 300 {
		return nil, fmt.Errorf("POST %s: %d %s", path, rec.Code, refusalText(out))
	}
	return out, nil
}

// refusalText is a Graph error body as "<code>: <message>", with the message Intune nests in a JSON
// document taken out and its operation-id tail cut.
func refusalText(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	var doc struct{ Message string }
	if json.Unmarshal([]byte(msg), &doc) == nil && doc.Message != "" {
		msg, _, _ = strings.Cut(doc.Message, " - Operation ID")
	}
	return fmt.Sprintf("%v: %s", e["code"], msg)
}
