package device

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/importer"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

const importRoute = "POST /deviceManagement/importedWindowsAutopilotDeviceIdentities/import"

// hash returns a valid synthetic hardware hash (base64 of n bytes derived from seed).
func hash(seed string, n int) string {
	b := bytes.Repeat([]byte(seed+"|"), n/(len(seed)+1)+1)[:n]
	return base64.StdEncoding.EncodeToString(b)
}

// writeCSV writes rows under the Get-WindowsAutopilotInfo header; utf16 writes it the way Windows PowerShell 5.1 does.
func writeCSV(t *testing.T, name string, utf16 bool, header string, rows ...string) string {
	t.Helper()
	text := header + "\r\n" + strings.Join(rows, "\r\n") + "\r\n"
	data := []byte(text)
	if utf16 {
		var err error
		data, err = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const fullHeader = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User"

// newImportEnv is cmdtest.New with the journals kept in a directory of the test's own, which it returns.
func newImportEnv(t *testing.T, opts graphmock.Options) (*cmdtest.Env, string) {
	t.Helper()
	env := cmdtest.New(t, opts)
	dir := t.TempDir()
	getenv := env.Factory.Env
	env.Factory.Env = func(k string) string {
		if k == JournalDirEnv {
			return dir
		}
		return getenv(k)
	}
	return env, dir
}

// journals lists the journal files in dir.
func journals(t *testing.T, dir string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func decodeReport(t *testing.T, out string) importer.Report {
	t.Helper()
	var r importer.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, out)
	}
	return r
}

func statuses(r importer.Report) string {
	var s []string
	for _, d := range r.Devices {
		s = append(s, d.SerialNumber+"="+string(d.Status))
	}
	return strings.Join(s, " ")
}

func count(env *cmdtest.Env, route string, status int) int {
	n := 0
	for _, r := range env.Mock.Requests() {
		if r.Route == route && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

func TestImportEveryStatus(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{
		ProcessDelay: 40 * time.Second,
		Seed: &graphmock.Seed{
			AutopilotDevices:   []graphmock.SeedAutopilotDevice{{SerialNumber: "OLD-1", GroupTag: "Sales"}},
			OtherTenantSerials: []string{"THEIRS-1"},
		},
	})
	csv := writeCSV(t, "devices.csv", true, fullHeader,
		"NEW-1,,"+hash("a", 100)+",Sales,anna@contoso.com",
		"OLD-1,,"+hash("b", 100)+",Sales,",
		"THEIRS-1,,"+hash("c", 100)+",,",
		"SHORT-1,,"+hash("d", 10)+",,",
		"BAD-1,,not base64!,,",
		"VMware-56 4d 9b 11,,"+hash("e", 100)+",Kiosk,",
	)
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--skip-invalid", "-o", "json")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, env.Stderr)
	}
	r := decodeReport(t, env.Stdout.String())
	want := "NEW-1=imported OLD-1=alreadyRegistered THEIRS-1=failed SHORT-1=failed BAD-1=invalid VMware-56 4d 9b 11=imported"
	if got := statuses(r); got != want {
		t.Errorf("statuses\n got %s\nwant %s", got, want)
	}
	if got, _ := json.Marshal(r.Summary); string(got) != `{"total":6,"imported":2,"alreadyRegistered":1,"invalid":1,"failed":2}` {
		t.Errorf("summary %s", got)
	}
	theirs := r.Devices[2]
	if theirs.ErrorCode != 808 || theirs.ErrorName != "ZtdDeviceAssignedToOtherTenant" ||
		!strings.Contains(theirs.Error, "registered to another tenant; ask the previous owner to deregister it") {
		t.Errorf("808 explained as %+v", theirs)
	}
	if r.Devices[3].ErrorCode != 802 || r.Devices[0].AssignedUser != "anna@contoso.com" || r.Devices[0].ID == "" || r.Devices[0].ImportRecordID == "" ||
		r.Devices[0].Kind != "windowsAutopilotDeviceIdentity" || r.ImportID == "" {
		t.Errorf("devices %+v", r.Devices)
	}
	if bad := r.Devices[4]; bad.Error != csv+`:6: hardware hash is not base64 (column "Hardware Hash")` || bad.File != csv || bad.Line != 6 ||
		strings.Join(bad.Problems, "|") != `hardware hash is not base64 (column "Hardware Hash")` {
		t.Errorf("invalid row %+v", bad)
	}
	if old := r.Devices[1]; old.GroupTag != "Sales" || old.RequestedGroupTag != nil || old.ID == "" || old.Message != "already registered in this tenant" {
		t.Errorf("already registered row %+v", old)
	}
	// One import request for the five valid rows; every import record it created deleted again, in one $batch.
	if n := count(env, importRoute, 200); n != 1 {
		t.Errorf("%d import requests", n)
	}
	if n := count(env, "DELETE /deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}", 204); n != 5 {
		t.Errorf("%d import records deleted, want 5", n)
	}
	if !strings.HasSuffix(env.Stderr.String(), "6 devices: 2 imported, 1 alreadyRegistered, 1 invalid, 2 failed\nnot every device was imported: 2 failed, 0 pending, 1 invalid (see the report above)\n") {
		t.Errorf("stderr %q", env.Stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a finished run leaves %v in the journal directory", left)
	}
}

func TestImportInvalidInputSendsNothing(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	a := writeCSV(t, "a.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,", ",,"+hash("b", 100)+",,", "SN-3,,"+hash("c", 100)+",,not-a-upn")
	b := writeCSV(t, "b.csv", true, "Device Serial Number,Windows Product ID,Hardware Hash", "SN-1,,"+hash("z", 100))
	code := env.Run(NewCmdImport(env.Factory, nil), a, b)
	want := "error: 3 problem(s) in the input; nothing was uploaded (fix them, or pass --skip-invalid to upload the valid rows):\n" +
		a + `:3: serial number is missing (column "Device Serial Number")` + "\n" +
		a + `:4: assigned user "not-a-upn" is not a user principal name like user@contoso.com (column "Assigned User")` + "\n" +
		b + `:2: serial "SN-1" already appears at ` + a + `:2 (column "Device Serial Number")` + "\n"
	if code != 2 || env.Stderr.String() != want {
		t.Errorf("exit %d stderr:\n%s\nwant:\n%s", code, env.Stderr, want)
	}
	if n := len(env.Mock.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestImportDryRunSendsNothing(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	csv := writeCSV(t, "d.csv", true, fullHeader, "SN-1,,"+hash("a", 100)+",Sales,", "SN-2,,"+hash("b", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--dry-run", "--group-tag", "Kiosk", "--batch-size", "1")
	if code != 0 || env.Stdout.String() != "SN-1\tKiosk\t\twouldImport\t\nSN-2\tKiosk\t\twouldImport\t\n" ||
		env.Stderr.String() != "dry run: would import 2 devices in 2 import request(s); nothing was sent (a dry run reads only the files: it does not check the tenant)\n" {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, env.Stdout, env.Stderr)
	}
	if len(env.Mock.Requests()) != 0 {
		t.Errorf("dry run sent %d requests", len(env.Mock.Requests()))
	}
}

func TestImportOverridesAndReadsMixedFiles(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	utf8bom := filepath.Join(t.TempDir(), "partner.csv")
	os.WriteFile(utf8bom, []byte("\ufeff\"Device Serial Number\",\"Windows Product ID\",\"Hardware Hash\",\"Manufacturer name\",\"Device model\"\n"+
		"\"PF-1\",\"\",\""+hash("p", 100)+"\",\"LENOVO\",\"21AH\"\n\n"), 0o644)
	utf16 := writeCSV(t, "script.csv", true, " device serial number , WINDOWS PRODUCT ID,hardware hash", "5CG-77,,"+hash("q", 100))
	code := env.Run(NewCmdImport(env.Factory, nil), utf8bom, utf16, "--group-tag", "Lab", "--assigned-user", "lab@contoso.com", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "PF-1=imported 5CG-77=imported" {
		t.Fatalf("exit %d %s\n%s", code, statuses(r), env.Stderr)
	}
	var body struct {
		ImportedWindowsAutopilotDeviceIdentities []map[string]any
	}
	for _, req := range env.Mock.Requests() {
		if req.Route == importRoute {
			json.Unmarshal(req.Body, &body)
		}
	}
	for _, d := range body.ImportedWindowsAutopilotDeviceIdentities {
		if d["groupTag"] != "Lab" || d["assignedUserPrincipalName"] != "lab@contoso.com" {
			t.Errorf("sent %v", d)
		}
	}
	if len(body.ImportedWindowsAutopilotDeviceIdentities) != 2 || body.ImportedWindowsAutopilotDeviceIdentities[0]["hardwareIdentifier"] != hash("p", 100) {
		t.Errorf("import body %v", body)
	}
}

// A run that times out leaves a journal; --resume waits for the same records and sends no import again.
func TestImportTimeoutThenResume(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: 10 * time.Minute})
	csv := writeCSV(t, "d.csv", true, fullHeader, "SN-1,,"+hash("a", 100)+",,", "SN-2,,"+hash("b", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--timeout", "1m", "-o", "json")
	first := decodeReport(t, env.Stdout.String())
	if code != 3 || statuses(first) != "SN-1=pending SN-2=pending" || !strings.Contains(env.Stderr.String(), "--resume") {
		t.Fatalf("exit %d %s\n%s", code, statuses(first), env.Stderr)
	}
	env.Stdout.Reset()
	env.Stderr.Reset()
	code = env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	if j := journals(t, dir); len(j) != 1 || code != 2 || !strings.Contains(env.Stderr.String(), "an unfinished import journal exists at "+j[0]+": run again with --resume") {
		t.Fatalf("second plain run: exit %d %s", code, env.Stderr)
	}
	env.Stdout.Reset()
	code = env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json")
	second := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(second) != "SN-1=imported SN-2=imported" {
		t.Fatalf("resume: exit %d %s", code, statuses(second))
	}
	if second.Devices[0].ImportRecordID != first.Devices[0].ImportRecordID || second.ImportID != first.ImportID {
		t.Errorf("resume followed another import record")
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests over both runs, want 1", n)
	}
}

// lossyTransport delivers the import request but loses the answer, like a dropped connection.
type lossyTransport struct {
	next http.RoundTripper
	lost int
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && strings.HasSuffix(r.URL.Path, "/import") && l.lost == 0 {
		l.lost++
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func TestImportLostAnswerIsNotSubmittedTwice(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: 5 * time.Second})
	client := *env.Mock.Client()
	client.Transport = &lossyTransport{next: http.DefaultTransport}
	env.Factory.HTTPClient = &client
	csv := writeCSV(t, "d.csv", true, fullHeader, "SN-1,,"+hash("a", 100)+",,", "SN-2,,"+hash("b", 100)+",,", "SN-3,,"+hash("c", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json"); code != 0 {
		t.Fatalf("exit %d\n%s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "SN-1=imported SN-2=imported SN-3=imported" {
		t.Errorf("statuses %s", statuses(r))
	}
	// The records the lost request created were found by listing, not created again.
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests, want 1: a device was submitted twice", n)
	}
}

// dropFirstImport fails the first import request before it reaches the service.
type dropFirstImport struct {
	next    http.RoundTripper
	dropped bool
}

func (d *dropFirstImport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/import") && !d.dropped {
		d.dropped = true
		return nil, errors.New("network is unreachable")
	}
	return d.next.RoundTrip(r)
}

// Another admin's pending import of the same serial is neither taken for ours nor deleted.
func TestImportNeverAdoptsOtherAdminsRecords(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Hour})
	other := `{"importedWindowsAutopilotDeviceIdentities":[{"serialNumber":"SN-1","hardwareIdentifier":"` + hash("x", 100) + `","importId":"someone-else"}]}`
	req, _ := http.NewRequest("POST", env.Mock.BaseURL()+"/deviceManagement/importedWindowsAutopilotDeviceIdentities/import", strings.NewReader(other))
	req.Header.Set("Authorization", "Bearer "+cmdtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.Mock.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("seeding the other import: %v %v", err, resp)
	}
	var theirs struct{ Value []struct{ ID string } }
	json.NewDecoder(resp.Body).Decode(&theirs)
	env.Clock.Advance(30 * time.Minute) // theirs is still pending; ours will settle after the hour too
	client := *env.Mock.Client()
	client.Transport = &dropFirstImport{next: http.DefaultTransport}
	env.Factory.HTTPClient = &client
	csv := writeCSV(t, "d.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--timeout", "2h", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	// Their import settles first and registers the device, so ours answers 806: already registered.
	if code != 0 || statuses(r) != "SN-1=alreadyRegistered" || r.Devices[0].ImportRecordID == "" || r.Devices[0].ImportRecordID == theirs.Value[0].ID {
		t.Fatalf("exit %d %s %+v\n%s", code, statuses(r), r.Devices, env.Stderr)
	}
	for _, q := range env.Mock.Requests() {
		if q.Method == "DELETE" && strings.HasSuffix(q.Path, "/"+theirs.Value[0].ID) {
			t.Errorf("deleted another admin's import record")
		}
	}
}

// Under a write throttle far below demand and 10% injected 503/504s, every device lands exactly once.
func TestImportThrottleStormAndFaults(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: 30 * time.Second, WriteLimit: 3, WriteWindow: 20 * time.Second, FaultRate: 0.1, RandSeed: 7})
	var buf bytes.Buffer
	if err := hashcsv.WriteSynthetic(&buf, 60, hashcsv.SyntheticOptions{Seed: 1, SerialPrefix: "STORM-"}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "storm.csv")
	os.WriteFile(csv, buf.Bytes(), 0o644)
	// The synthetic hashes are 3,000 bytes: the mock accepts them. A budget far above the mock's limit forces 429s.
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--batch-size", "10", "--write-budget", "1000/20s", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || r.Summary.Count(result.Imported) != 60 {
		t.Fatalf("exit %d summary %+v\n%s", code, r.Summary, env.Stderr)
	}
	st := env.Mock.Stats()
	if st.Throttled == 0 || st.Faults == 0 {
		t.Errorf("the storm did not happen: %+v", st)
	}
	if n := count(env, importRoute, 200); n != 6 {
		t.Errorf("%d successful import requests for 60 devices in batches of 10, want 6", n)
	}
	if n := count(env, "DELETE /deviceManagement/importedWindowsAutopilotDeviceIdentities/{id}", 204); n != 60 {
		t.Errorf("%d records deleted, want 60", n)
	}
}

// The service's per-request limit is undocumented: a "too many devices" answer splits the batch to the size
// the message names (else in half).
func TestImportSplitsBatchTheServiceRefuses(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second, MaxImportBatch: 3})
	var rows []string
	for i := 1; i <= 8; i++ {
		rows = append(rows, fmt.Sprintf("H-%d,,%s,,", i, hash(fmt.Sprint(i), 100)))
	}
	csv := writeCSV(t, "d.csv", false, fullHeader, rows...)
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--batch-size", "8", "-o", "json")
	if r := decodeReport(t, env.Stdout.String()); code != 0 || r.Summary.Count(result.Imported) != 8 {
		t.Fatalf("exit %d %+v\n%s", code, r.Summary, env.Stderr)
	}
	// 8 → 400 "at most 3", then 3+3+2 accepted.
	if ok, refused := count(env, importRoute, 200), count(env, importRoute, 400); ok != 3 || refused != 1 {
		t.Errorf("%d accepted, %d refused import requests", ok, refused)
	}
}

