package layout

import (
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// prefetch reads what a plan of the file will read, in two rounds of $batch requests (20 reads each,
// docs/graph.md#json-batching) into the plan's snapshot: first the group lookups and the lists of ESPs,
// profiles and device-preparation policies; then what those answers point to — owners, assignments, each
// policy's settings and binding. The plan's own reads then find their answers in the snapshot. A read this
// misses, or one that failed in the batch, is simply sent on its own when the plan makes it — so a failure here
// is never the plan's: only the end of ctx stops it.
func (p *planner) prefetch() error {
	p.prefetchRounds()
	return p.ctx.Err()
}

func (p *planner) prefetchRounds() {
	names := p.groupNames()
	var first []string
	for _, n := range names {
		first = append(first, groups.LookupPath(n))
	}
	// Every list: the plan counts the objects apply made that the file no longer lists (planPrune); the groups
	// only for --prune.
	first = append(first, enrollment.ESPListPath(), enrollment.ProfileListPath, prep.ListPath)
	if p.prune {
		first = append(first, groups.ListPath())
	}
	if len(p.l.File.Profiles) > 0 || p.prune {
		first = append(first, autopilot.DevicesPath) // the devices: for overlaps
	}
	if len(p.l.File.DevicePreparation) > 0 || p.prune {
		first = append(first, groups.ServicePrincipalPath(prep.ProvisioningClientAppID))
	}
	if p.c.Prefetch(p.ctx, first) != nil {
		return
	}

	// Second round: every read below is answered from the first round's snapshot (or sent, if it failed there).
	var second []string
	for _, n := range names {
		if g, err := groups.Current(p.ctx, p.c, n); err == nil && g != nil {
			if path, err := groups.OwnersPath(g.ID); err == nil {
				second = append(second, path)
			}
		}
	}
	if len(p.l.File.ESPs) > 0 || p.prune {
		esps, _ := enrollment.ListESPs(p.ctx, p.c, false)
		for _, e := range esps {
			if !e.Default {
				second = append(second, enrollment.ESPAssignmentsPath(e.ID))
			}
		}
	}
	if len(p.l.File.Profiles) > 0 || p.prune {
		profiles, _ := enrollment.ListProfiles(p.ctx, p.c, false)
		for _, pr := range profiles {
			second = append(second, enrollment.ProfileAssignmentsPath(pr.ID))
		}
	}
	if len(p.l.File.DevicePreparation) > 0 {
		policies, _ := prep.List(p.ctx, p.c)
		for _, pol := range policies {
			if slices.ContainsFunc(p.l.File.DevicePreparation, func(d Prep) bool { return d.Name == pol.Name }) {
				second = append(second, prep.ReadPaths(pol.ID)...)
			}
		}
	}
	_ = p.c.Prefetch(p.ctx, second)
}

// groupNames are the groups the file lists or refers to, each once (Entra compares names without case).
func (p *planner) groupNames() []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if k := strings.ToLower(n); n != "" && !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	for _, g := range p.l.File.Groups {
		add(g.DisplayName)
	}
	for _, r := range p.l.refs() {
		add(r.name)
	}
	return out
}
