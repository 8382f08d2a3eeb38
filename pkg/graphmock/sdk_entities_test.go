package graphmock

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/serviceprincipalswithappid"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
)

// These tests read every entity kind under testdata/recordings through the real SDK request builders and
// models, on the demo tenant: a shape the SDK can't parse, or a discriminator it can't resolve, fails here.

// sdkUserID is the seeded user that owns groups alongside the Intune Provisioning Client.
const sdkUserID = "6e7b768e-07e2-4810-8459-485f84f8f204"

// sdkTenant is the demo tenant (plus one user) with the SDK's root builders on it.
type sdkTenant struct {
	s       *Server
	dm      *devicemanagement.DeviceManagementRequestBuilder
	groups  *groups.GroupsRequestBuilder
	adapter *msgraphgocore.GraphRequestAdapterBase
}

func startSDKDemo(t *testing.T) sdkTenant {
	t.Helper()
	seed := DemoSeed()
	seed.Users = []SeedUser{{ID: sdkUserID, UserPrincipalName: "adele.vance@contoso.example", DisplayName: "Adele Vance"}}
	s, clock := startFake(t, Options{Seed: seed})
	adapter := sdkAdapter(t, s, clock)
	return sdkTenant{s: s, adapter: adapter,
		dm:     devicemanagement.NewDeviceManagementRequestBuilderInternal(map[string]string{}, adapter),
		groups: groups.NewGroupsRequestBuilderInternal(map[string]string{}, adapter)}
}

// groupNamed lists groups with a displayName eq filter and returns the one match.
func (tn sdkTenant) groupNamed(t *testing.T, name string) models.Groupable {
	t.Helper()
	filter := "displayName eq '" + name + "'"
	list, err := tn.groups.Get(context.Background(), &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &filter}})
	sdkCheck(t, "list groups "+filter, list, err)
	if got := list.GetValue(); len(got) != 1 || *got[0].GetDisplayName() != name {
		t.Fatalf("groups %s: %d found", filter, len(got))
	}
	return list.GetValue()[0]
}

// createGroup creates a security group through the SDK: dynamic with membershipRule, else assigned.
func (tn sdkTenant) createGroup(t *testing.T, name, nickname, membershipRule string) models.Groupable {
	t.Helper()
	g := models.NewGroup()
	g.SetDisplayName(&name)
	g.SetMailNickname(&nickname)
	g.SetMailEnabled(new(false))
	g.SetSecurityEnabled(new(true))
	g.SetGroupTypes([]string{})
	if membershipRule != "" {
		g.SetGroupTypes([]string{"DynamicMembership"})
		g.SetMembershipRule(&membershipRule)
		g.SetMembershipRuleProcessingState(new("On"))
	}
	created, err := tn.groups.Post(context.Background(), g, nil)
	sdkCheck(t, "create group "+name, created, err)
	return created
}

// addOwner binds the directory object with this id as an owner of group groupID.
func (tn sdkTenant) addOwner(t *testing.T, groupID, objectID string) {
	t.Helper()
	ref := models.NewReferenceCreate()
	ref.SetOdataId(new(tn.s.BaseURL() + "/directoryObjects/" + objectID))
	if err := tn.groups.ByGroupId(groupID).Owners().Ref().Post(context.Background(), ref, nil); err != nil {
		t.Fatalf("add owner %s to %s: %v", objectID, groupID, err)
	}
}

// groupTarget is the group id of an assignment target, which must be a groupAssignmentTarget without filter.
func groupTarget(t *testing.T, target models.DeviceAndAppManagementAssignmentTargetable) string {
	t.Helper()
	g, ok := target.(*models.GroupAssignmentTarget)
	if !ok {
		t.Fatalf("assignment target is %T, want *models.GroupAssignmentTarget", target)
	}
	if *g.GetDeviceAndAppManagementAssignmentFilterType() != models.NONE_DEVICEANDAPPMANAGEMENTASSIGNMENTFILTERTYPE || g.GetDeviceAndAppManagementAssignmentFilterId() != nil {
		t.Errorf("target filter %v %v, want none and null", g.GetDeviceAndAppManagementAssignmentFilterType(), g.GetDeviceAndAppManagementAssignmentFilterId())
	}
	return *g.GetGroupId()
}

// newGroupTarget is a groupAssignmentTarget for groupID.
func newGroupTarget(groupID string) models.DeviceAndAppManagementAssignmentTargetable {
	target := models.NewGroupAssignmentTarget()
	target.SetGroupId(&groupID)
	return target
}

