// Package layout holds `plan`, `apply` and `export`: the whole Autopilot layout as one file, on pkg/layout.
package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/runlock"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	prepcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/prep"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/layout"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Graph permissions (alternatives separated by |).
const (
	groupsRead    = "Group.Read.All|Group.ReadWrite.All|Directory.Read.All|Directory.ReadWrite.All"
	groupsWrite   = "Group.ReadWrite.All|Directory.ReadWrite.All"
	spWrite       = "Application.ReadWrite.All|Directory.ReadWrite.All"
	configRead    = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
	configWrite   = "DeviceManagementServiceConfig.ReadWrite.All"
	policiesRead  = "DeviceManagementConfiguration.Read.All|DeviceManagementConfiguration.ReadWrite.All"
	policiesWrite = "DeviceManagementConfiguration.ReadWrite.All"
	appsRead      = "DeviceManagementApps.Read.All|DeviceManagementApps.ReadWrite.All"
)

// SchemaURL is the schema comment export writes, as the examples carry it.
const SchemaURL = "https://raw.githubusercontent.com/autopilotctl/autopilotctl/main/docs/schema/autopilot.schema.json"

// read reads the layout file; its problems are input errors (exit 2), all listed.
func read(path string) (*layout.Layout, error) {
	if path == "" {
		return nil, cmdutil.UsageErrorf("give the layout file with -f FILE")
	}
	l, err := layout.Read(path)
	if err != nil {
		return nil, &cmdutil.InputError{Err: err}
	}
	return l, nil
}

// makePlan reads the file and plans it against the tenant; a bad file or a conflict with the tenant exits 2.
func makePlan(ctx context.Context, f *cmdutil.Factory, file string, prune bool, before func(*graph.Client) error) (*layout.Layout, *graph.Client, *layout.Plan, error) {
	l, err := read(file)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := f.Graph()
	if err != nil {
		return nil, nil, nil, err
	}
	if before != nil {
		if err := before(c); err != nil {
			return nil, nil, nil, err
		}
	}
	plan, err := layout.Make(ctx, c, l, layout.Options{Prune: prune})
	if layout.IsInput(err) {
		err = &cmdutil.InputError{Err: err}
	}
	if err == nil {
		for _, w := range plan.Warnings {
			fmt.Fprintln(f.IOStreams.ErrOut, "warning: "+w)
		}
	}
	return l, c, plan, err
}

// show is a value in a plan line, whole (rules are compared whole): strings quoted with every control and
// format character escaped, the rest as JSON.
func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	b, _ := json.Marshal(v)
	return safetext.Escape(string(b))
}

var symbols = map[string]string{layout.Create: "+", layout.Update: "~", layout.Replace: "-/+", layout.Delete: "-"}

// writePlan prints a plan as Terraform reads: one line per object that changes, its fields below it, and a
// summary line.
func writePlan(w io.Writer, file string, plan *layout.Plan) {
	for _, ch := range plan.Changes {
		line := fmt.Sprintf("%s %s %s %s", symbols[ch.Action], ch.Action, layout.KindWord(ch.Kind), safetext.Quote(ch.Name))
		if ch.ID != "" {
			line += " (" + safetext.Short(ch.ID) + ")"
		}
		fmt.Fprintln(w, line)
		if ch.Reason != "" {
			fmt.Fprintf(w, "    because %s\n", ch.Reason)
		}
		for _, f := range ch.Fields {
			fmt.Fprintf(w, "    %s: %s → %s\n", f.Path, show(f.From), show(f.To))
		}
	}
	s := plan.Summary
	if s.Pending() == 0 {
		fmt.Fprintf(w, "No changes: the tenant matches %s (%d objects).\n", file, s.Unchanged)
		return
	}
	fmt.Fprintf(w, "Plan: %d to create, %d to update, %d to replace, %d to delete; %d unchanged.\n", s.Create, s.Update, s.Replace, s.Delete, s.Unchanged)
}

// printPlan prints the plan as the output format asks.
func printPlan(f *cmdutil.Factory, file string, plan *layout.Plan) error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	if format == output.Table {
		writePlan(f.IOStreams.Out, file, plan)
		return nil
	}
	return f.Print(output.Result{Data: plan})
}

