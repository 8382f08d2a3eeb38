package device

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// SyncOptions holds `device sync`'s flags.
type SyncOptions struct {
	Factory *cmdutil.Factory
	DryRun  bool
}

// NewCmdSync builds `device sync`; runF replaces the run in flag-parsing tests.
func NewCmdSync(f *cmdutil.Factory, runF func(*SyncOptions) error) *cobra.Command {
	opts := &SyncOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Ask Intune to sync Autopilot devices from the device directory now",
		Long: "The service allows one sync request per 10 minutes and none while a sync runs. When it refuses, this\n" +
			"says so at once, with the reason and the time to try again, and exits 3 (the sync did not happen); it\n" +
			"never waits minutes in silence. --dry-run only checks whether a request would be accepted now.",
		Example: "  autopilotctl device sync\n" +
			"  autopilotctl device sync --dry-run",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, "DeviceManagementServiceConfig.ReadWrite.All|DeviceManagementConfiguration.ReadWrite.All")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "check whether the service would accept a sync request now, without sending one")
	return cmd
}

func syncRun(ctx context.Context, opts *SyncOptions) error {
	f := opts.Factory
	client, err := f.Graph()
	if err != nil {
		return err
	}
	r, err := autopilot.Sync(ctx, client, f.Now, opts.DryRun)
	var refused *autopilot.SyncRefusedError
	if errors.As(err, &refused) {
		r = refused.Result()
	} else if err != nil {
		return err
	}
	if err := f.Print(output.Result{Data: r, Table: output.Rows{
		Header: []string{"STATUS", "REQUESTED", "RETRY AFTER", "DETAIL"},
		Rows:   [][]string{{string(r.Status), timeCell(r.RequestedAt), timeCell(r.RetryAt), detail(r.Change)}},
	}}); err != nil {
		return err
	}
	if refused != nil {
		return &cmdutil.PartialError{Msg: refused.Error()}
	}
	return nil
}

// timeCell is t in RFC 3339, or empty when t is zero.
func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
