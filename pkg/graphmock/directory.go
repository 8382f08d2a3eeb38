package graphmock

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// This file is the Entra ID side of the tenant: groups (assigned and dynamic), their owners and members,
// service principals, seeded users, and the Entra device objects behind registered Autopilot devices.

// provisioningClientAppID is the Intune Provisioning Client, which must own a device-preparation device group.
const provisioningClientAppID = "f1346770-5b25-470b-88bd-d5744ab7952c"

// firstPartyApps are the applications whose service principals POST /servicePrincipals can create.
var firstPartyApps = map[string]string{provisioningClientAppID: "Intune Provisioning Client"}

// maxCreateRelationships is how many owners@odata.bind + members@odata.bind one POST /groups may carry.
const maxCreateRelationships = 20

type directoryState struct {
	groups            []*group
	servicePrincipals []*servicePrincipal
	users             []SeedUser
}

type group struct {
	id, displayName, description, mailNickname string
	mailEnabled, securityEnabled               bool
	roleAssignable                             bool // isAssignableToRole, fixed at creation
	groupTypes                                 []string
	membershipRule, processingState            string // "" is null
	rule                                       *rule.Rule
	owners, members                            []string // directory object ids, in the order added
	created                                    time.Time
	processing                                 groupProcessing
}

func (g *group) dynamic() bool { return hasFold(g.groupTypes, "DynamicMembership") }

func (g *group) unified() bool { return hasFold(g.groupTypes, "Unified") }

type servicePrincipal struct {
	id, appID string
	extra     map[string]any // writable properties sent on create
}

// apiError is a refusal decided away from the HTTP layer, so that seeding and requests share the checks.
type apiError struct {
	status        int
	code, message string
	intune        bool // Intune's front end nests the message in a JSON document
}

func (c *call) fail(e *apiError) {
	if e.intune {
		c.intuneError(e.status, e.code, e.message)
		return
	}
	c.Error(e.status, e.code, e.message)
}

func entraBadRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "Request_BadRequest", message: fmt.Sprintf(format, args...)}
}

func entraNotFound(id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "Request_ResourceNotFound",
		message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)}
}

// prop reads an optional property of JSON type T (null or absent gives the zero value).
func prop[T any](obj map[string]any, typ, key, want string) (T, *apiError) {
	var zero T
	v, ok := obj[key]
	if !ok || v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, &apiError{status: http.StatusBadRequest, code: "BadRequest",
			message: fmt.Sprintf("Property '%s' on type 'microsoft.graph.%s' must be %s.", key, typ, want)}
	}
	return t, nil
}

// stringList reads an optional array of strings.
func stringList(obj map[string]any, typ, key string) ([]string, *apiError) {
	raw, err := prop[[]any](obj, typ, key, "an array of strings")
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, &apiError{status: http.StatusBadRequest, code: "BadRequest",
				message: fmt.Sprintf("Property '%s' on type 'microsoft.graph.%s' must be an array of strings.", key, typ)}
		}
		out = append(out, s)
	}
	return out, err
}

func hasFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

// created answers a create call: 201 with the new entity, or the refusal.
func (c *call) created(context string, err *apiError, entity func() map[string]any) {
	if err != nil {
		c.fail(err)
		return
	}
	c.entity(http.StatusCreated, context, entity())
}

// entity answers with obj plus the @odata.context Graph puts on a single entity.
func (c *call) entity(status int, context string, obj map[string]any) {
	obj["@odata.context"] = c.s.rootURL(c.R) + "/beta/$metadata#" + context
	c.JSON(status, obj)
}

