package prep

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// NewCmdList builds `prep list`.
func NewCmdList(f *cmdutil.Factory, runF func() error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List device-preparation policies",
		Example: "  autopilotctl prep list\n  autopilotctl prep list -o json",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF()
			}
			return listRun(cmd.Context(), f)
		},
	}
	cmdutil.SetPermissions(cmd, policiesRead)
	return cmd
}

func listRun(ctx context.Context, f *cmdutil.Factory) error {
	c, err := f.Graph()
	if err != nil {
		return err
	}
	list, err := prep.List(ctx, c)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*prep.Policy{}
	}
	var rows [][]string
	for _, p := range list {
		prio := strconv.Itoa(p.Priority)
		if p.Mode == prep.Automatic {
			prio = "-"
		}
		rows = append(rows, []string{p.Name, p.Mode.Word(), prio, p.ID})
	}
	return f.Print(output.Result{Data: list, Table: output.Rows{Header: []string{"NAME", "MODE", "PRIORITY", "ID"}, Rows: rows},
		Empty: "no device-preparation policies"})
}
