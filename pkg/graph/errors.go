package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models/odataerrors"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Error is a Graph error answer, reduced to what a person can act on.
type Error struct {
	Status    int    `json:"status"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// The parts of Graph's error text a message quotes: codes and request ids are short, messages a sentence or
// two (Intune's run to a few hundred characters).
const (
	maxIDBytes      = 100
	maxMessageBytes = 1000
)

// Error is one line. Code, message and request-id are the server's text: control and format characters are
// escaped (safetext's rule: no forged lines, terminal titles or reversed text) and each is cut short.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Status == 0 {
		b.WriteString("no answer from Graph") // the request (or its $batch item) never got a status
	} else {
		fmt.Fprintf(&b, "Graph answered %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Code != "" {
		b.WriteString(": " + safetext.Escape(truncate(e.Code, maxIDBytes)))
	}
	if e.Message != "" {
		b.WriteString(": " + safetext.Escape(truncate(e.Message, maxMessageBytes)))
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + safetext.Escape(truncate(e.RequestID, maxIDBytes)) + ")")
	}
	return b.String()
}

// IsAuth reports whether the answer means "who you are or what you may do" (exit code 4).
func (e *Error) IsAuth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// errorMapping makes kiota parse every 4xx/5xx body as a Graph OData error; pass it to raw requests.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// Translate turns the SDK's error types into *Error; other errors pass through unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	// Errors raised inside the HTTP pipeline arrive wrapped by net/http (`Get "https://…": …`); the typed error
	// already names what went wrong. Callers' own wrapping is kept.
	if ue, ok := err.(*url.Error); ok {
		var ge *Error
		var le *LimitError
		switch {
		case errors.As(ue.Err, &ge):
			return ge
		case errors.As(ue.Err, &le):
			return le
		}
	}
	var ge *Error
	if errors.As(err, &ge) {
		return err
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		e := &Error{Status: oe.ResponseStatusCode}
		if main := oe.GetErrorEscaped(); main != nil {
			e.Code = deref(main.GetCode())
			e.Message = unwrapIntuneMessage(deref(main.GetMessage()))
			if inner := main.GetInnerError(); inner != nil {
				e.RequestID = deref(inner.GetRequestId())
			}
		}
		if e.RequestID == "" {
			e.RequestID = header(oe.ResponseHeaders, "request-id")
		}
		return e
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return &Error{Status: ae.ResponseStatusCode, Message: ae.Message, RequestID: header(ae.ResponseHeaders, "request-id")}
	}
	return err
}

// errorFromBody reads a Graph error body ({"error":{"code","message","innerError":{"request-id"}}}); a body that
// is not one is quoted in the message.
func errorFromBody(status int, body []byte) *Error {
	e := &Error{Status: status}
	var parsed struct {
		Error *struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &parsed) == nil && parsed.Error != nil {
		e.Code, e.Message, e.RequestID = parsed.Error.Code, unwrapIntuneMessage(parsed.Error.Message), parsed.Error.InnerError.RequestID
	} else if len(body) > 0 && string(body) != "null" {
		e.Message = Snippet(body, errorSnippetBytes)
	}
	return e
}

func header(h *abs.ResponseHeaders, name string) string {
	if h == nil {
		return ""
	}
	if v := h.Get(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// unwrapIntuneMessage handles Intune's habit of putting a JSON document in error.message
// ({"_version":3,"Message":"An error has occurred - Operation ID …","CustomApiErrorPhrase":"…",…}).
// The internal service URL at the end of that message is dropped; the operation and activity ids stay for support.
func unwrapIntuneMessage(msg string) string {
	trimmed := strings.TrimSpace(msg)
	if !strings.HasPrefix(trimmed, "{") {
		return msg
	}
	var inner struct {
		Message              string
		CustomApiErrorPhrase string
	}
	if json.Unmarshal([]byte(trimmed), &inner) != nil || inner.Message == "" {
		return msg
	}
	out := inner.Message
	if i := strings.Index(out, " - Url: "); i >= 0 {
		out = out[:i]
	}
	if inner.CustomApiErrorPhrase != "" {
		out = inner.CustomApiErrorPhrase + " (" + out + ")"
	}
	return out
}
