package device

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const deleteRoute = "DELETE /deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}"

// mockCall sends one request straight to the mock, as another admin or tool would.
func mockCall(t *testing.T, env *cmdtest.Env, method, path, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, env.Mock.BaseURL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+cmdtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.Mock.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// otherAdminsImport creates an import record for serial with someone else's importId and returns its id.
func otherAdminsImport(t *testing.T, env *cmdtest.Env, serial string) string {
	t.Helper()
	resp := mockCall(t, env, "POST", "/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
		`{"importedWindowsAutopilotDeviceIdentities":[{"serialNumber":"`+serial+`","hardwareIdentifier":"`+hash("x"+serial, 100)+`","importId":"someone-else"}]}`)
	var created struct{ Value []struct{ ID string } }
	json.NewDecoder(resp.Body).Decode(&created)
	if resp.StatusCode != 200 || len(created.Value) != 1 {
		t.Fatalf("seeding another admin's import: %d %v", resp.StatusCode, created)
	}
	return created.Value[0].ID
}

// The journal goes to the per-user directory, not next to the CSV: a CSV in a read-only directory imports,
// and nothing is written beside it.
func TestImportFromReadOnlyDirectory(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	csv := writeCSV(t, "d.csv", false, fullHeader, "RO-1,,"+hash("a", 100)+",,")
	csvDir := filepath.Dir(csv)
	if err := os.Chmod(csvDir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(csvDir, 0o755) })
	var during []string
	sleep := env.Factory.Sleep
	env.Factory.Sleep = func(ctx context.Context, d time.Duration) error {
		during = append(during, journals(t, dir)...)
		return sleep(ctx, d)
	}
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json"); code != 0 {
		t.Fatalf("exit %d\n%s", code, env.Stderr)
	}
	if entries, _ := os.ReadDir(csvDir); len(entries) != 1 {
		t.Errorf("written next to the CSV: %v", entries)
	}
	if len(during) == 0 || !strings.HasPrefix(during[0], dir+string(filepath.Separator)) {
		t.Errorf("journal while running: %v", during)
	}
}

// A journal whose directory cannot be written is an error that names --journal.
func TestImportJournalErrorNamesTheFlag(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	csv := writeCSV(t, "d.csv", false, fullHeader, "J-1,,"+hash("a", 100)+",,")
	notADir := writeCSV(t, "file", false, fullHeader, "X,,"+hash("x", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--journal", filepath.Join(notADir, "journal.json"))
	if code != 2 || !strings.Contains(env.Stderr.String(), "(pass --journal FILE to keep the journal elsewhere)") {
		t.Errorf("exit %d %s", code, env.Stderr)
	}
	if n := count(env, importRoute, 0); n != 0 {
		t.Errorf("%d import requests", n)
	}
}

// Resuming against another Graph host than the journal's is refused naming both, before anything is sent.
func TestImportResumeAgainstOtherGraphHost(t *testing.T) {
	first, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Hour})
	csv := writeCSV(t, "d.csv", false, fullHeader, "H-1,,"+hash("a", 100)+",,")
	if code := first.Run(NewCmdImport(first.Factory, nil), csv, "--no-wait"); code != 0 {
		t.Fatalf("exit %d %s", code, first.Stderr)
	}
	second, _ := newImportEnv(t, graphmock.Options{})
	second.Factory.Env = first.Factory.Env // the same journal directory
	code := second.Run(NewCmdImport(second.Factory, nil), csv, "--resume")
	firstHost := strings.TrimPrefix(strings.TrimSuffix(first.Mock.BaseURL(), "/beta"), "http://")
	secondHost := strings.TrimPrefix(strings.TrimSuffix(second.Mock.BaseURL(), "/beta"), "http://")
	want := "error: --resume: the import journal " + journals(t, dir)[0] + " records an import into " + firstHost +
		", but this run signs in to " + secondHost + "; resume with the same --tenant and --graph-url (or --cloud), or delete the journal to start over\n"
	if code != 2 || !strings.HasPrefix(second.Stderr.String(), want) {
		t.Errorf("exit %d\n got %q\nwant %q", code, second.Stderr, want)
	}
	if n := len(second.Mock.Requests()); n != 0 {
		t.Errorf("%d requests reached the other host", n)
	}
}

