package groups

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Desired is a group as asked for (by flags or a file).
type Desired struct {
	DisplayName string
	Description string // "" leaves an existing group's description alone
	Dynamic     bool
	Rule        string // for a dynamic group: the rule text to send (rule.Lint's Send)
	Paused      bool   // create or keep the dynamic group's processing paused
	OwnerAppIDs []string
}

// Validate applies the value rules before anything is sent: the name, the description, the rule (Lint's
// errors) and the owners' app ids.
func (d Desired) Validate() error {
	if err := CheckDisplayName(d.DisplayName); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(d.Description); n > maxDescription {
		return fmt.Errorf("description is %d characters long; at most %d are allowed", n, maxDescription)
	}
	if err := safetext.Check("description", d.Description); err != nil {
		return err
	}
	if d.Dynamic {
		if _, err := rule.Lint(d.Rule); err != nil {
			return err
		}
	} else if d.Rule != "" || d.Paused {
		return errors.New("an assigned group has no membership rule")
	}
	if len(d.OwnerAppIDs) > MaxCreateOwners {
		return fmt.Errorf("%d owner apps; a group is created with at most %d owners", len(d.OwnerAppIDs), MaxCreateOwners)
	}
	for _, id := range d.OwnerAppIDs {
		if err := CheckAppID(id); err != nil {
			return err
		}
	}
	return nil
}

func (d Desired) processingState() string {
	if d.Paused {
		return ProcessingPaused
	}
	return ProcessingOn
}

// Plan is what it takes to make the tenant hold Desired: the current group (nil: create it), its owners, the
// field changes, and the owner apps not yet owners.
type Plan struct {
	Desired       Desired
	Current       *Group
	Owners        []Owner
	Changes       []result.FieldChange
	MissingOwners []string // appIds
}

// ConflictError is a group that exists but differs in a way an update cannot, or may not, fix.
type ConflictError struct {
	Name, ID string
	Reason   string
	Changes  []result.FieldChange
}

func (e *ConflictError) Error() string {
	s := fmt.Sprintf("group %s (%s) %s", safetext.Quote(e.Name), safetext.Short(e.ID), e.Reason)
	for _, c := range e.Changes {
		s += fmt.Sprintf("\n  %s: %v → %v", c.Field, quoteValue(c.From), quoteValue(c.To))
	}
	return s
}

// quoteValue shows a field's value whole (rules are compared whole), escaped.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// PlanGroup looks the group up by exact name and compares it with d. Several groups with the name is an
// *AmbiguousError; an assigned group where a dynamic one is asked for (or the reverse) a *ConflictError.
func PlanGroup(ctx context.Context, c *graph.Client, d Desired) (*Plan, error) {
	cur, err := Current(ctx, c, d.DisplayName)
	if err != nil {
		return nil, err
	}
	p := &Plan{Desired: d, Current: cur, MissingOwners: slices.Clone(d.OwnerAppIDs)}
	if cur == nil {
		return p, nil
	}
	if cur.Dynamic() != d.Dynamic {
		want := map[bool]string{true: "dynamic", false: "assigned"}[d.Dynamic]
		return nil, &ConflictError{Name: cur.DisplayName, ID: cur.ID,
			Reason: fmt.Sprintf("is %s, not %s; its type can't be changed here: delete it or choose another name", cur.Type(), want)}
	}
	if p.Owners, err = Owners(ctx, c, cur.ID); err != nil {
		return nil, err
	}
	p.Changes, p.MissingOwners = Diff(d, cur, p.Owners)
	return p, nil
}

// Diff compares d with the group the tenant holds, field by field: membershipRule (as rules, not as text),
// membershipRuleProcessingState, description (when d sets one) and owners (apps in d that are not owners;
// owners d does not name are left alone).
func Diff(d Desired, cur *Group, owners []Owner) (changes []result.FieldChange, missingOwners []string) {
	if d.Dynamic {
		if !rule.Equivalent(cur.MembershipRule, d.Rule) {
			changes = append(changes, result.FieldChange{Field: "membershipRule", From: cur.MembershipRule, To: d.Rule})
		}
		if !strings.EqualFold(cur.MembershipRuleProcessingState, d.processingState()) {
			changes = append(changes, result.FieldChange{Field: "membershipRuleProcessingState", From: cur.MembershipRuleProcessingState, To: d.processingState()})
		}
	}
	if d.Description != "" && d.Description != cur.Description {
		changes = append(changes, result.FieldChange{Field: "description", From: cur.Description, To: d.Description})
	}
	for _, app := range d.OwnerAppIDs {
		if !slices.ContainsFunc(owners, func(o Owner) bool { return strings.EqualFold(o.AppID, app) }) {
			missingOwners = append(missingOwners, app)
		}
	}
	if len(missingOwners) > 0 {
		changes = append(changes, result.FieldChange{Field: "owners", From: ownerApps(owners), To: append(ownerApps(owners), missingOwners...)})
	}
	return changes, missingOwners
}

