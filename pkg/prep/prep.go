// Package prep owns Autopilot device-preparation policies and their enrollment-time device group: the policy
// (a settings-catalog configuration policy on one of two templates), the assigned security group Intune puts
// each device into during setup, owned by the Intune Provisioning Client, the binding between the two (set,
// read back by either verb and in any of the answer's shapes, checked against the legacy API), the user
// groups the policy is assigned to and its priority. It follows the shape every kind of object has
// (docs/architecture.md#one-shape-for-every-kind-of-object): a Spec as asked, the current policy by exact
// name, a field diff, and an Apply that creates or updates in place and reads everything back through the
// checks Verify runs. It knows nothing of cobra or terminals.
package prep

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Kind is the Graph entity name of a policy in change results.
const Kind = "deviceManagementConfigurationPolicy"

// ProvisioningClientAppID is the Intune Provisioning Client, which must own the device group; tenants show
// it under other names too, so it is matched by appId only.
const ProvisioningClientAppID = "f1346770-5b25-470b-88bd-d5744ab7952c"

// Templates of the two modes (docs/graph.md#device-preparation-and-enrollment-time-grouping).
const (
	UserDrivenTemplate = "80d33118-b7b4-40d8-b15f-81be745e053f_1"
	AutomaticTemplate  = "a6157a7f-aa00-42d9-ac82-7d2479f545db_1"
)

// Limits (docs/graph.md#device-preparation-and-enrollment-time-grouping): 25 apps since 2026-01-30, 10
// scripts, a timeout of 15 to 720 minutes; error messages over 1,000 characters draw a warning.
const (
	MaxApps            = 25
	MaxScripts         = 10
	MinTimeout         = 15 * time.Minute
	MaxTimeout         = 720 * time.Minute
	LongErrorMessage   = 1000
	maxName            = 200
	maxDescription     = 1500
	DefaultTimeout     = 60 * time.Minute
	DefaultAccountType = "standard"
	// DefaultErrorMessage is shown on the device when setup fails.
	DefaultErrorMessage = "Contact your IT administrator."
)

// Mode is how devices run the policy.
type Mode string

const (
	UserDriven Mode = "userDriven"
	Automatic  Mode = "automatic" // Windows 365: no user assignments, no priority
)

// ParseMode reads the words the commands take: user-driven or automatic.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "user-driven", "userdriven", "":
		return UserDriven, nil
	case "automatic":
		return Automatic, nil
	}
	return "", fmt.Errorf("mode %s is not user-driven or automatic", safetext.Quote(s))
}

// Word is the mode as the commands and layout files say it (user-driven, automatic).
func (m Mode) Word() string {
	if m == UserDriven {
		return "user-driven"
	}
	return string(m)
}

func (m Mode) template() string {
	if m == Automatic {
		return AutomaticTemplate
	}
	return UserDrivenTemplate
}

// modeOf is the mode of a template id, "" for another template.
func modeOf(templateID string) Mode {
	switch strings.ToLower(templateID) {
	case UserDrivenTemplate:
		return UserDriven
	case AutomaticTemplate:
		return Automatic
	}
	return ""
}

// Spec is a policy as asked for, by flags or a file, with groups, apps and scripts still by name or id.
type Spec struct {
	Name              string   `yaml:"name"`
	Description       string   `yaml:"description"`
	Mode              string   `yaml:"mode"`
	DeviceGroup       string   `yaml:"deviceGroup"`
	CreateDeviceGroup bool     `yaml:"createDeviceGroup"`
	UserGroups        []string `yaml:"userGroups"`
	AccountType       string   `yaml:"accountType"`
	Timeout           string   `yaml:"timeout"` // a duration in whole minutes, e.g. 60m
	ErrorMessage      *string  `yaml:"errorMessage"`
	AllowSkip         bool     `yaml:"allowSkip"`
	AllowDiagnostics  bool     `yaml:"allowDiagnostics"`
	Apps              []string `yaml:"apps"`
	Scripts           []string `yaml:"scripts"`
	Priority          int      `yaml:"priority"`
}

// FieldError is a refused value, named by the spec field (the command layer names its flag or key).
type FieldError struct {
	Field string // name, mode, deviceGroup, userGroups, accountType, timeout, errorMessage, apps, scripts, priority
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, a...)}
}

// Check applies the value rules and limits before anything is looked up, and returns the mode and the
// timeout; warnings are things allowed but probably not meant. The error is the first problem, a *FieldError;
// CheckAll returns every one.
func (s *Spec) Check() (m Mode, timeout time.Duration, warnings []string, err error) {
	m, timeout, warnings, errs := s.CheckAll()
	if len(errs) > 0 {
		return "", 0, nil, errs[0]
	}
	return m, timeout, warnings, nil
}

