// Package layout holds `plan`, `apply` and `export`: the whole Autopilot layout as one file, on pkg/layout.
package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/runlock"
	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/words"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
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

// stdinFile is the -f value that reads the layout from standard input, and stdinName what messages call it.
const (
	stdinFile = "-"
	stdinName = "<stdin>"
)

// read reads the layout file, or standard input for -f -, capped alike; its problems are input errors
// (exit 2), all listed.
func read(f *cmdutil.Factory, path string) (*layout.Layout, error) {
	var data []byte
	var err error
	switch path {
	case "":
		return nil, cmdutil.UsageErrorf("give the layout file with -f FILE (-f - reads standard input)")
	case stdinFile:
		if f.IOStreams.IsStdinTTY() {
			return nil, cmdutil.UsageErrorf("-f -: standard input is a terminal: pipe the layout in (cat autopilot.yaml | autopilotctl plan -f -) or name the file")
		}
		path = stdinName
		data, err = io.ReadAll(io.LimitReader(f.IOStreams.In, yamlfile.MaxBytes+1))
		if err == nil && len(data) > yamlfile.MaxBytes {
			err = &safefile.TooLargeError{Path: path, Limit: yamlfile.MaxBytes}
		}
	default:
		data, err = safefile.ReadFile(path, yamlfile.MaxBytes)
	}
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fmt.Errorf("%s: no such file", path)
	case errors.As(err, &pe): // "stat nope.yaml: …" would name the file twice
		err = fmt.Errorf("%s: %v", path, pe.Err)
	}
	if err != nil {
		return nil, &cmdutil.InputError{Err: err}
	}
	l, err := layout.Parse(path, data)
	if err != nil {
		return nil, &cmdutil.InputError{Err: err}
	}
	return l, nil
}

// makePlan reads the file and plans it against the tenant; a bad file or a conflict with the tenant exits 2.
func makePlan(ctx context.Context, f *cmdutil.Factory, file string, prune bool, before func(*graph.Client) error) (*layout.Layout, *graph.Client, *layout.Plan, error) {
	l, err := read(f, file)
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
		if n := plan.Unlisted; n > 0 {
			fmt.Fprintf(f.IOStreams.ErrOut, "note: %s that apply created %s no longer in the file (an ESP, profile or policy): `plan --prune` lists %s for deletion, with any such groups\n",
				objects(n), words.Plural(n, "is", "are"), words.Plural(n, "it", "them"))
		}
	}
	return l, c, plan, err
}

// objects counts objects in words: "1 object", "2 objects".
func objects(n int) string { return words.Count(n, "object", "objects") }

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
		fmt.Fprintf(w, "No changes: the tenant matches %s (%s).\n", fileName(file), objects(s.Unchanged))
		return
	}
	fmt.Fprintf(w, "Plan: %d to create, %d to update, %d to replace, %d to delete; %d unchanged.\n", s.Create, s.Update, s.Replace, s.Delete, s.Unchanged)
}

// fileName is the layout file as messages name it.
func fileName(file string) string {
	if file == stdinFile {
		return stdinName
	}
	return file
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
			"`from → to`, `-/+ replace` with the reason, `- delete` (with --prune: only objects apply created from a\n" +
			"file of this name, which carry \"" + layout.Marker + "\", or \"" + layout.MarkerFor("NAME") + "\" for a\n" +
			"file with `name: NAME`, in their description). Objects already as asked get no line. Drift covers\n" +
			"assignments (the whole set, exclusions included, for objects whose entry has assign, exclude,\n" +
			"allDevices or allUsers; without them the tenant's assignments are left as they are), ESP priorities, a\n" +
			"device-preparation policy's bound group (read back through the service) and its owner. Warnings say which\n" +
			"profile gets devices several profiles target. Nothing is written.\n\n" +
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
				return &cmdutil.ChangesPendingError{Msg: fmt.Sprintf("%d %s pending", n, words.Plural(n, "change", "changes"))}
			}
			return nil
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead, configRead, policiesRead, appsRead)
	cmdutil.SetFormats(cmd, output.Table, output.JSON, output.YAML)
	fl := cmd.Flags()
	fl.StringVarP(&file, "file", "f", "", "the layout `FILE` (YAML; - reads standard input)")
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
			"(or the file's named marker, see plan) in their description, and --prune deletes only objects with this\n" +
			"file's marker that the file no longer lists, each read again first. One apply at a time runs into a\n" +
			"tenant from this account (a second exits 2).\n\n" +
			"The first failure stops the run: the report says what was done and what remains (exit 3); running\n" +
			"apply again picks up from the tenant as it is.",
		Example: "  autopilotctl apply -f autopilot.yaml\n" +
			"  autopilotctl apply -f autopilot.yaml --yes --prune",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == stdinFile && !yes && !dryRun {
				// The layout takes standard input, so the answer to "Apply these changes?" can't come from it.
				return cmdutil.UsageErrorf("-f - reads the layout from standard input, so apply can't ask there: pass --yes (or --dry-run)")
			}
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
					return cmdutil.InputErrorf("another apply into tenant %s on %s is running on this machine: run them one after the other (nothing was changed)", orUnknown(tenant), host)
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
			if format, _ := f.OutputFormat(); plan.Summary.Pending() == 0 && !dryRun && format != output.Table {
				// A pipeline reads one shape from apply whether or not there was anything to do.
				return printReport(f, layout.NothingToDo(plan))
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
			rep := layout.Apply(ctx, c, l, plan, layout.ApplyOptions{Sleep: f.Sleep, Progress: progress(f, plan), AppOnly: app})
			return printReport(f, rep)
		},
	}
	cmdutil.SetPermissions(cmd, groupsWrite, spWrite, configWrite, policiesWrite, appsRead)
	cmdutil.SetFormats(cmd, output.Table, output.JSON, output.YAML)
	fl := cmd.Flags()
	fl.StringVarP(&file, "file", "f", "", "the layout `FILE` (YAML; - reads standard input, and then --yes or --dry-run is needed)")
	fl.BoolVar(&yes, "yes", false, "apply without asking")
	fl.BoolVar(&prune, "prune", false, "delete objects apply created that the file no longer lists")
	fl.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	fl.BoolVar(&tryAppOnly, "try-app-only", false, "bind device-preparation device groups even with an app-only token (Intune answers 500 to those)")
	return cmd
}

