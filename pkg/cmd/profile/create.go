package profile

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	espcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/esp"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
)

// CreateOptions holds `profile create`'s and `profile update`'s arguments and flags.
type CreateOptions struct {
	Factory             *cmdutil.Factory
	Settings            enrollment.ProfileSettings
	File                string
	Assign, Exclude     []string
	AllDevices          bool
	Update, Replace     bool
	Yes                 bool
	DryRun, Force       bool
	ConfirmIrreversible bool
	updating            bool
}

// NewCmdCreate builds `profile create` or, with update, `profile update`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error, update bool) *cobra.Command {
	opts := &CreateOptions{Factory: f, updating: update}
	var mode, join, template, locale, userType, deviceType, description string
	var hidePrivacy, hideEULA, skipKeyboard, skipConnectivity, convert bool
	cmd := &cobra.Command{
		Use:   "create NAME --mode user-driven|self-deploying|pre-provisioning [flags] | -f PROFILE.yaml",
		Short: "Create a deployment profile, or confirm it is as asked",
		Long: "Modes map to current properties: self-deploying is shared usage (no userType is sent), pre-provisioning is\n" +
			"user-driven with preprovisioningAllowed; --join hybrid makes an Active Directory profile (no device name\n" +
			"template). \"Hide change account options\" (escapeLinkHidden) is always on, as the service requires.\n\n" +
			"Safe to run again: found by exact name (any case); the same settings report unchanged and send nothing;\n" +
			"different ones need --update. A different join or mode is a replacement, refused unless --replace\n" +
			"(create the new profile, move the assignments, delete the old). Assignments are added per target;\n" +
			"--all-devices is refused when another profile holds All Devices. -f reads Graph's property names\n" +
			"(plus join: entra|hybrid and mode: user-driven|self-deploying|pre-provisioning).\n\n" +
			"A device targeted by several profiles gets the oldest. Before assigning, other profiles that target the\n" +
			"same devices are named with the one that wins; a replacement is the newest profile, so one that would\n" +
			"lose devices to an older profile is refused (naming it and how many devices) unless --force.",
		Example: "  autopilotctl profile create \"Autopilot user driven\" --mode user-driven --device-name-template \"CTS-%SERIAL%\" \\\n" +
			"    --hide-privacy-settings --hide-eula --assign \"Autopilot - All devices\"\n" +
			"  autopilotctl profile create \"Kiosk\" --mode self-deploying --locale en-US --dry-run",
		Args: cmdutil.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := &opts.Settings
			if opts.File != "" {
				if err := readFile(opts.File, s); err != nil {
					return err
				}
			}
			fl := cmd.Flags()
			switch {
			case len(args) == 1:
				s.DisplayName = args[0]
			case opts.File == "":
				return cmdutil.UsageErrorf("give the profile's NAME, or -f FILE")
			case s.DisplayName == "":
				return cmdutil.InputErrorf("%s: displayName is missing", opts.File)
			}
			if !update && opts.File == "" && !fl.Changed("mode") {
				return cmdutil.UsageErrorf("--mode is required: user-driven, self-deploying or pre-provisioning")
			}
			if fl.Changed("mode") {
				if err := s.SetMode(mode); err != nil {
					return cmdutil.UsageErrorf("--mode: %v", err)
				}
			}
			str := func(name string, dst **string, v *string) {
				if fl.Changed(name) {
					*dst = v
				}
			}
			flag := func(name string, dst **bool, v *bool) {
				if fl.Changed(name) {
					*dst = v
				}
			}
			if fl.Changed("join") {
				s.Join = join
			}
			str("device-name-template", &s.DeviceNameTemplate, &template)
			str("locale", &s.Locale, &locale)
			str("device-type", &s.DeviceType, &deviceType)
			str("description", &s.Description, &description)
			flag("skip-connectivity-check", &s.HybridAzureADJoinSkipConnectivityCheck, &skipConnectivity)
			flag("convert-existing", &s.HardwareHashExtractionEnabled, &convert)
			if fl.Changed("user-type") || fl.Changed("hide-privacy-settings") || fl.Changed("hide-eula") || fl.Changed("skip-keyboard-selection") {
				o := s.OutOfBoxExperienceSetting
				if o == nil {
					o = &enrollment.OOBE{}
					s.OutOfBoxExperienceSetting = o
				}
				str("user-type", &o.UserType, &userType)
				flag("hide-privacy-settings", &o.PrivacySettingsHidden, &hidePrivacy)
				flag("hide-eula", &o.EulaHidden, &hideEULA)
				flag("skip-keyboard-selection", &o.KeyboardSelectionPageSkipped, &skipKeyboard)
			}
			if err := espcmd.CheckNames("group name", append(append([]string{}, opts.Assign...), opts.Exclude...)); err != nil {
				return err
			}
			if opts.AllDevices && len(opts.Exclude) > 0 {
				return cmdutil.UsageErrorf("--all-devices can't be combined with --exclude: All Devices takes no exclusions")
			}
			warnings, err := s.Check()
			if err != nil {
				return cmdutil.UsageErrorf("%v", err)
			}
			for _, w := range warnings {
				if !opts.Force {
					return cmdutil.InputErrorf("%s; pass --force to send it anyway", w)
				}
				fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s\n", w)
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	if update {
		cmd.Use = "update NAME|ID [flags] | -f PROFILE.yaml"
		cmd.Short = "Change a deployment profile in place"
		cmd.Long = "Changes the settings given and reads them back. A different join or mode needs --replace; a replacement\n" +
			"that would lose devices to an older profile targeting them too is refused, naming it, unless --force."
		cmd.Example = "  autopilotctl profile update \"Autopilot user driven\" --locale en-GB\n" +
			"  autopilotctl profile update \"Autopilot user driven\" --mode self-deploying --replace"
	}
	cmdutil.SetPermissions(cmd, write, read, espcmd.GroupsRead)
	fl := cmd.Flags()
	fl.StringVar(&mode, "mode", "", "user-driven, self-deploying or pre-provisioning")
	fl.StringVar(&join, "join", "", "entra (Microsoft Entra join, the default) or hybrid (Microsoft Entra hybrid join)")
	fl.StringVar(&template, "device-name-template", "", "deviceNameTemplate: up to 15 characters, letters, digits, hyphens, %SERIAL%, %RAND:x% (Entra join only)")
	fl.StringVar(&locale, "locale", "", "user-select, os-default or a language tag such as en-US")
	fl.StringVar(&userType, "user-type", "", "standard or administrator: the user's account type on the device (not for self-deploying)")
	fl.BoolVar(&hidePrivacy, "hide-privacy-settings", false, "privacySettingsHidden")
	fl.BoolVar(&hideEULA, "hide-eula", false, "eulaHidden: hide the Microsoft Software License Terms")
	fl.BoolVar(&skipKeyboard, "skip-keyboard-selection", false, "keyboardSelectionPageSkipped: automatically configure the keyboard")
	fl.BoolVar(&skipConnectivity, "skip-connectivity-check", false, "hybridAzureADJoinSkipConnectivityCheck: skip the domain connectivity check (hybrid join; set on create only)")
	fl.StringVar(&deviceType, "device-type", "", "windowsPc (default) or holoLens (set on create only)")
	fl.BoolVar(&convert, "convert-existing", false, "hardwareHashExtractionEnabled: convert all targeted devices to Autopilot (can't be undone per device; needs --confirm-irreversible)")
	fl.BoolVar(&opts.ConfirmIrreversible, "confirm-irreversible", false, "confirm --convert-existing")
	fl.StringVar(&description, "description", "", "the profile's description")
	fl.StringVarP(&opts.File, "file", "f", "", "read the settings from a YAML `FILE` (Graph's property names, plus join and mode)")
	fl.BoolVar(&opts.Force, "force", false, "send names and descriptions with characters the service is reported to refuse, and replace a profile even when another (older) profile would take its devices")
	fl.BoolVar(&opts.Replace, "replace", false, "when the join or mode changes: create the new profile, move the assignments, delete the old one")
	fl.BoolVar(&opts.Yes, "yes", false, "with --replace: delete the old profile without asking")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	if !update {
		fl.StringSliceVar(&opts.Assign, "assign", nil, "assign to this group, by exact `NAME` or id (repeat for several)")
		fl.StringSliceVar(&opts.Exclude, "exclude", nil, "exclude this group, by exact `NAME` or id (repeat for several)")
		fl.BoolVar(&opts.AllDevices, "all-devices", false, "target All Devices (one profile only can)")
		fl.BoolVar(&opts.Update, "update", false, "change an existing profile with this name whose settings differ")
	}
	return cmd
}

// profileFile is a profile's YAML file: Graph's property names, plus join and mode as the flags say them.
type profileFile struct {
	enrollment.ProfileSettings `yaml:",inline"`
	Mode                       yaml.Node `yaml:"mode"` // a node, for its line
}

// readFile reads a profile's YAML file into s, with its mode set as the flag sets it. A mode and an explicit
// deviceUsageType or preprovisioningAllowed that say otherwise are an error naming the mode's line.
func readFile(path string, s *enrollment.ProfileSettings) error {
	var file profileFile
	if err := espcmd.ReadYAML(path, &file); err != nil {
		return err
	}
	*s = file.ProfileSettings
	if file.Mode.Kind == 0 {
		return nil
	}
	where := fmt.Sprintf("%s:%d", path, file.Mode.Line)
	if file.Mode.Kind != yaml.ScalarNode {
		return cmdutil.InputErrorf("%s: mode must be %s, %s or %s", where, enrollment.UserDriven, enrollment.SelfDeploying, enrollment.PreProvisioning)
	}
	var moded enrollment.ProfileSettings
	if err := moded.SetMode(file.Mode.Value); err != nil {
		return cmdutil.InputErrorf("%s: %v", where, err)
	}
	usage, pre := *moded.OutOfBoxExperienceSetting.DeviceUsageType, *moded.PreprovisioningAllowed
	if o := s.OutOfBoxExperienceSetting; o != nil && o.DeviceUsageType != nil && *o.DeviceUsageType != usage {
		return cmdutil.InputErrorf("%s: mode %s means outOfBoxExperienceSetting.deviceUsageType %s, but the file sets %s; give one of them",
			where, file.Mode.Value, usage, safetext.Quote(*o.DeviceUsageType))
	}
	if s.PreprovisioningAllowed != nil && *s.PreprovisioningAllowed != pre {
		return cmdutil.InputErrorf("%s: mode %s means preprovisioningAllowed %t, but the file sets %t; give one of them",
			where, file.Mode.Value, pre, *s.PreprovisioningAllowed)
	}
	return s.SetMode(file.Mode.Value)
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	list, err := enrollment.ListProfiles(ctx, c, true)
	if err != nil {
		return err
	}
	targets, err := targetsFor(ctx, c, opts.Assign, opts.Exclude, opts.AllDevices)
	if err != nil {
		return err
	}
	desired := enrollment.ProfileDesired{Settings: opts.Settings, Targets: targets, Replace: opts.Replace}
	cur, err := enrollment.FindProfile(list, opts.Settings.DisplayName)
	var resume *enrollment.ProfilePlan
	if amb, ok := err.(*enrollment.AmbiguousError); ok {
		// Two profiles by the name after a replacement failed part-way: finish it.
		if resume, ok = enrollment.ResumeReplace(list, amb.IDs, desired); ok {
			cur, err = resume.Current, nil
		}
	}
	if _, notFound := err.(*enrollment.NotFoundError); err != nil && (opts.updating || !notFound) {
		return espcmd.Refusal(err)
	}
	var have []enrollment.Target
	if cur != nil {
		have = cur.Assignments
	}
	if err := enrollment.CheckTargets(have, targets); err != nil {
		return espcmd.Refusal(err)
	}
	if err := enrollment.NameGroups(ctx, c, have, map[string]string{}); err != nil {
		return err
	}
	plan, err := enrollment.PlanProfile(list, cur, desired)
	if err == nil {
		err = plan.Check(opts.Update || opts.updating)
	}
	if err != nil {
		return espcmd.Refusal(err)
	}
	if resume != nil {
		plan.Into = resume.Into
	}
	if plan.EnablesConversion() && !opts.ConfirmIrreversible {
		return cmdutil.UsageErrorf("--convert-existing registers every targeted device with Autopilot and can't be undone for the devices it converts; add --confirm-irreversible")
	}
	if err := checkOverlaps(ctx, f, c, list, plan, opts.Force); err != nil {
		return err
	}
	if plan.Replace != "" && !opts.DryRun {
		q := fmt.Sprintf("Replace deployment profile %s (%s)? Its assignments move to a new profile and it is deleted.", safetext.Quote(cur.DisplayName), cur.ID)
		if err := cmdutil.Confirm(f, opts.Yes, q, "not replacing"); err != nil {
			return err
		}
	}
	return espcmd.PrintChange(f, "profile", enrollment.ApplyProfile(ctx, c, plan, opts.DryRun), opts.DryRun)
}
