package device

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// batchItem is one request inside a $batch body.
type batchItem struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

// readBatch returns a $batch request's items, whether or not the client compressed the body.
func readBatch(r *http.Request) ([]batchItem, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var batch struct{ Requests []batchItem }
	return batch.Requests, json.Unmarshal(body, &batch)
}

// cancelOnCleanup presses Ctrl-C as the first batch of import-record deletes is sent; that batch is lost.
// Once disarmed it passes everything on (the factory keeps its client across runs).
type cancelOnCleanup struct {
	next   http.RoundTripper
	cancel context.CancelFunc
	armed  atomic.Bool
}

func (c *cancelOnCleanup) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/$batch") && c.armed.Load() {
		c.cancel()
		return nil, context.Canceled
	}
	return c.next.RoundTrip(r)
}

// Ctrl-C while the import records are being deleted: every device already has its answer, so the report
// says so and the run exits 0, saying how to finish the cleanup; --resume then deletes the records.
func TestImportInterruptDuringCleanup(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	csv := writeCSV(t, "d.csv", false, fullHeader, "CL-1,,"+hash("a", 100)+",,", "CL-2,,"+hash("b", 100)+",,")
	ctx, cancel := context.WithCancel(context.Background())
	client := *env.Mock.Client()
	interrupt := &cancelOnCleanup{next: http.DefaultTransport, cancel: cancel}
	interrupt.armed.Store(true)
	client.Transport = interrupt
	env.Factory.HTTPClient = &client
	code := env.RunContext(ctx, NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "CL-1=imported CL-2=imported" || r.ImportRecordsLeft != 2 || r.Journal == "" {
		t.Fatalf("exit %d %s %+v\n%s", code, statuses(r), r, env.Stderr)
	}
	want := "interrupted while deleting import records: every device has its answer (above); 2 import records are left; delete them with: autopilotctl device import " +
		csv + " --graph-url " + env.Mock.BaseURL() + " --resume\n"
	if !strings.HasSuffix(env.Stderr.String(), "2 devices: 2 imported\n"+want) {
		t.Errorf("stderr %q\nwant suffix %q", env.Stderr, want)
	}
	if n := count(env, deleteRoute, 0); n != 0 {
		t.Fatalf("%d deletes reached the service", n)
	}

	interrupt.armed.Store(false)
	env.Stdout.Reset()
	env.Stderr.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json"); code != 0 {
		t.Fatalf("resume exit %d %s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "CL-1=imported CL-2=imported" || r.ImportRecordsLeft != 0 {
		t.Errorf("resume report %+v", r)
	}
	if n := count(env, deleteRoute, 204); n != 2 {
		t.Errorf("%d records deleted, want 2", n)
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests", n)
	}
	if j := journals(t, dir); len(j) != 0 {
		t.Errorf("journal left: %v", j)
	}
}

// stuckDeletes answers 503 for the deletes of the first `stuck` records it sees, every time; every other item
// of a $batch is passed on to the mock.
type stuckDeletes struct {
	next  http.RoundTripper
	stuck int
	mu    sync.Mutex
	ids   map[string]bool
}

func (s *stuckDeletes) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/$batch") {
		return s.next.RoundTrip(r)
	}
	items, err := readBatch(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var pass []batchItem
	var answers []map[string]any
	for _, it := range items {
		id := it.URL[strings.LastIndex(it.URL, "/")+1:]
		if it.Method == "DELETE" && (s.ids[id] || len(s.ids) < s.stuck) {
			s.ids[id] = true
			answers = append(answers, map[string]any{"id": it.ID, "status": 503, "headers": map[string]string{"Retry-After": "1"},
				"body": map[string]any{"error": map[string]any{"code": "ServiceUnavailable", "message": "try later"}}})
			continue
		}
		pass = append(pass, it)
	}
	s.mu.Unlock()
	if len(pass) > 0 {
		body, _ := json.Marshal(map[string]any{"requests": pass})
		fwd, _ := http.NewRequestWithContext(r.Context(), "POST", r.URL.String(), bytes.NewReader(body))
		fwd.Header.Set("Authorization", r.Header.Get("Authorization"))
		fwd.Header.Set("Content-Type", "application/json")
		resp, err := s.next.RoundTrip(fwd)
		if err != nil {
			return nil, err
		}
		var got struct{ Responses []map[string]any }
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			return nil, errors.New("test transport: the mock's $batch answer is not JSON")
		}
		answers = append(answers, got.Responses...)
	}
	b, _ := json.Marshal(map[string]any{"responses": answers})
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
}

