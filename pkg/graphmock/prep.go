package graphmock

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the Autopilot device preparation side: settings-catalog configuration policies built on the
// device-preparation templates, their assignments, and the enrollment-time device group (the current
// EnrollmentTimeDeviceMembershipTarget actions and the older JustInTime ones, which share one binding).

const (
	policiesPath         = "/deviceManagement/configurationPolicies"
	userDrivenTemplateID = "80d33118-b7b4-40d8-b15f-81be745e053f_1"
	automaticTemplateID  = "a6157a7f-aa00-42d9-ac82-7d2479f545db_1"
	settingType          = "#microsoft.graph.deviceManagementConfigurationSetting"
	choiceInstance       = "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance"
	simpleInstance       = "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance"
	collectionInstance   = "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance"
	choiceValue          = "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue"
	stringValue          = "#microsoft.graph.deviceManagementConfigurationStringSettingValue"
	integerValue         = "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue"
)

type configurationPolicy struct {
	id                string
	template          *policyTemplate
	props             map[string]any // name, description, roleScopeTagIds
	settings          []any          // as sent, validated
	created, modified time.Time
	priority          int
	assignments       []map[string]any
	deviceGroup       string // the enrollment-time device group, "" when none is bound
}

// policyTemplate is a device-preparation settings template and the settings it accepts.
type policyTemplate struct {
	id, displayName, displayVersion string
	settings                        map[string]settingTemplate // by settingDefinitionId
}