func TestImportNoWaitThenResume(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Minute})
	csv := writeCSV(t, "d.csv", true, fullHeader, "SN-1,,"+hash("a", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--no-wait", "-o", "json"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	r := decodeReport(t, env.Stdout.String())
	if statuses(r) != "SN-1=pending" || r.Devices[0].ImportRecordID == "" {
		t.Errorf("no-wait report %+v", r)
	}
	if want := "1 devices submitted; wait for their answers with: autopilotctl device import " + csv + " --graph-url " + env.Mock.BaseURL() + " --resume\n"; !strings.HasSuffix(env.Stderr.String(), want) {
		t.Errorf("stderr %q\nwant suffix %q", env.Stderr, want)
	}
	// --no-wait still exits 3 for rows it could not submit.
	bad := writeCSV(t, "bad.csv", false, fullHeader, "SN-9,,"+hash("z", 100)+",,", "SN-10,,not base64!,,")
	if code := env.Run(NewCmdImport(env.Factory, nil), bad, "--no-wait", "--skip-invalid", "-o", "json"); code != 3 {
		t.Errorf("--no-wait with an invalid row: exit %d, want 3\n%s", code, env.Stderr)
	}
	if n := count(env, "GET /deviceManagement/importedWindowsAutopilotDeviceIdentities", 0); n != 0 {
		t.Errorf("--no-wait polled %d times", n)
	}
	env.Stdout.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json"); code != 0 || statuses(decodeReport(t, env.Stdout.String())) != "SN-1=imported" {
		t.Errorf("resume exit %d %s", code, env.Stdout)
	}
}

