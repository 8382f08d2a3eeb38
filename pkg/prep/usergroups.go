package prep

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// A user-driven policy runs for the user who sets the device up: it is assigned to groups of users. Assigned
// to the device group, or to a dynamic group of devices, it is accepted by Graph and never runs.

// userGroupProblem says why g can't be a policy's user group, or "" when it can: it is the policy's device
// group, or a dynamic group whose rule selects devices. An assigned group's members are not inspected (that
// would mean reading every member): it is taken as meant.
func userGroupProblem(g *groups.Group, deviceGroupID string) string {
	switch {
	case deviceGroupID != "" && strings.EqualFold(g.ID, deviceGroupID):
		return "is the policy's device group"
	case g.Dynamic() && selectsDevices(g.MembershipRule):
		return "is a dynamic group whose rule selects devices"
	}
	return ""
}

// userGroupFix follows a refused user group.
const userGroupFix = "the policy is assigned to the users who set devices up: name a group of users"

// ruleSubject finds the property subjects a rule reads: device.x or user.x.
var ruleSubject = regexp.MustCompile(`(?i)(?:^|[\s(!])(device|user)\.[a-z]`)

// selectsDevices reports whether a membership rule selects devices: it parses as a device rule (pkg/rule
// knows only device rules, and refuses user properties), or, in a form pkg/rule does not parse, it reads
// device properties and no user ones (Entra rules select one or the other).
func selectsDevices(membershipRule string) bool {
	if strings.TrimSpace(membershipRule) == "" {
		return false
	}
	if _, err := rule.Parse(membershipRule); err == nil {
		return true
	}
	device, user := false, false
	for _, m := range ruleSubject.FindAllStringSubmatch(membershipRule, -1) {
		device = device || strings.EqualFold(m[1], "device")
		user = user || strings.EqualFold(m[1], "user")
	}
	return device && !user
}

// checkUserGroups adds assignedToUsers: the policy is assigned to at least one user group, and every group
// it is assigned to still exists, is not the bound device group and does not select devices.
func checkUserGroups(ctx context.Context, c *graph.Client, v *Verification, p *Policy, deviceGroupID string) error {
	fix := "assign it to a group of users: autopilotctl prep update " + safetext.ShellQuote(p.Name) + " --user-group GROUP"
	if len(p.UserGroupIDs) == 0 {
		v.add("assignedToUsers", false, NoUserGroup, fix)
		return nil
	}
	var bad []string
	for _, id := range p.UserGroupIDs {
		g, err := groups.Get(ctx, c, id)
		switch {
		case groups.IsNotFound(err):
			bad = append(bad, "group "+id+" no longer exists")
		case err != nil:
			return err
		default:
			if why := userGroupProblem(g, deviceGroupID); why != "" {
				bad = append(bad, fmt.Sprintf("group %s (%s) %s", safetext.Quote(g.DisplayName), g.ID, why))
			}
		}
	}
	if len(bad) > 0 {
		v.add("assignedToUsers", false, strings.Join(bad, "; "),
			fix+", and remove the wrong assignment (the policy's Assignments in the Intune admin center)")
		return nil
	}
	v.add("assignedToUsers", true, fmt.Sprintf("assigned to %d user group(s)", len(p.UserGroupIDs)), "")
	return nil
}