// NewCmdPlan builds `plan`.
func NewCmdPlan(f *cmdutil.Factory) *cobra.Command {
	var file string
	var prune, detailed bool
	cmd := &cobra.Command{
		Use:   "plan -f FILE",
		Short: "Show what apply would change to make the tenant match a layout file",
		Long: "Reads the layout file (groups, ESPs, deployment profiles, device-preparation policies, referring to each\n" +
			"other by name) and the tenant, and prints what `apply` would do: `+ create`, `~ update` with each field\n" +
			"`from → to`, `-/+ replace` with the reason, `- delete` (with --prune: only objects apply created, which\n" +
			"carry \"" + layout.Marker + "\" in their description). Objects already as asked get no line. Drift\n" +
			"covers assignments (the whole set, exclusions included), ESP priorities, a device-preparation policy's\n" +
			"bound group (read back through the service) and its owner. Nothing is written.\n\n" +
			"Exit codes: 0 no changes (or changes, without --detailed-exitcode), 1 error, 2 a bad file or a conflict\n" +
			"with the tenant (each problem named by file, line and key), 4 sign-in or permission problem, and with\n" +
			"--detailed-exitcode 5 when changes are pending.",
		Example: "  autopilotctl plan -f autopilot.yaml\n" +
			"  autopilotctl plan -f autopilot.yaml -o json --detailed-exitcode",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, plan, err := makePlan(cmd.Context(), f, file, prune, nil)
			if err != nil {
				return err
			}
			if err := printPlan(f, file, plan); err != nil {
				return err
			}
			if n := plan.Summary.Pending(); n > 0 && detailed {
				return &cmdutil.ChangesPendingError{Msg: fmt.Sprintf("%d changes pending", n)}
			}
			return nil
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead, configRead, policiesRead, appsRead)
	fl := cmd.Flags()
	fl.StringVarP(&file, "file", "f", "", "the layout `FILE` (YAML)")
	fl.BoolVar(&prune, "prune", false, "also list objects apply created that the file no longer has, for deletion")
	fl.BoolVar(&detailed, "detailed-exitcode", false, "exit 5 when changes are pending, 0 when none")
	return cmd
}

// NewCmdApply builds `apply`.
func NewCmdApply(f *cmdutil.Factory) *cobra.Command {
	var file string
	var yes, prune, dryRun, tryAppOnly bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Make the tenant match a layout file",
		Long: "Plans as `plan` does, prints the plan, asks (on a terminal; elsewhere --yes is required), then applies it\n" +
			"in dependency order: groups (and the owners' service principals), ESPs (create, priority, assign),\n" +
			"profiles (create, assign), device-preparation policies (device group owner, policy, binding,\n" +
			"assignments, then read back as `prep verify` does). Each kind is updated in place as it needs; a profile\n" +
			"or policy is replaced only when the plan said so. Objects apply creates carry \"" + layout.Marker + "\"\n" +
			"in their description, and --prune deletes only such objects that the file no longer lists.\n\n" +
			"The first failure stops the run: the report says what was done and what remains (exit 3); running\n" +
			"apply again picks up from the tenant as it is.",
		Example: "  autopilotctl apply -f autopilot.yaml\n" +
			"  autopilotctl apply -f autopilot.yaml --yes --prune",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// One apply at a time into a tenant from this account: the second would plan against the first's
			// half-done work and create what the first is creating.
			var lock *runlock.Lock
			defer func() {
				if lock != nil {
					lock.Release(true)
				}
			}()
			hold := func(c *graph.Client) (err error) {
				lock, err = f.LockTenant(ctx, c, "apply", func(tenant, host string) error {
					return cmdutil.UsageErrorf("another apply into tenant %s on %s is running on this machine: run them one after the other (nothing was changed)", orUnknown(tenant), host)
				})
				return err
			}
			if dryRun {
				hold = nil
			}
			l, c, plan, err := makePlan(ctx, f, file, prune, hold)
			if err != nil {
				return err
			}
			if dryRun || plan.Summary.Pending() == 0 {
				if err := printPlan(f, file, plan); err != nil {
					return err
				}
				if dryRun {
					fmt.Fprintln(f.IOStreams.ErrOut, "dry run: nothing was changed")
				}
				return nil
			}
			app := false
			if plan.Binds() {
				if app, err = prepcmd.AppOnly(ctx, f); err != nil {
					return err
				} else if app && !tryAppOnly {
					return prepcmd.AppOnlyRefusal()
				}
			}
			writePlan(f.IOStreams.ErrOut, file, plan)
			if err := cmdutil.Confirm(f, yes, "Apply these changes?", "not applying anything"); err != nil {
				return err
			}
			rep := layout.Apply(ctx, c, l, plan, layout.ApplyOptions{Sleep: f.Sleep, Progress: progress(f), AppOnly: app})
			return printReport(f, rep)
		},
	}
	cmdutil.SetPermissions(cmd, groupsWrite, spWrite, configWrite, policiesWrite, appsRead)
	fl := cmd.Flags()
	fl.StringVarP(&file, "file", "f", "", "the layout `FILE` (YAML)")
	fl.BoolVar(&yes, "yes", false, "apply without asking")
	fl.BoolVar(&prune, "prune", false, "delete objects apply created that the file no longer lists")
	fl.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	fl.BoolVar(&tryAppOnly, "try-app-only", false, "bind device-preparation device groups even with an app-only token (Intune answers 500 to those)")
	return cmd
}

