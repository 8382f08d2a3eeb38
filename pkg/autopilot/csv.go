package autopilot

import (
	"fmt"
	"io"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// ListedDevice is one row of a device list CSV.
type ListedDevice struct {
	Line         int
	SerialNumber string
	GroupTag     string
}

// DeviceList is a CSV naming devices by serial number, with the group tag each should have when the file
// has a group tag column.
type DeviceList struct {
	File        string
	HasGroupTag bool
	Devices     []ListedDevice
}

// Header names accepted for the two columns, compared ignoring case, spaces and underscores. Other columns
// are ignored: unlike an import, which the admin center's strict layout governs, a device list only names
// devices, and admins feed it whatever CSV they have: a hardware-hash CSV ("Device Serial Number", "Group
// Tag"), this tool's own `-o csv` output ("SERIAL", "GROUP TAG", "USER", …), or a Graph export
// ("serialNumber", "groupTag").
var (
	serialColumns   = []string{"deviceserialnumber", "serialnumber", "serial"}
	groupTagColumns = []string{"grouptag", "tag"}
)

// ValidateSerial checks a serial number from a flag, an argument or a CSV cell by the rules every value
// shares: not empty, no control or format characters, at most hashcsv.MaxSerialNumberLength characters.
func ValidateSerial(serial string) error { return hashcsv.CheckSerialNumber(serial) }

// ReadDeviceList reads a device list CSV through hashcsv's reader, so it has the import's limits: a regular
// file only, UTF-8 or UTF-16 (with or without a byte-order mark) as PowerShell and Excel write them, at most
// 256 KiB per row, and errors located at the line where the offending row starts. Values follow the rules of
// flags (ValidateSerial, ValidateGroupTag). Cells this tool's `-o csv` prefixed with a quote against formula
// injection read back as they were. A serial number listed twice with the same group tag counts once; with
// different group tags it is an error.
func ReadDeviceList(path string) (DeviceList, error) {
	r, err := hashcsv.OpenRecords(path)
	if err != nil {
		return DeviceList{File: path}, err
	}
	defer r.Close()
	return readDeviceList(path, r)
}

// ReadDeviceListFrom is ReadDeviceList for a stream the caller opened (standard input), named name in errors;
// it is read once, front to back.
func ReadDeviceListFrom(name string, rd io.Reader) (DeviceList, error) {
	r, err := hashcsv.NewRecordReader(name, rd)
	if err != nil {
		return DeviceList{File: name}, err
	}
	return readDeviceList(name, r)
}

func readDeviceList(name string, r *hashcsv.RecordReader) (DeviceList, error) {
	list := DeviceList{File: name}
	header, line, err := r.Next()
	if err == io.EOF {
		return list, fmt.Errorf("%s: file is empty", name)
	}
	if err != nil {
		return list, err
	}
	header = append([]string(nil), header...) // the reader reuses the slice
	serialCol, tagCol := column(header, serialColumns), column(header, groupTagColumns)
	if serialCol < 0 {
		return list, hashcsv.Problem{File: name, Line: line,
			Msg: `no serial number column: the header must name one, e.g. "Device Serial Number" or "serialNumber"`}
	}
	list.HasGroupTag = tagCol >= 0
	first := map[string]ListedDevice{}
	for {
		rec, line, err := r.Next()
		if err == io.EOF {
			return list, nil
		}
		if err != nil {
			return list, err
		}
		d := ListedDevice{Line: line, SerialNumber: cell(rec, serialCol), GroupTag: cell(rec, tagCol)}
		invalid := func(col int, err error) error {
			return hashcsv.Problem{File: name, Line: line, Column: strings.TrimSpace(header[col]), Msg: err.Error()}
		}
		if err := ValidateSerial(d.SerialNumber); err != nil {
			return list, invalid(serialCol, err)
		}
		if list.HasGroupTag {
			if err := ValidateGroupTag(d.GroupTag); err != nil {
				return list, invalid(tagCol, err)
			}
		}
		key := hashcsv.SerialKey(d.SerialNumber)
		if prev, dup := first[key]; dup {
			if prev.GroupTag != d.GroupTag {
				return list, hashcsv.Problem{File: name, Line: line, Msg: fmt.Sprintf("serial number %s is listed on line %d with group tag %s and here with %s",
					safetext.Quote(d.SerialNumber), prev.Line, safetext.Quote(prev.GroupTag), safetext.Quote(d.GroupTag))}
			}
			continue
		}
		d.SerialNumber, d.GroupTag = strings.Clone(d.SerialNumber), strings.Clone(d.GroupTag) // not the whole row
		first[key] = d
		if len(list.Devices) == MaxDeviceListRows {
			return list, hashcsv.Problem{File: name, Line: line, Msg: fmt.Sprintf("more than %d devices: split the file", MaxDeviceListRows)}
		}
		list.Devices = append(list.Devices, d)
	}
}

// MaxDeviceListRows bounds one device list, and so the memory and the run it starts: larger changes are
// split into several files.
const MaxDeviceListRows = 100_000

// maxColumnName bounds the header cells compared with known names, so a column named in an error is short.
const maxColumnName = 40

// column is the position of the first header cell named like one of names, or -1.
func column(header []string, names []string) int {
	for i, h := range header {
		if len(h) > maxColumnName {
			continue
		}
		key := strings.ToLower(strings.NewReplacer(" ", "", "_", "", "\uFEFF", "").Replace(strings.TrimSpace(h)))
		for _, n := range names {
			if key == n {
				return i
			}
		}
	}
	return -1
}

func cell(rec []string, col int) string {
	if col < 0 || col >= len(rec) {
		return ""
	}
	return safetext.FromSpreadsheetSafe(strings.TrimSpace(rec[col]))
}
