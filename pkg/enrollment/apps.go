package enrollment

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

const appsPath = "/deviceAppManagement/mobileApps"

// blockingAppTypes are the app types an ESP can wait for (docs/graph.md#enrollment-status-page).
var blockingAppTypes = []string{"windowsAppX", "windowsMobileMSI", "windowsUniversalAppX", "officeSuiteApp",
	"windowsMicrosoftEdgeApp", "winGetApp", "win32LobApp", "win32CatalogApp"}

var isGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type mobileApp struct {
	Type        string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// ResolveApps turns blocking apps named by exact display name or by id into ids: an id is checked with its
// own GET (one page of the catalogue is not the catalogue), a name with a displayName eq filter; none or
// several is an error, and so is an app the ESP can't wait for.
func ResolveApps(ctx context.Context, c *graph.Client, namesOrIDs []string) ([]string, error) {
	ids := []string{}
	for _, v := range namesOrIDs {
		app, err := findApp(ctx, c, v)
		if err != nil {
			return nil, err
		}
		if t := strings.TrimPrefix(app.Type, "#microsoft.graph."); !slices.Contains(blockingAppTypes, t) {
			return nil, invalidf("app %s (%s) is a %s; an Enrollment Status Page can only wait for %s", safetext.Quote(app.DisplayName), app.ID, t, strings.Join(blockingAppTypes, ", "))
		}
		if !slices.Contains(ids, app.ID) {
			ids = append(ids, app.ID)
		}
	}
	return ids, nil
}

func findApp(ctx context.Context, c *graph.Client, nameOrID string) (*mobileApp, error) {
	if isGUID.MatchString(nameOrID) {
		var app mobileApp
		err := c.Do(ctx, "GET", appsPath+"/"+escape(nameOrID), nil, &app)
		if err == nil {
			return &app, nil
		}
		if !isNotFound(err) {
			return nil, err
		}
	}
	var found []*mobileApp
	path := appsPath + "?$filter=" + escapeQuery("displayName eq "+odataString(nameOrID))
	err := c.List(ctx, path, func(raw json.RawMessage) error {
		var app mobileApp
		if err := json.Unmarshal(raw, &app); err != nil {
			return fmt.Errorf("reading an app from Graph: %w", err)
		}
		found = append(found, &app)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pick(found, "app", nameOrID, func(a *mobileApp) (string, string) { return a.ID, a.DisplayName })
}

// AppNames finds the display names of apps by id, for printing: an app that is gone (or an id that is not a
// GUID) is left out.
func AppNames(ctx context.Context, c *graph.Client, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if !isGUID.MatchString(id) {
			continue
		}
		var app mobileApp
		err := c.Do(ctx, "GET", appsPath+"/"+escape(id)+"?$select=id,displayName", nil, &app)
		switch {
		case isNotFound(err):
		case err != nil:
			return nil, err
		default:
			out[id] = app.DisplayName
		}
	}
	return out, nil
}