// A sync the service refuses (the 10-minute rule) is reported with the reason and when to retry, never
// retried, and makes the run partial: a step that was asked for did not happen.
func TestImportSyncIsReportedNotRetried(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	a := writeCSV(t, "a.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,")
	b := writeCSV(t, "b.csv", false, fullHeader, "SN-2,,"+hash("b", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), a, "--sync"); code != 0 || !strings.HasSuffix(env.Stderr.String(), "Autopilot sync started\n") {
		t.Fatalf("exit %d %q", code, env.Stderr)
	}
	env.Stderr.Reset()
	env.Stdout.Reset()
	env.Clock.Advance(2 * time.Minute) // the first sync has finished; the 10-minute rule still holds
	code := env.Run(NewCmdImport(env.Factory, nil), b, "--sync", "-o", "json")
	stderr := env.Stderr.String()
	if code != 3 || !strings.Contains(stderr, "\nAutopilot sync not started: the last sync was requested less than 10 minutes ago") ||
		!regexp.MustCompile(`try again after 2026-11-02T09:1\d:\d\dZ \(in \d+m\d+s\)`).MatchString(stderr) {
		t.Fatalf("exit %d %q", code, stderr)
	}
	var out struct {
		Sync struct {
			Status  string `json:"status"`
			Error   string `json:"error"`
			RetryAt string `json:"retryAfterDateTime"`
		} `json:"sync"`
	}
	json.Unmarshal([]byte(env.Stdout.String()), &out)
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "SN-2=imported" || out.Sync.Status != "failed" || out.Sync.RetryAt == "" {
		t.Errorf("report %s sync %+v", statuses(r), out.Sync)
	}
	if n := count(env, "POST /deviceManagement/windowsAutopilotSettings/sync", 0); n != 2 {
		t.Errorf("%d sync requests: a refused sync was retried", n)
	}
}

