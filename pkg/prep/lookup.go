package prep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

const (
	appsPath    = "/deviceAppManagement/mobileApps"
	scriptsPath = "/deviceManagement/deviceManagementScripts"
)

// LookupError is an app or script that can't be told: none or several by that name (exit 2 in commands).
type LookupError struct {
	Field string // apps or scripts
	Err   error
}

func (e *LookupError) Error() string { return e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// ResolveApp finds an app by id, or by exact display name, with its real @odata.type: the setting value
// names the type, and the service checks it against the app (docs/graph.md#device-preparation-and-enrollment-time-grouping).
func ResolveApp(ctx context.Context, c *graph.Client, nameOrID string) (App, error) {
	type mobileApp struct {
		Type        string `json:"@odata.type"`
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	toApp := func(m mobileApp) App {
		return App{ID: m.ID, Type: strings.TrimPrefix(m.Type, "#microsoft.graph."), Name: m.DisplayName}
	}
	if isGUID.MatchString(nameOrID) {
		var m mobileApp
		err := c.Do(ctx, "GET", appsPath+"/"+url.PathEscape(nameOrID), nil, &m)
		if err == nil {
			return toApp(m), nil
		}
		if !isStatus(err, http.StatusNotFound) {
			return App{}, err
		}
	}
	var found []mobileApp
	filter := "displayName eq '" + strings.ReplaceAll(nameOrID, "'", "''") + "'"
	err := c.List(ctx, appsPath+"?$filter="+url.PathEscape(filter), func(raw json.RawMessage) error {
		var m mobileApp
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("reading an app from Graph: %w", err)
		}
		if m.DisplayName == nameOrID {
			found = append(found, m)
		}
		return nil
	})
	if err != nil {
		return App{}, err
	}
	switch len(found) {
	case 0:
		return App{}, &LookupError{"apps", fmt.Errorf("no app named or with id %s", safetext.Quote(nameOrID))}
	case 1:
		return toApp(found[0]), nil
	}
	e := &AmbiguousError{What: "apps", Name: nameOrID}
	for _, m := range found {
		e.IDs = append(e.IDs, m.ID)
	}
	return App{}, &LookupError{"apps", e}
}

// ResolveScript finds a platform script by id, or by exact display name among all scripts.
func ResolveScript(ctx context.Context, c *graph.Client, nameOrID string) (Script, error) {
	type script struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	if isGUID.MatchString(nameOrID) {
		var s script
		err := c.Do(ctx, "GET", scriptsPath+"/"+url.PathEscape(nameOrID), nil, &s)
		if err == nil {
			return Script{ID: s.ID, Name: s.DisplayName}, nil
		}
		if !isStatus(err, http.StatusNotFound) {
			return Script{}, err
		}
	}
	var found []script
	err := c.List(ctx, scriptsPath+"?$select=id,displayName", func(raw json.RawMessage) error {
		var s script
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("reading a script from Graph: %w", err)
		}
		if s.DisplayName == nameOrID {
			found = append(found, s)
		}
		return nil
	})
	if err != nil {
		return Script{}, err
	}
	switch len(found) {
	case 0:
		return Script{}, &LookupError{"scripts", fmt.Errorf("no script named or with id %s", safetext.Quote(nameOrID))}
	case 1:
		return Script{ID: found[0].ID, Name: found[0].DisplayName}, nil
	}
	e := &AmbiguousError{What: "scripts", Name: nameOrID}
	for _, s := range found {
		e.IDs = append(e.IDs, s.ID)
	}
	return Script{}, &LookupError{"scripts", e}
}

// IsLookup reports whether err is a name that can't be told (an input problem).
func IsLookup(err error) bool {
	var le *LookupError
	var fe *FieldError
	var nf *NotFoundError
	var amb *AmbiguousError
	return errors.As(err, &le) || errors.As(err, &fe) || errors.As(err, &nf) || errors.As(err, &amb)
}
