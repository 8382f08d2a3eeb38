package hashcsv

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxGroupTagLength is the longest group tag accepted, in characters.
// Neither the Graph reference nor the Autopilot docs state a limit for
// groupTag (the device's OrderID); 128 is a conservative choice and the
// value other Autopilot tools enforce on updateDeviceProperties.
const MaxGroupTagLength = 128

// Validator checks devices one by one, across any number of files, and
// remembers each serial number and a SHA-256 of each hash (not the hash)
// to find devices listed twice.
type Validator struct {
	serials map[string]seenAt
	hashes  map[[sha256.Size]byte]seenAt
	decoded []byte // scratch space for decoding hashes
}

// seenAt is where a serial or hash first appeared.
type seenAt struct {
	file   string
	line   int
	serial string
}

func (s seenAt) String() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// NewValidator returns a Validator that has seen no devices.
func NewValidator() *Validator {
	return &Validator{serials: map[string]seenAt{}, hashes: map[[sha256.Size]byte]seenAt{}}
}

// Check returns everything wrong with d, in column order, and remembers its
// serial number and hash so later rows repeating them are reported.
func (v *Validator) Check(d Device) []Problem {
	var problems []Problem
	report := func(column, format string, args ...any) {
		problems = append(problems, Problem{File: d.File, Line: d.Line, Column: column, Msg: fmt.Sprintf(format, args...)})
	}
	here := seenAt{file: d.File, line: d.Line, serial: strings.Clone(d.SerialNumber)}

	// The service treats serial numbers without regard to case, so "abc1" and "ABC1" are one device.
	key := strings.ToUpper(d.SerialNumber)
	switch first, dup := v.serials[key]; {
	case d.SerialNumber == "":
		report(ColumnSerialNumber, "serial number is missing")
	case dup:
		report(ColumnSerialNumber, "serial %q already appears at %s", d.SerialNumber, first)
	default:
		v.serials[key] = here
	}

	switch raw, ok := v.decode(d.HardwareHash); {
	case d.HardwareHash == "":
		report(ColumnHardwareHash, "hardware hash is missing")
	case !ok:
		report(ColumnHardwareHash, "hardware hash is not base64")
	default:
		sum := sha256.Sum256(raw)
		if first, dup := v.hashes[sum]; dup {
			report(ColumnHardwareHash, "hardware hash already appears at %s for serial %q", first, first.serial)
		} else {
			v.hashes[sum] = here
		}
	}

	if n := utf8.RuneCountInString(d.GroupTag); n > MaxGroupTagLength {
		report(ColumnGroupTag, "group tag is %d characters long; the limit is %d", n, MaxGroupTagLength)
	}
	if d.AssignedUser != "" && !LooksLikeUPN(d.AssignedUser) {
		report(ColumnAssignedUser, "assigned user %q is not a user principal name like user@contoso.com", d.AssignedUser)
	}
	return problems
}

// decode checks that hash is standard, padded base64, the encoding Graph's
// Edm.Binary hardwareIdentifier uses, decoding into reused scratch space.
func (v *Validator) decode(hash string) ([]byte, bool) {
	if n := base64.StdEncoding.DecodedLen(len(hash)); cap(v.decoded) < n {
		v.decoded = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(v.decoded[:cap(v.decoded)], []byte(hash))
	return v.decoded[:n], err == nil && n > 0
}

// LooksLikeUPN checks the shape local@domain.tld with no spaces; the
// service itself only checks that the domain is one of the tenant's.
func LooksLikeUPN(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.Contains(l, "@") {
			return false
		}
	}
	return true
}
