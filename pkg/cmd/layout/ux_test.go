package layout

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// shorthands is a layout with a group for each rule shorthand: the profile targets three of them, and the
// group by enrollment profile is referred to by nothing (export keeps it: its rule selects Autopilot devices).
const shorthands = `groups:
  - displayName: AP-All
    allAutopilot: true
  - displayName: AP-Enrolled
    enrollmentProfile: Kiosk "front" desk
  - displayName: AP-Kiosk
    groupTag: Kiosk
  - displayName: AP-PO
    purchaseOrder: PO-1
profiles:
  - displayName: Kiosk "front" desk
    mode: user-driven
    assign:
      - AP-All
      - AP-Kiosk
      - AP-PO
`

// exportedGroups is the groups section of an export, ids left out.
func exportedGroups(t *testing.T, e *cmdtest.Env, args ...string) string {
	t.Helper()
	if code := run(e, NewCmdExport, args...); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	out := withoutIDs(e.Stdout.String())
	_, groups, _ := strings.Cut(out, "groups:\n")
	groups, _, _ = strings.Cut(groups, "\nprofiles:")
	return groups
}

func TestExportWritesTheRuleShorthandsApplyWrote(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, shorthands))
	want := `  - displayName: AP-All
    allAutopilot: true
  - displayName: AP-Enrolled
    enrollmentProfile: Kiosk "front" desk
  - displayName: AP-Kiosk
    groupTag: Kiosk
  - displayName: AP-PO
    purchaseOrder: PO-1`
	if got := exportedGroups(t, e, "--include", "groups,profiles"); got != want {
		t.Errorf("export groups:\n%s\nwant:\n%s", got, want)
	}
	noChanges(t, e, writeFile(t, e.Stdout.String()))
}

// A rule typed in the portal the way the shorthand builds it, spaced and cased otherwise and with a bare
// lambda, is still the shorthand; a rule of another shape (a tag prefix, two conditions) stays a rule.
func TestExportRecognisesARetypedRuleAndKeepsOthersAsRules(t *testing.T) {
	e := empty(t)
	for name, r := range map[string]string{
		"Retyped":  `device.devicephysicalids  -any _ -eq "[OrderID]:Lab"`,
		"Prefix":   `(device.devicePhysicalIds -any (_ -startsWith "[OrderID]:Lab"))`,
		"Two tags": `(device.devicePhysicalIds -any (_ -eq "[OrderID]:A")) -or (device.devicePhysicalIds -any (_ -eq "[OrderID]:B"))`,
		"Not ours": `(device.deviceOSType -eq "Windows")`, // a dynamic group, but not an Autopilot one: left out
	} {
		g := rtGroup(name, strings.ReplaceAll(name, " ", ""))
		g["groupTypes"], g["membershipRule"], g["membershipRuleProcessingState"] = []string{"DynamicMembership"}, r, "On"
		e.Send(t, "POST", "/groups", g)
	}
	e.Send(t, "POST", "/groups", rtGroup("Assigned", "assigned"))
	want := `  - displayName: Prefix
    membershipRule: (device.devicePhysicalIds -any (_ -startsWith "[OrderID]:Lab"))
  - displayName: Retyped
    groupTag: Lab
  - displayName: Two tags
    membershipRule: (device.devicePhysicalIds -any (_ -eq "[OrderID]:A")) -or (device.devicePhysicalIds -any (_ -eq "[OrderID]:B"))
`
	if got := exportedGroups(t, e, "--include", "groups"); got != want {
		t.Errorf("export groups:\n%s\nwant:\n%s", got, want)
	}
	noChanges(t, e, writeFile(t, e.Stdout.String()))
}

