package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Two runs of the same input at once: exactly one proceeds, the other is refused naming the holder, and
// every device is submitted once.
func TestRunConcurrentSameInput(t *testing.T) {
	clock := graphmock.NewFakeClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	mock := graphmock.Start(t, graphmock.Options{Token: "lock-test", Clock: clock, ProcessDelay: 10 * time.Second})
	client, err := graph.New(graph.Config{BaseURL: mock.BaseURL(), Credential: benchToken{token: "lock-test"}, HTTPClient: mock.Client()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	hashcsv.WriteSynthetic(&buf, 30, hashcsv.SyntheticOptions{Seed: 3, SerialPrefix: "LOCK-"})
	path := filepath.Join(t.TempDir(), "devices.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	journalDir := t.TempDir()

	var clockMu sync.Mutex
	firstDone := make(chan struct{})
	var once sync.Once
	run := func() (*Report, error) {
		src, err := OpenInputs(context.Background(), []string{path}, InputOptions{})
		if err != nil {
			return nil, err
		}
		defer src.Close()
		var hold sync.Once
		opts := Options{JournalDir: journalDir, BatchSize: 10, Now: clock.Now,
			Sleep: func(ctx context.Context, d time.Duration) error {
				// The run that holds the lock waits, at its first wait, until the other has given up.
				hold.Do(func() {
					select {
					case <-firstDone:
					case <-time.After(5 * time.Second):
					}
				})
				clockMu.Lock()
				clock.Advance(d)
				clockMu.Unlock()
				return ctx.Err()
			}}
		in, err := Check(src, opts)
		if err != nil {
			return nil, err
		}
		return Run(context.Background(), client, opts, in)
	}
	type outcome struct {
		rep *Report
		err error
	}
	results := make(chan outcome, 2)
	start := make(chan struct{})
	for range 2 {
		go func() {
			<-start
			rep, err := run()
			if err != nil {
				once.Do(func() { close(firstDone) })
			}
			results <- outcome{rep, err}
		}()
	}
	close(start)
	a, b := <-results, <-results
	if a.err == nil {
		a, b = b, a
	}
	var locked *LockedError
	if !errors.As(a.err, &locked) || b.err != nil {
		t.Fatalf("want one refused and one done: %v / %v", a.err, b.err)
	}
	host, _ := os.Hostname()
	if locked.Holder == nil || locked.Holder.PID != os.Getpid() || locked.Holder.Host != host ||
		!strings.Contains(locked.Error(), "the same input is being imported by autopilotctl process") {
		t.Errorf("holder %+v: %v", locked.Holder, locked)
	}
	if b.rep.Summary.Count(result.Imported) != 30 {
		t.Errorf("summary %+v", b.rep.Summary)
	}
	sent := map[string]int{}
	for _, req := range mock.Requests() {
		if req.Route == "POST /deviceManagement/importedWindowsAutopilotDeviceIdentities/import" {
			var body struct {
				ImportedWindowsAutopilotDeviceIdentities []struct{ SerialNumber string }
			}
			if err := json.Unmarshal(req.Body, &body); err != nil {
				t.Fatal(err)
			}
			for _, d := range body.ImportedWindowsAutopilotDeviceIdentities {
				sent[d.SerialNumber]++
			}
		}
	}
	for serial, n := range sent {
		if n != 1 {
			t.Errorf("%s submitted %d times", serial, n)
		}
	}
	if len(sent) != 30 {
		t.Errorf("%d devices submitted, want 30", len(sent))
	}
	if left, _ := os.ReadDir(journalDir); len(left) != 0 {
		t.Errorf("left in the journal directory: %v", left)
	}
}

// --timeout is a deadline on the whole run, not a check between polls: an import request that never gets an
// answer ends at it, with the report (the device pending) and the journal kept for a resume.
func TestRunTimeoutIsADeadline(t *testing.T) {
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // accepts the request and never answers
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)
	client, err := graph.New(graph.Config{BaseURL: hang.URL + "/beta", Credential: benchToken{}, HTTPClient: hang.Client()})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.csv")
	var buf bytes.Buffer
	hashcsv.WriteSynthetic(&buf, 1, hashcsv.SyntheticOptions{Seed: 1, SerialPrefix: "T-"})
	os.WriteFile(path, buf.Bytes(), 0o644)
	src, err := OpenInputs(context.Background(), []string{path}, InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := Options{JournalDir: t.TempDir(), Timeout: 300 * time.Millisecond}
	in, err := Check(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := Run(context.Background(), client, opts, in)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
	if !errors.Is(err, ErrTimedOut) || rep == nil || rep.Summary.Count(result.Pending) != 1 || rep.Journal == "" {
		t.Fatalf("%v %+v", err, rep)
	}
	if _, err := os.Stat(rep.Journal); err != nil {
		t.Errorf("journal: %v", err)
	}
}

// testRun imports a synthetic file of n devices against mock on its fake clock.
func testRun(t *testing.T, mock *graphmock.Server, clock *graphmock.FakeClock, path string, opts Options) (*Report, error) {
	t.Helper()
	client, err := graph.New(graph.Config{BaseURL: mock.BaseURL(), Credential: benchToken{token: "run-test"}, HTTPClient: mock.Client()})
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenInputs(context.Background(), []string{path}, InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts.Now = clock.Now
	opts.Sleep = func(ctx context.Context, d time.Duration) error { clock.Advance(d); return ctx.Err() }
	in, err := Check(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), client, opts, in)
}

func syntheticCSV(t *testing.T, n int) string {
	t.Helper()
	var buf bytes.Buffer
	hashcsv.WriteSynthetic(&buf, n, hashcsv.SyntheticOptions{Seed: uint64(n), SerialPrefix: "RUN-"})
	path := filepath.Join(t.TempDir(), "devices.csv")
	os.WriteFile(path, buf.Bytes(), 0o644)
	return path
}

// The journal records the signed-in tenant; resuming signed in to another tenant is refused naming both.
func TestRunResumeInOtherTenant(t *testing.T) {
	clock := graphmock.NewFakeClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	mock := graphmock.Start(t, graphmock.Options{Token: "run-test", Clock: clock, ProcessDelay: time.Hour})
	path, dir := syntheticCSV(t, 2), t.TempDir()
	if _, err := testRun(t, mock, clock, path, Options{JournalDir: dir, NoWait: true, Tenant: "tenant-a"}); err != nil {
		t.Fatal(err)
	}
	_, err := testRun(t, mock, clock, path, Options{JournalDir: dir, Resume: true, Tenant: "tenant-b"})
	var other *OtherTargetError
	host := strings.TrimPrefix(strings.TrimSuffix(mock.BaseURL(), "/beta"), "http://")
	if !errors.As(err, &other) || !strings.Contains(err.Error(), "records an import into tenant tenant-a on "+host+", but this run signs in to tenant tenant-b on "+host) {
		t.Errorf("%v", err)
	}
}

// Deleting the import records is a phase of its own whose progress moves to the end.
func TestRunReportsCleanupProgress(t *testing.T) {
	clock := graphmock.NewFakeClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	mock := graphmock.Start(t, graphmock.Options{Token: "run-test", Clock: clock, ProcessDelay: time.Second})
	var seen []Progress
	rep, err := testRun(t, mock, clock, syntheticCSV(t, 45), Options{JournalDir: t.TempDir(), Progress: func(p Progress) { seen = append(seen, p) }})
	if err != nil || rep.Summary.Count(result.Imported) != 45 {
		t.Fatalf("%v %+v", err, rep)
	}
	var cleanup []int
	for _, p := range seen {
		if p.Phase == PhaseCleanup {
			cleanup = append(cleanup, p.Removed)
		}
	}
	if len(cleanup) < 3 || cleanup[0] != 0 || cleanup[len(cleanup)-1] != 45 || seen[len(seen)-1].Records != 45 {
		t.Errorf("cleanup progress %v", cleanup)
	}
}
