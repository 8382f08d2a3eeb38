package graphmock

import (
	"strings"
	"time"
)

// autopilotState is the Autopilot side of the tenant: import records, registered devices, sync settings.
type autopilotState struct {
	imports            []*importRecord
	devices            []*autopilotDevice
	otherTenantSerials map[string]bool // upper-cased
	settings           autopilotSettings
}

// importRecord is an importedWindowsAutopilotDeviceIdentity. It is pending until its due time (ProcessDelay
// after it was created, kept as an absolute time so a restored tenant carries on), then settles once to
// complete or error.
type importRecord struct {
	id, serialNumber, productKey, groupTag, importID, hardwareIdentifier, assignedUserPrincipalName string
	dueAt                                                                                           time.Time
	duplicateInCall                                                                                 bool // the hash appeared earlier in the same call
	status                                                                                          string
	registrationID                                                                                  string
	errorCode                                                                                       int
	errorName                                                                                       string
}

// autopilotDevice is a registered windowsAutopilotDeviceIdentity and the Entra device the service
// creates with it.
type autopilotDevice struct {
	id, serialNumber, hardwareIdentifier, groupTag, purchaseOrderIdentifier, productKey   string
	manufacturer, model, skuNumber, systemFamily, enrollmentState                         string
	userPrincipalName, addressableUserName, displayName, managedDeviceID, azureAdDeviceID string
	deviceAccountUpn, deviceAccountPassword, deviceFriendlyName                           string
	// Profile assignment, set by the deployment-profile side through setDeviceProfile.
	deploymentProfileID, intendedProfileID, profileStatus string
	profileAssignedAt                                     time.Time
}

// EntraDevice is the Entra ID device object of a registered Autopilot device, as dynamic groups see it.
type EntraDevice struct {
	ID          string
	DisplayName string
	PhysicalIDs []string
}

func (s *Server) registerAutopilot() {
	st := &autopilotState{otherTenantSerials: map[string]bool{}}
	for _, serial := range s.opts.Seed.OtherTenantSerials {
		st.otherTenantSerials[strings.ToUpper(serial)] = true
	}
	for _, d := range s.opts.Seed.AutopilotDevices {
		dev := &autopilotDevice{
			id: d.ID, serialNumber: d.SerialNumber, hardwareIdentifier: d.HardwareIdentifier, groupTag: d.GroupTag,
			purchaseOrderIdentifier: d.PurchaseOrderIdentifier, productKey: d.ProductKey, manufacturer: d.Manufacturer,
			model: d.Model, skuNumber: d.SkuNumber, systemFamily: d.SystemFamily, enrollmentState: d.EnrollmentState,
			userPrincipalName: d.UserPrincipalName, addressableUserName: d.AddressableUserName, displayName: d.DisplayName,
			managedDeviceID: d.ManagedDeviceID,
		}
		if dev.id == "" {
			dev.id = s.newID()
		}
		s.registerDevice(st, dev)
	}
	s.autopilot = st
	s.registerImportRoutes()
	s.registerDeviceRoutes()
	s.registerSettingsRoutes()
}

// registerDevice adds dev with the defaults the service fills in, and its Entra device id.
func (s *Server) registerDevice(st *autopilotState, dev *autopilotDevice) {
	if dev.enrollmentState == "" {
		dev.enrollmentState = "notContacted"
	}
	if dev.profileStatus == "" {
		dev.profileStatus = "notAssigned"
	}
	dev.azureAdDeviceID = s.newID()
	st.devices = append(st.devices, dev)
}

// settleAutopilot resolves every import record whose processing time is up, oldest first, so that
// results don't depend on which request happens to look. It runs before each Graph request. Newly
// registered devices get the deployment profile their groups call for.
func (s *Server) settleAutopilot(now time.Time) {
	st := s.autopilot
	registered := len(st.devices)
	for _, rec := range st.imports {
		if rec.status == "pending" && !now.Before(rec.dueAt) {
			s.settleImport(st, rec)
		}
	}
	if len(st.devices) > registered {
		s.applyProfileAssignments()
	}
	st.settings.settle(now, s.opts.SyncDuration)
}

// Import error codes and names reported by the device directory service (docs/graph.md#import-error-codes).
const (
	errInvalidHash           = 802
	errMissingSerialAndKey   = 803
	errAlreadyAssigned       = 806
	errAssignedToOtherTenant = 808
	// errDuplicated: the docs name ZtdDeviceDuplicated without a number; 815 is this mock's choice (the
	// next free code after the documented 801-814). Clients should match the name.
	errDuplicated = 815
)

