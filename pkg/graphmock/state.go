package graphmock

import (
	"fmt"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// StateVersion is the layout of State; a state written with another layout is refused, not guessed at.
const StateVersion = 1

// State is a snapshot of the tenant: registered devices, import records (with their absolute due times, so
// pending ones keep progressing between a snapshot and a restore), the sync settings, groups, service
// principals, users, ESPs, deployment profiles and configuration policies, and the id counter. `--mock`
// keeps its demo tenant between commands with it. Request logs, counters and throttle windows are not
// tenant state and are left out.
type State struct {
	Version            int                  `json:"version"`
	NextID             int                  `json:"nextId"`
	Imports            []stateImport        `json:"imports"`
	Devices            []stateDevice        `json:"devices"`
	OtherTenantSerials []string             `json:"otherTenantSerials"`
	Settings           stateSettings        `json:"settings"`
	Groups             []stateGroup         `json:"groups"`
	ServicePrincipals  []stateSP            `json:"servicePrincipals"`
	Users              []SeedUser           `json:"users"`
	ESPs               []stateConfig        `json:"enrollmentConfigurations"`
	Profiles           []stateConfig        `json:"deploymentProfiles"`
	Policies           []stateConfiguration `json:"configurationPolicies"`
	Scripts            []stateScript        `json:"deviceManagementScripts,omitempty"`
	MobileApps         []SeedMobileApp      `json:"mobileApps,omitempty"`
}

type stateImport struct {
	ID, SerialNumber, ProductKey, GroupTag, ImportID, HardwareIdentifier, AssignedUserPrincipalName string
	DueAt                                                                                           time.Time
	DuplicateInCall                                                                                 bool
	Status, RegistrationID                                                                          string
	ErrorCode                                                                                       int
	ErrorName                                                                                       string
}

type stateDevice struct {
	ID, SerialNumber, HardwareIdentifier, GroupTag, PurchaseOrderIdentifier, ProductKey   string
	Manufacturer, Model, SkuNumber, SystemFamily, EnrollmentState                         string
	UserPrincipalName, AddressableUserName, DisplayName, ManagedDeviceID, AzureAdDeviceID string
	DeviceAccountUpn, DeviceAccountPassword, DeviceFriendlyName                           string
	DeploymentProfileID, IntendedProfileID, ProfileStatus                                 string
	ProfileAssignedAt                                                                     time.Time
}

type stateSettings struct {
	ID                          string
	LastSync, LastManualTrigger time.Time
	Status                      string
}

type stateGroup struct {
	ID, DisplayName, Description, MailNickname string
	MailEnabled, SecurityEnabled               bool
	GroupTypes                                 []string
	MembershipRule, ProcessingState            string
	Owners, Members                            []string
	Created                                    time.Time
	RoleAssignable                             bool `json:",omitempty"`
	// Membership processing (group_processing.go); a state written before these existed reads as processed.
	ProcessingStarted, ProcessingDone time.Time
	ProcessedRule                     string `json:",omitempty"`
	ProcessingFailure                 string `json:",omitempty"`
}

type stateSP struct {
	ID, AppID string
	Extra     map[string]any
}

// stateConfig is an enrollment configuration (ESP) or a deployment profile.
type stateConfig struct {
	ID, ODataType     string
	IsDefault         bool
	Priority, Version int
	Created, Modified time.Time
	Props             map[string]any
	Assignments       []map[string]any
}

type stateConfiguration struct {
	ID, TemplateID    string
	Props             map[string]any
	Settings          []any
	Created, Modified time.Time
	Priority          int
	Assignments       []map[string]any
	DeviceGroup       string
}

type stateScript struct {
	ID, DisplayName, FileName, RunAsAccount string
	Created                                 time.Time
}

// Snapshot returns the tenant's state; it is safe while the server is serving.
func (s *Server) Snapshot() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &State{Version: StateVersion, NextID: s.nextID}
	a := s.autopilot
	for _, r := range a.imports {
		st.Imports = append(st.Imports, stateImport{r.id, r.serialNumber, r.productKey, r.groupTag, r.importID, r.hardwareIdentifier,
			r.assignedUserPrincipalName, r.dueAt, r.duplicateInCall, r.status, r.registrationID, r.errorCode, r.errorName})
	}
	for _, d := range a.devices {
		st.Devices = append(st.Devices, stateDevice{d.id, d.serialNumber, d.hardwareIdentifier, d.groupTag, d.purchaseOrderIdentifier,
			d.productKey, d.manufacturer, d.model, d.skuNumber, d.systemFamily, d.enrollmentState, d.userPrincipalName,
			d.addressableUserName, d.displayName, d.managedDeviceID, d.azureAdDeviceID, d.deviceAccountUpn, d.deviceAccountPassword,
			d.deviceFriendlyName, d.deploymentProfileID, d.intendedProfileID, d.profileStatus, d.profileAssignedAt})
	}
	for serial := range a.otherTenantSerials {
		st.OtherTenantSerials = append(st.OtherTenantSerials, serial)
	}
	st.Settings = stateSettings{a.settings.id, a.settings.lastSync, a.settings.lastManualTrigger, a.settings.status}
	for _, g := range s.directory.groups {
		st.Groups = append(st.Groups, stateGroup{g.id, g.displayName, g.description, g.mailNickname, g.mailEnabled, g.securityEnabled,
			g.groupTypes, g.membershipRule, g.processingState, g.owners, g.members, g.created, g.roleAssignable,
			g.processing.startedAt, g.processing.doneAt, g.processing.processed, g.processing.failure})
	}
	for _, sp := range s.directory.servicePrincipals {
		st.ServicePrincipals = append(st.ServicePrincipals, stateSP{sp.id, sp.appID, sp.extra})
	}
	st.Users = s.directory.users
	for _, e := range s.policy.esps {
		st.ESPs = append(st.ESPs, stateConfig{ID: e.id, IsDefault: e.isDefault, Priority: e.priority, Version: e.version,
			Created: e.created, Modified: e.modified, Props: e.props, Assignments: e.assignments})
	}
	for _, p := range s.policy.profiles {
		st.Profiles = append(st.Profiles, stateConfig{ID: p.id, ODataType: p.odataType, Created: p.created, Modified: p.modified,
			Props: p.props, Assignments: p.assignments})
	}
	for _, a := range s.policy.apps {
		st.MobileApps = append(st.MobileApps, *a)
	}
	for _, p := range s.policy.policies {
		st.Policies = append(st.Policies, stateConfiguration{p.id, p.template.id, p.props, p.settings, p.created, p.modified,
			p.priority, p.assignments, p.deviceGroup})
	}
	for _, sc := range s.prep.scripts {
		st.Scripts = append(st.Scripts, stateScript{sc.id, sc.displayName, sc.fileName, sc.runAsAccount, sc.created})
	}
	return st
}

