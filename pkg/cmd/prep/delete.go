package prep

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// NewCmdDelete builds `prep delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(string, bool) error) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes]",
		Short: "Delete a device-preparation policy",
		Long: "Deletes the policy (its binding and assignments go with it; the device group and user groups stay).\n" +
			"Asks in a terminal; elsewhere --yes is required.",
		Example: "  autopilotctl prep delete \"DPP - Old\" --yes",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkArg(args); err != nil {
				return err
			}
			if !yes && !f.IOStreams.CanPrompt() {
				return cmdutil.Confirm(f, false, "", "not deleting anything")
			}
			if runF != nil {
				return runF(args[0], yes)
			}
			return deleteRun(cmd.Context(), f, args[0], yes)
		},
	}
	cmdutil.SetPermissions(cmd, policiesWrite)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

func deleteRun(ctx context.Context, f *cmdutil.Factory, nameOrID string, yes bool) error {
	c, err := f.Graph()
	if err != nil {
		return err
	}
	p, err := resolvePolicy(ctx, c, nameOrID)
	if err != nil {
		return err
	}
	if err := cmdutil.Confirm(f, yes, fmt.Sprintf("Delete device-preparation policy %s (%s)?", safetext.Quote(p.Name), p.ID), "not deleting anything"); err != nil {
		return err
	}
	ch := result.Change{Kind: prep.Kind, Name: p.Name, ID: p.ID, Status: result.Deleted}
	if err := prep.Delete(ctx, c, p.ID); err != nil {
		return err
	}
	if err := f.Print(output.Result{Data: ch, Table: output.Rows{Header: []string{"NAME", "STATUS", "ID"}, Rows: [][]string{{p.Name, string(ch.Status), p.ID}}}}); err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "policy %s: deleted\n", safetext.Quote(p.Name))
	return nil
}
