package group

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// ListOptions holds `group list`'s flags.
type ListOptions struct {
	Factory   *cmdutil.Factory
	Autopilot bool
}

// NewCmdList builds `group list`; runF replaces the run in flag-parsing tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list [--autopilot]",
		Short: "List groups; --autopilot keeps those whose rules select Autopilot devices",
		Long: "Lists every group with its type and rule. --autopilot keeps the dynamic groups whose rules select\n" +
			"devices by Autopilot physical ids ([ZTDId], [OrderID], [PurchaseOrderId]) or by enrollmentProfileName.",
		Example: "  autopilotctl group list --autopilot\n" +
			"  autopilotctl group list -o json",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead)
	cmd.Flags().BoolVar(&opts.Autopilot, "autopilot", false, "only groups whose rules select Autopilot devices")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	list := []*groups.Group{}
	rows := [][]string{}
	err = groups.List(ctx, c, func(g *groups.Group) error {
		if !opts.Autopilot || g.TargetsAutopilot() {
			list = append(list, g)
			rows = append(rows, []string{g.DisplayName, g.Type(), g.MembershipRule, g.ID})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return f.Print(output.Result{Data: list, Table: output.Rows{Header: []string{"NAME", "TYPE", "RULE", "ID"},
		CSVHeader: []string{"displayName", "type", "membershipRule", "id"}, Rows: rows}})
}
