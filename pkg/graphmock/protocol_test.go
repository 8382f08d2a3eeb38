package graphmock

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	s, _ := startFake(t, Options{Token: "secret"})
	tests := []struct {
		header string
		want   int
	}{
		{"", 401},
		{"Authorization: Bearer wrong", 401},
		{"Authorization: secret", 401},
		{"Authorization: Bearer secret", 200},
	}
	for _, tt := range tests {
		var headers []string
		if tt.header != "" {
			headers = append(headers, tt.header)
		}
		got := send(t, s, "GET", devicesPath, nil, headers...).want(t, tt.want)
		if tt.want == 401 && got.errorMessage() != "InvalidAuthenticationToken: Access token is empty or invalid." {
			t.Errorf("%q: %s", tt.header, got.errorMessage())
		}
	}
}

func TestErrorBodyCarriesRequestIDs(t *testing.T) {
	s, _ := startFake(t, Options{})
	tests := []struct {
		name, clientID string
	}{
		{"echoes client-request-id", "c0ffee00-0000-4000-8000-000000000001"},
		{"falls back to request-id", ""},
	}
	for _, tt := range tests {
		var headers []string
		if tt.clientID != "" {
			headers = append(headers, "client-request-id: "+tt.clientID)
		}
		got := send(t, s, "GET", devicesPath+"/missing", nil, headers...).want(t, 404)
		reqID := got.header.Get("request-id")
		wantClient := tt.clientID
		if wantClient == "" {
			wantClient = reqID
		}
		if reqID == "" || got.str("error.innerError.request-id") != reqID || got.str("error.innerError.client-request-id") != wantClient ||
			got.header.Get("client-request-id") != wantClient || got.str("error.innerError.date") != "2025-03-01T09:00:00" {
			t.Errorf("%s: headers %v body %s", tt.name, got.header, got.raw)
		}
	}
}

func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	json.NewEncoder(zw).Encode(v)
	zw.Close()
	return buf.Bytes()
}

func TestGzipRequestBodies(t *testing.T) {
	s, _ := startFake(t, Options{})
	send(t, s, "POST", importsPath+"/import", gzipped(t, importBody(importDevice("GZ1", hash("g", 64)))), "Content-Encoding: gzip").want(t, 200)
	if got := serials(send(t, s, "GET", importsPath, nil)); got != "GZ1" {
		t.Errorf("imported %q", got)
	}
	if log := s.Requests(); !strings.Contains(string(log[0].Body), `"GZ1"`) {
		t.Errorf("logged body should be decompressed: %q", log[0].Body)
	}
	got := send(t, s, "POST", importsPath+"/import", []byte("not gzip"), "Content-Encoding: gzip").want(t, 400)
	if !strings.HasPrefix(got.errorMessage(), "BadRequest: the request body is not valid gzip") {
		t.Errorf("bad gzip: %s", got.errorMessage())
	}
}

// A gzip bomb must not take the mock's memory: what a body inflates to is capped.
func TestGzipBombIsRefused(t *testing.T) {
	s, _ := startFake(t, Options{})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zero := make([]byte, 1<<20)
	for i := 0; i < (maxBody>>20)+1; i++ {
		zw.Write(zero)
	}
	zw.Close()
	got := send(t, s, "POST", importsPath+"/import", buf.Bytes(), "Content-Encoding: gzip").want(t, 400)
	if got.errorMessage() != "BadRequest: the request body is not valid gzip: body larger than 64 MiB" {
		t.Errorf("gzip bomb (%d bytes compressed): %s", buf.Len(), got.errorMessage())
	}
}

func TestUnknownRoutes(t *testing.T) {
	s, _ := startFake(t, Options{})
	tests := []struct {
		method, path string
		status       int
		msg          string
	}{
		{"GET", "/deviceManagement/windowsAutopilotDevices", 400, "BadRequest: Resource not found for the segment 'windowsAutopilotDevices'."},
		{"GET", "/deviceManagement/windowsAutopilotDeviceIdentities/x/y/z", 400, "BadRequest: Resource not found for the segment 'y'."},
		{"PATCH", "/deviceManagement/windowsAutopilotSettings", 405, "BadRequest: Specified HTTP method is not allowed for the request target."},
		{"GET", "/DEVICEMANAGEMENT/WindowsAutopilotSettings", 200, ""},
	}
	for _, tt := range tests {
		got := send(t, s, tt.method, tt.path, nil).want(t, tt.status)
		if tt.msg != "" && got.errorMessage() != tt.msg {
			t.Errorf("%s %s: %s", tt.method, tt.path, got.errorMessage())
		}
	}
	got := send(t, s, "GET", s.URL()+"/v1.0/deviceManagement", nil).want(t, 400)
	if got.errorMessage() != "BadRequest: Invalid version: v1.0" {
		t.Errorf("version: %s", got.errorMessage())
	}
}

func TestRouterVariableInsideSegment(t *testing.T) {
	s := New(Options{})
	s.handle("GET /servicePrincipals(appId='{appId}')", func(c *call) { c.JSON(200, map[string]any{"appId": c.Param("appId")}) })
	m := s.match("GET", "/SERVICEPRINCIPALS(appId='f1346770-5b25-470b-88bd-d5744ab7952c')")
	if m.route == nil || m.params["appId"] != "f1346770-5b25-470b-88bd-d5744ab7952c" {
		t.Errorf("match = %+v", m)
	}
}

