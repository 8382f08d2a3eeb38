package device

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/importer"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// JournalDirEnv overrides where import journals are kept by default (tests point it at a temporary directory).
const JournalDirEnv = cmdutil.StateDirEnv

// ImportOptions holds `device import`'s flags.
type ImportOptions struct {
	Factory           *cmdutil.Factory
	Files             []string
	GroupTag          string
	AssignedUser      string
	setGroupTag       bool
	setUser           bool
	BatchSize         int
	PollInterval      time.Duration
	Timeout           time.Duration
	NoWait            bool
	Sync              bool
	DryRun            bool
	Resume            bool
	UpdateTag         bool
	SkipInvalid       bool
	KeepImportRecords bool
	Journal           string
	WriteBudget       string
}

// NewCmdImport builds `device import`; runF replaces the run in flag-parsing tests.
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import FILE.csv...",
		Short: "Register devices from hardware-hash CSVs, with one clear answer per device",
		Long: "Reads Get-WindowsAutopilotInfo, OEM or reseller CSVs (UTF-16 or UTF-8, any line ending; \"-\" reads\n" +
			"standard input, and pipes work too), validates every row before anything is sent, imports the devices in\n" +
			"large paced batches, waits for each device's answer, and deletes the import records it created.\n" +
			"A device already registered in this tenant is reported \"alreadyRegistered\", with the group tag and\n" +
			"user the tenant holds; --update-tag gives it those its row asks for.\n\n" +
			"Progress is journaled in a per-user cache directory (or --journal FILE), locked while the import runs;\n" +
			"an interrupted run continues with --resume and the same input without submitting any device twice.\n" +
			"Exit codes: 0 all imported or already registered, 2 invalid input (nothing sent), 3 some failed or\n" +
			"still pending, or --sync refused (the report says which), 4 sign-in or permission.",
		Example: "  autopilotctl device import devices.csv\n" +
			"  autopilotctl device import batch1.csv batch2.csv --group-tag Sales --sync\n" +
			"  autopilotctl device import devices.csv --dry-run\n" +
			"  cat devices.csv | autopilotctl device import - -o json\n" +
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
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Minute, "deadline on the whole run; unfinished devices are reported pending and --resume continues")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "submit and return the import ids without waiting (continue later with --resume)")
	fl.BoolVar(&opts.Sync, "sync", false, "trigger an Autopilot sync when done (exit 3 if the service refuses it)")
	fl.BoolVar(&opts.Resume, "resume", false, "continue an interrupted import of the same input from its journal")
	fl.BoolVar(&opts.UpdateTag, "update-tag", false, "give devices that are already registered the group tag and user their rows ask for")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "upload the valid rows and report invalid ones, instead of stopping")
	fl.BoolVar(&opts.KeepImportRecords, "keep-import-records", false, "leave the import records in the tenant instead of deleting them once settled")
	fl.StringVar(&opts.Journal, "journal", "", "journal file (default: named after the input's content in the per-user cache directory, $"+JournalDirEnv+" to change)")
	addWriteFlags(cmd, &opts.DryRun, &opts.WriteBudget)
	return cmd
}

