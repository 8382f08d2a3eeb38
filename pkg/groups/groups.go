// Package groups owns Entra ID security groups for Autopilot: dynamic device groups built from membership
// rules, assigned groups, their owners (service principals matched by appId) and the preview of a rule's
// members before the group exists. It has the one shape every kind of Autopilot object follows
// (docs/architecture.md): a Desired group from flags or a file, the Current group found by exact display
// name, a field-by-field Diff, and an Apply that creates or updates, reads back and compares. It knows nothing
// of cobra or terminals, so the declarative apply can compose the same functions.
package groups

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Kind is the kind of object in change results (Graph's entity name).
const Kind = "group"

// Limits from docs/graph.md#dynamic-device-groups.
const (
	MaxDisplayName  = 256
	MaxMailNickname = 64
	MaxCreateOwners = 20 // owners@odata.bind + members@odata.bind on create
	maxDescription  = 1024
)

// Processing states of a dynamic group (membershipRuleProcessingState).
const (
	ProcessingOn     = "On"
	ProcessingPaused = "Paused"
)

// Group is a group as Graph returns it, with Graph's property names.
type Group struct {
	ID                            string   `json:"id"`
	DisplayName                   string   `json:"displayName"`
	Description                   string   `json:"description"`
	MailNickname                  string   `json:"mailNickname"`
	MailEnabled                   bool     `json:"mailEnabled"`
	SecurityEnabled               bool     `json:"securityEnabled"`
	GroupTypes                    []string `json:"groupTypes"`
	MembershipRule                string   `json:"membershipRule"`
	MembershipRuleProcessingState string   `json:"membershipRuleProcessingState"`
	IsAssignableToRole            *bool    `json:"isAssignableToRole"`
}

// Dynamic reports whether the group's members come from its rule.
func (g *Group) Dynamic() bool {
	for _, t := range g.GroupTypes {
		if strings.EqualFold(t, "DynamicMembership") {
			return true
		}
	}
	return false
}

// Type is "dynamic" or "assigned", as the commands say it.
func (g *Group) Type() string {
	if g.Dynamic() {
		return "dynamic"
	}
	return "assigned"
}

// NotFoundError says no group has the name or id.
type NotFoundError struct{ NameOrID string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no group named or with id %s", safetext.Quote(e.NameOrID))
}

// AmbiguousError says several groups carry one display name; it never picks one.
type AmbiguousError struct {
	Name string
	IDs  []string
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = safetext.Short(id) // the tenant's text
	}
	return fmt.Sprintf("%d groups are named %s (ids %s); rename or delete all but one, or name the group by id",
		len(e.IDs), safetext.Quote(e.Name), strings.Join(ids, ", "))
}

// CheckDisplayName applies the value rule and Graph's length limit to a group name.
func CheckDisplayName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		return errors.New("group name is empty")
	case n > MaxDisplayName:
		return fmt.Errorf("group name is %d characters long; Entra allows at most %d", n, MaxDisplayName)
	}
	return safetext.Check("group name", name)
}

// MailNickname derives the mailNickname Graph requires from a display name, the same way every time so
// that re-runs and apply stay idempotent: ASCII letters, digits, '-', '_' and '.' kept (lower-cased),
// anything else a '-', cut to fit, and a suffix from a hash of the whole name so that names which sanitise
// alike still differ (docs/graph.md#dynamic-device-groups).
func MailNickname(displayName string) string {
	sum := sha256.Sum256([]byte(displayName))
	suffix := "-" + hex.EncodeToString(sum[:4])
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(displayName) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	base := strings.Trim(b.String(), "-.")
	if len(base) > MaxMailNickname-len(suffix) {
		base = strings.Trim(base[:MaxMailNickname-len(suffix)], "-.")
	}
	if base == "" {
		base = "group"
	}
	return base + suffix
}

// groupPath is the URL path of a group, and of one of its parts ("/owners", "?$select=…") when rest is not
// empty. Group ids are GUIDs: one that is not (a hostile or broken listing) is refused, never put in a URL.
func groupPath(id, rest string) (string, error) {
	seg, err := graph.IDSegment("group", id)
	if err != nil {
		return "", err
	}
	return "/groups/" + seg + rest, nil
}

