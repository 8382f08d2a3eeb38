package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file holds what the live service does differently from the generated reference for device
// preparation (docs/graph.md#device-preparation-and-enrollment-time-grouping), as knobs tests turn: which
// verb the enrollment-time retrieve answers, the shape of its answer, the replication delay that makes `set`
// refuse a group created moments ago, the legacy JustInTime API reading another group; and the platform
// scripts a policy may list, with reorder and the PATCH refusals.

// RetrieveVerbs says which HTTP verbs retrieveEnrollmentTimeDeviceMembershipTarget answers; the other gets
// Intune's "No OData route" 400. Live tenants answer GET (the default); the reference and the SDK say POST.
type RetrieveVerbs string

const (
	RetrieveGET  RetrieveVerbs = "GET"
	RetrievePOST RetrieveVerbs = "POST"
	RetrieveBoth RetrieveVerbs = "GET+POST"
	RetrieveNone RetrieveVerbs = "none"
)

// TargetShape is how a retrieve answer carries the bound group; each has been seen from the service.
type TargetShape string

const (
	// ShapeStatuses is the SDK's result: validationSucceeded and the validation statuses' targetId (default).
	ShapeStatuses TargetShape = "statuses"
	// ShapeTargets lists enrollmentTimeDeviceMembershipTargets [{targetType, targetId}], with no verdict.
	ShapeTargets TargetShape = "targets"
	// ShapeRoot puts targetType and targetId at the root, with no verdict.
	ShapeRoot TargetShape = "root"
	// ShapeValue wraps the SDK's result in "value", as the generated reference pages show it.
	ShapeValue TargetShape = "value"
	// ShapePerTarget gives each status its own validationSucceeded (as the docs example does) and leaves out
	// the top-level verdict.
	ShapePerTarget TargetShape = "perTarget"
	// ShapePerTargetNoCode is ShapePerTarget with targetValidationErrorCode null even on a failure.
	ShapePerTargetNoCode TargetShape = "perTargetNoCode"
	// ShapeContradicting answers a top-level validationSucceeded true whatever the per-target status says
	// (adversarial: the two fields are independent in the SDK's model).
	ShapeContradicting TargetShape = "contradicting"
)

// replicationWindow is how long after its creation a group can still be unknown to Intune's validation.
const replicationWindow = time.Minute

type prepState struct {
	retrieveVerbs RetrieveVerbs
	shape         TargetShape
	// replicationRefusals is how many set calls answer securityGroupNotFound for a group created less than
	// replicationWindow ago (default 1); refused counts them per group.
	replicationRefusals int
	refused             map[string]int
	legacyGroup         map[string]string // policy id → the group retrieveJustInTimeConfiguration reports instead
	scripts             []*platformScript
}

// platformScript is a deviceManagementScript: a PowerShell script a policy may list among its allowed scripts.
type platformScript struct {
	id, displayName, fileName, runAsAccount string
	created                                 time.Time
}

const scriptsPath = "/deviceManagement/deviceManagementScripts"

// SetRetrieveVerbs sets which verbs the enrollment-time retrieve answers.
func (s *Server) SetRetrieveVerbs(v RetrieveVerbs) { s.withLock(func() { s.prep.retrieveVerbs = v }) }

// SetTargetShape sets the shape of retrieve answers.
func (s *Server) SetTargetShape(shape TargetShape) { s.withLock(func() { s.prep.shape = shape }) }

// SetReplicationRefusals sets how many set calls refuse a freshly created group (0: none).
func (s *Server) SetReplicationRefusals(n int) { s.withLock(func() { s.prep.replicationRefusals = n }) }

// SetAppOnlyCaller makes set and clear answer the application-only 500 whatever the token says.
func (s *Server) SetAppOnlyCaller(on bool) { s.withLock(func() { s.policy.appOnlyCaller = on }) }

// SetLegacyDeviceGroup makes retrieveJustInTimeConfiguration report groupID for the policy, whatever the
// current API has bound ("" reports none), as when the two APIs' records have drifted apart.
func (s *Server) SetLegacyDeviceGroup(policyID, groupID string) error {
	var err error
	s.withLock(func() {
		if s.configurationPolicy(policyID) == nil {
			err = fmt.Errorf("no configuration policy %s", policyID)
			return
		}
		s.prep.legacyGroup[strings.ToLower(policyID)] = groupID
	})
	return err
}

