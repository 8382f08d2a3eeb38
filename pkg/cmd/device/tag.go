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

// TagOptions holds `device tag`'s arguments and flags.
type TagOptions struct {
	Factory        *cmdutil.Factory
	Serials        []string
	GroupTag       string
	Clear          bool
	FromCSV        string
	SelectGroupTag string
	Yes            bool
	DryRun         bool
	WriteBudget    string
}

// NewCmdTag builds `device tag`; runF replaces the run in flag-parsing tests.
func NewCmdTag(f *cmdutil.Factory, runF func(*TagOptions) error) *cobra.Command {
	opts := &TagOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "tag [SERIAL|ID...]",
		Short: "Set, change or clear the group tag of Autopilot devices",
		Long: "The group tag decides which dynamic groups, and so which deployment profile and apps, a device gets.\n" +
			"Name the devices by serial number (or id, for devices that share one), by a CSV (a serial number column such as \"Device Serial Number\" and a\n" +
			"\"Group Tag\" column; an empty group tag clears it; other columns are ignored), or by their current group\n" +
			"tag with --select-group-tag. Devices that already have the tag are left alone, so running the same\n" +
			"command twice changes nothing the second time. Changes go out in batches of 20, paced to --write-budget.\n" +
			"Devices selected with --select-group-tag, or more than 10 devices, are changed only after a yes in a\n" +
			"terminal; elsewhere pass --yes. Exit code 3 when any device failed or was not found; the per-device\n" +
			"results say which.",
		Example: "  autopilotctl device tag 5CG2461KX7 PF3ABCD1 --group-tag Sales\n" +
			"  autopilotctl device tag --clear 7YX2KL3\n" +
			"  autopilotctl device tag --from-csv retag.csv --dry-run\n" +
			"  autopilotctl device tag --select-group-tag Sales --group-tag Sales-EMEA --yes -o json",
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Serials = args
			if err := opts.validate(cmd.Flags().Changed("group-tag")); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return tagRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesWrite)
	fl := cmd.Flags()
	fl.StringVar(&opts.GroupTag, "group-tag", "", "the group tag to set")
	fl.BoolVar(&opts.Clear, "clear", false, "remove the group tag")
	fl.StringVar(&opts.FromCSV, "from-csv", "", "read serial numbers and group tags from the CSV `FILE`")
	fl.StringVar(&opts.SelectGroupTag, "select-group-tag", "", "retag every device that has this group tag (ignoring case)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "change devices selected by a filter, or more than 10, without asking")
	addWriteFlags(cmd, &opts.DryRun, &opts.WriteBudget)
	return cmd
}

func (opts *TagOptions) validate(groupTagSet bool) error {
	if err := oneWay("serial numbers as arguments, --from-csv FILE, or --select-group-tag TAG",
		len(opts.Serials) > 0, opts.FromCSV != "", opts.SelectGroupTag != ""); err != nil {
		return err
	}
	switch {
	case opts.FromCSV != "" && (groupTagSet || opts.Clear):
		return cmdutil.UsageErrorf("--from-csv takes each device's group tag from the file; drop --group-tag and --clear")
	case opts.FromCSV != "":
	case groupTagSet && opts.Clear:
		return cmdutil.UsageErrorf("--group-tag and --clear cannot be combined")
	case groupTagSet && opts.GroupTag == "":
		return cmdutil.UsageErrorf("--group-tag is empty: use --clear to remove the group tag")
	case !groupTagSet && !opts.Clear:
		return cmdutil.UsageErrorf("say what to do: --group-tag TAG or --clear")
	}
	if err := autopilot.ValidateGroupTag(opts.GroupTag); err != nil {
		return cmdutil.UsageErrorf("--group-tag: %v", err)
	}
	if err := autopilot.ValidateGroupTag(opts.SelectGroupTag); err != nil {
		return cmdutil.UsageErrorf("--select-group-tag: %v", err)
	}
	return checkSerials(opts.Serials)
}

func tagRun(ctx context.Context, opts *TagOptions) error {
	f := opts.Factory
	wopts, err := writeOptions(f, opts.WriteBudget)
	if err != nil {
		return err
	}
	targets, err := opts.targets()
	if err != nil {
		return err
	}
	client, err := f.Graph()
	if err != nil {
		return err
	}
	var plan []*autopilot.TagResult
	if opts.SelectGroupTag != "" {
		plan, err = autopilot.PlanRetag(ctx, client, opts.SelectGroupTag, opts.GroupTag)
	} else {
		plan, err = autopilot.PlanTags(ctx, client, targets)
	}
	if err != nil {
		return err
	}
	if opts.SelectGroupTag != "" && len(plan) == 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "no device has group tag %q\n", opts.SelectGroupTag)
	}
	var applyErr error
	if n, serials := someSerials(plan, is(result.WouldUpdate)); n > 0 && !opts.DryRun {
		if opts.SelectGroupTag != "" || n > confirmAbove {
			question := fmt.Sprintf("Change the group tag of %d Autopilot device(s) (%s)?", n, serials)
			if err := cmdutil.Confirm(f, opts.Yes, question, fmt.Sprintf("not changing the group tag of %d devices", n)); err != nil {
				return err
			}
		}
		progress := f.IOStreams.StartProgress("Tagging", n)
		wopts.Progress = func(done int) { progress.Update(done, "") }
		applyErr = autopilot.ApplyTags(ctx, client, plan, wopts)
		progress.Stop()
	}
	rows := make([][]string, len(plan))
	for i, r := range plan {
		rows[i] = []string{r.SerialNumber, r.PreviousGroupTag, r.GroupTag, string(r.Status), detail(r.Change)}
	}
	err = printBulk(f, plan, output.Rows{Header: []string{"SERIAL", "FROM", "TO", "STATUS", "DETAIL"}, Rows: rows}, opts.DryRun)
	if applyErr != nil {
		return applyErr
	}
	return err
}

// targets are the devices named by arguments or CSV, with the tag each should get.
func (opts *TagOptions) targets() ([]autopilot.TagTarget, error) {
	if opts.FromCSV == "" {
		targets := make([]autopilot.TagTarget, len(opts.Serials))
		for i, s := range opts.Serials {
			targets[i] = autopilot.TagTarget{SerialNumber: s, GroupTag: opts.GroupTag}
		}
		return targets, nil
	}
	list, err := readDeviceList(opts.Factory, opts.FromCSV)
	if err != nil {
		return nil, err
	}
	if !list.HasGroupTag {
		return nil, cmdutil.InputErrorf("%s:1: no group tag column: the header must name one, e.g. \"Group Tag\"", opts.FromCSV)
	}
	targets := make([]autopilot.TagTarget, len(list.Devices))
	for i, d := range list.Devices {
		targets[i] = autopilot.TagTarget{SerialNumber: d.SerialNumber, GroupTag: d.GroupTag}
	}
	return targets, nil
}
