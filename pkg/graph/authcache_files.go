//go:build linux || windows

package graph

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// removeCacheFiles removes the cache's data and lock files (azidentity/cache names them after the cache, with
// ".cae" for its second cache and ".lockfile" for the lock).
func removeCacheFiles(dir string) error {
	var errs []error
	for _, name := range []string{cacheName, cacheName + ".cae"} {
		for _, suffix := range []string{"", ".lockfile"} {
			if err := os.Remove(filepath.Join(dir, name+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
