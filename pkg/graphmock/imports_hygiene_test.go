package graphmock

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The mock must stay independent of the client it checks (a mistake made twice would hide) and must not pull
// the testing package into the binary: its production files may import nothing from this module but
// pkg/rule, and not "testing".
func TestProductionImports(t *testing.T) {
	const module = "github.com/autopilotctl/autopilotctl/"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "testing" || strings.HasPrefix(path, module) && path != module+"pkg/rule" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files; is the test running in pkg/graphmock?", checked)
	}
}
