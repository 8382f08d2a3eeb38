package autopilot

import (
	"context"
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// UserResult is a device's assigned user after assign-user or unassign-user; its Changes hold the
// userPrincipalName and addressableUserName changes.
type UserResult struct {
	result.Change
	// The user the device has (unchanged) or is given; tables show them, JSON has them in Changes.
	UserPrincipalName   string `json:"-"`
	AddressableUserName string `json:"-"`
}

// ValidateUPN checks upn by Entra ID's rules for a user principal name, the same as for the CSV column.
func ValidateUPN(upn string) error { return hashcsv.CheckUPN(upn) }

// AssignUser assigns the user upn to the device named by serial number or id, with displayName as the
// greeting name shown during setup ("" leaves it to the service). Nothing is sent when the device already
// has that user (and that name, when one is given), or when dryRun.
func AssignUser(ctx context.Context, c *graph.Client, serialOrID, upn, displayName string, dryRun bool) (UserResult, error) {
	d, err := lookupDevice(ctx, c, serialOrID, false)
	if err != nil {
		return UserResult{}, err
	}
	r := UserResult{Change: result.Change{Kind: Kind, SerialNumber: d.SerialNumber, ID: d.ID}, UserPrincipalName: upn, AddressableUserName: displayName}
	if strings.EqualFold(d.UserPrincipalName, upn) && (displayName == "" || displayName == d.AddressableUserName) {
		r.UserPrincipalName, r.AddressableUserName, r.Status = d.UserPrincipalName, d.AddressableUserName, result.Unchanged
		return r, nil
	}
	body := map[string]string{"userPrincipalName": upn}
	r.Changes = []result.FieldChange{{Field: "userPrincipalName", From: d.UserPrincipalName, To: upn}}
	if displayName != "" {
		body["addressableUserName"] = displayName
		if displayName != d.AddressableUserName {
			r.Changes = append(r.Changes, result.FieldChange{Field: "addressableUserName", From: d.AddressableUserName, To: displayName})
		}
	}
	return r, postAction(ctx, c, &r.Change, "assignUserToDevice", body, dryRun)
}

// UnassignUser removes the assigned user from the device named by serial number or id. Nothing is sent when
// it has none, or when dryRun.
func UnassignUser(ctx context.Context, c *graph.Client, serialOrID string, dryRun bool) (UserResult, error) {
	d, err := lookupDevice(ctx, c, serialOrID, false)
	if err != nil {
		return UserResult{}, err
	}
	r := UserResult{Change: result.Change{Kind: Kind, SerialNumber: d.SerialNumber, ID: d.ID}}
	if d.UserPrincipalName == "" && d.AddressableUserName == "" {
		r.Status = result.Unchanged
		return r, nil
	}
	for _, f := range []struct{ name, from string }{{"userPrincipalName", d.UserPrincipalName}, {"addressableUserName", d.AddressableUserName}} {
		if f.from != "" {
			r.Changes = append(r.Changes, result.FieldChange{Field: f.name, From: f.from, To: ""})
		}
	}
	return r, postAction(ctx, c, &r.Change, "unassignUserFromDevice", nil, dryRun)
}

// postAction posts one device action (or, when dryRun, only marks it wouldUpdate).
func postAction(ctx context.Context, c *graph.Client, e *result.Change, action string, body any, dryRun bool) error {
	if dryRun {
		e.Status = result.WouldUpdate
		return nil
	}
	path, err := devicePath(e.ID, action)
	if err == nil {
		err = c.Do(ctx, "POST", path, body, nil)
	}
	if err != nil {
		return fmt.Errorf("%s on device %s (serial number %s): %w", action, safetext.Short(e.ID), safetext.Quote(e.SerialNumber), err)
	}
	e.Status = result.Updated
	return nil
}