// A journaled import record deleted by someone else is settled by looking the serial number up: registered
// means imported; not registered is said, not waited on until the timeout.
func TestImportSettlesRecordsDeletedBySomeoneElse(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Minute})
	csv := writeCSV(t, "d.csv", false, fullHeader, "DEL-1,,"+hash("a", 100)+",,", "DEL-2,,"+hash("b", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--no-wait", "-o", "json"); code != 0 {
		t.Fatalf("exit %d %s", code, env.Stderr)
	}
	first := decodeReport(t, env.Stdout.String())
	// DEL-2's record is deleted while pending (it never registers); DEL-1's once it has registered.
	mockCall(t, env, "DELETE", "/deviceManagement/importedWindowsAutopilotDeviceIdentities/"+first.Devices[1].ImportRecordID, "")
	env.Clock.Advance(2 * time.Minute)
	mockCall(t, env, "DELETE", "/deviceManagement/importedWindowsAutopilotDeviceIdentities/"+first.Devices[0].ImportRecordID, "")
	env.Stdout.Reset()
	env.Stderr.Reset()
	sleeps := len(env.Sleeps)
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 3 || statuses(r) != "DEL-1=imported DEL-2=failed" {
		t.Fatalf("exit %d %s\n%s", code, statuses(r), env.Stderr)
	}
	if r.Devices[0].ID == "" || r.Devices[0].Message != "its import record was deleted before its answer was read; the device is registered in this tenant" {
		t.Errorf("DEL-1 %+v", r.Devices[0])
	}
	if r.Devices[1].Error != "its import record was deleted before the service answered, and no device with this serial number is registered in this tenant; import it again" {
		t.Errorf("DEL-2 %+v", r.Devices[1])
	}
	if waited := env.Sleeps[sleeps:]; len(waited) > 2 {
		t.Errorf("waited %v for records that are gone", waited)
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests", n)
	}
}

// An edited journal is never an authority: a recordId pointing at another admin's record, and a device the
// input doesn't hold, don't make a resumed run follow or delete anything but its own records.
func TestImportEditedJournalLeavesOthersRecords(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Minute})
	csv := writeCSV(t, "d.csv", false, fullHeader, "ED-1,,"+hash("a", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--no-wait"); code != 0 {
		t.Fatalf("exit %d %s", code, env.Stderr)
	}
	theirs := otherAdminsImport(t, env, "ED-1")
	ghost := otherAdminsImport(t, env, "GHOST-1")
	path := journals(t, dir)[0]
	var j map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &j)
	devices := j["devices"].(map[string]any)
	devices["ED-1"].(map[string]any)["recordId"] = theirs
	devices["GHOST-1"] = map[string]any{"recordId": ghost, "status": "imported"}
	b, _ = json.Marshal(j)
	os.WriteFile(path, b, 0o600)

	env.Clock.Advance(2 * time.Minute)
	env.Stdout.Reset()
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "ED-1=imported" || r.Devices[0].ImportRecordID == theirs {
		t.Fatalf("exit %d %s %+v\n%s", code, statuses(r), r.Devices, env.Stderr)
	}
	deleted := map[string]bool{}
	for _, q := range env.Mock.Requests() {
		if q.Route == deleteRoute {
			deleted[q.Path[strings.LastIndex(q.Path, "/")+1:]] = true
		}
	}
	if deleted[theirs] || deleted[ghost] || !deleted[r.Devices[0].ImportRecordID] || len(deleted) != 1 {
		t.Errorf("deleted %v; theirs %s, ghost %s, ours %s", deleted, theirs, ghost, r.Devices[0].ImportRecordID)
	}
	if n := count(env, importRoute, 0); n != 3 { // ours once, and the two seeded by "another admin"
		t.Errorf("%d import requests", n)
	}
}

// refuseFirstImport answers the first import request 401, as Graph does for a token it refuses.
type refuseFirstImport struct {
	next    http.RoundTripper
	refused bool
}

func (rt *refuseFirstImport) RoundTrip(r *http.Request) (*http.Response, error) {
	if rt.refused || r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/import") {
		return rt.next.RoundTrip(r)
	}
	rt.refused = true
	body := `{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure."}}`
	return &http.Response{StatusCode: 401, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// An import request refused with 401 created nothing: the devices are not "lost answers", and the journal
// does not block the next run.
func TestImportRefusedTokenLeavesNothingToResume(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	client := *env.Mock.Client()
	client.Transport = &refuseFirstImport{next: client.Transport}
	env.Factory.HTTPClient = &client
	csv := writeCSV(t, "d.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,", "SN-2,,"+hash("b", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv)
	if code != 4 || strings.Contains(env.Stdout.String(), "lost") || !strings.Contains(env.Stdout.String(), "SN-1\t\t\tpending\tnot submitted yet") {
		t.Fatalf("refused run: exit %d\n%s%s", code, env.Stdout, env.Stderr)
	}
	env.Stdout.Reset()
	env.Stderr.Reset()
	code = env.Run(NewCmdImport(env.Factory, nil), csv)
	if code != 0 || !strings.Contains(env.Stderr.String(), "2 devices: 2 imported") {
		t.Fatalf("next run: exit %d\n%s%s", code, env.Stdout, env.Stderr)
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests reached the mock, want 1", n)
	}
}

// refuseRow answers 400 to any import request that holds serial, as the service refuses a whole request for
// one row it will not take; named puts the serial in the message.
type refuseRow struct {
	next   http.RoundTripper
	serial string
	named  bool
	sent   *int // import requests seen
}

func (rt refuseRow) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/import") {
		return rt.next.RoundTrip(r)
	}
	*rt.sent++
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
	if !strings.Contains(string(body), `"`+rt.serial+`"`) {
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Encoding")
		return rt.next.RoundTrip(r)
	}
	msg := "One or more properties are invalid."
	if rt.named {
		msg = "The value of assignedUserPrincipalName for device " + rt.serial + " is invalid."
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": msg}})
	return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: -1, Request: r}, nil
}