// importOutput is the report with the sync step, when one was asked for.
type importOutput struct {
	*importer.Report
	Sync *autopilot.SyncResult `json:"sync,omitempty"`
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	f := opts.Factory
	writes, err := writeOptions(f, opts.WriteBudget)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if slices.Contains(opts.Files, importer.StdinName) && ios.IsStdinTTY() {
		return cmdutil.UsageErrorf("standard input is a terminal: pipe the CSV in (cat devices.csv | autopilotctl device import -) or name the file")
	}
	iopts := importer.Options{
		BatchSize: opts.BatchSize, PollInterval: opts.PollInterval, Timeout: opts.Timeout, NoWait: opts.NoWait,
		Resume: opts.Resume, SkipInvalid: opts.SkipInvalid, KeepImportRecords: opts.KeepImportRecords,
		JournalPath: opts.Journal, JournalDir: f.Env(JournalDirEnv), Budget: writes.Budget, Now: writes.Now, Sleep: writes.Sleep,
	}
	if opts.setGroupTag {
		iopts.GroupTag = &opts.GroupTag
	}
	if opts.setUser {
		iopts.AssignedUser = &opts.AssignedUser
	}
	src, err := importer.OpenInputs(ctx, opts.Files, importer.InputOptions{Stdin: ios.In})
	if err != nil {
		return err
	}
	defer src.Close()
	in, err := importer.Check(src, iopts)
	if err != nil {
		return invalidInput(f, err) // before sign-in: bad input never needs a token
	}
	for _, w := range in.Warnings() {
		fmt.Fprintln(ios.ErrOut, "warning: "+w)
	}
	if opts.DryRun {
		plan, requests := importer.Plan(iopts, in)
		if err := f.Print(reportResult(importOutput{Report: plan})); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "dry run: would import %d devices in %d import request(s); nothing was sent (a dry run reads only the files: it does not check the tenant)\n",
			plan.Summary.Count(result.WouldImport), requests)
		return nil
	}
	client, err := f.Graph()
	if err != nil {
		return err
	}
	if iopts.Tenant, err = f.SignedInTenant(ctx); err != nil {
		return err
	}
	if f.Globals.Mock {
		iopts.GraphHost = "the embedded mock" // a new loopback port every run, the same persisted tenant
	}
	bar := &importBar{ios: ios, budget: writes.Budget}
	iopts.Progress = bar.update // calls are serialized by the importer
	report, runErr := importer.Run(ctx, client, iopts, in)
	bar.stop()
	if report == nil {
		return journalError(opts, runErr)
	}
	out := importOutput{Report: report}
	if runErr == nil && opts.UpdateTag {
		// A failure here must not cost the report: the import itself is done (and its journal gone).
		runErr = importer.UpdateRegistered(ctx, client, report, writes)
	}
	if !opts.UpdateTag {
		for _, d := range report.Devices {
			if d.RequestedGroupTag != nil || d.RequestedAssignedUser != nil {
				d.Message += "; pass --update-tag to apply it"
			}
		}
	}
	var syncErr error
	if runErr == nil && opts.Sync {
		out.Sync, syncErr = syncAfterImport(ctx, f, client, report)
		if syncErr != nil && out.Sync == nil {
			runErr = syncErr // not a refusal: sign-in, permission or a Graph error
		}
	}
	if err := f.Print(reportResult(out)); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, report.Summary.String("devices"))
	switch {
	case out.Sync != nil && syncErr == nil:
		fmt.Fprintln(ios.ErrOut, "Autopilot sync started")
	case opts.Sync && runErr == nil && syncErr == nil:
		fmt.Fprintln(ios.ErrOut, "no device was imported, so no Autopilot sync was requested")
	}
	return importOutcome(opts, src, report, runErr, syncErr)
}

// syncAfterImport asks for an Autopilot sync when devices were imported. A refusal comes back as the step's
// result and its error (a partial run); another failure as the error alone.
func syncAfterImport(ctx context.Context, f *cmdutil.Factory, client *graph.Client, rep *importer.Report) (*autopilot.SyncResult, error) {
	if rep.Summary.Count(result.Imported) == 0 {
		return nil, nil
	}
	res, err := autopilot.Sync(ctx, client, f.Now, false)
	var refused *autopilot.SyncRefusedError
	switch {
	case errors.As(err, &refused):
		r := refused.Result()
		return &r, err
	case err != nil:
		return nil, err
	}
	return &res, nil
}

// importBar shows the import, then the deletion of import records, as two phases with their own bars.
type importBar struct {
	ios    *iostreams.IOStreams
	budget graph.WriteBudget // for the cleanup estimate
	bar    *iostreams.Progress
	phase  importer.Phase
}

func (b *importBar) update(p importer.Progress) {
	if b.bar != nil && p.Phase != b.phase {
		b.bar.Stop()
		b.bar = nil
	}
	b.phase = p.Phase
	switch p.Phase {
	case importer.PhaseCleanup:
		if b.bar == nil {
			if p.Records >= iostreams.PlainProgressMin {
				fmt.Fprintf(b.ios.ErrOut, "every device has its answer; deleting %d import records takes about %s at the write budget of %s (--keep-import-records skips this)\n",
					p.Records, b.budget.Duration(p.Records).Round(time.Second), b.budget)
			}
			b.bar = b.ios.StartProgress("deleting import records", p.Records)
		}
		b.bar.Update(p.Removed, "%d of %d deleted", p.Removed, p.Records)
	default:
		if b.bar == nil {
			b.bar = b.ios.StartProgress("importing", p.Total)
		}
		b.bar.Update(p.Done, "%d submitted, %d processing, %d failed", p.Submitted, p.Submitted-p.Done, p.Failed)
	}
}

