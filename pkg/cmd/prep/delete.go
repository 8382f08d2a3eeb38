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

// DeleteOptions holds `prep delete`'s argument and flags.
type DeleteOptions struct {
	Factory  *cmdutil.Factory
	NameOrID string
	Yes      bool
	DryRun   bool
}

// NewCmdDelete builds `prep delete`; runF replaces the run in flag-parsing tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes] [--dry-run]",
		Short: "Delete a device-preparation policy",
		Long: "Deletes the policy (its binding and assignments go with it; the device group and user groups stay).\n" +
			"Asks in a terminal; elsewhere --yes is required. --dry-run finds the policy and deletes nothing.",
		Example: "  autopilotctl prep delete \"DPP - Old\" --dry-run\n  autopilotctl prep delete \"DPP - Old\" --yes",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkArg(args); err != nil {
				return err
			}
			if !opts.Yes && !opts.DryRun && !f.IOStreams.CanPrompt() {
				return cmdutil.Confirm(f, false, "", "not deleting anything") // refuses before anything is sent
			}
			opts.NameOrID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, policiesWrite)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show which policy would be deleted without deleting it")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	p, err := resolvePolicy(ctx, c, opts.NameOrID)
	if err != nil {
		return err
	}
	ch := result.Change{Kind: prep.Kind, Name: p.Name, ID: p.ID, Status: result.WouldDelete}
	if !opts.DryRun {
		if err := cmdutil.Confirm(f, opts.Yes, fmt.Sprintf("Delete device-preparation policy %s (%s)?", safetext.Quote(p.Name), p.ID), "not deleting anything"); err != nil {
			return err
		}
		if err := prep.Delete(ctx, c, p.ID); err != nil {
			return err
		}
		ch.Status = result.Deleted
	}
	if err := f.Print(output.Result{Data: ch, Table: output.Rows{Header: []string{"NAME", "STATUS", "ID"}, Rows: [][]string{{p.Name, string(ch.Status), p.ID}}}}); err != nil {
		return err
	}
	line := fmt.Sprintf("policy %s: %s", safetext.Quote(p.Name), ch.Status)
	if opts.DryRun {
		line = "dry run, nothing changed: " + line
	}
	fmt.Fprintln(f.IOStreams.ErrOut, line)
	return nil
}
