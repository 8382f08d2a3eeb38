package esp

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// A priority past the last place is refused before anything is sent: the service would clamp it.
func TestPriorityPastTheLastPlaceIsRefused(t *testing.T) {
	e := tenant(t)
	others := 0
	for _, c := range e.Mock.Snapshot().ESPs {
		if !c.IsDefault {
			others++
		}
	}
	e.Mock.ResetLog()
	past := strconv.Itoa(others + 2)
	want := fmt.Sprintf("--priority: priority %d is past the last place: the tenant has %d Enrollment Status Pages besides the default, so a new one takes 1 to %d\n", others+2, others, others+1)
	if code := run(e, "create", "ESP C", "--priority", past); code != 2 || !strings.Contains(e.Stderr.String(), want) || len(e.Writes()) != 0 {
		t.Fatalf("create: exit %d %s %v", code, e.Stderr, writes(e))
	}
	if code := run(e, "create", "ESP C", "--priority", strconv.Itoa(others+1)); code != 0 || show(t, e, "ESP C")["priority"] != float64(others+1) {
		t.Fatalf("last place: exit %d %s", code, e.Stderr)
	}
	e.Mock.ResetLog()
	want = fmt.Sprintf("argument 2: priority %d is past the last place: the tenant has %d Enrollment Status Pages besides the default, so it takes 1 to %d\n", others+2, others+1, others+1)
	if code := run(e, "set-priority", "ESP C", past); code != 2 || !strings.Contains(e.Stderr.String(), want) || len(e.Writes()) != 0 {
		t.Errorf("set-priority: exit %d %s %v", code, e.Stderr, writes(e))
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An ESP created whose setPriority then fails: the report says it exists and what was not done; exit 3.
func TestCreateFailingAfterTheESPExists(t *testing.T) {
	e := tenant(t)
	next := e.Mock.Client().Transport
	e.Factory.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/setPriority") {
			return &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
		return next.RoundTrip(r)
	})}
	code := run(e, "create", "ESP C", "--priority", "1", "--assign", "Autopilot - Sales")
	id := ""
	for _, c := range e.Mock.Snapshot().ESPs {
		if c.Props["displayName"] == "ESP C" {
			id = c.ID
		}
	}
	want := `done: created ESP "ESP C" (` + id + `); not done: priority 1; assignment to Autopilot - Sales` + "\n"
	if code != 3 || id == "" || !strings.Contains(e.Stderr.String(), want) || strings.Contains(e.Stderr.String(), "assignments:") {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
}