// One row the service will not take fails alone: the others are sent again without it, and nothing is sent
// twice (a refused request created nothing).
func TestImportRefusedRowFailsAlone(t *testing.T) {
	for _, tt := range []struct {
		named          bool
		sent, accepted int // import requests sent, and accepted by the service
	}{{false, 7, 3}, {true, 2, 1}} {
		env, _ := newImportEnv(t, graphmock.Options{})
		client := *env.Mock.Client()
		sent := 0
		client.Transport = refuseRow{next: client.Transport, serial: "BAD-3", named: tt.named, sent: &sent}
		env.Factory.HTTPClient = &client
		var rows []string
		for i := range 8 {
			serial := fmt.Sprintf("OK-%d", i)
			if i == 3 {
				serial = "BAD-3"
			}
			rows = append(rows, serial+",,"+hash(serial, 100)+",,")
		}
		csv := writeCSV(t, "d.csv", false, fullHeader, rows...)
		code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
		r := decodeReport(t, env.Stdout.String())
		if code != 3 || statuses(r) != "OK-0=imported OK-1=imported OK-2=imported BAD-3=failed OK-4=imported OK-5=imported OK-6=imported OK-7=imported" {
			t.Fatalf("named %v: exit %d %s\n%s", tt.named, code, statuses(r), env.Stderr)
		}
		if !strings.Contains(r.Devices[3].Error, "BadRequest") {
			t.Errorf("named %v: BAD-3's error %q", tt.named, r.Devices[3].Error)
		}
		if sent != tt.sent || count(env, importRoute, 200) != tt.accepted {
			t.Errorf("named %v: %d import requests sent, %d accepted", tt.named, sent, count(env, importRoute, 200))
		}
	}
}

// Two imports into one tenant at once are refused even when their inputs differ (the same devices written
// with other line endings would otherwise be submitted twice, and the runs share the write budget).
func TestImportOneRunPerTenant(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	var rows []string
	for i := range 3 {
		rows = append(rows, fmt.Sprintf("TN-%d,,%s,,", i, hash(fmt.Sprint(i), 100)))
	}
	crlf := writeCSV(t, "crlf.csv", false, fullHeader, rows...)
	lf := filepath.Join(t.TempDir(), "lf.csv")
	b, _ := os.ReadFile(crlf)
	os.WriteFile(lf, bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), 0o644)

	// The first run is held inside its first import request while the second starts.
	client := *env.Mock.Client()
	entered, release := make(chan struct{}), make(chan struct{})
	client.Transport = holdFirstImport{next: client.Transport, entered: entered, release: release, once: &sync.Once{}}
	env.Factory.HTTPClient = &client
	first := make(chan int)
	go func() { first <- env.Run(NewCmdImport(env.Factory, nil), crlf) }()
	<-entered
	second := cmdtest.New(t, graphmock.Options{}) // its own output; the first's tenant and journal directory
	second.Factory.Env, second.Factory.HTTPClient = env.Factory.Env, env.Mock.Client()
	code := second.Run(NewCmdImport(second.Factory, nil), lf, "--graph-url", env.Mock.BaseURL())
	close(release)
	if code != 2 || !strings.Contains(second.Stderr.String(), "another import into tenant") {
		t.Errorf("second run: exit %d %s", code, second.Stderr)
	}
	if code := <-first; code != 0 {
		t.Errorf("first run: exit %d %s", code, env.Stderr)
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests, want 1", n)
	}
}

// holdFirstImport holds the first import request until release is closed, after saying it has arrived.
type holdFirstImport struct {
	next             http.RoundTripper
	entered, release chan struct{}
	once             *sync.Once
}

func (h holdFirstImport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/import") {
		h.once.Do(func() {
			close(h.entered)
			<-h.release
		})
	}
	return h.next.RoundTrip(r)
}