func (s *Server) registerDirectory() {
	s.directory = &directoryState{users: s.opts.Seed.Users}
	withGroup := byID(s.group, entraMissing)
	s.handle("POST /groups", func(c *call) {
		body, ok := c.Decode([]string{"displayName", "mailEnabled", "mailNickname", "securityEnabled"}, []string{
			"description", "groupTypes", "membershipRule", "membershipRuleProcessingState", "isAssignableToRole",
			"visibility", "owners@odata.bind", "members@odata.bind"})
		if !ok {
			return
		}
		g, err := s.createGroup(c.Now(), body)
		c.created("groups/$entity", err, func() map[string]any { return s.groupEntity(g) })
	})
	s.handle("GET /groups", func(c *call) {
		pageFiltered(c, "Group", s.directory.groups, s.groupEntity, "displayName", "mailNickname", "id")
	})
	s.handle("GET /groups/{id}", withGroup(func(c *call, g *group) {
		if obj, ok := c.selected(s.groupEntity(g), "group", s.processingStatus(g, c.Now())); ok {
			c.entity(http.StatusOK, "groups/$entity", obj)
		}
	}))
	s.handle("PATCH /groups/{id}", withGroup(s.updateGroup))
	s.handle("DELETE /groups/{id}", withGroup(s.deleteGroup))
	s.handle("GET /groups/{id}/owners", withGroup(func(c *call, g *group) { c.pageSelected(s.directoryEntities(g.owners), "directoryObject") }))
	s.handle("GET /groups/{id}/members", withGroup(func(c *call, g *group) {
		c.pageSelected(s.directoryEntities(s.groupMembers(g, c.Now())), "directoryObject")
	}))
	s.handle("POST /groups/{id}/owners/$ref", withGroup(func(c *call, g *group) { s.addReference(c, g, "owners") }))
	s.handle("POST /groups/{id}/members/$ref", withGroup(func(c *call, g *group) { s.addReference(c, g, "members") }))
	s.handle("DELETE /groups/{id}/owners/{ref}/$ref", withGroup(func(c *call, g *group) { s.removeReference(c, g, "owners") }))
	s.handle("DELETE /groups/{id}/members/{ref}/$ref", withGroup(func(c *call, g *group) { s.removeReference(c, g, "members") }))
	s.handle("GET /directoryObjects/{id}", func(c *call) {
		obj := s.directoryObject(c.Param("id"))
		if obj == nil {
			c.fail(entraNotFound(c.Param("id")))
			return
		}
		c.entity(http.StatusOK, "directoryObjects/$entity", obj)
	})
	s.registerServicePrincipals()
}

func (s *Server) registerServicePrincipals() {
	s.handle("POST /servicePrincipals", func(c *call) {
		body, ok := c.Decode([]string{"appId"}, []string{"accountEnabled", "description", "notes", "tags"})
		if !ok {
			return
		}
		sp, err := s.createServicePrincipal(body)
		c.created("servicePrincipals/$entity", err, func() map[string]any { return s.servicePrincipalEntity(sp) })
	})
	s.handle("GET /servicePrincipals", func(c *call) {
		pageFiltered(c, "ServicePrincipal", s.directory.servicePrincipals, s.servicePrincipalEntity, "appId", "displayName", "id")
	})
	servePrincipal := func(c *call, key string, find func(sp *servicePrincipal) bool) {
		i := slices.IndexFunc(s.directory.servicePrincipals, find)
		if i < 0 {
			c.fail(entraNotFound(key))
			return
		}
		c.entity(http.StatusOK, "servicePrincipals/$entity", s.servicePrincipalEntity(s.directory.servicePrincipals[i]))
	}
	s.handle("GET /servicePrincipals/{id}", func(c *call) {
		servePrincipal(c, c.Param("id"), func(sp *servicePrincipal) bool { return strings.EqualFold(sp.id, c.Param("id")) })
	})
	s.handle("GET /servicePrincipals(appId='{appId}')", func(c *call) {
		servePrincipal(c, c.Param("appId"), func(sp *servicePrincipal) bool { return strings.EqualFold(sp.appID, c.Param("appId")) })
	})
}

// mailNicknameForbidden are the characters Graph's create-group page excludes from mailNickname.
const mailNicknameForbidden = `@()\[]";:<>, `

