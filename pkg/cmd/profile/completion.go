package profile

import (
	"context"

	"github.com/spf13/cobra"

	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// addCompletion completes profile and group names from the tenant, and the enumerated flags.
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	profiles := cmdutil.CompleteFromGraph(f, profileNames)
	groups := cmdutil.CompleteFromGraph(f, groupcmd.Names)
	cmdutil.CompleteArgs(cmd, profiles, 1, "show", "update", "delete")
	cmdutil.CompleteArgsThen(cmd, profiles, groups, "assign", "unassign")
	cmdutil.CompleteFlag(cmd, "assign", groups)
	cmdutil.CompleteFlag(cmd, "exclude", groups)
	cmdutil.CompleteFlagValues(cmd, "mode", "user-driven", "self-deploying", "pre-provisioning")
	cmdutil.CompleteFlagValues(cmd, "join", "entra", "hybrid")
	cmdutil.CompleteFlagValues(cmd, "user-type", "standard", "administrator")
	cmdutil.CompleteFlagValues(cmd, "device-type", "windowsPc", "holoLens")
	cmdutil.CompleteFlagValues(cmd, "locale", "user-select", "os-default")
}

func profileNames(ctx context.Context, c *graph.Client, _ string, _ int) ([]string, error) {
	list, err := enrollment.ListProfiles(ctx, c, false)
	return cmdutil.NamesOf(list, err, func(p *enrollment.Profile) string { return p.DisplayName })
}
