package device

import (
	"context"
	"errors"
	"fmt"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/words"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/diagnose"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// DiagnoseOptions holds `device diagnose`'s arguments and flags.
type DiagnoseOptions struct {
	Factory           *cmdutil.Factory
	SerialsOrIDs      []string
	GroupTag          string
	All               bool
	Summary           bool
	DevicePreparation bool
}

// DiagnoseResult is `device diagnose`'s JSON (docs/json.md).
type DiagnoseResult struct {
	Devices []*diagnose.Device `json:"devices"`
}

// Graph permissions of diagnose: devices, profiles, ESPs and import records; groups; configuration policies.
const (
	groupsRead   = "Group.Read.All|Group.ReadWrite.All|Directory.Read.All|Directory.ReadWrite.All"
	policiesRead = "DeviceManagementConfiguration.Read.All|DeviceManagementConfiguration.ReadWrite.All"
)

// NewCmdDiagnose builds `device diagnose`; runF replaces the run in flag-parsing tests.
func NewCmdDiagnose(f *cmdutil.Factory, runF func(*DiagnoseOptions) error) *cobra.Command {
	opts := &DiagnoseOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "diagnose SERIAL|ID... | --group-tag TAG | --all [--summary]",
		Short: "Explain why a device does or doesn't get its deployment profile, ESP and device preparation",
		Long: "For each device, checks with a status (ok, warning, problem), a detail and the fix: registered in this\n" +
			"tenant (if not, what became of its import record); group tag, assigned user, enrollment state and last\n" +
			"contact; the Autopilot groups whose rules select it against the groups it is in (a match not yet a member\n" +
			"is membership processing pending); the deployment profile that applies (the oldest of those targeting its\n" +
			"groups, excluded ones left out, else the All Devices profile) against what the service reports; the\n" +
			"Enrollment Status Page for its groups; and the device-preparation policies, which never run on a device\n" +
			"registered for classic Autopilot (a problem with --expect-device-preparation).\n\n" +
			"The tenant is read once, so --group-tag and --all cost requests per page, not per device. Rules are\n" +
			"evaluated here over the device's physical ids ([ZTDId], [OrderID], [PurchaseOrderId]) and its assigned\n" +
			"profile's name; rules that read other properties count only through real membership.\n\n" +
			"Exit status: 0 no problem, 1 a device has a problem, 2 a serial number or id names no registered device.",
		Example: "  autopilotctl device diagnose 5CG2461KX7\n" +
			"  autopilotctl device diagnose --group-tag Sales --summary\n" +
			"  autopilotctl device diagnose --all -o json",
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SerialsOrIDs = args
			if err := oneWay("serial numbers or ids as arguments, --group-tag TAG, or --all", len(args) > 0, cmd.Flags().Changed("group-tag"), opts.All); err != nil {
				return err
			}
			if err := checkSerials(args); err != nil {
				return err
			}
			if opts.GroupTag != "" || cmd.Flags().Changed("group-tag") {
				if opts.GroupTag == "" {
					return cmdutil.UsageErrorf("--group-tag: name a group tag (devices without one: use --all)")
				}
				if err := autopilot.ValidateGroupTag(opts.GroupTag); err != nil {
					return cmdutil.UsageErrorf("--group-tag: %v", err)
				}
			}
			if opts.Summary && len(args) > 0 {
				return cmdutil.UsageErrorf("--summary counts many devices: use it with --group-tag or --all")
			}
			if runF != nil {
				return runF(opts)
			}
			return diagnoseRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesRead, groupsRead, policiesRead)
	fl := cmd.Flags()
	fl.StringVar(&opts.GroupTag, "group-tag", "", "diagnose every device with this group tag")
	fl.BoolVar(&opts.All, "all", false, "diagnose every registered device")
	fl.BoolVar(&opts.Summary, "summary", false, "count devices per warning and problem instead of listing every check")
	fl.BoolVar(&opts.DevicePreparation, "expect-device-preparation", false, "the devices should be set up by device preparation: classic registration is a problem")
	return cmd
}

func diagnoseRun(ctx context.Context, opts *DiagnoseOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	bulk := len(opts.SerialsOrIDs) == 0
	tenant, err := diagnose.Gather(ctx, c, diagnose.Options{AssignedProfiles: bulk})
	if err != nil {
		return err
	}
	expect := diagnose.Expect{DevicePreparation: opts.DevicePreparation}
	res := &DiagnoseResult{Devices: []*diagnose.Device{}}
	if bulk {
		devices, err := autopilot.ListDevices(ctx, c, autopilot.Filter{GroupTag: opts.GroupTag})
		if err != nil {
			return err
		}
		for _, d := range devices {
			dd, err := tenant.Diagnose(ctx, d, expect)
			if err != nil {
				return err
			}
			res.Devices = append(res.Devices, dd)
		}
	} else if res.Devices, err = diagnoseNamed(ctx, c, tenant, opts.SerialsOrIDs, expect); err != nil {
		return err
	}
	if opts.Summary {
		err = printSummary(f, diagnose.Summarize(res.Devices))
	} else {
		err = printDiagnosis(f, res)
	}
	if err != nil {
		return err
	}
	return diagnoseOutcome(f, res.Devices, opts.GroupTag)
}