func TestImportFlagErrors(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	for _, args := range [][]string{{}, {"x.csv", "--batch-size", "0"}, {"x.csv", "--dry-run", "--resume"}, {"x.csv", "--write-budget", "lots"},
		{"x.csv", "--assigned-user", "bob"}, {"x.csv", "--group-tag", strings.Repeat("t", 129)}, {"x.csv", "--no-wait", "--sync"}} {
		env.Stderr.Reset()
		if code := env.Run(NewCmdImport(env.Factory, nil), args...); code != 2 {
			t.Errorf("%v: exit %d (%s)", args, code, env.Stderr)
		}
	}
}

// A device the tenant already has is reported with what the tenant holds; --update-tag gives it what its row
// asks for (rows without a group tag leave the tag alone), and a second run finds nothing to change.
func TestImportUpdateTagForAlreadyRegistered(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second, Seed: &graphmock.Seed{AutopilotDevices: []graphmock.SeedAutopilotDevice{
		{SerialNumber: "OLD-1", GroupTag: "Sales"}, {SerialNumber: "OLD-2", GroupTag: "Kiosk"}}}})
	csv := writeCSV(t, "d.csv", false, fullHeader,
		"OLD-1,,"+hash("a", 100)+",Lab,bob@contoso.com",
		"OLD-2,,"+hash("b", 100)+",,",
		"NEW-1,,"+hash("c", 100)+",Lab,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--update-tag", "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "OLD-1=alreadyRegistered OLD-2=alreadyRegistered NEW-1=imported" {
		t.Fatalf("exit %d %s\n%s", code, statuses(r), env.Stderr)
	}
	if d := r.Devices[0]; d.Message != `already registered; group tag changed from "Sales" to "Lab"; user bob@contoso.com assigned` ||
		d.GroupTag != "Lab" || d.AssignedUser != "bob@contoso.com" || d.RequestedGroupTag != nil || d.RequestedAssignedUser != nil {
		t.Errorf("OLD-1: %+v", d)
	}
	if d := r.Devices[1]; d.Message != "already registered in this tenant" || d.GroupTag != "Kiosk" {
		t.Errorf("OLD-2 (no tag in its row) was touched: %+v", d)
	}
	updates := 0
	for _, req := range env.Mock.Requests() {
		if req.Route == "POST /deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties" && req.InBatch {
			updates++
			if string(req.Body) != `{"groupTag":"Lab"}` {
				t.Errorf("update body %s", req.Body)
			}
		}
	}
	if updates != 1 {
		t.Errorf("%d group tag updates, want 1", updates)
	}
	env.Stdout.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--update-tag", "-o", "json"); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
	if d := decodeReport(t, env.Stdout.String()).Devices[0]; d.Message != "already registered in this tenant" || d.GroupTag != "Lab" || d.AssignedUser != "bob@contoso.com" {
		t.Errorf("second run: %+v", d)
	}
}