func (b *importBar) stop() {
	if b.bar != nil {
		b.bar.Stop()
	}
}

// invalidInput words the importer's input errors (exit 2), printing the report of the invalid rows on stdout
// for machine formats, so scripts see every problem with its file, line and serial number.
func invalidInput(f *cmdutil.Factory, err error) error {
	var ie *importer.InputError
	if !errors.As(err, &ie) {
		return err
	}
	if format, ferr := f.OutputFormat(); ferr == nil && format != output.Table {
		if perr := f.Print(reportResult(importOutput{Report: ie.Report})); perr != nil {
			return perr
		}
	}
	return cmdutil.InputErrorf("%d problem(s) in the input; nothing was uploaded (fix them, or pass --skip-invalid to upload the valid rows):\n%s",
		len(ie.Problems), ie.List())
}

// journalError words the errors that stop a run before anything is sent: all exit 2, since the user decides.
func journalError(opts *ImportOptions, err error) error {
	var (
		locked    *importer.LockedError
		busy      *importer.TenantBusyError
		none      *importer.NoJournalError
		other     *importer.OtherInputError
		overrides *importer.OtherOverridesError
		target    *importer.OtherTargetError
		unfinish  *importer.UnfinishedError
		je        *importer.JournalError
	)
	switch {
	case errors.As(err, &locked):
		return cmdutil.UsageErrorf("%v; wait for it to finish, or stop it (Ctrl-C) and continue with --resume", err)
	case errors.As(err, &busy):
		return cmdutil.UsageErrorf("%v; imports into one tenant share its write budget, so run them one after the other", err)
	case errors.As(err, &none):
		return cmdutil.UsageErrorf("--resume: no import journal for this input at %s (pass --journal if it was kept elsewhere; the input must be the same bytes as the interrupted run's)", none.Path)
	case errors.As(err, &other):
		return cmdutil.UsageErrorf("--resume: the journal %s was written for other input; resume with the same input, or pass another --journal", other.Path)
	case errors.As(err, &overrides):
		return cmdutil.UsageErrorf("--resume: --group-tag and --assigned-user must be as in the interrupted run (%s)", overrideFlags(overrides.Journal))
	case errors.As(err, &target):
		return cmdutil.UsageErrorf("--resume: %v; resume with the same --tenant and --graph-url (or --cloud), or delete the journal to start over", err)
	case errors.As(err, &unfinish):
		return cmdutil.UsageErrorf("an unfinished import journal exists at %s: run again with --resume to continue it, or delete it to start over", unfinish.Path)
	case errors.As(err, &je):
		return cmdutil.UsageErrorf("%v (pass --journal FILE to keep the journal elsewhere)", err)
	}
	return err
}

// overrideFlags describes overrides as the flags that set them.
func overrideFlags(o importer.Overrides) string {
	var parts []string
	if o.GroupTag != nil {
		parts = append(parts, fmt.Sprintf("--group-tag %q", *o.GroupTag))
	}
	if o.AssignedUser != nil {
		parts = append(parts, fmt.Sprintf("--assigned-user %q", *o.AssignedUser))
	}
	if len(parts) == 0 {
		return "neither was given"
	}
	return strings.Join(parts, " ")
}

