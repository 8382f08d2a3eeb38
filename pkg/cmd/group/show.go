package group

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// ShowOptions holds `group show`'s argument.
type ShowOptions struct {
	Factory  *cmdutil.Factory
	NameOrID string
}

// NewCmdShow builds `group show`; runF replaces the run in flag-parsing tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show NAME|ID",
		Short: "Show a group: type, rule, membership processing, owners and member count",
		Long: "Shows the group named exactly NAME (or with id ID): whether it is dynamic or assigned, its rule, where\n" +
			"membership processing stands (membershipRuleProcessingStatus: NotStarted, Running, Succeeded or Failed\n" +
			"with the service's message), its owners (service principals with their appId) and how many members it has.",
		Example: "  autopilotctl group show \"Autopilot - Sales\"\n" +
			"  autopilotctl group show 00000000-0000-4000-8000-000000000001 -o json",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGroupArg(args); err != nil {
				return err
			}
			opts.NameOrID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead)
	return cmd
}

// Details is `group show`'s JSON: the group with Graph's property names, its processing status, owners and
// member count.
type Details struct {
	*groups.Group
	Type                           string                   `json:"type"`
	MembershipRuleProcessingStatus *groups.ProcessingStatus `json:"membershipRuleProcessingStatus"`
	Owners                         []groups.Owner           `json:"owners"`
	MemberCount                    int                      `json:"memberCount"`
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	f := opts.Factory
	c, g, err := namedGroup(ctx, f, opts.NameOrID)
	if err != nil {
		return err
	}
	d := Details{Group: g, Type: g.Type(), Owners: []groups.Owner{}}
	if g.Dynamic() {
		if d.MembershipRuleProcessingStatus, err = groups.Processing(ctx, c, g.ID); err != nil {
			return err
		}
	}
	owners, err := groups.Owners(ctx, c, g.ID)
	if err != nil {
		return err
	}
	d.Owners = append(d.Owners, owners...)
	if err := groups.Members(ctx, c, g.ID, func(groups.Member) error { d.MemberCount++; return nil }); err != nil {
		return err
	}
	rows := [][]string{
		{"displayName", g.DisplayName}, {"id", g.ID}, {"type", d.Type}, {"description", g.Description},
		{"mailNickname", g.MailNickname},
	}
	if g.Dynamic() {
		rows = append(rows, []string{"membershipRule", g.MembershipRule},
			[]string{"membershipRuleProcessingState", g.MembershipRuleProcessingState},
			[]string{"membershipRuleProcessingStatus", describeStatus(d.MembershipRuleProcessingStatus)})
	}
	var ownerCells []string
	for _, o := range owners {
		cell := fmt.Sprintf("%s %s (%s)", o.Type, o.DisplayName, o.ID)
		if o.AppID != "" {
			cell = fmt.Sprintf("%s %s (appId %s, id %s)", o.Type, o.DisplayName, o.AppID, o.ID)
		}
		ownerCells = append(ownerCells, cell)
	}
	if len(ownerCells) == 0 {
		ownerCells = []string{"none"}
	}
	rows = append(rows, []string{"owners", strings.Join(ownerCells, "; ")}, []string{"members", strconv.Itoa(d.MemberCount)})
	return f.Print(output.Result{Data: d, Table: output.Rows{Header: []string{"PROPERTY", "VALUE"}, Rows: rows}})
}

// describeStatus reads a processing status for people.
func describeStatus(st *groups.ProcessingStatus) string {
	switch {
	case st == nil:
		return "none (paused, or not reported)"
	case st.ErrorMessage != "":
		return st.Status + ": " + st.ErrorMessage
	case st.LastMembershipUpdated != "":
		return st.Status + " (members last updated " + st.LastMembershipUpdated + ")"
	}
	return st.Status
}
