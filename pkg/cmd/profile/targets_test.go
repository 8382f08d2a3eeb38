package profile

import (
	"strings"
	"testing"
)

// An assignment whose groupId is not a group id is shown as unreadable (escaped); the list goes on.
func TestUnreadableGroupIDIsListed(t *testing.T) {
	e := tenant(t)
	if code := run(e, "create", "Kiosk", "--mode", "user-driven"); code != 0 {
		t.Fatalf("create: exit %d %s", code, e.Stderr)
	}
	st := e.Mock.Snapshot()
	for i := range st.Profiles {
		if st.Profiles[i].Props["displayName"] == "Kiosk" {
			st.Profiles[i].Assignments = []map[string]any{{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "abc\x1b[2J"}}
		}
	}
	if err := e.Mock.Restore(st); err != nil {
		t.Fatal(err)
	}
	if code := run(e, "list"); code != 0 || !strings.Contains(e.Stdout.String(), `unreadable group id "abc\x1b[2J"`) || !strings.Contains(e.Stdout.String(), "UD - Entra join") {
		t.Errorf("list: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}
