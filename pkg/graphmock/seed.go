package graphmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Seed is the tenant the server starts with, as read from a JSON file.
type Seed struct {
	AutopilotDevices []SeedAutopilotDevice `json:"autopilotDevices,omitempty"`
	// OtherTenantSerials are serial numbers registered to another tenant: importing one ends in error 808.
	OtherTenantSerials []string `json:"otherTenantSerials,omitempty"`
	// DirectorySeed holds the directory and policy side: groups, service principals, enrollment
	// configurations, deployment profiles, configuration policies.
	DirectorySeed
}

// SeedAutopilotDevice is a registered Autopilot device (windowsAutopilotDeviceIdentity property names).
type SeedAutopilotDevice struct {
	ID                      string `json:"id,omitempty"` // generated when empty
	SerialNumber            string `json:"serialNumber"`
	HardwareIdentifier      string `json:"hardwareIdentifier,omitempty"` // base64; lets a re-import of the hash hit 806
	GroupTag                string `json:"groupTag,omitempty"`
	PurchaseOrderIdentifier string `json:"purchaseOrderIdentifier,omitempty"`
	ProductKey              string `json:"productKey,omitempty"`
	Manufacturer            string `json:"manufacturer,omitempty"`
	Model                   string `json:"model,omitempty"`
	SkuNumber               string `json:"skuNumber,omitempty"`
	SystemFamily            string `json:"systemFamily,omitempty"`
	EnrollmentState         string `json:"enrollmentState,omitempty"` // default notContacted
	UserPrincipalName       string `json:"userPrincipalName,omitempty"`
	AddressableUserName     string `json:"addressableUserName,omitempty"`
	DisplayName             string `json:"displayName,omitempty"`
	ManagedDeviceID         string `json:"managedDeviceId,omitempty"`
}

// enrollmentStates are the SDK's windowsAutopilotDeviceIdentity.enrollmentState values.
var enrollmentStates = []string{"unknown", "enrolled", "pendingReset", "failed", "notContacted", "blocked"}

// LoadSeed reads a seed file; unknown properties, invalid values and entities the handlers refuse are
// errors naming the file and entry.
func LoadSeed(path string) (*Seed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSeed(path, raw)
}

// ParseSeed is LoadSeed for a seed the caller has read (with its own limits); name is used in errors.
func ParseSeed(path string, raw []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var seed Seed
	if err := dec.Decode(&seed); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for i, d := range seed.AutopilotDevices {
		switch {
		case d.SerialNumber == "":
			return nil, fmt.Errorf("%s: autopilotDevices[%d]: serialNumber is required", path, i)
		case d.EnrollmentState != "" && !slices.Contains(enrollmentStates, d.EnrollmentState):
			return nil, fmt.Errorf("%s: autopilotDevices[%d]: enrollmentState %q is not one of %v", path, i, d.EnrollmentState, enrollmentStates)
		}
	}
	// The directory side is checked by creating it, in a server of its own, through the same handlers.
	if _, err := newServer(Options{Seed: &seed}); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &seed, nil
}

// DemoSeed is the small tenant `--mock` starts with: six registered devices (Sales, Kiosk and one untagged),
// one serial owned by another tenant, plus the directory side's groups and policies.
func DemoSeed() *Seed {
	seed := &Seed{
		AutopilotDevices: []SeedAutopilotDevice{
			{SerialNumber: "5CG2461KX7", GroupTag: "Sales", PurchaseOrderIdentifier: "PO-2024-118", Manufacturer: "HP", Model: "HP EliteBook 840 G9", UserPrincipalName: "adele.vance@contoso.example", AddressableUserName: "Adele Vance"},
			{SerialNumber: "5CG2461KX8", GroupTag: "Sales", PurchaseOrderIdentifier: "PO-2024-118", Manufacturer: "HP", Model: "HP EliteBook 840 G9", EnrollmentState: "enrolled", DisplayName: "SALES-KX8", ManagedDeviceID: "3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60"},
			{SerialNumber: "PF3ABCD1", GroupTag: "Sales", Manufacturer: "LENOVO", Model: "21AH00BEUS"},
			{SerialNumber: "0F4410234567", GroupTag: "Kiosk", Manufacturer: "Microsoft Corporation", Model: "Surface Laptop 5"},
			{SerialNumber: "0F4410234568", GroupTag: "Kiosk", Manufacturer: "Microsoft Corporation", Model: "Surface Laptop 5"},
			{SerialNumber: "7YX2KL3", Manufacturer: "Dell Inc.", Model: "Latitude 5440"},
		},
		OtherTenantSerials: []string{"5CG9999999"},
	}
	demoDirectorySeed(seed)
	return seed
}
