package autopilot

import (
	"context"
	"fmt"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// DeleteResult is one device's deregistration.
type DeleteResult struct {
	result.Change
	// ManagedDeviceID is the Intune managed device that keeps an enrolled device from being deregistered,
	// when Graph knows it.
	ManagedDeviceID string `json:"managedDeviceId,omitempty"`
}

// nilGUID is what Graph sends as managedDeviceId when it does not know the managed device.
const nilGUID = "00000000-0000-0000-0000-000000000000"

// PlanDeletes resolves each serial number (one listed twice counts once): wouldDelete, or failed when the
// device is still enrolled in Intune, which the service refuses to deregister; the message says what to do.
func PlanDeletes(ctx context.Context, c *graph.Client, serials []string) ([]*DeleteResult, error) {
	serials = uniqueFold(serials)
	devices, entries, err := resolveSerials(ctx, c, serials)
	if err != nil {
		return nil, err
	}
	plan := make([]*DeleteResult, len(serials))
	for i, e := range entries {
		d := devices[i]
		plan[i] = &DeleteResult{Change: e}
		switch {
		case e.Status != "":
		case d.Enrolled():
			plan[i].Status, plan[i].Error = result.Failed, "still enrolled in Intune: the service refuses to deregister an enrolled device"
			plan[i].Message = enrolledAdvice(d)
			if knownManagedDevice(d) {
				plan[i].ManagedDeviceID = d.ManagedDeviceID
			}
		default:
			plan[i].Status = result.WouldDelete
		}
	}
	return plan, nil
}

// knownManagedDevice reports whether Graph named the device's Intune managed device: a GUID other than the
// nil GUID, which (like nothing) Graph sends when it does not know it. Anything else is never offered as
// something to delete.
func knownManagedDevice(d Device) bool {
	return graph.IsGUID(d.ManagedDeviceID) && d.ManagedDeviceID != nilGUID
}

// enrolledAdvice says how to delete the Intune managed device first. The serial number is the tenant's text:
// escaped.
func enrolledAdvice(d Device) string {
	if knownManagedDevice(d) {
		id := d.ManagedDeviceID
		return fmt.Sprintf("delete managed device %s first, in the Intune admin center (Devices > All devices) or with "+
			"DELETE /deviceManagement/managedDevices/%s, then run this again", id, id)
	}
	serial := safetext.Short(d.SerialNumber)
	return fmt.Sprintf("its managed device id is unknown: find the device in the Intune admin center (Devices > All devices, "+
		"search for serial number %s) or with GET /deviceManagement/managedDevices?$filter=serialNumber eq %s, "+
		"delete it there, then run this again", serial, odataString(serial))
}

// ApplyDeletes deletes the planned devices (wouldDelete) and records each answer.
func ApplyDeletes(ctx context.Context, c *graph.Client, plan []*DeleteResult, opts WriteOptions) error {
	var planned []*result.Change
	var reqs []graph.BatchRequest
	for i := range plan {
		if plan[i].Status == result.WouldDelete {
			planned, reqs = addWrite(planned, reqs, &plan[i].Change, "DELETE", "", nil)
		}
	}
	return sendWrites(ctx, c, planned, reqs, result.Deleted, opts)
}
