package graphmock

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// This file is the part of Intune's app catalogue the ESP needs: apps found by exact display name or read by
// id, to check an ESP's blocking apps (selectedMobileAppIds; docs/graph.md#enrollment-status-page).

const mobileAppsPath = "/deviceAppManagement/mobileApps"

// SeedMobileApp is an app in the tenant's catalogue. Type is the mobileApp @odata.type without
// "#microsoft.graph." (default win32LobApp).
type SeedMobileApp struct {
	ID          string `json:"id,omitempty"` // generated when empty
	DisplayName string `json:"displayName"`
	Publisher   string `json:"publisher,omitempty"`
	Type        string `json:"type,omitempty"`
}

// mobileAppTypes are the mobileApp types the mock knows (SDK v0.165.0 models); others are refused in seeds.
var mobileAppTypes = []string{"win32LobApp", "win32CatalogApp", "winGetApp", "windowsMobileMSI", "windowsUniversalAppX",
	"windowsAppX", "officeSuiteApp", "windowsMicrosoftEdgeApp", "windowsWebApp", "iosLobApp", "androidManagedStoreApp"}

func (s *Server) registerMobileApps() {
	withApp := byID(s.mobileApp, intuneMissing("mobileApp"))
	s.handle("GET "+mobileAppsPath, filteredList(func() []map[string]any {
		items := make([]map[string]any, 0, len(s.policy.apps))
		for _, a := range s.policy.apps {
			items = append(items, s.mobileAppEntity(a))
		}
		return items
	}, "eq:displayName"))
	s.handle("GET "+mobileAppsPath+"/{id}", withApp(func(c *call, a *SeedMobileApp) {
		c.entity(http.StatusOK, "deviceAppManagement/mobileApps/$entity", s.mobileAppEntity(a))
	}))
}

// addMobileApp adds a seed's app, filling in its id and type.
func (s *Server) addMobileApp(app SeedMobileApp) error {
	if app.DisplayName == "" {
		return fmt.Errorf("displayName is required")
	}
	if app.Type == "" {
		app.Type = "win32LobApp"
	}
	known := false
	for _, t := range mobileAppTypes {
		known = known || t == app.Type
	}
	if !known {
		return fmt.Errorf("type %q is not one of %s", app.Type, strings.Join(mobileAppTypes, ", "))
	}
	if app.ID == "" {
		app.ID = s.newID()
	}
	s.policy.apps = append(s.policy.apps, &app)
	return nil
}

func (s *Server) mobileApp(id string) *SeedMobileApp {
	return findID(s.policy.apps, id, func(a *SeedMobileApp) string { return a.ID })
}

func (s *Server) mobileAppEntity(a *SeedMobileApp) map[string]any {
	created := graphTime(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	return s.render("get-mobileApp", map[string]any{"@odata.type": "#microsoft.graph." + a.Type, "id": a.ID,
		"displayName": a.DisplayName, "publisher": a.Publisher, "createdDateTime": created, "lastModifiedDateTime": created})
}