// CheckAll is Check reporting every problem of the spec at once, in field order, so a file is fixed in one go.
func (s *Spec) CheckAll() (m Mode, timeout time.Duration, warnings []string, errs []*FieldError) {
	bad := func(field string, err error) { errs = append(errs, &FieldError{Field: field, Err: err}) }
	badf := func(field, format string, a ...any) { bad(field, fmt.Errorf(format, a...)) }
	m, err := ParseMode(s.Mode)
	if err != nil {
		bad("mode", err)
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case strings.TrimSpace(s.Name) == "":
		badf("name", "policy name is empty")
	case n > maxName:
		badf("name", "policy name is %d characters long; at most %d are allowed", n, maxName)
	default:
		if err := safetext.Check("policy name", s.Name); err != nil {
			bad("name", err)
		}
	}
	if n := utf8.RuneCountInString(s.Description); n > maxDescription {
		badf("description", "description is %d characters long; at most %d are allowed", n, maxDescription)
	} else if err := safetext.Check("description", s.Description); err != nil {
		bad("description", err)
	}
	if strings.TrimSpace(s.DeviceGroup) == "" {
		badf("deviceGroup", "a device group is required: the group Intune puts each device into during setup")
	}
	for _, f := range []struct {
		field  string
		values []string
	}{{"deviceGroup", nonEmpty(s.DeviceGroup)}, {"userGroups", s.UserGroups}, {"apps", s.Apps}, {"scripts", s.Scripts}} {
		for _, v := range f.values {
			if strings.TrimSpace(v) == "" {
				badf(f.field, "an empty name")
			} else if err := safetext.Check("name", v); err != nil {
				bad(f.field, err)
			}
		}
	}
	if len(s.Apps) > MaxApps {
		badf("apps", "%d apps; a policy installs at most %d", len(s.Apps), MaxApps)
	}
	if len(s.Scripts) > MaxScripts {
		badf("scripts", "%d scripts; a policy runs at most %d", len(s.Scripts), MaxScripts)
	}
	if m == Automatic {
		// Each user-driven setting is named by its own field, so the error points at the flag or key given.
		for _, f := range []struct {
			field, what string
			given       bool
		}{{"userGroups", "user assignments", len(s.UserGroups) > 0}, {"priority", "priority", s.Priority != 0},
			{"accountType", "account type", s.AccountType != ""}, {"timeout", "setup timeout", s.Timeout != ""},
			{"errorMessage", "error message", s.ErrorMessage != nil}, {"allowSkip", "skip option", s.AllowSkip},
			{"allowDiagnostics", "diagnostics option", s.AllowDiagnostics}} {
			if f.given {
				badf(f.field, "an automatic policy has no %s: it holds only apps and scripts (Windows 365 provisioning policies point at it)", f.what)
			}
		}
		if len(errs) > 0 {
			return "", 0, nil, errs
		}
		return m, 0, nil, nil
	}
	if s.Priority < 0 {
		badf("priority", "priority %d: priorities start at 1", s.Priority)
	}
	if _, ok := accountTypes[strings.ToLower(s.AccountType)]; s.AccountType != "" && !ok {
		badf("accountType", "account type %s is not standard or administrator", safetext.Quote(s.AccountType))
	}
	timeout = DefaultTimeout
	if s.Timeout != "" {
		if timeout, err = ParseTimeout(s.Timeout); err != nil {
			bad("timeout", err)
		}
	}
	if s.ErrorMessage != nil {
		if err := safetext.Check("error message", strings.NewReplacer("\n", " ", "\r", " ").Replace(*s.ErrorMessage)); err != nil {
			bad("errorMessage", err)
		} else if n := utf8.RuneCountInString(*s.ErrorMessage); n > LongErrorMessage {
			warnings = append(warnings, fmt.Sprintf("the error message is %d characters long; tools that know this setting keep it under %d", n, LongErrorMessage))
		}
	}
	if len(errs) > 0 {
		return "", 0, nil, errs
	}
	if len(s.UserGroups) == 0 {
		warnings = append(warnings, "a user-driven policy without a user group does nothing until it is assigned to one")
	}
	return m, timeout, warnings, nil
}

// NoUserGroup is what a user-driven policy without user groups means, in its step and its failed check.
const NoUserGroup = "assigned to no user group, so the policy does nothing until it is assigned to one"

func nonEmpty(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil // reported as required
	}
	return []string{s}
}

// ParseTimeout reads a setup timeout: a duration in whole minutes (60m, 1h30m) or a number of minutes,
// from 15 to 720 minutes.
func ParseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if n, nerr := parseMinutes(s); nerr == nil {
			d, err = n, nil
		}
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("timeout %s is not a duration such as 60m", safetext.Quote(s))
	case d%time.Minute != 0:
		return 0, fmt.Errorf("timeout %s is not a whole number of minutes", safetext.Quote(s))
	case d < MinTimeout || d > MaxTimeout:
		return 0, fmt.Errorf("timeout %s is outside %d to %d minutes", safetext.Quote(s), int(MinTimeout.Minutes()), int(MaxTimeout.Minutes()))
	}
	return d, nil
}

func parseMinutes(s string) (time.Duration, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s {
		return 0, errors.New("not a number")
	}
	return time.Duration(n) * time.Minute, nil
}
