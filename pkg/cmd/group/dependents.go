package group

import (
	"context"
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// dependents names what targets or binds the group with id: Enrollment Status Page and deployment profile
// assignments (included or excluded), device-preparation policies bound to it as their device group or
// assigned to it as a user group. Deleting the group silently takes it from all of them. A part that cannot
// be read (a token without Intune read permissions) is named in unread instead.
func dependents(ctx context.Context, c *graph.Client, id string) (uses []string, unread []string) {
	targets := func(kind, name string, ts []enrollment.Target) {
		for _, t := range ts {
			if strings.EqualFold(t.GroupID, id) {
				how := "assigned"
				if t.Kind == enrollment.Exclude {
					how = "excluded"
				}
				uses = append(uses, fmt.Sprintf("%s %s (%s)", kind, safetext.Quote(name), how))
			}
		}
	}
	if esps, err := enrollment.ListESPs(ctx, c, true); err != nil {
		unread = append(unread, "Enrollment Status Pages ("+err.Error()+")")
	} else {
		for _, e := range esps {
			targets("Enrollment Status Page", e.DisplayName, e.Assignments)
		}
	}
	if profiles, err := enrollment.ListProfiles(ctx, c, true); err != nil {
		unread = append(unread, "deployment profiles ("+err.Error()+")")
	} else {
		for _, p := range profiles {
			targets("deployment profile", p.DisplayName, p.Assignments)
		}
	}
	policies, err := prep.List(ctx, c)
	if err != nil {
		return uses, append(unread, "device-preparation policies ("+err.Error()+")")
	}
	r := prep.NewReader(c)
	for _, p := range policies {
		name := safetext.Quote(p.Name)
		if b, err := r.Current(ctx, p.ID); err == nil && strings.EqualFold(b.GroupID, id) {
			uses = append(uses, fmt.Sprintf("device-preparation policy %s (its device group)", name))
		}
		for _, g := range p.UserGroupIDs {
			if strings.EqualFold(g, id) {
				uses = append(uses, fmt.Sprintf("device-preparation policy %s (assigned)", name))
			}
		}
	}
	return uses, unread
}