// groupSelect is what every group read asks for.
const groupSelect = "id,displayName,description,mailNickname,mailEnabled,securityEnabled,groupTypes,membershipRule,membershipRuleProcessingState,isAssignableToRole"

// FindByName returns every group whose display name is name, ignoring case as Graph's eq does (the answer is
// filtered again here all the same, in case a service answers more; docs/graph.md#dynamic-device-groups).
func FindByName(ctx context.Context, c *graph.Client, name string) ([]*Group, error) {
	var out []*Group
	err := c.List(ctx, LookupPath(name), func(raw json.RawMessage) error {
		var g Group
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("reading a group from Graph: %w", err)
		}
		if strings.EqualFold(g.DisplayName, name) {
			out = append(out, &g)
		}
		return nil
	})
	return out, err
}

// LookupPath is the read FindByName sends for name: for a caller that fetches several at once
// (graph.Client.Prefetch).
func LookupPath(name string) string {
	return "/groups?" + query("$filter", "displayName eq "+odataString(name), "$select", groupSelect)
}

// Current is the group named exactly name: nil when there is none, an *AmbiguousError when there are several.
func Current(ctx context.Context, c *graph.Client, name string) (*Group, error) {
	found, err := FindByName(ctx, c, name)
	switch {
	case err != nil:
		return nil, err
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		e := &AmbiguousError{Name: name}
		for _, g := range found {
			e.IDs = append(e.IDs, g.ID)
		}
		return nil, e
	}
	return found[0], nil
}

// Get reads the group with id; a *NotFoundError when there is none.
func Get(ctx context.Context, c *graph.Client, id string) (*Group, error) {
	var g Group
	path, err := groupPath(id, "?"+query("$select", groupSelect))
	if err != nil {
		return nil, err
	}
	err = c.Do(ctx, "GET", path, nil, &g)
	var ge *graph.Error
	if errors.As(err, &ge) && ge.Status == http.StatusNotFound {
		return nil, &NotFoundError{NameOrID: id}
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// Resolve finds the group an argument names: by id when it looks like one (and a group has it), else by
// exact display name. None is a *NotFoundError, several an *AmbiguousError.
func Resolve(ctx context.Context, c *graph.Client, nameOrID string) (*Group, error) {
	if graph.IsGUID(nameOrID) {
		g, err := Get(ctx, c, nameOrID)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			return g, err
		}
	}
	g, err := Current(ctx, c, nameOrID)
	if err == nil && g == nil {
		err = &NotFoundError{NameOrID: nameOrID}
	}
	return g, err
}

// ListPath is the first page List reads, for prefetching (graph.Client.Prefetch).
func ListPath() string { return "/groups?" + query("$select", groupSelect, "$top", "999") }

// List pages through every group, calling each.
func List(ctx context.Context, c *graph.Client, each func(*Group) error) error {
	return c.List(ctx, ListPath(), func(raw json.RawMessage) error {
		var g Group
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("reading a group from Graph: %w", err)
		}
		return each(&g)
	})
}

// TargetsAutopilot reports whether the group's rule selects Autopilot devices: by [ZTDId], [OrderID] or
// [PurchaseOrderId] physical ids, or by enrollmentProfileName. A rule this tool cannot parse is searched for
// those names as text.
func (g *Group) TargetsAutopilot() bool {
	if g.MembershipRule == "" {
		return false
	}
	if r, err := rule.Parse(g.MembershipRule); err == nil {
		return r.TargetsAutopilot()
	}
	text := strings.ToLower(g.MembershipRule)
	for _, s := range []string{"[ztdid]", "[orderid]", "[purchaseorderid]", "enrollmentprofilename"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// Delete deletes the group.
func Delete(ctx context.Context, c *graph.Client, id string) error {
	path, err := groupPath(id, "")
	if err != nil {
		return err
	}
	return c.Do(ctx, "DELETE", path, nil, nil)
}

// query encodes name/value pairs for a Graph URL: spaces as %20 and '$' left as is.
func query(pairs ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Set(pairs[i], pairs[i+1])
	}
	return strings.ReplaceAll(strings.ReplaceAll(q.Encode(), "+", "%20"), "%24", "$")
}

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
