package esp

import (
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
)

// setAssignments gives the ESP named these assignment targets in the mock, as the admin center would.
func setAssignments(t *testing.T, e *cmdtest.Env, name string, targets ...map[string]any) {
	t.Helper()
	st := e.Mock.Snapshot()
	for i := range st.ESPs {
		if st.ESPs[i].Props["displayName"] == name {
			st.ESPs[i].Assignments = targets
		}
	}
	if err := e.Mock.Restore(st); err != nil {
		t.Fatal(err)
	}
}

const allUsersType = "#microsoft.graph.allLicensedUsersAssignmentTarget"

// A target kind the tool does not manage is sent back as read in the merged set, and shown by name.
func TestAllUsersTargetSurvivesAssignAndUnassign(t *testing.T) {
	e := tenant(t)
	if code := run(e, "create", "ESP U"); code != 0 {
		t.Fatalf("create: exit %d %s", code, e.Stderr)
	}
	setAssignments(t, e, "ESP U", map[string]any{"@odata.type": allUsersType})
	if code := run(e, "list"); code != 0 || !strings.Contains(e.Stdout.String(), "\tAll users\n") {
		t.Errorf("list: exit %d\n%s", code, e.Stdout)
	}
	e.Mock.ResetLog()
	if code := run(e, "assign", "ESP U", "Autopilot - Sales"); code != 0 || len(e.Writes()) != 1 {
		t.Fatalf("assign: exit %d %s %v", code, e.Stderr, writes(e))
	}
	sales := groupID(t, e, "Autopilot - Sales")
	got := mustJSON(body(t, e, 0))
	if !strings.Contains(got, `"@odata.type":"`+allUsersType+`"`) || !strings.Contains(got, `"groupId":"`+sales+`"`) || strings.Contains(got, `"groupId":""`) {
		t.Errorf("assign body %s", got)
	}
	if got := mustJSON(show(t, e, "ESP U")["assignments"]); got != `[{"kind":"allUsers"},{"groupId":"`+sales+`","groupName":"Autopilot - Sales","kind":"include"}]` {
		t.Errorf("after assign: %s", got)
	}
	e.Mock.ResetLog()
	if code := run(e, "unassign", "ESP U", "Autopilot - Sales"); code != 0 {
		t.Fatalf("unassign: exit %d %s", code, e.Stderr)
	}
	if got := mustJSON(body(t, e, 0)); !strings.Contains(got, allUsersType) || strings.Contains(got, "groupId") {
		t.Errorf("unassign body %s", got)
	}
	if got := mustJSON(show(t, e, "ESP U")["assignments"]); got != `[{"kind":"allUsers"}]` {
		t.Errorf("after unassign: %s", got)
	}
}

// An assignment whose groupId is not a group id is shown as unreadable (escaped); the list goes on.
func TestUnreadableGroupIDIsListed(t *testing.T) {
	e := tenant(t)
	run(e, "create", "ESP U")
	setAssignments(t, e, "ESP U", map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "abc\x1b[2J"})
	if code := run(e, "list"); code != 0 || !strings.Contains(e.Stdout.String(), `ESP U`) || !strings.Contains(e.Stdout.String(), `unreadable group id "abc\x1b[2J"`) ||
		!strings.Contains(e.Stdout.String(), "ESP - Autopilot") {
		t.Errorf("list: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if code := run(e, "show", "ESP U"); code != 0 || !strings.Contains(e.Stdout.String(), `unreadable group id "abc\x1b[2J"`) {
		t.Errorf("show: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}