func TestSDKAutopilotSettingsAndExpandedProfiles(t *testing.T) {
	tn := startSDKDemo(t)
	ctx := context.Background()

	if err := tn.dm.WindowsAutopilotSettings().Sync().Post(ctx, nil); err != nil {
		t.Fatalf("sync: %v", err)
	}
	settings, err := tn.dm.WindowsAutopilotSettings().Get(ctx, nil)
	sdkCheck(t, "get windowsAutopilotSettings", settings, err)
	if *settings.GetSyncStatus() != models.INPROGRESS_WINDOWSAUTOPILOTSYNCSTATUS || !settings.GetLastManualSyncTriggerDateTime().Equal(testStart) ||
		settings.GetLastSyncDateTime().Year() != 1 || *settings.GetOdataType() != "#microsoft.graph.windowsAutopilotSettings" {
		t.Errorf("settings %v %v %v", *settings.GetSyncStatus(), settings.GetLastManualSyncTriggerDateTime(), settings.GetLastSyncDateTime())
	}

	profiles, err := tn.dm.WindowsAutopilotDeploymentProfiles().Get(ctx, nil)
	sdkCheck(t, "list profiles", profiles, err)
	if len(profiles.GetValue()) != 1 {
		t.Fatalf("%d profiles, want 1", len(profiles.GetValue()))
	}
	profileID := *profiles.GetValue()[0].GetId()

	// Every demo device is in the all-devices group, so the seeded profile is both intended and assigned.
	list, err := tn.dm.WindowsAutopilotDeviceIdentities().Get(ctx, &devicemanagement.WindowsAutopilotDeviceIdentitiesRequestBuilderGetRequestConfiguration{
		QueryParameters: &devicemanagement.WindowsAutopilotDeviceIdentitiesRequestBuilderGetQueryParameters{
			Expand: []string{"deploymentProfile", "intendedDeploymentProfile"}}})
	sdkCheck(t, "list devices", list, err)
	if len(list.GetValue()) != 6 {
		t.Fatalf("%d devices, want 6", len(list.GetValue()))
	}
	for _, d := range list.GetValue() {
		assigned, _ := d.GetDeploymentProfile().(*models.AzureADWindowsAutopilotDeploymentProfile)
		intended, _ := d.GetIntendedDeploymentProfile().(*models.AzureADWindowsAutopilotDeploymentProfile)
		if assigned == nil || intended == nil || *assigned.GetId() != profileID || *intended.GetId() != profileID ||
			*d.GetDeploymentProfileAssignmentStatus() != models.ASSIGNEDUNKOWNSYNCSTATE_WINDOWSAUTOPILOTPROFILEASSIGNMENTSTATUS ||
			!d.GetDeploymentProfileAssignedDateTime().Equal(testStart) {
			t.Errorf("device %s: deploymentProfile %T, intendedDeploymentProfile %T, status %v at %v", *d.GetSerialNumber(),
				d.GetDeploymentProfile(), d.GetIntendedDeploymentProfile(), d.GetDeploymentProfileAssignmentStatus(), d.GetDeploymentProfileAssignedDateTime())
		}
	}

	id := *list.GetValue()[1].GetId()
	got, err := tn.dm.WindowsAutopilotDeviceIdentities().ByWindowsAutopilotDeviceIdentityId(id).Get(ctx,
		&devicemanagement.WindowsAutopilotDeviceIdentitiesWindowsAutopilotDeviceIdentityItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &devicemanagement.WindowsAutopilotDeviceIdentitiesWindowsAutopilotDeviceIdentityItemRequestBuilderGetQueryParameters{
				Expand: []string{"deploymentProfile"}}})
	sdkCheck(t, "get device", got, err)
	if *got.GetSerialNumber() != "5CG2461KX8" || *got.GetEnrollmentState() != models.ENROLLED_ENROLLMENTSTATE ||
		*got.GetManagedDeviceId() != "3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60" || got.GetIntendedDeploymentProfile() != nil {
		t.Errorf("device %s %v %s, intended %v", *got.GetSerialNumber(), got.GetEnrollmentState(), *got.GetManagedDeviceId(), got.GetIntendedDeploymentProfile())
	}
	p, ok := got.GetDeploymentProfile().(*models.AzureADWindowsAutopilotDeploymentProfile)
	if !ok {
		t.Fatalf("deploymentProfile is %T, want *models.AzureADWindowsAutopilotDeploymentProfile", got.GetDeploymentProfile())
	}
	oobe := p.GetOutOfBoxExperienceSetting()
	if *p.GetDisplayName() != "UD - Entra join" || *p.GetDeviceNameTemplate() != "CTS-%SERIAL%" || *p.GetDeviceType() != models.WINDOWSPC_WINDOWSAUTOPILOTDEVICETYPE ||
		*oobe.GetUserType() != models.STANDARD_WINDOWSUSERTYPE || *oobe.GetDeviceUsageType() != models.SINGLEUSER_WINDOWSDEVICEUSAGETYPE ||
		!*oobe.GetPrivacySettingsHidden() || !*oobe.GetEscapeLinkHidden() || p.GetEnrollmentStatusScreenSettings() != nil {
		t.Errorf("expanded profile %s %s %v, oobe %v %v", *p.GetDisplayName(), *p.GetDeviceNameTemplate(), *p.GetDeviceType(), *oobe.GetUserType(), *oobe.GetDeviceUsageType())
	}
}

