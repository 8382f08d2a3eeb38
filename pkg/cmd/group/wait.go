package group

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// WaitOptions holds `group wait`'s argument and flags.
type WaitOptions struct {
	Factory  *cmdutil.Factory
	NameOrID string
	Timeout  time.Duration
	Interval time.Duration
}

// NewCmdWait builds `group wait`; runF replaces the run in flag-parsing tests.
func NewCmdWait(f *cmdutil.Factory, runF func(*WaitOptions) error) *cobra.Command {
	opts := &WaitOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "wait NAME|ID [--timeout 30m]",
		Short: "Wait until a dynamic group's membership processing has succeeded",
		Long: "Polls the group's membershipRuleProcessingStatus until it is Succeeded, starting at --interval and\n" +
			"doubling up to a minute. Failed exits 1 with the service's message; still processing at --timeout exits 3.\n" +
			"A paused or assigned group has nothing to wait for: exit 2.",
		Example: "  autopilotctl group create \"Autopilot - Sales\" --group-tag Sales && autopilotctl group wait \"Autopilot - Sales\"\n" +
			"  autopilotctl group wait \"Autopilot - Sales\" --timeout 2h",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGroupArg(args); err != nil {
				return err
			}
			if opts.Timeout <= 0 || opts.Interval <= 0 {
				return cmdutil.UsageErrorf("--timeout and --interval must be positive")
			}
			opts.NameOrID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return waitRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead)
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "give up (exit 3) after this long")
	cmd.Flags().DurationVar(&opts.Interval, "interval", 10*time.Second, "first wait between polls; it doubles up to a minute")
	return cmd
}

func waitRun(ctx context.Context, opts *WaitOptions) error {
	f := opts.Factory
	c, g, err := namedGroup(ctx, f, opts.NameOrID)
	if err != nil {
		return err
	}
	name := safetext.Quote(g.DisplayName)
	switch {
	case !g.Dynamic():
		return cmdutil.UsageErrorf("group %s is assigned; only dynamic groups have membership processing", name)
	case g.MembershipRuleProcessingState == groups.ProcessingPaused:
		return cmdutil.UsageErrorf("group %s has membership processing paused; nothing will happen until it is On", name)
	}
	bar := f.IOStreams.StartProgress("processing "+safetext.Escape(g.DisplayName), 1) // on a terminal only
	st, err := groups.Wait(ctx, c, g.ID, groups.WaitOptions{Timeout: opts.Timeout, Interval: opts.Interval, Now: f.Now, Sleep: f.Sleep,
		Progress: func(st *groups.ProcessingStatus, waited time.Duration) {
			bar.Update(0, "%s after %s", statusName(st), waited.Round(time.Second))
		}})
	bar.Stop()
	var timeout *groups.TimeoutError
	var failed *groups.FailedError
	switch {
	case errors.As(err, &timeout):
		return &cmdutil.PartialError{Msg: fmt.Sprintf("group %s: %v", name, err)}
	case errors.As(err, &failed):
		return fmt.Errorf("group %s: %v", name, err)
	case err != nil:
		return err
	}
	if err := f.Print(output.Result{Data: st, Table: output.Rows{Header: []string{"GROUP", "STATUS", "MEMBERS UPDATED"},
		Rows: [][]string{{g.DisplayName, st.Status, st.LastMembershipUpdated}}}}); err != nil {
		return err
	}
	return nil
}

func statusName(st *groups.ProcessingStatus) string {
	if st == nil {
		return "no status yet"
	}
	return st.Status
}
