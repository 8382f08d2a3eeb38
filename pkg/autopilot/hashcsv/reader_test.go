package hashcsv

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestReader(t *testing.T) {
	const file = "devices.csv"
	scriptDefault := "Device Serial Number,Windows Product ID,Hardware Hash\r\n" +
		"5CG1234XYZ,," + hashA + "\r\n" +
		"5CG5678ABC,," + hashB + "\r\n"
	dev := func(line int, serial, hash string) Device {
		return Device{File: file, Line: line, SerialNumber: serial, HardwareHash: hash}
	}
	scriptDevices := []Device{dev(2, "5CG1234XYZ", hashA), dev(3, "5CG5678ABC", hashB)}
	defaultColumns := []string{ColumnSerialNumber, ColumnProductID, ColumnHardwareHash}
	tooMany := strings.Repeat("A", 10<<20)

	tests := []struct {
		name    string
		data    []byte
		want    []Device
		columns []string
		errs    []string
	}{
		{
			name: "script default, UTF-16LE with BOM (Windows PowerShell 5.1)",
			data: utf16Bytes(t, scriptDefault, unicode.LittleEndian, true),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "UTF-16BE with BOM",
			data: utf16Bytes(t, scriptDefault, unicode.BigEndian, true),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "UTF-16LE without BOM",
			data: utf16Bytes(t, scriptDefault, unicode.LittleEndian, false),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "UTF-16BE without BOM",
			data: utf16Bytes(t, scriptDefault, unicode.BigEndian, false),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "UTF-8 with BOM",
			data: append([]byte{0xEF, 0xBB, 0xBF}, scriptDefault...),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "ASCII with LF (PowerShell 7)",
			data: []byte(strings.ReplaceAll(scriptDefault, "\r\n", "\n")),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "no line break after the last row",
			data: []byte(strings.TrimSuffix(scriptDefault, "\r\n")),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name: "-GroupTag layout",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\r\n" +
				"5CG1234XYZ,," + hashA + ",Sales\r\n"),
			want:    []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ", HardwareHash: hashA, GroupTag: "Sales"}},
			columns: append(defaultColumns[:3:3], ColumnGroupTag),
		},
		{
			name: "-AssignedUser layout",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n" +
				"5CG1234XYZ,," + hashA + ",,ada@contoso.com\r\n"),
			want:    []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ", HardwareHash: hashA, AssignedUser: "ada@contoso.com"}},
			columns: append(defaultColumns[:3:3], ColumnGroupTag, ColumnAssignedUser),
		},
		{
			name: "-Partner layout",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash,Manufacturer name,Device model\r\n" +
				"5CG1234XYZ,00330-80000-00000-AA123," + hashA + ",HP,HP EliteBook 840 G8 Notebook PC\r\n"),
			want: []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ", ProductKey: "00330-80000-00000-AA123", HardwareHash: hashA,
				Manufacturer: "HP", Model: "HP EliteBook 840 G8 Notebook PC"}},
			columns: append(defaultColumns[:3:3], ColumnManufacturer, ColumnModel),
		},
		{
			name: "quoted fields (ConvertTo-Csv before the script strips quotes)",
			data: []byte(`"Device Serial Number","Windows Product ID","Hardware Hash","Group Tag"` + "\r\n" +
				`"5CG1234XYZ","","` + hashA + `","Sales, EMEA"` + "\r\n"),
			want:    []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ", HardwareHash: hashA, GroupTag: "Sales, EMEA"}},
			columns: append(defaultColumns[:3:3], ColumnGroupTag),
		},
		{
			name:    "header in other case and order, with spaces",
			data:    []byte(" hardware HASH , device serial number \n" + hashA + ", VMware-56 4d 9b 2a 17 c3 \n"),
			want:    []Device{dev(2, "VMware-56 4d 9b 2a 17 c3", hashA)},
			columns: []string{ColumnHardwareHash, ColumnSerialNumber},
		},
		{
			name: "blank, space-only and comma-only lines are skipped",
			data: []byte("\r\n\r\nDevice Serial Number,Windows Product ID,Hardware Hash\r\n\r\n   \r\n,,\r\n" +
				"PF-3X9K2L,," + hashA + "\r\n\r\n"),
			want: []Device{dev(7, "PF-3X9K2L", hashA)}, columns: defaultColumns,
		},
		{
			name: "trailing empty columns from a spreadsheet",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash,,\n" +
				"5CG1234XYZ,," + hashA + ",,\n" + "5CG5678ABC,," + hashB + "\n"),
			want: scriptDevices, columns: defaultColumns,
		},
		{
			name:    "row with fewer values than columns",
			data:    []byte("Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\n5CG1234XYZ\n"),
			want:    []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ"}},
			columns: append(defaultColumns[:3:3], ColumnGroupTag),
		},
		{
			name: "row problems are reported and reading goes on; values are the Validator's to check",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash\n" +
				"A1,," + hashA + ",extra\n" +
				"A2,x\"y," + hashB + "\n" +
				"A3\x01,," + hashC + "\n" +
				"A4\xff,," + hashC + "\n" +
				"5CG1234XYZ,," + hashA + "\n"),
			want:    []Device{dev(4, "A3\x01", hashC), dev(5, "A4\xff", hashC), dev(6, "5CG1234XYZ", hashA)},
			columns: defaultColumns,
			errs: []string{
				`devices.csv:2: row has 4 values but the header names 3 columns`,
				`devices.csv:3: malformed CSV: bare " in non-quoted-field`,
			},
		},
		{
			name: "a quoted value spanning lines is one row, located where it starts",
			data: []byte("Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\r\n" +
				"5CG1234XYZ,," + hashA + ",\"Sales\r\nEMEA\"\r\n" +
				"\r\n\r\n" +
				"5CG5678ABC,\"\r\n\r\n\",\"" + hashB + "\" x,Kiosk\r\n" +
				"PF-3X9K2L,," + hashC + "\r\n"),
			want: []Device{{File: file, Line: 2, SerialNumber: "5CG1234XYZ", HardwareHash: hashA, GroupTag: "Sales\nEMEA"}, // encoding/csv reads CRLF in quotes as LF
				dev(9, "PF-3X9K2L", hashC)},
			columns: append(defaultColumns[:3:3], ColumnGroupTag),
			errs:    []string{`devices.csv:6: malformed CSV: extraneous or missing " in quoted-field`},
		},
		{
			name:    "header only",
			data:    utf16Bytes(t, "Device Serial Number,Windows Product ID,Hardware Hash\r\n", unicode.LittleEndian, true),
			columns: defaultColumns,
		},
		{name: "empty file", data: nil, errs: []string{"devices.csv: file is empty"}},
		{name: "only a UTF-16 BOM", data: []byte{0xFF, 0xFE}, errs: []string{"devices.csv: file is empty"}},
		{name: "only blank lines", data: []byte("\r\n \r\n\n"), errs: []string{"devices.csv: file is empty"}},
		{
			name: "binary data",
			data: []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb7\x8f"),
			errs: []string{"devices.csv: binary data, not a CSV text file"},
		},
		{
			name: "control characters in the header",
			data: []byte("\x1b[0mDevice Serial Number,Hardware Hash\n"),
			errs: []string{"devices.csv:1: binary data, not a CSV text file"},
		},
		{
			name: "no header row",
			data: []byte("5CG1234XYZ,," + hashA + "\n"),
			errs: []string{`devices.csv:1: no header row: the first row must name the columns, like "Device Serial Number,Windows Product ID,Hardware Hash"; found "5CG1234XYZ,,aGFyZHdhcmUgaGFzaCBvZiBkZXZp…"`},
		},
		{
			name: "semicolons (Excel in a European locale)",
			data: []byte("Device Serial Number;Windows Product ID;Hardware Hash\n5CG1234XYZ;;" + hashA + "\n"),
			errs: []string{`devices.csv:1: the header is separated by ";", not commas; save the file comma-separated, like "Device Serial Number,Windows Product ID,Hardware Hash"`},
		},
		{
			name: "tabs",
			data: []byte("Device Serial Number\tWindows Product ID\tHardware Hash\n"),
			errs: []string{`devices.csv:1: the header is separated by tabs, not commas; save the file comma-separated, like "Device Serial Number,Windows Product ID,Hardware Hash"`},
		},
		{
			name: "unknown columns",
			data: []byte("Device Serial Number,Hardware Hash,Notes,Order ID\n"),
			errs: []string{`devices.csv:1: unknown columns "Notes", "Order ID"; the admin center accepts only Device Serial Number, Windows Product ID, Hardware Hash, Group Tag, Assigned User, Manufacturer name, Device model`},
		},
		{
			name: "required column missing",
			data: []byte("Device Serial Number,Windows Product ID,Group Tag\n"),
			errs: []string{`devices.csv:1: the header has no "Hardware Hash" column`},
		},
		{
			name: "column twice",
			data: []byte("Device Serial Number,Hardware Hash,hardware hash\n"),
			errs: []string{`devices.csv:1: column "Hardware Hash" appears twice in the header`},
		},
		{
			name: "empty column name before named ones",
			data: []byte("Device Serial Number,,Hardware Hash\n"),
			errs: []string{`devices.csv:1: header column 2 has no name`},
		},
		{
			name: "unclosed quote in the header",
			data: []byte("\"Device Serial Number,Hardware Hash\n"),
			errs: []string{`devices.csv:1: malformed CSV: extraneous or missing " in quoted-field`},
		},
		{
			name: "UTF-16 cut off after an odd number of bytes",
			data: func() []byte {
				b := utf16Bytes(t, scriptDefault, unicode.LittleEndian, true)
				return b[:len(b)-5]
			}(),
			want:    scriptDevices[:1],
			columns: defaultColumns,
			errs:    []string{"devices.csv:3: file ends in the middle of a UTF-16 character (odd number of bytes); was it cut off?"},
		},
		{
			name:    "a 10 MB line",
			data:    []byte(scriptDefault + "X,," + tooMany + "\r\n" + scriptDefault),
			want:    scriptDevices,
			columns: defaultColumns,
			errs:    []string{"devices.csv:4: row is longer than 256 KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)"},
		},
		{
			name:    "a 10 MB line that is also malformed: the length stops the file",
			data:    []byte(scriptDefault + "X\"Y,," + tooMany + "\r\n" + scriptDefault),
			want:    scriptDevices,
			columns: defaultColumns,
			errs: []string{
				"devices.csv:4: row is longer than 256 KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)",
			},
		},
		{
			name:    "an unclosed quote swallowing the rest is located where its row starts",
			data:    []byte(scriptDefault + "\r\n\r\n\"X,," + strings.Repeat(hashA+"\n", 20000)),
			want:    scriptDevices,
			columns: defaultColumns,
			errs:    []string{"devices.csv:6: row is longer than 256 KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, columns, errs := readAll(t, file, tt.data)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("devices\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(columns, tt.columns) {
				t.Errorf("columns = %q, want %q", columns, tt.columns)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors\n got %q\nwant %q", errs, tt.errs)
			}
		})
	}
}

