package prep

import (
	"context"

	"github.com/spf13/cobra"

	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// addCompletion completes policy and group names from the tenant, and the enumerated flags.
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	policies := cmdutil.CompleteFromGraph(f, policyNames)
	cmdutil.CompleteArgs(cmd, policies, 1, "show", "update", "delete")
	cmdutil.CompleteArgs(cmd, policies, 0, "verify")
	groups := cmdutil.CompleteFromGraph(f, groupcmd.Names)
	for _, flag := range []string{"device-group", "user-group", "expect-group"} {
		cmdutil.CompleteFlag(cmd, flag, groups)
	}
	cmdutil.CompleteFlagValues(cmd, "mode", "user-driven", "automatic")
	cmdutil.CompleteFlagValues(cmd, "account-type", "standard", "administrator")
}

func policyNames(ctx context.Context, c *graph.Client, _ string, _ int) ([]string, error) {
	list, err := prep.List(ctx, c)
	return cmdutil.NamesOf(list, err, func(p *prep.Policy) string { return p.Name })
}