// Deletes that keep answering 503 are reported per record; the run ends with the devices' real outcome and a
// hint, and a resume deletes only the records still there (the deletes that succeeded are not sent again).
func TestImportCleanupThatKeepsFailing(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	csv := writeCSV(t, "d.csv", false, fullHeader, "ST-1,,"+hash("a", 100)+",,", "ST-2,,"+hash("b", 100)+",,",
		"ST-3,,"+hash("c", 100)+",,", "ST-4,,"+hash("d", 100)+",,")
	client := *env.Mock.Client()
	stub := &stuckDeletes{next: http.DefaultTransport, stuck: 2, ids: map[string]bool{}}
	client.Transport = stub
	env.Factory.HTTPClient = &client
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || r.Summary.Count("imported") != 4 || r.ImportRecordsLeft != 2 {
		t.Fatalf("exit %d %+v\n%s", code, r, env.Stderr)
	}
	failing := 0
	stub.mu.Lock()
	stuckIDs := stub.ids
	stub.mu.Unlock()
	for _, d := range r.Devices {
		if stuckIDs[d.ImportRecordID] {
			failing++
			if want := "its import record " + d.ImportRecordID + " is not deleted yet: Graph answered 503"; !strings.HasPrefix(d.Message, want) {
				t.Errorf("%s: %q", d.SerialNumber, d.Message)
			}
		} else if d.Message != "" {
			t.Errorf("%s: %q", d.SerialNumber, d.Message)
		}
	}
	if failing != 2 || !strings.Contains(env.Stderr.String(), "2 import records could not be deleted yet (see the report); delete them later with: autopilotctl device import "+csv) {
		t.Errorf("failing %d; stderr %q", failing, env.Stderr)
	}
	firstDeletes := count(env, deleteRoute, 204)
	if firstDeletes != 2 {
		t.Fatalf("%d deletes reached the service, want 2", firstDeletes)
	}

	stub.mu.Lock()
	stub.ids, stub.stuck = map[string]bool{}, 0 // the service deletes again
	stub.mu.Unlock()
	env.Stdout.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json"); code != 0 {
		t.Fatalf("resume exit %d %s", code, env.Stderr)
	}
	if n := count(env, deleteRoute, 0) - firstDeletes; n != 2 {
		t.Errorf("the resume sent %d deletes, want 2 (the records still there)", n)
	}
	if n := count(env, deleteRoute, 404); n != 0 {
		t.Errorf("%d deletes of records already gone", n)
	}
}

// --keep-import-records leaves the records, and the run is finished all the same.
func TestImportKeepImportRecords(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	csv := writeCSV(t, "d.csv", false, fullHeader, "KP-1,,"+hash("a", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--keep-import-records", "-o", "json"); code != 0 {
		t.Fatalf("exit %d %s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "KP-1=imported" || r.ImportRecordsLeft != 0 || r.Journal != "" {
		t.Errorf("report %+v", r)
	}
	if n := count(env, "POST /$batch", 0); n != 0 {
		t.Errorf("%d $batch requests", n)
	}
	if j := journals(t, dir); len(j) != 0 {
		t.Errorf("journal left: %v", j)
	}
}

// --timeout reached while the import records are being deleted: every device has its answer, so the run
// exits 0 and says how to finish; a long clean-up says up front how long it will take, and off a terminal
// it prints a progress line at every tenth.
func TestImportTimeoutDuringCleanup(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	var rows []string
	for i := range 150 {
		rows = append(rows, fmt.Sprintf("TO-%03d,,%s,,", i, hash(fmt.Sprint(i), 100)))
	}
	csv := writeCSV(t, "d.csv", false, fullHeader, rows...)
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--timeout", "20s", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || r.Summary.Count(result.Imported) != 150 || r.ImportRecordsLeft == 0 || r.ImportRecordsLeft == 150 {
		t.Fatalf("exit %d, %d imported, %d records left\n%s", code, r.Summary.Count(result.Imported), r.ImportRecordsLeft, env.Stderr)
	}
	stderr := env.Stderr.String()
	for _, want := range []string{
		"every device has its answer; deleting 150 import records takes about 32s at the write budget of 100/20s (--keep-import-records skips this)\n",
		"deleting import records: 0/150, 0 of 150 deleted\n",
		fmt.Sprintf("150 devices: 150 imported\nstopped at --timeout 20s while deleting import records: every device has its answer (above); %d import records are left; delete them with: autopilotctl device import %s --graph-url %s --resume\n",
			r.ImportRecordsLeft, csv, env.Mock.BaseURL()),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// batch503 answers every $batch request 503 while on, as an overloaded front end does.
type batch503 struct {
	next http.RoundTripper
	on   atomic.Bool
}

func (b *batch503) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.on.Load() && strings.HasSuffix(r.URL.Path, "/$batch") {
		body := `{"error":{"code":"ServiceUnavailable","message":"try later"}}`
		return &http.Response{StatusCode: 503, Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	return b.next.RoundTrip(r)
}

// Clean-up whose $batch requests keep failing does not fail the import: every device has its answer, the
// records left are reported with how to delete them, and a resume deletes exactly those.
func TestImportCleanupBatchKeepsFailing(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	client := *env.Mock.Client()
	fail := &batch503{next: client.Transport}
	fail.on.Store(true)
	client.Transport = fail
	env.Factory.HTTPClient = &client
	csv := writeCSV(t, "d.csv", false, fullHeader, "CF-1,,"+hash("a", 100)+",,", "CF-2,,"+hash("b", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "CF-1=imported CF-2=imported" || r.ImportRecordsLeft != 2 {
		t.Fatalf("exit %d %s left %d\n%s", code, statuses(r), r.ImportRecordsLeft, env.Stderr)
	}
	want := "2 import records could not be deleted yet (see the report); delete them later with: autopilotctl device import " + csv + " --graph-url " + env.Mock.BaseURL() + " --resume\n"
	if !strings.HasSuffix(env.Stderr.String(), want) {
		t.Errorf("stderr %q", env.Stderr)
	}
	fail.on.Store(false)
	env.Stdout.Reset()
	env.Stderr.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json"); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, env.Stderr)
	}
	if n := count(env, deleteRoute, 204); n != 2 {
		t.Errorf("%d records deleted, want 2", n)
	}
}