// createGroup validates a POST /groups body (already checked for unknown and missing properties) and adds
// the group.
func (s *Server) createGroup(now time.Time, body map[string]any) (*group, *apiError) {
	const typ = "group"
	g := &group{id: s.newID(), created: now}
	g.restartProcessing(now, s.opts.ProcessDelay)
	if err := g.read(body); err != nil {
		return nil, err
	}
	var err *apiError
	if g.roleAssignable, err = prop[bool](body, typ, "isAssignableToRole", "a boolean"); err != nil {
		return nil, err
	}
	if err := g.validate(); err != nil {
		return nil, err
	}
	binds := 0
	for _, rel := range []string{"owners", "members"} {
		urls, err := stringList(body, typ, rel+"@odata.bind")
		if err != nil {
			return nil, err
		}
		if binds += len(urls); binds > maxCreateRelationships {
			return nil, entraBadRequest("A group can be created with at most %d owners and members (owners@odata.bind and members@odata.bind); add the others after creation.", maxCreateRelationships)
		}
		for _, u := range urls {
			if err := s.bind(g, rel, u); err != nil {
				return nil, err
			}
		}
	}
	s.directory.groups = append(s.directory.groups, g)
	s.applyProfileAssignments()
	return g, nil
}

// read sets the group's own properties that body sends (create and update bodies alike).
func (g *group) read(body map[string]any) *apiError {
	var err *apiError
	for _, f := range []struct {
		key string
		dst *string
	}{{"displayName", &g.displayName}, {"description", &g.description}, {"mailNickname", &g.mailNickname},
		{"membershipRule", &g.membershipRule}, {"membershipRuleProcessingState", &g.processingState}} {
		if _, sent := body[f.key]; sent {
			if *f.dst, err = prop[string](body, "group", f.key, "a string"); err != nil {
				return err
			}
		}
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"mailEnabled", &g.mailEnabled}, {"securityEnabled", &g.securityEnabled}} {
		if _, sent := body[f.key]; sent {
			if *f.dst, err = prop[bool](body, "group", f.key, "a boolean"); err != nil {
				return err
			}
		}
	}
	if _, sent := body["groupTypes"]; sent {
		g.groupTypes, err = stringList(body, "group", "groupTypes")
	}
	return err
}

// validate applies Entra's rules for a group's own properties, on create and on update.
func (g *group) validate() *apiError {
	switch {
	case g.displayName == "" || len([]rune(g.displayName)) > 256:
		return entraBadRequest("Invalid value specified for property 'displayName' of resource 'Group'.")
	case g.mailNickname == "" || len(g.mailNickname) > 64 || strings.ContainsAny(g.mailNickname, mailNicknameForbidden) ||
		strings.IndexFunc(g.mailNickname, func(r rune) bool { return r > 127 }) >= 0:
		return entraBadRequest("Invalid value specified for property 'mailNickname' of resource 'Group'.")
	}
	for i, t := range g.groupTypes {
		switch {
		case strings.EqualFold(t, "Unified"):
			g.groupTypes[i] = "Unified"
		case strings.EqualFold(t, "DynamicMembership"):
			g.groupTypes[i] = "DynamicMembership"
		default:
			return entraBadRequest("Invalid value specified for property 'groupTypes' of resource 'Group'.")
		}
	}
	if !g.unified() && (g.mailEnabled || !g.securityEnabled) {
		return entraBadRequest("Only Microsoft 365 groups (groupTypes 'Unified') and security groups (mailEnabled false, securityEnabled true) can be created through Microsoft Graph.")
	}
	if !g.dynamic() {
		if g.membershipRule != "" || g.processingState != "" {
			return entraBadRequest("Properties 'membershipRule' and 'membershipRuleProcessingState' can only be set on a group whose groupTypes contains 'DynamicMembership'.")
		}
		return nil
	}
	if g.roleAssignable {
		return entraBadRequest("A group with isAssignableToRole set to true can't have dynamic membership.")
	}
	if g.membershipRule == "" {
		return entraBadRequest("Property 'membershipRule' is required on a group whose groupTypes contains 'DynamicMembership'.")
	}
	r, err := rule.Parse(g.membershipRule)
	if err != nil {
		return entraBadRequest("Invalid value specified for property 'membershipRule' of resource 'Group': %v", err)
	}
	g.rule = r
	switch {
	case g.processingState == "" || strings.EqualFold(g.processingState, "On"):
		g.processingState = "On"
	case strings.EqualFold(g.processingState, "Paused"):
		g.processingState = "Paused"
	default:
		return entraBadRequest("Invalid value specified for property 'membershipRuleProcessingState' of resource 'Group'.")
	}
	return nil
}

