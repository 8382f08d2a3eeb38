package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/runlock"
	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Journal is the record of one import run, written after every step, so that an interrupted run (Ctrl-C, kill,
// lost network) continues without submitting a device twice, and ends with the same report. It is never an
// authority over the tenant: a resumed run adopts and deletes only import records that carry its RunID and the
// serial number the journal names, and ignores entries for devices its inputs don't hold.
type Journal struct {
	Version int      `json:"version"`
	Inputs  []string `json:"files"`  // the inputs as given (paths, or "-" for standard input)
	Digest  string   `json:"digest"` // sha256 of the inputs' bytes: the journal's name, and resume refuses other input
	// RunID is sent as every device's importId, so that this run's import records can be told from other
	// admins' and from earlier imports of the same serial numbers.
	RunID string `json:"runId"`
	// Tenant (the signed-in tenant's id, when known) and GraphHost are where the records live; resuming
	// against another tenant or host is refused instead of waiting for records that are not there.
	Tenant    string `json:"tenant,omitempty"`
	GraphHost string `json:"graphHost,omitempty"`
	// Holder is the process running the import; a second run that finds the journal locked names it.
	Holder *Holder `json:"holder,omitempty"`
	// Overrides are the group tag and user given for every device; resume keeps them.
	Overrides Overrides                 `json:"overrides"`
	Devices   map[string]*JournalDevice `json:"devices"`
	Path      string                    `json:"-"`
}

// Holder identifies the process that holds a journal's lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

func (h *Holder) String() string {
	if h == nil {
		return "another autopilotctl process"
	}
	return fmt.Sprintf("autopilotctl process %d on %s, running since %s", h.PID, h.Host, h.Started.UTC().Format(time.RFC3339))
}

// JournalDevice is one serial's progress.
type JournalDevice struct {
	// Submitting is set before the import request leaves and cleared when its answer is recorded; a resumed run
	// finds such devices among the service's import records before it would submit them again.
	Submitting bool          `json:"submitting,omitempty"`
	RecordID   string        `json:"recordId,omitempty"`
	Status     result.Status `json:"status,omitempty"`
	ErrorCode  int           `json:"errorCode,omitempty"`
	ErrorName  string        `json:"errorName,omitempty"`
	DeviceID   string        `json:"autopilotDeviceId,omitempty"`
	Message    string        `json:"message,omitempty"` // why a whole request was refused, or how the device was settled
	// Tenant holds what the tenant has for an already-registered device, once looked up.
	Tenant        *TenantDevice `json:"tenantDevice,omitempty"`
	RecordDeleted bool          `json:"recordDeleted,omitempty"`
	// CleanupError is why the service refused to delete the import record; the run stops trying.
	CleanupError string `json:"cleanupError,omitempty"`
	// CleanupFailed is why the last delete did not go through (503, no answer); a resumed run tries again.
	CleanupFailed string `json:"cleanupFailed,omitempty"`
}

// TenantDevice is what the tenant holds for a registered device.
type TenantDevice struct {
	ID           string `json:"id,omitempty"` // empty: no device with this serial number was found
	GroupTag     string `json:"groupTag"`
	AssignedUser string `json:"assignedUser"`
	Matches      int    `json:"matches"` // devices with this serial number; more than one cannot be told apart
}

// Overrides records the group tag and user given for every device; nil means "from the file".
type Overrides struct {
	GroupTag     *string `json:"groupTag,omitempty"`
	AssignedUser *string `json:"assignedUser,omitempty"`
}

func (o Overrides) equal(p Overrides) bool {
	same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return same(o.GroupTag, p.GroupTag) && same(o.AssignedUser, p.AssignedUser)
}

// journalVersion 2 added the tenant, Graph host, holder and camelCase statuses; version 1 journals still load.
const journalVersion = 2

// maxJournalBytes caps what is read back: a journal of 100,000 devices is about 20 MB.
const maxJournalBytes = 64 << 20

// JournalPath is where the journal of inputs with digest lives in dir.
func JournalPath(dir, digest string) string {
	return filepath.Join(dir, digest+".json")
}

// DefaultJournalDir is the per-user directory for journals: <user cache dir>/autopilotctl/journals. A cache
// dir because a lost journal costs nothing but the resume (a fresh run reports registered devices as such).
func DefaultJournalDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "autopilotctl", "journals"), nil
}

