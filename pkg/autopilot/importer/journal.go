package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Journal is the record of one import run, written after every step, so that an interrupted run (Ctrl-C, kill,
// lost network) continues with --resume without submitting a device twice, and ends with the same report.
type Journal struct {
	Version int      `json:"version"`
	Files   []string `json:"files"`
	Digest  string   `json:"digest"` // sha256 of the files' bytes: resume refuses changed input
	// RunID is sent as every device's importId, so that this run's import records can be told from other
	// admins' and from earlier imports of the same serial numbers.
	RunID string `json:"runId"`
	// Overrides are the --group-tag/--assigned-user values the devices were sent with; resume keeps them.
	Overrides Overrides                 `json:"overrides"`
	Devices   map[string]*JournalDevice `json:"devices"`
	Path      string                    `json:"-"`
}

// JournalDevice is one serial's progress.
type JournalDevice struct {
	// Submitting is set before the import request leaves and cleared when its answer is recorded; a resumed run
	// finds such devices among the service's import records before it would submit them again.
	Submitting        bool   `json:"submitting,omitempty"`
	RecordID          string `json:"recordId,omitempty"`
	Status            Status `json:"status,omitempty"`
	ErrorCode         int    `json:"errorCode,omitempty"`
	ErrorName         string `json:"errorName,omitempty"`
	AutopilotDeviceID string `json:"autopilotDeviceId,omitempty"`
	Message           string `json:"message,omitempty"` // why a whole request was refused
	RecordDeleted     bool   `json:"recordDeleted,omitempty"`
	// CleanupError is why the service refused to delete the import record; the run stops waiting for it.
	CleanupError string `json:"cleanupError,omitempty"`
}

// Overrides records the flags that change what is sent; nil means "from the file".
type Overrides struct {
	GroupTag     *string `json:"groupTag,omitempty"`
	AssignedUser *string `json:"assignedUser,omitempty"`
}

func (o Overrides) equal(p Overrides) bool {
	same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return same(o.GroupTag, p.GroupTag) && same(o.AssignedUser, p.AssignedUser)
}

const journalVersion = 1

// DefaultJournalPath sits next to the first CSV.
func DefaultJournalPath(firstCSV string) string {
	return firstCSV + ".autopilotctl-journal.json"
}

// DigestFiles hashes the input files in order.
func DigestFiles(paths []string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LoadJournal reads a journal; a missing file is (nil, nil).
func LoadJournal(path string) (*Journal, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("%s: not an autopilotctl journal: %w", path, err)
	}
	if j.Version != journalVersion {
		return nil, fmt.Errorf("%s: journal version %d, this autopilotctl writes version %d", path, j.Version, journalVersion)
	}
	if j.Devices == nil {
		j.Devices = map[string]*JournalDevice{}
	}
	j.Path = path
	return &j, nil
}

// Save writes the journal atomically: a crash leaves the old or the new journal, never half of one.
func (j *Journal) Save() error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(j.Path), ".autopilotctl-journal-*")
	if err != nil {
		return fmt.Errorf("writing journal: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing journal: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing journal: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), j.Path)
}

// Finished reports whether every device in the journal has a final answer and no import record left behind.
func (j *Journal) Finished() bool {
	for _, d := range j.Devices {
		if !d.Status.Final() || d.awaitingCleanup() {
			return false
		}
	}
	return true
}

// awaitingCleanup reports a settled device whose import record is still to be deleted.
func (d *JournalDevice) awaitingCleanup() bool {
	return d.Status.Final() && d.RecordID != "" && !d.RecordDeleted && d.CleanupError == ""
}

// String describes the overrides as the flags that set them.
func (o Overrides) String() string {
	var parts []string
	if o.GroupTag != nil {
		parts = append(parts, fmt.Sprintf("--group-tag %q", *o.GroupTag))
	}
	if o.AssignedUser != nil {
		parts = append(parts, fmt.Sprintf("--assigned-user %q", *o.AssignedUser))
	}
	if len(parts) == 0 {
		return "neither was given"
	}
	return strings.Join(parts, " ")
}
