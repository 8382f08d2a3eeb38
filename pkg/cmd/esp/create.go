package esp

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
)

// CreateOptions holds `esp create`'s and `esp update`'s arguments and flags.
type CreateOptions struct {
	Factory  *cmdutil.Factory
	Settings enrollment.ESPSettings
	File     string
	Assign   []string
	Exclude  []string
	Update   bool
	DryRun   bool
	updating bool // `esp update`: the ESP must exist
}

// boolSettings are the ESP's switches: flag, Graph property (the flag is its kebab-case form), admin center label.
var boolSettings = []struct {
	flag, help string
	field      func(*enrollment.ESPSettings) **bool
}{
	{"show-installation-progress", "showInstallationProgress (admin center: \"Show app and profile configuration progress\")", func(s *enrollment.ESPSettings) **bool { return &s.ShowInstallationProgress }},
	{"block-device-setup-retry-by-user", "blockDeviceSetupRetryByUser: the user can't retry a failed setup (Graph's meaning; the admin center's \"Block device use…\" wording is read with the opposite sense by some tools)", func(s *enrollment.ESPSettings) **bool { return &s.BlockDeviceSetupRetryByUser }},
	{"allow-device-reset-on-install-failure", "allowDeviceResetOnInstallFailure (admin center: \"Allow users to reset device if installation error occurs\")", func(s *enrollment.ESPSettings) **bool { return &s.AllowDeviceResetOnInstallFailure }},
	{"allow-device-use-on-install-failure", "allowDeviceUseOnInstallFailure (admin center: \"Allow users to use device if installation error occurs\")", func(s *enrollment.ESPSettings) **bool { return &s.AllowDeviceUseOnInstallFailure }},
	{"allow-log-collection-on-install-failure", "allowLogCollectionOnInstallFailure (admin center: \"Turn on log collection and diagnostics page for end users\")", func(s *enrollment.ESPSettings) **bool { return &s.AllowLogCollectionOnInstallFailure }},
	{"allow-non-blocking-app-installation", "allowNonBlockingAppInstallation: install all required apps in the technician phase, ignoring failures of non-blocking apps", func(s *enrollment.ESPSettings) **bool { return &s.AllowNonBlockingAppInstallation }},
	{"install-quality-updates", "installQualityUpdates (admin center: \"Install Windows quality updates\")", func(s *enrollment.ESPSettings) **bool { return &s.InstallQualityUpdates }},
	{"track-install-progress-for-autopilot-only", "trackInstallProgressForAutopilotOnly: show the page only to devices provisioned by Autopilot", func(s *enrollment.ESPSettings) **bool { return &s.TrackInstallProgressForAutopilotOnly }},
	{"disable-user-status-tracking-after-first-user", "disableUserStatusTrackingAfterFirstUser: show the page to the first user only", func(s *enrollment.ESPSettings) **bool { return &s.DisableUserStatusTrackingAfterFirstUser }},
}

