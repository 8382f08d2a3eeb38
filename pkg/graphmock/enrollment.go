package graphmock

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the Intune enrollment side: Enrollment Status Pages (deviceEnrollmentConfigurations) and
// Autopilot deployment profiles, their assignments, and the profile each Autopilot device ends up with.

const (
	espPath      = "/deviceManagement/deviceEnrollmentConfigurations"
	profilesPath = "/deviceManagement/windowsAutopilotDeploymentProfiles"
	espType      = "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration"
)

// policyState holds the Intune policies: ESPs, deployment profiles and configuration policies.
type policyState struct {
	esps     []*enrollmentConfig
	profiles []*deploymentProfile // creation order: the oldest wins when several target a device
	policies []*configurationPolicy
	apps     []*SeedMobileApp // the app catalogue (mobileapps.go)
	// appOnlyCaller reproduces the known 500 of set/clearEnrollmentTimeDeviceMembershipTarget under
	// application-only tokens (docs/graph.md#device-preparation-and-enrollment-time-grouping); tests set it.
	appOnlyCaller bool
	// ignored are properties ESP and profile writes accept and silently drop, as the v1.0 endpoint drops
	// most ESP properties (docs/graph.md#enrollment-status-page); tests set it through IgnoreProperty.
	ignored map[string]bool
}

// IgnoreProperty makes ESP and deployment-profile writes accept the property and silently not keep it, so a
// test can check that a client's read-back notices a dropped field.
func (s *Server) IgnoreProperty(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy.ignored == nil {
		s.policy.ignored = map[string]bool{}
	}
	s.policy.ignored[name] = true
}

// dropIgnored removes the ignored properties from a write's body.
func (s *Server) dropIgnored(body map[string]any) {
	for k := range s.policy.ignored {
		delete(body, k)
	}
}

type enrollmentConfig struct {
	id                string
	isDefault         bool
	priority, version int
	created, modified time.Time
	props             map[string]any // writable properties as last set
	assignments       []map[string]any
}

type deploymentProfile struct {
	id, odataType     string
	created, modified time.Time
	props             map[string]any
	assignments       []map[string]any
}

// fieldKind is the JSON type a property must have.
type fieldKind int

const (
	kindBool fieldKind = iota
	kindString
	kindInt
	kindStrings
	kindObject
)

// field describes one property of a Graph type the mock validates.
type field struct {
	kind   fieldKind
	enum   []string // allowed string values, when set
	nested *schema  // for kindObject
	max    int      // maximum string length or integer value, when set
	min    int
}

// schema is a Graph type's writable properties.
type schema struct {
	name   string // e.g. "outOfBoxExperienceSetting"
	fields map[string]field
}

func (sc *schema) names() []string { return slices.Sorted(maps.Keys(sc.fields)) }

