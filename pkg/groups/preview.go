package groups

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// PhysicalIDs are the physical ids Entra gives the device object of a registered Autopilot device, which
// dynamic rules test (docs/graph.md#dynamic-device-groups): [ZTDId]:<Autopilot id>, and [OrderID]:<group
// tag> and [PurchaseOrderId]:<purchase order> when those are set.
func PhysicalIDs(d autopilot.Device) []string {
	ids := []string{"[ZTDId]:" + d.ID}
	if d.GroupTag != "" {
		ids = append(ids, "[OrderID]:"+d.GroupTag)
	}
	if d.PurchaseOrderIdentifier != "" {
		ids = append(ids, "[PurchaseOrderId]:"+d.PurchaseOrderIdentifier)
	}
	return ids
}

// ruleDevice is what a rule sees of an Autopilot device: its physical ids. Other device properties
// (enrollmentProfileName, deviceOSType, …) live on the Entra device object and are unknown here.
func ruleDevice(d autopilot.Device) rule.Device {
	return rule.Device{PhysicalIDs: PhysicalIDs(d)}
}

// PreviewDevice is one device a rule matches.
type PreviewDevice struct {
	ID              string `json:"id"`
	SerialNumber    string `json:"serialNumber"`
	GroupTag        string `json:"groupTag"`
	AzureAdDeviceID string `json:"-"`
}

// Member is one member of a group.
type Member struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	DisplayName string `json:"displayName"`
	DeviceID    string `json:"deviceId,omitempty"` // devices: the Entra deviceId, which Autopilot calls azureAdDeviceId
}

// Preview is which Autopilot devices a rule selects and, for an existing group, how that differs from its
// members.
type Preview struct {
	Rule    string          `json:"rule"`
	Scanned int             `json:"scanned"`
	Matched int             `json:"matched"`
	Devices []PreviewDevice `json:"devices"`
	// Unknown lists the properties the rule reads that Autopilot devices don't carry: the preview takes
	// them as null, so it can differ from what the service computes.
	Unknown []string `json:"unknownProperties,omitempty"`
	// With a group: its members, matched devices not yet members (processing pending), and members the
	// rule no longer matches.
	Group           *GroupRef       `json:"group,omitempty"`
	Members         *int            `json:"members,omitempty"`
	NotYetMembers   []PreviewDevice `json:"notYetMembers,omitempty"`
	NoLongerMatched []Member        `json:"noLongerMatched,omitempty"`
	// Evaluation is the time spent evaluating the rule locally, for benchmarks.
	Evaluation time.Duration `json:"-"`
}

// GroupRef names a group.
type GroupRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// knownProperties are the device properties the preview knows for an Autopilot device.
var knownProperties = []string{"devicePhysicalIds"}

// Evaluate matches the rule against devices, in the order given.
func Evaluate(r *rule.Rule, text string, devices []autopilot.Device) *Preview {
	start := time.Now()
	p := &Preview{Rule: text, Scanned: len(devices), Devices: []PreviewDevice{}}
	for _, prop := range r.Properties() {
		if !slices.Contains(knownProperties, prop) {
			p.Unknown = append(p.Unknown, prop)
		}
	}
	for _, d := range devices {
		if r.Match(ruleDevice(d)) {
			p.Devices = append(p.Devices, PreviewDevice{ID: d.ID, SerialNumber: d.SerialNumber, GroupTag: d.GroupTag, AzureAdDeviceID: d.AzureAdDeviceID})
		}
	}
	p.Matched = len(p.Devices)
	p.Evaluation = time.Since(start)
	return p
}

// PreviewRule lists every Autopilot device in the tenant and evaluates the rule against them.
func PreviewRule(ctx context.Context, c *graph.Client, r *rule.Rule, text string) (*Preview, []autopilot.Device, error) {
	devices, err := autopilot.ListDevices(ctx, c, autopilot.Filter{})
	if err != nil {
		return nil, nil, err
	}
	return Evaluate(r, text, devices), devices, nil
}

// Members pages through the group's members.
func Members(ctx context.Context, c *graph.Client, groupID string, each func(Member) error) error {
	path, err := groupPath(groupID, "/members?"+query("$select", "id,displayName,deviceId", "$top", "999"))
	if err != nil {
		return err
	}
	return c.List(ctx, path, func(raw json.RawMessage) error {
		var m struct {
			Type        string `json:"@odata.type"`
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
			DeviceID    string `json:"deviceId"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("reading a group member from Graph: %w", err)
		}
		return each(Member{ID: m.ID, Type: strings.TrimPrefix(m.Type, "#microsoft.graph."), DisplayName: m.DisplayName, DeviceID: m.DeviceID})
	})
}

// CompareMembers adds the group's real members to p: matched devices that are not members yet (their
// Entra device id, azureAdDeviceId, is not among the members' deviceIds) and members the rule no longer
// matches.
func CompareMembers(ctx context.Context, c *graph.Client, p *Preview, g *Group) error {
	p.Group = &GroupRef{ID: g.ID, DisplayName: g.DisplayName}
	var members []Member
	if err := Members(ctx, c, g.ID, func(m Member) error { members = append(members, m); return nil }); err != nil {
		return err
	}
	n := len(members)
	p.Members = &n
	matched := map[string]bool{}
	for _, d := range p.Devices {
		matched[strings.ToLower(d.AzureAdDeviceID)] = true
	}
	isMember := map[string]bool{}
	for _, m := range members {
		key := strings.ToLower(m.DeviceID)
		isMember[key] = key != ""
		if key == "" || !matched[key] {
			p.NoLongerMatched = append(p.NoLongerMatched, m)
		}
	}
	for _, d := range p.Devices {
		if d.AzureAdDeviceID == "" || !isMember[strings.ToLower(d.AzureAdDeviceID)] {
			p.NotYetMembers = append(p.NotYetMembers, d)
		}
	}
	return nil
}
