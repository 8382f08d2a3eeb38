package groups

import (
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
)

// What a rule is built from, as CheckRuleValue names it.
const (
	ValueGroupTag          = "group tag"
	ValuePurchaseOrder     = "purchase order"
	ValueEnrollmentProfile = "enrollment profile name"
	ValueRule              = "rule"
)

// CheckRuleValue refuses a value a group's rule can't be built from: an empty one, and one with control or
// format characters (a group tag: also what Autopilot refuses in one). In a whole rule, line breaks and tabs
// are only spacing. what is one of the Value… names.
func CheckRuleValue(what, v string) error {
	switch what {
	case ValueGroupTag:
		if err := autopilot.ValidateGroupTag(v); err != nil {
			return err
		}
	case ValueRule:
		return safetext.Check(what, strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(v))
	}
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return safetext.Check(what, v)
}
