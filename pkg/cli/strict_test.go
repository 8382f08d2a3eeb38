package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// A typo or an unbuilt subcommand must fail a script (exit 2) at every level, never print help and exit 0.
func TestUnknownSubcommandsAndStrayArgumentsExit2(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"device", "improt", "x.csv"}, "error: unknown command \"improt\" for \"autopilotctl device\"\n\nDid you mean this?\n\timport\nRun 'autopilotctl device --help' for usage.\n"},
		{[]string{"device", "rename"}, "error: unknown command \"rename\" for \"autopilotctl device\"\nRun 'autopilotctl device --help' for usage.\n"},
		{[]string{"mock", "foo"}, "error: unknown command \"foo\" for \"autopilotctl mock\"\nRun 'autopilotctl mock --help' for usage.\n"},
		{[]string{"completion", "tcsh"}, "error: unknown command \"tcsh\" for \"autopilotctl completion\"\n\nDid you mean this?\n\tbash\n\tfish\n\tzsh\nRun 'autopilotctl completion --help' for usage.\n"},
		{[]string{"auth", "stauts"}, "error: unknown command \"stauts\" for \"autopilotctl auth\"\n\nDid you mean this?\n\tstatus\nRun 'autopilotctl auth --help' for usage.\n"},
		{[]string{"devcie", "list"}, "error: unknown command \"devcie\" for \"autopilotctl\"\n\nDid you mean this?\n\tdevice\nRun 'autopilotctl --help' for usage.\n"},
		{[]string{"help", "device", "improt"}, "error: unknown command \"improt\" for \"autopilotctl device\"\n\nDid you mean this?\n\timport\nRun 'autopilotctl help --help' for usage.\n"},
		{[]string{"version", "extra"}, "error: unknown command \"extra\" for \"autopilotctl version\"\nRun 'autopilotctl version --help' for usage.\n"},
		{[]string{"device", "list", "extra"}, "error: unknown command \"extra\" for \"autopilotctl device list\"\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"auth", "status", "extra"}, "error: unknown command \"extra\" for \"autopilotctl auth status\"\nRun 'autopilotctl auth status --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got := run(withBuffers(testFactory(nil)), tt.args)
			if got.code != 2 || got.stdout != "" || got.stderr != tt.stderr {
				t.Errorf("code %d\nstdout %q\nstderr %q\nwant   %q", got.code, got.stdout, got.stderr, tt.stderr)
			}
		})
	}
}

// A command group named alone still shows its help, and every command in the tree refuses arguments it
// does not declare.
func TestGroupsAloneShowHelpAndEveryCommandDeclaresArgs(t *testing.T) {
	got := run(withBuffers(testFactory(nil)), []string{"device"})
	if got.code != 0 || !strings.Contains(got.stdout, "Available Commands:") {
		t.Errorf("device alone: code %d stdout %q", got.code, got.stdout)
	}
	cmdutil.WalkCommands(NewRootCmd(testFactory(nil)), func(c *cobra.Command) {
		if c.Args == nil {
			t.Errorf("%s accepts any arguments", c.CommandPath())
		}
	})
}

// A command with its own persistent pre-run hook still gets the root's checks (cobra's traverse-run-hooks).
func TestOwnPreRunHookKeepsRootChecks(t *testing.T) {
	f := withBuffers(testFactory(nil))
	ran := false
	c := &cobra.Command{Use: "probe", Args: cobra.NoArgs,
		PersistentPreRunE: func(*cobra.Command, []string) error { ran = true; return nil },
		RunE:              func(*cobra.Command, []string) error { return nil }}
	got := run(f, []string{"-o", "xml", "probe"}, c)
	if got.code != 2 || ran || got.stderr != "error: invalid output format \"xml\": use one of table, json, yaml, csv\nRun 'autopilotctl probe --help' for usage.\n" {
		t.Errorf("code %d ran %v stderr %q", got.code, ran, got.stderr)
	}
}

// Whatever builds an error message, what reaches the terminal has its control and format characters escaped:
// Graph's and the tenant's text can't move the cursor, set the title or flip the text direction.
func TestErrorsReachTheTerminalEscaped(t *testing.T) {
	f := withBuffers(testFactory(nil))
	c := &cobra.Command{Use: "probe", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error {
		return errors.New("group \x1b[2J\x1b]0;owned\x07 \u202eevil\r\nsecond line")
	}}
	got := run(f, []string{"probe"}, c)
	if want := "error: group \\x1b[2J\\x1b]0;owned\\a \\u202eevil\\r\nsecond line\n"; got.code != 1 || got.stderr != want {
		t.Errorf("stderr %q, want %q", got.stderr, want)
	}
}
