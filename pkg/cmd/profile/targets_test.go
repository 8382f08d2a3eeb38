package profile

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
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

// failAt answers 400 to the n-th request (counting from 1) the match selects, from when it is armed.
type failAt struct {
	next  http.RoundTripper
	match func(*http.Request) bool
	n     int
}

func (f *failAt) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.match != nil && f.match(r) {
		if f.n--; f.n == 0 {
			return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
				Body: io.NopCloser(strings.NewReader(`{"error":{"code":"BadRequest","message":"injected failure"}}`))}, nil
		}
	}
	return f.next.RoundTrip(r)
}

func failingTenant(t *testing.T) (*cmdtest.Env, *failAt) {
	seed := graphmock.DemoSeed()
	for _, name := range []string{"G1", "G2"} {
		seed.Groups = append(seed.Groups, map[string]any{"displayName": name, "mailEnabled": false, "mailNickname": strings.ToLower(name), "securityEnabled": true})
	}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	f := &failAt{next: e.Mock.Client().Transport}
	e.Factory.HTTPClient = &http.Client{Transport: f}
	return e, f
}

func assignmentPOST(r *http.Request) bool {
	return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/assignments")
}

// A failure part-way reports what was done and what was not, and exits 3.
func TestAssignFailingPartWay(t *testing.T) {
	e, f := failingTenant(t)
	if code := run(e, "create", "Kiosk", "--mode", "user-driven"); code != 0 {
		t.Fatalf("create: exit %d %s", code, e.Stderr)
	}
	f.match, f.n = assignmentPOST, 2
	code := run(e, "assign", "Kiosk", "G1", "G2", "Autopilot - Sales")
	want := "  assignments: [] → [\"G1\"]\ndone: assigned to G1; not done: assignment to G2; assignment to Autopilot - Sales\n"
	if code != 3 || !strings.Contains(e.Stderr.String(), want) || !strings.Contains(e.Stderr.String(), "Graph answered 400 Bad Request") || !strings.Contains(e.Stderr.String(), "(partly done, see above)\n") {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
	f.match = nil
	// A re-run adds what is missing.
	if code := run(e, "assign", "Kiosk", "G1", "G2", "Autopilot - Sales"); code != 0 ||
		!strings.Contains(e.Stderr.String(), "  assignments: [\"G1\"] → [\"G1\",\"G2\",\"Autopilot - Sales\"]\n") {
		t.Errorf("re-run: exit %d %s", code, e.Stderr)
	}
}

// A replacement failing part-way says what exists now; running the same command again finishes it.
func TestReplaceFailingPartWayIsFinishedByARerun(t *testing.T) {
	e, f := failingTenant(t)
	run(e, "create", "Kiosk", "--mode", "user-driven", "--assign", "G1", "--assign", "G2")
	f.match, f.n = assignmentPOST, 2
	args := []string{"update", "Kiosk", "--mode", "self-deploying", "--replace", "--yes"}
	code := run(e, args...)
	if code != 3 || !strings.Contains(e.Stderr.String(), "done: created the replacement profile \"Kiosk\" (") ||
		!strings.Contains(e.Stderr.String(), "); moved G1; not done: move of G2 to the new profile; delete of the old profile ") ||
		!strings.Contains(e.Stderr.String(), ") still exists: run the same command again to finish the replacement\n") {
		t.Fatalf("exit %d\n%s", code, e.Stderr)
	}
	f.match = nil
	e.Mock.ResetLog()
	if code := run(e, args...); code != 0 || !strings.Contains(e.Stderr.String(), "replaced") {
		t.Fatalf("re-run: exit %d %s %v", code, e.Stderr, writes(e))
	}
	// One POST (G2 moved), its DELETE on the old profile, the old profile's DELETE; nothing created again.
	if got := writes(e); len(got) != 3 || !strings.HasSuffix(got[0], "/assignments") || got[1][:6] != "DELETE" || got[2][:6] != "DELETE" {
		t.Errorf("re-run writes %v", got)
	}
	if code := run(e, "show", "Kiosk", "-o", "json"); code != 0 || strings.Count(e.Stdout.String(), `"kind": "include"`) != 2 {
		t.Errorf("after: exit %d %s%s", code, e.Stdout, e.Stderr)
	}
}

// Unassigning several groups where the second removal fails: the first is reported removed; exit 3.
func TestUnassignFailingPartWay(t *testing.T) {
	e, f := failingTenant(t)
	run(e, "create", "Kiosk", "--mode", "user-driven", "--assign", "G1", "--assign", "G2")
	f.match, f.n = func(r *http.Request) bool { return r.Method == "DELETE" }, 2
	code := run(e, "unassign", "Kiosk", "G1", "G2")
	if code != 3 || !strings.Contains(e.Stderr.String(), "  assignments: [\"G1\",\"G2\"] → [\"G2\"]\ndone: removed G1; not done: removal of G2\n") {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
}
