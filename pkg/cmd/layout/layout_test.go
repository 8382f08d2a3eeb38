package layout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// empty is a tenant with nothing of Autopilot's but what every tenant has (the default ESP).
func empty(t *testing.T) *cmdtest.Env {
	t.Helper()
	return cmdtest.New(t, graphmock.Options{Seed: &graphmock.Seed{}})
}

// run runs one of the layout commands on a fresh log and output.
func run(e *cmdtest.Env, newCmd func(*cmdutil.Factory) *cobra.Command, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	e.Mock.ResetLog()
	return e.Run(newCmd(e.Factory), args...)
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "autopilot.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writes lists the last run's writes as "METHOD path"; binding reads sent as POST are not writes.
func writes(e *cmdtest.Env) []string {
	var out []string
	for _, r := range e.Writes() {
		if !strings.Contains(r.Path, "/retrieve") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// planJSON runs plan -o json and decodes it.
func planJSON(t *testing.T, e *cmdtest.Env, file string, extra ...string) (map[string]any, int) {
	t.Helper()
	code := run(e, NewCmdPlan, append([]string{"-f", file, "-o", "json"}, extra...)...)
	var m map[string]any
	if code == 0 || code == 5 {
		if err := json.Unmarshal([]byte(e.Stdout.String()), &m); err != nil {
			t.Fatalf("plan -o json: %v\n%s", err, e.Stdout)
		}
	}
	return m, code
}

func applyOK(t *testing.T, e *cmdtest.Env, file string, extra ...string) {
	t.Helper()
	if code := run(e, NewCmdApply, append([]string{"-f", file, "--yes"}, extra...)...); code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, e.Stdout, e.Stderr)
	}
}

// noChanges asserts that plan finds the tenant as the file asks, and sends no write.
func noChanges(t *testing.T, e *cmdtest.Env, file string) {
	t.Helper()
	code := run(e, NewCmdPlan, "-f", file, "--detailed-exitcode")
	if code != 0 || !strings.HasPrefix(e.Stdout.String(), "No changes: ") {
		t.Fatalf("plan after apply: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("plan wrote: %v", w)
	}
}

func TestExampleLayoutsApplyToAnEmptyTenantThenPlanNoChanges(t *testing.T) {
	for _, name := range []string{"small-business.yaml", "enterprise.yaml"} {
		t.Run(name, func(t *testing.T) {
			e := empty(t)
			file := filepath.Join("..", "..", "..", "examples", "layouts", name)
			plan, code := planJSON(t, e, file, "--detailed-exitcode")
			if code != 5 {
				t.Fatalf("plan of an empty tenant: exit %d, want 5\n%s", code, e.Stderr)
			}
			if w := writes(e); len(w) > 0 {
				t.Errorf("plan wrote: %v", w)
			}
			t.Logf("summary %v", plan["summary"])
			applyOK(t, e, file)
			noChanges(t, e, file)
		})
	}
}
