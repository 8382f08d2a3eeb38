package prep

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// VerifyOptions holds `prep verify`'s arguments and flags.
type VerifyOptions struct {
	Factory     *cmdutil.Factory
	Policies    []string
	All         bool
	ExpectGroup string
}

// NewCmdVerify builds `prep verify`; runF replaces the run in flag-parsing tests.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify POLICY... | --all [--expect-group GROUP]",
		Short: "Check that device-preparation policies really put devices into their group (the CI gate)",
		Long: "Reads each policy's device group back from the service (retrieveEnrollmentTimeDeviceMembershipTarget by\n" +
			"GET, then POST; the older retrieveJustInTimeConfiguration too, where the token may read it) and checks:\n\n" +
			"  bound                    a device group is bound\n" +
			"  readable                 the binding could be read (neither verb answering is a failure, never \"no group\")\n" +
			"  apisAgree                the current and legacy APIs report the same group\n" +
			"  groupExists              the group exists\n" +
			"  securityGroup            it is a security group, not mail-enabled\n" +
			"  staticGroup              it is assigned, not dynamic\n" +
			"  notRoleAssignable        it is not role-assignable\n" +
			"  provisioningClientOwner  the Intune Provisioning Client owns it (all owners, matched by appId)\n" +
			"  expectedGroup            it is the --expect-group group\n" +
			"  serviceValidation        Intune's own validation of the binding succeeds\n" +
			"  assignedToUsers          the policy is assigned to a user group (user-driven)\n" +
			"  appsAndScripts           the apps and scripts it lists exist\n\n" +
			"Checks that don't apply are left out. With --all, policiesFound fails when the tenant has no\n" +
			"device-preparation policy: a gate over nothing is not a pass.\n\n" +
			"Exit codes: 0 every check of every policy passes; 1 a check fails; 2 a named policy is not in the tenant\n" +
			"(or the flags are wrong), and nothing is checked; 4 the token can't read what is needed. A CI gate should\n" +
			"fail on any exit code but 0. Reads work with app-only tokens.",
		Example: "  autopilotctl prep verify \"DPP - Sales\" --expect-group \"DPP - Sales devices\"\n" +
			"  autopilotctl prep verify --all -o json",
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.All && len(args) > 0:
				return cmdutil.UsageErrorf("--all checks every policy: drop the policy names, or --all")
			case !opts.All && len(args) == 0:
				return cmdutil.UsageErrorf("name the policies to verify, or pass --all")
			}
			for i := range args {
				if err := checkArg(args[i:]); err != nil {
					return cmdutil.UsageErrorf("argument %d: %v", i+1, strings.TrimPrefix(err.Error(), "argument 1: "))
				}
			}
			opts.Policies = args
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, policiesRead, groupsRead, appsRead)
	cmd.Flags().BoolVar(&opts.All, "all", false, "verify every device-preparation policy")
	cmd.Flags().StringVar(&opts.ExpectGroup, "expect-group", "", "the device `GROUP` (name or id) every policy must be bound to")
	return cmd
}

// VerifyResult is `prep verify`'s JSON. Checks are about the run as a whole (policiesFound, with --all).
type VerifyResult struct {
	Policies []*prep.Verification `json:"policies"`
	Checks   []prep.Check         `json:"checks,omitempty"`
	OK       bool                 `json:"ok"`
}

func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	expect := ""
	if opts.ExpectGroup != "" {
		g, err := groups.Resolve(ctx, c, opts.ExpectGroup)
		if err != nil {
			return inputErrorFlag("--expect-group", err)
		}
		expect = g.ID
	}
	policies, err := verifiedPolicies(ctx, c, opts)
	if err != nil {
		return err
	}
	r := prep.NewReader(c)
	res := &VerifyResult{Policies: []*prep.Verification{}, OK: true}
	if opts.All {
		found := prep.Check{Name: "policiesFound", OK: len(policies) > 0, Detail: countPolicies(len(policies)) + " in the tenant"}
		if !found.OK {
			found.Detail = "the tenant has no device-preparation policy: there is nothing to pass"
			found.Fix = "create one: autopilotctl prep create NAME --device-group GROUP --user-group GROUP"
		}
		res.Checks = append(res.Checks, found)
		res.OK = found.OK
	}
	for _, p := range policies {
		v, err := prep.Verify(ctx, c, r, p, expect)
		if err != nil {
			return err
		}
		res.Policies = append(res.Policies, v)
		res.OK = res.OK && v.OK
	}
	var rows [][]string
	for _, ch := range res.Checks {
		rows = append(rows, checkRow("(tenant)", ch))
	}
	for _, v := range res.Policies {
		for _, ch := range v.Checks {
			rows = append(rows, checkRow(v.PolicyName, ch))
		}
	}
	if err := f.Print(output.Result{Data: res, Table: output.Rows{Header: []string{"POLICY", "OK", "CHECK", "DETAIL", "FIX"}, Rows: rows}}); err != nil {
		return err
	}
	failed := 0
	for _, v := range res.Policies {
		if !v.OK {
			failed++
		}
	}
	switch {
	case len(res.Policies) == 0 && !res.OK:
		return errors.New("policiesFound: the tenant has no device-preparation policy to verify")
	case failed > 0:
		return fmt.Errorf("%d of %d device-preparation policies failed verification", failed, len(res.Policies))
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s verified\n", countPolicies(len(res.Policies)))
	return nil
}

func countPolicies(n int) string {
	if n == 1 {
		return "1 device-preparation policy"
	}
	return fmt.Sprintf("%d device-preparation policies", n)
}

func checkRow(policy string, ch prep.Check) []string {
	mark := "✓"
	if !ch.OK {
		mark = "✗"
	}
	return []string{policy, mark, ch.Name, ch.Detail, ch.Fix}
}

// verifiedPolicies reads the policies to verify: every one with --all, else the named ones. Named policies
// the tenant does not have are all listed, by argument, as one input error (exit 2): nothing is checked.
func verifiedPolicies(ctx context.Context, c *graph.Client, opts *VerifyOptions) ([]*prep.Policy, error) {
	var policies []*prep.Policy
	if opts.All {
		heads, err := prep.List(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, h := range heads {
			p, err := prep.Get(ctx, c, h.ID)
			if err != nil {
				return nil, err
			}
			policies = append(policies, p)
		}
	}
	var missing []string
	for i, name := range opts.Policies {
		p, err := prep.Resolve(ctx, c, name)
		var nf *prep.NotFoundError
		var amb *prep.AmbiguousError
		switch {
		case errors.As(err, &nf) || errors.As(err, &amb):
			missing = append(missing, fmt.Sprintf("argument %d: %v", i+1, err))
		case err != nil:
			return nil, err
		default:
			policies = append(policies, p)
		}
	}
	if len(missing) > 0 {
		return nil, &cmdutil.InputError{Err: errors.New(strings.Join(missing, "\n") + "\nnothing was verified")}
	}
	return policies, nil
}

// inputErrorFlag makes a group that can't be told an input error naming the flag.
func inputErrorFlag(flag string, err error) error {
	if groups.IsNotFound(err) || isAmbiguous(err) {
		return cmdutil.InputErrorf("%s: %v", flag, err)
	}
	return err
}
