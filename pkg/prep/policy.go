package prep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

const policiesPath = "/deviceManagement/configurationPolicies"

// policyFilter is how the Intune tools list enrollment policies; device-preparation ones are then kept by
// template (docs/graph.md#device-preparation-and-enrollment-time-grouping).
const policyFilter = "(technologies has 'enrollment') and (platforms eq 'windows10') and (templateReference/templateFamily eq 'enrollmentConfiguration')"

// Policy is a device-preparation policy as the tenant holds it.
type Policy struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Mode        Mode     `json:"mode"`
	Priority    int      `json:"priority"`
	Settings    Settings `json:"settings"`
	// UserGroupIDs are the groups the policy is assigned to; Assignments the assignment objects as read,
	// sent back whole when the set is extended (assign replaces the set).
	UserGroupIDs []string          `json:"userGroupIds"`
	Assignments  []json.RawMessage `json:"-"`
}

// policyHead is a policy as listed.
type policyHead struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	TemplateReference struct {
		TemplateID string `json:"templateId"`
	} `json:"templateReference"`
	PriorityMetaData struct {
		Priority int `json:"priority"`
	} `json:"priorityMetaData"`
}

// NotFoundError says no device-preparation policy has the name or id.
type NotFoundError struct{ NameOrID string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no device-preparation policy in the tenant is named or has id %s", safetext.Quote(e.NameOrID))
}

// AmbiguousError says several policies carry one name; it never picks one.
type AmbiguousError struct {
	What, Name string
	IDs        []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d %s are named %s (ids %s); name one by id", len(e.IDs), e.What, safetext.Quote(e.Name), strings.Join(e.IDs, ", "))
}

// List returns every device-preparation policy (without settings and assignments).
func List(ctx context.Context, c *graph.Client) ([]*Policy, error) {
	var out []*Policy
	err := c.List(ctx, ListPath, func(raw json.RawMessage) error {
		var h policyHead
		if err := json.Unmarshal(raw, &h); err != nil {
			return fmt.Errorf("reading a configuration policy from Graph: %w", err)
		}
		if m := modeOf(h.TemplateReference.TemplateID); m != "" {
			out = append(out, &Policy{ID: h.ID, Name: h.Name, Description: h.Description, Mode: m, Priority: h.PriorityMetaData.Priority})
		}
		return nil
	})
	return out, err
}

// ListPath is the read List sends: for a caller that fetches several at once (graph.Client.Prefetch).
var ListPath = policiesPath + "?$filter=" + url.PathEscape(policyFilter)

// ReadPaths are the reads of one policy as a plan makes them: Get's settings and assignments, then the
// binding's retrieve as GET (Reader.Current's first verb on live tenants).
func ReadPaths(id string) []string {
	p := policiesPath + "/" + url.PathEscape(id)
	return []string{p + "?$expand=settings", p + "/assignments", actionPath(id, "retrieveEnrollmentTimeDeviceMembershipTarget")}
}

// Current is the policy named exactly name, read whole: nil when there is none, an *AmbiguousError when
// there are several.
func Current(ctx context.Context, c *graph.Client, name string) (*Policy, error) {
	all, err := List(ctx, c)
	if err != nil {
		return nil, err
	}
	var found []*Policy
	for _, p := range all {
		if p.Name == name {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return Get(ctx, c, found[0].ID)
	}
	e := &AmbiguousError{What: "device-preparation policies", Name: name}
	for _, p := range found {
		e.IDs = append(e.IDs, p.ID)
	}
	return nil, e
}

var isGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Resolve finds the policy an argument names, by id when it looks like one, else by exact name.
func Resolve(ctx context.Context, c *graph.Client, nameOrID string) (*Policy, error) {
	if isGUID.MatchString(nameOrID) {
		p, err := Get(ctx, c, nameOrID)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			return p, err
		}
	}
	p, err := Current(ctx, c, nameOrID)
	if err == nil && p == nil {
		err = &NotFoundError{NameOrID: nameOrID}
	}
	return p, err
}

// Get reads a policy with its settings and assignments; a policy on another template is not found.
func Get(ctx context.Context, c *graph.Client, id string) (*Policy, error) {
	var raw struct {
		policyHead
		Settings []json.RawMessage `json:"settings"`
	}
	read := ReadPaths(id)
	err := c.Do(ctx, "GET", read[0], nil, &raw)
	if isStatus(err, http.StatusNotFound) {
		return nil, &NotFoundError{NameOrID: id}
	}
	if err != nil {
		return nil, err
	}
	m := modeOf(raw.TemplateReference.TemplateID)
	if m == "" {
		return nil, &NotFoundError{NameOrID: id}
	}
	p := &Policy{ID: raw.ID, Name: raw.Name, Description: raw.Description, Mode: m, Priority: raw.PriorityMetaData.Priority}
	if p.Settings, err = decodeSettings(raw.Settings); err != nil {
		return nil, fmt.Errorf("policy %s: %w", safetext.Quote(p.Name), err)
	}
	err = c.List(ctx, read[1], func(a json.RawMessage) error {
		var as struct {
			Target struct {
				Type    string `json:"@odata.type"`
				GroupID string `json:"groupId"`
			} `json:"target"`
		}
		if err := json.Unmarshal(a, &as); err != nil {
			return fmt.Errorf("reading a policy assignment: %w", err)
		}
		p.Assignments = append(p.Assignments, a)
		if as.Target.Type == groupTarget && !slices.Contains(p.UserGroupIDs, as.Target.GroupID) {
			p.UserGroupIDs = append(p.UserGroupIDs, as.Target.GroupID)
		}
		return nil
	})
	return p, err
}

const groupTarget = "#microsoft.graph.groupAssignmentTarget"

// Delete deletes the policy.
func Delete(ctx context.Context, c *graph.Client, id string) error {
	return c.Do(ctx, "DELETE", policiesPath+"/"+url.PathEscape(id), nil, nil)
}

// isStatus reports whether err is Graph's answer with one of statuses.
func isStatus(err error, statuses ...int) bool {
	var ge *graph.Error
	return errors.As(err, &ge) && slices.Contains(statuses, ge.Status)
}
