// Package group implements `autopilotctl group`: create, preview, show, list, wait for and delete the Entra ID
// groups that target Autopilot devices, dynamic ones built from membership rules above all.
package group

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// Graph permissions of the group commands (docs/graph.md#dynamic-device-groups).
const (
	groupsRead  = "Group.Read.All|Group.ReadWrite.All|Directory.Read.All|Directory.ReadWrite.All"
	groupsWrite = "Group.ReadWrite.All|Directory.ReadWrite.All"
	// Owners are service principals looked up by appId, and created when the tenant has none.
	servicePrincipalsWrite = "Application.ReadWrite.All|Directory.ReadWrite.All"
	autopilotDevicesRead   = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
)

// NewCmdGroup is the `group` command group.
func NewCmdGroup(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group <command>",
		Short: "Create and inspect the dynamic device groups that target Autopilot devices",
		Long: "Dynamic device groups select Autopilot devices by rule: all of them, a group tag, a purchase order or an\n" +
			"enrollment profile. `group create` writes the documented rule for you and is safe to run again;\n" +
			"`group preview` shows which devices a rule selects before the group exists.",
		Example: "  autopilotctl group create \"Autopilot - Sales\" --group-tag Sales\n" +
			"  autopilotctl group preview --group-tag Sales\n" +
			"  autopilotctl group wait \"Autopilot - Sales\"",
	}
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdPreview(f, nil),
		NewCmdShow(f, nil),
		NewCmdList(f, nil),
		NewCmdMembers(f, nil),
		NewCmdWait(f, nil),
		NewCmdDelete(f, nil),
	)
	addCompletion(f, cmd)
	return cmd
}

// RuleSource is the flags that say which rule a group has: exactly one of them.
type RuleSource struct {
	AllAutopilot      bool
	GroupTag          string
	Prefix            bool
	PurchaseOrder     string
	EnrollmentProfile string
	Rule              string
	Assigned          bool   // create: an assigned group, no rule
	Group             string // preview: the rule of an existing group
}

// ruleFlags are the flags of a rule source, in the order errors list them.
var ruleFlags = []string{"all-autopilot", "group-tag", "purchase-order", "enrollment-profile", "rule", "assigned", "group"}

// addRuleFlags adds the rule-source flags; create adds --assigned, preview --group.
func (s *RuleSource) addRuleFlags(cmd *cobra.Command, assigned, group bool) {
	fl := cmd.Flags()
	fl.BoolVar(&s.AllAutopilot, "all-autopilot", false, "every Autopilot-registered device ([ZTDId])")
	fl.StringVar(&s.GroupTag, "group-tag", "", "Autopilot devices with this group `TAG` ([OrderID])")
	fl.BoolVar(&s.Prefix, "prefix", false, "with --group-tag: every tag that starts with TAG")
	fl.StringVar(&s.PurchaseOrder, "purchase-order", "", "Autopilot devices with this purchase order `ID` ([PurchaseOrderId])")
	fl.StringVar(&s.EnrollmentProfile, "enrollment-profile", "", "devices enrolled with the deployment profile (or device-preparation policy) of this `NAME`")
	fl.StringVar(&s.Rule, "rule", "", "a membership `RULE` of your own, checked before it is sent")
	if assigned {
		fl.BoolVar(&s.Assigned, "assigned", false, "an assigned security group (members added by hand), no rule")
	}
	if group {
		fl.StringVar(&s.Group, "group", "", "the rule of an existing group, by `NAME|ID`, compared with its real members")
	}
}

// Resolved is a rule source after its checks: the rule to send (empty for an assigned group or --group)
// and Lint's warnings.
type Resolved struct {
	Rule     string
	Linted   *rule.Linted
	Dynamic  bool
	Warnings []rule.Warning
}