// minHashBytes is a mock rule: a real hardware hash is a few kilobytes, so one that decodes to fewer
// bytes than this is treated as invalid (802).
const minHashBytes = 64

func (s *Server) settleImport(st *autopilotState, rec *importRecord) {
	fail := func(code int, name string) { rec.status, rec.errorCode, rec.errorName = "error", code, name }
	switch {
	case len(decodeHash(rec.hardwareIdentifier)) < minHashBytes:
		fail(errInvalidHash, "InvalidZtdHardwareHash")
	case rec.serialNumber == "" && rec.productKey == "":
		fail(errMissingSerialAndKey, "MissingZtdSerialNumberAndProductKey")
	case rec.duplicateInCall:
		fail(errDuplicated, "ZtdDeviceDuplicated")
	case st.otherTenantSerials[strings.ToUpper(rec.serialNumber)]:
		fail(errAssignedToOtherTenant, "ZtdDeviceAssignedToOtherTenant")
	case st.registered(rec):
		fail(errAlreadyAssigned, "ZtdDeviceAlreadyAssigned")
	default:
		dev := &autopilotDevice{
			id: s.newID(), serialNumber: rec.serialNumber, hardwareIdentifier: rec.hardwareIdentifier,
			groupTag: rec.groupTag, productKey: rec.productKey, userPrincipalName: rec.assignedUserPrincipalName,
		}
		s.registerDevice(st, dev)
		rec.status, rec.registrationID = "complete", dev.id
	}
}

// registered reports whether rec's serial number or hash belongs to a device already in the tenant.
func (st *autopilotState) registered(rec *importRecord) bool {
	for _, d := range st.devices {
		if strings.EqualFold(d.serialNumber, rec.serialNumber) && rec.serialNumber != "" ||
			d.hardwareIdentifier != "" && d.hardwareIdentifier == rec.hardwareIdentifier {
			return true
		}
	}
	return false
}

func (st *autopilotState) device(id string) *autopilotDevice {
	return findID(st.devices, id, func(d *autopilotDevice) string { return d.id })
}

// entraDevices lists the Entra device of every registered Autopilot device, with the physical ids dynamic
// membership rules test: "[ZTDId]:<autopilot id>", "[OrderID]:<group tag>", "[PurchaseOrderId]:<po>".
func (s *Server) entraDevices() []EntraDevice {
	out := make([]EntraDevice, 0, len(s.autopilot.devices))
	for _, d := range s.autopilot.devices {
		ids := []string{"[ZTDId]:" + d.id}
		if d.groupTag != "" {
			ids = append(ids, "[OrderID]:"+d.groupTag)
		}
		if d.purchaseOrderIdentifier != "" {
			ids = append(ids, "[PurchaseOrderId]:"+d.purchaseOrderIdentifier)
		}
		name := d.displayName
		if name == "" {
			name = d.serialNumber // Entra names an Autopilot device object after its serial number
		}
		out = append(out, EntraDevice{ID: d.azureAdDeviceID, DisplayName: name, PhysicalIDs: ids})
	}
	return out
}

// autopilotDeviceIDs lists the registered Autopilot device ids in registration order.
func (s *Server) autopilotDeviceIDs() []string {
	ids := make([]string, 0, len(s.autopilot.devices))
	for _, d := range s.autopilot.devices {
		ids = append(ids, d.id)
	}
	return ids
}

// setDeviceProfile records a deployment profile assignment on an Autopilot device: the profile becomes the
// intended one; with a status starting "assigned" it is also the assigned one; "notAssigned" clears both.
// status is a deploymentProfileAssignmentStatus value. Unknown device ids are ignored.
func (s *Server) setDeviceProfile(deviceID, profileID string, status string) {
	d := s.autopilot.device(deviceID)
	if d == nil {
		return
	}
	d.profileStatus, d.intendedProfileID = status, profileID
	switch {
	case status == "notAssigned" || profileID == "":
		d.intendedProfileID, d.deploymentProfileID, d.profileAssignedAt = "", "", time.Time{}
	case strings.HasPrefix(status, "assigned"):
		d.deploymentProfileID, d.profileAssignedAt = profileID, s.opts.Clock.Now()
	}
}
