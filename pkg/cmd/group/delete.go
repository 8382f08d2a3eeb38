package group

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/result"
	"github.com/autopilotctl/autopilotctl/pkg/usage"
)

// DeleteOptions holds `group delete`'s argument and flags.
type DeleteOptions struct {
	Factory  *cmdutil.Factory
	NameOrID string
	Yes      bool
	DryRun   bool
}

// NewCmdDelete builds `group delete`; runF replaces the run in flag-parsing tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes]",
		Short: "Delete a group",
		Long: "Deletes the group named exactly NAME (or with id ID). Asks for confirmation in a terminal; elsewhere\n" +
			"--yes is required. Profiles, Enrollment Status Pages and device-preparation policies that use the group\n" +
			"(assigned, excluded, or bound as the enrollment-time device group) are listed first: they lose it.",
		Example: "  autopilotctl group delete \"Autopilot - Old\"\n" +
			"  autopilotctl group delete 00000000-0000-4000-8000-000000000001 --yes",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGroupArg(args); err != nil {
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
	cmdutil.SetPermissions(cmd, groupsWrite)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deleted without deleting it")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	c, g, err := namedGroup(ctx, f, opts.NameOrID)
	if err != nil {
		return err
	}
	ch := &groups.Change{Change: result.Change{Kind: groups.Kind, Name: g.DisplayName, ID: g.ID, Status: result.WouldDelete},
		DisplayName: g.DisplayName, MembershipRule: g.MembershipRule}
	index, err := usage.Read(ctx, c)
	if err != nil {
		return err
	}
	known, maybe := index.Of(g.ID, nil)
	var uses []string
	for _, u := range known {
		uses = append(uses, u.String())
	}
	unread := index.Unread
	for _, u := range maybe {
		unread = append(unread, u.String())
	}
	w := f.IOStreams.ErrOut
	if len(uses) > 0 {
		fmt.Fprintf(w, "group %s is used by:\n  %s\n", safetext.Quote(g.DisplayName), strings.Join(uses, "\n  "))
		ch.Message = fmt.Sprintf("used by %d assignment(s) or binding(s), which lose this group: %s", len(uses), strings.Join(uses, "; "))
	}
	for _, u := range unread {
		fmt.Fprintf(w, "warning: could not check whether %s use the group\n", u)
	}
	if !opts.DryRun {
		question := fmt.Sprintf("Delete %s group %s (%s)?", g.Type(), safetext.Quote(g.DisplayName), safetext.Short(g.ID))
		if len(uses) > 0 {
			question = fmt.Sprintf("Delete %s group %s (%s), which %d assignment(s) or binding(s) above use?", g.Type(), safetext.Quote(g.DisplayName), safetext.Short(g.ID), len(uses))
		}
		if err := cmdutil.Confirm(f, opts.Yes, question, "not deleting anything"); err != nil {
			return err
		}
		ch.Status = result.Deleted
		if err := groups.Delete(ctx, c, g.ID); err != nil {
			ch.Status, ch.Error = result.Failed, err.Error()
		}
	}
	return printChange(f, ch, opts.DryRun)
}
