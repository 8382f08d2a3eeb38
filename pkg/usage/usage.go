// Package usage finds what in a tenant uses a group: Enrollment Status Page and deployment profile
// assignments (included or excluded), device-preparation policies assigned to it as a user group or bound to it
// as their device group. Deleting a group silently takes it from all of them, so `group delete` names them and
// `apply --prune` leaves a group something still uses.
package usage

import (
	"context"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// Use is one object using a group: its kind in words, name and id, and how it uses the group.
type Use struct {
	Kind, Name, ID string
	How            string // assigned, excluded, its device group; for an Unknown use, why it may use any
}

// Object names the object: `deployment profile "Sales"`.
func (u Use) Object() string { return u.Kind + " " + safetext.Quote(u.Name) }

// String is the object and how it uses the group: `deployment profile "Sales" (excluded)`.
func (u Use) String() string { return u.Object() + " (" + u.How + ")" }

// Index is who uses which group in a tenant, as read at one moment.
type Index struct {
	byGroup map[string][]Use // lower-cased group id
	// Unknown are objects whose groups could not be read (a policy's binding that didn't answer): they may use
	// any group.
	Unknown []Use
	// Unread are the kinds of object that could not be listed, with why (a token without Intune read
	// permission): any of them may use any group.
	Unread []string
}

// Read lists the tenant's ESPs and profiles with their assignments and its device-preparation policies with
// their user groups and bindings. A part that can't be read is named in Unread or Unknown rather than failing
// the whole; only the end of ctx is an error.
func Read(ctx context.Context, c *graph.Client) (*Index, error) {
	x := &Index{byGroup: map[string][]Use{}}
	targets := func(kind, name, id string, ts []enrollment.Target) {
		for _, t := range ts {
			switch t.Kind {
			case enrollment.Include:
				x.add(t.GroupID, Use{kind, name, id, "assigned"})
			case enrollment.Exclude:
				x.add(t.GroupID, Use{kind, name, id, "excluded"})
			}
		}
	}
	if esps, err := enrollment.ListESPs(ctx, c, true); err != nil {
		x.Unread = append(x.Unread, "Enrollment Status Pages ("+err.Error()+")")
	} else {
		for _, e := range esps {
			targets("Enrollment Status Page", e.DisplayName, e.ID, e.Assignments)
		}
	}
	if profiles, err := enrollment.ListProfiles(ctx, c, true); err != nil {
		x.Unread = append(x.Unread, "deployment profiles ("+err.Error()+")")
	} else {
		for _, p := range profiles {
			targets("deployment profile", p.DisplayName, p.ID, p.Assignments)
		}
	}
	policies, err := prep.List(ctx, c)
	if err != nil {
		x.Unread = append(x.Unread, "device-preparation policies ("+err.Error()+")")
		return x, ctx.Err()
	}
	r := prep.NewReader(c)
	for _, head := range policies {
		const kind = "device-preparation policy"
		pol, err := prep.Get(ctx, c, head.ID) // the list carries no assignments
		if err != nil {
			x.Unknown = append(x.Unknown, Use{kind, head.Name, head.ID, "its user groups could not be read: " + oneLine(err)})
			continue
		}
		for _, g := range pol.UserGroupIDs {
			x.add(g, Use{kind, pol.Name, pol.ID, "assigned"})
		}
		switch b, err := r.Current(ctx, pol.ID); {
		case err != nil:
			x.Unknown = append(x.Unknown, Use{kind, pol.Name, pol.ID, "its device group could not be read: " + oneLine(err)})
		case b != nil:
			x.add(b.GroupID, Use{kind, pol.Name, pol.ID, "its device group"})
		}
	}
	return x, ctx.Err()
}

func (x *Index) add(groupID string, u Use) {
	if groupID != "" {
		k := strings.ToLower(groupID)
		x.byGroup[k] = append(x.byGroup[k], u)
	}
}

// Of lists the uses of the group with id, leaving out objects skip names by id (say, ones being deleted):
// first those known to use it, then those that may (Unknown).
func (x *Index) Of(groupID string, skip func(objectID string) bool) (known, maybe []Use) {
	keep := func(us []Use) []Use {
		var out []Use
		for _, u := range us {
			if skip == nil || !skip(u.ID) {
				out = append(out, u)
			}
		}
		return out
	}
	return keep(x.byGroup[strings.ToLower(groupID)]), keep(x.Unknown)
}

// Blocker names what keeps the group with id from being deleted: the first object that uses it, else one
// that may (its groups unread); "" when none does. Unread kinds are the caller's to weigh.
func (x *Index) Blocker(groupID string, skip func(objectID string) bool) string {
	known, maybe := x.Of(groupID, skip)
	switch {
	case len(known) > 0:
		return known[0].Object()
	case len(maybe) > 0:
		return maybe[0].String()
	}
	return ""
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }
