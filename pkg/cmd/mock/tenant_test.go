package mock

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// groupTags lists the demo tenant's devices as "serial=tag".
func groupTags(t *testing.T, s *graphmock.Server) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/beta/deviceManagement/windowsAutopilotDeviceIdentities", nil))
	var body struct {
		Value []struct{ SerialNumber, GroupTag string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var out []string
	for _, d := range body.Value {
		out = append(out, d.SerialNumber+"="+d.GroupTag)
	}
	return out
}

// retag sets the group tag of the demo tenant's first device.
func retag(t *testing.T, s *graphmock.Server, tag string) {
	t.Helper()
	id := "" // the first device's id
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1", nil))
	var body struct{ Value []struct{ ID string } }
	json.Unmarshal(rec.Body.Bytes(), &body)
	id = body.Value[0].ID
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/beta/deviceManagement/windowsAutopilotDeviceIdentities/"+id+"/updateDeviceProperties", strings.NewReader(`{"groupTag":"`+tag+`"}`))
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("retag: %d %s", rec.Code, rec.Body)
	}
}

func open(t *testing.T, path string) *DemoTenant {
	t.Helper()
	tn, err := OpenDemoTenant(context.Background(), path, graphmock.Options{}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestDemoTenantPersistsUntilReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "autopilotctl", "mock-tenant.json")
	tn := open(t, path)
	if got := groupTags(t, tn.Server)[0]; got != "5CG2461KX7=Sales" {
		t.Fatalf("fresh tenant: %s", got)
	}
	retag(t, tn.Server, "Kiosk")
	if err := tn.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}
	tn = open(t, path)
	if got := groupTags(t, tn.Server)[0]; got != "5CG2461KX7=Kiosk" {
		t.Errorf("next command sees %s", got)
	}
	tn.Close()

	if err := ResetDemoTenant(context.Background(), path, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after reset: %v", err)
	}
	tn = open(t, path)
	defer tn.Close()
	if got := groupTags(t, tn.Server)[0]; got != "5CG2461KX7=Sales" {
		t.Errorf("after reset: %s", got)
	}
	if err := ResetDemoTenant(context.Background(), filepath.Join(t.TempDir(), "none.json"), &strings.Builder{}); err != nil {
		t.Errorf("reset without a tenant: %v", err)
	}
}

func TestDemoTenantUnreadableSaysReset(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	os.WriteFile(corrupt, []byte(`{"version":1,"devices":[{"ID":`), 0o600)
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"version":1,"tenantName":"x"}`), 0o600)
	future := filepath.Join(dir, "future.json")
	os.WriteFile(future, []byte(`{"version":2}`), 0o600)
	big := filepath.Join(dir, "big.json")
	if f, err := os.Create(big); err != nil || f.Truncate(maxStateBytes+1) != nil || f.Close() != nil {
		t.Fatal("sparse file", err)
	}
	folder := filepath.Join(dir, "folder.json")
	os.Mkdir(folder, 0o700)
	tests := map[string]string{
		corrupt: "not a demo tenant: unexpected EOF",
		unknown: `not a demo tenant: json: unknown field "tenantName"`,
		future:  "tenant state version 2; this mock reads version 1",
		big:     big + " is larger than 67108864 bytes; refusing to read it",
		folder:  folder + " is not a regular file (a directory)",
	}
	for path, why := range tests {
		_, err := OpenDemoTenant(context.Background(), path, graphmock.Options{}, &strings.Builder{})
		want := "the demo tenant in " + path + " cannot be read: " + why + "; run 'autopilotctl mock reset' to start over"
		if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitError {
			t.Errorf("%s: %v (exit %d)\nwant %s", filepath.Base(path), err, cmdutil.ExitCode(err), want)
		}
	}
	// The failed open released its lock, and reset clears what could not be read.
	if err := ResetDemoTenant(context.Background(), corrupt, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	open(t, corrupt).Close()
	if err := ResetDemoTenant(context.Background(), folder, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("reset of a folder: %v", err)
	}
}

// signalWriter reports the first write on a channel.
type signalWriter struct {
	strings.Builder
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if w.Len() == 0 {
		defer close(w.wrote)
	}
	return w.Builder.Write(p)
}

// A second command waits for the first to finish, says so, and then sees what the first one changed.
func TestDemoTenantSecondCommandWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mock-tenant.json")
	first := open(t, path)
	waiting := &signalWriter{wrote: make(chan struct{})}
	type opened struct {
		tn  *DemoTenant
		err error
	}
	second := make(chan opened)
	go func() {
		tn, err := OpenDemoTenant(context.Background(), path, graphmock.Options{}, waiting)
		second <- opened{tn, err}
	}()
	<-waiting.wrote
	if want := "Waiting for another autopilotctl --mock command to finish with the demo tenant (" + path + ")…\n"; waiting.String() != want {
		t.Errorf("waiting message %q, want %q", waiting.String(), want)
	}
	retag(t, first.Server, "Kiosk")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	got := <-second
	if got.err != nil {
		t.Fatal(got.err)
	}
	defer got.tn.Close()
	if tags := groupTags(t, got.tn.Server)[0]; tags != "5CG2461KX7=Kiosk" {
		t.Errorf("second command sees %s", tags)
	}

	// A waiting command can be interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	stop := &signalWriter{wrote: make(chan struct{})}
	go func() { <-stop.wrote; cancel() }()
	if _, err := OpenDemoTenant(ctx, path, graphmock.Options{}, stop); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted wait: %v", err)
	}
}

func TestResetCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	tn := open(t, path)
	retag(t, tn.Server, "Kiosk")
	tn.Close()
	f, out, errOut := testFactory()
	f.Env = func(k string) string {
		if k == StateEnv {
			return path
		}
		return ""
	}
	if err := execute(context.Background(), NewCmdReset(f, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) || out.Len() != 0 ||
		errOut.String() != "Demo tenant reset: the next --mock command starts from the demo tenant ("+path+").\n" {
		t.Errorf("state %v, stdout %q, stderr %q", err, out, errOut)
	}
	if NewCmdReset(f, nil).Flags().HasFlags() {
		t.Error("reset takes no flags")
	}
}