func TestWriteThrottle(t *testing.T) {
	s, clock := startFake(t, Options{WriteLimit: 2, WriteWindow: 20 * time.Second})
	write := func() reply {
		return send(t, s, "POST", devicesPath+"/none/unassignUserFromDevice", nil)
	}
	steps := []struct {
		advance    time.Duration
		wantStatus int
		retryAfter string
	}{
		{0, 404, ""},
		{time.Second, 404, ""},
		{500 * time.Millisecond, 429, "19"},
		{4 * time.Second, 429, "15"},                      // 14.5 s left rounds up
		{14*time.Second + 400*time.Millisecond, 429, "1"}, // 0.1 s left: at least 1
		{100 * time.Millisecond, 404, ""},                 // a new window
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		got := write()
		if got.status != st.wantStatus || got.header.Get("Retry-After") != st.retryAfter {
			t.Fatalf("step %d: %d Retry-After %q, want %d %q", i, got.status, got.header.Get("Retry-After"), st.wantStatus, st.retryAfter)
		}
		if st.wantStatus == 429 && (got.errorMessage() != "TooManyRequests: Please retry again later." || got.str("error.innerError.status") != "429" || got.str("error.innerError.request-id") != got.header.Get("request-id")) {
			t.Errorf("step %d: 429 body %s", i, got.raw)
		}
	}
	send(t, s, "GET", devicesPath, nil).want(t, 200) // reads are not throttled
	if st := s.Stats(); st.Throttled != 3 || st.ByRoute["POST "+devicesPath+"/{id}/unassignUserFromDevice"] != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultsAreSeeded(t *testing.T) {
	run := func(seed int64) (string, Stats) {
		s, _ := startFake(t, Options{FaultRate: 0.5, RandSeed: seed})
		var codes []string
		for range 12 {
			got := send(t, s, "GET", "/deviceManagement/windowsAutopilotSettings", nil)
			codes = append(codes, fmt.Sprint(got.status))
			if got.status != 200 && got.errorMessage() != map[int]string{
				503: "ServiceUnavailable: The service is temporarily unavailable. Please retry later.",
				504: "GatewayTimeout: The operation timed out. Please retry later.",
			}[got.status] {
				t.Errorf("fault body %s", got.raw)
			}
		}
		return strings.Join(codes, ","), s.Stats()
	}
	a, stats := run(7)
	b, _ := run(7)
	c, _ := run(8)
	if a != b || a == c {
		t.Errorf("seed 7 gave %s then %s; seed 8 gave %s", a, b, c)
	}
	faults := strings.Count(a, "503") + strings.Count(a, "504")
	if faults == 0 || faults == 12 || !strings.Contains(a, "503") || !strings.Contains(a, "504") || stats.Faults != faults {
		t.Errorf("codes %s, Stats.Faults %d", a, stats.Faults)
	}
}

func TestLatencyUsesSleep(t *testing.T) {
	var slept []time.Duration
	s, _ := startFake(t, Options{Latency: 250 * time.Millisecond, Sleep: func(d time.Duration) { slept = append(slept, d) }})
	send(t, s, "GET", devicesPath, nil).want(t, 200)
	send(t, s, "GET", s.URL()+"/_mock/stats", nil).want(t, 200)
	if !reflect.DeepEqual(slept, []time.Duration{250 * time.Millisecond}) {
		t.Errorf("slept %v", slept)
	}
}

func TestRequestLogAndStats(t *testing.T) {
	s, _ := startFake(t, Options{Seed: DemoSeed()})
	send(t, s, "GET", devicesPath+"?$filter="+queryEscape("groupTag eq 'Kiosk'"), nil).want(t, 200)
	send(t, s, "POST", importsPath+"/import", importBody(importDevice("L1", hash("l", 64)))).want(t, 200)
	send(t, s, "GET", "/nothing", nil).want(t, 400)

	want := []LoggedRequest{
		{Method: "GET", Path: devicesPath, Query: "$filter=groupTag eq 'Kiosk'", Route: "GET " + devicesPath, Status: 200},
		{Method: "POST", Path: importsPath + "/import", Route: "POST " + importsPath + "/import", Status: 200},
		{Method: "GET", Path: "/nothing", Status: 400},
	}
	got := s.Requests()
	for i := range got {
		got[i].Body = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log\n got %+v\nwant %+v", got, want)
	}
	stats := send(t, s, "GET", s.URL()+"/_mock/stats", nil).want(t, 200)
	if stats.str("total") != "3" || stats.body["byRoute"].(map[string]any)["GET "+devicesPath] != float64(1) || stats.str("maxConcurrency") != "1" {
		t.Errorf("/_mock/stats %s", stats.raw)
	}
	var logged []LoggedRequest
	resp, err := s.Client().Get(s.URL() + "/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&logged); err != nil || len(logged) != 3 || logged[1].Route != "POST "+importsPath+"/import" {
		t.Errorf("/_mock/requests: %v %+v", err, logged)
	}
	s.ResetLog()
	if st := s.Stats(); len(s.Requests()) != 0 || st.Total != 0 || len(st.ByRoute) != 0 {
		t.Errorf("after ResetLog: %+v", st)
	}
}

func TestStartTLS(t *testing.T) {
	s := StartTLS(t, Options{Seed: DemoSeed()})
	if !strings.HasPrefix(s.BaseURL(), "https://127.0.0.1:") {
		t.Fatalf("BaseURL %q", s.BaseURL())
	}
	page := send(t, s, "GET", devicesPath+"?$top=5", nil).want(t, 200)
	if !strings.HasPrefix(page.str("@odata.nextLink"), s.BaseURL()+devicesPath) {
		t.Errorf("nextLink %q", page.str("@odata.nextLink"))
	}
}
