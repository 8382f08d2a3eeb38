package autopilot

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// ListedDevice is one row of a device list CSV.
type ListedDevice struct {
	Line         int
	SerialNumber string
	GroupTag     string
}

// DeviceList is a CSV naming devices by serial number, with the group tag each should have when the file
// has a group tag column. Other columns are ignored, so a hardware-hash CSV serves as well.
type DeviceList struct {
	File        string
	HasGroupTag bool
	Devices     []ListedDevice
}

// Header names accepted for the two columns, compared ignoring case, spaces and underscores.
var (
	serialColumns   = []string{"deviceserialnumber", "serialnumber", "serial"}
	groupTagColumns = []string{"grouptag", "tag"}
)

// ReadDeviceList reads a device list CSV in any encoding hashcsv reads (UTF-8 or UTF-16, with or without a
// byte-order mark), as PowerShell and Excel write them. Errors name the file and line. A serial number
// listed twice with the same group tag counts once; with different group tags it is an error.
func ReadDeviceList(path string) (DeviceList, error) {
	f, err := os.Open(path)
	if err != nil {
		return DeviceList{}, err
	}
	defer f.Close()
	return readDeviceList(path, f)
}

func readDeviceList(name string, r io.Reader) (DeviceList, error) {
	list := DeviceList{File: name}
	text, err := hashcsv.DecodeText(r) // the same encodings as hardware-hash CSVs
	if err != nil {
		return list, fmt.Errorf("%s: %w", name, err)
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return list, fmt.Errorf("%s: file is empty", name)
	}
	if err != nil {
		return list, csvError(name, err)
	}
	serialCol, tagCol := column(header, serialColumns), column(header, groupTagColumns)
	if serialCol < 0 {
		return list, fmt.Errorf("%s:1: no serial number column: the header must name one, e.g. %q or \"serialNumber\"", name, "Device Serial Number")
	}
	list.HasGroupTag = tagCol >= 0
	first := map[string]ListedDevice{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return list, nil
		}
		if err != nil {
			return list, csvError(name, err)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // spreadsheets leave rows of empty cells
		}
		line, _ := cr.FieldPos(0)
		d := ListedDevice{Line: line, SerialNumber: cell(rec, serialCol), GroupTag: cell(rec, tagCol)}
		if d.SerialNumber == "" {
			return list, fmt.Errorf("%s:%d: no serial number (column %q)", name, line, header[serialCol])
		}
		if list.HasGroupTag {
			if err := ValidateGroupTag(d.GroupTag); err != nil {
				return list, fmt.Errorf("%s:%d: %v (column %q)", name, line, err, header[tagCol])
			}
		}
		key := strings.ToUpper(d.SerialNumber)
		if prev, dup := first[key]; dup {
			if prev.GroupTag != d.GroupTag {
				return list, fmt.Errorf("%s:%d: serial number %q is listed on line %d with group tag %q and here with %q", name, line, d.SerialNumber, prev.Line, prev.GroupTag, d.GroupTag)
			}
			continue
		}
		first[key] = d
		list.Devices = append(list.Devices, d)
	}
}

// column is the position of the first header cell named like one of names, or -1.
func column(header []string, names []string) int {
	for i, h := range header {
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
	return strings.TrimSpace(rec[col])
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: malformed CSV: %v", name, pe.StartLine, pe.Err)
	}
	return fmt.Errorf("%s: %v", name, err)
}