// NewCmdCreate builds `esp create` or, with update, `esp update`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error, update bool) *cobra.Command {
	opts := &CreateOptions{Factory: f, updating: update}
	var (
		timeout     time.Duration
		message     string
		description string
		apps        []string
		tags        []string
		priority    int
		bools       = make([]bool, len(boolSettings))
	)
	cmd := &cobra.Command{
		Use:   "create NAME [flags] | -f ESP.yaml",
		Short: "Create an Enrollment Status Page, or confirm it is as asked",
		Long: "Creates an ESP unassigned, sets its priority when asked, reads it back and compares every field with what\n" +
			"was sent (a field the service dropped is an error), then assigns it with the whole merged set of groups.\n\n" +
			"Safe to run again: the ESP is found by its exact name (any case). The same settings report unchanged and\n" +
			"send nothing; different ones are refused with the differences (exit 2) unless --update, which sends the\n" +
			"whole typed object (a one-property PATCH fails on the service). Settings not given keep their value on\n" +
			"an existing ESP and take Graph's default on a new one.\n\n" +
			"-f reads the settings from a YAML file whose keys are Graph's property names (displayName,\n" +
			"showInstallationProgress, installProgressTimeoutInMinutes, selectedMobileAppIds (names or ids), …,\n" +
			"priority); flags given beside it win.",
		Example: "  autopilotctl esp create \"ESP - Autopilot\" --show-installation-progress --install-progress-timeout 90m \\\n" +
			"    --blocking-app \"Company Portal\" --assign \"Autopilot - All devices\" --priority 1\n" +
			"  autopilotctl esp create -f esp.yaml --dry-run",
		Args: cmdutil.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := &opts.Settings
			if opts.File != "" {
				if err := ReadYAML(opts.File, s); err != nil {
					return err
				}
			}
			switch {
			case len(args) == 1:
				s.DisplayName = args[0]
			case opts.File == "":
				return cmdutil.UsageErrorf("give the ESP's NAME, or -f FILE")
			case s.DisplayName == "" && !update:
				return cmdutil.InputErrorf("%s: displayName is missing", opts.File)
			}
			fl := cmd.Flags()
			changed := opts.File != ""
			for i, b := range boolSettings {
				if fl.Changed(b.flag) {
					*b.field(s), changed = &bools[i], true
				}
			}
			set := func(name string, apply func()) {
				if fl.Changed(name) {
					apply()
					changed = true
				}
			}
			set("install-progress-timeout", func() {
				m := int(timeout / time.Minute)
				if timeout%time.Minute != 0 || timeout <= 0 {
					m = -1
				}
				s.InstallProgressTimeoutInMinutes = &m
			})
			set("custom-error-message", func() { s.CustomErrorMessage = &message })
			set("description", func() { s.Description = &description })
			set("blocking-app", func() { s.SelectedMobileAppIDs = &apps })
			set("role-scope-tag", func() { s.RoleScopeTagIDs = &tags })
			set("priority", func() { s.Priority = &priority })
			if m := s.InstallProgressTimeoutInMinutes; m != nil && *m < 0 {
				return cmdutil.UsageErrorf("--install-progress-timeout %v: give whole minutes from 1m to 24h (e.g. 60m, 1h30m)", timeout)
			}
			if update && !changed && len(opts.Assign)+len(opts.Exclude) == 0 {
				return &cmdutil.UsageError{Err: errNoFlags}
			}
			if err := CheckNames("group name", append(append([]string{}, opts.Assign...), opts.Exclude...)); err != nil {
				return err
			}
			if err := s.Check(); err != nil {
				return cmdutil.UsageErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	if update {
		cmd.Use = "update NAME|ID|default [flags] | -f ESP.yaml"
		cmd.Short = "Change an Enrollment Status Page in place, the default one included"
		cmd.Long = "Sends the whole typed object with the settings given changed (never priority: see set-priority), reads it\n" +
			"back and compares. `default` names the built-in default ESP."
		cmd.Example = "  autopilotctl esp update default --show-installation-progress --install-progress-timeout 60m\n" +
			"  autopilotctl esp update \"ESP - Autopilot\" --custom-error-message \"Call the service desk.\""
	}
	cmdutil.SetPermissions(cmd, serviceConfigWrite, assignWrite, GroupsRead, appsRead)
	fl := cmd.Flags()
	for i, b := range boolSettings {
		fl.BoolVar(&bools[i], b.flag, false, b.help)
	}
	fl.DurationVar(&timeout, "install-progress-timeout", 0, "installProgressTimeoutInMinutes, as a duration (e.g. 60m): show an error when installation takes longer")
	fl.StringVar(&message, "custom-error-message", "", "customErrorMessage: what the page shows when installation fails")
	fl.StringVar(&description, "description", "", "the ESP's description")
	fl.StringSliceVar(&apps, "blocking-app", nil, "selectedMobileAppIds: wait for this app, by exact `NAME` or id (repeat for several); only a shown page waits (--show-installation-progress)")
	fl.StringSliceVar(&tags, "role-scope-tag", nil, "roleScopeTagIds: a scope tag `ID` (repeat for several)")
	fl.StringVarP(&opts.File, "file", "f", "", "read the settings from a YAML `FILE` (Graph's property names)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	if !update {
		fl.StringSliceVar(&opts.Assign, "assign", nil, "assign to this group, by exact `NAME` or id (repeat for several)")
		fl.StringSliceVar(&opts.Exclude, "exclude", nil, "exclude this group, by exact `NAME` or id (repeat for several)")
		fl.IntVar(&priority, "priority", 0, "the ESP's priority (1 is the highest; the service moves the others down)")
		fl.BoolVar(&opts.Update, "update", false, "change an existing ESP with this name whose settings differ")
	}
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	list, err := enrollment.ListESPs(ctx, c, true)
	if err != nil {
		return err
	}
	s := opts.Settings
	name := s.DisplayName
	cur, err := enrollment.FindESP(list, name)
	switch {
	case err == nil:
	case opts.updating, !isNotFound(err):
		return Refusal(err)
	default:
		cur = nil
	}
	if s.SelectedMobileAppIDs != nil {
		ids, err := enrollment.ResolveApps(ctx, c, *s.SelectedMobileAppIDs)
		if err != nil {
			return Refusal(err)
		}
		s.SelectedMobileAppIDs = &ids
	}
	targets, err := enrollment.ResolveTargets(ctx, c, opts.Assign, opts.Exclude)
	var have []enrollment.Target
	if cur != nil {
		have = cur.Assignments
	}
	if err == nil {
		err = enrollment.CheckTargets(have, targets)
	}
	if err != nil {
		return Refusal(err)
	}
	if err := enrollment.NameGroups(ctx, c, have, map[string]string{}); err != nil {
		return err
	}
	plan, err := enrollment.PlanESP(list, cur, enrollment.ESPDesired{Settings: s, Targets: targets})
	if err == nil {
		err = plan.Check(opts.Update || opts.updating)
	}
	if err == nil && plan.Priority > 0 {
		err = enrollment.CheckPriority(list, cur, plan.Priority, 0, "--priority")
	}
	if err != nil {
		return Refusal(err)
	}
	return PrintChange(f, "ESP", enrollment.ApplyESP(ctx, c, plan, opts.DryRun), opts.DryRun)
}

func isNotFound(err error) bool {
	_, ok := err.(*enrollment.NotFoundError)
	return ok
}
