package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	mockcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/mock"
)

// TestMain lets testscript run the real entry point as the `autopilotctl` command in scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"autopilotctl": func() { os.Exit(Main()) }})
}

// TestScripts runs the black-box scripts in testdata/script against the real Main.
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Setup: func(env *testscript.Env) error {
		env.Setenv("EXAMPLES", examples)
		// Each script keeps its own --mock demo tenant (in the user cache directory).
		env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
		// The `mock serve` example exactly as its help shows it.
		env.Setenv("SERVE_EXAMPLE", strings.ReplaceAll(strings.TrimPrefix(mockcmd.ServeExample, "  "), "\n  ", "\n"))
		return nil
	}})
}