// progress says on a terminal which object is being applied, counting only the objects that change.
func progress(f *cmdutil.Factory, plan *layout.Plan) func(int, int, *layout.Change) {
	if !f.IOStreams.CanPrompt() {
		return nil
	}
	n, total := 0, plan.Summary.Pending()
	return func(_, _ int, ch *layout.Change) {
		n++
		fmt.Fprintf(f.IOStreams.ErrOut, "[%d/%d] %s %s %s\n", n, total, ch.Action, layout.KindWord(ch.Kind), safetext.Quote(ch.Name))
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
		return &cmdutil.PartialError{Msg: fmt.Sprintf("apply stopped: %s not done", objects(n))}
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
		Long: "Reads the tenant and writes its layout: the groups Autopilot objects target and those whose rule selects\n" +
			"Autopilot devices (as groupTag, purchaseOrder, enrollmentProfile or allAutopilot where the rule is one\n" +
			"autopilotctl writes), every ESP (the default's settings under displayName default, the others in\n" +
			"priority order), deployment profiles and device-preparation policies with their assignments and bound\n" +
			"groups, referring to each other by name, ids as comments. The output is deterministic: a stable order\n" +
			"(ESPs by priority, the rest by name), no timestamps, no ownership marker. `plan -f` of it against the\n" +
			"same tenant shows no changes. It is YAML, or with -o json the same document as JSON.",
		Example: "  autopilotctl export > autopilot.yaml\n" +
			"  autopilotctl export --include esps,profiles -o json\n" +
			"  autopilotctl export --include groups   # the Autopilot groups alone",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var sections []string
			for _, s := range include {
				word, ok := layout.Section(s)
				if !ok {
					return cmdutil.UsageErrorf("--include %s: give one or more of %s", safetext.Quote(s), strings.Join(includeWords(), ", "))
				}
				sections = append(sections, word)
			}
			format, err := f.OutputFormat()
			if err != nil {
				return err
			}
			c, err := f.Graph()
			if err != nil {
				return err
			}
			ex, err := layout.Export(cmd.Context(), c, sections)
			if err != nil {
				return err
			}
			for _, n := range ex.Notes() { // also comments in the YAML; JSON has no place for them
				fmt.Fprintln(f.IOStreams.ErrOut, "export: "+n)
			}
			b, err := ex.YAML(SchemaURL)
			if err != nil {
				return err
			}
			// What plan would refuse in the file (two objects of one name, a setting no file may ask for) is
			// said now, not found when the file is used.
			for _, r := range refusals(b) {
				fmt.Fprintln(f.IOStreams.ErrOut, "export: plan refuses this file until the tenant changes: "+r)
			}
			if format == output.JSON {
				v, err := ex.Value()
				if err != nil {
					return err
				}
				return f.Print(output.Result{Data: v})
			}
			_, err = f.IOStreams.Out.Write(b)
			return err
		},
	}
	cmdutil.SetPermissions(cmd, groupsRead, configRead, policiesRead, appsRead)
	cmdutil.SetFormats(cmd, output.YAML, output.JSON)
	cmd.Flags().StringSliceVar(&include, "include", nil, "the sections to export, by word or by the file's key: "+strings.Join(includeWords(), ", ")+" (default all)")
	_ = cmd.RegisterFlagCompletionFunc("include", completeInclude)
	return cmd
}

// includeWords are the --include values: each section's short word and the file's key for it (when they
// differ).
func includeWords() []string {
	var out []string
	for _, s := range layout.Sections {
		out = append(out, sectionWords(s)...)
	}
	return out
}

func sectionWords(s [2]string) []string {
	if s[0] == s[1] {
		return s[:1]
	}
	return s[:]
}

// completeInclude completes the comma-separated --include list: the sections not given yet, after those typed.
func completeInclude(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	done := "" // the values typed before the last comma
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done = toComplete[:i]
	}
	given := map[string]bool{}
	for _, s := range strings.Split(done, ",") {
		if word, ok := layout.Section(s); ok {
			given[word] = true
		}
	}
	var out []string
	for _, s := range layout.Sections {
		if given[s[0]] {
			continue
		}
		for _, v := range sectionWords(s) {
			if done != "" {
				v = done + "," + v
			}
			out = append(out, v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// refusals are the problems plan's reading of an exported file finds, as "line N: what". Names with control
// or format characters are left out: export's notes already name each such object.
func refusals(exported []byte) []string {
	_, err := layout.Parse("", exported)
	var out []string
	for _, e := range yamlfile.List(err) {
		if !strings.Contains(e.Msg, " contains U+") {
			out = append(out, fmt.Sprintf("line %d: %s", e.Line, e.Msg))
		}
	}
	return out
}