func ownerApps(owners []Owner) []string {
	out := []string{}
	for _, o := range owners {
		if o.AppID != "" {
			out = append(out, o.AppID)
		}
	}
	return out
}

// Check refuses an update that was not allowed: a group that differs, unless update.
func (p *Plan) Check(update bool) error {
	if p.Current == nil || len(p.Changes) == 0 || update {
		return nil
	}
	reason := "exists and differs; pass --update to change it:"
	if slices.ContainsFunc(p.Changes, func(c result.FieldChange) bool { return c.Field == "membershipRule" }) {
		reason = "exists and differs; pass --update to change it (a new rule restarts membership processing):"
	}
	return &ConflictError{Name: p.Current.DisplayName, ID: p.Current.ID, Changes: p.Changes, Reason: reason}
}

// Request is one write Apply sends (or, in a dry run, would send).
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
}

// Change is the result of applying one group: the shared change fields and what the group now is.
type Change struct {
	result.Change
	DisplayName    string    `json:"displayName"`
	MembershipRule string    `json:"membershipRule,omitempty"`
	Requests       []Request `json:"requests,omitempty"` // dry run: the exact requests that would be sent
}

// createBody is POST /groups, in the order the docs show it (docs/graph.md#dynamic-device-groups).
type createBody struct {
	DisplayName                   string   `json:"displayName"`
	Description                   string   `json:"description,omitempty"`
	GroupTypes                    []string `json:"groupTypes"`
	MailEnabled                   bool     `json:"mailEnabled"`
	MailNickname                  string   `json:"mailNickname"`
	SecurityEnabled               bool     `json:"securityEnabled"`
	MembershipRule                string   `json:"membershipRule,omitempty"`
	MembershipRuleProcessingState string   `json:"membershipRuleProcessingState,omitempty"`
	Owners                        []string `json:"owners@odata.bind,omitempty"`
}

// updateBody is PATCH /groups/{id}: only the fields that change.
type updateBody struct {
	Description                   string `json:"description,omitempty"`
	MembershipRule                string `json:"membershipRule,omitempty"`
	MembershipRuleProcessingState string `json:"membershipRuleProcessingState,omitempty"`
}

// ApplyOptions are how Apply runs.
type ApplyOptions struct {
	DryRun bool
	// Sleep waits between read-backs of a group Graph has not replicated yet (docs/graph.md#dynamic-device-groups).
	Sleep func(ctx context.Context, d time.Duration) error
}

// newServicePrincipal stands in a dry run's body for the id of a service principal that would be created.
const newServicePrincipal = "<id of the new service principal>"

// Apply makes the tenant match the plan: creates the group (owners bound in the same request), or PATCHes
// what differs and adds missing owners by $ref; service principals missing from the tenant are created
// first. It reads the group back and compares. Checked plans only: Apply does not ask Plan.Check.
func Apply(ctx context.Context, c *graph.Client, p *Plan, opts ApplyOptions) (*Change, error) {
	d := p.Desired
	ch := &Change{Change: result.Change{Kind: Kind, Name: d.DisplayName}, DisplayName: d.DisplayName, MembershipRule: d.Rule}
	if p.Current != nil {
		ch.ID = p.Current.ID
		ch.Name, ch.DisplayName = p.Current.DisplayName, p.Current.DisplayName // as the tenant spells it
		ch.Changes = p.Changes
		if len(p.Changes) == 0 {
			ch.Status, ch.MembershipRule = result.Unchanged, p.Current.MembershipRule
			return ch, nil
		}
	}
	var notes []string
	ownerIDs, err := ensureOwners(ctx, c, p.MissingOwners, opts.DryRun, &notes, &ch.Requests)
	if err != nil {
		return failed(ch, err, notes), nil
	}
	var reqs []Request
	if p.Current == nil {
		body := createBody{DisplayName: d.DisplayName, Description: d.Description, GroupTypes: []string{}, MailEnabled: false,
			MailNickname: MailNickname(d.DisplayName), SecurityEnabled: true}
		if d.Dynamic {
			body.GroupTypes, body.MembershipRule, body.MembershipRuleProcessingState = []string{"DynamicMembership"}, d.Rule, d.processingState()
		}
		for _, id := range ownerIDs {
			body.Owners = append(body.Owners, directoryObjectURL(c, id))
		}
		reqs = append(reqs, Request{Method: "POST", Path: "/groups", Body: body})
	} else {
		var body updateBody
		for _, f := range p.Changes {
			switch f.Field {
			case "description":
				body.Description = d.Description
			case "membershipRule":
				body.MembershipRule = d.Rule
				notes = append(notes, "the new rule restarts membership processing; `autopilotctl group wait` follows it")
			case "membershipRuleProcessingState":
				body.MembershipRuleProcessingState = d.processingState()
			}
		}
		path, err := groupPath(p.Current.ID, "")
		if err != nil {
			return failed(ch, err, notes), nil
		}
		if body != (updateBody{}) {
			reqs = append(reqs, Request{Method: "PATCH", Path: path, Body: body})
		}
		for _, id := range ownerIDs {
			reqs = append(reqs, Request{Method: "POST", Path: path + "/owners/$ref", Body: map[string]string{"@odata.id": directoryObjectURL(c, id)}})
		}
	}
	if opts.DryRun {
		ch.Requests = append(ch.Requests, reqs...)
		ch.Status = map[bool]result.Status{true: result.WouldCreate, false: result.WouldUpdate}[p.Current == nil]
		ch.Message = strings.Join(notes, "; ")
		return ch, nil
	}
	ch.Requests = nil
	for _, r := range reqs {
		var created Group
		out := any(nil)
		if r.Method == "POST" && r.Path == "/groups" {
			out = &created
		}
		if err := c.Do(ctx, r.Method, r.Path, r.Body, out); err != nil {
			return failed(ch, err, notes), nil
		}
		if created.ID != "" {
			ch.ID = created.ID
		}
	}
	ch.Status = map[bool]result.Status{true: result.Created, false: result.Updated}[p.Current == nil]
	if err := readBack(ctx, c, ch.ID, d, opts); err != nil {
		notes = append(notes, err.Error())
		ch.Status, ch.Error = result.Failed, "read back: "+err.Error()
	}
	ch.Message = strings.Join(notes, "; ")
	return ch, nil
}

