package rule

import "strings"

// The builders write the rules of docs/graph.md#dynamic-device-groups, always with the lambda and the
// whole condition in parentheses (the form the Entra portal accepts), values quoted and escaped.

// AllAutopilotDevices is the documented rule for every Autopilot-registered device, verbatim.
func AllAutopilotDevices() string {
	return `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`
}

// GroupTag selects Autopilot devices by group tag (Entra's [OrderID] physical id).
func GroupTag(tag string) string {
	return physicalID("eq", "[OrderID]:"+tag)
}

// GroupTagPrefix selects Autopilot devices whose group tag starts with prefix.
func GroupTagPrefix(prefix string) string {
	return physicalID("startsWith", "[OrderID]:"+prefix)
}

// PurchaseOrder selects Autopilot devices by purchase order id.
func PurchaseOrder(id string) string {
	return physicalID("eq", "[PurchaseOrderId]:"+id)
}

// EnrollmentProfile selects devices enrolled with the named profile; the whole name must match.
func EnrollmentProfile(name string) string {
	return "(device.enrollmentProfileName -eq " + quote(name) + ")"
}

func physicalID(op, id string) string {
	return "(device.devicePhysicalIds -any (_ -" + op + " " + quote(id) + "))"
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
