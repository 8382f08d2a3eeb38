package autopilot

import (
	"context"
	"encoding/json"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// TagTarget is a device, named by serial number, and the group tag it should have ("" clears it).
type TagTarget struct {
	SerialNumber string
	GroupTag     string
}

// TagResult is one device's group-tag change; its Changes hold the groupTag change when there is one.
type TagResult struct {
	result.Change
	// PreviousGroupTag is the tenant's group tag before the change, GroupTag the one asked for; tables
	// show both, JSON has them in Changes.
	PreviousGroupTag string `json:"-"`
	GroupTag         string `json:"-"`
}

// ValidateGroupTag checks what the service would refuse, before anything is sent, by the rule CSV cells
// follow too: no control or format characters, at most hashcsv.MaxGroupTagLength characters.
func ValidateGroupTag(tag string) error { return hashcsv.CheckGroupTag(tag) }

// PlanTags resolves each target and decides what to change: wouldUpdate when the group tag differs,
// unchanged when the device already has it, notFound or failed when the serial number names no single
// device. A serial number listed twice counts once (the first).
func PlanTags(ctx context.Context, c *graph.Client, targets []TagTarget) ([]*TagResult, error) {
	want := map[string]string{}
	serials := make([]string, 0, len(targets))
	for _, t := range targets {
		if _, dup := want[hashcsv.SerialKey(t.SerialNumber)]; !dup {
			want[hashcsv.SerialKey(t.SerialNumber)] = t.GroupTag
		}
		serials = append(serials, t.SerialNumber)
	}
	serials = uniqueFold(serials)
	devices, entries, err := resolveSerials(ctx, c, serials)
	if err != nil {
		return nil, err
	}
	plan := make([]*TagResult, len(serials))
	for i, e := range entries {
		plan[i] = planTag(e, devices[i], want[hashcsv.SerialKey(serials[i])])
	}
	return plan, nil
}

// PlanRetag plans giving every device tagged from (ignoring case) the tag to.
func PlanRetag(ctx context.Context, c *graph.Client, from, to string) ([]*TagResult, error) {
	devices, err := ListDevices(ctx, c, Filter{GroupTag: from})
	if err != nil {
		return nil, err
	}
	plan := make([]*TagResult, len(devices))
	for i, d := range devices {
		e := result.Change{Kind: Kind, SerialNumber: d.SerialNumber, ID: d.ID}
		if err := checkID(d); err != nil {
			e.Status, e.Error = result.Failed, err.Error()
		}
		plan[i] = planTag(e, d, to)
	}
	return plan, nil
}

func planTag(e result.Change, d Device, tag string) *TagResult {
	r := &TagResult{Change: e, PreviousGroupTag: d.GroupTag, GroupTag: tag}
	switch {
	case e.Status != "":
	case d.GroupTag == tag:
		r.Status = result.Unchanged
	default:
		r.Status = result.WouldUpdate
		r.Changes = []result.FieldChange{{Field: "groupTag", From: d.GroupTag, To: tag}}
	}
	return r
}

// ApplyTags sends the planned changes (wouldUpdate) with updateDeviceProperties and records each answer.
func ApplyTags(ctx context.Context, c *graph.Client, plan []*TagResult, opts WriteOptions) error {
	var planned []*result.Change
	var reqs []graph.BatchRequest
	for i := range plan {
		if plan[i].Status != result.WouldUpdate {
			continue
		}
		body, err := json.Marshal(map[string]string{"groupTag": plan[i].GroupTag})
		if err != nil {
			return err
		}
		planned, reqs = addWrite(planned, reqs, &plan[i].Change, "POST", "updateDeviceProperties", body)
	}
	return sendWrites(ctx, c, planned, reqs, result.Updated, opts)
}
