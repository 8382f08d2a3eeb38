package group

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
)

// addCompletion completes group names from the tenant for the commands and flags that name a group, and
// --group-tag with the tags its Autopilot devices carry.
func addCompletion(f *cmdutil.Factory, cmd *cobra.Command) {
	names := cmdutil.CompleteFromGraph(f, Names)
	cmdutil.CompleteArgs(cmd, names, 1, "show", "members", "wait", "delete", "create")
	cmdutil.CompleteFlag(cmd, "group", names)
	cmdutil.CompleteFlag(cmd, "group-tag", cmdutil.CompleteFromGraph(f, autopilot.GroupTags))
}

var errEnough = errors.New("enough names")

// Names lists group display names, for completion (esp, profile and prep complete group flags with it).
func Names(ctx context.Context, c *graph.Client, _ string, limit int) ([]string, error) {
	var names []string
	err := groups.List(ctx, c, func(g *groups.Group) error {
		names = append(names, g.DisplayName)
		if len(names) >= limit {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return names, err
}
