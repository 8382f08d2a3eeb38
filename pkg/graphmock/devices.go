package graphmock

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

const devicesPath = "/deviceManagement/windowsAutopilotDeviceIdentities"

// updatableDeviceProperties are the parameters of updateDeviceProperties (SDK v0.165.0 request body).
var updatableDeviceProperties = []string{"userPrincipalName", "addressableUserName", "groupTag", "displayName", "deviceAccountUpn", "deviceAccountPassword", "deviceFriendlyName"}

func (s *Server) registerDeviceRoutes() {
	withDevice := byID(s.autopilot.device, intuneMissing("windowsAutopilotDeviceIdentity"))
	s.handle("GET "+devicesPath, func(c *call) {
		term, ok := c.filterTerm("contains:serialNumber", "eq:groupTag")
		if !ok {
			return
		}
		if term.op == "contains" && strings.Contains(term.value, "-") {
			// The real service fails contains() on a hyphenated serial (docs/graph.md#autopilot-devices-and-sync).
			c.intuneError(http.StatusBadRequest, "BadRequest", "An error has occurred")
			return
		}
		expand, ok := c.expandProfiles()
		if !ok {
			return
		}
		items := make([]map[string]any, 0, len(s.autopilot.devices))
		for _, d := range s.autopilot.devices {
			items = append(items, s.deviceEntity(d, expand))
		}
		c.Page(term.keep(items))
	})
	s.handle("GET "+devicesPath+"/{id}", withDevice(func(c *call, d *autopilotDevice) {
		if expand, ok := c.expandProfiles(); ok {
			c.JSON(http.StatusOK, s.deviceEntity(d, expand))
		}
	}))
	s.handle("DELETE "+devicesPath+"/{id}", withDevice(s.deleteDevice))
	s.handle("POST "+devicesPath+"/{id}/updateDeviceProperties", withDevice(func(c *call, d *autopilotDevice) {
		body, ok := c.Decode(nil, updatableDeviceProperties)
		if !ok {
			return
		}
		v, ok := c.stringValues(body, c.typeName(), updatableDeviceProperties)
		if !ok {
			return
		}
		// A property sent as "" (or null) is cleared; one left out keeps its value (a mock choice, docs/graph.md#not-confirmed).
		tag, name := d.groupTag, d.displayName
		for _, p := range []struct {
			name  string
			field *string
		}{
			{"userPrincipalName", &d.userPrincipalName}, {"addressableUserName", &d.addressableUserName},
			{"groupTag", &d.groupTag}, {"displayName", &d.displayName}, {"deviceAccountUpn", &d.deviceAccountUpn},
			{"deviceAccountPassword", &d.deviceAccountPassword}, {"deviceFriendlyName", &d.deviceFriendlyName},
		} {
			if _, sent := body[p.name]; sent {
				*p.field = v[p.name]
			}
		}
		if d.groupTag != tag || d.displayName != name {
			// Dynamic group rules read the group tag and the name, so the device may have joined or left groups.
			s.applyProfileAssignments()
		}
		c.NoContent()
	}))
	s.handle("POST "+devicesPath+"/{id}/assignUserToDevice", withDevice(func(c *call, d *autopilotDevice) {
		body, ok := c.Decode([]string{"userPrincipalName"}, []string{"addressableUserName"})
		if !ok {
			return
		}
		v, ok := c.stringValues(body, c.typeName(), []string{"userPrincipalName", "addressableUserName"})
		if !ok {
			return
		}
		if v["userPrincipalName"] == "" {
			c.Error(http.StatusBadRequest, "BadRequest", "Parameter 'userPrincipalName' must not be empty.")
			return
		}
		d.userPrincipalName, d.addressableUserName = v["userPrincipalName"], v["addressableUserName"]
		c.NoContent()
	}))
	s.handle("POST "+devicesPath+"/{id}/unassignUserFromDevice", withDevice(func(c *call, d *autopilotDevice) {
		if len(c.Body) > 0 {
			if _, ok := c.Decode(nil, nil); !ok {
				return
			}
		}
		d.userPrincipalName, d.addressableUserName = "", ""
		c.NoContent()
	}))
}

// deleteDevice deregisters d. An enrolled device must first be deleted from Intune devices; the service's
// exact answer is unconfirmed (docs/graph.md#not-confirmed), so the mock gives an Intune-style 400 saying so.
func (s *Server) deleteDevice(c *call, d *autopilotDevice) {
	if d.enrollmentState == "enrolled" {
		c.intuneError(http.StatusBadRequest, "BadRequest", fmt.Sprintf(
			"Autopilot device '%s' (serial number %s) is enrolled in Intune as managed device '%s': delete it from Intune devices first, then delete its Autopilot registration.",
			d.id, d.serialNumber, d.managedDeviceID))
		return
	}
	s.autopilot.devices = slices.DeleteFunc(s.autopilot.devices, func(other *autopilotDevice) bool { return other == d })
	s.applyProfileAssignments()
	c.NoContent()
}

// expandProfiles reads $expand; only the two deployment-profile navigations may be expanded.
func (c *call) expandProfiles() ([]string, bool) {
	raw := c.R.URL.Query().Get("$expand")
	if raw == "" {
		return nil, true
	}
	var out []string
	for _, nav := range strings.Split(raw, ",") {
		nav = strings.TrimSpace(nav)
		if nav != "deploymentProfile" && nav != "intendedDeploymentProfile" {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.windowsAutopilotDeviceIdentity'.", nav))
			return nil, false
		}
		out = append(out, nav)
	}
	return out, true
}

// deviceEntity renders d; each expanded navigation holds the profile entity, or null when none is set.
func (s *Server) deviceEntity(d *autopilotDevice, expand []string) map[string]any {
	managed := d.managedDeviceID
	if managed == "" {
		managed = "00000000-0000-0000-0000-000000000000"
	}
	obj := s.render("get-windowsAutopilotDeviceIdentity", map[string]any{
		"id": d.id, "serialNumber": d.serialNumber, "groupTag": d.groupTag,
		"purchaseOrderIdentifier": d.purchaseOrderIdentifier, "productKey": d.productKey,
		"manufacturer": d.manufacturer, "model": d.model, "skuNumber": d.skuNumber, "systemFamily": d.systemFamily,
		"enrollmentState": d.enrollmentState, "userPrincipalName": d.userPrincipalName,
		"addressableUserName": d.addressableUserName, "displayName": d.displayName,
		"azureActiveDirectoryDeviceId": d.azureAdDeviceID, "azureAdDeviceId": d.azureAdDeviceID,
		"managedDeviceId": managed, "deviceAccountUpn": d.deviceAccountUpn,
		"deviceAccountPassword": d.deviceAccountPassword, "deviceFriendlyName": d.deviceFriendlyName,
		"deploymentProfileAssignmentStatus": d.profileStatus,
		"deploymentProfileAssignedDateTime": graphTime(d.profileAssignedAt),
	})
	for _, nav := range expand {
		id := d.deploymentProfileID
		if nav == "intendedDeploymentProfile" {
			id = d.intendedProfileID
		}
		obj[nav] = nil
		if id != "" && s.deploymentProfileEntity != nil {
			if profile, ok := s.deploymentProfileEntity(id); ok {
				obj[nav] = profile
			}
		}
	}
	return obj
}

// graphTime formats t as Graph's DateTimeOffset; the zero time is Intune's "0001-01-01T00:00:00Z".
func graphTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
