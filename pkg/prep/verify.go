package prep

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
)

// Check is one verified fact about a policy: a fixed name, whether it holds, what was found and how to fix it.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Accepted marks a failed check the run was asked for and warned about (a policy created without user
	// groups): it is reported, and does not fail the run.
	Accepted bool `json:"accepted,omitempty"`
}

// Verification is every check of one policy. Checks that do not apply are left out.
type Verification struct {
	PolicyID   string        `json:"policyId"`
	PolicyName string        `json:"policyName"`
	Mode       Mode          `json:"mode"`
	OK         bool          `json:"ok"`
	Checks     []Check       `json:"checks"`
	Binding    *Binding      `json:"-"`
	Group      *groups.Group `json:"-"`
}

// Failed lists the names of the checks that failed, but for accepted ones.
func (v *Verification) Failed() []string {
	var out []string
	for _, c := range v.Checks {
		if !c.OK && !c.Accepted {
			out = append(out, c.Name)
		}
	}
	return out
}

func (v *Verification) add(name string, ok bool, detail, fix string) {
	if ok {
		fix = ""
	}
	v.Checks = append(v.Checks, Check{Name: name, OK: ok, Detail: detail, Fix: fix})
}

// Verify reads back what makes a policy work and checks it (docs/device-preparation.md lists the checks):
// the bound group read from the service (never from the policy's group setting), the legacy API's opinion,
// the group's kind and owner, the service's own validation, the user assignments and the apps and scripts.
// expectGroupID, when not "", is the group that must be bound. Errors are for what could not be read at all
// (a 403 on the policy, say); what is wrong with the policy is a failed check.
func Verify(ctx context.Context, c *graph.Client, r *Reader, p *Policy, expectGroupID string) (*Verification, error) {
	v := &Verification{PolicyID: p.ID, PolicyName: p.Name, Mode: p.Mode}
	b, err := r.Current(ctx, p.ID)
	switch {
	case errors.Is(err, ErrUnverifiable):
		v.add("readable", false, "retrieveEnrollmentTimeDeviceMembershipTarget answered neither GET nor POST: the binding is unverifiable",
			"check the policy in the admin center (Device group page); the API may be unavailable on this tenant")
	case err != nil:
		return nil, err
	default:
		v.Binding = b
		if b.GroupID == "" {
			v.add("bound", false, "no device group is bound", "bind one: autopilotctl prep update "+safetext.ShellQuote(p.Name)+" --device-group GROUP")
		} else {
			v.add("bound", true, "bound to group "+b.GroupID, "")
		}
		v.add("readable", true, "read with "+r.Verb(), "")
		if legacy, ok := r.Legacy(ctx, p.ID); ok {
			if !strings.EqualFold(legacy, b.GroupID) {
				v.add("apisAgree", false, fmt.Sprintf("retrieveEnrollmentTimeDeviceMembershipTarget reports %s, retrieveJustInTimeConfiguration %s", orNone(b.GroupID), orNone(legacy)),
					"bind the group again so both agree: autopilotctl prep update "+safetext.ShellQuote(p.Name)+" --device-group GROUP")
			} else {
				v.add("apisAgree", true, "the legacy API reports the same group", "")
			}
		}
		if b.GroupID != "" {
			if err := checkGroup(ctx, c, v, b.GroupID); err != nil {
				return nil, err
			}
		}
		if expectGroupID != "" {
			v.add("expectedGroup", strings.EqualFold(b.GroupID, expectGroupID), fmt.Sprintf("bound %s, expected %s", orNone(b.GroupID), expectGroupID),
				"bind the expected group: autopilotctl prep update "+safetext.ShellQuote(p.Name)+" --device-group "+expectGroupID)
		}
		if b.GroupID != "" && b.Succeeded != nil {
			if *b.Succeeded {
				v.add("serviceValidation", true, "Intune validates the binding", "")
			} else {
				meaning, fix := CodeMeaning(b.ErrorCode)
				detail := "Intune's validation fails: " + meaning
				if b.ErrorCode != "" {
					detail = fmt.Sprintf("Intune's validation fails (%s): %s", safetext.Short(b.ErrorCode), meaning)
				}
				v.add("serviceValidation", false, detail, fix)
			}
		}
	}
	if p.Mode == UserDriven {
		bound := ""
		if v.Binding != nil {
			bound = v.Binding.GroupID
		}
		if err := checkUserGroups(ctx, c, v, p, bound); err != nil {
			return nil, err
		}
	}
	if len(p.Settings.Apps)+len(p.Settings.Scripts) > 0 {
		missing, err := NameAppsAndScripts(ctx, c, &p.Settings)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			v.add("appsAndScripts", false, "not in the tenant: "+strings.Join(missing, ", "),
				"remove them from the policy or restore them: autopilotctl prep update "+safetext.ShellQuote(p.Name)+" --app … --script …")
		} else {
			v.add("appsAndScripts", true, fmt.Sprintf("%d app(s) and %d script(s) exist", len(p.Settings.Apps), len(p.Settings.Scripts)), "")
		}
	}
	v.OK = len(v.Failed()) == 0
	return v, nil
}

