package autopilot

import (
	"context"
	"fmt"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// DeleteResult is one device's deregistration.
type DeleteResult struct {
	Outcome
	ManagedDeviceID string `json:"managedDeviceId,omitempty"` // set when the device is still enrolled in Intune
}

// PlanDeletes resolves each serial number (one listed twice counts once): wouldDelete, or enrolled when the
// device is still enrolled in Intune, which the service refuses to deregister; the error says what to do.
func PlanDeletes(ctx context.Context, c *graph.Client, serials []string) ([]DeleteResult, error) {
	serials = uniqueFold(serials)
	devices, outcomes, err := resolveSerials(ctx, c, serials)
	if err != nil {
		return nil, err
	}
	plan := make([]DeleteResult, len(serials))
	for i, o := range outcomes {
		d := devices[i]
		plan[i] = DeleteResult{Outcome: o}
		switch {
		case o.Status != "":
		case d.Enrolled():
			plan[i].Status, plan[i].ManagedDeviceID = StatusEnrolled, d.ManagedDeviceID
			plan[i].Error = fmt.Sprintf("still enrolled in Intune as managed device %s: delete it in the Intune admin "+
				"center (Devices > All devices) or with DELETE /deviceManagement/managedDevices/%s, then run this again",
				d.ManagedDeviceID, d.ManagedDeviceID)
		default:
			plan[i].Status = StatusWouldDelete
		}
	}
	return plan, nil
}

// ApplyDeletes deletes the planned devices (wouldDelete) and records each answer.
func ApplyDeletes(ctx context.Context, c *graph.Client, plan []DeleteResult, opts WriteOptions) error {
	var planned []*Outcome
	var reqs []graph.BatchRequest
	for i := range plan {
		if plan[i].Status == StatusWouldDelete {
			planned = append(planned, &plan[i].Outcome)
			reqs = append(reqs, deviceRequest("DELETE", plan[i].ID, "", nil))
		}
	}
	return sendWrites(ctx, c, planned, reqs, StatusDeleted, opts)
}
