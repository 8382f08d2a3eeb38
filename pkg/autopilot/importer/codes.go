package importer

import "strings"

// explanation is what an import error means and what to do about it.
type explanation struct {
	name string
	text string
}

// Import error codes reported by the Device Directory Service (docs/graph.md#import-error-codes). Names are matched too, since
// ZtdDeviceDuplicated and StorageError have no confirmed number and Microsoft's pages spell 808 two ways.
var explanations = map[int]explanation{
	801: {"InvalidZtdRequestBody", "the service could not read the request; retry, and report it if it persists"},
	802: {"InvalidZtdHardwareHash", "the hardware hash is invalid or incomplete (manufacturer and serial must be in it); capture it again with Get-WindowsAutopilotInfo on the device"},
	803: {"MissingZtdSerialNumberAndProductKey", "the serial number and product key are missing or invalid; fix the CSV row"},
	806: {"ZtdDeviceAlreadyAssigned", "the device is already registered in this tenant"},
	807: {"ZtdDeviceIsNotRegistered", "the device is not registered in this tenant"},
	808: {"ZtdDeviceAssignedToOtherTenant", "the device is registered to another tenant; ask the previous owner to deregister it, or open a Microsoft support case with proof of ownership"},
	809: {"ZtdProfileIsNotRegistered", "the deployment profile is not registered to this tenant"},
	810: {"ZtdProfileAssignedToOtherTenant", "the deployment profile belongs to another tenant"},
	811: {"ZtdDeviceRegisteredByOtherTenant", "another tenant registered this device, so this tenant cannot change it; ask that tenant to release it"},
	812: {"ZtdDeviceNotFound", "no hardware hash matches this manufacturer, model and serial; register it with the hash instead"},
	813: {"ZtdDeviceIsNotUnique", "the hash does not identify one device uniquely; capture the hash again"},
	814: {"ZtdDeviceAlreadyAadRegistered", "a device object already exists in Entra ID; delete the stale Entra device and import again"},
}

var explanationsByName = map[string]explanation{
	"ztddeviceduplicated":              {"ZtdDeviceDuplicated", "the same hardware hash appears more than once in one import; only one copy was processed"},
	"storageerror":                     {"StorageError", "a transient service storage error; import the device again later"},
	"ztddeviceassignedtoanothertenant": explanations[808],
}

// Explain returns the error's name (from the service, else the known one) and a one-line meaning with what to do.
func Explain(code int, name string) (string, string) {
	if e, ok := explanationsByName[strings.ToLower(name)]; ok {
		return e.name, e.text
	}
	if e, ok := explanations[code]; ok {
		if name == "" {
			name = e.name
		}
		return name, e.text
	}
	if name == "" {
		name = "Unknown"
	}
	return name, "the service reported an error not documented for Autopilot import; retry later or check the device in the admin center"
}

// alreadyRegistered reports the answer that means "this tenant already has it", which is not a failure.
func alreadyRegistered(code int, name string) bool {
	return code == 806 || strings.EqualFold(name, "ZtdDeviceAlreadyAssigned")
}