// importOutcome is exit 0 when every device is imported or already registered (with --no-wait: submitted)
// and every step asked for happened, else exit 3 (or 1 for an interruption before the devices were done)
// with what to do next.
func importOutcome(opts *ImportOptions, src *importer.Inputs, rep *importer.Report, runErr, syncErr error) error {
	s := rep.Summary
	pending := s.Count(result.Pending)
	resume := resumeCommand(opts, src)
	if opts.NoWait && runErr == nil && pending > 0 {
		fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "%d devices submitted; wait for their answers with: %s\n", pending, resume)
		pending = 0 // asked not to wait: pending is the expected answer
	}
	var lost *importer.LostAnswerError
	var je *importer.JournalError
	stopped := "interrupted"
	if errors.Is(runErr, importer.ErrTimedOut) {
		stopped = "stopped at --timeout " + opts.Timeout.String()
	}
	interrupted := errors.Is(runErr, context.Canceled) || errors.Is(runErr, importer.ErrTimedOut)
	switch {
	case interrupted && pending > 0: // a partial run: the report says which devices are still pending
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s: %d devices pending, %d failed, %d invalid (see the report above); continue with: %s; no device will be sent twice",
			stopped, pending, s.Count(result.Failed), s.Count(result.Invalid), resume)}
	case interrupted: // only the clean-up of import records was cut short: the devices' answers stand
		fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "%s while deleting import records: every device has its answer (above); %d import records are left; delete them with: %s\n",
			stopped, rep.ImportRecordsLeft, resume)
	case errors.As(runErr, &lost):
		return fmt.Errorf("%v; continue with: %s (devices already received will not be sent twice)", runErr, resume)
	case errors.As(runErr, &je):
		return fmt.Errorf("%v (pass --journal FILE to keep the journal elsewhere)", runErr)
	case runErr != nil:
		return runErr
	case rep.ImportRecordsLeft > 0:
		fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "%d import records could not be deleted yet (see the report); delete them later with: %s\n",
			rep.ImportRecordsLeft, resume)
	}
	var problems []string
	if n := s.Count(result.Failed) + pending + s.Count(result.Invalid); n > 0 {
		msg := fmt.Sprintf("not every device was imported: %d failed, %d pending, %d invalid (see the report above)", s.Count(result.Failed), pending, s.Count(result.Invalid))
		if pending > 0 {
			msg += "; continue waiting with: " + resume
		}
		problems = append(problems, msg)
	}
	if syncErr != nil {
		problems = append(problems, syncErr.Error())
	}
	if len(problems) > 0 {
		return &cmdutil.PartialError{Msg: strings.Join(problems, "; ")}
	}
	return nil
}

// resumeCommand is the command that continues this run: the same inputs, overrides, journal and target. Piped
// input has to be given again (the journal is found by the input's content).
func resumeCommand(opts *ImportOptions, src *importer.Inputs) string {
	args := []string{"autopilotctl", "device", "import"}
	for _, name := range opts.Files {
		args = append(args, safetext.ShellQuote(name))
	}
	g := opts.Factory.Globals
	for _, flag := range []struct {
		name, value string
		set         bool
	}{
		{"--group-tag", opts.GroupTag, opts.setGroupTag},
		{"--assigned-user", opts.AssignedUser, opts.setUser},
		{"--journal", opts.Journal, opts.Journal != ""},
		{"--tenant", g.Tenant, g.Tenant != ""},
		{"--cloud", g.Cloud, g.Cloud != "" && g.Cloud != "global"},
		{"--graph-url", g.GraphURL, g.GraphURL != "" && !g.Mock},
	} {
		if flag.set {
			args = append(args, flag.name, safetext.ShellQuote(flag.value))
		}
	}
	if g.Mock {
		args = append(args, "--mock")
	}
	cmd := strings.Join(append(args, "--resume"), " ")
	if src.Piped {
		cmd += " (with the same input again: the journal is found by its content)"
	}
	return cmd
}

func reportResult(out importOutput) output.Result {
	rows := make([][]string, len(out.Devices))
	for i, d := range out.Devices {
		head := d.Error
		if d.ErrorName != "" {
			head = strings.TrimSuffix(fmt.Sprintf("%s (%d): %s", d.ErrorName, d.ErrorCode, d.Error), ": ")
		}
		var parts []string
		for _, p := range append([]string{head, d.Message}, d.Warnings...) {
			if p != "" {
				parts = append(parts, p)
			}
		}
		detail := strings.Join(parts, "; ")
		rows[i] = []string{d.SerialNumber, d.GroupTag, d.AssignedUser, string(d.Status), detail}
	}
	return output.Result{Data: out, Table: output.Rows{Header: []string{"SERIAL", "GROUP TAG", "USER", "STATUS", "DETAIL"}, Rows: rows}}
}
