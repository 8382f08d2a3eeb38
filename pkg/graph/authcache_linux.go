package graph

import (
	"os"
	"path/filepath"
)

// clearPersistentCache removes the token cache azidentity/cache keeps on Linux: data encrypted with a key held
// in the kernel keyring, written under $XDG_CACHE_HOME (or ~/.cache)/.IdentityService. Without the data the key
// opens nothing, and the keyring drops it at shutdown.
func clearPersistentCache() error {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		dir = filepath.Join(home, ".cache")
	}
	return removeCacheFiles(filepath.Join(dir, ".IdentityService"))
}
