package hashcsv

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Column names as the admin center and Get-WindowsAutopilotInfo spell them.
// Files are matched case-insensitively, ignoring surrounding spaces.
const (
	ColumnSerialNumber = "Device Serial Number"
	ColumnProductID    = "Windows Product ID"
	ColumnHardwareHash = "Hardware Hash"
	ColumnGroupTag     = "Group Tag"
	ColumnAssignedUser = "Assigned User"
	ColumnManufacturer = "Manufacturer name" // -Partner layout
	ColumnModel        = "Device model"      // -Partner layout
)

// Positions of the known columns in knownColumns, Reader.index and Device.fields.
const (
	colSerialNumber = iota
	colProductID
	colHardwareHash
	colGroupTag
	colAssignedUser
	colManufacturer
	colModel
	numColumns
)

var knownColumns = [numColumns]string{
	colSerialNumber: ColumnSerialNumber,
	colProductID:    ColumnProductID,
	colHardwareHash: ColumnHardwareHash,
	colGroupTag:     ColumnGroupTag,
	colAssignedUser: ColumnAssignedUser,
	colManufacturer: ColumnManufacturer,
	colModel:        ColumnModel,
}

// scriptHeader is what Get-WindowsAutopilotInfo writes by default.
const scriptHeader = ColumnSerialNumber + "," + ColumnProductID + "," + ColumnHardwareHash

// header is a parsed header row: where each known column sits.
type header struct {
	index   [numColumns]int // record position per known column, -1 if absent
	columns []string        // canonical names in file order
	width   int             // named columns; values past them must be empty
}

// parseHeader maps the first row's names to known columns. The admin center
// rejects extra columns, so any unknown name is an error, except empty names
// at the end (spreadsheets leave trailing commas).
func parseHeader(rec []string) (header, string) {
	var h header
	for i := range h.index {
		h.index[i] = -1
	}
	names := make([]string, len(rec))
	for i, f := range rec {
		names[i] = cleanName(f)
	}
	for len(names) > 0 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	h.width = len(names)
	var unknown []string
	unnamed, twice := -1, -1
	for pos, name := range names {
		c := columnIndex(name)
		switch {
		case name == "":
			unnamed = pos
		case c < 0:
			unknown = append(unknown, fmt.Sprintf("%q", name))
		case h.index[c] >= 0:
			twice = c
		default:
			h.index[c] = pos
			h.columns = append(h.columns, knownColumns[c])
		}
	}
	switch d := delimiterIn(names); {
	case d != "":
		return h, fmt.Sprintf("the header is separated by %s, not commas; save the file comma-separated, like %q", d, scriptHeader)
	case len(h.columns) == 0:
		return h, fmt.Sprintf("no header row: the first row must name the columns, like %q; found %s", scriptHeader, safetext.Quote(strings.Join(rec, ",")))
	case len(unknown) > 0:
		noun := "column"
		if len(unknown) > 1 {
			noun = "columns"
		}
		return h, fmt.Sprintf("unknown %s %s; the admin center accepts only %s", noun, strings.Join(unknown, ", "), strings.Join(knownColumns[:], ", "))
	case twice >= 0:
		return h, fmt.Sprintf("column %q appears twice in the header", knownColumns[twice])
	case unnamed >= 0:
		return h, fmt.Sprintf("header column %d has no name", unnamed+1)
	}
	for _, c := range [...]int{colSerialNumber, colHardwareHash} {
		if h.index[c] < 0 {
			return h, fmt.Sprintf("the header has no %q column", knownColumns[c])
		}
	}
	return h, ""
}

func columnIndex(name string) int {
	for i, c := range knownColumns {
		if strings.EqualFold(name, c) {
			return i
		}
	}
	return -1
}

// cleanName trims spaces and stray byte-order marks (files concatenated from
// several exports carry one in the middle).
func cleanName(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
}

// delimiterIn names the separator a header uses when it is not a comma.
func delimiterIn(names []string) string {
	for _, n := range names {
		switch {
		case strings.Contains(n, ";"):
			return `";"`
		case strings.Contains(n, "\t"):
			return "tabs"
		}
	}
	return ""
}
