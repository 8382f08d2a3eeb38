package prep

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// CreateOptions holds `prep create`'s (and `prep update`'s) arguments and flags.
type CreateOptions struct {
	Factory    *cmdutil.Factory
	Spec       prep.Spec
	File       string
	Timeout    time.Duration
	Message    string
	NoFix      bool
	DryRun     bool
	TryAppOnly bool
	update     bool
}

// specFlags adds the flags that describe a policy.
func (o *CreateOptions) specFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.DeviceGroup, "device-group", "", "the enrollment-time device `GROUP` (name or id): an assigned security group")
	fl.BoolVar(&o.Spec.CreateDeviceGroup, "create-device-group", false, "create the device group when no group has that name, owned by the Intune Provisioning Client")
	fl.StringArrayVar(&o.Spec.UserGroups, "user-group", nil, "assign the policy to this `GROUP` of users (name or id; repeat for several; user-driven only): not the device group, nor a dynamic group of devices")
	fl.StringVar(&o.Spec.AccountType, "account-type", "", "standard|administrator: the user's account on the device (default standard)")
	fl.DurationVar(&o.Timeout, "timeout", 0, "how long setup may take, 15m to 720m (default 60m)")
	fl.StringVar(&o.Message, "error-message", "", "the `TEXT` shown when setup fails")
	fl.BoolVar(&o.Spec.AllowSkip, "allow-skip", false, "let the user skip setup when it fails")
	fl.BoolVar(&o.Spec.AllowDiagnostics, "allow-diagnostics", false, "show a link to diagnostics when setup fails")
	fl.StringArrayVar(&o.Spec.Apps, "app", nil, "install this app during setup, by exact `NAME` or id (repeat; at most 25)")
	fl.StringArrayVar(&o.Spec.Scripts, "script", nil, "run this platform script during setup, by exact `NAME` or id (repeat; at most 10)")
	fl.IntVar(&o.Spec.Priority, "priority", 0, "the policy's priority among user-driven policies (1 wins), set with reorder")
	fl.StringVar(&o.Spec.Description, "description", "", "the policy's description")
	fl.BoolVar(&o.NoFix, "no-fix", false, "report a device group without the Intune Provisioning Client as owner instead of adding it")
	fl.BoolVar(&o.TryAppOnly, "try-app-only", false, "bind the group even with an app-only token (Intune answers 500 to those)")
	fl.BoolVar(&o.DryRun, "dry-run", false, "resolve and check everything, show the steps, and change nothing")
	cmdutil.SetPermissions(cmd, policiesWrite, groupsWrite, spWrite, appsRead, "DeviceManagementConfiguration.ReadWrite.All|DeviceManagementScripts.Read.All")
}

// NewCmdCreate builds `prep create`; runF replaces the run in flag-parsing tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create NAME --device-group GROUP [flags] | -f prep.yaml",
		Short: "Create a device-preparation policy with its device group bound, owned and verified",
		Long: "Sets a device-preparation policy up end to end, resolving and checking everything before the first write:\n\n" +
			"  1. the Intune Provisioning Client's service principal (created when the tenant has none);\n" +
			"  2. the device group: an assigned security group, not role-assignable, owned by that principal\n" +
			"     (--create-device-group creates it with the owner bound; a missing owner is added unless --no-fix);\n" +
			"  3. the policy, from the user-driven or automatic template;\n" +
			"  4. the binding (setEnrollmentTimeDeviceMembershipTarget), which must validate; a group Intune does not\n" +
			"     see yet (created moments ago) is retried for about 30 seconds;\n" +
			"  5. the user groups (user-driven), sent as the merged set, and --priority;\n" +
			"  6. everything read back through the checks of `prep verify`.\n\n" +
			"Safe to run again: what is already there is unchanged and nothing is sent; a run that stopped part-way\n" +
			"is finished by running it again. A policy whose settings differ is refused: change it with `prep update`.\n" +
			"Binding the group needs a delegated sign-in: an app-only token stops before anything is written.",
		Example: "  autopilotctl prep create \"DPP - Sales\" --device-group \"DPP - Sales devices\" --create-device-group \\\n" +
			"      --user-group \"Sales users\" --app \"Company Portal\" --timeout 90m\n" +
			"  autopilotctl prep create -f prep.yaml --dry-run",
		Args: cmdutil.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.load(cmd, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "read the policy from a YAML `FILE` (keys as in docs/device-preparation.md)")
	// Only create takes a mode: a policy's template, and so its mode, can't change.
	cmd.Flags().StringVar(&opts.Spec.Mode, "mode", "user-driven", "user-driven|automatic (automatic: Windows 365, apps and scripts only)")
	opts.specFlags(cmd)
	return cmd
}

