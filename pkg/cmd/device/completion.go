package device

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// addCompletion completes serial numbers from the tenant for the commands that name devices, and the group
// tags its devices carry for the flags that take one.
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	serials := cmdutil.CompleteFromGraph(f, serialNumbers)
	cmdutil.CompleteArgs(cmd, serials, 0, "show", "tag", "delete", "unassign-user", "diagnose")
	cmdutil.CompleteArgs(cmd, serials, 1, "assign-user")
	tags := cmdutil.CompleteFromGraph(f, autopilot.GroupTags)
	cmdutil.CompleteFlag(cmd, "group-tag", tags)
	cmdutil.CompleteFlag(cmd, "select-group-tag", tags)
}

// serialNumbers are the serial numbers that contain prefix (Graph filters them where it can).
func serialNumbers(ctx context.Context, c *graph.Client, prefix string, limit int) ([]string, error) {
	filter := autopilot.Filter{Limit: limit}
	if autopilot.ValidateSerial(prefix) == nil {
		filter.Serial = prefix
	}
	devices, err := autopilot.ListDevices(ctx, c, filter)
	return cmdutil.NamesOf(devices, err, func(d autopilot.Device) string { return d.SerialNumber })
}