func (s *Server) withLock(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

func (s *Server) registerPrepTenant() {
	s.prep = &prepState{retrieveVerbs: RetrieveGET, shape: ShapeStatuses, replicationRefusals: 1,
		refused: map[string]int{}, legacyGroup: map[string]string{}}
	withScript := byID(s.script, intuneMissing("deviceManagementScript"))
	s.handle("GET "+scriptsPath, func(c *call) {
		items := make([]map[string]any, 0, len(s.prep.scripts))
		for _, sc := range s.prep.scripts {
			items = append(items, scriptEntity(sc))
		}
		c.Page(items)
	})
	s.handle("GET "+scriptsPath+"/{id}", withScript(func(c *call, sc *platformScript) {
		c.entity(http.StatusOK, "deviceManagement/deviceManagementScripts/$entity", scriptEntity(sc))
	}))
	s.handle("POST "+scriptsPath, func(c *call) {
		body, ok := c.Decode([]string{"displayName", "scriptContent", "fileName"}, []string{"description", "runAsAccount",
			"enforceSignatureCheck", "runAs32Bit", "roleScopeTagIds"})
		if !ok {
			return
		}
		v, ok := c.stringValues(body, "deviceManagementScript", []string{"displayName", "fileName", "runAsAccount", "scriptContent"})
		if !ok {
			return
		}
		if _, err := base64.StdEncoding.DecodeString(v["scriptContent"]); err != nil {
			c.Error(http.StatusBadRequest, "BadRequest", "Property 'scriptContent' on type 'microsoft.graph.deviceManagementScript' must be base64.")
			return
		}
		if v["runAsAccount"] == "" {
			v["runAsAccount"] = "system"
		}
		if !slices.Contains([]string{"system", "user"}, v["runAsAccount"]) {
			c.Error(http.StatusBadRequest, "BadRequest", "Property 'runAsAccount' on type 'microsoft.graph.deviceManagementScript' has the invalid value '"+v["runAsAccount"]+"'; allowed: system, user.")
			return
		}
		sc := &platformScript{id: s.newID(), displayName: v["displayName"], fileName: v["fileName"], runAsAccount: v["runAsAccount"], created: c.Now()}
		s.prep.scripts = append(s.prep.scripts, sc)
		c.entity(http.StatusCreated, "deviceManagement/deviceManagementScripts/$entity", scriptEntity(sc))
	})
	s.handle("DELETE "+scriptsPath+"/{id}", withScript(func(c *call, sc *platformScript) {
		s.prep.scripts = slices.DeleteFunc(s.prep.scripts, func(o *platformScript) bool { return o == sc })
		c.NoContent()
	}))
}

func (s *Server) script(id string) *platformScript {
	return findID(s.prep.scripts, id, func(sc *platformScript) string { return sc.id })
}

func scriptEntity(sc *platformScript) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.deviceManagementScript", "id": sc.id, "displayName": sc.displayName,
		"description": "", "fileName": sc.fileName, "runAsAccount": sc.runAsAccount, "enforceSignatureCheck": false, "runAs32Bit": false,
		"roleScopeTagIds": []string{"0"}, "createdDateTime": graphTime(sc.created), "lastModifiedDateTime": graphTime(sc.created)}
}

