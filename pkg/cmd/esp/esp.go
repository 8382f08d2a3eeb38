// Package esp implements `autopilotctl esp`: create, update, list, show, assign, unassign, reprioritise and
// delete Enrollment Status Pages. It also holds the printing and error wording the profile commands share.
package esp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Graph permissions (docs/graph.md#enrollment-status-page).
const (
	serviceConfigRead  = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
	serviceConfigWrite = "DeviceManagementServiceConfig.ReadWrite.All"
	// assign and setPriority accept either.
	assignWrite = "DeviceManagementServiceConfig.ReadWrite.All|DeviceManagementConfiguration.ReadWrite.All"
	// GroupsRead finds assignment targets by name or id.
	GroupsRead = "Group.Read.All|Group.ReadWrite.All|Directory.Read.All|Directory.ReadWrite.All"
	appsRead   = "DeviceManagementApps.Read.All|DeviceManagementApps.ReadWrite.All"
)

// NewCmdESP is the `esp` command group.
func NewCmdESP(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "esp <command>",
		Short: "Create, assign and order Enrollment Status Pages",
		Long: "An Enrollment Status Page (ESP) shows provisioning progress during Autopilot and can hold the device until\n" +
			"required apps are installed. The built-in default ESP applies to everyone at the lowest priority; it is\n" +
			"addressed as `default`, can be updated, and is never assigned, reprioritised or deleted.\n\n" +
			"Flags and YAML keys are Graph's property names; where the admin center labels a setting differently,\n" +
			"the flag's help gives the label too.",
		Example: "  autopilotctl esp create \"ESP - Autopilot\" --show-installation-progress --assign \"Autopilot - All devices\"\n" +
			"  autopilotctl esp list\n" +
			"  autopilotctl esp set-priority \"ESP - Autopilot\" 1",
	}
	cmd.AddCommand(NewCmdCreate(f, nil, false), NewCmdCreate(f, nil, true), NewCmdList(f), NewCmdShow(f),
		NewCmdAssign(f), NewCmdUnassign(f), NewCmdSetPriority(f), NewCmdDelete(f))
	addCompletion(f, cmd)
	return cmd
}

// Refusal makes the domain's refusals input errors (exit 2, nothing sent): unknown or ambiguous names,
// invalid combinations, conflicts.
func Refusal(err error) error {
	if enrollment.IsRefusal(err) {
		return &cmdutil.InputError{Err: err}
	}
	return err
}

// ReadYAML decodes a settings file strictly (file:line for unknown keys and wrong types): exit 2.
func ReadYAML(path string, v any) error {
	if err := yamlfile.ReadFile(path, v); err != nil {
		return &cmdutil.InputError{Err: err}
	}
	return nil
}

// CheckNames applies the value rule to names given as arguments or flags.
func CheckNames(what string, names []string) error {
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return cmdutil.UsageErrorf("%s: empty name", what)
		}
		if err := safetext.Check(what, n); err != nil {
			return cmdutil.UsageErrorf("%v", err)
		}
	}
	return nil
}

// PrintChange prints one object's change: the result (-o json|yaml) or a row, and for a dry run the exact
// requests; field changes, the message and a summary line go to stderr. A failed change exits 1.
func PrintChange(f *cmdutil.Factory, what string, ch *enrollment.Change, dryRun bool) error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	if format == output.Table && dryRun {
		for _, r := range ch.Requests {
			fmt.Fprintf(f.IOStreams.Out, "%s %s\n", r.Method, r.Path)
			if r.Body != nil {
				body, _ := json.MarshalIndent(r.Body, "", "  ")
				fmt.Fprintf(f.IOStreams.Out, "%s\n", body)
			}
		}
	} else if err := f.Print(output.Result{Data: ch, Table: output.Rows{Header: []string{"NAME", "STATUS", "ID"},
		Rows: [][]string{{ch.Name, string(ch.Status), ch.ID}}}}); err != nil {
		return err
	}
	w := f.IOStreams.ErrOut
	for _, c := range ch.Changes {
		fmt.Fprintf(w, "  %s: %s → %s\n", c.Field, value(c.From), value(c.To))
	}
	if ch.Message != "" {
		fmt.Fprintln(w, ch.Message)
	}
	line := fmt.Sprintf("%s %s: %s", what, safetext.Quote(ch.Name), ch.Status)
	if dryRun {
		line = "dry run, nothing changed: " + line
	}
	fmt.Fprintln(w, line)
	if ch.Partial() {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%s %s: %s (partly done, see above)", what, safetext.Quote(ch.Name), ch.Error)}
	}
	if ch.Status == result.Failed {
		return fmt.Errorf("%s %s: %s", what, safetext.Quote(ch.Name), ch.Error)
	}
	return nil
}

func value(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return safetext.Escape(string(b))
}

// PropertyRows are a show command's PROPERTY/VALUE rows for the keys of props that are present, in order: a
// nested object gives one row per member ("outOfBoxExperienceSetting.userType"), @odata annotations left out.
func PropertyRows(props map[string]any, keys []string) [][]string {
	var rows [][]string
	for _, k := range keys {
		v, ok := props[k]
		if !ok {
			continue
		}
		m, nested := v.(map[string]any)
		if !nested {
			rows = append(rows, []string{k, value(v)})
			continue
		}
		rows = append(rows, PropertyRows(prefixed(k, m))...)
	}
	return rows
}

// prefixed is m's members under dotted keys, and the keys in order, without @odata annotations.
func prefixed(prefix string, m map[string]any) (map[string]any, []string) {
	out, keys := map[string]any{}, []string{}
	for k, v := range m {
		if !strings.HasPrefix(k, "@odata.") {
			out[prefix+"."+k] = v
			keys = append(keys, prefix+"."+k)
		}
	}
	slices.Sort(keys)
	return out, keys
}

// Targets joins group targets for a table cell.
func Targets(ts []enrollment.Target) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.String())
	}
	return strings.Join(s, ", ")
}

// errNoFlags is returned by update when nothing was asked.
var errNoFlags = errors.New("nothing to change: give a setting flag or -f FILE")
