package iostreams

import (
	"errors"
	"strings"
	"testing"
)

func TestConfirm(t *testing.T) {
	for _, tt := range []struct {
		answer string
		want   bool
	}{{"y\n", true}, {"YES\n", true}, {"n\n", false}, {"\n", false}, {"", false}, {"sure\n", false}} {
		s, in, _, errOut := Test()
		in.WriteString(tt.answer)
		got, err := s.Confirm("Delete 3 devices?")
		if err != nil || got != tt.want || errOut.String() != "Delete 3 devices? [y/N]: " {
			t.Errorf("%q: %v %v %q", tt.answer, got, err, errOut)
		}
	}
}

func TestPromptAndColourNeedATerminal(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() || s.ColorEnabled() {
		t.Error("buffers are not terminals")
	}
	s.SetTTY(true, true, false)
	if s.CanPrompt() {
		t.Error("a prompt on a non-terminal stderr cannot be seen")
	}
	s.SetTTY(true, true, true)
	if !s.CanPrompt() || s.ColorEnabled() { // Test() streams have NO_COLOR semantics
		t.Errorf("prompt %v colour %v", s.CanPrompt(), s.ColorEnabled())
	}
}

// A long run off a terminal gets a plain line at every tenth (and at the start and end), nothing more.
func TestProgressPlainLinesOffTerminalForLongRuns(t *testing.T) {
	s, _, _, errOut := Test()
	p := s.StartProgress("deleting import records", 200)
	for done := 0; done <= 200; done += 7 {
		p.Update(done, "%d of %d deleted", done, 200)
	}
	p.Update(200, "%d of %d deleted", 200, 200)
	p.Stop()
	lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	if len(lines) != 11 || lines[0] != "deleting import records: 0/200, 0 of 200 deleted" ||
		lines[1] != "deleting import records: 21/200, 21 of 200 deleted" || lines[10] != "deleting import records: 200/200, 200 of 200 deleted" {
		t.Errorf("%d lines:\n%s", len(lines), errOut)
	}
}

// Progress of a short run draws nothing on a pipe, and its methods are safe to call.
func TestProgressSilentOffTerminal(t *testing.T) {
	s, _, _, errOut := Test()
	p := s.StartProgress("importing", 10)
	p.Update(5, "%d submitted", 7)
	p.Stop()
	if errOut.Len() != 0 {
		t.Errorf("progress wrote %q to a pipe", errOut)
	}
}

func TestNoColorFromEnvironment(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	for _, tt := range []struct {
		value string
		color bool
	}{{"1", false}, {"", true}} { // no-color.org: present and not empty
		t.Setenv("NO_COLOR", tt.value)
		s := System()
		s.SetTTY(false, true, true)
		if s.ColorEnabled() != tt.color {
			t.Errorf("NO_COLOR=%q: colour %v", tt.value, s.ColorEnabled())
		}
	}
}

// Colour follows NO_COLOR (no-color.org: set and non-empty) and TERM=dumb, and needs a terminal stdout.
func TestColourFollowsNoColor(t *testing.T) {
	for _, tt := range []struct {
		noColor, term string
		tty, want     bool
	}{
		{"", "xterm-256color", true, true},
		{"1", "xterm-256color", true, false},
		{"", "dumb", true, false},
		{"", "xterm-256color", false, false},
	} {
		t.Setenv("NO_COLOR", tt.noColor)
		t.Setenv("TERM", tt.term)
		s := System()
		s.SetTTY(false, tt.tty, false)
		if got := s.ColorEnabled(); got != tt.want {
			t.Errorf("NO_COLOR=%q TERM=%q tty=%v: colour %v", tt.noColor, tt.term, tt.tty, got)
		}
	}
}

func TestTerminalWidthOnlyForATerminal(t *testing.T) {
	s, _, _, _ := Test()
	s.SetTerminalWidth(72)
	if w := s.TerminalWidth(); w != 0 {
		t.Errorf("a buffer has width %d", w)
	}
	s.SetTTY(false, true, false)
	if w := s.TerminalWidth(); w != 72 {
		t.Errorf("width %d, want 72", w)
	}
}

// COLUMNS, when it is a positive number, is the width tables fit; otherwise the terminal's own.
func TestTerminalWidthHonoursCOLUMNS(t *testing.T) {
	size := func() (int, int, error) { return 120, 40, nil }
	noTerminal := func() (int, int, error) { return 0, 0, errors.New("not a terminal") }
	for _, tt := range []struct {
		columns string
		size    func() (int, int, error)
		want    int
	}{
		{"60", size, 60},
		{" 60 ", size, 60},
		{"", size, 120},
		{"0", size, 120},
		{"-5", size, 120},
		{"wide", size, 120},
		{"", noTerminal, 0},
		{"72", noTerminal, 72},
	} {
		if got := terminalWidth(tt.columns, tt.size); got != tt.want {
			t.Errorf("COLUMNS=%q: %d, want %d", tt.columns, got, tt.want)
		}
	}
	// Off a terminal there is no width to fit, whatever COLUMNS says.
	s, _, _, _ := Test()
	s.termWidth = func() int { return terminalWidth("60", size) }
	if got := s.TerminalWidth(); got != 0 {
		t.Errorf("a pipe has width %d", got)
	}
	s.SetTTY(false, true, false)
	if got := s.TerminalWidth(); got != 60 {
		t.Errorf("a terminal with COLUMNS=60 has width %d", got)
	}
}