// LoadJournal reads a journal; a missing file is (nil, nil).
func LoadJournal(path string) (*Journal, error) {
	b, err := safefile.ReadFile(path, maxJournalBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("%s is not an autopilotctl journal: %w", path, err)
	}
	if j.Version < 1 || j.Version > journalVersion {
		return nil, fmt.Errorf("%s: journal version %d, this autopilotctl reads versions 1 to %d", path, j.Version, journalVersion)
	}
	if j.Devices == nil {
		j.Devices = map[string]*JournalDevice{}
	}
	for serial, d := range j.Devices {
		if d == nil {
			delete(j.Devices, serial)
			continue
		}
		d.Status = legacyStatus(d.Status)
	}
	j.Version, j.Path = journalVersion, path
	return &j, nil
}

// legacyStatus reads the statuses version 1 wrote ("already-registered") as today's vocabulary.
func legacyStatus(s result.Status) result.Status {
	switch s {
	case "already-registered":
		return result.AlreadyRegistered
	case "would-import":
		return result.WouldImport
	}
	return s
}

// Save writes the journal atomically: a crash leaves the old or the new journal, never half of one.
func (j *Journal) Save() error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return safefile.WriteFile(j.Path, b, 0o600)
}

// final reports whether a device's status will not change any more.
func final(s result.Status) bool {
	return s == result.Imported || s == result.AlreadyRegistered || s == result.Failed || s == result.Invalid
}

// Finished reports whether every device in the journal has a final answer and no import record left behind
// (records left on purpose, with keepRecords, don't count).
func (j *Journal) Finished(keepRecords bool) bool {
	for _, d := range j.Devices {
		if !final(d.Status) || !keepRecords && d.awaitingCleanup() {
			return false
		}
	}
	return true
}

// awaitingCleanup reports a settled device whose import record is still to be deleted.
func (d *JournalDevice) awaitingCleanup() bool {
	return final(d.Status) && d.RecordID != "" && !d.RecordDeleted && d.CleanupError == ""
}

// lockJournal takes the lock file next to the journal, held for a whole run so that two runs of the same
// input never submit a device twice or delete each other's records; or returns a *LockedError naming the
// holder (read from the journal, which the holder writes right after locking).
func lockJournal(journalPath string) (*runlock.Lock, error) {
	return takeLock(journalPath+".lock", func() error {
		return &LockedError{Path: journalPath, Holder: holderOf(journalPath)}
	})
}

// lockTenant takes the lock on one tenant's imports from this user account, held for a whole run: imports
// into one tenant share its write budget, and the same devices in two differently written files (other line
// endings, say) would otherwise be submitted twice. dir holds the lock file.
func lockTenant(dir, host, tenant string) (*runlock.Lock, error) {
	return takeLock(runlock.TenantPath(dir, "import", host, tenant), func() error {
		return &TenantBusyError{Host: host, Tenant: tenant}
	})
}

// takeLock is runlock.Take with a lock file that can't be used reported as the journal's problem.
func takeLock(path string, busy func() error) (*runlock.Lock, error) {
	l, err := runlock.Take(path, busy)
	var le *runlock.Error
	if errors.As(err, &le) {
		return nil, &JournalError{Path: le.Path, Err: le.Err}
	}
	return l, err
}

// holderOf reads who holds a journal's lock from the journal, which the holder writes right after locking;
// it waits a moment for a holder that has only just locked.
func holderOf(journalPath string) *Holder {
	for try := 0; try < 20; try++ {
		if j, err := LoadJournal(journalPath); err == nil && j != nil && j.Holder != nil {
			return j.Holder
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func currentHolder(now time.Time) *Holder {
	host, _ := os.Hostname()
	return &Holder{PID: os.Getpid(), Host: host, Started: now}
}

// osRemove removes path; one already gone is fine.
func osRemove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// osMkdirAll makes the journal directory, private to the user.
func osMkdirAll(dir string) error { return os.MkdirAll(dir, 0o700) }
