package graph

import (
	"os"
	"path/filepath"
)

// clearPersistentCache removes the DPAPI-encrypted token cache azidentity/cache keeps on Windows under
// %LOCALAPPDATA%\.IdentityService (os.UserCacheDir is %LocalAppData%).
func clearPersistentCache() error {
	dir, err := os.UserCacheDir()
	if err != nil {
		return err
	}
	return removeCacheFiles(filepath.Join(dir, ".IdentityService"))
}
