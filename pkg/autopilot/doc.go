// Package autopilot owns the operations on registered Windows Autopilot devices
// (windowsAutopilotDeviceIdentities): finding them by serial number, id, group tag or state, planning and
// sending group-tag changes, user assignment, deregistration, and triggering the Autopilot sync. Bulk writes
// go through $batch inside the tenant's write budget and report one outcome per device.
//
// The hardware-hash CSV reader lives in the hashcsv sub-package; this package reads only the simple
// serial-number (and group-tag) lists that `device tag --from-csv` and `device delete --from-csv` take.
package autopilot