func TestSDKGroupsAndDirectoryObjects(t *testing.T) {
	tn := startSDKDemo(t)
	ctx := context.Background()

	sales := tn.groupNamed(t, "Autopilot - Sales")
	byID, err := tn.groups.ByGroupId(*sales.GetId()).Get(ctx, nil)
	sdkCheck(t, "get group", byID, err)
	kiosk := tn.createGroup(t, "Autopilot - Kiosk", "autopilot-kiosk", rule.GroupTag("Kiosk"))
	type groupView struct {
		id, name, nickname, rule, state, types string
		mail, security                         bool
		created                                time.Time
	}
	view := func(g models.Groupable) groupView {
		return groupView{*g.GetId(), *g.GetDisplayName(), *g.GetMailNickname(), *g.GetMembershipRule(), *g.GetMembershipRuleProcessingState(),
			g.GetGroupTypes()[0], *g.GetMailEnabled(), *g.GetSecurityEnabled(), *g.GetCreatedDateTime()}
	}
	for _, c := range []struct {
		got  models.Groupable
		want groupView
	}{
		{sales, groupView{*sales.GetId(), "Autopilot - Sales", "autopilot-sales", rule.GroupTag("Sales"), "On", "DynamicMembership", false, true, testStart}},
		{byID, groupView{*sales.GetId(), "Autopilot - Sales", "autopilot-sales", rule.GroupTag("Sales"), "On", "DynamicMembership", false, true, testStart}},
		{kiosk, groupView{*kiosk.GetId(), "Autopilot - Kiosk", "autopilot-kiosk", rule.GroupTag("Kiosk"), "On", "DynamicMembership", false, true, testStart}},
	} {
		if got := view(c.got); got != c.want || len(c.got.GetGroupTypes()) != 1 {
			t.Errorf("group %+v, want %+v", got, c.want)
		}
	}

	// Dynamic membership: the two Kiosk devices, as Entra device objects.
	members, err := tn.groups.ByGroupId(*kiosk.GetId()).Members().Get(ctx, nil)
	sdkCheck(t, "members", members, err)
	var names []string
	for _, m := range members.GetValue() {
		d, ok := m.(*models.Device)
		if !ok {
			t.Fatalf("member is %T, want *models.Device", m)
		}
		if *d.GetOperatingSystem() != "Windows" || *d.GetDeviceId() != *d.GetId() || len(d.GetPhysicalIds()) == 0 {
			t.Errorf("device object %s: %s %s %v", *d.GetId(), *d.GetOperatingSystem(), *d.GetDeviceId(), d.GetPhysicalIds())
		}
		names = append(names, *d.GetDisplayName())
	}
	if len(names) != 2 || names[0] != "0F4410234567" || names[1] != "0F4410234568" {
		t.Errorf("Kiosk members %v", names)
	}

	sp, err := serviceprincipalswithappid.NewServicePrincipalsWithAppIdRequestBuilderInternal(map[string]string{}, tn.adapter,
		new(provisioningClientAppID)).Get(ctx, nil)
	sdkCheck(t, "get servicePrincipals(appId=…)", sp, err)
	if *sp.GetAppId() != provisioningClientAppID || *sp.GetDisplayName() != "Intune Provisioning Client" || *sp.GetAppDisplayName() != "Intune Provisioning Client" ||
		len(sp.GetServicePrincipalNames()) != 1 || sp.GetServicePrincipalNames()[0] != provisioningClientAppID || !*sp.GetAccountEnabled() {
		t.Errorf("service principal %s %s %v", *sp.GetAppId(), *sp.GetDisplayName(), sp.GetServicePrincipalNames())
	}

	tn.addOwner(t, *kiosk.GetId(), *sp.GetId())
	tn.addOwner(t, *kiosk.GetId(), sdkUserID)
	owners, err := tn.groups.ByGroupId(*kiosk.GetId()).Owners().Get(ctx, nil)
	sdkCheck(t, "owners", owners, err)
	if o := owners.GetValue(); len(o) != 2 {
		t.Fatalf("%d owners, want 2", len(o))
	}
	if o, ok := owners.GetValue()[0].(*models.ServicePrincipal); !ok || *o.GetId() != *sp.GetId() || *o.GetAppId() != provisioningClientAppID {
		t.Errorf("first owner %T, want the *models.ServicePrincipal %s", owners.GetValue()[0], *sp.GetId())
	}
	if o, ok := owners.GetValue()[1].(*models.User); !ok || *o.GetId() != sdkUserID || *o.GetUserPrincipalName() != "adele.vance@contoso.example" {
		t.Errorf("second owner %T, want the *models.User %s", owners.GetValue()[1], sdkUserID)
	}

	objects := directoryobjects.NewDirectoryObjectsRequestBuilderInternal(map[string]string{}, tn.adapter)
	for _, c := range []struct {
		id   string
		want string // Go type of the resolved object
	}{
		{*sp.GetId(), "*models.ServicePrincipal"},
		{sdkUserID, "*models.User"},
		{*kiosk.GetId(), "*models.Group"},
		{*members.GetValue()[0].GetId(), "*models.Device"},
	} {
		obj, err := objects.ByDirectoryObjectId(c.id).Get(ctx, nil)
		sdkCheck(t, "get directoryObjects/"+c.id, obj, err)
		if got := goType(obj); got != c.want || *obj.GetId() != c.id {
			t.Errorf("directoryObjects/%s is %s %s, want %s", c.id, got, *obj.GetId(), c.want)
		}
	}
}

