package group

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// PreviewOptions holds `group preview`'s flags.
type PreviewOptions struct {
	Factory *cmdutil.Factory
	Source  RuleSource
	Rule    *Resolved
	Explain string
}

// NewCmdPreview builds `group preview`; runF replaces the run in flag-parsing tests.
func NewCmdPreview(f *cmdutil.Factory, runF func(*PreviewOptions) error) *cobra.Command {
	opts := &PreviewOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "preview (--all-autopilot | --group-tag TAG [--prefix] | --purchase-order PO | --enrollment-profile NAME | --rule RULE | --group NAME|ID) [--explain SERIAL]",
		Short: "Show which Autopilot devices a rule selects, before the group exists or against its members",
		Long: "Evaluates the rule here, against every Autopilot device in the tenant, with the physical ids the service\n" +
			"gives their device objects ([ZTDId]:<id>, [OrderID]:<group tag>, [PurchaseOrderId]:<purchase order>),\n" +
			"and lists the devices it selects. With --group it reads that group's rule and real members and lists\n" +
			"the differences: devices the rule selects that are not members yet (processing pending) and members it\n" +
			"no longer selects. --explain SERIAL shows, for one device, each physical id and which part of the rule\n" +
			"it satisfied. Properties other than devicePhysicalIds (enrollmentProfileName, …) live on the Entra\n" +
			"device object and are taken as empty here; the output says so.",
		Example: "  autopilotctl group preview --group-tag Sales\n" +
			"  autopilotctl group preview --group \"Autopilot - Sales\"\n" +
			"  autopilotctl group preview --rule '(device.devicePhysicalIds -any (_ -startsWith \"[OrderID]:Kiosk\"))' --explain 5CG2461KX7",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := opts.Source.resolve(cmd)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("explain") {
				if err := autopilot.ValidateSerial(opts.Explain); err != nil {
					return cmdutil.UsageErrorf("--explain: %v", err)
				}
			}
			opts.Rule = src
			warn(f, src.Warnings)
			if runF != nil {
				return runF(opts)
			}
			return previewRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesRead, groupsRead)
	opts.Source.addRuleFlags(cmd, false, true)
	cmd.Flags().StringVar(&opts.Explain, "explain", "", "show how the rule treats the device with this `SERIAL` (or id)")
	return cmd
}

func previewRun(ctx context.Context, opts *PreviewOptions) error {
	f := opts.Factory
	c, err := f.Graph()
	if err != nil {
		return err
	}
	text, linted := opts.Rule.Rule, opts.Rule.Linted
	var g *groups.Group
	if opts.Source.Group != "" {
		if g, err = resolveGroup(ctx, c, "--group", opts.Source.Group); err != nil {
			return err
		}
		if !g.Dynamic() {
			return cmdutil.UsageErrorf("--group: %s is an assigned group; it has no rule to preview", safetext.Quote(g.DisplayName))
		}
		if linted, err = rule.Lint(g.MembershipRule); err != nil {
			return fmt.Errorf("the rule of group %s does not parse here: %w", safetext.Quote(g.DisplayName), err)
		}
		text = g.MembershipRule
	}
	p, devices, err := groups.PreviewRule(ctx, c, linted.Rule, text)
	if err != nil {
		return err
	}
	if len(p.Unknown) > 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "note: the rule reads %s, which Autopilot devices don't carry; the preview takes it as empty, so the service may select other devices\n",
			strings.Join(p.Unknown, ", "))
	}
	if opts.Explain != "" {
		return explain(f, linted.Rule, text, devices, opts.Explain)
	}
	if g != nil {
		if err := groups.CompareMembers(ctx, c, p, g); err != nil {
			return err
		}
	}
	rows := [][]string{}
	for _, d := range p.Devices {
		rows = append(rows, []string{d.SerialNumber, d.GroupTag, d.ID})
	}
	if err := f.Print(output.Result{Data: p, Table: output.Rows{Header: []string{"SERIAL", "GROUP TAG", "ID"}, Rows: rows}}); err != nil {
		return err
	}
	w := f.IOStreams.ErrOut
	fmt.Fprintf(w, "%d of %d Autopilot devices match\n", p.Matched, p.Scanned)
	if g != nil {
		fmt.Fprintf(w, "group %s has %d members; %d matched devices are not members yet (processing pending), %d members no longer match\n",
			safetext.Escape(g.DisplayName), *p.Members, len(p.NotYetMembers), len(p.NoLongerMatched))
		for _, d := range p.NotYetMembers {
			fmt.Fprintf(w, "  not yet a member: %s (%s)\n", safetext.Escape(d.SerialNumber), safetext.Short(d.ID))
		}
		for _, m := range p.NoLongerMatched {
			fmt.Fprintf(w, "  no longer matched: %s (%s)\n", safetext.Escape(m.DisplayName), safetext.Short(m.ID))
		}
	}
	return nil
}

// Explanation is `group preview --explain`'s JSON: one device, its physical ids with the conditions each
// satisfied, and every condition's result.
type Explanation struct {
	Rule         string        `json:"rule"`
	ID           string        `json:"id"`
	SerialNumber string        `json:"serialNumber"`
	Matched      bool          `json:"matched"`
	PhysicalIDs  []ExplainedID `json:"physicalIds"`
	Conditions   []rule.Check  `json:"conditions"`
}

// ExplainedID is one physical id and the conditions (by their text) it satisfied.
type ExplainedID struct {
	Value     string   `json:"value"`
	Satisfies []string `json:"satisfies"`
}

func explain(f *cmdutil.Factory, r *rule.Rule, text string, devices []autopilot.Device, serialOrID string) error {
	var found []autopilot.Device
	for _, d := range devices {
		if strings.EqualFold(d.SerialNumber, serialOrID) || strings.EqualFold(d.ID, serialOrID) {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 0:
		return cmdutil.UsageErrorf("--explain: no Autopilot device has serial number or id %s", serialOrID)
	case len(found) > 1:
		return cmdutil.UsageErrorf("--explain: %d devices have serial number %s; name one by its id", len(found), serialOrID)
	}
	d := found[0]
	dev := rule.Device{PhysicalIDs: groups.PhysicalIDs(d)}
	e := Explanation{Rule: text, ID: d.ID, SerialNumber: d.SerialNumber, Matched: r.Match(dev), Conditions: r.Explain(dev)}
	rows := [][]string{}
	for _, id := range dev.PhysicalIDs {
		x := ExplainedID{Value: id, Satisfies: []string{}}
		for _, c := range e.Conditions {
			for _, v := range c.Values {
				if v == id {
					x.Satisfies = append(x.Satisfies, c.Condition)
				}
			}
		}
		e.PhysicalIDs = append(e.PhysicalIDs, x)
		sat := strings.Join(x.Satisfies, "; ")
		if sat == "" {
			sat = "nothing"
		}
		rows = append(rows, []string{id, sat})
	}
	if err := f.Print(output.Result{Data: e, Table: output.Rows{Header: []string{"PHYSICAL ID", "SATISFIES"}, Rows: rows}}); err != nil {
		return err
	}
	w := f.IOStreams.ErrOut
	for _, c := range e.Conditions {
		fmt.Fprintf(w, "  %-5v %s\n", c.Held, c.Condition)
	}
	verdict := "does not match"
	if e.Matched {
		verdict = "matches"
	}
	fmt.Fprintf(w, "device %s %s the rule\n", safetext.Escape(d.SerialNumber), verdict)
	return nil
}
