package device

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/importer"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// ImportOptions holds `device import`'s flags.
type ImportOptions struct {
	Factory      *cmdutil.Factory
	Files        []string
	GroupTag     string
	AssignedUser string
	setGroupTag  bool
	setUser      bool
	BatchSize    int
	PollInterval time.Duration
	Timeout      time.Duration
	NoWait       bool
	Sync         bool
	DryRun       bool
	Resume       bool
	UpdateTag    bool
	SkipInvalid  bool
	Journal      string
	WriteBudget  string
}

// NewCmdImport builds `device import`; runF replaces the run in flag-parsing tests.
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import FILE.csv...",
		Short: "Register devices from hardware-hash CSVs, with one clear answer per device",
		Long: "Reads Get-WindowsAutopilotInfo, OEM or reseller CSVs (UTF-16 or UTF-8, any line ending), validates every\n" +
			"row before anything is sent, imports the devices in large paced batches, waits for each device's answer,\n" +
			"and deletes the import records it created. A device already registered in this tenant is reported\n" +
			"\"already-registered\", not as a failure.\n\n" +
			"Progress is journaled next to the first CSV; an interrupted run continues with --resume without\n" +
			"submitting any device twice. Exit codes: 0 all imported or already registered, 2 invalid input\n" +
			"(nothing sent), 3 some failed or still pending (the report says which), 4 sign-in or permission.",
		Example: "  autopilotctl device import devices.csv\n" +
			"  autopilotctl device import batch1.csv batch2.csv --group-tag Sales --sync\n" +
			"  autopilotctl device import devices.csv --dry-run\n" +
			"  autopilotctl device import devices.csv --resume -o json",
		Args: cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			opts.setGroupTag = cmd.Flags().Changed("group-tag")
			opts.setUser = cmd.Flags().Changed("assigned-user")
			if opts.BatchSize < 1 {
				return cmdutil.UsageErrorf("--batch-size must be at least 1")
			}
			if opts.PollInterval <= 0 || opts.Timeout <= 0 {
				return cmdutil.UsageErrorf("--poll-interval and --timeout must be positive")
			}
			if opts.DryRun && opts.Resume {
				return cmdutil.UsageErrorf("--dry-run and --resume cannot be combined")
			}
			if opts.NoWait && (opts.Sync || opts.UpdateTag) {
				return cmdutil.UsageErrorf("--no-wait returns before devices are registered, so --sync and --update-tag would do nothing; drop one")
			}
			if err := autopilot.ValidateGroupTag(opts.GroupTag); err != nil {
				return cmdutil.UsageErrorf("--group-tag: %v", err)
			}
			if err := autopilot.ValidateUPN(opts.AssignedUser); opts.AssignedUser != "" && err != nil {
				return cmdutil.UsageErrorf("--assigned-user: %v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, "DeviceManagementServiceConfig.ReadWrite.All")
	fl := cmd.Flags()
	fl.StringVar(&opts.GroupTag, "group-tag", "", "group tag for every device, overriding the files' Group Tag column (\"\" clears it)")
	fl.StringVar(&opts.AssignedUser, "assigned-user", "", "user principal name for every device, overriding the Assigned User column")
	fl.IntVar(&opts.BatchSize, "batch-size", 500, "devices per import request (halved automatically if the service refuses the size)")
	fl.DurationVar(&opts.PollInterval, "poll-interval", 15*time.Second, "longest wait between checks of the import's progress")
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "stop waiting after this long; unfinished devices are reported pending")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "submit and return the import ids without waiting (continue later with --resume)")
	fl.BoolVar(&opts.Sync, "sync", false, "trigger an Autopilot sync when done")
	fl.BoolVar(&opts.Resume, "resume", false, "continue an interrupted import from its journal")
	fl.BoolVar(&opts.UpdateTag, "update-tag", false, "give devices that are already registered the group tag and user their rows ask for")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "upload the valid rows and report invalid ones, instead of stopping")
	fl.StringVar(&opts.Journal, "journal", "", "journal file (default: next to the first CSV)")
	addWriteFlags(cmd, &opts.DryRun, &opts.WriteBudget)
	return cmd
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	f := opts.Factory
	writes, err := writeOptions(f, opts.WriteBudget)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	iopts := importer.Options{
		Files: opts.Files, BatchSize: opts.BatchSize, PollInterval: opts.PollInterval, Timeout: opts.Timeout,
		NoWait: opts.NoWait, Resume: opts.Resume, SkipInvalid: opts.SkipInvalid, JournalPath: opts.Journal,
		Budget: writes.Budget, Now: writes.Now, Sleep: writes.Sleep,
	}
	if opts.setGroupTag {
		iopts.GroupTag = &opts.GroupTag
	}
	if opts.setUser {
		iopts.AssignedUser = &opts.AssignedUser
	}
	in, err := importer.Check(iopts)
	if err != nil {
		return inputError(err) // before sign-in: bad input never needs a token
	}
	if opts.DryRun {
		plan, requests := importer.Plan(iopts, in)
		if err := f.Print(reportResult(plan)); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "dry run: would import %d devices in %d import requests; nothing was sent\n",
			plan.Summary.Total-plan.Summary.Invalid, requests)
		return nil
	}
	client, err := f.Graph()
	if err != nil {
		return err
	}
	var bar *iostreams.Progress
	iopts.Progress = func(p importer.Progress) { // calls are serialized by the importer
		if bar == nil {
			bar = ios.StartProgress("importing", p.Total)
		}
		bar.Update(p.Done, "%d submitted, %d processing, %d failed", p.Submitted, p.Submitted-p.Done, p.Failed)
	}
	report, runErr := importer.Run(ctx, client, iopts, in)
	if bar != nil {
		bar.Stop()
	}
	if runErr != nil {
		if ierr := inputError(runErr); ierr != runErr {
			return ierr
		}
		if report == nil {
			return runErr
		}
	}
	if runErr == nil && opts.UpdateTag {
		// A failure here must not cost the report: the import itself is done (and its journal gone).
		runErr = updateRegistered(ctx, client, report, opts, writes)
	}
	if err := f.Print(reportResult(report)); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, report.Summary.String())
	if errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("interrupted: run the same command with --resume to continue; no device will be sent twice")
	}
	if runErr != nil {
		return runErr
	}
	if opts.Sync && report.Summary.Imported > 0 {
		if _, err := autopilot.Sync(ctx, client, f.Now, false); err != nil {
			fmt.Fprintln(ios.ErrOut, err) // the import itself succeeded; a refused sync says when to retry
		} else {
			fmt.Fprintln(ios.ErrOut, "Autopilot sync started")
		}
	}
	return importOutcome(report, opts)
}

