package autopilot

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// fakeGraph lists devices for any device listing, answers every $batch item 204 and everything else with
// answer; it records each request line and each $batch item URL.
type fakeGraph struct {
	devices []Device
	answer  func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	requests []string
	items    []string
}

func (f *fakeGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "GET" && r.URL.Path == "/beta"+devicesPath:
		json.NewEncoder(w).Encode(map[string]any{"value": f.devices})
	case r.URL.Path == "/beta/$batch":
		var in struct{ Requests []graph.BatchRequest }
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			body, _ = gzip.NewReader(r.Body)
		}
		json.NewDecoder(body).Decode(&in)
		var out []map[string]any
		for _, it := range in.Requests {
			f.items = append(f.items, it.Method+" "+it.URL)
			out = append(out, map[string]any{"id": it.ID, "status": 204})
		}
		json.NewEncoder(w).Encode(map[string]any{"responses": out})
	default:
		f.answer(w, r)
	}
}

func fakeClient(t *testing.T, f *fakeGraph, sleeps *[]time.Duration) *graph.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := graph.New(graph.Config{BaseURL: srv.URL + "/beta", HTTPClient: srv.Client(), Retry: graph.RetryPolicy{
		Sleep: func(_ context.Context, d time.Duration) error { *sleeps = append(*sleeps, d); return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const goodID = "3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60"

// Device ids from Graph go into write URLs only as GUIDs: an id that would move the request to another path
// ("../managedDevices/…") or add a query ("x?$batch=1#") fails that device, names the id, and sends nothing
// for it.
func TestDeviceIDsFromGraphMustBeGUIDs(t *testing.T) {
	f := &fakeGraph{devices: []Device{
		{ID: "../managedDevices/11111111-1111-4111-8111-111111111111", SerialNumber: "BAD1", GroupTag: "T"},
		{ID: "x?$batch=1#", SerialNumber: "BAD2", GroupTag: "T"},
		{ID: goodID, SerialNumber: "OK1", GroupTag: "T"},
	}, answer: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }}
	var sleeps []time.Duration
	c := fakeClient(t, f, &sleeps)
	ctx := context.Background()
	bad1 := `Autopilot device id "../managedDevices/11111111-1111-4111-811…" is not a GUID; it is not put in a request URL`
	bad2 := `Autopilot device id "x?$batch=1#" is not a GUID; it is not put in a request URL`

	deletes, err := PlanDeletes(ctx, c, []string{"BAD1", "BAD2", "OK1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyDeletes(ctx, c, deletes, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, d := range deletes {
		got = append(got, fmt.Sprintf("%s %s %s", d.SerialNumber, d.Status, d.Error))
	}
	want := []string{"BAD1 failed " + bad1, "BAD2 failed " + bad2, "OK1 deleted "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("deletes\n%q\nwant\n%q", got, want)
	}

	retag, err := PlanRetag(ctx, c, "T", "U")
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyTags(ctx, c, retag, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range retag {
		got = append(got, fmt.Sprintf("%s %s %s", r.SerialNumber, r.Status, r.Error))
	}
	want = []string{"BAD1 failed " + bad1, "BAD2 failed " + bad2, "OK1 updated "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("retag\n%q\nwant\n%q", got, want)
	}

	// A plan made elsewhere is checked again where the URL is built.
	forged := []*DeleteResult{{Change: result.Change{Kind: Kind, SerialNumber: "BAD2", ID: "x?$batch=1#", Status: result.WouldDelete}}}
	if err := ApplyDeletes(ctx, c, forged, WriteOptions{}); err != nil || forged[0].Status != result.Failed || forged[0].Error != bad2 {
		t.Errorf("forged plan: %v, %+v", err, forged[0])
	}

	_, err = AssignUser(ctx, c, "BAD2", "adele@contoso.example", "", false)
	var ide *graph.IDError
	if !errors.As(err, &ide) || err.Error() != bad2 {
		t.Errorf("assign-user: %v", err)
	}

	wantItems := []string{"DELETE " + devicesPath + "/" + goodID, "POST " + devicesPath + "/" + goodID + "/updateDeviceProperties"}
	if fmt.Sprint(f.items) != fmt.Sprint(wantItems) {
		t.Errorf("$batch items %q, want %q", f.items, wantItems)
	}
	for _, r := range f.requests {
		if r != "GET /beta"+devicesPath && r != "POST /beta/$batch" {
			t.Errorf("unexpected request %s", r)
		}
	}
}

// hostile is tenant text built to take over a terminal: a forged line, a title change, a bell, a
// right-to-left override.
const hostile = "\r\nerror: forged\x1b]0;t\a\u202e"

// Errors quote the tenant's serial numbers, ids, group tags and hardware names escaped and cut short.
func TestLookupErrorsEscapeTenantText(t *testing.T) {
	amb := &AmbiguousSerialError{Serial: "DUP", Matches: []Device{
		{ID: "id" + hostile, GroupTag: "T" + hostile, Manufacturer: "HP" + hostile, Model: "M"},
		{ID: goodID, Manufacturer: strings.Repeat("x", 50)},
	}}
	want := `serial number "DUP" matches 2 Autopilot devices; name one by its id: id\r\nerror: forged\x1b]0;t\a\u202e ` +
		`(group tag "T\r\nerror: forged\x1b]0;t\a\u202e", HP\r\nerror: forged\x1b]0;t\a\u202e M), ` +
		goodID + ` (no group tag, ` + strings.Repeat("x", 40) + `…)`
	if got := amb.Error(); got != want {
		t.Errorf("ambiguous\n%s\nwant\n%s", got, want)
	}
	similar := []string{"SIM" + hostile}
	for i := 0; i < 12; i++ {
		similar = append(similar, fmt.Sprintf("SIM%d", i))
	}
	nf := &NotFoundError{Serial: "SIM", Similar: similar}
	want = `no Autopilot device has serial number "SIM"; serial numbers containing it: SIM\r\nerror: forged\x1b]0;t\a\u202e, ` +
		`SIM0, SIM1, SIM2, SIM3, SIM4, SIM5, SIM6, SIM7, SIM8, and 3 more`
	if got := nf.Error(); got != want {
		t.Errorf("not found\n%s\nwant\n%s", got, want)
	}
	if got, want := (&NotFoundError{Serial: "x" + hostile, ByID: true}).Error(), `no Autopilot device has id x\r\nerror: forged\x1b]0;t\a\u202e`; got != want {
		t.Errorf("by id: %s", got)
	}
}

// A 429 on the settings read is a refused sync with Graph's retry time, at once: never waited out.
func TestSyncThrottledReadIsRefusedAtOnce(t *testing.T) {
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for _, dryRun := range []bool{true, false} {
		f := &fakeGraph{answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "59")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`)
		}}
		var sleeps []time.Duration
		c := fakeClient(t, f, &sleeps)
		_, err := Sync(context.Background(), c, func() time.Time { return now }, dryRun)
		var refused *SyncRefusedError
		want := "Autopilot sync not started: Graph throttled the request; try again after 2026-01-05T10:00:59Z (in 59s)"
		wantRequests := "[GET /beta/deviceManagement/windowsAutopilotSettings]"
		if !dryRun {
			wantRequests = "[POST /beta/deviceManagement/windowsAutopilotSettings/sync GET /beta/deviceManagement/windowsAutopilotSettings]"
		}
		if !errors.As(err, &refused) || err.Error() != want || !refused.Result().RetryAt.Equal(now.Add(59*time.Second)) ||
			len(sleeps) != 0 || fmt.Sprint(f.requests) != wantRequests {
			t.Errorf("dry run %v: %v; sleeps %v; requests %v", dryRun, err, sleeps, f.requests)
		}
	}
}
