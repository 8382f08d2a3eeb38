package device

import (
	"context"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// maxDisplayName bounds --display-name (addressableUserName): Graph documents no limit, and setup shows the
// name on one line, so anything longer is a paste gone wrong.
const maxDisplayName = 256

// AssignUserOptions holds `device assign-user`'s arguments and flags.
type AssignUserOptions struct {
	Factory     *cmdutil.Factory
	SerialOrID  string
	UPN         string
	DisplayName string
	DryRun      bool
}

// NewCmdAssignUser builds `device assign-user`; runF replaces the run in flag-parsing tests.
func NewCmdAssignUser(f *cmdutil.Factory, runF func(*AssignUserOptions) error) *cobra.Command {
	opts := &AssignUserOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "assign-user SERIAL|ID UPN",
		Short: "Assign a user to an Autopilot device, so setup greets them and signs them in",
		Long: "Hands the device to a user: Windows setup shows their name and pre-fills their user principal name.\n" +
			"Nothing is sent when the device already has that user (and that display name, when given).",
		Example: "  autopilotctl device assign-user 5CG2461KX7 adele.vance@contoso.com --display-name \"Adele Vance\"\n" +
			"  autopilotctl device assign-user PF3ABCD1 megan.bowen@contoso.com --dry-run",
		Args: cmdutil.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SerialOrID, opts.UPN = args[0], args[1]
			if err := checkSerials(args[:1]); err != nil {
				return err
			}
			if err := autopilot.ValidateUPN(opts.UPN); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if err := safetext.Check("--display-name", opts.DisplayName); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if n := utf8.RuneCountInString(opts.DisplayName); n > maxDisplayName {
				return cmdutil.UsageErrorf("--display-name is %d characters long; the limit is %d", n, maxDisplayName)
			}
			if runF != nil {
				return runF(opts)
			}
			return assignUserRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesWrite)
	cmd.Flags().StringVar(&opts.DisplayName, "display-name", "", "the name setup greets the user with (addressableUserName)")
	addWriteFlags(cmd, &opts.DryRun, nil)
	return cmd
}

func assignUserRun(ctx context.Context, opts *AssignUserOptions) error {
	client, err := opts.Factory.Graph()
	if err != nil {
		return err
	}
	r, err := autopilot.AssignUser(ctx, client, opts.SerialOrID, opts.UPN, opts.DisplayName, opts.DryRun)
	if err != nil {
		return err
	}
	return printUser(opts.Factory, r, opts.DryRun)
}

// printUser prints a device's user after assign-user or unassign-user.
func printUser(f *cmdutil.Factory, r autopilot.UserResult, dryRun bool) error {
	return printBulk(f, []*autopilot.UserResult{&r}, output.Rows{
		Header: []string{"SERIAL", "USER", "DISPLAY NAME", "STATUS"},
		Rows:   [][]string{{r.SerialNumber, r.UserPrincipalName, r.AddressableUserName, string(r.Status)}},
	}, dryRun)
}