// updateRegistered gives devices that were already registered the group tag (and user) their rows ask for.
// Rows without a group tag leave the device's tag alone unless --group-tag was given.
func updateRegistered(ctx context.Context, client *graph.Client, rep *importer.Report, opts *ImportOptions, writes autopilot.WriteOptions) error {
	var targets []autopilot.TagTarget
	var registered []*importer.DeviceResult
	bySerial := map[string]*importer.DeviceResult{}
	for i := range rep.Devices {
		d := &rep.Devices[i]
		if d.Status == importer.AlreadyRegistered {
			registered = append(registered, d)
			bySerial[strings.ToUpper(d.SerialNumber)] = d
			if d.GroupTag != "" || opts.setGroupTag {
				targets = append(targets, autopilot.TagTarget{SerialNumber: d.SerialNumber, GroupTag: d.GroupTag})
			}
		}
	}
	plan, err := autopilot.PlanTags(ctx, client, targets)
	if err != nil {
		return err
	}
	if err := autopilot.ApplyTags(ctx, client, plan, writes); err != nil {
		return err
	}
	for _, r := range plan {
		d := bySerial[strings.ToUpper(r.SerialNumber)]
		switch {
		case r.Status.Failed():
			d.Status, d.Message = importer.Failed, "already registered; updating its group tag failed: "+r.Error
		case r.Status == autopilot.StatusUpdated:
			d.Message = fmt.Sprintf("already registered; group tag changed from %q to %q", r.PreviousGroupTag, r.GroupTag)
		default:
			d.Message = fmt.Sprintf("already registered; group tag already %q", r.GroupTag)
		}
	}
	for _, d := range registered {
		if d.AssignedUser == "" || d.Status == importer.Failed {
			continue
		}
		u, err := autopilot.AssignUser(ctx, client, d.SerialNumber, d.AssignedUser, "", false)
		switch {
		case err != nil:
			d.Status, d.Message = importer.Failed, "already registered; assigning its user failed: "+graph.Translate(err).Error()
		case u.Status == autopilot.StatusUpdated:
			d.Message += "; user " + d.AssignedUser + " assigned"
		}
	}
	rep.Recount()
	return nil
}

// inputError maps the importer's input and journal errors to exit code 2.
func inputError(err error) error {
	var in *importer.InputError
	var j *importer.ErrJournal
	if errors.As(err, &in) || errors.As(err, &j) {
		return &cmdutil.UsageError{Err: err}
	}
	return err
}

// importOutcome is exit 0 when every device is imported or already registered (with --no-wait: submitted),
// else exit 3 with what to do.
func importOutcome(r *importer.Report, opts *ImportOptions) error {
	s := r.Summary
	pending := s.Pending
	if opts.NoWait {
		pending = 0 // asked not to wait: pending is the expected answer
	}
	if s.Failed == 0 && pending == 0 && s.Invalid == 0 {
		return nil
	}
	msg := fmt.Sprintf("not every device was imported: %d failed, %d pending, %d invalid (see the report above)", s.Failed, pending, s.Invalid)
	if pending > 0 {
		msg += fmt.Sprintf("; continue waiting with: autopilotctl device import %s --resume", strings.Join(opts.Files, " "))
	}
	return &cmdutil.PartialError{Msg: msg}
}

func reportResult(r *importer.Report) output.Result {
	rows := make([][]string, len(r.Devices))
	for i, d := range r.Devices {
		detail := d.Message
		if d.ErrorName != "" {
			detail = fmt.Sprintf("%s (%d): %s", d.ErrorName, d.ErrorCode, d.Message)
		}
		rows[i] = []string{d.SerialNumber, d.GroupTag, d.AssignedUser, string(d.Status), detail}
	}
	return output.Result{Data: r, Table: output.Rows{Header: []string{"SERIAL", "GROUP TAG", "USER", "STATUS", "DETAIL"}, Rows: rows}}
}
