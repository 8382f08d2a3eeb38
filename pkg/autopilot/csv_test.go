package autopilot

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func utf16(t *testing.T, s string, bom unicode.BOMPolicy) []byte {
	b, err := unicode.UTF16(unicode.LittleEndian, bom).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadDeviceList(t *testing.T) {
	tagged := "Device Serial Number,Group Tag\r\n5CG1,Sales\r\n\r\n,\r\n 5cg2 , Kiosk \r\n5CG1,Sales\r\nAB-3,\r\n"
	want := DeviceList{File: "t.csv", HasGroupTag: true, Devices: []ListedDevice{
		{Line: 2, SerialNumber: "5CG1", GroupTag: "Sales"}, {Line: 5, SerialNumber: "5cg2", GroupTag: "Kiosk"}, {Line: 7, SerialNumber: "AB-3"}}}
	tests := []struct {
		name string
		data []byte
		want DeviceList
	}{
		{"UTF-8", []byte(tagged), want},
		{"UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, tagged...), want},
		{"UTF-16LE with BOM", utf16(t, tagged, unicode.UseBOM), want},
		{"Graph names, extra columns, serials only", []byte("Hardware Hash,serialNumber\nAAAA,X1\nBBBB,X2\n"),
			DeviceList{File: "t.csv", Devices: []ListedDevice{{Line: 2, SerialNumber: "X1"}, {Line: 3, SerialNumber: "X2"}}}},
		{"header only", []byte("serial,tag\n"), DeviceList{File: "t.csv", HasGroupTag: true}},
	}
	for _, tt := range tests {
		got, err := readDeviceList("t.csv", bytes.NewReader(tt.data))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// UTF-16 without a byte-order mark is read like the hardware-hash CSVs are.
func TestReadDeviceListUTF16WithoutBOM(t *testing.T) {
	got, err := readDeviceList("t.csv", bytes.NewReader(utf16(t, "serial,tag\nA,B\n", unicode.IgnoreBOM)))
	want := DeviceList{File: "t.csv", HasGroupTag: true, Devices: []ListedDevice{{Line: 2, SerialNumber: "A", GroupTag: "B"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, %v", got, err)
	}
}

func TestReadDeviceListErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		err  string
	}{
		{"empty", nil, "t.csv: file is empty"},
		{"no serial column", []byte("Group Tag\nSales\n"), `t.csv:1: no serial number column: the header must name one, e.g. "Device Serial Number" or "serialNumber"`},
		{"binary", []byte{0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00}, "t.csv: binary data, not a CSV text file"},
		{"missing serial", []byte("serial,tag\nA,B\n,C\n"), `t.csv:3: no serial number (column "serial")`},
		{"conflicting tags", []byte("serial,tag\nA,B\na,C\n"), `t.csv:3: serial number "a" is listed on line 2 with group tag "B" and here with "C"`},
		{"tag too long", []byte("serial,Group Tag\nA," + strings.Repeat("x", 129) + "\n"),
			`t.csv:2: group tag "` + strings.Repeat("x", 129) + `" is 129 characters; the limit is 128 (column "Group Tag")`},
		{"bad quoting", []byte("serial,tag\n\"A,B\n"), `t.csv:2: malformed CSV: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		_, err := readDeviceList("t.csv", bytes.NewReader(tt.data))
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.err)
		}
	}
}
