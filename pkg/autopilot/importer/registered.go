package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// listTenantAbove is how many serial numbers make one listing of the tenant's devices cheaper than a
// filtered request per serial number (a page holds up to about 1,000 devices).
const listTenantAbove = 50

// devicesBySerial finds what the tenant holds for each serial number (ignoring case): one listing of the
// tenant for many serial numbers, else a filtered request each. Serial numbers without a device are absent.
func devicesBySerial(ctx context.Context, c *graph.Client, serials []string) (map[string]*TenantDevice, error) {
	bySerial := map[string][]autopilot.Device{}
	keep := func(devices []autopilot.Device) {
		for _, d := range devices {
			key := strings.ToUpper(d.SerialNumber)
			bySerial[key] = append(bySerial[key], d)
		}
	}
	if len(serials) > listTenantAbove {
		all, err := autopilot.ListDevices(ctx, c, autopilot.Filter{})
		if err != nil {
			return nil, err
		}
		keep(all)
	} else {
		for _, s := range serials {
			similar, err := autopilot.ListDevices(ctx, c, autopilot.Filter{Serial: s})
			if err != nil {
				return nil, err
			}
			for _, d := range similar {
				if strings.EqualFold(d.SerialNumber, s) {
					keep([]autopilot.Device{d})
				}
			}
		}
	}
	out := map[string]*TenantDevice{}
	for _, s := range serials {
		devices := bySerial[strings.ToUpper(s)]
		if len(devices) == 0 {
			continue
		}
		t := &TenantDevice{Matches: len(devices)}
		if len(devices) == 1 {
			t.ID, t.GroupTag, t.AssignedUser = devices[0].ID, devices[0].GroupTag, devices[0].UserPrincipalName
		}
		out[strings.ToUpper(s)] = t
	}
	return out, nil
}

// UpdateRegistered gives devices the tenant already had the group tag and user their rows asked for
// (RequestedGroupTag, RequestedAssignedUser), and updates their entries to what the tenant now holds. A device
// that could not be updated becomes failed with the reason; the rest of the report stays.
func UpdateRegistered(ctx context.Context, c *graph.Client, rep *Report, writes autopilot.WriteOptions) error {
	var targets []autopilot.TagTarget
	bySerial := map[string]*DeviceResult{}
	for _, d := range rep.Devices {
		if d.Status == result.AlreadyRegistered && d.RequestedGroupTag != nil {
			bySerial[strings.ToUpper(d.SerialNumber)] = d
			targets = append(targets, autopilot.TagTarget{SerialNumber: d.SerialNumber, GroupTag: *d.RequestedGroupTag})
		}
	}
	plan, err := autopilot.PlanTags(ctx, c, targets)
	if err != nil {
		return err
	}
	if err := autopilot.ApplyTags(ctx, c, plan, writes); err != nil {
		return err
	}
	for _, t := range plan {
		d := bySerial[strings.ToUpper(t.SerialNumber)]
		switch t.Status {
		case result.Updated, result.Unchanged:
			d.Message = fmt.Sprintf("already registered; group tag changed from %q to %q", t.PreviousGroupTag, t.GroupTag)
			d.GroupTag, d.RequestedGroupTag = t.GroupTag, nil
		default:
			d.Status, d.Error = result.Failed, join("already registered; updating its group tag failed: "+t.Error, t.Message)
		}
	}
	for _, d := range rep.Devices {
		if d.Status != result.AlreadyRegistered || d.RequestedAssignedUser == nil {
			continue
		}
		who := d.ID
		if who == "" {
			who = d.SerialNumber
		}
		upn := *d.RequestedAssignedUser
		if _, err := autopilot.AssignUser(ctx, c, who, upn, "", false); err != nil {
			d.Status, d.Error = result.Failed, "already registered; assigning its user failed: "+graph.Translate(err).Error()
			continue
		}
		if d.RequestedGroupTag == nil && !strings.HasPrefix(d.Message, "already registered;") {
			d.Message = "already registered"
		}
		d.Message += "; user " + upn + " assigned"
		d.AssignedUser, d.RequestedAssignedUser = upn, nil
	}
	rep.Recount()
	return nil
}