func TestNextAfterFileError(t *testing.T) {
	b := utf16Bytes(t, "Device Serial Number,Hardware Hash\r\nA,"+hashA+"\r\nB,"+hashB+"\r\n", unicode.LittleEndian, true)
	r, err := NewReader("cut.csv", bytes.NewReader(b[:len(b)-3]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatalf("first row: %v", err)
	}
	_, err = r.Next()
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != "cut.csv" || fe.Line != 3 {
		t.Fatalf("got %#v, want *FileError at cut.csv:3", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the *FileError got %v, want io.EOF", err)
	}
}

func TestHasColumn(t *testing.T) {
	r, err := NewReader("d.csv", strings.NewReader("Device Serial Number,Hardware Hash, group tag\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		ColumnGroupTag: true, " GROUP TAG ": true, ColumnSerialNumber: true,
		ColumnAssignedUser: false, ColumnProductID: false, "Notes": false,
	} {
		if got := r.HasColumn(name); got != want {
			t.Errorf("HasColumn(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir + "/missing.csv")
	want := dir + "/missing.csv: cannot open: no such file or directory"
	if err == nil || err.Error() != want {
		t.Fatalf("Open(missing) error = %v, want %q", err, want)
	}
	_, err = Open(dir)
	want = dir + ": not a regular file (a directory)"
	if err == nil || err.Error() != want {
		t.Fatalf("Open(dir) error = %v, want %q", err, want)
	}
	fifo := dir + "/fifo.csv"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(fifo) // would block forever if opened: nothing writes to it
	want = fifo + ": not a regular file (a named pipe)"
	if err == nil || err.Error() != want {
		t.Fatalf("Open(fifo) error = %v, want %q", err, want)
	}
}