// checkGroup adds the checks of the bound group: it exists, is a security group, assigned, not
// role-assignable, and owned by the Intune Provisioning Client (owners paged, matched by appId).
func checkGroup(ctx context.Context, c *graph.Client, v *Verification, groupID string) error {
	g, err := groups.Get(ctx, c, groupID)
	if groups.IsNotFound(err) {
		v.add("groupExists", false, "group "+groupID+" does not exist", "bind an existing group: autopilotctl prep update "+safetext.ShellQuote(v.PolicyName)+" --device-group GROUP --create-device-group")
		return nil
	}
	if err != nil {
		return err
	}
	v.Group = g
	v.add("groupExists", true, fmt.Sprintf("group %s (%s)", safetext.Quote(g.DisplayName), g.ID), "")
	for _, p := range groupProblems(g) {
		v.add(p.check, !p.bad, p.detail, p.fix)
	}
	owners, err := groups.Owners(ctx, c, g.ID)
	if err != nil {
		return err
	}
	if hasOwnerApp(owners, ProvisioningClientAppID) {
		v.add("provisioningClientOwner", true, "the Intune Provisioning Client owns the group", "")
	} else {
		v.add("provisioningClientOwner", false, "the Intune Provisioning Client ("+ProvisioningClientAppID+") is not an owner: devices are not added during setup",
			"autopilotctl prep update "+safetext.ShellQuote(v.PolicyName)+" (adds the owner)")
	}
	return nil
}

type groupProblem struct {
	check, detail, fix string
	bad                bool
}

// groupProblems checks a group's kind as a device group: security, assigned, not role-assignable, and not
// mail-enabled (a mail-enabled security group is not what the device group must be).
func groupProblems(g *groups.Group) []groupProblem {
	unified := slices.ContainsFunc(g.GroupTypes, func(t string) bool { return strings.EqualFold(t, "Unified") })
	roleAssignable := g.IsAssignableToRole != nil && *g.IsAssignableToRole
	return []groupProblem{
		{"securityGroup", map[bool]string{true: "security group", false: "not a security group (mail-enabled or Microsoft 365)"}[g.SecurityEnabled && !g.MailEnabled && !unified],
			"use a security group that is not mail-enabled", !g.SecurityEnabled || g.MailEnabled || unified},
		{"staticGroup", map[bool]string{true: "dynamic: its members come from a rule", false: "assigned"}[g.Dynamic()],
			"use an assigned group: Intune adds each device itself", g.Dynamic()},
		{"notRoleAssignable", map[bool]string{true: "role-assignable", false: "not role-assignable"}[roleAssignable],
			"use a group that is not role-assignable (that is fixed at creation: create another group)", roleAssignable},
	}
}

// OwnedByProvisioningClient reports whether the Intune Provisioning Client is among a group's owners (matched by
// appId, docs/graph.md#device-preparation-and-enrollment-time-grouping).
func OwnedByProvisioningClient(owners []groups.Owner) bool {
	return hasOwnerApp(owners, ProvisioningClientAppID)
}

func hasOwnerApp(owners []groups.Owner, appID string) bool {
	return slices.ContainsFunc(owners, func(o groups.Owner) bool { return strings.EqualFold(o.AppID, appID) })
}

// NameAppsAndScripts reads the settings' apps and scripts from the tenant, fills in their names, and lists
// the ones the tenant no longer has.
func NameAppsAndScripts(ctx context.Context, c *graph.Client, s *Settings) (missing []string, err error) {
	read := func(kind, path, id string, name *string) error {
		var got struct {
			DisplayName string `json:"displayName"`
		}
		err := c.Do(ctx, "GET", path+"/"+url.PathEscape(id)+"?$select=id,displayName", nil, &got)
		if isStatus(err, 404) {
			missing = append(missing, kind+" "+id)
			return nil
		}
		*name = got.DisplayName
		return err
	}
	for i := range s.Apps {
		if err := read("app", appsPath, s.Apps[i].ID, &s.Apps[i].Name); err != nil {
			return nil, err
		}
	}
	for i := range s.Scripts {
		if err := read("script", scriptsPath, s.Scripts[i].ID, &s.Scripts[i].Name); err != nil {
			return nil, err
		}
	}
	return missing, nil
}

// NoGroup is how a binding to no group is shown in changes and checks.
const NoGroup = "no group"

func orNone(id string) string {
	if id == "" {
		return NoGroup
	}
	return id
}
