package device

import (
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"testing"
)

// A PowerShell or CSV habit: serial numbers joined by commas are one argument, which no device has. Every
// device command that takes serial numbers says they are separate arguments, and changes nothing.
func TestSerialsJoinedByCommasAreToldToBeSeparateArguments(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("DEMO-0004", "Sales"), tagged("DEMO-0005", "Sales"))
	const (
		notFound = `no Autopilot device has serial number "DEMO-0004,DEMO-0005"`
		hint     = "serial numbers are separate arguments, not one joined by commas: DEMO-0004 DEMO-0005"
		partial  = "1 of 1 devices did not end as asked; the report above says why\n"
	)
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"tag", "DEMO-0004,DEMO-0005", "--group-tag", "X"}, 3,
			lines("DEMO-0004,DEMO-0005\t\tX\tnotFound\t" + notFound + "; " + hint), "1 device: 1 notFound\n" + partial},
		{[]string{"delete", "DEMO-0004, DEMO-0005", "--yes"}, 3,
			lines("DEMO-0004, DEMO-0005\t\tnotFound\t" + `no Autopilot device has serial number "DEMO-0004, DEMO-0005"; ` + hint), "1 device: 1 notFound\n" + partial},
		{[]string{"show", "DEMO-0004,DEMO-0005"}, 1, "", "error: " + notFound + "; " + hint + "\n"},
		{[]string{"unassign-user", "DEMO-0004,DEMO-0005"}, 1, "", "error: " + notFound + "; " + hint + "\n"},
		{[]string{"diagnose", "DEMO-0004,DEMO-0005"}, 2,
			lines("DEMO-0004,DEMO-0005\tregistered\tproblem\t"+notFound+" in this tenant\t"+hint,
				"DEMO-0004,DEMO-0005\timportRecord\tproblem\tno import record for this serial number either: it was never imported, or its record was cleaned up\timport its hardware hash: autopilotctl device import HASHES.csv"),
			"error: 1 serial number or id names no registered device in this tenant\n"},
	} {
		env.Mock.ResetLog()
		got := runCmd(env, tc.args...)
		if got.code != tc.code || got.stdout != tc.stdout || got.stderr != tc.stderr {
			t.Errorf("device %v: %v\nwant exit %d\nstdout:\n%s\nstderr:\n%s", tc.args, got, tc.code, tc.stdout, tc.stderr)
		}
		if w := env.Writes(); len(w) > 0 {
			t.Errorf("device %v wrote %+v", tc.args, w)
		}
	}
}
