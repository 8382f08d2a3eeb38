package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
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

// secretForms are the ways a value can reach a recording; none may survive scrubbing, in any letter case.
func secretForms(v string) []string {
	q := url.QueryEscape(v)
	js, _ := json.Marshal(v)
	return []string{v, url.PathEscape(v), q, strings.ReplaceAll(q, "+", "%20"), string(js[1 : len(js)-1]),
		strings.ReplaceAll(string(js[1:len(js)-1]), "/", `\/`), netJSONEscape(v)}
}

// Serials with URL- and JSON-special characters and UPNs in mixed case are scrubbed in every form they take:
// in the filter the client encoded (%20 or +), in nextLinks, JSON-escaped in bodies, and a UPN's parts alone.
func TestRecorderScrubsEveryForm(t *testing.T) {
	const token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.c2ln"
	serials := []string{"SN 01/A&B?C#D", "X+Y 2", "Zoë/9"}
	const user = "Adele.Vance@Fabrikam.com"
	seed := &Seed{}
	for i, sn := range serials {
		seed.AutopilotDevices = append(seed.AutopilotDevices, SeedAutopilotDevice{ID: fmt.Sprintf("0a1b2c3d-0000-4000-8000-00000000000%d", i),
			SerialNumber: sn, UserPrincipalName: user, HardwareIdentifier: hash(fmt.Sprint(i), 80)})
	}
	upstream, _ := startFake(t, Options{Token: token, Seed: seed})
	dir := t.TempDir()
	rec := NewRecorder(upstream.URL(), dir, upstream.Client())
	proxy := httptest.NewServer(rec)
	defer proxy.Close()
	via := &Server{url: proxy.URL, client: proxy.Client()}
	auth := "Authorization: Bearer " + token
	for _, sn := range serials {
		filter := "contains(serialNumber,'" + sn + "')"
		send(t, via, "GET", devicesPath+"?$top=1&$filter="+strings.ReplaceAll(url.QueryEscape(filter), "+", "%20"), nil, auth).want(t, 200)
		send(t, via, "GET", devicesPath+"?$filter="+url.QueryEscape(filter), nil, auth).want(t, 200)
	}
	send(t, via, "GET", "/beta/users/"+url.PathEscape(strings.ToLower(user)), nil, auth)
	send(t, via, "GET", "/beta/users/"+strings.ToUpper(user)+"?$select=displayName", nil, auth)
	send(t, via, "POST", importsPath+"/import", importBody(map[string]any{
		"serialNumber": "NEW 7&8", "hardwareIdentifier": hash("N", 90), "assignedUserPrincipalName": "megan.bowen@fabrikam.com",
	}), auth).want(t, 200)
	if err := rec.Save(); err != nil {
		t.Fatal(err)
	}

	secrets := []string{token, user, "adele.vance", "fabrikam.com", "megan.bowen", "NEW 7&8", hash("N", 90), upstream.URL()}
	secrets = append(secrets, serials...)
	for i := range serials {
		secrets = append(secrets, hash(fmt.Sprint(i), 80))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 10 { // 9 exchanges and the cassette
		t.Errorf("%d files", len(entries))
	}
	for _, e := range entries {
		raw, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		text := strings.ToLower(string(raw))
		for _, secret := range secrets {
			for _, f := range secretForms(secret) {
				if strings.Contains(text, strings.ToLower(f)) {
					t.Errorf("%s still contains %q (a form of %q)", e.Name(), f, secret)
				}
			}
		}
	}
}

func TestScrubForms(t *testing.T) {
	sc := newScrubber()
	sc.learnJSON(json.RawMessage(`{"serialNumber":"SN 01/A&B?C#D","userPrincipalName":"anna.lee@fabrikam.com"}`))
	tests := []struct{ name, in, want string }{
		{"query, %20", `/x?$filter=serialNumber%20eq%20'SN%2001%2FA%26B%3FC%23D'`, `/x?$filter=serialNumber%20eq%20'SERIAL0001'`},
		{"query, +", `/x?$filter=serialNumber+eq+'SN+01%2FA%26B%3FC%23D'`, `/x?$filter=serialNumber%20eq%20'SERIAL0001'`},
		{"query, lower-case hex, / left raw", `/x?$filter=serialNumber eq 'SN%2001/A%26B%3fC%23D'`, `/x?$filter=serialNumber%20eq%20'SERIAL0001'`},
		{"query, another spelling", `/x?$filter=serialNumber eq 'sn%2001/a%26b%3fC%23D'`, `/x?$filter=serialNumber%20eq%20'SERIAL0001'`},
		{"path", `/x/SN%2001%2FA&B%3FC%23D/y`, `/x/SERIAL0001/y`},
		{"upn in any case", `/users/ANNA.LEE%40FABRIKAM.COM`, `/users/user1@contoso.example`},
	}
	for _, tt := range tests {
		sc.learnURL(tt.in) // as the recorder does before scrubbing a URL
		if got := sc.url(tt.in); got != tt.want {
			t.Errorf("url %s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	texts := []struct{ name, in, want string }{
		{"go JSON escapes", `{"d":"SN 01/A\u0026B?C#D"}`, `{"d":"SERIAL0001"}`},
		{"escaped slash", `{"d":"SN 01\/A&B?C#D"}`, `{"d":"SERIAL0001"}`},
		{".NET escapes", `{"d":"SN 01/A\u0026B?C#D","u":"Anna.Lee@Fabrikam.com"}`, `{"d":"SERIAL0001","u":"user1@contoso.example"}`},
		{"nextLink in a body", `{"@odata.nextLink":"https://g/x?$filter=contains(serialNumber,'SN%2001%2FA%26B%3FC%23D')"}`, `{"@odata.nextLink":"https://g/x?$filter=contains(serialNumber,'SERIAL0001')"}`},
		{"upn parts", `{"mailNickname":"Anna.Lee","domain":"FABRIKAM.COM","other":"annaleeway"}`, `{"mailNickname":"user1","domain":"contoso.example","other":"annaleeway"}`},
	}
	for _, tt := range texts {
		if got := sc.text(tt.in); got != tt.want {
			t.Errorf("text %s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
