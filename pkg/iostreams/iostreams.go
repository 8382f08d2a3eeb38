// Package iostreams owns the process's standard streams: where data goes (stdout), where messages and progress
// go (stderr), whether each stream is a terminal, whether colour is allowed, and prompting when one can be answered.
package iostreams

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// IOStreams is passed to every command; tests build one with Test.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool
	// termWidth is the terminal's width in columns, asked of the terminal on each call unless a test set one.
	termWidth func() int
}

// System returns the process's streams with terminal detection. A non-empty NO_COLOR switches colour off
// (no-color.org).
func System() *IOStreams {
	noColor := os.Getenv("NO_COLOR") != ""
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		noColor:   noColor || os.Getenv("TERM") == "dumb",
		termWidth: func() int {
			return terminalWidth(os.Getenv("COLUMNS"), func() (int, int, error) { return term.GetSize(int(os.Stdout.Fd())) })
		},
	}
}

// terminalWidth is COLUMNS when it holds a positive number (as shells, less and many CLIs honour it: a user
// can fit tables to a pane narrower than the terminal), else the width the terminal reports, else 0.
func terminalWidth(columns string, size func() (int, int, error)) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	w, _, err := size()
	if err != nil {
		return 0
	}
	return w
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, noColor: true}, in, out, errOut
}

// SetTTY marks the streams as terminals or not (tests use it to exercise the human paths).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetColorEnabled switches colour on or off (tests; System decides from NO_COLOR and TERM).
func (s *IOStreams) SetColorEnabled(on bool) { s.noColor = !on }

// SetTerminalWidth fixes the terminal width tables are fitted to (tests).
func (s *IOStreams) SetTerminalWidth(columns int) { s.termWidth = func() int { return columns } }

// TerminalWidth is the width in columns of the terminal stdout is, 0 when it is not one or cannot say.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY || s.termWidth == nil {
		return 0
	}
	return s.termWidth()
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// CanPrompt is true only when a person can both see the question and answer it.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// ColorEnabled is true on a terminal stdout unless NO_COLOR is set.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// Confirm asks a yes/no question on stderr and reads the answer from stdin. Callers check CanPrompt first.
func (s *IOStreams) Confirm(question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N]: ", question)
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
