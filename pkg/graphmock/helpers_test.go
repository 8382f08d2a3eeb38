package graphmock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

var testStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// startFake starts a mock on a FakeClock set to testStart.
func startFake(t *testing.T, opts Options) (*Server, *FakeClock) {
	t.Helper()
	clock := NewFakeClock(testStart)
	opts.Clock = clock
	return Start(t, opts), clock
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// send sends a request to s; target is a path under /beta or an absolute URL; body is JSON-encoded unless
// it is []byte; headers are "Name: value" strings.
func send(t *testing.T, s *Server, method, target string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	if !strings.HasPrefix(target, "http") {
		target = s.BaseURL() + target
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %s", method, target, raw)
		}
	}
	return r
}

// want fails the test unless the reply has the status.
func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}

// errorMessage is error.code + ": " + error.message.
func (r reply) errorMessage() string {
	e, _ := r.body["error"].(map[string]any)
	return fmt.Sprintf("%v: %v", e["code"], e["message"])
}

// str reads a string at a dotted path in the body ("state.deviceImportStatus"); a path starting with "@"
// is one annotation key ("@odata.nextLink").
func (r reply) str(path string) string {
	keys := strings.Split(path, ".")
	if strings.HasPrefix(path, "@") {
		keys = []string{path}
	}
	var v any = r.body
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func (r reply) values() []map[string]any {
	var out []map[string]any
	list, _ := r.body["value"].([]any)
	for _, v := range list {
		out = append(out, v.(map[string]any))
	}
	return out
}

// hash returns a valid-looking hardware hash: n bytes, distinct per seed, standard base64.
func hash(seed string, n int) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(seed, n)[:n]))
}

// importDevice is one device of an import body.
func importDevice(serial, hw string) map[string]any {
	return map[string]any{
		"@odata.type":        "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
		"serialNumber":       serial,
		"hardwareIdentifier": hw,
	}
}

func importBody(devices ...map[string]any) map[string]any {
	list := make([]any, len(devices))
	for i, d := range devices {
		list[i] = d
	}
	return map[string]any{"importedWindowsAutopilotDeviceIdentities": list}
}

func queryEscape(s string) string { return url.QueryEscape(s) }
