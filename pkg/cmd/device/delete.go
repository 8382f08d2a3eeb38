package device

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// DeleteOptions holds `device delete`'s arguments and flags.
type DeleteOptions struct {
	Factory     *cmdutil.Factory
	Serials     []string
	FromCSV     string
	Yes         bool
	DryRun      bool
	WriteBudget string
}

// NewCmdDelete builds `device delete`; runF replaces the run in flag-parsing tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "delete [SERIAL...]",
		Short: "Deregister devices from Windows Autopilot",
		Long: "Deletes the Autopilot registrations of the named devices (serial numbers, or a CSV with a serial number\n" +
			"column such as \"Device Serial Number\"). Asks for confirmation in a terminal; elsewhere --yes is required.\n" +
			"The service refuses to deregister a device still enrolled in Intune: those are reported \"enrolled\" with\n" +
			"the managed device to delete first. Exit code 3 when any device was not deleted.",
		Example: "  autopilotctl device delete 5CG2461KX7 PF3ABCD1\n" +
			"  autopilotctl device delete --from-csv returns.csv --yes\n" +
			"  autopilotctl device delete --from-csv returns.csv --dry-run -o json",
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Serials = args
			if err := oneWay("serial numbers as arguments, or --from-csv FILE", len(args) > 0, opts.FromCSV != ""); err != nil {
				return err
			}
			if !opts.Yes && !opts.DryRun && !f.IOStreams.CanPrompt() {
				return cmdutil.UsageErrorf("not deleting anything without confirmation: pass --yes (or --dry-run to see what would go)")
			}
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesWrite)
	fl := cmd.Flags()
	fl.StringVar(&opts.FromCSV, "from-csv", "", "read serial numbers from the CSV `FILE`")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	addWriteFlags(cmd, &opts.DryRun, &opts.WriteBudget)
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	wopts, err := writeOptions(f, opts.WriteBudget)
	if err != nil {
		return err
	}
	serials := opts.Serials
	if opts.FromCSV != "" {
		list, err := autopilot.ReadDeviceList(opts.FromCSV)
		if err != nil {
			return &cmdutil.UsageError{Err: err}
		}
		serials = make([]string, len(list.Devices))
		for i, d := range list.Devices {
			serials[i] = d.SerialNumber
		}
	}
	client, err := f.Graph()
	if err != nil {
		return err
	}
	plan, err := autopilot.PlanDeletes(ctx, client, serials)
	if err != nil {
		return err
	}
	var applyErr error
	if n := autopilot.Summarize(plan).Count(autopilot.StatusWouldDelete); n > 0 && !opts.DryRun {
		if !opts.Yes {
			ok, err := f.IOStreams.Confirm(deleteQuestion(plan, n))
			if err != nil {
				return err
			}
			if !ok {
				return cmdutil.UsageErrorf("cancelled: nothing was deleted")
			}
		}
		progress := f.IOStreams.StartProgress("Deleting", n)
		wopts.Progress = func(done int) { progress.Update(done, "") }
		applyErr = autopilot.ApplyDeletes(ctx, client, plan, wopts)
		progress.Stop()
	}
	rows := make([][]string, len(plan))
	for i, r := range plan {
		rows[i] = []string{r.SerialNumber, r.ID, string(r.Status), r.Error}
	}
	err = printBulk(f, output.Result{Data: plan, Table: output.Rows{Header: []string{"SERIAL", "ID", "STATUS", "ERROR"}, Rows: rows}},
		autopilot.Summarize(plan), opts.DryRun)
	if applyErr != nil {
		return applyErr
	}
	return err
}

// deleteQuestion names the devices about to go, up to ten of them.
func deleteQuestion(plan []autopilot.DeleteResult, n int) string {
	var serials []string
	for _, r := range plan {
		if r.Status == autopilot.StatusWouldDelete && len(serials) < 10 {
			serials = append(serials, r.SerialNumber)
		}
	}
	if n > len(serials) {
		serials = append(serials, fmt.Sprintf("and %d more", n-len(serials)))
	}
	return fmt.Sprintf("Deregister %d Autopilot device(s) (%s)?", n, strings.Join(serials, ", "))
}
