package graphmock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// maxBatchItems is Graph's limit of requests in one $batch (docs/graph.md#json-batching).
const maxBatchItems = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch answers POST /$batch. Each item goes through the same dispatch as a plain request, so routing,
// faults, the write throttle and the request log apply per item. Items run one after another in the order
// sent (Graph may run independent items in parallel and answer in any order; sequential is a permitted
// schedule), which is why a dependsOn must name an earlier item. Dependents of a failed item get 424
// without running.
func (s *Server) batch(c *call) {
	var body struct {
		Requests []batchRequest `json:"requests"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid batch payload: %v", err))
		return
	}
	if msg := checkBatch(body.Requests); msg != "" {
		c.Error(http.StatusBadRequest, "BadRequest", msg)
		return
	}
	status := map[string]int{}
	out := make([]batchResponse, 0, len(body.Requests))
	for _, item := range body.Requests {
		rec := httptest.NewRecorder()
		ic := s.runBatchItem(c, item, status, rec)
		s.record(ic)
		status[item.ID] = ic.status
		resp := batchResponse{ID: item.ID, Status: ic.status, Headers: map[string]string{}}
		for k := range rec.Header() {
			resp.Headers[k] = rec.Header().Get(k)
		}
		if b := rec.Body.Bytes(); len(b) > 0 {
			resp.Body = b
			if !json.Valid(b) {
				resp.Body, _ = json.Marshal(base64.StdEncoding.EncodeToString(b))
			}
		}
		out = append(out, resp)
	}
	c.JSON(http.StatusOK, map[string]any{"responses": out})
}

// checkBatch returns why the payload as a whole is refused (400), or "".
func checkBatch(items []batchRequest) string {
	switch {
	case len(items) == 0:
		return "Invalid batch payload: 'requests' must hold at least one request."
	case len(items) > maxBatchItems:
		return fmt.Sprintf("Invalid batch payload: %d requests exceed the limit of %d requests per batch.", len(items), maxBatchItems)
	}
	seen := map[string]bool{}
	for _, item := range items {
		switch {
		case item.ID == "":
			return "Invalid batch payload: every request needs an 'id'."
		case seen[item.ID]:
			return fmt.Sprintf("Invalid batch payload: request id '%s' is used more than once.", item.ID)
		case item.Method == "" || item.URL == "":
			return fmt.Sprintf("Invalid batch payload: request '%s' needs a 'method' and a 'url'.", item.ID)
		}
		for _, dep := range item.DependsOn {
			if !seen[dep] {
				return fmt.Sprintf("Invalid batch payload: request '%s' depends on '%s', which is not an earlier request of this batch.", item.ID, dep)
			}
		}
		seen[item.ID] = true
	}
	return ""
}

// runBatchItem answers one item into rec and returns its call.
func (s *Server) runBatchItem(outer *call, item batchRequest, status map[string]int, rec *httptest.ResponseRecorder) *call {
	hasBody := len(item.Body) > 0 && string(item.Body) != "null"
	contentType := ""
	for k, v := range item.Headers {
		if strings.EqualFold(k, "Content-Type") {
			contentType = v
		}
	}
	body := []byte(item.Body)
	var str string
	if hasBody && !strings.Contains(contentType, "json") && json.Unmarshal(item.Body, &str) == nil {
		body, _ = base64.StdEncoding.DecodeString(str) // non-JSON bodies travel base64-encoded
	}
	if !hasBody {
		body = nil
	}
	path := item.URL
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequest(strings.ToUpper(item.Method), path, bytes.NewReader(body))
	if err != nil || strings.Contains(item.URL, "://") {
		req, _ = http.NewRequest(strings.ToUpper(item.Method), "/", nil)
	}
	for k, v := range item.Headers {
		req.Header.Set(k, v)
	}
	req.Host, req.TLS = outer.R.Host, outer.R.TLS
	ic := s.newCall(rec, req, body, true)
	ic.path = req.URL.Path
	switch {
	case strings.Contains(item.URL, "://") || err != nil:
		ic.path = item.URL
		ic.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid request URL '%s': batch URLs are relative and without the version, e.g. /deviceManagement/windowsAutopilotDeviceIdentities.", item.URL))
	case hasBody && contentType == "":
		ic.Error(http.StatusBadRequest, "BadRequest", "Invalid batch request: a request with a body needs a Content-Type header.")
	case failedDependency(item, status):
		ic.Error(http.StatusFailedDependency, "FailedDependency", "The request was not run because a request it depends on failed.")
	default:
		s.dispatch(ic)
	}
	return ic
}

func failedDependency(item batchRequest, status map[string]int) bool {
	for _, dep := range item.DependsOn {
		if status[dep] >= 400 {
			return true
		}
	}
	return false
}