// progress says on a terminal which object is being applied.
func progress(f *cmdutil.Factory) func(int, int, *layout.Change) {
	if !f.IOStreams.CanPrompt() {
		return nil
	}
	return func(done, total int, ch *layout.Change) {
		fmt.Fprintf(f.IOStreams.ErrOut, "[%d/%d] %s %s %s\n", done+1, total, ch.Action, layout.KindWord(ch.Kind), safetext.Quote(ch.Name))
	}
}

// printReport prints what apply did; a stopped run is partial (exit 3).
func printReport(f *cmdutil.Factory, rep *layout.Report) error {
	rows := make([][]string, 0, len(rep.Objects))
	for _, o := range rep.Objects {
		rows = append(rows, []string{layout.KindWord(o.Kind), o.Name, string(o.Status), o.ID, firstNonEmpty(o.Error, o.Message)})
	}
	if err := f.Print(output.Result{Data: rep, Table: output.Rows{Header: []string{"KIND", "NAME", "STATUS", "ID", "DETAIL"}, Rows: rows}}); err != nil {
		return err
	}
	w := f.IOStreams.ErrOut
	fmt.Fprintln(w, "apply: "+summaryLine(rep.Summary))
	if rep.Message != "" {
		fmt.Fprintln(w, rep.Message)
	}
	if n := rep.Summary.Problems(); n > 0 {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("apply stopped: %d objects not done", n)}
	}
	return nil
}

func summaryLine(s result.Summary) string {
	var parts []string
	for _, st := range result.Statuses {
		if n := s.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}

func orUnknown(tenant string) string {
	if tenant == "" {
		return "(unknown tenant)"
	}
	return tenant
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// NewCmdExport builds `export`.
func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	var include []string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the tenant's Autopilot layout as a file that plan reports as no changes",
		Long: "Reads the tenant and writes its layout: the groups Autopilot objects target, every ESP (the default's\n" +
			"settings under displayName default), deployment profiles and device-preparation policies with their\n" +
			"assignments and bound groups, referring to each other by name, ids as comments. The output is\n" +
			"deterministic: sorted by name, no timestamps, no ownership marker. `plan -f` of it against the same\n" +
			"tenant shows no changes.",
		Example: "  autopilotctl export > autopilot.yaml\n" +
			"  autopilotctl export --include esp,profiles -o json",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range include {
				if !contains(layout.Sections, s) {
					return cmdutil.UsageErrorf("--include %s: give one or more of %s", safetext.Quote(s), strings.Join(layout.Sections, ","))
				}
			}
			format, err := f.OutputFormat()
			if err != nil {
				return err
			}
			c, err := f.Graph()
			if err != nil {
				return err
			}
			ex, err := layout.Export(cmd.Context(), c, include)
			if err != nil {
				return err
			}
			for _, n := range ex.Notes() { // also comments in the YAML; JSON has no place for them
				fmt.Fprintln(f.IOStreams.ErrOut, "export: "+n)
			}
			if format == output.JSON {
				v, err := ex.Value()
				if err != nil {
					return err
				}
				return f.Print(output.Result{Data: v})
			}
			b, err := ex.YAML(SchemaURL)
			if err != nil {
				return err
			}
			_, err = f.IOStreams.Out.Write(b)
			return err
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead, configRead, policiesRead)
	cmd.Flags().StringSliceVar(&include, "include", nil, "the sections to export: groups, esp, profiles, prep (default all)")
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
