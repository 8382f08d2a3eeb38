package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRecorderScrubsAndReplays(t *testing.T) {
	const token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.c2ln"
	upstream, _ := startFake(t, Options{Token: token, Seed: &Seed{AutopilotDevices: []SeedAutopilotDevice{
		{ID: "0a1b2c3d-0000-4000-8000-0000000000d1", SerialNumber: "ORIGSERIAL1", UserPrincipalName: "adele.vance@fabrikam.com", HardwareIdentifier: hash("H", 80)},
	}}})
	dir := t.TempDir()
	rec := NewRecorder(upstream.URL(), dir, upstream.Client())
	proxy := httptest.NewServer(rec)
	defer proxy.Close()
	via := &Server{url: proxy.URL, client: proxy.Client()}
	auth := "Authorization: Bearer " + token

	newHash := hash("N", 90)
	send(t, via, "POST", importsPath+"/import", importBody(map[string]any{
		"serialNumber": "ORIGSERIAL2", "hardwareIdentifier": newHash, "assignedUserPrincipalName": "megan.bowen@fabrikam.com",
	}), auth).want(t, 200)
	page := send(t, via, "GET", devicesPath+"?$top=1&$filter="+queryEscape("contains(serialNumber,'ORIGSERIAL')"), nil, auth).want(t, 200)
	if !strings.HasPrefix(page.str("@odata.nextLink"), proxy.URL+"/beta/") {
		t.Errorf("nextLink should lead back through the recorder: %q", page.str("@odata.nextLink"))
	}
	send(t, via, "GET", page.str("@odata.nextLink"), nil, auth).want(t, 200)
	send(t, via, "GET", devicesPath+"/0a1b2c3d-0000-4000-8000-0000000000d1", nil, auth).want(t, 200)
	if err := rec.Save(); err != nil {
		t.Fatal(err)
	}

	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	wantNames := []string{"001-post-import.json", "002-get-windowsAutopilotDeviceIdentities.json", "003-get-windowsAutopilotDeviceIdentities.json", "004-get-windowsAutopilotDeviceIdentities.json", "cassette.json"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("files %v, want %v", names, wantNames)
	}
	secrets := []string{token, "ORIGSERIAL", "fabrikam", "adele.vance", "megan.bowen", hash("H", 80), newHash, upstream.URL()}
	for _, name := range names {
		raw, _ := os.ReadFile(filepath.Join(dir, name))
		for _, secret := range secrets {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s still contains %q", name, secret)
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "004-get-windowsAutopilotDeviceIdentities.json"))
	var it Interaction
	if err := json.Unmarshal(raw, &it); err != nil {
		t.Fatal(err)
	}
	var dev map[string]any
	json.Unmarshal(it.Response.Body, &dev)
	if dev["serialNumber"] != "SERIAL0002" || dev["userPrincipalName"] != "user2@contoso.example" || it.Response.Status != 200 {
		t.Errorf("scrubbed device: %s", it.Response.Body)
	}

	// The combined cassette replays what was recorded.
	replay := httptest.NewServer(NewCassette(t, filepath.Join(dir, "cassette.json")))
	defer replay.Close()
	var all []Interaction
	raw, _ = os.ReadFile(filepath.Join(dir, "cassette.json"))
	json.Unmarshal(raw, &all)
	for _, it := range all {
		target := replay.URL + it.Request.URL
		var body any
		if len(it.Request.Body) > 0 {
			body = []byte(it.Request.Body)
		}
		send(t, &Server{client: replay.Client()}, it.Request.Method, target, body).want(t, it.Response.Status)
	}
}

func TestScrubText(t *testing.T) {
	hw := base64.StdEncoding.EncodeToString([]byte("hardware"))
	tests := []struct {
		name, in string
		want     string
	}{
		{"bearer token", `Authorization: Bearer abc.def-ghi`, `Authorization: Bearer REDACTED`},
		{"jwt", `{"token":"eyJhbGciOi.eyJzdWIiOi.sig_-x"}`, `{"token":"REDACTED"}`},
		{"sign-in URL", `https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token`, `https://login.microsoftonline.com/` + scrubbedTenant + `/oauth2/v2.0/token`},
		{"tenant field", `{"tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","x":"72f988bf-86f1-41af-91ab-2d7cd011db47"}`, `{"tid":"` + scrubbedTenant + `","x":"` + scrubbedTenant + `"}`},
		{"upn in a path", `/users/anna%40fabrikam.com/devices`, `/users/user1@contoso.example/devices`},
		{"same upn, same stand-in", `["anna@fabrikam.com","bob@fabrikam.com","anna@fabrikam.com"]`, `["user1@contoso.example","user2@contoso.example","user1@contoso.example"]`},
		{"serial and hash", `{"serialNumber":"PF3X","hardwareIdentifier":"` + hw + `","displayName":"PF3X"}`,
			`{"serialNumber":"SERIAL0001","hardwareIdentifier":"` + base64.StdEncoding.EncodeToString([]byte("scrubbed hardware hash 0001 "+strings.Repeat("0", 64))) + `","displayName":"SERIAL0001"}`},
	}
	for _, tt := range tests {
		sc := newScrubber()
		sc.learnJSON(json.RawMessage(tt.in))
		if got := sc.text(tt.in); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
