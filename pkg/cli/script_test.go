package cli

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the real entry point as the `autopilotctl` command in scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"autopilotctl": func() { os.Exit(Main()) }})
}

// TestScripts runs the black-box scripts in testdata/script against the real Main.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
