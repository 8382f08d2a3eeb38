package prep

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// NewCmdUpdate builds `prep update`; runF replaces the run in flag-parsing tests.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f, update: true}
	cmd := &cobra.Command{
		Use:   "update NAME|ID [flags]",
		Short: "Change a device-preparation policy in place: settings, device group, user groups, priority",
		Long: "Changes only what the flags name; the rest stays as the tenant holds it. Settings are replaced with PUT\n" +
			"(the whole policy, never PATCH, never delete and re-create), so the policy keeps its id, binding and\n" +
			"assignments. --device-group binds another group (checked as `prep create` checks it); --user-group adds\n" +
			"user groups to the ones the policy has; --app and --script replace the lists. Everything is read back.\n" +
			"The mode (user-driven or automatic) can't change: it is the policy's template; create another policy.",
		Example: "  autopilotctl prep update \"DPP - Sales\" --timeout 120m --allow-diagnostics\n" +
			"  autopilotctl prep update \"DPP - Sales\" --device-group \"DPP - Sales devices 2\" --create-device-group",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkArg(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd, opts, args[0])
		},
	}
	opts.specFlags(cmd)
	return cmd
}

// updateRun builds the spec from the policy as the tenant holds it, overlaid with the flags given.
func updateRun(cmd *cobra.Command, opts *CreateOptions, nameOrID string) error {
	ctx := cmd.Context()
	c, err := opts.Factory.Graph()
	if err != nil {
		return err
	}
	cur, err := resolvePolicy(ctx, c, nameOrID)
	if err != nil {
		return err
	}
	spec := specOf(cur)
	if b, err := prep.NewReader(c).Current(ctx, cur.ID); err == nil {
		spec.DeviceGroup = b.GroupID
	}
	fl := cmd.Flags()
	given := opts.Spec
	if fl.Changed("device-group") {
		spec.DeviceGroup, spec.CreateDeviceGroup = given.DeviceGroup, given.CreateDeviceGroup
	}
	spec.UserGroups = append(spec.UserGroups, given.UserGroups...)
	if fl.Changed("account-type") {
		spec.AccountType = given.AccountType
	}
	if fl.Changed("timeout") {
		spec.Timeout = opts.Timeout.String()
	}
	if fl.Changed("error-message") {
		spec.ErrorMessage = &opts.Message
	}
	if fl.Changed("allow-skip") {
		spec.AllowSkip = given.AllowSkip
	}
	if fl.Changed("allow-diagnostics") {
		spec.AllowDiagnostics = given.AllowDiagnostics
	}
	if fl.Changed("app") {
		spec.Apps = given.Apps
	}
	if fl.Changed("script") {
		spec.Scripts = given.Scripts
	}
	if fl.Changed("priority") {
		spec.Priority = given.Priority
	}
	if fl.Changed("description") {
		spec.Description = given.Description
	}
	if spec.DeviceGroup == "" {
		return cmdutil.UsageErrorf("--device-group: the policy has no device group bound (or it can't be read); name one")
	}
	opts.Spec = spec
	return applyRun(ctx, opts)
}

// specOf is the spec of the policy as it stands: its settings and user groups by id.
func specOf(p *prep.Policy) prep.Spec {
	s := prep.Spec{Name: p.Name, Description: p.Description}
	if p.Mode == prep.Automatic {
		s.Mode = "automatic"
	} else {
		s.AccountType = p.Settings.AccountType
		s.Timeout = (time.Duration(p.Settings.TimeoutMinutes) * time.Minute).String()
		msg := p.Settings.ErrorMessage
		s.ErrorMessage = &msg
		s.AllowSkip, s.AllowDiagnostics = p.Settings.AllowSkip, p.Settings.AllowDiagnostics
		s.UserGroups = append(s.UserGroups, p.UserGroupIDs...)
	}
	for _, a := range p.Settings.Apps {
		s.Apps = append(s.Apps, a.ID)
	}
	for _, sc := range p.Settings.Scripts {
		s.Scripts = append(s.Scripts, sc.ID)
	}
	return s
}
