package graphmock

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// This file is how a dynamic group's membership follows its rule, and the group writes besides create:
// PATCH, removing owners and members by $ref, $select.

// groupProcessing is where a dynamic group's membership processing stands (docs/graph.md#dynamic-device-groups).
// A create, a rule change or resuming from Paused restarts it: the status is NotStarted for the first half of
// Options.ProcessDelay, Running for the second, then Succeeded, and only then do members follow the new rule.
// Until then they follow the rule processed before (none for a new group). Times are absolute, as import
// records' due times are, so a restored tenant keeps its schedule whatever its server's delay.
type groupProcessing struct {
	startedAt, doneAt time.Time
	processed         string // the rule text members follow; "" none
	failure           string // errorMessage of a processing that Failed (set by FailGroupProcessing)
}

// processingStatus is the group's membershipRuleProcessingStatus at now: null unless the group is dynamic
// with processing On.
func (s *Server) processingStatus(g *group, now time.Time) any {
	if !g.dynamic() || g.processingState != "On" {
		return nil
	}
	p := g.processing
	status := map[string]any{"status": "Succeeded", "errorMessage": nil, "lastMembershipUpdated": graphTime(p.doneAt)}
	switch {
	case p.failure != "":
		status["status"], status["errorMessage"], status["lastMembershipUpdated"] = "Failed", p.failure, nil
	case now.Before(p.startedAt.Add(p.doneAt.Sub(p.startedAt) / 2)):
		status["status"], status["lastMembershipUpdated"] = "NotStarted", nil
	case now.Before(p.doneAt):
		status["status"], status["lastMembershipUpdated"] = "Running", nil
	}
	if status["lastMembershipUpdated"] == nil && p.processed != "" {
		status["lastMembershipUpdated"] = graphTime(p.startedAt) // the earlier processing's time, as near as the mock knows
	}
	return status
}

// processedRule is the rule the group's members follow at now, settling a processing that has finished;
// nil for none.
func (g *group) processedRule(now time.Time) *rule.Rule {
	if g.processingState == "On" && g.processing.failure == "" && !now.Before(g.processing.doneAt) {
		g.processing.processed = g.membershipRule
	}
	if g.processing.processed == "" {
		return nil
	}
	if g.processing.processed == g.membershipRule {
		return g.rule
	}
	r, err := rule.Parse(g.processing.processed)
	if err != nil {
		return nil // a rule the mock accepted once always parses
	}
	return r
}

// restartProcessing starts processing the group's rule at now, to finish after delay.
func (g *group) restartProcessing(now time.Time, delay time.Duration) {
	g.processing.startedAt, g.processing.doneAt, g.processing.failure = now, now.Add(delay), ""
}

// FailGroupProcessing makes the membership processing of group id end Failed with message, as the service
// reports a rule it could not process; the next change to the group restarts processing. It is a test knob.
func (s *Server) FailGroupProcessing(id, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.group(id)
	if g == nil || !g.dynamic() {
		return fmt.Errorf("graphmock: no dynamic group %s", id)
	}
	g.processing.failure = message
	return nil
}

// updatableGroupProperties are what PATCH /groups/{id} takes (Graph API page group-update).
var updatableGroupProperties = []string{"description", "displayName", "groupTypes", "mailEnabled", "mailNickname",
	"securityEnabled", "membershipRule", "membershipRuleProcessingState", "visibility", "isAssignableToRole"}

// updateGroup answers PATCH /groups/{id}: 204, with the changed group held to the same rules as a new one.
// isAssignableToRole is set at creation only.
func (s *Server) updateGroup(c *call, g *group) {
	body, ok := c.Decode(nil, updatableGroupProperties)
	if !ok {
		return
	}
	if _, sent := body["isAssignableToRole"]; sent {
		c.fail(entraBadRequest("Property 'isAssignableToRole' can only be set when the group is created."))
		return
	}
	next := *g
	next.groupTypes = slices.Clone(g.groupTypes)
	if err := next.read(body); err != nil {
		c.fail(err)
		return
	}
	if !next.dynamic() {
		next.rule = nil
	}
	if err := next.validate(); err != nil {
		c.fail(err)
		return
	}
	if next.dynamic() && (next.membershipRule != g.membershipRule || next.processingState != g.processingState || !g.dynamic()) {
		next.restartProcessing(c.Now(), s.opts.ProcessDelay)
	}
	if !next.dynamic() {
		next.processing = groupProcessing{}
		if g.dynamic() {
			next.members = nil // an assigned group starts from no members
		}
	}
	*g = next
	s.applyProfileAssignments()
	c.NoContent()
}

// removeReference answers DELETE /groups/{id}/owners/{ref}/$ref and …/members/{ref}/$ref: 204, or 404 when
// the object is not an owner (member) of the group.
func (s *Server) removeReference(c *call, g *group, rel string) {
	list := &g.members
	if rel == "owners" {
		list = &g.owners
	} else if g.dynamic() {
		c.fail(entraBadRequest("Members can't be added to or removed from group '%s': its membership is dynamic.", g.id))
		return
	}
	ref := c.Param("ref")
	if !hasFold(*list, ref) {
		c.fail(entraNotFound(ref))
		return
	}
	*list = slices.DeleteFunc(*list, func(id string) bool { return strings.EqualFold(id, ref) })
	s.applyProfileAssignments()
	c.NoContent()
}

// selected applies $select to one rendered entity of typ. Properties that Graph returns only when selected
// (a group's membershipRuleProcessingStatus) are passed as onlySelected; more than one is never needed.
// An unknown property gets Graph's 400 and ok false.
func (c *call) selected(obj map[string]any, typ string, onlySelected any) (map[string]any, bool) {
	raw := c.R.URL.Query().Get("$select")
	if raw == "" {
		return obj, true
	}
	out := map[string]any{}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		switch {
		case typ == "group" && strings.EqualFold(name, "membershipRuleProcessingStatus"):
			out["membershipRuleProcessingStatus"] = onlySelected
			continue
		}
		found := false
		for k, v := range obj {
			if strings.EqualFold(k, name) {
				out[k], found = v, true
			}
		}
		if !found && !strings.HasPrefix(typ, "directoryObject") {
			c.Error(http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", name, typ))
			return nil, false
		}
	}
	if t, ok := obj["@odata.type"]; ok && typ == "directoryObject" {
		out["@odata.type"] = t // members and owners say what each one is
	}
	return out, true
}

// pageSelected pages items after applying $select to each. Members and owners are directory objects of
// several types, so a property one type lacks is left out rather than refused.
func (c *call) pageSelected(items []map[string]any, typ string) {
	typ = strings.ToLower(typ[:1]) + typ[1:]
	out := make([]map[string]any, 0, len(items))
	for _, item := range items {
		obj, ok := c.selected(item, typ, nil)
		if !ok {
			return
		}
		out = append(out, obj)
	}
	c.Page(out)
}

func trueOrNull(b bool) any {
	if b {
		return true
	}
	return nil
}
