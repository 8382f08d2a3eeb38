package autopilot

import (
	"context"
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// UserResult is a device's assigned user after assign-user or unassign-user.
type UserResult struct {
	Outcome
	UserPrincipalName   string `json:"userPrincipalName"`
	AddressableUserName string `json:"addressableUserName"`
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
	r := UserResult{Outcome: Outcome{SerialNumber: d.SerialNumber, ID: d.ID}, UserPrincipalName: upn, AddressableUserName: displayName}
	if strings.EqualFold(d.UserPrincipalName, upn) && (displayName == "" || displayName == d.AddressableUserName) {
		r.UserPrincipalName, r.AddressableUserName, r.Status = d.UserPrincipalName, d.AddressableUserName, StatusUnchanged
		return r, nil
	}
	body := map[string]string{"userPrincipalName": upn}
	if displayName != "" {
		body["addressableUserName"] = displayName
	}
	return r, postAction(ctx, c, &r.Outcome, "assignUserToDevice", body, dryRun)
}

// UnassignUser removes the assigned user from the device named by serial number or id. Nothing is sent when
// it has none, or when dryRun.
func UnassignUser(ctx context.Context, c *graph.Client, serialOrID string, dryRun bool) (UserResult, error) {
	d, err := lookupDevice(ctx, c, serialOrID, false)
	if err != nil {
		return UserResult{}, err
	}
	r := UserResult{Outcome: Outcome{SerialNumber: d.SerialNumber, ID: d.ID}}
	if d.UserPrincipalName == "" && d.AddressableUserName == "" {
		r.Status = StatusUnchanged
		return r, nil
	}
	return r, postAction(ctx, c, &r.Outcome, "unassignUserFromDevice", nil, dryRun)
}

// postAction posts one device action (or, when dryRun, only marks it wouldUpdate).
func postAction(ctx context.Context, c *graph.Client, o *Outcome, action string, body any, dryRun bool) error {
	if dryRun {
		o.Status = StatusWouldUpdate
		return nil
	}
	if err := c.Do(ctx, "POST", devicesPath+"/"+o.ID+"/"+action, body, nil); err != nil {
		return fmt.Errorf("%s on device %s (serial number %s): %w", action, o.ID, o.SerialNumber, err)
	}
	o.Status = StatusUpdated
	return nil
}
