package esp

import (
	"context"

	"github.com/spf13/cobra"

	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// addCompletion completes ESP names and group names from the tenant; show and update also offer "default",
// the name the docs give the default ESP (whatever the tenant calls it).
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	esps := cmdutil.CompleteFromGraph(f, espNames)
	groups := cmdutil.CompleteFromGraph(f, groupcmd.Names)
	cmdutil.CompleteArgs(cmd, cmdutil.CompleteFromGraph(f, espNamesAndDefault), 1, "show", "update")
	cmdutil.CompleteArgs(cmd, esps, 1, "set-priority", "delete")
	cmdutil.CompleteArgsThen(cmd, esps, groups, "assign", "unassign")
	cmdutil.CompleteFlag(cmd, "assign", groups)
	cmdutil.CompleteFlag(cmd, "exclude", groups)
}

func espNamesAndDefault(ctx context.Context, c *graph.Client, prefix string, limit int) ([]string, error) {
	names, err := espNames(ctx, c, prefix, limit)
	return append([]string{enrollment.DefaultName}, names...), err
}

func espNames(ctx context.Context, c *graph.Client, _ string, _ int) ([]string, error) {
	list, err := enrollment.ListESPs(ctx, c, false)
	return cmdutil.NamesOf(list, err, func(e *enrollment.ESP) string { return e.DisplayName })
}
