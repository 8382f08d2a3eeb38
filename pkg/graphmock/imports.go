package graphmock

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
)

const importsPath = "/deviceManagement/importedWindowsAutopilotDeviceIdentities"

// importStringProperties and state are the writable properties of importedWindowsAutopilotDeviceIdentity
// (SDK v0.165.0); a client-sent id or state is accepted and ignored, as the service assigns both.
var (
	importStringProperties = []string{"id", "serialNumber", "productKey", "groupTag", "importId", "hardwareIdentifier", "assignedUserPrincipalName"}
	importProperties       = append(slices.Clone(importStringProperties), "state")
)

var importStateProperties = []string{"deviceImportStatus", "deviceRegistrationId", "deviceErrorCode", "deviceErrorName"}

func (s *Server) registerImportRoutes() {
	withImport := byID(func(id string) *importRecord {
		return findID(s.autopilot.imports, id, func(rec *importRecord) string { return rec.id })
	}, intuneMissing("importedWindowsAutopilotDeviceIdentity"))
	s.handle("POST "+importsPath, func(c *call) {
		body, ok := c.Decode([]string{"hardwareIdentifier"}, importProperties)
		if !ok {
			return
		}
		if recs, ok := s.createImports(c, []any{body}); ok {
			c.JSON(http.StatusCreated, s.importEntity(recs[0]))
		}
	})
	s.handle("POST "+importsPath+"/import", s.importDevices)
	s.handle("GET "+importsPath, func(c *call) {
		term, ok := c.filterTerm("eq:importId", "contains:serialNumber")
		if !ok {
			return
		}
		items := make([]map[string]any, 0, len(s.autopilot.imports))
		for _, rec := range s.autopilot.imports {
			items = append(items, s.importEntity(rec))
		}
		c.Page(term.keep(items))
	})
	s.handle("GET "+importsPath+"/{id}", withImport(func(c *call, rec *importRecord) {
		c.JSON(http.StatusOK, s.importEntity(rec))
	}))
	s.handle("DELETE "+importsPath+"/{id}", withImport(func(c *call, rec *importRecord) {
		s.autopilot.imports = slices.DeleteFunc(s.autopilot.imports, func(other *importRecord) bool { return other == rec })
		c.NoContent()
	}))
}

// importDevices is the bulk `import` action: 200 {"value": [records]} (docs/graph.md#autopilot-device-import).
func (s *Server) importDevices(c *call) {
	body, ok := c.Decode([]string{"importedWindowsAutopilotDeviceIdentities"}, nil)
	if !ok {
		return
	}
	list, isList := body["importedWindowsAutopilotDeviceIdentities"].([]any)
	switch {
	case !isList:
		c.Error(http.StatusBadRequest, "BadRequest", "Parameter 'importedWindowsAutopilotDeviceIdentities' must be a collection of microsoft.graph.importedWindowsAutopilotDeviceIdentity.")
		return
	case len(list) > s.opts.MaxImportBatch:
		c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The import contains %d devices; at most %d devices can be imported per call.", len(list), s.opts.MaxImportBatch))
		return
	}
	recs, ok := s.createImports(c, list)
	if !ok {
		return
	}
	value := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		value = append(value, s.importEntity(rec))
	}
	c.JSON(http.StatusOK, map[string]any{"value": value})
}

// createImports validates every device of one call, then records them all as pending: a call is all or
// nothing. Records without an importId share one generated for the call (a mock choice, so a caller can
// list one import). A hash repeated within the call settles to ZtdDeviceDuplicated.
func (s *Server) createImports(c *call, items []any) ([]*importRecord, bool) {
	const typ = "importedWindowsAutopilotDeviceIdentity"
	var recs []*importRecord
	seen := map[string]bool{}
	for _, item := range items {
		obj, isObj := item.(map[string]any)
		if !isObj {
			c.Error(http.StatusBadRequest, "BadRequest", "Each element of 'importedWindowsAutopilotDeviceIdentities' must be an object.")
			return nil, false
		}
		if !c.checkObject(obj, typ, []string{"hardwareIdentifier"}, importProperties) {
			return nil, false
		}
		if state, isObj := obj["state"].(map[string]any); isObj && !c.checkObject(state, typ+"State", nil, importStateProperties) {
			return nil, false
		}
		str, ok := c.stringValues(obj, typ, importStringProperties)
		if !ok {
			return nil, false
		}
		hash, err := base64.StdEncoding.DecodeString(str["hardwareIdentifier"])
		if err != nil {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Property 'hardwareIdentifier' on type 'microsoft.graph.%s' is not valid base64 (Edm.Binary): %v", typ, err))
			return nil, false
		}
		recs = append(recs, &importRecord{
			serialNumber: str["serialNumber"], productKey: str["productKey"], groupTag: str["groupTag"],
			importID: str["importId"], hardwareIdentifier: str["hardwareIdentifier"],
			assignedUserPrincipalName: str["assignedUserPrincipalName"],
			duplicateInCall:           seen[string(hash)] && len(hash) > 0,
		})
		seen[string(hash)] = true
	}
	callImportID := ""
	for _, rec := range recs {
		if rec.importID == "" {
			if callImportID == "" {
				callImportID = s.newID()
			}
			rec.importID = callImportID
		}
		rec.id, rec.dueAt, rec.status = s.newID(), c.Now().Add(s.opts.ProcessDelay), "pending"
		s.autopilot.imports = append(s.autopilot.imports, rec)
	}
	return recs, true
}

// decodeHash returns the hash bytes; records only hold hashes that passed the base64 check.
func decodeHash(b64 string) []byte {
	b, _ := base64.StdEncoding.DecodeString(b64)
	return b
}

func (s *Server) importEntity(rec *importRecord) map[string]any {
	return s.render("get-importedWindowsAutopilotDeviceIdentity", map[string]any{
		"id": rec.id, "serialNumber": rec.serialNumber, "productKey": rec.productKey, "groupTag": rec.groupTag,
		"importId": rec.importID, "hardwareIdentifier": rec.hardwareIdentifier,
		"assignedUserPrincipalName": rec.assignedUserPrincipalName,
		"state": map[string]any{
			"@odata.type":          "microsoft.graph.importedWindowsAutopilotDeviceIdentityState",
			"deviceImportStatus":   rec.status,
			"deviceRegistrationId": rec.registrationID,
			"deviceErrorCode":      rec.errorCode,
			"deviceErrorName":      rec.errorName,
		},
	})
}

// notFound is Intune's 404 for an unknown id in a known collection.
func (c *call) notFound(typ string) {
	c.intuneError(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The %s with id '%s' was not found.", typ, c.Param("id")))
}
