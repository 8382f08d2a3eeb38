package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// walkthroughCommands are the command lines of docs/walkthrough.md's ```sh blocks, in order.
func walkthroughCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../docs/walkthrough.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			in = line == "```sh"
		case in && strings.TrimSpace(line) != "":
			if !strings.HasPrefix(line, "autopilotctl ") {
				t.Fatalf("walkthrough: %q is not an autopilotctl command", line)
			}
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// TestWalkthrough runs exactly the commands of docs/walkthrough.md, as written, against the real Main on
// --mock, and checks the end state the page describes.
func TestWalkthrough(t *testing.T) {
	cmds := walkthroughCommands(t)
	if len(cmds) < 9 {
		t.Fatalf("only %d commands found", len(cmds))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString("cd $REPO\n")
	// What the page says the checks show: the device has the Marketing profile, which holds the ten devices.
	checks := map[string][]string{
		"autopilotctl --mock device show DEMO-0001":  {`stdout '^deploymentProfileAssignmentStatus\tassigned'`, `stdout '^deploymentProfile\tAutopilot Marketing \('`},
		"autopilotctl --mock profile list --devices": {`stdout '^Autopilot Marketing\tuser-driven\tentra\t.*\tAutopilot - Marketing\t10$'`},
	}
	for _, c := range cmds {
		script.WriteString("exec " + c + "\n")
		for _, check := range checks[c] {
			script.WriteString(check + "\n")
		}
		delete(checks, c)
	}
	if len(checks) > 0 {
		t.Fatalf("the walkthrough no longer has the commands %v", checks)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "walkthrough.txtar"), []byte(script.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{Dir: dir, Setup: func(env *testscript.Env) error {
		env.Setenv("REPO", root)
		env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
		env.Setenv("AUTOPILOTCTL_MOCK_PROCESS_DELAY", "0s")
		return nil
	}})
}