// appOnlyToken reports whether the request's bearer token is an application-only token: a JWT without the
// delegated "scp" claim (docs/graph.md#access-tokens). Tokens that are not JWTs say nothing.
func appOnlyToken(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(token, ".")
	if !ok || len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var claims struct {
		Scp   string `json:"scp"`
		IDTyp string `json:"idtyp"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return claims.IDTyp == "app" || claims.Scp == ""
}

// appOnlyCaller reports whether c comes from an application-only caller (by its token, or the knob).
func (s *Server) appOnlyCaller(c *call) bool { return s.policy.appOnlyCaller || appOnlyToken(c.R) }

// noRoute answers Intune's 400 for an action called with a verb it has no route for.
func (c *call) noRoute() {
	c.intuneError(http.StatusBadRequest, "BadRequest", fmt.Sprintf(
		"No OData route exists that match template ~/singleton/navigation/key/action with http verb %s for request /DeviceConfigV2/StatelessDeviceConfigV2Service%s.",
		c.R.Method, c.path))
}

// retrieveAnswers reports whether the retrieve action answers c's verb.
func (s *Server) retrieveAnswers(c *call) bool {
	switch s.prep.retrieveVerbs {
	case RetrieveBoth:
		return true
	case RetrieveNone:
		return false
	}
	return string(s.prep.retrieveVerbs) == c.R.Method
}

// shapedTarget renders a retrieve answer in the configured shape.
func (s *Server) shapedTarget(c *call, groupID, code string) map[string]any {
	context := s.rootURL(c.R) + "/beta/$metadata#microsoft.graph.enrollmentTimeDeviceMembershipTargetResult"
	switch s.prep.shape {
	case ShapeTargets:
		targets := []map[string]any{}
		if groupID != "" {
			targets = append(targets, map[string]any{"targetType": "staticSecurityGroup", "targetId": groupID})
		}
		return map[string]any{"@odata.context": context, "enrollmentTimeDeviceMembershipTargets": targets}
	case ShapeRoot:
		if groupID == "" {
			return map[string]any{"@odata.context": context, "targetType": nil, "targetId": nil}
		}
		return map[string]any{"@odata.context": context, "targetType": "staticSecurityGroup", "targetId": groupID}
	case ShapeValue:
		return map[string]any{"@odata.context": context, "value": s.membershipTargetResult("post-retrieveEnrollmentTimeDeviceMembershipTarget", groupID, code)}
	case ShapePerTarget, ShapePerTargetNoCode, ShapeContradicting:
		statuses := []map[string]any{}
		if groupID != "" {
			var errorCode any
			if code != "" && s.prep.shape != ShapePerTargetNoCode {
				errorCode = code
			}
			statuses = append(statuses, map[string]any{"targetId": groupID, "targetValidationErrorCode": errorCode, "validationSucceeded": code == ""})
		}
		answer := map[string]any{"@odata.context": context, "enrollmentTimeDeviceMembershipTargetValidationStatuses": statuses}
		if s.prep.shape == ShapeContradicting {
			answer["validationSucceeded"] = true
		}
		return answer
	}
	return s.membershipTargetResult("post-retrieveEnrollmentTimeDeviceMembershipTarget", groupID, code)
}

// notReplicated reports whether groupID is a group created so recently that Intune's validation does not
// see it yet, counting the refusal; a group seen once is not refused again.
func (s *Server) notReplicated(c *call, groupID string) bool {
	g := s.group(groupID)
	if g == nil || c.Now().Sub(g.created) >= replicationWindow || s.prep.refused[g.id] >= s.prep.replicationRefusals {
		return false
	}
	s.prep.refused[g.id]++
	return true
}

// markReplicated makes a group visible to Intune's validation at once (seeded groups: a tenant as it stands).
func (s *Server) markReplicated(groupID string) { s.prep.refused[groupID] = 1 << 30 }

// legacyDeviceGroup is what retrieveJustInTimeConfiguration reports for p.
func (s *Server) legacyDeviceGroup(p *configurationPolicy) string {
	if g, ok := s.prep.legacyGroup[strings.ToLower(p.id)]; ok {
		return g
	}
	return p.deviceGroup
}

// reorder moves p to priority among the user-driven device-preparation policies and renumbers the others,
// as dragging a row in the admin center does (the shifting is not confirmed; docs/graph.md#not-confirmed).
func (s *Server) reorder(c *call, p *configurationPolicy) {
	body, ok := c.Decode([]string{"priority"}, nil)
	if !ok {
		return
	}
	var ordered []*configurationPolicy
	for _, o := range s.policy.policies {
		if o.template.id == p.template.id {
			ordered = append(ordered, o)
		}
	}
	n, isNum := body["priority"].(float64)
	if !isNum || n != float64(int(n)) || n < 1 || int(n) > len(ordered) {
		c.fail(intuneBadRequest("priority must be a whole number from 1 to %d.", len(ordered)))
		return
	}
	slices.SortStableFunc(ordered, func(a, b *configurationPolicy) int { return a.priority - b.priority })
	ordered = slices.DeleteFunc(ordered, func(o *configurationPolicy) bool { return o == p })
	ordered = slices.Insert(ordered, int(n)-1, p)
	for i, o := range ordered {
		o.priority = i + 1
	}
	c.NoContent()
}

// patchPolicy applies a PATCH: name, description and scope tags change; settings can't be PATCHed.
func (s *Server) patchPolicy(c *call, p *configurationPolicy) {
	var body map[string]any
	if json.Unmarshal(c.Body, &body) == nil && body["settings"] != nil {
		c.intuneError(http.StatusBadRequest, "BadRequest", "Cannot PATCH navigation property 'settings' on entity type 'microsoft.graph.deviceManagementConfigurationPolicy'.")
		return
	}
	body, ok := c.Decode(nil, []string{"name", "description", "roleScopeTagIds"})
	if !ok {
		return
	}
	if err := policySchema.check(body); err != nil {
		c.fail(err)
		return
	}
	for k, v := range body {
		p.props[k] = v
	}
	p.modified = c.Now()
	c.NoContent()
}
