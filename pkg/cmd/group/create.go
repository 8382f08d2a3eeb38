package group

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// CreateOptions holds `group create`'s arguments and flags.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Source  RuleSource
	Desired groups.Desired
	Update  bool
	DryRun  bool
}

// NewCmdCreate builds `group create`; runF replaces the run in flag-parsing tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create NAME (--all-autopilot | --group-tag TAG [--prefix] | --purchase-order PO | --enrollment-profile NAME | --rule RULE | --assigned)",
		Short: "Create a security group for Autopilot devices, with the documented membership rule",
		Long: "Creates a security group (mailEnabled false, a mailNickname derived from the name) whose members are the\n" +
			"devices the rule selects, or an assigned group with --assigned. Rules are written for you with their\n" +
			"lambdas in parentheses, the form the Entra portal accepts; a --rule of your own is checked first, and\n" +
			"errors point at the column.\n\n" +
			"Safe to run again: the group is found by its exact name. The same rule reports unchanged and sends\n" +
			"nothing; a different rule is refused (exit 2, with the differences) unless --update, which changes it in\n" +
			"place and restarts membership processing. Several groups with the name, or an assigned group where a\n" +
			"dynamic one is asked for, are refused.\n\n" +
			"--owner-app makes the app's service principal an owner, matched by appId; when the tenant has no\n" +
			"service principal for the app, it is created (and the report says so).",
		Example: "  autopilotctl group create \"Autopilot - All devices\" --all-autopilot\n" +
			"  autopilotctl group create \"Autopilot - Sales\" --group-tag Sales --description \"Sales laptops\"\n" +
			"  autopilotctl group create \"Autopilot - Kiosks\" --rule '(device.devicePhysicalIds -any (_ -startsWith \"[OrderID]:Kiosk\"))' --update\n" +
			"  autopilotctl group create \"Autopilot - Sales\" --group-tag Sales --dry-run",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := opts.Source.resolve(cmd)
			if err != nil {
				return err
			}
			d := &opts.Desired
			d.DisplayName, d.Dynamic, d.Rule = args[0], src.Dynamic, src.Rule
			if opts.Desired.Paused && !d.Dynamic {
				return cmdutil.UsageErrorf("--paused is for dynamic groups; an assigned group has no rule to process")
			}
			if err := d.Validate(); err != nil {
				return cmdutil.UsageErrorf("%v", err)
			}
			warn(f, src.Warnings)
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, groupsWrite, servicePrincipalsWrite)
	opts.Source.addRuleFlags(cmd, true, false)
	fl := cmd.Flags()
	fl.StringVar(&opts.Desired.Description, "description", "", "the group's description")
	fl.StringSliceVar(&opts.Desired.OwnerAppIDs, "owner-app", nil, "make this app's service principal an owner, by `APPID` (repeat for several)")
	fl.BoolVar(&opts.Desired.Paused, "paused", false, "create the group with membership processing paused")
	fl.BoolVar(&opts.Update, "update", false, "change an existing group with this name whose rule, description or owners differ")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	plan, err := groups.PlanGroup(ctx, c, opts.Desired)
	if err == nil {
		err = plan.Check(opts.Update)
	}
	if err != nil {
		return planError(err)
	}
	ch, err := groups.Apply(ctx, c, plan, groups.ApplyOptions{DryRun: opts.DryRun, Sleep: f.Sleep})
	if err != nil {
		return err
	}
	return printChange(f, ch, opts.DryRun)
}

// planError makes the refusals of a plan input errors (exit 2, nothing was sent; the command line was right).
func planError(err error) error {
	switch err.(type) {
	case *groups.ConflictError, *groups.AmbiguousError:
		return &cmdutil.InputError{Err: err}
	}
	return err
}

// printChange prints one group's change: the result (-o json|yaml), or a line per field changed and, for a
// dry run, the exact requests; the summary and any message go to stderr. A failed change exits 1.
func printChange(f *cmdutil.Factory, ch *groups.Change, dryRun bool) error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	if format == output.Table && dryRun {
		for _, r := range ch.Requests {
			body, _ := json.MarshalIndent(r.Body, "", "  ")
			fmt.Fprintf(f.IOStreams.Out, "%s %s\n%s\n", r.Method, r.Path, body)
		}
	} else {
		rows := [][]string{{ch.DisplayName, string(ch.Status), ch.ID, ch.MembershipRule}}
		if err := f.Print(output.Result{Data: ch, Table: output.Rows{Header: []string{"NAME", "STATUS", "ID", "RULE"}, Rows: rows}}); err != nil {
			return err
		}
	}
	w := f.IOStreams.ErrOut
	for _, c := range ch.Changes {
		fmt.Fprintf(w, "  %s: %v → %v\n", c.Field, quoteAny(c.From), quoteAny(c.To))
	}
	if ch.Message != "" {
		fmt.Fprintln(w, ch.Message)
	}
	line := fmt.Sprintf("group %s: %s", safetext.Quote(ch.DisplayName), ch.Status)
	if dryRun {
		line = "dry run, nothing changed: " + line
	}
	fmt.Fprintln(w, line)
	if ch.Status == result.Failed {
		return fmt.Errorf("group %s: %s", safetext.Quote(ch.DisplayName), ch.Error)
	}
	return nil
}

func quoteAny(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