// resolve checks that exactly one source was given, applies the value rule to it and lints the rule.
// Every refusal is a usage error naming the flag.
func (s *RuleSource) resolve(cmd *cobra.Command) (*Resolved, error) {
	var given []string
	for _, name := range ruleFlags {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
			given = append(given, "--"+name)
		}
	}
	var offered []string
	for _, name := range ruleFlags {
		if cmd.Flags().Lookup(name) != nil {
			offered = append(offered, "--"+name)
		}
	}
	switch {
	case len(given) == 0:
		return nil, cmdutil.UsageErrorf("say which devices the group holds: one of %s", strings.Join(offered, ", "))
	case len(given) > 1:
		return nil, cmdutil.UsageErrorf("%s are different rule sources; give one of %s", strings.Join(given, " and "), strings.Join(offered, ", "))
	case s.Prefix && !cmd.Flags().Changed("group-tag"):
		return nil, cmdutil.UsageErrorf("--prefix goes with --group-tag")
	}
	var text string
	var err error
	switch given[0] {
	case "--assigned":
		return &Resolved{}, nil
	case "--group":
		if err := checkValue("group name", s.Group); err != nil {
			return nil, cmdutil.UsageErrorf("--group: %v", err)
		}
		return &Resolved{}, nil
	case "--all-autopilot":
		text = rule.AllAutopilotDevices()
	case "--group-tag":
		err = groups.CheckRuleValue(groups.ValueGroupTag, s.GroupTag)
		text = rule.GroupTag(s.GroupTag)
		if s.Prefix {
			text = rule.GroupTagPrefix(s.GroupTag)
		}
	case "--purchase-order":
		err = groups.CheckRuleValue(groups.ValuePurchaseOrder, s.PurchaseOrder)
		text = rule.PurchaseOrder(s.PurchaseOrder)
	case "--enrollment-profile":
		err = groups.CheckRuleValue(groups.ValueEnrollmentProfile, s.EnrollmentProfile)
		text = rule.EnrollmentProfile(s.EnrollmentProfile)
	case "--rule":
		err = groups.CheckRuleValue(groups.ValueRule, s.Rule)
		text = s.Rule
	}
	if err != nil {
		return nil, cmdutil.UsageErrorf("%s: %v", given[0], err)
	}
	l, err := rule.Lint(text)
	if err != nil {
		return nil, ruleError(given[0], err)
	}
	return &Resolved{Rule: l.Send, Linted: l, Dynamic: true, Warnings: l.Warnings}, nil
}

// checkValue refuses an empty value or one with control or format characters.
func checkValue(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return safetext.Check(what, v)
}

// ruleError is a usage error for a rule that does not pass Lint: where it is, and the rule with a caret.
func ruleError(flag string, err error) error {
	var se *rule.SyntaxError
	if errors.As(err, &se) {
		return cmdutil.UsageErrorf("%s: %v\n%s", flag, err, se.Excerpt())
	}
	return cmdutil.UsageErrorf("%s: %v", flag, err)
}

// warn prints the rule's lint warnings on stderr.
func warn(f *cmdutil.Factory, warnings []rule.Warning) {
	for _, w := range warnings {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s\n", w)
	}
}

// resolveGroup finds the group an argument or flag names; not found and ambiguous are usage errors (exit 2):
// nothing was changed and the input must change.
func resolveGroup(ctx context.Context, c *graph.Client, what, nameOrID string) (*groups.Group, error) {
	g, err := groups.Resolve(ctx, c, nameOrID)
	var nf *groups.NotFoundError
	var amb *groups.AmbiguousError
	if errors.As(err, &nf) || errors.As(err, &amb) {
		return nil, cmdutil.UsageErrorf("%s: %v", what, err)
	}
	return g, err
}

// namedGroup is the Graph client and the group a command's argument names.
func namedGroup(ctx context.Context, f *cmdutil.Factory, nameOrID string) (*graph.Client, *groups.Group, error) {
	c, err := f.Graph()
	if err != nil {
		return nil, nil, err
	}
	g, err := resolveGroup(ctx, c, "argument 1", nameOrID)
	return c, g, err
}

// checkGroupArg applies the value rule to a group named as an argument.
func checkGroupArg(args []string) error {
	if err := groups.CheckDisplayName(args[0]); err != nil {
		return cmdutil.UsageErrorf("argument 1: %v", err)
	}
	return nil
}
