package graphmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// call is one Graph request being answered: a top-level HTTP request or one item of a $batch.
type call struct {
	W    http.ResponseWriter
	R    *http.Request
	Body []byte // decompressed request body
	// Type is the entity or action type named in strict-decode errors ("group" → 'microsoft.graph.group').
	// Left empty, it is derived from the route's last literal segment.
	Type string

	s               *Server
	path            string // request path without /beta
	route           *route
	params          map[string]string
	requestID       string
	clientRequestID string
	status          int
	inBatch         bool
}

// Param returns the route variable name, e.g. "id" for ".../{id}".
func (c *call) Param(name string) string { return c.params[name] }

// Now is the server clock's time.
func (c *call) Now() time.Time { return c.s.opts.Clock.Now() }

func (c *call) setStatus(status int) {
	h := c.W.Header()
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientRequestID)
	c.status = status
}

// JSON writes v as the response body.
func (c *call) JSON(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("graphmock: encoding %s response: %v", c.path, err))
	}
	c.W.Header().Set("Content-Type", "application/json")
	c.setStatus(status)
	c.W.WriteHeader(status)
	c.W.Write(b)
}

// NoContent answers 204.
func (c *call) NoContent() {
	c.setStatus(http.StatusNoContent)
	c.W.WriteHeader(http.StatusNoContent)
}

// Error writes a Graph error body (SDK models/odataerrors: code, message, innerError{date, request-id,
// client-request-id}).
func (c *call) Error(status int, code, message string) {
	c.errorWithInner(status, code, message, nil)
}

// errorWithInner is Error with extra innerError members, as Graph's 429 body carries (docs/graph.md#throttling-and-write-budget).
func (c *call) errorWithInner(status int, code, message string, inner map[string]any) {
	c.JSON(status, map[string]any{"error": map[string]any{
		"code":       code,
		"message":    message,
		"innerError": c.innerError(inner),
	}})
}

func (c *call) innerError(extra map[string]any) map[string]any {
	inner := map[string]any{
		"date":              c.Now().UTC().Format("2006-01-02T15:04:05"),
		"request-id":        c.requestID,
		"client-request-id": c.clientRequestID,
	}
	for k, v := range extra {
		inner[k] = v
	}
	return inner
}

// intuneError writes the error shape of Intune's front end: error.message holds a JSON document as a
// string (docs/graph.md#error-bodies), whose Message ends with the operation and activity ids and the URL.
func (c *call) intuneError(status int, code, message string) {
	doc := struct {
		Version              int     `json:"_version"`
		Message              string  `json:"Message"`
		CustomAPIErrorPhrase string  `json:"CustomApiErrorPhrase"`
		RetryAfter           *string `json:"RetryAfter"`
		ErrorSourceService   string  `json:"ErrorSourceService"`
		HTTPHeaders          string  `json:"HttpHeaders"`
	}{
		Version: 3,
		Message: fmt.Sprintf("%s - Operation ID (for customer support): %s - Activity ID: %s - Url: https://fef.mock.manage.microsoft.com/DeviceEnrollmentFE/StatelessDeviceEnrollmentFEService%s?api-version=5024-01-01",
			message, c.s.nextRequestID(), c.requestID, c.path),
		HTTPHeaders: "{}",
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	c.Error(status, code, strings.ReplaceAll(string(b), "\n", "\r\n"))
}

// Decode reads the body as one JSON object, refusing unknown properties and missing required ones with
// the 400 Graph gives. "@odata.type" is always allowed. It returns false after writing the 400.
func (c *call) Decode(required, allowed []string) (map[string]any, bool) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		c.Error(http.StatusBadRequest, "BadRequest", "Invalid JSON: the request body must be one JSON object.")
		return nil, false
	}
	return obj, c.checkObject(obj, c.typeName(), required, allowed)
}

// checkObject applies Decode's property rules to obj, a body or a nested object of type typ.
func (c *call) checkObject(obj map[string]any, typ string, required, allowed []string) bool {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k != "@odata.type" && !slices.Contains(allowed, k) && !slices.Contains(required, k) {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Property '%s' does not exist on type 'microsoft.graph.%s'", k, typ))
			return false
		}
	}
	for _, k := range required {
		if v, ok := obj[k]; !ok || v == nil {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Required property '%s' is missing on type 'microsoft.graph.%s'", k, typ))
			return false
		}
	}
	return true
}

// typeName is c.Type, or the route's last literal segment in the singular ("groups" → "group").
func (c *call) typeName() string {
	if c.Type != "" {
		return c.Type
	}
	segs := strings.Split(c.route.pattern, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg := segs[i]
		if strings.Contains(seg, "{") {
			continue
		}
		switch {
		case strings.HasSuffix(seg, "ies"):
			return strings.TrimSuffix(seg, "ies") + "y"
		case strings.HasSuffix(seg, "s"):
			return strings.TrimSuffix(seg, "s")
		}
		return seg
	}
	return "entity"
}

// stringValues returns obj's string properties among keys (null or absent → ""), answering 400 when one
// holds another JSON type.
func (c *call) stringValues(obj map[string]any, typ string, keys []string) (map[string]string, bool) {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v, isStr := obj[k].(string)
		if obj[k] != nil && !isStr {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Property '%s' on type 'microsoft.graph.%s' must be a string.", k, typ))
			return nil, false
		}
		out[k] = v
	}
	return out, true
}