// --include takes the file's own keys as well as the short words; the groups section alone holds the
// Autopilot groups (none is referred to by an included section).
func TestExportIncludeTakesTheFileKeys(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, shorthands))
	if code := run(e, NewCmdExport, "--include", "groups"); code != 0 || !strings.Contains(e.Stdout.String(), "groupTag: Kiosk") {
		t.Fatalf("export --include groups: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	run(e, NewCmdExport, "--include", "esp,prep,profiles")
	short := e.Stdout.String()
	if code := run(e, NewCmdExport, "--include", "esps,devicePreparation,Profiles"); code != 0 || e.Stdout.String() != short {
		t.Errorf("--include by the file's keys: exit %d\n%s\nwant:\n%s%s", code, e.Stdout, short, e.Stderr)
	}
	if code := run(e, NewCmdExport, "--include", "esps,policies"); code != 2 ||
		e.Stderr.String() != "error: --include \"policies\": give one or more of groups, esp, esps, profiles, prep, devicePreparation\nRun 'autopilotctl export --help' for usage.\n" {
		t.Errorf("bad --include: exit %d\n%s", code, e.Stderr)
	}
}

func TestExportIncludeCompletes(t *testing.T) {
	cmd := NewCmdExport(nil)
	complete := func(typed string) []string {
		fn, ok := cmd.GetFlagCompletionFunc("include")
		if !ok {
			t.Fatal("--include has no completion")
		}
		got, dir := fn(cmd, nil, typed)
		if dir != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace {
			t.Errorf("directive %v", dir)
		}
		return got
	}
	if got, want := complete(""), []string{"groups", "esp", "esps", "profiles", "prep", "devicePreparation"}; !slices.Equal(got, want) {
		t.Errorf("complete \"\": %v, want %v", got, want)
	}
	if got, want := complete("esps,pre"), []string{"esps,groups", "esps,profiles", "esps,prep", "esps,devicePreparation"}; !slices.Equal(got, want) {
		t.Errorf("complete \"esps,pre\": %v, want %v", got, want)
	}
}

// Each command names the formats it takes and refuses the others before anything is sent.
func TestOutputFormatsEachCommandTakes(t *testing.T) {
	e := empty(t)
	file := writeFile(t, shorthands)
	cases := []struct {
		cmd  func(*cmdutil.Factory) *cobra.Command
		args []string
		want string
	}{
		{NewCmdPlan, []string{"-f", file, "-o", "csv"}, "error: autopilotctl plan takes -o table|json|yaml, not csv\n"},
		{NewCmdApply, []string{"-f", file, "--yes", "-o", "csv"}, "error: autopilotctl apply takes -o table|json|yaml, not csv\n"},
		{NewCmdExport, []string{"-o", "csv"}, "error: autopilotctl export takes -o yaml|json, not csv\n"},
		{NewCmdExport, []string{"-o", "table"}, "error: autopilotctl export takes -o yaml|json, not table\n"},
	}
	for _, tc := range cases {
		if code := run(e, tc.cmd, tc.args...); code != 2 || !strings.HasPrefix(e.Stderr.String(), tc.want) || e.Stdout.Len() > 0 {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s\nwant: %s", tc.args, code, e.Stdout, e.Stderr, tc.want)
		}
		if n := len(e.Mock.Requests()); n > 0 {
			t.Errorf("%v: %d requests sent", tc.args, n)
		}
	}
	if code := run(e, NewCmdPlan, "-f", file, "-o", "yaml"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "changes:\n") {
		t.Errorf("plan -o yaml: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	applyOK(t, e, file)
	if code := run(e, NewCmdExport, "-o", "yaml"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "# yaml-language-server: ") {
		t.Errorf("export -o yaml: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

// Without --prune, a plan that finds nothing to change still says that ESPs, profiles and policies apply made
// are no longer in the file, and how many (groups: with --prune, which lists every group).
func TestPlanWithoutPruneCountsObjectsTheFileNoLongerLists(t *testing.T) {
	e := empty(t)
	esp := "esps:\n  - displayName: ESP Old\n"
	applyOK(t, e, writeFile(t, shorthands+esp))
	if code := run(e, NewCmdPlan, "-f", writeFile(t, shorthands+esp)); code != 0 || e.Stderr.String() != "" {
		t.Fatalf("plan of the same file: exit %d\n%s", code, e.Stderr)
	}
	fewer := writeFile(t, strings.Replace(shorthands, "  - displayName: AP-Enrolled\n    enrollmentProfile: Kiosk \"front\" desk\n", "", 1))
	if code := run(e, NewCmdPlan, "-f", fewer); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	if want := "No changes: the tenant matches " + fewer + " (4 objects).\n"; e.Stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", e.Stdout, want)
	}
	if want := "note: 1 object that apply created is no longer in the file (an ESP, profile or policy): `plan --prune` lists it for deletion, with any such groups\n"; e.Stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, want)
	}
	only := writeFile(t, "groups:\n  - displayName: AP-All\n    allAutopilot: true\n")
	if code := run(e, NewCmdPlan, "-f", only, "--prune"); code != 0 || strings.Contains(e.Stderr.String(), "--prune") ||
		!strings.HasSuffix(e.Stdout.String(), "Plan: 0 to create, 0 to update, 0 to replace, 5 to delete; 1 unchanged.\n") {
		t.Errorf("plan --prune: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

// On a terminal, progress counts the objects that change; a profile's mode change is the replace reason.
func TestApplyProgressCountsChangesAndAReplaceNamesTheMode(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, shorthands))
	file := writeFile(t, strings.Replace(shorthands, "mode: user-driven", "mode: self-deploying", 1))
	if code := run(e, NewCmdPlan, "-f", file); code != 0 ||
		!strings.HasPrefix(e.Stdout.String(), "-/+ replace profile \"Kiosk \\\"front\\\" desk\" (") ||
		!strings.Contains(e.Stdout.String(), ")\n    because its mode changes from user-driven to self-deploying\n") {
		t.Errorf("plan: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	e.Factory.IOStreams.SetTTY(true, true, true)
	applyOK(t, e, file)
	if got := progressLines(e.Stderr.String()); !slices.Equal(got, []string{`[1/1] replace profile "Kiosk \"front\" desk"`}) {
		t.Errorf("progress: %q\n%s", got, e.Stderr)
	}
}

func progressLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "[") {
			out = append(out, l)
		}
	}
	return out
}

// -f - reads the layout from standard input; apply then needs --yes, since the answer can't come from there.
func TestLayoutFromStandardInput(t *testing.T) {
	e := empty(t)
	*e.Stdin = *strings.NewReader(shorthands)
	if code := run(e, NewCmdPlan, "-f", "-"); code != 0 || !strings.HasSuffix(e.Stdout.String(), "Plan: 5 to create, 0 to update, 0 to replace, 0 to delete; 0 unchanged.\n") {
		t.Fatalf("plan -f -: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	*e.Stdin = *strings.NewReader(shorthands)
	if code := run(e, NewCmdApply, "-f", "-"); code != 2 ||
		e.Stderr.String() != "error: -f - reads the layout from standard input, so apply can't ask there: pass --yes (or --dry-run)\nRun 'autopilotctl apply --help' for usage.\n" || len(e.Mock.Requests()) > 0 {
		t.Errorf("apply -f - without --yes: exit %d, %d requests\n%s", code, len(e.Mock.Requests()), e.Stderr)
	}
	*e.Stdin = *strings.NewReader(shorthands)
	applyOK(t, e, "-")
	*e.Stdin = *strings.NewReader(shorthands)
	if code := run(e, NewCmdPlan, "-f", "-"); code != 0 || e.Stdout.String() != "No changes: the tenant matches <stdin> (5 objects).\n" {
		t.Errorf("plan -f - after apply: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	*e.Stdin = *strings.NewReader("groups:\n  - displayName: A\n    colour: red\n")
	if code := run(e, NewCmdPlan, "-f", "-"); code != 2 || e.Stderr.String() != "error: <stdin>:3: unknown key \"colour\"\n" {
		t.Errorf("bad layout on stdin: exit %d\n%s", code, e.Stderr)
	}
	*e.Stdin = *strings.NewReader("# " + strings.Repeat("x", 4<<20) + "\n")
	if code := run(e, NewCmdPlan, "-f", "-"); code != 2 || e.Stderr.String() != "error: <stdin> is larger than 4194304 bytes; refusing to read it\n" {
		t.Errorf("a layout over the cap on stdin: exit %d\n%s", code, e.Stderr)
	}
	e.Factory.IOStreams.SetTTY(true, false, false)
	if code := run(e, NewCmdPlan, "-f", "-"); code != 2 || !strings.HasPrefix(e.Stderr.String(), "error: -f -: standard input is a terminal: pipe the layout in") {
		t.Errorf("plan -f - on a terminal: exit %d\n%s", code, e.Stderr)
	}
}

func TestPlanOfAMissingFileNamesItOnce(t *testing.T) {
	e := cmdtest.New(t, graphmock.Options{Seed: &graphmock.Seed{}})
	if code := run(e, NewCmdPlan, "-f", "nope.yaml"); code != 2 || e.Stderr.String() != "error: nope.yaml: no such file\n" {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
}
