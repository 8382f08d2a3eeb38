package layout

import (
	"strings"
	"testing"
)

// A group the file no longer lists but still assigns (here, to the profile and the ESP) is in use: --prune
// leaves it, and the same file plans cleanly afterwards.
func TestPruneKeepsGroupsTheFileStillUses(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, oneOfEach))
	file := writeFile(t, strings.Replace(oneOfEach, "  - displayName: AP Sales\n    groupTag: Sales\n", "", 1))
	if code := run(e, NewCmdPlan, "-f", file, "--prune"); code != 0 {
		t.Fatalf("plan --prune: exit %d\n%s", code, e.Stderr)
	}
	if out := e.Stdout.String(); strings.Contains(out, `delete group "AP Sales"`) {
		t.Errorf("plan --prune would delete a group the file assigns:\n%s", out)
	}
}
