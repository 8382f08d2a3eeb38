package autopilot

import "testing"

func TestSeparateSerials(t *testing.T) {
	for in, want := range map[string]string{
		"5CG1":                    "",
		"5CG1,5CG2":               "serial numbers are separate arguments, not one joined by commas: 5CG1 5CG2",
		" 5CG1 , ,5CG2,":          "serial numbers are separate arguments, not one joined by commas: 5CG1 5CG2",
		"A,B,C,D,E,F,G,H,I,J":     "serial numbers are separate arguments, not one joined by commas: A B C D E F G H I J",
		"A,B,C,D,E,F,G,H,I,J,K,L": "serial numbers are separate arguments, not one joined by commas: A B C D E F G H I J …",
		"5CG1,\x1b[2J":            `serial numbers are separate arguments, not one joined by commas: 5CG1 \x1b[2J`,
	} {
		if got := SeparateSerials(in); got != want {
			t.Errorf("SeparateSerials(%q) = %q, want %q", in, got, want)
		}
	}
	err := &NotFoundError{Serial: "5CG1,5CG2"}
	if want := `no Autopilot device has serial number "5CG1,5CG2"; serial numbers are separate arguments, not one joined by commas: 5CG1 5CG2`; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
}
