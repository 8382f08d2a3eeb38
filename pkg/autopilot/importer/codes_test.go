package importer

import "testing"

func TestExplain(t *testing.T) {
	tests := []struct {
		code       int
		name       string
		wantName   string
		wantPrefix string
	}{
		{806, "ZtdDeviceAlreadyAssigned", "ZtdDeviceAlreadyAssigned", "the device is already registered in this tenant"},
		{808, "", "ZtdDeviceAssignedToOtherTenant", "the device is registered to another tenant; ask the previous owner"},
		{0, "ZtdDeviceAssignedToAnotherTenant", "ZtdDeviceAssignedToOtherTenant", "the device is registered to another tenant"},
		{802, "InvalidZtdHardwareHash", "InvalidZtdHardwareHash", "the hardware hash is invalid or incomplete"},
		{815, "ZtdDeviceDuplicated", "ZtdDeviceDuplicated", "the same hardware hash appears more than once in one import"},
		{640, "StorageError", "StorageError", "a transient service storage error"},
		{814, "", "ZtdDeviceAlreadyAadRegistered", "a device object already exists in Entra ID"},
		{999, "", "Unknown", "the service reported an error not documented"},
	}
	for _, tt := range tests {
		name, text := Explain(tt.code, tt.name)
		if name != tt.wantName || len(text) < len(tt.wantPrefix) || text[:len(tt.wantPrefix)] != tt.wantPrefix {
			t.Errorf("Explain(%d, %q) = %q, %q", tt.code, tt.name, name, text)
		}
	}
	for code := 801; code <= 814; code++ {
		if code == 804 || code == 805 {
			continue // not in any source read (docs/graph.md#import-error-codes)
		}
		if name, _ := Explain(code, ""); name == "Unknown" {
			t.Errorf("code %d has no explanation", code)
		}
	}
	if !alreadyRegistered(806, "") || !alreadyRegistered(0, "ztddevicealreadyassigned") || alreadyRegistered(808, "") {
		t.Error("alreadyRegistered")
	}
}
