package group

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// MembersOptions holds `group members`'s argument.
type MembersOptions struct {
	Factory  *cmdutil.Factory
	NameOrID string
}

// NewCmdMembers builds `group members`; runF replaces the run in flag-parsing tests.
func NewCmdMembers(f *cmdutil.Factory, runF func(*MembersOptions) error) *cobra.Command {
	opts := &MembersOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "members NAME|ID",
		Short: "List a group's members, every page",
		Long: "Lists the members of the group: devices with their Entra deviceId (Autopilot's azureAdDeviceId), users,\n" +
			"groups. A dynamic group's members are those of its last processed rule.",
		Example: "  autopilotctl group members \"Autopilot - Sales\"",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGroupArg(args); err != nil {
				return err
			}
			opts.NameOrID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return membersRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead)
	return cmd
}

func membersRun(ctx context.Context, opts *MembersOptions) error {
	f := opts.Factory
	c, g, err := namedGroup(ctx, f, opts.NameOrID)
	if err != nil {
		return err
	}
	members := []groups.Member{}
	rows := [][]string{}
	err = groups.Members(ctx, c, g.ID, func(m groups.Member) error {
		members = append(members, m)
		rows = append(rows, []string{m.DisplayName, m.Type, m.ID, m.DeviceID})
		return nil
	})
	if err != nil {
		return err
	}
	return f.Print(output.Result{Data: members, Table: output.Rows{Header: []string{"NAME", "TYPE", "ID", "DEVICE ID"},
		CSVHeader: []string{"displayName", "type", "id", "deviceId"}, Rows: rows}})
}
