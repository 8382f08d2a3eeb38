package autopilot

import (
	"encoding/json"
	"strings"
	"time"
)

// devicesPath is the Autopilot device collection, relative to the Graph version root.
const devicesPath = "/deviceManagement/windowsAutopilotDeviceIdentities"

// Device is a registered Autopilot device (windowsAutopilotDeviceIdentity) with Graph's property names.
// deviceAccountPassword (Surface Hub) is left out on purpose: a secret has no place in listings.
type Device struct {
	ID                                        string `json:"id"`
	SerialNumber                              string `json:"serialNumber"`
	GroupTag                                  string `json:"groupTag"`
	PurchaseOrderIdentifier                   string `json:"purchaseOrderIdentifier"`
	ProductKey                                string `json:"productKey"`
	Manufacturer                              string `json:"manufacturer"`
	Model                                     string `json:"model"`
	SkuNumber                                 string `json:"skuNumber"`
	SystemFamily                              string `json:"systemFamily"`
	EnrollmentState                           string `json:"enrollmentState"`
	LastContactedDateTime                     string `json:"lastContactedDateTime"`
	UserPrincipalName                         string `json:"userPrincipalName"`
	AddressableUserName                       string `json:"addressableUserName"`
	DisplayName                               string `json:"displayName"`
	ResourceName                              string `json:"resourceName"`
	AzureActiveDirectoryDeviceID              string `json:"azureActiveDirectoryDeviceId"`
	AzureAdDeviceID                           string `json:"azureAdDeviceId"`
	ManagedDeviceID                           string `json:"managedDeviceId"`
	DeploymentProfileAssignmentStatus         string `json:"deploymentProfileAssignmentStatus"`
	DeploymentProfileAssignmentDetailedStatus string `json:"deploymentProfileAssignmentDetailedStatus"`
	DeploymentProfileAssignedDateTime         string `json:"deploymentProfileAssignedDateTime"`
	DeviceAccountUpn                          string `json:"deviceAccountUpn"`
	DeviceFriendlyName                        string `json:"deviceFriendlyName"`
	RemediationState                          string `json:"remediationState"`
	RemediationStateLastModifiedDateTime      string `json:"remediationStateLastModifiedDateTime"`
	UserlessEnrollmentStatus                  string `json:"userlessEnrollmentStatus"`
	// The deployment profile navigations, present only when fetched with $expand (null: no profile).
	DeploymentProfile         json.RawMessage `json:"deploymentProfile,omitempty"`
	IntendedDeploymentProfile json.RawMessage `json:"intendedDeploymentProfile,omitempty"`
}

// EnrollmentStates are the values of enrollmentState (SDK v0.165.0).
var EnrollmentStates = []string{"unknown", "enrolled", "pendingReset", "failed", "notContacted", "blocked"}

// ProfileStatuses are the values `device list --profile-status` takes: "assigned" stands for the three
// assigned* values of deploymentProfileAssignmentStatus (in sync, out of sync, unknown sync state).
var ProfileStatuses = []string{"assigned", "notAssigned", "pending", "failed", "unknown"}

// Enrolled reports whether the device is enrolled in Intune, which keeps the service from deleting it.
func (d Device) Enrolled() bool { return d.EnrollmentState == "enrolled" }

// LastContact is when the device last talked to the service; false when it never has (Graph sends year 1).
func (d Device) LastContact() (time.Time, bool) {
	return graphTime(d.LastContactedDateTime)
}

// ProfileAssigned reports whether a deployment profile is assigned, whatever its sync state.
func (d Device) ProfileAssigned() bool {
	return strings.HasPrefix(d.DeploymentProfileAssignmentStatus, "assigned")
}

// Profile is the part of a deployment profile that identifies it.
type Profile struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Profiles returns the assigned and intended deployment profiles fetched with $expand; nil means none.
func (d Device) Profiles() (assigned, intended *Profile) {
	return profile(d.DeploymentProfile), profile(d.IntendedDeploymentProfile)
}

func profile(raw json.RawMessage) *Profile {
	var p *Profile
	if len(raw) == 0 || json.Unmarshal(raw, &p) != nil {
		return nil
	}
	return p
}

// graphTime parses a Graph DateTimeOffset; Graph's "0001-01-01T00:00:00Z" and empty mean "never".
func graphTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}, false
	}
	return t, true
}