// Without --update-tag, the report shows what the tenant holds and what the file asks for, and says how to
// apply it; the run still succeeds.
func TestImportAlreadyRegisteredShowsTheTenant(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second, Seed: &graphmock.Seed{AutopilotDevices: []graphmock.SeedAutopilotDevice{
		{SerialNumber: "SN0002", GroupTag: "Kiosk", UserPrincipalName: "kim@contoso.com"}}}})
	csv := writeCSV(t, "d.csv", false, fullHeader, "SN0001,,"+hash("a", 100)+",HYBRID,", "SN0002,,"+hash("b", 100)+",HYBRID,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "SN0001=imported SN0002=alreadyRegistered" {
		t.Fatalf("exit %d %s\n%s", code, statuses(r), env.Stderr)
	}
	d := r.Devices[1]
	if d.GroupTag != "Kiosk" || d.AssignedUser != "kim@contoso.com" || d.RequestedGroupTag == nil || *d.RequestedGroupTag != "HYBRID" ||
		d.RequestedAssignedUser != nil || d.ID == "" {
		t.Errorf("SN0002 %+v", d)
	}
	if want := `already registered in this tenant with group tag "Kiosk" and user "kim@contoso.com"; the input asks for group tag "HYBRID"; pass --update-tag to apply it`; d.Message != want {
		t.Errorf("message %q\nwant    %q", d.Message, want)
	}
	if n := count(env, "POST /deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties", 0); n != 0 {
		t.Errorf("%d updates without --update-tag", n)
	}
	// The table shows the tenant's tag too.
	env.Stdout.Reset()
	env.Run(NewCmdImport(env.Factory, nil), csv)
	if !strings.Contains(env.Stdout.String(), "SN0002\tKiosk\tkim@contoso.com\talreadyRegistered\t") {
		t.Errorf("table %q", env.Stdout)
	}
}

