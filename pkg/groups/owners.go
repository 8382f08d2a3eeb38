package groups

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Owner is one owner of a group: a service principal (with the appId owners are matched by) or a user.
type Owner struct {
	ID          string `json:"id"`
	Type        string `json:"type"` // servicePrincipal, user, …
	AppID       string `json:"appId,omitempty"`
	DisplayName string `json:"displayName"`
}

// Owners lists the group's owners, every page.
func Owners(ctx context.Context, c *graph.Client, groupID string) ([]Owner, error) {
	var out []Owner
	path, err := OwnersPath(groupID)
	if err != nil {
		return nil, err
	}
	err = c.List(ctx, path, func(raw json.RawMessage) error {
		var o struct {
			Type        string `json:"@odata.type"`
			ID          string `json:"id"`
			AppID       string `json:"appId"`
			DisplayName string `json:"displayName"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return fmt.Errorf("reading a group owner from Graph: %w", err)
		}
		out = append(out, Owner{ID: o.ID, Type: strings.TrimPrefix(o.Type, "#microsoft.graph."), AppID: o.AppID, DisplayName: o.DisplayName})
		return nil
	})
	return out, err
}

// OwnersPath is the read Owners sends first (see LookupPath); an error for an id that is not one.
func OwnersPath(groupID string) (string, error) { return groupPath(groupID, "/owners") }

// ServicePrincipal is an application's service principal in the tenant.
type ServicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
}

// checkServicePrincipal refuses a service principal Graph gave an id that is not a GUID: the id goes into
// owner references (directoryObjectURL).
func checkServicePrincipal(sp *ServicePrincipal) (*ServicePrincipal, error) {
	if _, err := graph.IDSegment("service principal", sp.ID); err != nil {
		return nil, err
	}
	return sp, nil
}

// ServicePrincipalPath is the read FindServicePrincipal sends (see LookupPath).
func ServicePrincipalPath(appID string) string {
	return "/servicePrincipals(appId='" + url.PathEscape(appID) + "')"
}

// FindServicePrincipal looks an application's service principal up by appId (never by display name:
// docs/graph.md#dynamic-device-groups); nil when the tenant has none.
func FindServicePrincipal(ctx context.Context, c *graph.Client, appID string) (*ServicePrincipal, error) {
	var sp ServicePrincipal
	err := c.Do(ctx, "GET", ServicePrincipalPath(appID), nil, &sp)
	var ge *graph.Error
	if errors.As(err, &ge) && ge.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up the service principal of app %s: %w", appID, err)
	}
	return checkServicePrincipal(&sp)
}

// CreateServicePrincipal creates the service principal of an application the tenant does not have yet.
func CreateServicePrincipal(ctx context.Context, c *graph.Client, appID string) (*ServicePrincipal, error) {
	var sp ServicePrincipal
	if err := c.Do(ctx, "POST", "/servicePrincipals", map[string]string{"appId": appID}, &sp); err != nil {
		return nil, fmt.Errorf("creating the service principal of app %s: %w", appID, err)
	}
	return checkServicePrincipal(&sp)
}

// directoryObjectURL is the reference Graph takes in owners@odata.bind and $ref bodies. id is a service
// principal's id checked as a GUID (checkServicePrincipal), or a dry run's newServicePrincipal.
func directoryObjectURL(c *graph.Client, id string) string {
	return strings.TrimSuffix(c.BaseURL, "/") + "/directoryObjects/" + id
}

// CheckAppID checks an application (client) id is a GUID.
func CheckAppID(appID string) error {
	if !graph.IsGUID(appID) {
		return fmt.Errorf("app id %s is not a GUID (an application's client id, e.g. f1346770-5b25-470b-88bd-d5744ab7952c)", safetext.Quote(appID))
	}
	return nil
}
