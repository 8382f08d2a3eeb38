package cli

import (
	"strings"
	"testing"
)

// A list with nothing in it prints nothing on a pipe; on a terminal one line on stderr says so instead of a
// lone header; JSON keeps its empty value.
func TestEmptyListsSaySoOnATerminal(t *testing.T) {
	env := mockFactoryEnv(t)
	// A group for the Kiosk tag: then no device of the demo tenant has a warning or a problem.
	if got := run(withBuffers(testFactory(env)), []string{"--mock", "group", "create", "Autopilot - Kiosk", "--group-tag", "Kiosk"}); got.code != 0 {
		t.Fatalf("group create: exit %d: %s", got.code, got.stderr)
	}
	const banner = "Using the embedded mock Graph server"
	tests := []struct {
		args           []string
		tty            bool
		stdout, stderr string
	}{
		{[]string{"prep", "list"}, true, "", "no device-preparation policies\n"},
		{[]string{"prep", "list"}, false, "", ""},
		{[]string{"prep", "list", "-o", "json"}, true, "[]\n", ""},
		{[]string{"device", "diagnose", "--all", "--summary"}, true, "", "no warnings or problems\n6 devices diagnosed: 6 without problems, 0 with problems\n"},
		{[]string{"device", "diagnose", "--all", "--summary"}, false, "", "6 devices diagnosed: 6 without problems, 0 with problems\n"},
		{[]string{"device", "diagnose", "--all", "--summary", "-q", ".findings"}, false, "[]\n", "6 devices diagnosed: 6 without problems, 0 with problems\n"},
	}
	for _, tt := range tests {
		f := withBuffers(testFactory(env))
		f.IOStreams.SetTTY(false, tt.tty, tt.tty)
		got := run(f, append([]string{"--mock"}, tt.args...))
		_, stderr, _ := strings.Cut(got.stderr, "nothing leaves this machine.\n") // after the --mock banner
		if got.code != 0 || got.stdout != tt.stdout || stderr != tt.stderr || !strings.HasPrefix(got.stderr, banner) {
			t.Errorf("%s (terminal %v): exit %d\nstdout %q\nwant   %q\nstderr %q\nwant   %q", strings.Join(tt.args, " "), tt.tty,
				got.code, got.stdout, tt.stdout, got.stderr, tt.stderr)
		}
	}
}

// auth login and logout are about the person's real sign-in: with --mock they are usage errors, and nothing is
// kept or removed.
func TestAuthLoginDoesNotApplyWithMock(t *testing.T) {
	env := mockFactoryEnv(t)
	for _, verb := range []string{"login", "logout"} {
		f := withBuffers(testFactory(env))
		f.IOStreams.SetTTY(true, true, true)
		got := run(f, []string{"--mock", "auth", verb})
		want := "error: auth " + verb + " does not apply with --mock: the embedded mock tenant signs every command in itself (drop --mock to sign in to a real tenant)\n"
		if got.code != 2 || got.stdout != "" || !strings.Contains(got.stderr, want) {
			t.Errorf("--mock auth %s: exit %d\nstdout %q\nstderr %q\nwant   %q", verb, got.code, got.stdout, got.stderr, want)
		}
	}
}