func (s *Server) createServicePrincipal(body map[string]any) (*servicePrincipal, *apiError) {
	appID, err := prop[string](body, "servicePrincipal", "appId", "a string")
	if err != nil {
		return nil, err
	}
	if _, ok := firstPartyApps[strings.ToLower(appID)]; !ok {
		return nil, entraBadRequest("The appId '%s' of the service principal does not reference a valid application object.", appID)
	}
	for _, sp := range s.directory.servicePrincipals {
		if strings.EqualFold(sp.appID, appID) {
			return nil, &apiError{status: http.StatusConflict, code: "Request_MultipleObjectsWithSameKeyValue",
				message: fmt.Sprintf("The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", appID)}
		}
	}
	sp := &servicePrincipal{id: s.newID(), appID: strings.ToLower(appID), extra: map[string]any{}}
	for k, v := range body {
		if k != "appId" && k != "@odata.type" {
			sp.extra[k] = v
		}
	}
	s.directory.servicePrincipals = append(s.directory.servicePrincipals, sp)
	return sp, nil
}

func (s *Server) group(id string) *group {
	return findID(s.directory.groups, id, func(g *group) string { return g.id })
}

func (s *Server) deleteGroup(c *call, g *group) {
	s.directory.groups = slices.DeleteFunc(s.directory.groups, func(other *group) bool { return other == g })
	for _, other := range s.directory.groups {
		other.members = slices.DeleteFunc(other.members, func(id string) bool { return strings.EqualFold(id, g.id) })
	}
	s.applyProfileAssignments()
	c.NoContent()
}

// addReference answers POST /groups/{id}/owners/$ref and …/members/$ref.
func (s *Server) addReference(c *call, g *group, rel string) {
	body, ok := c.Decode([]string{"@odata.id"}, nil)
	if !ok {
		return
	}
	ref, err := prop[string](body, "referenceCreate", "@odata.id", "a string")
	if err == nil {
		err = s.bind(g, rel, ref)
	}
	if err != nil {
		c.fail(err)
		return
	}
	s.applyProfileAssignments()
	c.NoContent()
}

// refURL matches a directory object reference: …/<collection>/<id> or …/servicePrincipals(appId='<appId>').
var refURL = regexp.MustCompile(`(?i)/(directoryObjects|users|groups|servicePrincipals|devices)/([0-9a-f-]{36})$|/servicePrincipals\(appId='([0-9a-f-]{36})'\)$`)

// bind adds the object ref names to g's owners or members.
func (s *Server) bind(g *group, rel, ref string) *apiError {
	u, perr := url.Parse(ref)
	m := refURL.FindStringSubmatch(strings.TrimSuffix(ref, "/"))
	if perr != nil || !u.IsAbs() || m == nil {
		return entraBadRequest("Invalid object identifier '%s'.", ref)
	}
	id, collection := m[2], strings.ToLower(m[1])
	if m[3] != "" {
		collection = "serviceprincipals"
		if i := slices.IndexFunc(s.directory.servicePrincipals, func(sp *servicePrincipal) bool { return strings.EqualFold(sp.appID, m[3]) }); i >= 0 {
			id = s.directory.servicePrincipals[i].id
		}
	}
	obj := s.directoryObject(id)
	kind, _ := obj["@odata.type"].(string)
	kind = strings.TrimPrefix(kind, "#microsoft.graph.")
	if obj == nil || collection != "directoryobjects" && collection != strings.ToLower(kind)+"s" {
		return entraNotFound(id)
	}
	list := &g.members
	switch {
	case rel == "owners":
		list = &g.owners
		if kind != "user" && kind != "servicePrincipal" {
			return entraBadRequest("Only users and service principals can own a group; '%s' is a %s.", id, kind)
		}
	case g.dynamic():
		return entraBadRequest("Members can't be added to or removed from group '%s': its membership is dynamic.", g.id)
	}
	if hasFold(*list, obj["id"].(string)) {
		return entraBadRequest("One or more added object references already exist for the following modified properties: '%s'.", rel)
	}
	*list = append(*list, obj["id"].(string))
	return nil
}

