package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// StateEnv names the file `--mock` keeps its demo tenant in, instead of the user's cache directory.
const StateEnv = "AUTOPILOTCTL_MOCK_STATE"

// maxStateBytes caps the state file read back: a demo tenant of thousands of devices with their hashes is
// a few megabytes.
const maxStateBytes = 64 << 20

// lockPoll is how often a waiting --mock command tries the lock again.
const lockPoll = 100 * time.Millisecond

// StatePath is where the `--mock` demo tenant is kept: $AUTOPILOTCTL_MOCK_STATE, else
// <user cache dir>/autopilotctl/mock-tenant.json.
func StatePath(env func(string) string) (string, error) {
	if p := env(StateEnv); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("--mock keeps its demo tenant in your cache directory, which is unknown here (%v): set %s to a file path", err, StateEnv)
	}
	return filepath.Join(dir, "autopilotctl", "mock-tenant.json"), nil
}

// StateError is a demo tenant file that cannot be used; `mock reset` is the way out.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("the demo tenant in %s cannot be read: %v; run 'autopilotctl mock reset' to start over", e.Path, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

// DemoTenant is the `--mock` tenant held by one command: the state file is locked from OpenDemoTenant to
// Close, so a second command waits for the first instead of losing its changes.
type DemoTenant struct {
	Path   string
	Server *graphmock.Server
	lock   *flock.Flock
}

// OpenDemoTenant locks the state file at path and builds the mock from it; with no file yet, the mock
// starts from the demo seed. opts' Seed is ignored. While another command holds the lock it waits (until
// ctx ends), saying so once on waiting.
func OpenDemoTenant(ctx context.Context, path string, opts graphmock.Options, waiting io.Writer) (*DemoTenant, error) {
	lock, err := lockState(ctx, path, waiting)
	if err != nil {
		return nil, err
	}
	t := &DemoTenant{Path: path, lock: lock}
	st, err := readState(path)
	if err == nil {
		opts.Seed = nil
		if st == nil {
			opts.Seed = graphmock.DemoSeed()
		}
		t.Server = graphmock.New(opts)
		if st != nil {
			err = t.Server.Restore(st)
		}
	}
	if err != nil {
		lock.Unlock()
		return nil, &StateError{Path: path, Err: err}
	}
	return t, nil
}

// Close saves the tenant (atomically: a crash leaves the old file or the new one) and releases the lock.
// The caller has stopped serving requests.
func (t *DemoTenant) Close() error {
	defer t.lock.Unlock()
	b, err := json.Marshal(t.Server.Snapshot())
	if err == nil {
		err = safefile.WriteFile(t.Path, b, 0o600)
	}
	if err != nil {
		return fmt.Errorf("saving the demo tenant to %s: %w", t.Path, err)
	}
	return nil
}

// ResetDemoTenant removes the state file at path, once no command holds it, so the next --mock command
// starts from the demo seed. A missing file is already reset.
func ResetDemoTenant(ctx context.Context, path string, waiting io.Writer) error {
	lock, err := lockState(ctx, path, waiting)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return &safefile.NotRegularError{Path: path, Mode: fi.Mode()}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// lockState takes the lock file next to path (creating the directory), waiting while another command holds it.
func lockState(ctx context.Context, path string, waiting io.Writer) (*flock.Flock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keeping the demo tenant: %w", err)
	}
	lock := flock.New(path + ".lock")
	ok, err := lock.TryLock()
	if err == nil && !ok {
		fmt.Fprintf(waiting, "Waiting for another autopilotctl --mock command to finish with the demo tenant (%s)…\n", path)
		ok, err = lock.TryLockContext(ctx, lockPoll)
	}
	if err != nil || !ok {
		return nil, fmt.Errorf("locking the demo tenant %s: %w", path, errors.Join(err, ctx.Err()))
	}
	return lock, nil
}

// readState reads the state file; nil, nil when there is none yet.
func readState(path string) (*graphmock.State, error) {
	raw, err := safefile.ReadFile(path, maxStateBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var st graphmock.State
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("not a demo tenant: %v", err)
	}
	return &st, nil
}
