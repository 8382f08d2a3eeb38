// Package runlock keeps two runs on one machine from changing the same thing at once: an exclusive lock on
// a file (github.com/gofrs/flock; flock on Unix, LockFileEx on Windows), taken without waiting and held for
// the whole run. The holder removes the file when it is done, so a finished run leaves nothing behind.
package runlock

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"
)

// Lock is a held lock.
type Lock struct{ fl *flock.Flock }

// Error is a lock file that could not be used (its directory, its permissions).
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("lock file %s: %v", e.Path, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// TenantPath is the lock file in dir for one kind of run (purpose: "import", "apply") against one tenant of
// one Graph host; names are compared without case.
func TenantPath(dir, purpose, host, tenant string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(host) + "|" + strings.ToLower(tenant)))
	name := "tenant-" + hex.EncodeToString(sum[:8]) + ".lock"
	if purpose != "import" { // the import lock kept this name before other runs had locks
		name = purpose + "-" + name
	}
	return filepath.Join(dir, name)
}

// Take locks the file at path (made with mode 0600) without waiting. When another process holds it, the
// error is busy()'s; a file that can't be locked is an *Error.
func Take(path string, busy func() error) (*Lock, error) {
	// Opening a symbolic link would create or lock whatever it points to.
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, &Error{Path: path, Err: errors.New("it is a symbolic link; a lock file must be a file of its own (remove the link)")}
	}
	for try := 0; try < 3; try++ {
		fl := flock.New(path, flock.SetPermissions(0o600))
		ok, err := fl.TryLock()
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
		if !ok {
			return nil, busy()
		}
		// A finishing run removes the lock file while holding it: lock again if the file we locked is gone.
		held, err1 := fl.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return &Lock{fl: fl}, nil
		}
		fl.Close()
	}
	return nil, &Error{Path: path, Err: errors.New("its lock file keeps being replaced")}
}

// Release removes the lock file (while still holding it) when remove, and unlocks.
func (l *Lock) Release(remove bool) {
	if remove {
		os.Remove(l.fl.Path())
	}
	l.fl.Close()
}