func failed(ch *Change, err error, notes []string) *Change {
	ch.Status, ch.Error, ch.Message = result.Failed, err.Error(), strings.Join(notes, "; ")
	return ch
}

// ensureOwners finds (or creates, saying so) the service principal of each app and returns their ids. In a
// dry run a missing one is only noted, and stands as newServicePrincipal.
func ensureOwners(ctx context.Context, c *graph.Client, apps []string, dryRun bool, notes *[]string, reqs *[]Request) ([]string, error) {
	var ids []string
	for _, app := range apps {
		sp, err := FindServicePrincipal(ctx, c, app)
		switch {
		case err != nil:
			return nil, err
		case sp != nil:
			ids = append(ids, sp.ID)
			continue
		case dryRun:
			*notes = append(*notes, fmt.Sprintf("app %s has no service principal in the tenant; it would be created", app))
			*reqs = append(*reqs, Request{Method: "POST", Path: "/servicePrincipals", Body: map[string]string{"appId": app}})
			ids = append(ids, newServicePrincipal)
			continue
		}
		if sp, err = CreateServicePrincipal(ctx, c, app); err != nil {
			return nil, err
		}
		*notes = append(*notes, fmt.Sprintf("created the service principal of app %s (%s)", app, sp.ID))
		ids = append(ids, sp.ID)
	}
	return ids, nil
}

// readBackAttempts bounds the wait for a new group to replicate: 1+2+4+8 s.
const readBackAttempts = 5

// readBack reads the group after a write and compares what Graph holds with d. A new group can answer 404
// for a few seconds (docs/graph.md#dynamic-device-groups), so a 404 is retried with a growing wait.
func readBack(ctx context.Context, c *graph.Client, id string, d Desired, opts ApplyOptions) error {
	var g *Group
	var err error
	for attempt, wait := 1, time.Second; ; attempt, wait = attempt+1, wait*2 {
		g, err = Get(ctx, c, id)
		var nf *NotFoundError
		if !errors.As(err, &nf) || attempt == readBackAttempts {
			break
		}
		if err := sleeper(opts.Sleep)(ctx, wait); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	var diffs []string
	if !strings.EqualFold(g.DisplayName, d.DisplayName) { // names match without case, as Graph matches them
		diffs = append(diffs, "displayName is "+safetext.Quote(g.DisplayName))
	}
	if g.Dynamic() != d.Dynamic {
		diffs = append(diffs, "the group is "+g.Type())
	}
	if d.Dynamic && !rule.Equivalent(g.MembershipRule, d.Rule) {
		diffs = append(diffs, "membershipRule is "+safetext.Quote(g.MembershipRule))
	}
	if d.Description != "" && g.Description != d.Description {
		diffs = append(diffs, "description is "+safetext.Quote(g.Description))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("Graph holds another group than was sent: %s", strings.Join(diffs, ", "))
	}
	return nil
}

// IsNotFound reports whether err says a group does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	var ge *graph.Error
	return errors.As(err, &nf) || errors.As(err, &ge) && ge.Status == http.StatusNotFound
}