// Ctrl-C while waiting: the report so far is printed, the journal stays, and --resume finishes the job.
func TestImportInterruptedThenResumed(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Minute})
	csv := writeCSV(t, "d.csv", true, fullHeader, "SN-1,,"+hash("a", 100)+",,", "SN-2,,"+hash("b", 100)+",,")
	ctx, cancel := context.WithCancel(context.Background())
	sleep := env.Factory.Sleep
	env.Factory.Sleep = func(c context.Context, d time.Duration) error {
		if d > 0 {
			cancel() // the user presses Ctrl-C during the first wait for the service
		}
		return sleep(c, d)
	}
	code := env.RunContext(ctx, NewCmdImport(env.Factory, nil), csv, "-o", "json")
	if code != 3 || !strings.HasSuffix(env.Stderr.String(), "2 devices: 2 pending\ninterrupted: 2 devices pending, 0 failed, 0 invalid (see the report above); continue with: autopilotctl device import "+csv+" --graph-url "+env.Mock.BaseURL()+" --resume; no device will be sent twice\n") {
		t.Fatalf("exit %d %q", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "SN-1=pending SN-2=pending" {
		t.Errorf("report at interruption: %s", statuses(r))
	}
	env.Factory.Sleep = sleep
	env.Stdout.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--resume", "-o", "json"); code != 0 || statuses(decodeReport(t, env.Stdout.String())) != "SN-1=imported SN-2=imported" {
		t.Fatalf("resume exit %d %s %s", code, env.Stdout, env.Stderr)
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests, want 1", n)
	}
}

// refuseDeletes answers every DELETE inside a $batch with 403, as a tenant whose app may import but not delete.
type refuseDeletes struct{ next http.RoundTripper }

