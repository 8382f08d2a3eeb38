package layout

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
)

// espOrder is the tenant's ESPs but the default, by priority.
func espOrder(t *testing.T, e *cmdtest.Env) string {
	t.Helper()
	var order []string
	for _, o := range e.Send(t, "GET", espPath+"?$orderby=priority", nil)["value"].([]any) {
		if m := o.(map[string]any); m["priority"].(float64) > 0 {
			order = append(order, m["displayName"].(string))
		}
	}
	return strings.Join(order, ",")
}

// An ESP moved to a later place moves the ones between up, so one placed earlier in the run can shift; and
// --prune closes the gap a deleted ESP leaves. Apply puts every ESP where the file says once all are
// written, so the plan that follows shows no changes.
func TestApplyLeavesEveryESPWhereTheFileSays(t *testing.T) {
	for _, tc := range []struct{ name, before, file, prune, order string }{
		{"a tenant ESP moves past a new one",
			"esps:\n  - displayName: ESP E\n    priority: 1\n  - displayName: ESP F\n    priority: 2\n",
			"esps:\n  - displayName: ESP X\n    priority: 2\n  - displayName: ESP E\n    priority: 3\n", "",
			"ESP F,ESP X,ESP E"},
		{"--prune deletes one before the others' places",
			"esps:\n  - displayName: ESP A\n  - displayName: ESP B\n  - displayName: ESP C\n",
			"esps:\n  - displayName: ESP C\n    priority: 1\n  - displayName: ESP B\n    priority: 2\n", "--prune",
			"ESP C,ESP B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			applyOK(t, e, writeFile(t, tc.before))
			file := writeFile(t, tc.file)
			if tc.prune != "" {
				applyOK(t, e, file, tc.prune)
			} else {
				applyOK(t, e, file)
			}
			if got := espOrder(t, e); got != tc.order {
				t.Errorf("the tenant holds %s, want %s\n%s", got, tc.order, e.Stdout)
			}
			noChanges(t, e, file)
		})
	}
}

// An ESP the file doesn't list that apply moves to keep the file's ESPs at their places is in the report.
func TestApplyReportsESPsItMovesThatTheFileDoesNotList(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "esps:\n  - displayName: SA\n  - displayName: SB\n  - displayName: SX\n"))
	file := writeFile(t, "esps:\n  - displayName: SA\n    priority: 2\n  - displayName: SB\n    priority: 3\n")
	applyOK(t, e, file, "-o", "json")
	var rep struct {
		Objects []struct {
			Name, Status, Message string
			Changes               []struct {
				Field    string
				From, To float64
			}
		}
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range rep.Objects {
		if o.Name == "SX" {
			found = true
			if o.Status != "updated" || o.Message != "not in the file: moved to keep the file's ESPs at their places" ||
				len(o.Changes) != 1 || o.Changes[0].From != 2 || o.Changes[0].To != 1 {
				t.Errorf("SX in the report: %+v", o)
			}
		}
	}
	if !found {
		t.Errorf("SX is not in the report:\n%s", e.Stdout)
	}
	if got := espOrder(t, e); got != "SX,SA,SB" {
		t.Errorf("the tenant holds %s", got)
	}
	noChanges(t, e, file)
}

// Swapping two ESPs' places is one move: the other ESP is already where the file says when apply reaches it,
// and the report says why the plan's change to it wasn't needed.
func TestApplyReportSaysWhyAPlannedChangeWasNotNeeded(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, "esps:\n  - displayName: A\n    priority: 1\n  - displayName: B\n    priority: 2\n"))
	applyOK(t, e, writeFile(t, "esps:\n  - displayName: A\n    priority: 2\n  - displayName: B\n    priority: 1\n"), "-o", "json")
	var rep struct {
		Objects []struct{ Name, Status, Message string }
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range rep.Objects {
		got[o.Name] = o.Status + ": " + o.Message
	}
	if got["B"] != `updated: priority 1 was held by "A", which Intune moves down` || got["A"] != "unchanged: already as the file asks when apply reached it: an earlier change of this run (an ESP taking another's place moves it) or someone else did it" {
		t.Errorf("report: %v", got)
	}
	if order := espOrder(t, e); order != "B,A" {
		t.Errorf("the tenant holds %s", order)
	}
}