// load builds the spec from the file or the flags; the two don't mix.
func (o *CreateOptions) load(cmd *cobra.Command, args []string) error {
	specFlags := []string{"device-group", "create-device-group", "user-group", "mode", "account-type", "timeout", "error-message",
		"allow-skip", "allow-diagnostics", "app", "script", "priority", "description"}
	if o.File != "" {
		for _, name := range specFlags {
			if cmd.Flags().Changed(name) {
				return cmdutil.UsageErrorf("--%s and -f both describe the policy: put it in the file", name)
			}
		}
		if len(args) > 0 {
			return cmdutil.UsageErrorf("-f names the policy in the file (name:); drop argument 1")
		}
		if err := yamlfile.ReadFile(o.File, &o.Spec); err != nil {
			return &cmdutil.InputError{Err: err}
		}
		return nil
	}
	if len(args) == 0 {
		return cmdutil.UsageErrorf("name the policy (argument 1) or pass -f FILE")
	}
	if err := checkArg(args); err != nil {
		return err
	}
	o.Spec.Name = args[0]
	if cmd.Flags().Changed("timeout") {
		o.Spec.Timeout = o.Timeout.String()
	}
	if cmd.Flags().Changed("error-message") {
		o.Spec.ErrorMessage = &o.Message
	}
	if !cmd.Flags().Changed("mode") {
		o.Spec.Mode = ""
	}
	return nil
}

func applyRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	m, timeout, warnings, problems := opts.Spec.CheckAll()
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = p
		}
		return inputError(errors.Join(errs...), opts.File)
	}
	c, err := f.Graph()
	if err != nil {
		return err
	}
	app := false
	if !opts.DryRun {
		if app, err = AppOnly(ctx, f); err != nil {
			return err
		} else if app && !opts.TryAppOnly {
			return AppOnlyRefusal()
		}
	}
	r := prep.NewReader(c)
	plan, err := prep.NewPlan(ctx, c, r, opts.Spec, m, timeout, opts.update)
	if err != nil {
		return inputError(err, opts.File)
	}
	if plan.OwnerMissing && opts.NoFix && plan.DeviceGroup != nil {
		return cmdutil.InputErrorf("device group %s (%s): the Intune Provisioning Client (%s) is not an owner, so Intune can't add devices to it; --no-fix leaves it: add the owner, or run without --no-fix. Nothing was changed.",
			safetext.Quote(plan.DeviceGroup.DisplayName), plan.DeviceGroup.ID, prep.ProvisioningClientAppID)
	}
	for _, w := range warnings {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s\n", w)
	}
	rep := prep.Apply(ctx, c, r, plan, prep.ApplyOptions{NoFix: opts.NoFix, DryRun: opts.DryRun, Sleep: f.Sleep, AppOnly: app})
	return printReport(f, rep, opts.DryRun)
}

// printReport prints the steps (the report as JSON or YAML), then on stderr the changes, failed checks, the
// message and one summary line. A failed step or check is a partial run (exit 3).
func printReport(f *cmdutil.Factory, rep *prep.Report, dryRun bool) error {
	var rows [][]string
	for _, st := range rep.Steps {
		detail := st.Error
		if detail == "" {
			detail = st.Message
		}
		rows = append(rows, []string{st.Step, string(st.Status), st.Name, st.ID, detail})
	}
	if err := f.Print(output.Result{Data: rep, Table: output.Rows{Header: []string{"STEP", "STATUS", "NAME", "ID", "DETAIL"}, Rows: rows}}); err != nil {
		return err
	}
	w := f.IOStreams.ErrOut
	for _, st := range rep.Steps {
		for _, c := range st.Changes {
			fmt.Fprintf(w, "  %s %s: %v → %v\n", st.Step, c.Field, c.From, c.To)
		}
	}
	var accepted []string // failed as asked (warned before the run): said in the summary line, with the fix
	if v := rep.Verification; v != nil {
		for _, c := range v.Checks {
			switch {
			case c.Accepted:
				accepted = append(accepted, fmt.Sprintf("%s: %s (%s)", c.Name, c.Detail, c.Fix))
			case !c.OK:
				fmt.Fprintf(w, "✗ %s: %s\n  fix: %s\n", c.Name, c.Detail, c.Fix)
			}
		}
	}
	if rep.Message != "" {
		fmt.Fprintln(w, rep.Message)
	}
	line := fmt.Sprintf("policy %s: %s", safetext.Quote(rep.Name), rep.Summary.String("steps"))
	switch {
	case dryRun:
		line = "dry run, nothing changed: " + line
	case rep.Verification != nil && rep.Verification.OK && len(accepted) > 0:
		passed := 0
		for _, c := range rep.Verification.Checks {
			if c.OK {
				passed++
			}
		}
		line += fmt.Sprintf("; verified: %d of %d checks pass; %s", passed, len(rep.Verification.Checks), strings.Join(accepted, "; "))
	case rep.Verification != nil && rep.Verification.OK:
		line += "; verified (" + fmt.Sprint(len(rep.Verification.Checks)) + " checks)"
	case rep.Verification != nil:
		line += "; verification failed: " + strings.Join(rep.Verification.Failed(), ", ")
	}
	if n := rep.Problems(); n > 0 && !dryRun {
		return &cmdutil.PartialError{Msg: line}
	}
	fmt.Fprintln(w, line)
	return nil
}
