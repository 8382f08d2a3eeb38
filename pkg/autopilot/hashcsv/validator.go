package hashcsv

import (
	"crypto/sha256"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

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
// serial number and hash so later rows repeating them are reported. A
// placeholder serial number seen once is a Warning: the row stays valid.
func (v *Validator) Check(d Device) []Problem {
	var problems []Problem
	add := func(column string, warning bool, format string, args ...any) {
		problems = append(problems, Problem{File: d.File, Line: d.Line, SerialNumber: d.SerialNumber, Column: column,
			Msg: fmt.Sprintf(format, args...), Warning: warning})
	}
	check := func(column string, err error) {
		if err != nil {
			add(column, false, "%v", err)
		}
	}
	here := seenAt{file: d.File, line: d.Line, serial: strings.Clone(d.SerialNumber)}

	// The service treats serial numbers without regard to case, so "abc1" and "ABC1" are one device.
	key := SerialKey(d.SerialNumber)
	switch first, dup := v.serials[key]; {
	case CheckSerialNumber(d.SerialNumber) != nil:
		check(ColumnSerialNumber, CheckSerialNumber(d.SerialNumber))
	case dup && PlaceholderSerial(d.SerialNumber):
		add(ColumnSerialNumber, false, "serial %s already appears at %s; it is a firmware placeholder, not a real serial number, "+
			"so these devices can't be told apart by serial number: work with them by Autopilot device id", safetext.Quote(d.SerialNumber), first)
	case dup:
		add(ColumnSerialNumber, false, "serial %s already appears at %s", safetext.Quote(d.SerialNumber), first)
	default:
		v.serials[key] = here
		if PlaceholderSerial(d.SerialNumber) {
			add(ColumnSerialNumber, true, "serial number %s is a firmware placeholder, not a real serial number: other devices can have it too, "+
				"so work with this device by its Autopilot device id, not by serial number", safetext.Quote(d.SerialNumber))
		}
	}

	check(ColumnProductID, safetext.Check("Windows Product ID", d.ProductKey))
	switch raw, err := decodeHash(v.decoded, d.HardwareHash); {
	case d.HardwareHash == "":
		add(ColumnHardwareHash, false, "hardware hash is missing")
	case err != nil:
		add(ColumnHardwareHash, false, "hardware hash is not base64")
	default:
		v.decoded = raw
		sum := sha256.Sum256(raw)
		if first, dup := v.hashes[sum]; dup {
			if first.serial == "" { // that row had no serial number (and was reported for it)
				add(ColumnHardwareHash, false, "hardware hash already appears at %s", first)
			} else {
				add(ColumnHardwareHash, false, "hardware hash already appears at %s for serial %s", first, safetext.Quote(first.serial))
			}
		} else {
			v.hashes[sum] = here
		}
	}
	check(ColumnGroupTag, CheckGroupTag(d.GroupTag))
	if err := CheckUPN(d.AssignedUser); d.AssignedUser != "" && err != nil {
		add(ColumnAssignedUser, false, "assigned user %v", err)
	}
	check(ColumnManufacturer, safetext.Check("manufacturer name", d.Manufacturer))
	check(ColumnModel, safetext.Check("device model", d.Model))
	return problems
}

// SerialKey is what two spellings of one serial number have in common: serial numbers are compared ignoring
// case and Unicode compatibility forms (fullwidth letters, decomposed accents), so "ＡBC" and "abc", or "café"
// typed two ways, count as one device.
func SerialKey(serial string) string { return strings.ToUpper(norm.NFKC.String(serial)) }
