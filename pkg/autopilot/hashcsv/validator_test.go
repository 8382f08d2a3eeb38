package hashcsv

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestValidatorCheck(t *testing.T) {
	row := func(file string, line int, serial, hash string) Device {
		return Device{File: file, Line: line, SerialNumber: serial, HardwareHash: hash}
	}
	withUser := func(d Device, upn string) Device { d.AssignedUser = upn; return d }
	withTag := func(d Device, tag string) Device { d.GroupTag = tag; return d }

	// One validator sees the rows in order, as across the files of one import.
	rows := []struct {
		device Device
		want   []string
	}{
		{row("devices.csv", 2, "5CG1234XYZ", hashA), nil},
		{withTag(row("devices.csv", 3, "VMware-56 4d 9b 2a", hashB), strings.Repeat("ü", MaxGroupTagLength)), nil},
		{withUser(row("devices.csv", 4, "PF-3X9K2L", hashC), "ada.lovelace@contoso.co.uk"), nil},
		{row("devices.csv", 5, "", ""), []string{
			`devices.csv:5: serial number is missing (column "Device Serial Number")`,
			`devices.csv:5: hardware hash is missing (column "Hardware Hash")`,
		}},
		{row("devices.csv", 6, "NEW-1", "not base64!"), []string{
			`devices.csv:6: hardware hash is not base64 (column "Hardware Hash")`,
		}},
		{row("devices.csv", 17, "", "bm8gc2VyaWFs"), []string{
			`devices.csv:17: serial number is missing (column "Device Serial Number")`,
		}},
		{row("devices.csv", 18, "NEW-6", "bm8gc2VyaWFs"), []string{ // the first row of this hash had no serial
			`devices.csv:18: hardware hash already appears at devices.csv:17 (column "Hardware Hash")`,
		}},
		{row("devices.csv", 7, "NEW-2", "aGFzaA"), nil}, // lost its "==" padding: the same bytes as aGFzaA==
		{row("devices.csv", 13, "NEW-2b", "aGFzaA=="), []string{
			`devices.csv:13: hardware hash already appears at devices.csv:7 for serial "NEW-2" (column "Hardware Hash")`,
		}},
		{row("devices.csv", 14, "NEW-2c", "aGFzaA="), []string{ // half its padding: the same bytes again
			`devices.csv:14: hardware hash already appears at devices.csv:7 for serial "NEW-2" (column "Hardware Hash")`,
		}},
		{row("devices.csv", 15, "NEW-2d", "aGFza"), []string{ // 5 characters: no padding makes whole bytes
			`devices.csv:15: hardware hash is not base64 (column "Hardware Hash")`,
		}},
		{row("devices.csv", 16, "NEW-2e", "aGFz\r\naA"), []string{ // line breaks don't count towards padding
			`devices.csv:16: hardware hash already appears at devices.csv:7 for serial "NEW-2" (column "Hardware Hash")`,
		}},
		{row("devices.csv", 8, "NEW-3", "aGFzaC0_-w=="), []string{ // URL alphabet
			`devices.csv:8: hardware hash is not base64 (column "Hardware Hash")`,
		}},
		{row("other.csv", 9, "5CG1234XYZ", "bmV3IGhhc2g="), []string{
			`other.csv:9: serial "5CG1234XYZ" already appears at devices.csv:2 (column "Device Serial Number")`,
		}},
		{row("other.csv", 12, "5cg1234xyz", "Y2FzZSBoYXNo"), []string{ // serials are one device whatever their case
			`other.csv:12: serial "5cg1234xyz" already appears at devices.csv:2 (column "Device Serial Number")`,
		}},
		{row("other.csv", 19, "\uff15CG1234XYZ", "ZnVsbHdpZHRo"), []string{ // ... or their Unicode form (fullwidth 5)
			"other.csv:19: serial \"\uff15CG1234XYZ\" already appears at devices.csv:2 (column \"Device Serial Number\")",
		}},
		{row("other.csv", 10, "NEW-4", hashB), []string{
			`other.csv:10: hardware hash already appears at devices.csv:3 for serial "VMware-56 4d 9b 2a" (column "Hardware Hash")`,
		}},
		{withTag(row("other.csv", 11, "NEW-5", "bmV3IGhhc2ggNQ=="), strings.Repeat("x", MaxGroupTagLength+1)), []string{
			`other.csv:11: group tag is 129 characters long; the limit is 128 (column "Group Tag")`,
		}},
	}
	v := NewValidator()
	for _, r := range rows {
		var got []string
		for _, p := range v.Check(r.device) {
			got = append(got, p.Error())
		}
		if !reflect.DeepEqual(got, r.want) {
			t.Errorf("%s:%d: got %q, want %q", r.device.File, r.device.Line, got, r.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Chdir(t.TempDir())
	files := map[string]string{
		"devices.csv": "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n" +
			"5CG1234XYZ,," + hashA + ",Sales,ada@contoso.com\r\n" +
			"5CG5678ABC,," + hashB + ",Sales,not-a-upn\r\n",
		"more.csv": "Device Serial Number,Hardware Hash\n" +
			"PF-3X9K2L," + hashC + "\n" +
			"5CG1234XYZ,bmV3IGhhc2g=\n" +
			"A1," + hashC + ",surplus\n",
		"header-only.csv": "Device Serial Number,Windows Product ID,Hardware Hash\r\n",
		"binary.bin":      "\x7fELF\x02\x01\x01\x00\x00\x00",
	}
	for name, content := range files {
		data := []byte(content)
		if name == "devices.csv" {
			data = utf16Bytes(t, content, unicode.LittleEndian, true)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v := Validate([]string{"devices.csv", "more.csv", "header-only.csv", "binary.bin", "missing.csv"})
	valid, problems := v.Valid, v.Invalid

	wantValid := []RowRef{{"devices.csv", 2, "5CG1234XYZ"}, {"more.csv", 2, "PF-3X9K2L"}}
	if !reflect.DeepEqual(valid, wantValid) {
		t.Errorf("valid = %+v, want %+v", valid, wantValid)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`devices.csv:3: assigned user "not-a-upn" is not a user principal name like user@contoso.com (column "Assigned User")`,
		`more.csv:3: serial "5CG1234XYZ" already appears at devices.csv:2 (column "Device Serial Number")`,
		`more.csv:4: row has 3 values but the header names 2 columns`,
		`header-only.csv: no device rows below the header`,
		`binary.bin: binary data, not a CSV text file`,
		`missing.csv: cannot open: no such file or directory`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
}

// Validation stops at MaxProblems, so a file of millions of bad rows costs bounded memory and time.
func TestValidateStopsAtMaxProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("Device Serial Number,Windows Product ID,Hardware Hash\n")
	for i := range 3 * MaxProblems {
		fmt.Fprintf(&b, "S%d,,@@\n", i)
	}
	path := filepath.Join(t.TempDir(), "many.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	val := Validate([]string{path})
	if !val.Stopped || len(val.Invalid) != MaxProblems+1 || len(val.Valid) != 0 {
		t.Fatalf("stopped %v, %d problems, %d valid", val.Stopped, len(val.Invalid), len(val.Valid))
	}
	if last := val.Invalid[MaxProblems].Error(); last != path+": stopped reading after 1000 problems; fix those listed (is this a hardware-hash CSV?) and run again" {
		t.Errorf("last problem %q", last)
	}
}
