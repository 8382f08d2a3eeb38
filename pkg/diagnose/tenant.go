package diagnose

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/importer"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Tenant is what the checks read, gathered once: every group, the members of the groups that matter, every
// deployment profile and ESP with its assignments, and the device-preparation policies with their bound
// groups. Processing statuses and import records are read on demand, once each.
type Tenant struct {
	c          *graph.Client
	groups     map[string]*groups.Group // lower-cased id → group
	ruled      []ruledGroup             // dynamic groups whose rules select Autopilot devices
	members    map[string]map[string]bool
	processing map[string]*groups.ProcessingStatus
	profiles   []*profile // oldest first
	// assigned maps a device id to the profile the service reports assigned, when read per profile (bulk).
	assigned map[string]string
	esps     []*enrollment.ESP // the service's priority order
	prep     []*prepPolicy
	records  map[string][]importer.Record // serial key → import records; nil until read
}

type ruledGroup struct {
	g *groups.Group
	r *rule.Rule
	// certain is false when the rule reads device properties an Autopilot device does not show: the local
	// match can then be wrong, and only real membership counts.
	certain bool
}

type profile struct {
	*enrollment.Profile
	created time.Time
}

type prepPolicy struct {
	*prep.Policy
	unverifiable bool          // the binding could not be read (docs/graph.md#device-preparation-and-enrollment-time-grouping)
	groupID      string        // the bound device group, "" none
	group        *groups.Group // nil when the bound group no longer exists
	owned        bool          // the Intune Provisioning Client owns it
}

// Options say what Gather reads beyond the common part.
type Options struct {
	// AssignedProfiles reads which devices each profile is assigned to (GET …/assignedDevices, paged), for
	// devices listed without their expanded profiles. Single devices are read with $expand instead.
	AssignedProfiles bool
}

// knownProperties are the rule properties an Autopilot device answers here: its physical ids, and the
// enrollment profile name Entra takes from the assigned deployment profile (docs/graph.md#dynamic-device-groups).
var knownProperties = map[string]bool{"devicephysicalids": true, "enrollmentprofilename": true}

// Gather reads the tenant once. Its cost is a request per page of groups, profiles, ESPs and policies, one
// per assignment list, one per page of members of each group that a rule, profile or ESP makes relevant, and
// per device-preparation policy its binding and its group's owners.
func Gather(ctx context.Context, c *graph.Client, opts Options) (*Tenant, error) {
	t := &Tenant{c: c, groups: map[string]*groups.Group{}, members: map[string]map[string]bool{}, processing: map[string]*groups.ProcessingStatus{}}
	relevant := map[string]bool{}
	err := groups.List(ctx, c, func(g *groups.Group) error {
		t.groups[strings.ToLower(g.ID)] = g
		if !g.Dynamic() || !g.TargetsAutopilot() {
			return nil
		}
		r, err := rule.Parse(g.MembershipRule)
		if err != nil {
			return nil // a rule this tool can't read: its real members still count
		}
		certain := true
		for _, p := range r.Properties() {
			certain = certain && knownProperties[strings.ToLower(p)]
		}
		t.ruled = append(t.ruled, ruledGroup{g: g, r: r, certain: certain})
		relevant[strings.ToLower(g.ID)] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	profiles, err := enrollment.ListProfiles(ctx, c, true)
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		created, _ := time.Parse(time.RFC3339, stringProp(p.Props, "createdDateTime"))
		t.profiles = append(t.profiles, &profile{Profile: p, created: created})
		markTargets(relevant, p.Assignments)
	}
	// The oldest profile wins (docs/graph.md#deployment-profiles); the listing's order breaks ties.
	sort.SliceStable(t.profiles, func(i, j int) bool { return t.profiles[i].created.Before(t.profiles[j].created) })
	if t.esps, err = enrollment.ListESPs(ctx, c, true); err != nil {
		return nil, err
	}
	sort.SliceStable(t.esps, func(i, j int) bool { return t.esps[i].Priority < t.esps[j].Priority })
	for _, e := range t.esps {
		markTargets(relevant, e.Assignments)
	}
	ids := make([]string, 0, len(relevant))
	for id := range relevant {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		set := map[string]bool{}
		if err := groups.Members(ctx, c, id, func(m groups.Member) error {
			if m.DeviceID != "" {
				set[strings.ToLower(m.DeviceID)] = true
			}
			return nil
		}); err != nil && !groups.IsNotFound(err) {
			return nil, err
		}
		t.members[id] = set
	}
	if opts.AssignedProfiles {
		t.assigned = map[string]string{}
		for _, p := range t.profiles {
			if err := enrollment.AssignedDevices(ctx, c, p.ID, func(id string) error {
				t.assigned[strings.ToLower(id)] = p.ID
				return nil
			}); err != nil {
				return nil, err
			}
		}
	}
	if err := t.gatherPrep(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func markTargets(relevant map[string]bool, targets []enrollment.Target) {
	for _, a := range targets {
		if a.GroupID != "" {
			relevant[strings.ToLower(a.GroupID)] = true
		}
	}
}

// gatherPrep reads the device-preparation policies, each one's bound group (read from the service, never
// from the policy's group setting) and whether the Intune Provisioning Client owns it.
func (t *Tenant) gatherPrep(ctx context.Context) error {
	policies, err := prep.List(ctx, t.c)
	if err != nil {
		return err
	}
	r := prep.NewReader(t.c)
	for _, p := range policies {
		pp := &prepPolicy{Policy: p}
		t.prep = append(t.prep, pp)
		b, err := r.Current(ctx, p.ID)
		switch {
		case errors.Is(err, prep.ErrUnverifiable):
			pp.unverifiable = true
			continue
		case err != nil:
			return err
		}
		pp.groupID = b.GroupID
		if b.GroupID == "" {
			continue
		}
		if pp.group = t.groups[strings.ToLower(b.GroupID)]; pp.group == nil {
			continue
		}
		owners, err := groups.Owners(ctx, t.c, b.GroupID)
		if err != nil && !groups.IsNotFound(err) {
			return err
		}
		pp.owned = prep.OwnedByProvisioningClient(owners)
	}
	return nil
}

// processingOf reads a dynamic group's membership processing status, once per group.
func (t *Tenant) processingOf(ctx context.Context, g *groups.Group) (*groups.ProcessingStatus, error) {
	key := strings.ToLower(g.ID)
	if st, ok := t.processing[key]; ok {
		return st, nil
	}
	st, err := groups.Processing(ctx, t.c, g.ID)
	if err != nil {
		return nil, err
	}
	t.processing[key] = st
	return st, nil
}

// importRecords lists the tenant's import records for serial, reading them all once.
func (t *Tenant) importRecords(ctx context.Context, serial string) ([]importer.Record, error) {
	if t.records == nil {
		records := map[string][]importer.Record{}
		if err := importer.ListRecords(ctx, t.c, func(r importer.Record) error {
			key := hashcsv.SerialKey(r.SerialNumber)
			records[key] = append(records[key], r)
			return nil
		}); err != nil {
			return nil, err
		}
		t.records = records
	}
	return t.records[hashcsv.SerialKey(serial)], nil
}

// groupName is a group's display name, or its id when the tenant has no such group.
func (t *Tenant) groupName(id string) string {
	if g := t.groups[strings.ToLower(id)]; g != nil {
		return g.DisplayName
	}
	return id + " (deleted group)"
}

func stringProp(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}