func (rt refuseDeletes) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/$batch") {
		return rt.next.RoundTrip(r)
	}
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, _ := gzip.NewReader(bytes.NewReader(body))
		body, _ = io.ReadAll(zr)
	}
	var batch struct{ Requests []struct{ ID, Method string } }
	json.Unmarshal(body, &batch)
	var out []map[string]any
	for _, it := range batch.Requests {
		if it.Method != "DELETE" {
			return nil, errors.New("test transport only fakes delete batches")
		}
		out = append(out, map[string]any{"id": it.ID, "status": 403, "body": map[string]any{"error": map[string]any{"code": "Forbidden", "message": "not allowed"}}})
	}
	b, _ := json.Marshal(map[string]any{"responses": out})
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
}

// A record the service will not delete is reported, and the run does not wait for it until the timeout.
func TestImportReportsRecordsItCannotDelete(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	client := *env.Mock.Client()
	client.Transport = refuseDeletes{next: http.DefaultTransport}
	env.Factory.HTTPClient = &client
	csv := writeCSV(t, "d.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "SN-1=imported" {
		t.Fatalf("exit %d %s", code, statuses(r))
	}
	want := "its import record " + r.Devices[0].ImportRecordID + " could not be deleted: Graph answered 403 Forbidden: Forbidden: not allowed"
	if r.Devices[0].Message != want {
		t.Errorf("message %q", r.Devices[0].Message)
	}
	var waited time.Duration
	for _, d := range env.Sleeps {
		waited += d
	}
	if waited > time.Minute {
		t.Errorf("waited %s for a delete that will never succeed", waited)
	}
}

// A resumed run sends the rest with the same --group-tag as the interrupted one, or refuses.
func TestImportResumeKeepsOverrides(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Hour})
	csv := writeCSV(t, "d.csv", false, fullHeader, "SN-1,,"+hash("a", 100)+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--group-tag", "Sales", "--no-wait"); code != 0 {
		t.Fatalf("exit %d %s", code, env.Stderr)
	}
	env.Stderr.Reset()
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "--group-tag", "Kiosk", "--resume")
	if code != 2 || !strings.HasPrefix(env.Stderr.String(), "error: --resume: --group-tag and --assigned-user must be as in the interrupted run (--group-tag \"Sales\")\n") {
		t.Errorf("exit %d %q", code, env.Stderr)
	}
	env.Stdout.Reset()
	if code := env.Run(NewCmdImport(env.Factory, nil), csv, "--group-tag", "Sales", "--resume", "--timeout", "2h", "-o", "json"); code != 0 {
		t.Errorf("resume with the same flags: exit %d %s", code, env.Stderr)
	}
}

// The table's DETAIL joins what is there, without empty parts ("806): ; already registered").
func TestImportDetailJoinsOnlyWhatIsThere(t *testing.T) {
	d := &importer.DeviceResult{Change: result.Change{SerialNumber: "SN-1", Status: result.AlreadyRegistered, Message: "already registered in this tenant"},
		ErrorCode: 806, ErrorName: "ZtdDeviceAlreadyAssigned", Warnings: []string{"placeholder"}}
	got := reportResult(importOutput{Report: &importer.Report{Devices: []*importer.DeviceResult{d}}}).Table.Rows[0][4]
	if want := "ZtdDeviceAlreadyAssigned (806); already registered in this tenant; placeholder"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
}

// A hash whose base64 lost its final "=" (admins fix the portal's Edm.Binary error by adding it back) is
// imported, and what reaches the service is the padded form.
func TestImportUnpaddedHashIsSentPadded(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	padded := hash("p", 100) // 100 bytes: base64 ends in "="
	if !strings.HasSuffix(padded, "=") {
		t.Fatal("the test hash needs padding")
	}
	csv := writeCSV(t, "d.csv", false, fullHeader, "PAD-1,,"+strings.TrimRight(padded, "=")+",,")
	if code := env.Run(NewCmdImport(env.Factory, nil), csv); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, env.Stdout, env.Stderr)
	}
	for _, r := range env.Mock.Requests() {
		if r.Route == importRoute && !strings.Contains(string(r.Body), `"hardwareIdentifier":"`+padded+`"`) {
			t.Errorf("import body lacks the padded hash: %s", r.Body)
		}
	}
	if count(env, importRoute, 200) != 1 {
		t.Error("no import request was accepted")
	}
}
