package rule

import "strings"

// AllAutopilotDevices is the documented rule for every Autopilot-registered device.
func AllAutopilotDevices() string {
	return `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`
}

// GroupTag selects Autopilot devices by group tag (Entra's [OrderID] physical id).
func GroupTag(tag string) string {
	return physicalIDEquals("[OrderID]:" + tag)
}

// PurchaseOrder selects Autopilot devices by purchase order id.
func PurchaseOrder(id string) string {
	return physicalIDEquals("[PurchaseOrderId]:" + id)
}

func physicalIDEquals(id string) string {
	return "(device.devicePhysicalIds -any (_ -eq " + quote(id) + "))"
}

// Or joins rules with -or.
func Or(rules ...string) string {
	return strings.Join(rules, " -or ")
}

// And joins rules with -and, putting parentheses around any rule that is an
// -or chain at its top level so that precedence keeps its meaning.
func And(rules ...string) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = r
		if parsed, err := Parse(r); err == nil {
			if l, ok := parsed.root.(*logical); ok && !l.and {
				parts[i] = "(" + r + ")"
			}
		}
	}
	return strings.Join(parts, " -and ")
}
