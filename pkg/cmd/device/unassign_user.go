package device

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// UnassignUserOptions holds `device unassign-user`'s argument and flags.
type UnassignUserOptions struct {
	Factory    *cmdutil.Factory
	SerialOrID string
	DryRun     bool
}

// NewCmdUnassignUser builds `device unassign-user`; runF replaces the run in flag-parsing tests.
func NewCmdUnassignUser(f *cmdutil.Factory, runF func(*UnassignUserOptions) error) *cobra.Command {
	opts := &UnassignUserOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "unassign-user SERIAL|ID",
		Short: "Remove the assigned user from an Autopilot device",
		Long:  "Clears the device's user principal name and display name. Nothing is sent when it has no user.",
		Example: "  autopilotctl device unassign-user 5CG2461KX7\n" +
			"  autopilotctl device unassign-user 5CG2461KX7 --dry-run -o json",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SerialOrID = args[0]
			if err := checkSerials(args[:1]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return unassignUserRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesWrite)
	addWriteFlags(cmd, &opts.DryRun, nil)
	return cmd
}

func unassignUserRun(ctx context.Context, opts *UnassignUserOptions) error {
	client, err := opts.Factory.Graph()
	if err != nil {
		return err
	}
	r, err := autopilot.UnassignUser(ctx, client, opts.SerialOrID, opts.DryRun)
	if err != nil {
		return err
	}
	return printUser(opts.Factory, r, opts.DryRun)
}