func TestSDKEnrollmentStatusPages(t *testing.T) {
	tn := startSDKDemo(t)
	ctx := context.Background()
	esps := tn.dm.DeviceEnrollmentConfigurations()

	body := models.NewWindows10EnrollmentCompletionPageConfiguration()
	body.SetDisplayName(new("ESP - Kiosk"))
	body.SetShowInstallationProgress(new(true))
	body.SetInstallProgressTimeoutInMinutes(new(int32(90)))
	body.SetCustomErrorMessage(new("Call the kiosk desk."))
	body.SetSelectedMobileAppIds([]string{tn.s.policy.apps[0].ID})
	created, err := esps.Post(ctx, body, nil)
	sdkCheck(t, "create ESP", created, err)
	if _, ok := created.(*models.Windows10EnrollmentCompletionPageConfiguration); !ok {
		t.Fatalf("created ESP is %T", created)
	}

	type espView struct {
		name                             string
		kind                             models.DeviceEnrollmentConfigurationType
		priority, version                int32
		show, blockRetry, resetOnFailure bool
		timeout                          int32
		message                          string
		apps                             int
	}
	list, err := esps.Get(ctx, nil)
	sdkCheck(t, "list ESPs", list, err)
	var got []espView
	for _, c := range list.GetValue() {
		e, ok := c.(*models.Windows10EnrollmentCompletionPageConfiguration)
		if !ok {
			t.Fatalf("%s is %T, want *models.Windows10EnrollmentCompletionPageConfiguration", *c.GetId(), c)
		}
		message := ""
		if e.GetCustomErrorMessage() != nil {
			message = *e.GetCustomErrorMessage()
		}
		got = append(got, espView{*e.GetDisplayName(), *e.GetDeviceEnrollmentConfigurationType(), *e.GetPriority(), *e.GetVersion(),
			*e.GetShowInstallationProgress(), *e.GetBlockDeviceSetupRetryByUser(), *e.GetAllowDeviceResetOnInstallFailure(),
			*e.GetInstallProgressTimeoutInMinutes(), message, len(e.GetSelectedMobileAppIds())})
	}
	espType := models.WINDOWS10ENROLLMENTCOMPLETIONPAGECONFIGURATION_DEVICEENROLLMENTCONFIGURATIONTYPE
	want := []espView{
		// The built-in default reports the ordinary type (docs/graph.md#enrollment-status-page).
		{"All users and all devices", espType, 0, 1, false, true, false, 0, "", 0},
		{"ESP - Autopilot", espType, 1, 1, true, false, true, 60, "Setup could not finish. Contact IT.", 0},
		{"ESP - Kiosk", espType, 2, 1, true, false, false, 90, "Call the kiosk desk.", 1},
	}
	if len(got) != len(want) {
		t.Fatalf("ESPs %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ESP %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	kiosk := tn.groupNamed(t, "Autopilot - Sales")
	assign := devicemanagement.NewDeviceEnrollmentConfigurationsItemAssignPostRequestBody()
	a := models.NewEnrollmentConfigurationAssignment()
	a.SetTarget(newGroupTarget(*kiosk.GetId()))
	assign.SetEnrollmentConfigurationAssignments([]models.EnrollmentConfigurationAssignmentable{a})
	item := esps.ByDeviceEnrollmentConfigurationId(*created.GetId())
	if err := item.Assign().Post(ctx, assign, nil); err != nil {
		t.Fatalf("assign ESP: %v", err)
	}
	assignments, err := item.Assignments().Get(ctx, nil)
	sdkCheck(t, "ESP assignments", assignments, err)
	if len(assignments.GetValue()) != 1 {
		t.Fatalf("%d ESP assignments, want 1", len(assignments.GetValue()))
	}
	as := assignments.GetValue()[0]
	if groupTarget(t, as.GetTarget()) != *kiosk.GetId() || *as.GetId() != *created.GetId()+"_"+*kiosk.GetId() ||
		*as.GetSource() != models.DIRECT_DEVICEANDAPPMANAGEMENTASSIGNMENTSOURCE || as.GetSourceId() != nil {
		t.Errorf("ESP assignment %s %v %v", *as.GetId(), as.GetSource(), as.GetSourceId())
	}
}

func TestSDKDeploymentProfiles(t *testing.T) {
	tn := startSDKDemo(t)
	ctx := context.Background()
	profiles := tn.dm.WindowsAutopilotDeploymentProfiles()

	hybrid := models.NewActiveDirectoryWindowsAutopilotDeploymentProfile()
	hybrid.SetDisplayName(new("UD - Hybrid join"))
	hybrid.SetHybridAzureADJoinSkipConnectivityCheck(new(true))
	hybrid.SetLocale(new("en-US"))
	created, err := profiles.Post(ctx, hybrid, nil)
	sdkCheck(t, "create profile", created, err)
	got, err := profiles.ByWindowsAutopilotDeploymentProfileId(*created.GetId()).Get(ctx, nil)
	sdkCheck(t, "get profile", got, err)
	ad, ok := got.(*models.ActiveDirectoryWindowsAutopilotDeploymentProfile)
	if !ok {
		t.Fatalf("profile is %T, want *models.ActiveDirectoryWindowsAutopilotDeploymentProfile", got)
	}
	// language mirrors locale; the default OOBE settings come back in both spellings.
	if !*ad.GetHybridAzureADJoinSkipConnectivityCheck() || *ad.GetLocale() != "en-US" || *ad.GetLanguage() != "en-US" ||
		*ad.GetOutOfBoxExperienceSetting().GetUserType() != models.ADMINISTRATOR_WINDOWSUSERTYPE ||
		*ad.GetOutOfBoxExperienceSettings().GetUserType() != models.ADMINISTRATOR_WINDOWSUSERTYPE || !ad.GetCreatedDateTime().Equal(testStart) {
		t.Errorf("hybrid profile %v %s %s", *ad.GetHybridAzureADJoinSkipConnectivityCheck(), *ad.GetLocale(), *ad.GetLanguage())
	}

	list, err := profiles.Get(ctx, nil)
	sdkCheck(t, "list profiles", list, err)
	var kinds []string
	for _, p := range list.GetValue() {
		kinds = append(kinds, goType(p)+" "+*p.GetDisplayName())
	}
	if len(kinds) != 2 || kinds[0] != "*models.AzureADWindowsAutopilotDeploymentProfile UD - Entra join" ||
		kinds[1] != "*models.ActiveDirectoryWindowsAutopilotDeploymentProfile UD - Hybrid join" {
		t.Errorf("profiles %q", kinds)
	}

	sales := tn.groupNamed(t, "Autopilot - Sales")
	body := models.NewWindowsAutopilotDeploymentProfileAssignment()
	body.SetTarget(newGroupTarget(*sales.GetId()))
	assignment, err := profiles.ByWindowsAutopilotDeploymentProfileId(*ad.GetId()).Assignments().Post(ctx, body, nil)
	sdkCheck(t, "assign profile", assignment, err)
	if groupTarget(t, assignment.GetTarget()) != *sales.GetId() || *assignment.GetId() != *ad.GetId()+"_"+*sales.GetId()+"_0" {
		t.Errorf("created assignment %s", *assignment.GetId())
	}

	all := tn.groupNamed(t, "Autopilot - All devices")
	for _, c := range []struct{ profile, group string }{{*list.GetValue()[0].GetId(), *all.GetId()}, {*ad.GetId(), *sales.GetId()}} {
		assignments, err := profiles.ByWindowsAutopilotDeploymentProfileId(c.profile).Assignments().Get(ctx, nil)
		sdkCheck(t, "profile assignments", assignments, err)
		if len(assignments.GetValue()) != 1 {
			t.Fatalf("profile %s: %d assignments, want 1", c.profile, len(assignments.GetValue()))
		}
		a := assignments.GetValue()[0]
		if goType(a) != "*models.WindowsAutopilotDeploymentProfileAssignment" || groupTarget(t, a.GetTarget()) != c.group ||
			*a.GetSource() != models.DIRECT_DEVICEANDAPPMANAGEMENTASSIGNMENTSOURCE {
			t.Errorf("profile %s assignment %T to %s", c.profile, a, c.group)
		}
	}
}

// goType is v's Go type, e.g. "*models.ServicePrincipal".
func goType(v any) string { return fmt.Sprintf("%T", v) }

// valueTemplateRef points a setting value at its value template.
func valueTemplateRef(id string) models.DeviceManagementConfigurationSettingValueTemplateReferenceable {
	ref := models.NewDeviceManagementConfigurationSettingValueTemplateReference()
	ref.SetSettingValueTemplateId(&id)
	return ref
}

// prepChoice is a device-preparation choice setting as in docs/graph.md#device-preparation-and-enrollment-time-grouping
func prepChoice(definition, instanceTemplate, valueTemplate, value string) models.DeviceManagementConfigurationSettingable {
	v := models.NewDeviceManagementConfigurationChoiceSettingValue()
	v.SetValue(&value)
	v.SetChildren([]models.DeviceManagementConfigurationSettingInstanceable{})
	v.SetSettingValueTemplateReference(valueTemplateRef(valueTemplate))
	inst := models.NewDeviceManagementConfigurationChoiceSettingInstance()
	inst.SetChoiceSettingValue(v)
	return prepSetting(inst, definition, instanceTemplate)
}

// prepInteger is a device-preparation simple integer setting as in docs/graph.md#device-preparation-and-enrollment-time-grouping
func prepInteger(definition, instanceTemplate, valueTemplate string, value int32) models.DeviceManagementConfigurationSettingable {
	v := models.NewDeviceManagementConfigurationIntegerSettingValue()
	v.SetValue(&value)
	v.SetSettingValueTemplateReference(valueTemplateRef(valueTemplate))
	inst := models.NewDeviceManagementConfigurationSimpleSettingInstance()
	inst.SetSimpleSettingValue(v)
	return prepSetting(inst, definition, instanceTemplate)
}

// prepSetting names inst's setting definition and instance template and wraps it in a setting.
func prepSetting(inst models.DeviceManagementConfigurationSettingInstanceable, definition, instanceTemplate string) models.DeviceManagementConfigurationSettingable {
	ref := models.NewDeviceManagementConfigurationSettingInstanceTemplateReference()
	ref.SetSettingInstanceTemplateId(&instanceTemplate)
	inst.SetSettingDefinitionId(&definition)
	inst.SetSettingInstanceTemplateReference(ref)
	setting := models.NewDeviceManagementConfigurationSetting()
	setting.SetSettingInstance(inst)
	return setting
}

func TestSDKDevicePreparationPolicy(t *testing.T) {
	tn := startSDKDemo(t)
	// The SDK retrieves with POST, as the reference documents it; groups are bound at once.
	tn.s.SetRetrieveVerbs(RetrievePOST)
	tn.s.SetReplicationRefusals(0)
	ctx := context.Background()
	const templateID = "80d33118-b7b4-40d8-b15f-81be745e053f_1"

	template, err := tn.dm.ConfigurationPolicyTemplates().ByDeviceManagementConfigurationPolicyTemplateId(templateID).Get(ctx, nil)
	sdkCheck(t, "get template", template, err)
	if *template.GetBaseId() != "80d33118-b7b4-40d8-b15f-81be745e053f" || *template.GetVersion() != 1 || *template.GetDisplayName() != "Device Preparation" ||
		*template.GetDisplayVersion() != "Version 1" || *template.GetSettingTemplateCount() != 11 ||
		*template.GetLifecycleState() != models.ACTIVE_DEVICEMANAGEMENTTEMPLATELIFECYCLESTATE ||
		*template.GetTemplateFamily() != models.ENROLLMENTCONFIGURATION_DEVICEMANAGEMENTCONFIGURATIONTEMPLATEFAMILY ||
		*template.GetPlatforms() != models.WINDOWS10_DEVICEMANAGEMENTCONFIGURATIONPLATFORMS ||
		*template.GetTechnologies() != models.ENROLLMENT_DEVICEMANAGEMENTCONFIGURATIONTECHNOLOGIES {
		t.Errorf("template %s %d %s %s %d", *template.GetBaseId(), *template.GetVersion(), *template.GetDisplayName(), *template.GetDisplayVersion(), *template.GetSettingTemplateCount())
	}

	body := models.NewDeviceManagementConfigurationPolicy()
	body.SetName(new("APDP - User driven"))
	body.SetDescription(new("Sales laptops"))
	body.SetPlatforms(new(models.DeviceManagementConfigurationPlatforms(models.WINDOWS10_DEVICEMANAGEMENTCONFIGURATIONPLATFORMS)))
	body.SetTechnologies(new(models.DeviceManagementConfigurationTechnologies(models.ENROLLMENT_DEVICEMANAGEMENTCONFIGURATIONTECHNOLOGIES)))
	body.SetRoleScopeTagIds([]string{"0"})
	ref := models.NewDeviceManagementConfigurationPolicyTemplateReference()
	ref.SetTemplateId(new(templateID))
	body.SetTemplateReference(ref)
	body.SetSettings([]models.DeviceManagementConfigurationSettingable{
		prepChoice("enrollment_autopilot_dpp_deploymentmode", "5180aeab-886e-4589-97d4-40855c646315", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82", "enrollment_autopilot_dpp_deploymentmode_0"),
		prepInteger("enrollment_autopilot_dpp_timeout", "6dec0657-dfb8-4906-a7ee-3ac6ee1edecb", "0bbcce5b-a55a-4e05-821a-94bf576d6cc8", 60),
	})
	created, err := tn.dm.ConfigurationPolicies().Post(ctx, body, nil)
	sdkCheck(t, "create policy", created, err)
	policy := tn.dm.ConfigurationPolicies().ByDeviceManagementConfigurationPolicyId(*created.GetId())
	got, err := policy.Get(ctx, &devicemanagement.ConfigurationPoliciesDeviceManagementConfigurationPolicyItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &devicemanagement.ConfigurationPoliciesDeviceManagementConfigurationPolicyItemRequestBuilderGetQueryParameters{Expand: []string{"settings"}}})
	sdkCheck(t, "get policy", got, err)
	for _, p := range []models.DeviceManagementConfigurationPolicyable{created, got} {
		tr := p.GetTemplateReference()
		if *p.GetName() != "APDP - User driven" || *p.GetDescription() != "Sales laptops" || *p.GetSettingCount() != 2 ||
			*p.GetPlatforms() != models.WINDOWS10_DEVICEMANAGEMENTCONFIGURATIONPLATFORMS ||
			*p.GetTechnologies() != models.ENROLLMENT_DEVICEMANAGEMENTCONFIGURATIONTECHNOLOGIES ||
			*tr.GetTemplateId() != templateID || *tr.GetTemplateFamily() != models.ENROLLMENTCONFIGURATION_DEVICEMANAGEMENTCONFIGURATIONTEMPLATEFAMILY ||
			*tr.GetTemplateDisplayName() != "Device Preparation" || *tr.GetTemplateDisplayVersion() != "Version 1" ||
			*p.GetPriorityMetaData().GetPriority() != 1 || *p.GetIsAssigned() || !p.GetCreatedDateTime().Equal(testStart) || p.GetCreationSource() != nil {
			t.Errorf("policy %s %d settings, template %s %v %s %s, priority %d", *p.GetName(), *p.GetSettingCount(), *tr.GetTemplateId(),
				*tr.GetTemplateFamily(), *tr.GetTemplateDisplayName(), *tr.GetTemplateDisplayVersion(), *p.GetPriorityMetaData().GetPriority())
		}
	}
	if len(created.GetSettings()) != 0 || len(got.GetSettings()) != 2 {
		t.Fatalf("settings: %d on create, %d with $expand=settings", len(created.GetSettings()), len(got.GetSettings()))
	}
	mode, ok := got.GetSettings()[0].GetSettingInstance().(*models.DeviceManagementConfigurationChoiceSettingInstance)
	if !ok || *got.GetSettings()[0].GetId() != "0" || *mode.GetSettingDefinitionId() != "enrollment_autopilot_dpp_deploymentmode" ||
		*mode.GetSettingInstanceTemplateReference().GetSettingInstanceTemplateId() != "5180aeab-886e-4589-97d4-40855c646315" ||
		*mode.GetChoiceSettingValue().GetValue() != "enrollment_autopilot_dpp_deploymentmode_0" ||
		*mode.GetChoiceSettingValue().GetSettingValueTemplateReference().GetSettingValueTemplateId() != "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82" {
		t.Errorf("settings[0] is %T %+v", got.GetSettings()[0].GetSettingInstance(), mode)
	}
	timeout, ok := got.GetSettings()[1].GetSettingInstance().(*models.DeviceManagementConfigurationSimpleSettingInstance)
	if !ok {
		t.Fatalf("settings[1] is %T, want a simple setting instance", got.GetSettings()[1].GetSettingInstance())
	}
	if v, ok := timeout.GetSimpleSettingValue().(*models.DeviceManagementConfigurationIntegerSettingValue); !ok || *v.GetValue() != 60 ||
		*got.GetSettings()[1].GetId() != "1" || *timeout.GetSettingDefinitionId() != "enrollment_autopilot_dpp_timeout" {
		t.Errorf("settings[1] value is %T", timeout.GetSimpleSettingValue())
	}

	sales := tn.groupNamed(t, "Autopilot - Sales")
	assign := devicemanagement.NewConfigurationPoliciesItemAssignPostRequestBody()
	a := models.NewDeviceManagementConfigurationPolicyAssignment()
	a.SetTarget(newGroupTarget(*sales.GetId()))
	assign.SetAssignments([]models.DeviceManagementConfigurationPolicyAssignmentable{a})
	assigned, err := policy.Assign().PostAsAssignPostResponse(ctx, assign, nil)
	sdkCheck(t, "assign policy", assigned, err)
	listed, err := policy.Assignments().Get(ctx, nil)
	sdkCheck(t, "policy assignments", listed, err)
	for _, list := range [][]models.DeviceManagementConfigurationPolicyAssignmentable{assigned.GetValue(), listed.GetValue()} {
		if len(list) != 1 || groupTarget(t, list[0].GetTarget()) != *sales.GetId() || *list[0].GetId() != *created.GetId()+"_"+*sales.GetId() ||
			*list[0].GetSource() != models.DIRECT_DEVICEANDAPPMANAGEMENTASSIGNMENTSOURCE {
			t.Errorf("policy assignments %d", len(list))
		}
	}

	deviceGroup := tn.createGroup(t, "Autopilot - Device preparation", "autopilot-device-preparation", "")
	set := func(groupID string) models.EnrollmentTimeDeviceMembershipTargetResultable {
		target := models.NewEnrollmentTimeDeviceMembershipTarget()
		target.SetTargetType(new(models.STATICSECURITYGROUP_ENROLLMENTTIMEDEVICEMEMBERSHIPTARGETTYPE))
		target.SetTargetId(&groupID)
		body := devicemanagement.NewConfigurationPoliciesItemSetEnrollmentTimeDeviceMembershipTargetPostRequestBody()
		body.SetEnrollmentTimeDeviceMembershipTargets([]models.EnrollmentTimeDeviceMembershipTargetable{target})
		res, err := policy.SetEnrollmentTimeDeviceMembershipTarget().Post(ctx, body, nil)
		sdkCheck(t, "setEnrollmentTimeDeviceMembershipTarget "+groupID, res, err)
		return res
	}
	retrieve := func() models.EnrollmentTimeDeviceMembershipTargetResultable {
		res, err := policy.RetrieveEnrollmentTimeDeviceMembershipTarget().Post(ctx, nil)
		sdkCheck(t, "retrieveEnrollmentTimeDeviceMembershipTarget", res, err)
		return res
	}
	code := func(c models.EnrollmentTimeDeviceMembershipTargetValidationErrorCode) *models.EnrollmentTimeDeviceMembershipTargetValidationErrorCode {
		return &c
	}
	sp, err := serviceprincipalswithappid.NewServicePrincipalsWithAppIdRequestBuilderInternal(map[string]string{}, tn.adapter,
		new(provisioningClientAppID)).Get(ctx, nil)
	sdkCheck(t, "get provisioning client", sp, err)
	for _, c := range []struct {
		name     string
		call     func() models.EnrollmentTimeDeviceMembershipTargetResultable
		ok       bool
		targetID string // "" = no status
		code     *models.EnrollmentTimeDeviceMembershipTargetValidationErrorCode
	}{
		{"dynamic group", func() models.EnrollmentTimeDeviceMembershipTargetResultable { return set(*sales.GetId()) },
			false, *sales.GetId(), code(models.NOTSTATICSECURITYGROUP_ENROLLMENTTIMEDEVICEMEMBERSHIPTARGETVALIDATIONERRORCODE)},
		{"not owned by the provisioning client", func() models.EnrollmentTimeDeviceMembershipTargetResultable { return set(*deviceGroup.GetId()) },
			false, *deviceGroup.GetId(), code(models.FIRSTPARTYAPPNOTANOWNER_ENROLLMENTTIMEDEVICEMEMBERSHIPTARGETVALIDATIONERRORCODE)},
		{"nothing bound yet", retrieve, true, "", nil},
		{"owned", func() models.EnrollmentTimeDeviceMembershipTargetResultable {
			tn.addOwner(t, *deviceGroup.GetId(), *sp.GetId())
			return set(*deviceGroup.GetId())
		}, true, *deviceGroup.GetId(), nil},
		{"bound", retrieve, true, *deviceGroup.GetId(), nil},
		{"cleared", func() models.EnrollmentTimeDeviceMembershipTargetResultable {
			res, err := policy.ClearEnrollmentTimeDeviceMembershipTarget().PostAsClearEnrollmentTimeDeviceMembershipTargetPostResponse(ctx, nil)
			sdkCheck(t, "clearEnrollmentTimeDeviceMembershipTarget", res, err)
			if !*res.GetValue() {
				t.Fatal("clearEnrollmentTimeDeviceMembershipTarget returned false")
			}
			return retrieve()
		}, true, "", nil},
	} {
		res := c.call()
		statuses := res.GetEnrollmentTimeDeviceMembershipTargetValidationStatuses()
		wantStatuses := 1
		if c.targetID == "" {
			wantStatuses = 0
		}
		if *res.GetValidationSucceeded() != c.ok || len(statuses) != wantStatuses {
			t.Errorf("%s: validationSucceeded %v with %d statuses, want %v", c.name, *res.GetValidationSucceeded(), len(statuses), c.ok)
			continue
		}
		if len(statuses) == 0 {
			continue
		}
		st := statuses[0]
		if gotCode := st.GetTargetValidationErrorCode(); *st.GetTargetId() != c.targetID || (gotCode == nil) != (c.code == nil) || gotCode != nil && *gotCode != *c.code {
			t.Errorf("%s: status %s %v, want %s %v", c.name, *st.GetTargetId(), gotCode, c.targetID, c.code)
		}
	}
}