// groupMembers is the explicit members of an assigned group, or the devices a dynamic group's processed
// rule selects (docs/graph.md#dynamic-device-groups): none until the first processing succeeds, the old
// rule's while a changed rule is processed or processing is paused.
func (s *Server) groupMembers(g *group, now time.Time) []string {
	if !g.dynamic() {
		return g.members
	}
	var ids []string
	r := g.processedRule(now)
	if r == nil {
		return ids
	}
	for _, d := range s.entraDevices() {
		if r.Match(rule.Device{PhysicalIDs: d.PhysicalIDs, Properties: map[string]string{
			"displayName": d.DisplayName, "objectId": d.ID, "deviceId": d.ID, "deviceOSType": "Windows", "accountEnabled": "true",
		}}) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

func (s *Server) directoryEntities(ids []string) []map[string]any {
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		if obj := s.directoryObject(id); obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

// directoryObject renders the group, service principal, user or device with this id, or nil.
func (s *Server) directoryObject(id string) map[string]any {
	if g := s.group(id); g != nil {
		return s.groupEntity(g)
	}
	for _, sp := range s.directory.servicePrincipals {
		if strings.EqualFold(sp.id, id) {
			return s.servicePrincipalEntity(sp)
		}
	}
	for _, u := range s.directory.users {
		if strings.EqualFold(u.ID, id) {
			return s.render("get-user", map[string]any{"id": u.ID, "displayName": u.DisplayName, "userPrincipalName": u.UserPrincipalName})
		}
	}
	for _, d := range s.entraDevices() {
		if strings.EqualFold(d.ID, id) {
			// The mock uses one id for the device object and its deviceId.
			return s.render("get-device", map[string]any{"id": d.ID, "deviceId": d.ID, "displayName": d.DisplayName, "physicalIds": d.PhysicalIDs})
		}
	}
	return nil
}

func (s *Server) groupEntity(g *group) map[string]any {
	nullable := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	created := g.created.UTC().Format(time.RFC3339)
	return s.render("get-group", map[string]any{
		"id": g.id, "displayName": g.displayName, "description": nullable(g.description), "mailNickname": g.mailNickname,
		"mailEnabled": g.mailEnabled, "securityEnabled": g.securityEnabled, "groupTypes": append([]string{}, g.groupTypes...),
		"membershipRule": nullable(g.membershipRule), "membershipRuleProcessingState": nullable(g.processingState),
		"isAssignableToRole": trueOrNull(g.roleAssignable),
		"createdDateTime":    created, "renewedDateTime": created,
		"securityIdentifier": "S-1-12-1-" + strings.ReplaceAll(g.id, "-", ""),
	})
}

func (s *Server) servicePrincipalEntity(sp *servicePrincipal) map[string]any {
	name := firstPartyApps[sp.appID]
	overlay := map[string]any{"id": sp.id, "appId": sp.appID, "appDisplayName": name, "displayName": name,
		"servicePrincipalNames": []string{sp.appID}}
	for k, v := range sp.extra {
		overlay[k] = v
	}
	return s.render("get-servicePrincipal", overlay)
}

// pageFiltered pages the rendered objects, keeping those a `<property> eq '<value>'` $filter selects on
// one of properties; other filters get Entra's unsupported-query 400.
func pageFiltered[T any](c *call, resource string, objects []T, render func(T) map[string]any, properties ...string) {
	items := make([]map[string]any, 0, len(objects))
	for _, o := range objects {
		items = append(items, render(o))
	}
	expr := c.R.URL.Query().Get("$filter")
	if expr == "" {
		c.pageSelected(items, resource)
		return
	}
	m := eqFilter.FindStringSubmatch(expr)
	if m == nil || !hasFold(properties, m[1]) {
		c.Error(http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("Unsupported or invalid query filter clause specified for resource '%s': %s", resource, expr))
		return
	}
	want := strings.ReplaceAll(m[2], "''", "'")
	var kept []map[string]any
	for _, item := range items {
		for k, v := range item {
			if s, ok := v.(string); ok && strings.EqualFold(k, m[1]) && strings.EqualFold(s, want) {
				kept = append(kept, item)
			}
		}
	}
	c.pageSelected(kept, resource)
}
