package device

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// ListOptions holds `device list`'s flags.
type ListOptions struct {
	Factory *cmdutil.Factory
	Filter  autopilot.Filter
}

// NewCmdList builds `device list`; runF replaces the run in flag-parsing tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List registered Autopilot devices, filtered by group tag, serial number or state",
		Long: "Pages through every registered Autopilot device. Graph filters by serial number (contains) and group tag\n" +
			"(equals) where it can; a serial number Graph cannot filter on (one with a hyphen) and the state filters\n" +
			"are matched here. --profile-status assigned covers every assigned state (in sync, out of sync, unknown).\n" +
			"-o json|yaml give every property under Graph's names. -o csv gives the table's columns under Graph's\n" +
			"names (serialNumber, groupTag, userPrincipalName, deploymentProfileAssignmentStatus, enrollmentState,\n" +
			"lastContactedDateTime), which device tag --from-csv and device delete --from-csv read back.",
		Example: "  autopilotctl device list\n" +
			"  autopilotctl device list --group-tag Sales --profile-status notAssigned\n" +
			"  autopilotctl device list --serial 5CG2461 -o json\n" +
			"  autopilotctl device list --enrollment-state enrolled --limit 20",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The value rule for flags and CSV cells alike, naming the flag.
			if cmd.Flags().Changed("serial") {
				if err := autopilot.ValidateSerial(opts.Filter.Serial); err != nil {
					return cmdutil.UsageErrorf("--serial: %v", err)
				}
			}
			if err := autopilot.ValidateGroupTag(opts.Filter.GroupTag); err != nil {
				return cmdutil.UsageErrorf("--group-tag: %v", err)
			}
			if err := opts.Filter.Validate(); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesRead)
	fl := cmd.Flags()
	fl.StringVar(&opts.Filter.GroupTag, "group-tag", "", "only devices with this group tag (ignoring case)")
	fl.StringVar(&opts.Filter.Serial, "serial", "", "only devices whose serial number contains this text")
	fl.StringVar(&opts.Filter.ProfileStatus, "profile-status", "", "only devices whose deployment profile status is this: assigned, notAssigned, pending, failed, unknown")
	fl.StringVar(&opts.Filter.EnrollmentState, "enrollment-state", "", "only devices in this enrollment state: unknown, enrolled, pendingReset, failed, notContacted, blocked")
	fl.IntVar(&opts.Filter.Limit, "limit", 0, "stop after this many devices (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("profile-status", cobra.FixedCompletions(autopilot.ProfileStatuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("enrollment-state", cobra.FixedCompletions(autopilot.EnrollmentStates, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	client, err := opts.Factory.Graph()
	if err != nil {
		return err
	}
	devices, err := autopilot.ListDevices(ctx, client, opts.Filter)
	if err != nil {
		return err
	}
	rows := make([][]string, len(devices))
	for i, d := range devices {
		rows[i] = []string{d.SerialNumber, d.GroupTag, d.UserPrincipalName, d.DeploymentProfileAssignmentStatus, d.EnrollmentState, lastContact(d)}
	}
	return opts.Factory.Print(output.Result{Data: devices, Table: output.Rows{
		Header: []string{"SERIAL", "GROUP TAG", "USER", "PROFILE STATUS", "ENROLLMENT STATE", "LAST CONTACT"},
		CSVHeader: []string{"serialNumber", "groupTag", "userPrincipalName", "deploymentProfileAssignmentStatus",
			"enrollmentState", "lastContactedDateTime"},
		Rows: rows,
	}})
}

// lastContact is the device's last contact in RFC 3339 UTC, or "never".
func lastContact(d autopilot.Device) string {
	t, ok := d.LastContact()
	if !ok {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
