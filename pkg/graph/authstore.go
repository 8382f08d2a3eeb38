package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
)

// cacheName names autopilotctl's entries in the OS credential store, apart from other apps using azidentity.
const cacheName = "autopilotctl"

// recordFile holds the authentication record: who signed in, in which tenant, with which app. It holds no token
// and no secret (those stay in the OS credential store); it only lets a later run find its account there.
const recordFile = "auth-record.json"

// maxRecordFile caps reading the record (it is about 300 bytes).
const maxRecordFile = 64 << 10

// Store is where a person's sign-in is kept between runs: the authentication record in the user configuration
// directory, the tokens in azidentity's persistent cache (Keychain on macOS, DPAPI on Windows, data encrypted
// with a key in the kernel keyring on Linux). Nothing falls back to a plaintext token file.
type Store struct {
	Dir string // the record's directory
	// OpenCache opens the persistent token cache; nil means the OS credential store's. Tests inject one.
	OpenCache func() (azidentity.Cache, error)
	// ClearCache forgets the persistent token cache's contents; nil means the OS credential store's.
	ClearCache func() error

	once     sync.Once
	cache    azidentity.Cache
	cacheErr error
}

// UserStore is the signed-in user's store, under os.UserConfigDir()/autopilotctl.
func UserStore() (*Store, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, err
	}
	return &Store{Dir: filepath.Join(dir, "autopilotctl")}, nil
}

// RecordPath is the record file's path.
func (s *Store) RecordPath() string { return filepath.Join(s.Dir, recordFile) }

// Record reads the kept record; ok is false when there is none.
func (s *Store) Record() (rec azidentity.AuthenticationRecord, ok bool, err error) {
	data, err := safefile.ReadFile(s.RecordPath(), maxRecordFile)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("the kept sign-in cannot be read: %s", oneLine(err))
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("%s is not a sign-in record (%s); `autopilotctl auth logout` removes it",
			shown(s.RecordPath()), oneLine(err))
	}
	return rec, true, nil
}

// saveRecord writes the record atomically, readable by the user only.
func (s *Store) saveRecord(rec azidentity.AuthenticationRecord) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return safefile.WriteFile(s.RecordPath(), append(data, '\n'), 0o600)
}

// Cache opens the persistent token cache once per process. An error says why the OS store cannot be used.
func (s *Store) Cache() (azidentity.Cache, error) {
	s.once.Do(func() {
		open := s.OpenCache
		if open == nil {
			open = openPersistentCache
		}
		s.cache, s.cacheErr = open()
	})
	return s.cache, s.cacheErr
}

// Forget removes the record and the cached tokens; removed says whether there was a record.
func (s *Store) Forget() (removed bool, err error) {
	clear := s.ClearCache
	if clear == nil {
		clear = clearPersistentCache
	}
	rmErr := os.Remove(s.RecordPath())
	removed = rmErr == nil
	if errors.Is(rmErr, fs.ErrNotExist) {
		rmErr = nil
	}
	if rmErr != nil {
		rmErr = fmt.Errorf("removing the sign-in record: %s", oneLine(rmErr))
	}
	if cerr := clear(); cerr != nil {
		return removed, errors.Join(rmErr, fmt.Errorf("clearing the token cache: %s", oneLine(cerr)))
	}
	return removed, rmErr
}

// kept is the record `auth login` kept, when it fits this run's cloud, tenant and app.
func (o AuthOptions) kept() (azidentity.AuthenticationRecord, error) {
	var rec azidentity.AuthenticationRecord
	if o.Store == nil {
		return rec, errors.New("no kept sign-in here")
	}
	rec, ok, err := o.Store.Record()
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, errors.New("no kept sign-in (`autopilotctl auth login` keeps one)")
	}
	if want := o.Cloud.Authority.ActiveDirectoryAuthorityHost; want != "" && hostOf(rec.Authority) != hostOf(want) {
		return rec, fmt.Errorf("the kept sign-in is for %s, not --cloud %s", shown(hostOf(rec.Authority)), o.Cloud.Name)
	}
	// A tenant given by name (contoso.onmicrosoft.com) cannot be compared with the record's id; Entra ID decides.
	if t := o.tenant(); IsGUID(t) && !strings.EqualFold(t, rec.TenantID) {
		return rec, fmt.Errorf("the kept sign-in is for tenant %s, not %s", shown(rec.TenantID), t)
	}
	if o.ClientID != "" && !strings.EqualFold(o.ClientID, rec.ClientID) {
		return rec, fmt.Errorf("the kept sign-in used app %s, not --client-id %s", shown(rec.ClientID), shown(o.ClientID))
	}
	return rec, nil
}

func (o AuthOptions) keptSkip() string {
	if _, err := o.kept(); err != nil {
		return err.Error()
	}
	return ""
}

func hostOf(authority string) string {
	u, err := url.Parse(authority)
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimSuffix(authority, "/"))
	}
	return strings.ToLower(u.Host)
}
