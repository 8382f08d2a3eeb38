package rule

import "strings"

// Check is one condition of a rule evaluated for one device: the condition in canonical form, whether it
// held, and for a multi-valued property the values (physical ids, system labels) that satisfied its
// comparison.
type Check struct {
	Condition string   `json:"condition"`
	Held      bool     `json:"held"`
	Values    []string `json:"values,omitempty"`
}

// Explain evaluates every condition of the rule for d, in the order they are written, for `group preview
// --explain`: which part of the rule each physical id satisfied or failed.
func (r *Rule) Explain(d Device) []Check {
	var out []Check
	walk(r.root, func(c *condition) {
		var b strings.Builder
		c.write(&b)
		ch := Check{Condition: b.String(), Held: c.match(d)}
		if c.prop.kind == kindStrings {
			for _, it := range d.collection(c.prop) {
				if c.op.holds(it, true, c.val) != c.op.negated {
					ch.Values = append(ch.Values, it)
				}
			}
		}
		out = append(out, ch)
	})
	return out
}

// Properties lists the device properties the rule reads, in documented spelling, each once.
func (r *Rule) Properties() []string {
	var out []string
	seen := map[string]bool{}
	walk(r.root, func(c *condition) {
		if !seen[c.prop.name] {
			seen[c.prop.name] = true
			out = append(out, c.prop.name)
		}
	})
	return out
}

// autopilotPhysicalIDs are the physical-id types the Autopilot service gives a registered device.
var autopilotPhysicalIDs = []string{"[ZTDId]", "[OrderID]", "[PurchaseOrderId]"}

// TargetsAutopilot reports whether the rule selects by Autopilot identity: a devicePhysicalIds test on a
// [ZTDId], [OrderID] or [PurchaseOrderId] value, or enrollmentProfileName.
func (r *Rule) TargetsAutopilot() bool {
	found := false
	walk(r.root, func(c *condition) {
		switch strings.ToLower(c.prop.name) {
		case "enrollmentprofilename":
			found = true
		case "devicephysicalids":
			values := append([]string{c.val.text}, c.val.list...)
			for _, v := range values {
				for _, p := range autopilotPhysicalIDs {
					found = found || strings.HasPrefix(strings.ToLower(v), strings.ToLower(p))
				}
			}
		}
	})
	return found
}

// Equivalent reports whether two rule texts are the same rule once parsed: the same conditions in the same
// order, whatever their spacing, parentheses, hyphens and property-name case. Either failing to parse
// compares the texts as written.
func Equivalent(a, b string) bool {
	ra, errA := Parse(a)
	rb, errB := Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra.String() == rb.String()
}
