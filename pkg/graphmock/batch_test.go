package graphmock

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

type batchItem = map[string]any

// runBatch posts items to $batch and returns the responses by id as "status code" plus the raw items.
func runBatch(t *testing.T, s *Server, items ...batchItem) (map[string]string, map[string]map[string]any) {
	t.Helper()
	got := send(t, s, "POST", "/$batch", map[string]any{"requests": items}).want(t, 200)
	summary := map[string]string{}
	byID := map[string]map[string]any{}
	for _, r := range got.body["responses"].([]any) {
		r := r.(map[string]any)
		id := r["id"].(string)
		code := ""
		if body, ok := r["body"].(map[string]any); ok {
			if e, ok := body["error"].(map[string]any); ok {
				code = " " + e["code"].(string)
			}
		}
		summary[id] = fmt.Sprint(r["status"]) + code
		byID[id] = r
	}
	return summary, byID
}

func jsonHeaders() map[string]any { return map[string]any{"Content-Type": "application/json"} }

func TestBatchDependenciesAndItemErrors(t *testing.T) {
	s, _ := startFake(t, Options{Seed: &Seed{AutopilotDevices: []SeedAutopilotDevice{{ID: "d1", SerialNumber: "S1"}}}})
	summary, byID := runBatch(t, s,
		batchItem{"id": "1", "method": "POST", "url": "/deviceManagement/windowsAutopilotDeviceIdentities/d1/updateDeviceProperties", "headers": jsonHeaders(), "body": map[string]any{"groupTag": "Kiosk"}},
		batchItem{"id": "2", "method": "GET", "url": "deviceManagement/windowsAutopilotDeviceIdentities/d1", "dependsOn": []string{"1"}},
		batchItem{"id": "3", "method": "POST", "url": "/deviceManagement/windowsAutopilotDeviceIdentities/missing/updateDeviceProperties", "headers": jsonHeaders(), "body": map[string]any{"groupTag": "X"}},
		batchItem{"id": "4", "method": "GET", "url": "/deviceManagement/windowsAutopilotDeviceIdentities/d1", "dependsOn": []string{"3"}},
		batchItem{"id": "5", "method": "GET", "url": "https://graph.microsoft.com/beta/deviceManagement/windowsAutopilotSettings"},
		batchItem{"id": "6", "method": "POST", "url": "/deviceManagement/windowsAutopilotDeviceIdentities/d1/updateDeviceProperties", "body": map[string]any{"groupTag": "Y"}},
	)
	want := map[string]string{"1": "204", "2": "200", "3": "404 ResourceNotFound", "4": "424 FailedDependency", "5": "400 BadRequest", "6": "400 BadRequest"}
	if fmt.Sprint(summary) != fmt.Sprint(want) {
		t.Errorf("responses %v, want %v", summary, want)
	}
	if tag := byID["2"]["body"].(map[string]any)["groupTag"]; tag != "Kiosk" {
		t.Errorf("item 2 should see item 1's write: groupTag %v", tag)
	}
	var inBatch int
	for _, r := range s.Requests() {
		if r.InBatch {
			inBatch++
		}
	}
	if st := s.Stats(); st.BatchItems != 6 || inBatch != 6 || st.Total != 7 || st.ByRoute["POST /$batch"] != 1 {
		t.Errorf("stats %+v, logged batch items %d", st, inBatch)
	}
}

func TestBatchItemsAreThrottledOneByOne(t *testing.T) {
	s, _ := startFake(t, Options{WriteLimit: 2, WriteWindow: 10 * time.Second})
	var items []batchItem
	for i := range 3 {
		items = append(items, batchItem{"id": fmt.Sprint(i), "method": "POST", "url": importsPath + "/import", "headers": jsonHeaders(),
			"body": importBody(importDevice(fmt.Sprint("B", i), hash(fmt.Sprint(i), 64)))})
	}
	items = append(items, batchItem{"id": "read", "method": "GET", "url": importsPath})
	summary, byID := runBatch(t, s, items...)
	want := map[string]string{"0": "200", "1": "200", "2": "429 TooManyRequests", "read": "200"}
	if fmt.Sprint(summary) != fmt.Sprint(want) {
		t.Errorf("responses %v, want %v", summary, want)
	}
	if h := byID["2"]["headers"].(map[string]any); h["Retry-After"] != "10" {
		t.Errorf("throttled item headers %v", h)
	}
	if st := s.Stats(); st.Throttled != 1 {
		t.Errorf("Throttled %d", st.Throttled)
	}
}

func TestBatchPayloadErrors(t *testing.T) {
	item := func(id string) batchItem { return batchItem{"id": id, "method": "GET", "url": devicesPath} }
	var tooMany []any
	for i := range 21 {
		tooMany = append(tooMany, item(fmt.Sprint(i)))
	}
	tests := []struct {
		name string
		body any
		msg  string
	}{
		{"21 requests", map[string]any{"requests": tooMany}, "21 requests exceed the limit of 20 requests per batch."},
		{"duplicate id", map[string]any{"requests": []any{item("a"), item("a")}}, "request id 'a' is used more than once."},
		{"unknown dependency", map[string]any{"requests": []any{item("a"), batchItem{"id": "b", "method": "GET", "url": "/x", "dependsOn": []string{"c"}}}},
			"request 'b' depends on 'c', which is not an earlier request of this batch."},
		{"no requests", map[string]any{"requests": []any{}}, "'requests' must hold at least one request."},
		{"unknown property", map[string]any{"requests": []any{batchItem{"id": "a", "method": "GET", "url": "/x", "atomic": true}}}, `json: unknown field "atomic"`},
	}
	for _, tt := range tests {
		s, _ := startFake(t, Options{})
		got := send(t, s, "POST", "/$batch", tt.body).want(t, 400)
		if want := "BadRequest: Invalid batch payload: " + tt.msg; got.errorMessage() != want {
			t.Errorf("%s: %q, want %q", tt.name, got.errorMessage(), want)
		}
		if len(s.Requests()) != 1 {
			t.Errorf("%s: items ran", tt.name)
		}
	}
}

func TestBatchNonJSONBodyIsBase64(t *testing.T) {
	s, _ := startFake(t, Options{})
	body, _ := json.Marshal("e30=") // base64 of "{}"
	summary, _ := runBatch(t, s, batchItem{"id": "1", "method": "POST", "url": devicesPath + "/x/unassignUserFromDevice",
		"headers": map[string]any{"Content-Type": "text/plain"}, "body": json.RawMessage(body)})
	if summary["1"] != "404 ResourceNotFound" || !strings.Contains(string(s.Requests()[0].Body), "{}") {
		t.Errorf("summary %v, body %q", summary, s.Requests()[0].Body)
	}
}
