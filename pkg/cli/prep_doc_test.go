package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// exitNote is a command's expected exit code, written after it in the docs: "  # exits 2: …".
var exitNote = regexp.MustCompile(`^(autopilotctl .*?)\s+# exits (\d+)\b.*$`)

// TestDevicePreparationDoc runs the commands of docs/device-preparation.md exactly as written, block by block
// in order, against the real Main on the --mock demo tenant. A command followed by "# exits N" must exit N;
// every other line must succeed.
func TestDevicePreparationDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/device-preparation.md")
	if err != nil {
		t.Fatal(err)
	}
	var script, files strings.Builder
	blocks := 0
	for i, part := range strings.Split(string(doc), "```sh\n")[1:] {
		body, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatalf("block %d is not closed", i+1)
		}
		var lines []string
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			if m := exitNote.FindStringSubmatch(line); m != nil {
				line = fmt.Sprintf(`if %s; then rc=0; else rc=$?; fi; [ "$rc" = %s ] || { echo "exit $rc, want %s: %s" >&2; exit 1; }`, m[1], m[2], m[2], strings.ReplaceAll(m[1], `"`, `'`))
			}
			lines = append(lines, line)
		}
		blocks++
		name := fmt.Sprintf("block%02d.sh", blocks)
		fmt.Fprintf(&script, "exec sh -eu %s\n", name)
		fmt.Fprintf(&files, "-- %s --\n%s\n", name, strings.Join(lines, "\n"))
	}
	if blocks < 8 {
		t.Fatalf("only %d sh blocks found", blocks)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "device-preparation.txtar"), []byte(script.String()+files.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{Dir: dir, Setup: func(env *testscript.Env) error {
		env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
		return nil
	}})
}