// diagnoseNamed diagnoses the devices named by serial number or id; a serial number several devices share
// diagnoses each of them.
func diagnoseNamed(ctx context.Context, c *graph.Client, tenant *diagnose.Tenant, names []string, expect diagnose.Expect) ([]*diagnose.Device, error) {
	var out []*diagnose.Device
	for _, name := range uniqueArgs(names) {
		found, err := findForDiagnosis(ctx, c, name)
		var nf *autopilot.NotFoundError
		switch {
		case errors.As(err, &nf):
			d, err := tenant.Unknown(ctx, name, nf.ByID)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
			continue
		case errors.As(err, new(*graph.IDError)):
			return nil, cmdutil.InputErrorf("%v", err)
		case err != nil:
			return nil, err
		}
		for _, d := range found {
			dd, err := tenant.Diagnose(ctx, d, expect)
			if err != nil {
				return nil, err
			}
			out = append(out, dd)
		}
	}
	return out, nil
}

// findForDiagnosis finds the device a serial number or id names, with its profiles expanded; every device
// when several share the serial number.
func findForDiagnosis(ctx context.Context, c *graph.Client, name string) ([]autopilot.Device, error) {
	d, err := autopilot.FindDevice(ctx, c, name)
	var amb *autopilot.AmbiguousSerialError
	if !errors.As(err, &amb) {
		return []autopilot.Device{d}, err
	}
	var out []autopilot.Device
	for _, m := range amb.Matches {
		d, err := autopilot.FindDevice(ctx, c, m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// uniqueArgs drops arguments given before, compared as serial numbers are everywhere (hashcsv.SerialKey).
func uniqueArgs(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if key := hashcsv.SerialKey(n); !seen[key] {
			seen[key] = true
			out = append(out, n)
		}
	}
	return out
}

func printDiagnosis(f *cmdutil.Factory, res *DiagnoseResult) error {
	var rows [][]string
	for _, d := range res.Devices {
		name := d.SerialNumber
		if name == "" {
			name = d.ID
		}
		for _, ch := range d.Checks {
			rows = append(rows, []string{name, ch.Name, ch.Status, ch.Detail, ch.Fix})
		}
	}
	return f.Print(output.Result{Data: res, Table: output.Rows{Header: []string{"DEVICE", "CHECK", "STATUS", "DETAIL", "FIX"},
		CSVHeader: []string{"serialNumber", "check", "status", "detail", "fix"}, Rows: rows}})
}

func printSummary(f *cmdutil.Factory, s *diagnose.Summary) error {
	var rows [][]string
	for _, c := range s.Findings {
		rows = append(rows, []string{c.Check, c.Status, strconv.Itoa(c.Devices), c.Reason})
	}
	return f.Print(output.Result{Data: s, Table: output.Rows{Header: []string{"CHECK", "STATUS", "DEVICES", "FINDING"},
		CSVHeader: []string{"check", "status", "devices", "reason"}, Rows: rows}, Empty: "no warnings or problems"})
}

// diagnoseOutcome says how many devices were diagnosed and exits 2 for names of no registered device, 1 when a
// device has a problem.
func diagnoseOutcome(f *cmdutil.Factory, devices []*diagnose.Device, tag string) error {
	unknown, problems := 0, 0
	for _, d := range devices {
		switch {
		case d.Unknown:
			unknown++
		case !d.OK:
			problems++
		}
	}
	if len(devices) == 0 {
		if tag != "" { // a mistyped tag must not pass a gate: like an unknown serial, it names nothing
			return cmdutil.InputErrorf("no registered device has group tag %s: nothing was diagnosed", safetext.Quote(tag))
		}
		fmt.Fprintln(f.IOStreams.ErrOut, "no registered devices: nothing to diagnose")
		return nil
	}
	if known := len(devices) - unknown; known > 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s diagnosed: %d without problems, %d with problems\n", words.Count(known, "device", "devices"), known-problems, problems)
	}
	switch {
	case unknown == 1:
		return cmdutil.InputErrorf("1 serial number or id names no registered device in this tenant")
	case unknown > 1:
		return cmdutil.InputErrorf("%d serial numbers or ids name no registered device in this tenant", unknown)
	case problems > 0:
		return fmt.Errorf("%s a problem: each check's fix says what to do", words.Count(problems, "device has", "devices have"))
	}
	return nil
}
