package graph

import (
	"fmt"
	"net/url"
	"regexp"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is a GUID as Graph writes object ids (8-4-4-4-12 hex digits).
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// IDError is an object id that must be a GUID and is not: an id from a listing such as
// "../managedDevices/1111…" or "x?$batch=1#" would otherwise change which URL a write goes to.
type IDError struct {
	What string // "Autopilot device", "group", …
	ID   string
}

func (e *IDError) Error() string {
	return fmt.Sprintf("%s id %s is not a GUID; it is not put in a request URL", e.What, safetext.Quote(e.ID))
}

// IDSegment checks an id that must be a GUID (Autopilot devices, import records, groups, directory objects)
// and returns it escaped as one URL path segment. Ids that are not GUIDs in Graph (ESPs, policies) are escaped
// with url.PathEscape by their callers.
func IDSegment(what, id string) (string, error) {
	if !IsGUID(id) {
		return "", &IDError{What: what, ID: id}
	}
	return url.PathEscape(id), nil
}
