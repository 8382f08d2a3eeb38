package graph

import (
	"os"
	"path/filepath"
	"testing"
)

// On Linux the cache is encrypted data under $XDG_CACHE_HOME/.IdentityService; logout removes it and its lock,
// and leaves other apps' caches alone.
func TestClearPersistentCacheRemovesOnlyOurFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	ids := filepath.Join(dir, ".IdentityService")
	os.MkdirAll(ids, 0o700)
	ours := []string{"autopilotctl", "autopilotctl.lockfile", "autopilotctl.cae", "autopilotctl.cae.lockfile"}
	for _, f := range append(ours, "msal.cache") {
		os.WriteFile(filepath.Join(ids, f), []byte("x"), 0o600)
	}
	if err := clearPersistentCache(); err != nil {
		t.Fatal(err)
	}
	for _, f := range ours {
		if _, err := os.Stat(filepath.Join(ids, f)); !os.IsNotExist(err) {
			t.Errorf("%s still there", f)
		}
	}
	if _, err := os.Stat(filepath.Join(ids, "msal.cache")); err != nil {
		t.Errorf("another app's cache removed: %v", err)
	}
	if err := clearPersistentCache(); err != nil {
		t.Errorf("second clear: %v", err)
	}
}
