package graphmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// Interaction is one recorded request and its answer, the unit of Recorder files and Cassette replay.
type Interaction struct {
	Request  RecordedRequest  `json:"request"`
	Response RecordedResponse `json:"response"`
}

// RecordedRequest is a request as recorded: the URL is the path and query on the Graph root
// ("/beta/deviceManagement/…?$filter=…"); Body is the decompressed body (a JSON string when not JSON).
type RecordedRequest struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// RecordedResponse is an answer as recorded. In bodies and headers "{{server}}" stands for the root URL of
// the server answering, so absolute links such as @odata.nextLink lead back to it on replay.
type RecordedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// serverPlaceholder replaces the recorded server's root URL in stored responses.
const serverPlaceholder = "{{server}}"

// asJSON stores b as itself when it is JSON, else as a JSON string.
func asJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return bytes.Clone(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// diff describes how a request differs from the recorded one, or returns "" when it matches: same method,
// same path, same query parameters in any order, and bodies equal as JSON values (bytes when not JSON).
// Headers (Authorization, User-Agent, …) are not compared.
func (want RecordedRequest) diff(method, rawURL string, body []byte) string {
	same := strings.EqualFold(want.Method, method) && sameURL(want.URL, rawURL) && sameBody(want.Body, asJSON(body))
	if same {
		return ""
	}
	return fmt.Sprintf("- %s %s\n- %s\n+ %s %s\n+ %s", want.Method, want.URL, showBody(want.Body), method, rawURL, showBody(asJSON(body)))
}

func showBody(b json.RawMessage) string {
	if len(b) == 0 {
		return "(no body)"
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func sameURL(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ua.Path == ub.Path && reflect.DeepEqual(ua.Query(), ub.Query())
}

func sameBody(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}
