package iostreams

import "testing"

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

// Progress draws nothing on a pipe, and its methods are safe to call.
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
