package device

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// DeleteOptions holds `device delete`'s arguments and flags.
type DeleteOptions struct {
	Factory       *cmdutil.Factory
	Serials       []string
	FromCSV       string
	Yes           bool
	IgnoreMissing bool
	DryRun        bool
	WriteBudget   string
}

// NewCmdDelete builds `device delete`; runF replaces the run in flag-parsing tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "delete [SERIAL|ID...]",
		Short: "Deregister devices from Windows Autopilot",
		Long: "Deletes the Autopilot registrations of the named devices (serial numbers or ids, or a CSV with a serial number\n" +
			"column such as \"Device Serial Number\"). Asks for confirmation in a terminal; elsewhere --yes is required.\n" +
			"The service refuses to deregister a device still enrolled in Intune: those are reported failed, with the\n" +
			"managed device to delete first. Exit code 3 when any device was not deleted, a serial number that names\n" +
			"no device included (a typo must not pass); with --ignore-missing such devices are reported notFound and\n" +
			"count as done, so a script can run the same delete again.",
		Example: "  autopilotctl device delete 5CG2461KX7 PF3ABCD1\n" +
			"  autopilotctl device delete --from-csv returns.csv --yes --ignore-missing\n" +
			"  autopilotctl device delete --from-csv returns.csv --dry-run -o json",
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Serials = args
			if err := oneWay("serial numbers as arguments, or --from-csv FILE", len(args) > 0, opts.FromCSV != ""); err != nil {
				return err
			}
			if err := checkSerials(args); err != nil {
				return err
			}
			if !opts.Yes && !opts.DryRun && !f.IOStreams.CanPrompt() {
				return cmdutil.Confirm(f, false, "", "not deleting anything") // refuses before anything is sent
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
	fl.BoolVar(&opts.IgnoreMissing, "ignore-missing", false, "a serial number that names no device is not an error (already deleted)")
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
		list, err := readDeviceList(f, opts.FromCSV)
		if err != nil {
			return err
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
	if n, serials := someSerials(plan, is(result.WouldDelete)); n > 0 && !opts.DryRun {
		question := fmt.Sprintf("Deregister %d Autopilot device(s) (%s)?", n, serials)
		if m, others := someSerials(plan, func(s result.Status) bool { return s != result.WouldDelete }); m > 0 {
			// named, but not found, ambiguous or still enrolled: the report says why
			question = fmt.Sprintf("%d other(s) named will not be deleted (%s). %s", m, others, question)
		}
		if err := cmdutil.Confirm(f, opts.Yes, question, "not deleting anything"); err != nil {
			return err
		}
		progress := f.IOStreams.StartProgress("Deleting", n)
		wopts.Progress = func(done int) { progress.Update(done, "") }
		applyErr = autopilot.ApplyDeletes(ctx, client, plan, wopts)
		progress.Stop()
	}
	rows := make([][]string, len(plan))
	for i, r := range plan {
		rows[i] = []string{r.SerialNumber, r.ID, string(r.Status), detail(r.Change)}
	}
	var accept []result.Status
	if opts.IgnoreMissing {
		accept = append(accept, result.NotFound)
	}
	err = printBulk(f, plan, output.Rows{Header: []string{"SERIAL", "ID", "STATUS", "DETAIL"}, Rows: rows}, opts.DryRun, accept...)
	if applyErr != nil {
		return applyErr
	}
	return err
}
