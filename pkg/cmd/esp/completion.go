package esp

import (
	"context"

	"github.com/spf13/cobra"

	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// addCompletion completes ESP names and group names from the tenant.
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	cmdutil.CompleteArgs(cmd, cmdutil.CompleteFromGraph(f, espNames), 1, "show", "update", "assign", "unassign", "set-priority", "delete")
	groups := cmdutil.CompleteFromGraph(f, groupcmd.Names)
	cmdutil.CompleteFlag(cmd, "assign", groups)
	cmdutil.CompleteFlag(cmd, "exclude", groups)
}

func espNames(ctx context.Context, c *graph.Client, _ string, _ int) ([]string, error) {
	list, err := enrollment.ListESPs(ctx, c, false)
	return cmdutil.NamesOf(list, err, func(e *enrollment.ESP) string { return e.DisplayName })
}