// check validates obj against sc: unknown properties, JSON types, enums and bounds. null is accepted.
func (sc *schema) check(obj map[string]any) *apiError {
	bad := func(format string, args ...any) *apiError {
		return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: fmt.Sprintf(format, args...)}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		f, ok := sc.fields[k]
		switch {
		case k == "@odata.type" || v == nil && ok:
			continue
		case !ok:
			return bad("Property '%s' does not exist on type 'microsoft.graph.%s'", k, sc.name)
		}
		want := [...]string{"a boolean", "a string", "an integer", "an array of strings", "an object"}[f.kind]
		var err *apiError
		switch f.kind {
		case kindBool:
			_, err = prop[bool](obj, sc.name, k, want)
		case kindString:
			var s string
			if s, err = prop[string](obj, sc.name, k, want); err == nil && f.enum != nil && !slices.Contains(f.enum, s) {
				return bad("Property '%s' on type 'microsoft.graph.%s' has the invalid value '%s'; allowed: %s.", k, sc.name, s, strings.Join(f.enum, ", "))
			} else if err == nil && f.max > 0 && len([]rune(s)) > f.max {
				return bad("Property '%s' on type 'microsoft.graph.%s' is longer than %d characters.", k, sc.name, f.max)
			}
		case kindInt:
			var n float64
			if n, err = prop[float64](obj, sc.name, k, want); err == nil && (n != math.Trunc(n) || f.max > 0 && (n < float64(f.min) || n > float64(f.max))) {
				return bad("Property '%s' on type 'microsoft.graph.%s' must be an integer from %d to %d.", k, sc.name, f.min, f.max)
			}
		case kindStrings:
			_, err = stringList(obj, sc.name, k)
		case kindObject:
			var m map[string]any
			if m, err = prop[map[string]any](obj, sc.name, k, want); err == nil {
				err = f.nested.check(m)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func boolFields(names ...string) map[string]field {
	m := map[string]field{}
	for _, n := range names {
		m[n] = field{kind: kindBool}
	}
	return m
}

func withFields(base map[string]field, extra map[string]field) map[string]field {
	for k, v := range extra {
		base[k] = v
	}
	return base
}

var (
	userTypes        = []string{"administrator", "standard"}
	deviceUsageTypes = []string{"singleUser", "shared"}

	espSchema = &schema{name: "windows10EnrollmentCompletionPageConfiguration", fields: withFields(boolFields(
		"showInstallationProgress", "blockDeviceSetupRetryByUser", "allowDeviceResetOnInstallFailure",
		"allowLogCollectionOnInstallFailure", "allowDeviceUseOnInstallFailure", "trackInstallProgressForAutopilotOnly",
		"disableUserStatusTrackingAfterFirstUser", "installQualityUpdates", "allowNonBlockingAppInstallation"),
		map[string]field{
			"displayName": {kind: kindString}, "description": {kind: kindString}, "roleScopeTagIds": {kind: kindStrings},
			"customErrorMessage": {kind: kindString, max: 10000}, "selectedMobileAppIds": {kind: kindStrings},
			// 0 is what the built-in default holds; with the page shown the service wants 1–1440 (espRefusal).
			"installProgressTimeoutInMinutes": {kind: kindInt, min: 0, max: 1440},
		})}

	oobeSettingSchema = &schema{name: "outOfBoxExperienceSetting", fields: withFields(boolFields(
		"privacySettingsHidden", "eulaHidden", "keyboardSelectionPageSkipped", "escapeLinkHidden"),
		map[string]field{"userType": {kind: kindString, enum: userTypes}, "deviceUsageType": {kind: kindString, enum: deviceUsageTypes}})}
	oobeSettingsSchema = &schema{name: "outOfBoxExperienceSettings", fields: withFields(boolFields(
		"hidePrivacySettings", "hideEULA", "skipKeyboardSelectionPage", "hideEscapeLink"),
		map[string]field{"userType": {kind: kindString, enum: userTypes}, "deviceUsageType": {kind: kindString, enum: deviceUsageTypes}})}
	profileESPSchema = &schema{name: "windowsEnrollmentStatusScreenSettings", fields: withFields(boolFields(
		"hideInstallationProgress", "allowDeviceUseBeforeProfileAndAppInstallComplete", "blockDeviceSetupRetryByUser",
		"allowLogCollectionOnInstallFailure", "allowDeviceUseOnInstallFailure"),
		map[string]field{"customErrorMessage": {kind: kindString}, "installProgressTimeoutInMinutes": {kind: kindInt, min: 1, max: 1440}})}

	profileFields = withFields(boolFields("enableWhiteGlove", "preprovisioningAllowed", "extractHardwareHash", "hardwareHashExtractionEnabled"),
		map[string]field{
			"displayName": {kind: kindString, max: 200}, "description": {kind: kindString, max: 1500},
			"language": {kind: kindString}, "locale": {kind: kindString}, "deviceNameTemplate": {kind: kindString},
			"deviceType":      {kind: kindString, enum: []string{"windowsPc", "holoLens", "surfaceHub2", "surfaceHub2S", "virtualMachine"}},
			"roleScopeTagIds": {kind: kindStrings}, "managementServiceAppId": {kind: kindString},
			"outOfBoxExperienceSetting":      {kind: kindObject, nested: oobeSettingSchema},
			"outOfBoxExperienceSettings":     {kind: kindObject, nested: oobeSettingsSchema},
			"enrollmentStatusScreenSettings": {kind: kindObject, nested: profileESPSchema},
		})
	// profileSchemas maps each creatable profile @odata.type to its schema and recording.
	profileSchemas = map[string]*schema{
		"#microsoft.graph.azureADWindowsAutopilotDeploymentProfile": {name: "azureADWindowsAutopilotDeploymentProfile", fields: profileFields},
		"#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile": {name: "activeDirectoryWindowsAutopilotDeploymentProfile",
			fields: withFields(map[string]field{"hybridAzureADJoinSkipConnectivityCheck": {kind: kindBool}}, profileFields)},
	}

	targetFilter = map[string]field{"deviceAndAppManagementAssignmentFilterId": {kind: kindString},
		"deviceAndAppManagementAssignmentFilterType": {kind: kindString, enum: []string{"none", "include", "exclude"}}}
	// assignmentTargets are the deviceAndAppManagementAssignmentTarget types (SDK v0.165.0).
	assignmentTargets = map[string]*schema{
		"#microsoft.graph.groupAssignmentTarget":            {name: "groupAssignmentTarget", fields: withFields(map[string]field{"groupId": {kind: kindString}}, targetFilter)},
		"#microsoft.graph.exclusionGroupAssignmentTarget":   {name: "exclusionGroupAssignmentTarget", fields: withFields(map[string]field{"groupId": {kind: kindString}}, targetFilter)},
		"#microsoft.graph.allDevicesAssignmentTarget":       {name: "allDevicesAssignmentTarget", fields: targetFilter},
		"#microsoft.graph.allLicensedUsersAssignmentTarget": {name: "allLicensedUsersAssignmentTarget", fields: targetFilter},
	}
)

func intuneBadRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "BadRequest", message: fmt.Sprintf(format, args...), intune: true}
}

// assignmentTarget validates an assignment's target and returns it with Graph's defaults filled in.
func (s *Server) assignmentTarget(assignment map[string]any) (map[string]any, *apiError) {
	target, err := prop[map[string]any](assignment, "assignment", "target", "an object")
	if err != nil {
		return nil, err
	}
	typ, _ := target["@odata.type"].(string)
	sc, ok := assignmentTargets[typ]
	if target == nil || !ok {
		return nil, intuneBadRequest("Assignment target @odata.type '%s' is not one of groupAssignmentTarget, exclusionGroupAssignmentTarget, allDevicesAssignmentTarget, allLicensedUsersAssignmentTarget.", typ)
	}
	if err := sc.check(target); err != nil {
		return nil, err
	}
	out := map[string]any{"@odata.type": typ, "deviceAndAppManagementAssignmentFilterId": nil, "deviceAndAppManagementAssignmentFilterType": "none"}
	for k, v := range target {
		if v != nil {
			out[k] = v
		}
	}
	if _, ok := sc.fields["groupId"]; ok {
		id, _ := target["groupId"].(string)
		if s.group(id) == nil {
			return nil, intuneBadRequest("Assignment target group '%s' was not found.", id)
		}
	}
	return out, nil
}

// assignments validates a list of assignment objects and returns their targets.
func (s *Server) assignments(list []any, allowed ...string) ([]map[string]any, *apiError) {
	var targets []map[string]any
	for i, a := range list {
		obj, ok := a.(map[string]any)
		if !ok {
			return nil, intuneBadRequest("Assignment %d is not an object.", i)
		}
		for k := range obj {
			if !slices.Contains(append([]string{"@odata.type", "id", "source", "sourceId", "target"}, allowed...), k) {
				return nil, intuneBadRequest("Property '%s' does not exist on the assignment.", k)
			}
		}
		t, err := s.assignmentTarget(obj)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// targetKey identifies a target within one policy's assignments, for assignment ids.
func targetKey(target map[string]any) string {
	if id, ok := target["groupId"].(string); ok {
		return id
	}
	return strings.TrimPrefix(target["@odata.type"].(string), "#microsoft.graph.")
}

func (s *Server) registerEnrollment() {
	s.policy = &policyState{}
	s.registerESPs()
	s.registerProfiles()
	s.registerMobileApps()
	s.deploymentProfileEntity = func(id string) (map[string]any, bool) {
		if p := s.profile(id); p != nil {
			return s.profileEntity(p), true
		}
		return nil, false
	}
}

// --- Enrollment Status Pages ---

func (s *Server) registerESPs() {
	withESP := byID(s.esp, intuneMissing("deviceEnrollmentConfiguration"))
	now := s.opts.Clock.Now()
	// The built-in default as captured from live tenants: priority 0, no creation time, no scope tags, the
	// page off with a 0-minute timeout and retry blocked (docs/graph.md#enrollment-status-page).
	s.policy.esps = []*enrollmentConfig{{
		id: s.newID() + "_DefaultWindows10EnrollmentCompletionPageConfiguration", isDefault: true, version: 1, modified: now,
		props: map[string]any{"displayName": "All users and all devices",
			"description":     "This is the default enrollment status screen configuration applied with the lowest priority to all users and all devices regardless of group membership.",
			"roleScopeTagIds": []any{}, "installProgressTimeoutInMinutes": 0, "blockDeviceSetupRetryByUser": true},
	}}
	s.handle("GET "+espPath, filteredList(func() []map[string]any {
		items := make([]map[string]any, 0, len(s.policy.esps))
		for _, e := range s.sortedESPs() {
			items = append(items, s.espEntity(e))
		}
		return items
	}, "eq:deviceEnrollmentConfigurationType"))
	s.handle("POST "+espPath, func(c *call) {
		// priority and version are read-only: the service assigns them and ignores what is sent.
		body, ok := c.Decode(nil, append(espSchema.names(), "priority", "version"))
		if !ok {
			return
		}
		s.dropIgnored(body)
		e, err := s.createESP(c.Now(), body)
		c.created("deviceManagement/deviceEnrollmentConfigurations/$entity", err, func() map[string]any { return s.espEntity(e) })
	})
	s.handle("GET "+espPath+"/{id}", withESP(func(c *call, e *enrollmentConfig) {
		c.entity(http.StatusOK, "deviceManagement/deviceEnrollmentConfigurations/$entity", s.espEntity(e))
	}))
	s.handle("PATCH "+espPath+"/{id}", withESP(func(c *call, e *enrollmentConfig) {
		body, ok := c.Decode(nil, append(espSchema.names(), "priority"))
		if !ok {
			return
		}
		if _, sent := body["priority"]; sent {
			c.fail(intuneBadRequest("Priority can't be updated with PATCH; use the setPriority action."))
			return
		}
		// A PATCH carrying only some properties fails model validation on the live service: the whole
		// typed object must be sent (docs/graph.md#enrollment-status-page).
		for _, k := range append([]string{"@odata.type"}, espSchema.names()...) {
			if _, sent := body[k]; !sent {
				c.fail(&apiError{status: http.StatusBadRequest, code: "ModelValidationFailure", intune: true,
					message: fmt.Sprintf("Model validation failed: '%s' is missing; send the complete %s.", k, espSchema.name)})
				return
			}
		}
		if typ, _ := body["@odata.type"].(string); typ != espType {
			c.fail(&apiError{status: http.StatusBadRequest, code: "ModelValidationFailure", intune: true,
				message: fmt.Sprintf("Model validation failed: @odata.type '%s' is not %s.", typ, espType)})
			return
		}
		s.dropIgnored(body)
		if err := espSchema.check(body); err != nil {
			c.fail(err)
			return
		}
		merged := cloneMap(e.props)
		setProps(merged, body)
		if err := s.espRefusal(merged); err != nil {
			c.fail(err)
			return
		}
		e.props = merged
		e.version++
		e.modified = c.Now()
		c.NoContent()
	}))
	s.handle("DELETE "+espPath+"/{id}", withESP(func(c *call, e *enrollmentConfig) {
		if e.isDefault {
			c.fail(intuneBadRequest("The default Enrollment Status Page configuration can't be deleted."))
			return
		}
		s.policy.esps = slices.DeleteFunc(s.policy.esps, func(o *enrollmentConfig) bool { return o == e })
		s.renumberESPs()
		c.NoContent()
	}))
	s.handle("POST "+espPath+"/{id}/assign", withESP(func(c *call, e *enrollmentConfig) {
		body, ok := c.Decode([]string{"enrollmentConfigurationAssignments"}, nil)
		if !ok {
			return
		}
		if e.isDefault {
			c.fail(intuneBadRequest("The default Enrollment Status Page configuration applies to all users and all devices and can't be assigned."))
			return
		}
		list, err := prop[[]any](body, "deviceEnrollmentConfiguration", "enrollmentConfigurationAssignments", "an array")
		if err != nil {
			c.fail(err)
			return
		}
		targets, err := s.assignments(list)
		if err != nil {
			c.fail(err)
			return
		}
		e.assignments = targets
		c.NoContent()
	}))
	s.handle("GET "+espPath+"/{id}/assignments", withESP(func(c *call, e *enrollmentConfig) {
		c.Page(s.assignmentEntities("get-enrollmentConfigurationAssignment", e.id, e.assignments))
	}))
	// The assignments navigation can be read, but not written: only /assign changes them
	// (docs/graph.md#enrollment-status-page).
	noRoute := func(c *call) {
		c.fail(intuneBadRequest("No OData route exists that match template ~/singleton/navigation/key/navigation with http verb %s for request %s.", c.R.Method, c.path))
	}
	s.handle("POST "+espPath+"/{id}/assignments", noRoute)
	s.handle("DELETE "+espPath+"/{id}/assignments/{aid}", noRoute)
	s.handle("POST "+espPath+"/{id}/setPriority", withESP(func(c *call, e *enrollmentConfig) {
		body, ok := c.Decode([]string{"priority"}, nil)
		if !ok {
			return
		}
		n, err := prop[float64](body, "deviceEnrollmentConfiguration", "priority", "an integer")
		switch {
		case err != nil:
			c.fail(err)
		case e.isDefault:
			c.fail(intuneBadRequest("The default Enrollment Status Page configuration always has priority 0."))
		case n < 1 || n != math.Trunc(n):
			c.fail(intuneBadRequest("Priority must be a whole number of at least 1; got %v.", n))
		case int(n) == e.priority:
			// Asking for the priority a configuration already has draws a generic error
			// (docs/graph.md#enrollment-status-page).
			c.fail(intuneBadRequest("An error has occurred"))
		default:
			s.moveESP(e, int(n))
			c.NoContent()
		}
	}))
}

func (s *Server) createESP(now time.Time, body map[string]any) (*enrollmentConfig, *apiError) {
	if typ, _ := body["@odata.type"].(string); typ != espType {
		return nil, intuneBadRequest("@odata.type '%s' can't be created here: this mock creates only %s.", typ, espType)
	}
	delete(body, "priority")
	delete(body, "version")
	if err := espSchema.check(body); err != nil {
		return nil, err
	}
	if name, _ := body["displayName"].(string); name == "" {
		return nil, intuneBadRequest("displayName is required.")
	}
	if err := s.espRefusal(body); err != nil {
		return nil, err
	}
	e := &enrollmentConfig{id: s.newID() + "_Windows10EnrollmentCompletionPageConfiguration", version: 1, created: now, modified: now, props: map[string]any{}}
	setProps(e.props, body)
	for _, o := range s.policy.esps {
		e.priority = max(e.priority, o.priority+1)
	}
	s.policy.esps = append(s.policy.esps, e)
	return e, nil
}

// espRefusal applies the rules the service enforces across an ESP's properties (docs/graph.md#enrollment-status-page):
// with blockDeviceSetupRetryByUser, no blocking apps and no reset, use or non-blocking install on failure
// (an opaque 400 on the live service); a shown page needs a timeout; blocking apps must exist.
func (s *Server) espRefusal(props map[string]any) *apiError {
	apps, _ := stringList(props, espSchema.name, "selectedMobileAppIds")
	if props["blockDeviceSetupRetryByUser"] == true && (len(apps) > 0 || props["allowDeviceResetOnInstallFailure"] == true ||
		props["allowDeviceUseOnInstallFailure"] == true || props["allowNonBlockingAppInstallation"] == true) {
		return intuneBadRequest("An error has occurred")
	}
	if timeout, _ := number(props["installProgressTimeoutInMinutes"]); props["showInstallationProgress"] == true && timeout < 1 {
		return intuneBadRequest("installProgressTimeoutInMinutes must be from 1 to 1440 when showInstallationProgress is true.")
	}
	for _, id := range apps {
		if s.mobileApp(id) == nil {
			return intuneBadRequest("Mobile app '%s' was not found.", id)
		}
	}
	return nil
}

// number reads a JSON number, as decoded (float64) or as set in Go (int).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// setProps copies body's properties except @odata.type.
func setProps(dst, body map[string]any) {
	for k, v := range body {
		if k != "@odata.type" {
			dst[k] = v
		}
	}
}

func (s *Server) sortedESPs() []*enrollmentConfig {
	out := slices.Clone(s.policy.esps)
	slices.SortStableFunc(out, func(a, b *enrollmentConfig) int { return a.priority - b.priority })
	return out
}

// moveESP gives e priority n (clamped to the last place) and renumbers the others 1, 2, … around it.
func (s *Server) moveESP(e *enrollmentConfig, n int) {
	order := slices.DeleteFunc(s.sortedESPs(), func(o *enrollmentConfig) bool { return o == e || o.isDefault })
	order = slices.Insert(order, min(n-1, len(order)), e)
	for i, o := range order {
		o.priority = i + 1
	}
}

func (s *Server) renumberESPs() {
	order := slices.DeleteFunc(s.sortedESPs(), func(o *enrollmentConfig) bool { return o.isDefault })
	for i, o := range order {
		o.priority = i + 1
	}
}

func (s *Server) esp(id string) *enrollmentConfig {
	return findID(s.policy.esps, id, func(e *enrollmentConfig) string { return e.id })
}

func (s *Server) espEntity(e *enrollmentConfig) map[string]any {
	// The default reports the ordinary type too (docs/graph.md#enrollment-status-page).
	overlay := map[string]any{"id": e.id, "priority": e.priority, "version": e.version, "deviceEnrollmentConfigurationType": "windows10EnrollmentCompletionPageConfiguration",
		"createdDateTime": graphTime(e.created), "lastModifiedDateTime": graphTime(e.modified)}
	for k, v := range e.props {
		overlay[k] = v
	}
	return s.render("get-windows10EnrollmentCompletionPageConfiguration", overlay)
}

// assignmentEntities renders assignments whose ids are <owner id>_<group id or target type>.
func (s *Server) assignmentEntities(recording, ownerID string, targets []map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(targets))
	for _, t := range targets {
		out = append(out, s.render(recording, map[string]any{"id": ownerID + "_" + targetKey(t), "target": t, "source": "direct", "sourceId": nil}))
	}
	return out
}

// --- Deployment profiles ---

func (s *Server) registerProfiles() {
	withProfile := byID(s.profile, intuneMissing("windowsAutopilotDeploymentProfile"))
	s.handle("GET "+profilesPath, func(c *call) {
		if _, ok := c.filterTerm(); !ok {
			return
		}
		items := make([]map[string]any, 0, len(s.policy.profiles))
		for _, p := range s.policy.profiles {
			items = append(items, s.profileEntity(p))
		}
		c.Page(items)
	})
	s.handle("POST "+profilesPath, func(c *call) {
		sc := profileSchemas[c.bodyType()]
		if sc == nil {
			c.fail(intuneBadRequest("@odata.type must be #microsoft.graph.azureADWindowsAutopilotDeploymentProfile or #microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile."))
			return
		}
		c.Type = sc.name
		body, ok := c.Decode([]string{"displayName"}, sc.names())
		if !ok {
			return
		}
		s.dropIgnored(body)
		p, err := s.createProfile(c.Now(), body)
		c.created("deviceManagement/windowsAutopilotDeploymentProfiles/$entity", err, func() map[string]any { return s.profileEntity(p) })
	})
	s.handle("GET "+profilesPath+"/{id}", withProfile(func(c *call, p *deploymentProfile) {
		c.entity(http.StatusOK, "deviceManagement/windowsAutopilotDeploymentProfiles/$entity", s.profileEntity(p))
	}))
	s.handle("PATCH "+profilesPath+"/{id}", withProfile(func(c *call, p *deploymentProfile) {
		sc := profileSchemas[p.odataType]
		c.Type = sc.name
		body, ok := c.Decode(nil, sc.names())
		if !ok {
			return
		}
		s.dropIgnored(body)
		if err := s.setProfileProps(p, sc, body); err != nil {
			c.fail(err)
			return
		}
		p.modified = c.Now()
		c.NoContent()
	}))
	s.handle("DELETE "+profilesPath+"/{id}", withProfile(func(c *call, p *deploymentProfile) {
		if len(p.assignments) > 0 {
			c.fail(intuneBadRequest("Deployment profile '%s' is assigned to %d group(s); remove its assignments before deleting it.", p.id, len(p.assignments)))
			return
		}
		s.policy.profiles = slices.DeleteFunc(s.policy.profiles, func(o *deploymentProfile) bool { return o == p })
		c.NoContent()
	}))
	s.handle("POST "+profilesPath+"/{id}/assignments", withProfile(func(c *call, p *deploymentProfile) {
		body, ok := c.Decode([]string{"target"}, []string{"id", "source", "sourceId"})
		if !ok {
			return
		}
		a, err := s.assignProfile(p, body)
		c.created("deviceManagement/windowsAutopilotDeploymentProfiles('"+p.id+"')/assignments/$entity", err, func() map[string]any { return a })
	}))
	s.handle("GET "+profilesPath+"/{id}/assignments", withProfile(func(c *call, p *deploymentProfile) {
		c.Page(s.profileAssignments(p))
	}))
	s.handle("DELETE "+profilesPath+"/{id}/assignments/{aid}", withProfile(func(c *call, p *deploymentProfile) {
		for i, a := range s.profileAssignments(p) {
			if strings.EqualFold(a["id"].(string), c.Param("aid")) {
				p.assignments = slices.Delete(p.assignments, i, i+1)
				s.applyProfileAssignments()
				c.NoContent()
				return
			}
		}
		c.intuneError(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The windowsAutopilotDeploymentProfileAssignment with id '%s' was not found.", c.Param("aid")))
	}))
	s.handle("GET "+profilesPath+"/{id}/assignedDevices", withProfile(func(c *call, p *deploymentProfile) {
		var items []map[string]any
		for _, d := range s.autopilot.devices {
			if d.deploymentProfileID == p.id {
				items = append(items, s.deviceEntity(d, nil))
			}
		}
		c.Page(items)
	}))
}

// bodyType is the request body's @odata.type, "" when absent or the body is not a JSON object.
func (c *call) bodyType() string {
	var probe struct {
		Type string `json:"@odata.type"`
	}
	if json.Unmarshal(c.Body, &probe) != nil {
		return ""
	}
	return probe.Type
}

func (s *Server) createProfile(now time.Time, body map[string]any) (*deploymentProfile, *apiError) {
	typ := body["@odata.type"].(string)
	p := &deploymentProfile{id: s.newID(), odataType: typ, created: now, modified: now, props: map[string]any{}}
	if err := s.setProfileProps(p, profileSchemas[typ], body); err != nil {
		return nil, err
	}
	s.policy.profiles = append(s.policy.profiles, p)
	return p, nil
}

// profileAliases pairs each deprecated profile property with its replacement; the service keeps both in step.
var profileAliases = [][2]string{{"language", "locale"}, {"enableWhiteGlove", "preprovisioningAllowed"},
	{"extractHardwareHash", "hardwareHashExtractionEnabled"}, {"outOfBoxExperienceSettings", "outOfBoxExperienceSetting"}}

// oobeAliases pairs outOfBoxExperienceSettings members with their outOfBoxExperienceSetting names.
var oobeAliases = map[string]string{"hidePrivacySettings": "privacySettingsHidden", "hideEULA": "eulaHidden",
	"skipKeyboardSelectionPage": "keyboardSelectionPageSkipped", "hideEscapeLink": "escapeLinkHidden",
	"userType": "userType", "deviceUsageType": "deviceUsageType"}

// setProfileProps validates body and merges it into p, filling nested objects from the recorded defaults
// and mirroring each deprecated property and its replacement.
func (s *Server) setProfileProps(p *deploymentProfile, sc *schema, body map[string]any) *apiError {
	if err := sc.check(body); err != nil {
		return err
	}
	// A self-deploying (shared) profile that names a userType is refused (docs/graph.md#deployment-profiles).
	for _, key := range []string{"outOfBoxExperienceSetting", "outOfBoxExperienceSettings"} {
		if oobe, _ := body[key].(map[string]any); oobe["deviceUsageType"] == "shared" && oobe["userType"] != nil {
			return intuneBadRequest("userType can't be set on a profile whose deviceUsageType is shared.")
		}
	}
	if tmpl, _ := body["deviceNameTemplate"].(string); tmpl != "" {
		if p.odataType != "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile" {
			return intuneBadRequest("deviceNameTemplate applies only to Microsoft Entra join profiles; hybrid join names devices through the domain join configuration.")
		}
		if err := checkDeviceNameTemplate(tmpl); err != nil {
			return err
		}
	}
	defaults := s.render("get-"+strings.TrimPrefix(p.odataType, "#microsoft.graph."), nil)
	for k, v := range body {
		if k == "@odata.type" {
			continue
		}
		if nested, ok := v.(map[string]any); ok {
			merged, _ := p.props[k].(map[string]any)
			if merged == nil {
				merged, _ = defaults[k].(map[string]any)
			}
			merged = cloneMap(merged)
			setProps(merged, nested)
			v = merged
		}
		p.props[k] = v
	}
	for _, pair := range profileAliases {
		old, cur := pair[0], pair[1]
		switch _, sentOld := body[old]; {
		case body[cur] != nil:
			p.props[old] = mirrorOOBE(old, p.props[cur], true)
		case sentOld && body[old] != nil:
			p.props[cur] = mirrorOOBE(cur, p.props[old], false)
		}
	}
	return nil
}

// mirrorOOBE converts an out-of-box-experience object between its two spellings; other values pass through.
func mirrorOOBE(to string, v any, toOld bool) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{"@odata.type": "microsoft.graph." + to}
	for oldName, newName := range oobeAliases {
		from, dst := newName, oldName
		if !toOld {
			from, dst = oldName, newName
		}
		out[dst] = obj[from]
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

var (
	nameMacro   = regexp.MustCompile(`%SERIAL%|%RAND:(\d+)%`)
	nameLiteral = regexp.MustCompile(`^[A-Za-z0-9-]*$`)
)

// checkDeviceNameTemplate applies the documented rules: at most 15 characters, letters, numbers and
// hyphens, the %SERIAL% and %RAND:x% macros, and not only digits. %SERIAL% counts as one character here.
func checkDeviceNameTemplate(tmpl string) *apiError {
	length, serial := 0, false
	literal := nameMacro.ReplaceAllStringFunc(tmpl, func(m string) string {
		if m == "%SERIAL%" {
			serial = true
			length++
		} else {
			n, _ := strconv.Atoi(nameMacro.FindStringSubmatch(m)[1])
			length += n
		}
		return ""
	})
	bad := func(why string) *apiError {
		return intuneBadRequest("deviceNameTemplate '%s' is invalid: %s.", tmpl, why)
	}
	switch {
	case strings.Contains(literal, "%"):
		return bad("the only macros are %SERIAL% and %RAND:x%")
	case !nameLiteral.MatchString(literal):
		return bad("use only letters, numbers and hyphens")
	case length+len(literal) > 15:
		return bad("names are limited to 15 characters")
	case !serial && strings.Trim(literal, "0123456789") == "":
		return bad("names can't be only numbers")
	}
	return nil
}

func (s *Server) assignProfile(p *deploymentProfile, body map[string]any) (map[string]any, *apiError) {
	targets, err := s.assignments([]any{body})
	if err != nil {
		return nil, err
	}
	t := targets[0]
	switch t["@odata.type"] {
	case "#microsoft.graph.groupAssignmentTarget", "#microsoft.graph.exclusionGroupAssignmentTarget", "#microsoft.graph.allDevicesAssignmentTarget":
	default:
		return nil, intuneBadRequest("A deployment profile can be assigned only to device groups, exclusion groups or all devices.")
	}
	for _, a := range p.assignments {
		if targetKey(a) == targetKey(t) {
			return nil, intuneBadRequest("Deployment profile '%s' is already assigned to '%s'.", p.id, targetKey(t))
		}
	}
	// One profile only may hold All Devices, and it takes no exclusions (docs/graph.md#deployment-profiles).
	has := func(p *deploymentProfile, typ string) bool {
		return slices.ContainsFunc(p.assignments, func(a map[string]any) bool { return a["@odata.type"] == typ })
	}
	const allDev, excl = "#microsoft.graph.allDevicesAssignmentTarget", "#microsoft.graph.exclusionGroupAssignmentTarget"
	if t["@odata.type"] == allDev {
		for _, o := range s.policy.profiles {
			if o != p && has(o, allDev) {
				return nil, intuneBadRequest("Another Profile %s is already assigned to All Devices.", o.id)
			}
		}
	}
	if t["@odata.type"] == allDev && has(p, excl) || t["@odata.type"] == excl && has(p, allDev) {
		return nil, intuneBadRequest("Exclusions aren't supported when a profile is assigned to All Devices.")
	}
	p.assignments = append(p.assignments, t)
	s.applyProfileAssignments()
	all := s.profileAssignments(p)
	return all[len(all)-1], nil
}

// profileAssignments renders p's assignments; ids follow the service's <profile>_<group>_<0 include|1 exclude>.
func (s *Server) profileAssignments(p *deploymentProfile) []map[string]any {
	out := make([]map[string]any, 0, len(p.assignments))
	for _, t := range p.assignments {
		kind := "0"
		if t["@odata.type"] == "#microsoft.graph.exclusionGroupAssignmentTarget" {
			kind = "1"
		}
		out = append(out, s.render("get-windowsAutopilotDeploymentProfileAssignment", map[string]any{
			"id": p.id + "_" + targetKey(t) + "_" + kind, "target": t, "source": "direct", "sourceId": nil}))
	}
	return out
}

func (s *Server) profile(id string) *deploymentProfile {
	return findID(s.policy.profiles, id, func(p *deploymentProfile) string { return p.id })
}

func (s *Server) profileEntity(p *deploymentProfile) map[string]any {
	overlay := map[string]any{"id": p.id, "createdDateTime": graphTime(p.created), "lastModifiedDateTime": graphTime(p.modified)}
	for k, v := range p.props {
		overlay[k] = v
	}
	return s.render("get-"+strings.TrimPrefix(p.odataType, "#microsoft.graph."), overlay)
}

// applyProfileAssignments gives every Autopilot device the oldest profile whose groups include it (and whose
// exclusion groups don't), or else the All Devices holder (the documented rule, docs/graph.md#deployment-profiles),
// through the Autopilot side's setDeviceProfile, and clears a profile no longer targeting it.
// It runs after every change to groups, memberships, profile assignments or the devices themselves
// (registered, retagged, renamed, deleted).
func (s *Server) applyProfileAssignments() {
	members := map[string]map[string]bool{} // group id → lower-cased member ids, computed once per run
	inGroup := func(groupID, deviceID string) bool {
		set, ok := members[groupID]
		if !ok {
			set = map[string]bool{}
			if g := s.group(groupID); g != nil {
				for _, id := range s.groupMembers(g, s.opts.Clock.Now()) {
					set[strings.ToLower(id)] = true
				}
			}
			members[groupID] = set
		}
		return set[strings.ToLower(deviceID)]
	}
	// targets reports whether p includes the device through a group, or through All Devices when byAll.
	targets := func(p *deploymentProfile, deviceID string, byAll bool) bool {
		included := false
		for _, t := range p.assignments {
			switch t["@odata.type"] {
			case "#microsoft.graph.allDevicesAssignmentTarget":
				included = included || byAll
			case "#microsoft.graph.groupAssignmentTarget":
				included = included || inGroup(t["groupId"].(string), deviceID)
			case "#microsoft.graph.exclusionGroupAssignmentTarget":
				if inGroup(t["groupId"].(string), deviceID) {
					return false
				}
			}
		}
		return included
	}
	// Walk the Autopilot devices themselves: looking each up by id made this quadratic in the tenant's size.
	for _, dev := range s.autopilot.devices {
		want := ""
		for _, byAll := range []bool{false, true} {
			for _, p := range s.policy.profiles {
				if want == "" && targets(p, dev.azureAdDeviceID, byAll) {
					want = p.id
				}
			}
		}
		switch {
		case want != "" && dev.deploymentProfileID != want:
			s.setDeviceProfile(dev.id, want, "assignedUnkownSyncState")
		case want == "" && dev.deploymentProfileID != "":
			s.setDeviceProfile(dev.id, "", "notAssigned")
		}
	}
}
