package autopilot

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Filter selects devices for `device list`. Every set field must match; matching happens client-side
// always, and server-side too where Graph can filter (serial number contains, group tag equals).
type Filter struct {
	GroupTag        string // equal, ignoring case
	Serial          string // part of the serial number, ignoring case
	ProfileStatus   string // one of ProfileStatuses
	EnrollmentState string // one of EnrollmentStates
	Limit           int    // stop after this many matches; 0 = all
}

// Validate checks the values by the rule every value follows (ValidateSerial, ValidateGroupTag: no control
// or format characters, bounded length) and the enumerated fields, naming the accepted values.
func (f Filter) Validate() error {
	if f.Serial != "" {
		if err := ValidateSerial(f.Serial); err != nil {
			return err
		}
	}
	if err := ValidateGroupTag(f.GroupTag); err != nil {
		return err
	}
	if f.ProfileStatus != "" && !slices.Contains(ProfileStatuses, f.ProfileStatus) {
		return fmt.Errorf("invalid profile status %q: use one of %s", f.ProfileStatus, strings.Join(ProfileStatuses, ", "))
	}
	if f.EnrollmentState != "" && !slices.Contains(EnrollmentStates, f.EnrollmentState) {
		return fmt.Errorf("invalid enrollment state %q: use one of %s", f.EnrollmentState, strings.Join(EnrollmentStates, ", "))
	}
	if f.Limit < 0 {
		return fmt.Errorf("invalid limit %d: must be 0 (all) or more", f.Limit)
	}
	return nil
}

// Match reports whether d passes every set field.
func (f Filter) Match(d Device) bool {
	switch {
	case f.GroupTag != "" && !strings.EqualFold(d.GroupTag, f.GroupTag):
		return false
	case f.Serial != "" && !containsFold(d.SerialNumber, f.Serial):
		return false
	case f.EnrollmentState != "" && d.EnrollmentState != f.EnrollmentState:
		return false
	case f.ProfileStatus == "assigned":
		return d.ProfileAssigned()
	case f.ProfileStatus != "" && d.DeploymentProfileAssignmentStatus != f.ProfileStatus:
		return false
	}
	return true
}

// serverFilter is the one $filter clause Graph accepts for f: the serial number is the most selective.
func (f Filter) serverFilter() string {
	switch {
	case f.Serial != "":
		return serialContains(f.Serial)
	case f.GroupTag != "":
		return groupTagEquals(f.GroupTag)
	}
	return ""
}

func serialContains(serial string) string {
	return "contains(serialNumber," + odataString(serial) + ")"
}

func groupTagEquals(tag string) string { return "groupTag eq " + odataString(tag) }

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// devicesQuery is the collection path with $filter, escaped so that '+' and '&' in a value survive.
// DevicesPath is the first read ListDevices sends without a filter: for a caller that fetches several reads
// at once (graph.Client.Prefetch).
const DevicesPath = devicesPath

func devicesQuery(filter string) string {
	if filter == "" {
		return devicesPath
	}
	return devicesPath + "?$filter=" + strings.ReplaceAll(url.QueryEscape(filter), "+", "%20")
}

func containsFold(s, part string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(part))
}