// settingTemplate is what one setting of a template must look like (docs/graph.md#device-preparation-and-enrollment-time-grouping).
type settingTemplate struct {
	instance                            string // @odata.type of the setting instance
	instanceTemplateID, valueTemplateID string // valueTemplateID "" for collections
	valueType                           string // simple settings: @odata.type of the value
	choices                             []string
	min, max                            int               // integer range; collections: at most max items
	check                               func(string) bool // collection items
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isAppReference checks an allowed-apps item: a JSON string {"id":"<app guid>","type":"#microsoft.graph.<app type>"}.
func isAppReference(v string) bool {
	var app struct{ ID, Type string }
	return json.Unmarshal([]byte(v), &app) == nil && guidPattern.MatchString(app.ID) && strings.HasPrefix(app.Type, "#microsoft.graph.")
}

func choice(instanceTemplateID, valueTemplateID, definition string, values ...int) settingTemplate {
	st := settingTemplate{instance: choiceInstance, instanceTemplateID: instanceTemplateID, valueTemplateID: valueTemplateID}
	for _, v := range values {
		st.choices = append(st.choices, definition+"_"+strconv.Itoa(v))
	}
	return st
}

func collection(instanceTemplateID string, limit int, check func(string) bool) settingTemplate {
	return settingTemplate{instance: collectionInstance, instanceTemplateID: instanceTemplateID, valueType: stringValue, max: limit, check: check}
}

// A policy lists at most 25 apps (since 2026-01-30) and 10 scripts (docs/graph.md#device-preparation-and-enrollment-time-grouping).
const (
	maxPolicyApps    = 25
	maxPolicyScripts = 10
)

// policyTemplates are the two device-preparation templates (IDs from Microsoft365DSC and captured
// admin-center traffic; docs/graph.md#device-preparation-and-enrollment-time-grouping).
var policyTemplates = map[string]*policyTemplate{
	userDrivenTemplateID: {id: userDrivenTemplateID, displayName: "Device Preparation", displayVersion: "Version 1", settings: map[string]settingTemplate{
		"enrollment_autopilot_dpp_deploymentmode":   choice("5180aeab-886e-4589-97d4-40855c646315", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82", "enrollment_autopilot_dpp_deploymentmode", 0),
		"enrollment_autopilot_dpp_deploymenttype":   choice("f4184296-fa9f-4b67-8b12-1723b3f8456b", "e0af022f-37f3-4a40-916d-1ab7281c88d9", "enrollment_autopilot_dpp_deploymenttype", 0),
		"enrollment_autopilot_dpp_jointype":         choice("6310e95d-6cfa-4d2f-aae0-1e7af12e2182", "1fa84eb3-fcfa-4ed6-9687-0f3d486402c4", "enrollment_autopilot_dpp_jointype", 0),
		"enrollment_autopilot_dpp_accountype":       choice("d4f2a840-86d5-4162-9a08-fa8cc608b94e", "bf13bb47-69ef-4e06-97c1-50c2859a49c2", "enrollment_autopilot_dpp_accountype", 0, 1),
		"enrollment_autopilot_dpp_allowskip":        choice("2a71dc89-0f17-4ba9-bb27-af2521d34710", "a2323e5e-ac56-4517-8847-b0a6fdb467e7", "enrollment_autopilot_dpp_allowskip", 0, 1),
		"enrollment_autopilot_dpp_allowdiagnostics": choice("e2b7a81b-f243-4abd-bce3-c1856345f405", "c59d26fd-3460-4b26-b47a-f7e202e7d5a3", "enrollment_autopilot_dpp_allowdiagnostics", 0, 1),
		"enrollment_autopilot_dpp_timeout": {instance: simpleInstance, instanceTemplateID: "6dec0657-dfb8-4906-a7ee-3ac6ee1edecb",
			valueTemplateID: "0bbcce5b-a55a-4e05-821a-94bf576d6cc8", valueType: integerValue, min: 15, max: 720},
		"enrollment_autopilot_dpp_customerrormessage": {instance: simpleInstance, instanceTemplateID: "2ddf0619-2b7a-46de-b29b-c6191e9dda6e",
			valueTemplateID: "fe5002d5-fbe9-4920-9e2d-26bfc4b4cc97", valueType: stringValue},
		"enrollment_autopilot_dpp_devicesecuritygroupids": {instance: simpleInstance, instanceTemplateID: "a46a50ab-3076-4968-9366-75a40dde950e",
			valueTemplateID: "5f7d09e1-1a90-44ad-9c9f-ad90ba509e60", valueType: stringValue},
		"enrollment_autopilot_dpp_allowedappids":    collection("70d22a8a-a03c-4f62-b8df-dded3e327639", maxPolicyApps, isAppReference),
		"enrollment_autopilot_dpp_allowedscriptids": collection("1bc67702-800c-4271-8fd9-609351cc19cf", maxPolicyScripts, guidPattern.MatchString),
	}},
	automaticTemplateID: {id: automaticTemplateID, displayName: "Windows Autopilot device preparation", displayVersion: "1", settings: map[string]settingTemplate{
		"enrollment_autopilot_dpp_allowedappids":    collection("a9dedfd6-c3b2-46d9-ae39-91fd0dcb7a20", maxPolicyApps, isAppReference),
		"enrollment_autopilot_dpp_allowedscriptids": collection("ff20a4a9-a2f4-4a2e-84e0-4cd1dc9bed31", maxPolicyScripts, guidPattern.MatchString),
	}},
}

var policySchema = &schema{name: "deviceManagementConfigurationPolicy", fields: map[string]field{
	"name": {kind: kindString}, "description": {kind: kindString}, "roleScopeTagIds": {kind: kindStrings},
	"platforms": {kind: kindString, enum: []string{"windows10"}}, "technologies": {kind: kindString, enum: []string{"enrollment"}},
	"templateReference": {kind: kindObject, nested: &schema{name: "deviceManagementConfigurationPolicyTemplateReference", fields: map[string]field{
		"templateId": {kind: kindString}, "templateFamily": {kind: kindString, enum: []string{"enrollmentConfiguration"}},
		"templateDisplayName": {kind: kindString}, "templateDisplayVersion": {kind: kindString}}}},
}}

func (s *Server) registerPrep() {
	s.registerPrepTenant()
	withPolicy := byID(s.configurationPolicy, intuneMissing("deviceManagementConfigurationPolicy"))
	s.handle("PATCH "+policiesPath+"/{id}", withPolicy(s.patchPolicy))
	s.handle("PATCH "+policiesPath+"/{id}/settings/{sid}", withPolicy(func(c *call, _ *configurationPolicy) { c.noRoute() }))
	s.handle("POST "+policiesPath+"/{id}/reorder", withPolicy(s.reorder))
	s.handle("GET "+policiesPath, s.listPolicies)
	s.handle("POST "+policiesPath, func(c *call) {
		body, ok := c.policyBody()
		if !ok {
			return
		}
		p := &configurationPolicy{id: s.newID(), created: c.Now()}
		if err := s.setPolicy(p, body, c.Now()); err != nil {
			c.fail(err)
			return
		}
		for _, o := range s.policy.policies {
			p.priority = max(p.priority, o.priority)
		}
		p.priority++
		s.policy.policies = append(s.policy.policies, p)
		c.entity(http.StatusCreated, "deviceManagement/configurationPolicies/$entity", s.policyEntity(p, false))
	})
	s.handle("GET "+policiesPath+"/{id}", withPolicy(func(c *call, p *configurationPolicy) {
		expand := c.R.URL.Query().Get("$expand")
		if expand != "" && expand != "settings" {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.deviceManagementConfigurationPolicy'.", expand))
			return
		}
		c.entity(http.StatusOK, "deviceManagement/configurationPolicies/$entity", s.policyEntity(p, expand == "settings"))
	}))
	s.handle("GET "+policiesPath+"/{id}/settings", withPolicy(func(c *call, p *configurationPolicy) { c.Page(policySettings(p)) }))
	s.handle("PUT "+policiesPath+"/{id}", withPolicy(func(c *call, p *configurationPolicy) {
		body, ok := c.policyBody()
		if !ok {
			return
		}
		if ref, _ := body["templateReference"].(map[string]any); !strings.EqualFold(fmt.Sprint(ref["templateId"]), p.template.id) {
			c.fail(intuneBadRequest("templateReference.templateId can't change: policy '%s' uses template '%s'.", p.id, p.template.id))
			return
		}
		if err := s.setPolicy(p, body, c.Now()); err != nil {
			c.fail(err)
			return
		}
		c.NoContent()
	}))
	s.handle("DELETE "+policiesPath+"/{id}", withPolicy(func(c *call, p *configurationPolicy) {
		s.policy.policies = slices.DeleteFunc(s.policy.policies, func(o *configurationPolicy) bool { return o == p })
		c.NoContent()
	}))
	s.handle("POST "+policiesPath+"/{id}/assign", withPolicy(func(c *call, p *configurationPolicy) {
		body, ok := c.Decode([]string{"assignments"}, nil)
		if !ok {
			return
		}
		list, err := prop[[]any](body, "deviceManagementConfigurationPolicy", "assignments", "an array")
		if err == nil {
			p.assignments, err = s.assignments(list)
		}
		if err != nil {
			c.fail(err)
			return
		}
		c.JSON(http.StatusOK, map[string]any{
			"@odata.context": s.rootURL(c.R) + "/beta/$metadata#Collection(microsoft.graph.deviceManagementConfigurationPolicyAssignment)",
			"value":          s.assignmentEntities("get-deviceManagementConfigurationPolicyAssignment", p.id, p.assignments),
		})
	}))
	s.handle("GET "+policiesPath+"/{id}/assignments", withPolicy(func(c *call, p *configurationPolicy) {
		c.Page(s.assignmentEntities("get-deviceManagementConfigurationPolicyAssignment", p.id, p.assignments))
	}))
	s.handle("GET /deviceManagement/configurationPolicyTemplates/{id}", func(c *call) {
		t := policyTemplates[strings.ToLower(c.Param("id"))]
		if t == nil {
			c.notFound("deviceManagementConfigurationPolicyTemplate")
			return
		}
		base, version, _ := strings.Cut(t.id, "_")
		n, _ := strconv.Atoi(version)
		c.entity(http.StatusOK, "deviceManagement/configurationPolicyTemplates/$entity", s.render("get-deviceManagementConfigurationPolicyTemplate", map[string]any{
			"id": t.id, "baseId": base, "version": n, "displayName": t.displayName, "displayVersion": t.displayVersion,
			"settingTemplateCount": len(t.settings)}))
	})
	s.registerDeviceGroupActions(withPolicy)
}

// policyBody decodes a create or full-replace body.
func (c *call) policyBody() (map[string]any, bool) {
	return c.Decode([]string{"name", "platforms", "technologies", "templateReference"}, append(policySchema.names(), "settings"))
}

// setPolicy validates body against the policy schema and the template's settings, then stores it in p.
func (s *Server) setPolicy(p *configurationPolicy, body map[string]any, now time.Time) *apiError {
	props := cloneMap(body)
	delete(props, "settings") // checked setting by setting against the template below
	if err := policySchema.check(props); err != nil {
		return err
	}
	ref := body["templateReference"].(map[string]any)
	id, _ := ref["templateId"].(string)
	t := policyTemplates[strings.ToLower(id)]
	if t == nil {
		return intuneBadRequest("templateReference.templateId '%s' is not a device preparation template (%s user-driven, %s automatic).", id, userDrivenTemplateID, automaticTemplateID)
	}
	settings, err := prop[[]any](body, "deviceManagementConfigurationPolicy", "settings", "an array")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, raw := range settings {
		def, err := t.checkSetting(raw)
		if err == nil && seen[def] {
			err = fmt.Errorf("setting %q appears twice", def)
		}
		if err != nil {
			return intuneBadRequest("settings[%d]: %v", i, err)
		}
		seen[def] = true
	}
	p.template, p.settings, p.modified = t, settings, now
	p.props = map[string]any{"name": body["name"], "description": body["description"], "roleScopeTagIds": body["roleScopeTagIds"]}
	return nil
}

// checkSetting validates one deviceManagementConfigurationSetting against t and returns its definition id.
func (t *policyTemplate) checkSetting(raw any) (string, error) {
	setting, ok := raw.(map[string]any)
	if !ok {
		return "", fmt.Errorf("not an object")
	}
	if err := onlyKeys(setting, settingType, "id", "settingInstance"); err != nil {
		return "", err
	}
	inst, _ := setting["settingInstance"].(map[string]any)
	if inst == nil {
		return "", fmt.Errorf("settingInstance is required")
	}
	def, _ := inst["settingDefinitionId"].(string)
	st, ok := t.settings[strings.ToLower(def)]
	switch typ, _ := inst["@odata.type"].(string); {
	case !ok:
		return "", fmt.Errorf("settingDefinitionId %q is not part of template %s (%s)", def, t.id, t.displayName)
	case typ != st.instance:
		return def, fmt.Errorf("%s: settingInstance @odata.type is %q, want %q", def, typ, st.instance)
	}
	valueKey := map[string]string{choiceInstance: "choiceSettingValue", simpleInstance: "simpleSettingValue", collectionInstance: "simpleSettingCollectionValue"}[st.instance]
	if err := onlyKeys(inst, st.instance, "settingDefinitionId", "settingInstanceTemplateReference", valueKey); err != nil {
		return def, fmt.Errorf("%s: %v", def, err)
	}
	if got := templateID(inst, "settingInstanceTemplateReference", "settingInstanceTemplateId"); got != st.instanceTemplateID {
		return def, fmt.Errorf("%s: settingInstanceTemplateId is %q, want %q", def, got, st.instanceTemplateID)
	}
	if st.instance == collectionInstance {
		items, _ := inst[valueKey].([]any)
		if len(items) > st.max {
			return def, fmt.Errorf("%s: at most %d values; got %d", def, st.max, len(items))
		}
		for j, item := range items {
			if err := st.checkValue(item, fmt.Sprintf("%s[%d]", valueKey, j)); err != nil {
				return def, fmt.Errorf("%s: %v", def, err)
			}
		}
		return def, nil
	}
	if err := st.checkValue(inst[valueKey], valueKey); err != nil {
		return def, fmt.Errorf("%s: %v", def, err)
	}
	return def, nil
}

// checkValue validates a setting value object (choice, simple, or a collection item) named where.
func (st settingTemplate) checkValue(raw any, where string) error {
	v, _ := raw.(map[string]any)
	if v == nil {
		return fmt.Errorf("%s is required", where)
	}
	wantType := st.valueType
	if st.instance == choiceInstance {
		wantType = choiceValue
	}
	typ, _ := v["@odata.type"].(string)
	if typ != wantType && !(typ == "" && st.instance == choiceInstance) {
		return fmt.Errorf("%s @odata.type is %q, want %q", where, typ, wantType)
	}
	keys := []string{"value", "settingValueTemplateReference"}
	if st.instance == choiceInstance {
		keys = append(keys, "children")
	}
	if err := onlyKeys(v, wantType, keys...); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	if st.valueTemplateID != "" {
		if got := templateID(v, "settingValueTemplateReference", "settingValueTemplateId"); got != st.valueTemplateID {
			return fmt.Errorf("%s settingValueTemplateId is %q, want %q", where, got, st.valueTemplateID)
		}
	}
	if children, _ := v["children"].([]any); len(children) > 0 {
		return fmt.Errorf("%s: this setting has no child settings", where)
	}
	switch value := v["value"].(type) {
	case string:
		switch {
		case st.choices != nil && !slices.Contains(st.choices, value):
			return fmt.Errorf("%s value %q is not one of %s", where, value, strings.Join(st.choices, ", "))
		case st.valueType == integerValue:
			return fmt.Errorf("%s value must be an integer", where)
		case st.check != nil && !st.check(value):
			return fmt.Errorf("%s value %q is not a valid reference", where, value)
		}
	case float64:
		if st.valueType != integerValue || value != math.Trunc(value) || value < float64(st.min) || value > float64(st.max) {
			return fmt.Errorf("%s value %v must be an integer from %d to %d", where, value, st.min, st.max)
		}
	default:
		return fmt.Errorf("%s value is missing or of the wrong type", where)
	}
	return nil
}

// onlyKeys refuses properties outside keys; @odata.type is always allowed.
func onlyKeys(obj map[string]any, typ string, keys ...string) error {
	for k := range obj {
		if k != "@odata.type" && !slices.Contains(keys, k) {
			return fmt.Errorf("property '%s' does not exist on type '%s'", k, strings.TrimPrefix(typ, "#"))
		}
	}
	return nil
}

// templateID reads obj[ref][key], "" when missing.
func templateID(obj map[string]any, ref, key string) string {
	m, _ := obj[ref].(map[string]any)
	s, _ := m[key].(string)
	return s
}

func (s *Server) configurationPolicy(id string) *configurationPolicy {
	return findID(s.policy.policies, id, func(p *configurationPolicy) string { return p.id })
}

func (s *Server) policyEntity(p *configurationPolicy, withSettings bool) map[string]any {
	overlay := map[string]any{
		"id": p.id, "platforms": "windows10", "technologies": "enrollment", "settingCount": len(p.settings),
		"createdDateTime": graphTime(p.created), "lastModifiedDateTime": graphTime(p.modified), "isAssigned": len(p.assignments) > 0,
		"priorityMetaData": map[string]any{"priority": p.priority},
		"templateReference": map[string]any{"templateId": p.template.id, "templateFamily": "enrollmentConfiguration",
			"templateDisplayName": p.template.displayName, "templateDisplayVersion": p.template.displayVersion},
	}
	for k, v := range p.props {
		if v != nil {
			overlay[k] = v
		}
	}
	obj := s.render("get-deviceManagementConfigurationPolicy", overlay)
	if withSettings {
		obj["settings"] = policySettings(p)
	}
	return obj
}

// policySettings returns the stored settings with the ids the service gives them ("0", "1", …).
func policySettings(p *configurationPolicy) []map[string]any {
	out := make([]map[string]any, 0, len(p.settings))
	for i, raw := range p.settings {
		setting := cloneMap(raw.(map[string]any))
		setting["@odata.type"], setting["id"] = settingType, strconv.Itoa(i)
		out = append(out, setting)
	}
	return out
}

// policyClause is one clause of the configurationPolicies $filter the Intune tools send, e.g.
// "(technologies has 'enrollment')" or "templateReference/templateFamily eq 'enrollmentConfiguration'".
var policyClause = regexp.MustCompile(`^\(?\s*(name|platforms|technologies|templateReference/templateFamily|templateReference/templateId)\s+(eq|has)\s+'((?:[^']|'')*)'\s*\)?$`)

func (s *Server) listPolicies(c *call) {
	var clauses [][]string
	if expr := c.R.URL.Query().Get("$filter"); expr != "" {
		for _, part := range strings.Split(expr, " and ") {
			m := policyClause.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				c.intuneError(http.StatusBadRequest, "BadRequest", "An error has occurred")
				return
			}
			clauses = append(clauses, m)
		}
	}
	var items []map[string]any
	for _, p := range s.policy.policies {
		obj := s.policyEntity(p, false)
		if policyMatches(obj, clauses) {
			items = append(items, obj)
		}
	}
	c.Page(items)
}

func policyMatches(obj map[string]any, clauses [][]string) bool {
	for _, m := range clauses {
		var v any = obj
		for _, k := range strings.Split(m[1], "/") {
			inner, _ := v.(map[string]any)
			v = inner[k]
		}
		got, _ := v.(string)
		want := strings.ReplaceAll(m[3], "''", "'")
		// "has" tests a flags enum: the value is a comma-separated list of flags.
		if m[2] == "has" && !hasFold(strings.Split(got, ","), want) || m[2] == "eq" && !strings.EqualFold(got, want) {
			return false
		}
	}
	return true
}

// --- Enrollment-time device group ---

func (s *Server) registerDeviceGroupActions(withPolicy func(h func(c *call, p *configurationPolicy)) func(c *call)) {
	s.handle("POST "+policiesPath+"/{id}/setEnrollmentTimeDeviceMembershipTarget", withPolicy(func(c *call, p *configurationPolicy) {
		if s.appOnlyFailure(c) {
			return
		}
		body, ok := c.Decode([]string{"enrollmentTimeDeviceMembershipTargets"}, nil)
		if !ok {
			return
		}
		groupID, err := membershipTarget(body)
		if err != nil {
			c.fail(err)
			return
		}
		code := "securityGroupNotFound" // replication: Intune does not see a group created moments ago yet
		if !s.notReplicated(c, groupID) {
			code = s.bindDeviceGroup(p, groupID)
		}
		c.JSON(http.StatusOK, s.membershipTargetResult("post-setEnrollmentTimeDeviceMembershipTarget", groupID, code))
	}))
	retrieve := withPolicy(func(c *call, p *configurationPolicy) {
		if !s.retrieveAnswers(c) {
			c.noRoute()
			return
		}
		if !c.emptyBody() {
			return
		}
		c.JSON(http.StatusOK, s.shapedTarget(c, p.deviceGroup, s.deviceGroupProblem(p.deviceGroup)))
	})
	s.handle("GET "+policiesPath+"/{id}/retrieveEnrollmentTimeDeviceMembershipTarget", retrieve)
	s.handle("POST "+policiesPath+"/{id}/retrieveEnrollmentTimeDeviceMembershipTarget", retrieve)
	s.handle("POST "+policiesPath+"/{id}/clearEnrollmentTimeDeviceMembershipTarget", withPolicy(func(c *call, p *configurationPolicy) {
		if s.appOnlyFailure(c) || !c.emptyBody() {
			return
		}
		p.deviceGroup = ""
		c.boolResult(true)
	}))
	s.handle("POST "+policiesPath+"/{id}/assignJustInTimeConfiguration", withPolicy(func(c *call, p *configurationPolicy) {
		body, ok := c.Decode([]string{"justInTimeAssignments"}, nil)
		if !ok {
			return
		}
		ids, err := justInTimeTargets(body)
		if err != nil {
			c.fail(err)
			return
		}
		bound := true
		if len(ids) == 0 {
			p.deviceGroup = ""
		} else {
			bound = s.bindDeviceGroup(p, ids[0]) == ""
		}
		c.boolResult(bound)
	}))
	s.handle("POST "+policiesPath+"/{id}/retrieveJustInTimeConfiguration", withPolicy(func(c *call, p *configurationPolicy) {
		if appOnlyToken(c.R) {
			// The legacy read refuses application-only tokens (docs/graph.md#device-preparation-and-enrollment-time-grouping).
			c.intuneError(http.StatusForbidden, "Forbidden", "Application is not authorized to perform this operation.")
			return
		}
		if !c.emptyBody() {
			return
		}
		overlay := map[string]any{"targetType": "none", "target": []string{}}
		if g := s.legacyDeviceGroup(p); g != "" {
			overlay = map[string]any{"targetType": "entraSecurityGroup", "target": []string{g}}
		}
		c.JSON(http.StatusOK, s.render("post-retrieveJustInTimeConfiguration", overlay))
	}))
}

// appOnlyFailure answers the 500 the service gives set/clear under application-only tokens (or when the
// appOnlyCaller knob is on).
func (s *Server) appOnlyFailure(c *call) bool {
	appOnly := s.appOnlyCaller(c)
	if appOnly {
		c.intuneError(http.StatusInternalServerError, "InternalServerError", "An internal server error has occurred")
	}
	return appOnly
}

// boolResult answers an action that returns Edm.Boolean.
func (c *call) boolResult(v bool) {
	c.JSON(http.StatusOK, map[string]any{"@odata.context": c.s.rootURL(c.R) + "/beta/$metadata#Edm.Boolean", "value": v})
}

// emptyBody accepts an action call without parameters (an empty body or {}).
func (c *call) emptyBody() bool {
	if len(strings.TrimSpace(string(c.Body))) == 0 {
		return true
	}
	_, ok := c.Decode(nil, nil)
	return ok
}

// membershipTarget reads the one staticSecurityGroup target of a set call.
func membershipTarget(body map[string]any) (string, *apiError) {
	list, err := prop[[]any](body, "deviceManagementConfigurationPolicy", "enrollmentTimeDeviceMembershipTargets", "an array")
	if err != nil {
		return "", err
	}
	if len(list) != 1 {
		return "", intuneBadRequest("enrollmentTimeDeviceMembershipTargets must hold exactly one target; got %d.", len(list))
	}
	target, _ := list[0].(map[string]any)
	sc := &schema{name: "enrollmentTimeDeviceMembershipTarget", fields: map[string]field{
		"targetType": {kind: kindString, enum: []string{"staticSecurityGroup"}}, "targetId": {kind: kindString}}}
	if target == nil {
		return "", intuneBadRequest("enrollmentTimeDeviceMembershipTargets[0] must be an object.")
	}
	if err := sc.check(target); err != nil {
		return "", err
	}
	id, _ := target["targetId"].(string)
	if target["targetType"] == nil || id == "" {
		return "", intuneBadRequest("enrollmentTimeDeviceMembershipTargets[0] needs targetType 'staticSecurityGroup' and a targetId.")
	}
	return id, nil
}

// justInTimeTargets reads the group ids of a legacy assignJustInTimeConfiguration call (at most one).
func justInTimeTargets(body map[string]any) ([]string, *apiError) {
	jit, err := prop[map[string]any](body, "deviceManagementConfigurationPolicy", "justInTimeAssignments", "an object")
	if err != nil {
		return nil, err
	}
	sc := &schema{name: "deviceManagementConfigurationJustInTimeAssignmentPolicy", fields: map[string]field{
		"targetType": {kind: kindString, enum: []string{"entraSecurityGroup"}}, "target": {kind: kindStrings}}}
	if err := sc.check(jit); err != nil {
		return nil, err
	}
	ids, err := stringList(jit, sc.name, "target")
	if err == nil && len(ids) > 1 {
		err = intuneBadRequest("justInTimeAssignments.target holds %d groups; a policy has one device group.", len(ids))
	}
	return ids, err
}

// bindDeviceGroup validates groupID as p's enrollment-time device group and binds it when valid; it
// returns the validation error code, "" on success.
func (s *Server) bindDeviceGroup(p *configurationPolicy, groupID string) string {
	code := s.deviceGroupProblem(groupID)
	if code == "" {
		p.deviceGroup = groupID
	}
	return code
}

// deviceGroupProblem is the targetValidationErrorCode for groupID as a device group, "" when it is valid
// or empty: it must exist, be a security group, be assigned (not dynamic), and be owned by the Intune
// Provisioning Client's service principal.
func (s *Server) deviceGroupProblem(groupID string) string {
	if groupID == "" {
		return ""
	}
	g := s.group(groupID)
	switch {
	case g == nil:
		return "securityGroupNotFound"
	case !g.securityEnabled || g.unified():
		return "notSecurityGroup"
	case g.dynamic():
		return "notStaticSecurityGroup"
	}
	for _, sp := range s.directory.servicePrincipals {
		if sp.appID == provisioningClientAppID && hasFold(g.owners, sp.id) {
			return ""
		}
	}
	return "firstPartyAppNotAnOwner"
}

// membershipTargetResult renders an enrollmentTimeDeviceMembershipTargetResult for groupID ("" = none bound).
func (s *Server) membershipTargetResult(recording, groupID, code string) map[string]any {
	statuses := []map[string]any{}
	if groupID != "" {
		var errorCode any
		if code != "" {
			errorCode = code
		}
		statuses = append(statuses, map[string]any{"@odata.type": "#microsoft.graph.enrollmentTimeDeviceMembershipTargetStatus",
			"targetId": groupID, "targetValidationErrorCode": errorCode})
	}
	return s.render(recording, map[string]any{"validationSucceeded": code == "", "enrollmentTimeDeviceMembershipTargetValidationStatuses": statuses})
}
