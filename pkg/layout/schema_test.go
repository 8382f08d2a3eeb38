package layout

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/schema/autopilot.schema.json")

// TestSchemaIsCurrent fails when the shipped schema is not what the code generates; refresh it with
// go test ./pkg/layout -run TestSchemaIsCurrent -update.
func TestSchemaIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "schema", "autopilot.schema.json")
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is stale: run go test ./pkg/layout -run TestSchemaIsCurrent -update", path)
	}
}
