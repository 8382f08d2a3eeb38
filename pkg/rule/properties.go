package rule

import (
	"fmt"
	"strings"
)

// kind is the type of a device property as rules see it.
type kind int

const (
	kindString   kind = iota
	kindBool          // compared with true / false
	kindStrings       // string collection: -any/-all with "_", or direct comparison (any item)
	kindGroupIDs      // memberOf: only -any (group.objectId -in [...])
)

// property is one documented device attribute.
type property struct {
	name string // documented spelling, used by String()
	kind kind
}

// deviceProperties lists the attributes Entra documents for device rules
// ("Rules for devices" in Manage rules for dynamic membership groups).
var deviceProperties = func() map[string]property {
	props := []property{
		{"accountEnabled", kindBool},
		{"deviceCategory", kindString},
		{"deviceId", kindString},
		{"deviceManagementAppId", kindString},
		{"deviceManufacturer", kindString},
		{"deviceModel", kindString},
		{"displayName", kindString},
		{"deviceOSType", kindString},
		{"deviceOSVersion", kindString},
		{"deviceOwnership", kindString},
		{"devicePhysicalIds", kindStrings},
		{"deviceTrustType", kindString},
		{"enrollmentProfileName", kindString},
		{"isRooted", kindBool},
		{"managementType", kindString},
		{"memberOf", kindGroupIDs},
		{"objectId", kindString},
		{"profileType", kindString},
		{"systemLabels", kindStrings},
	}
	for i := 1; i <= 15; i++ {
		props = append(props, property{fmt.Sprintf("extensionAttribute%d", i), kindString})
	}
	m := make(map[string]property, len(props))
	for _, p := range props {
		m[strings.ToLower(p.name)] = p
	}
	return m
}()

// scalar returns a single-valued property of d; present is false for null.
func (d Device) scalar(name string) (value string, present bool) {
	for k, v := range d.Properties {
		if strings.EqualFold(k, name) {
			return v, v != ""
		}
	}
	return "", false
}

// collection returns a multi-valued property of d.
func (d Device) collection(p property) []string {
	switch strings.ToLower(p.name) {
	case "devicephysicalids":
		return d.PhysicalIDs
	case "systemlabels":
		return d.SystemLabels
	default:
		return d.MemberOf
	}
}
