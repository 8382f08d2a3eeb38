package runlock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTakeIsExclusiveAndReleaseLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := TenantPath(dir, "apply", "Graph.Microsoft.com", "T1")
	if path != TenantPath(dir, "apply", "graph.microsoft.com", "t1") || filepath.Base(path)[:6] != "apply-" {
		t.Fatalf("path %s: not one per tenant and host regardless of case, or not named for its purpose", path)
	}
	if TenantPath(dir, "import", "h", "t") == TenantPath(dir, "apply", "h", "t") {
		t.Fatal("import and apply share a lock")
	}
	busy := errors.New("busy")
	l, err := Take(path, func() error { return busy })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Take(path, func() error { return busy }); err != busy {
		t.Fatalf("second Take: %v, want busy", err)
	}
	l.Release(true)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file after release: %v", err)
	}
	l, err = Take(path, func() error { return busy })
	if err != nil {
		t.Fatalf("Take after release: %v", err)
	}
	l.Release(false)
	var le *Error
	if _, err := Take(filepath.Join(dir, "missing", "x.lock"), func() error { return busy }); !errors.As(err, &le) {
		t.Fatalf("lock in a missing directory: %v, want *Error", err)
	}
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), link); err != nil {
		t.Fatal(err)
	}
	if _, err := Take(link, func() error { return busy }); !errors.As(err, &le) {
		t.Fatalf("lock at a symbolic link: %v, want *Error", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the link's target was created")
	}
}