// Restore replaces the tenant with st (read back from a Snapshot, e.g. through JSON). It refuses a state of
// another layout, or one that names a policy template or membership rule this mock does not know, leaving
// the tenant as it was.
func (s *Server) Restore(st *State) error {
	if st.Version != StateVersion {
		return fmt.Errorf("tenant state version %d; this mock reads version %d", st.Version, StateVersion)
	}
	a := &autopilotState{otherTenantSerials: map[string]bool{}}
	for _, r := range st.Imports {
		a.imports = append(a.imports, &importRecord{id: r.ID, serialNumber: r.SerialNumber, productKey: r.ProductKey, groupTag: r.GroupTag,
			importID: r.ImportID, hardwareIdentifier: r.HardwareIdentifier, assignedUserPrincipalName: r.AssignedUserPrincipalName,
			dueAt: r.DueAt, duplicateInCall: r.DuplicateInCall, status: r.Status, registrationID: r.RegistrationID,
			errorCode: r.ErrorCode, errorName: r.ErrorName})
	}
	for _, d := range st.Devices {
		a.devices = append(a.devices, &autopilotDevice{id: d.ID, serialNumber: d.SerialNumber, hardwareIdentifier: d.HardwareIdentifier,
			groupTag: d.GroupTag, purchaseOrderIdentifier: d.PurchaseOrderIdentifier, productKey: d.ProductKey,
			manufacturer: d.Manufacturer, model: d.Model, skuNumber: d.SkuNumber, systemFamily: d.SystemFamily,
			enrollmentState: d.EnrollmentState, userPrincipalName: d.UserPrincipalName, addressableUserName: d.AddressableUserName,
			displayName: d.DisplayName, managedDeviceID: d.ManagedDeviceID, azureAdDeviceID: d.AzureAdDeviceID,
			deviceAccountUpn: d.DeviceAccountUpn, deviceAccountPassword: d.DeviceAccountPassword,
			deviceFriendlyName: d.DeviceFriendlyName, deploymentProfileID: d.DeploymentProfileID,
			intendedProfileID: d.IntendedProfileID, profileStatus: d.ProfileStatus, profileAssignedAt: d.ProfileAssignedAt})
	}
	for _, serial := range st.OtherTenantSerials {
		a.otherTenantSerials[strings.ToUpper(serial)] = true
	}
	a.settings = autopilotSettings{id: st.Settings.ID, lastSync: st.Settings.LastSync,
		lastManualTrigger: st.Settings.LastManualTrigger, status: st.Settings.Status}
	dir := &directoryState{users: st.Users}
	for _, g := range st.Groups {
		grp := &group{id: g.ID, displayName: g.DisplayName, description: g.Description, mailNickname: g.MailNickname,
			mailEnabled: g.MailEnabled, securityEnabled: g.SecurityEnabled, groupTypes: g.GroupTypes,
			membershipRule: g.MembershipRule, processingState: g.ProcessingState, owners: g.Owners, members: g.Members, created: g.Created,
			roleAssignable: g.RoleAssignable, processing: groupProcessing{g.ProcessingStarted, g.ProcessingDone, g.ProcessedRule, g.ProcessingFailure}}
		for _, text := range []string{grp.membershipRule, grp.processing.processed} {
			if text == "" {
				continue
			}
			r, err := rule.Parse(text)
			if err != nil {
				return fmt.Errorf("group %s: membership rule: %v", grp.id, err)
			}
			if text == grp.membershipRule {
				grp.rule = r
			}
		}
		dir.groups = append(dir.groups, grp)
	}
	for _, sp := range st.ServicePrincipals {
		dir.servicePrincipals = append(dir.servicePrincipals, &servicePrincipal{id: sp.ID, appID: sp.AppID, extra: sp.Extra})
	}
	pol := &policyState{}
	for _, a := range st.MobileApps {
		pol.apps = append(pol.apps, &a)
	}
	for _, e := range st.ESPs {
		pol.esps = append(pol.esps, &enrollmentConfig{id: e.ID, isDefault: e.IsDefault, priority: e.Priority, version: e.Version,
			created: e.Created, modified: e.Modified, props: e.Props, assignments: e.Assignments})
	}
	for _, p := range st.Profiles {
		pol.profiles = append(pol.profiles, &deploymentProfile{id: p.ID, odataType: p.ODataType, created: p.Created,
			modified: p.Modified, props: p.Props, assignments: p.Assignments})
	}
	for _, p := range st.Policies {
		tmpl := policyTemplates[p.TemplateID]
		if tmpl == nil {
			return fmt.Errorf("configuration policy %s: unknown template %q", p.ID, p.TemplateID)
		}
		pol.policies = append(pol.policies, &configurationPolicy{id: p.ID, template: tmpl, props: p.Props, settings: p.Settings,
			created: p.Created, modified: p.Modified, priority: p.Priority, assignments: p.Assignments, deviceGroup: p.DeviceGroup})
	}
	var scripts []*platformScript
	for _, sc := range st.Scripts {
		scripts = append(scripts, &platformScript{id: sc.ID, displayName: sc.DisplayName, fileName: sc.FileName, runAsAccount: sc.RunAsAccount, created: sc.Created})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prep.scripts = scripts
	// In place: routes registered at start hold method values bound to these structs.
	pol.appOnlyCaller, pol.ignored = s.policy.appOnlyCaller, s.policy.ignored
	s.nextID, *s.autopilot, *s.directory, *s.policy = st.NextID, *a, *dir, *pol
	return nil
}
