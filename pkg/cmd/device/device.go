// Package device implements `autopilotctl device`: register Autopilot devices from hardware-hash CSVs, and find,
// tag, assign, delete and sync them.
package device

import (
	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// NewCmdDevice is the `device` command group.
func NewCmdDevice(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device <command>",
		Short: "Register and manage Windows Autopilot devices",
		Example: "  autopilotctl device import devices.csv --group-tag Sales\n" +
			"  autopilotctl device list --group-tag Sales",
	}
	cmd.AddCommand(
		NewCmdImport(f, nil),
		NewCmdList(f, nil),
		NewCmdShow(f, nil),
		NewCmdTag(f, nil),
		NewCmdAssignUser(f, nil),
		NewCmdUnassignUser(f, nil),
		NewCmdDelete(f, nil),
		NewCmdSync(f, nil),
		NewCmdDiagnose(f, nil),
	)
	addCompletion(f, cmd)
	return cmd
}
