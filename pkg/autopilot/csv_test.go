package autopilot

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
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

// readList reads a device list from r as ReadDeviceList reads a file.
func readList(t *testing.T, r io.Reader) (DeviceList, error) {
	t.Helper()
	return ReadDeviceListFrom("t.csv", r)
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
		{"one serial in other Unicode forms counts once", []byte("serial\nab1\n\uff21B1\ncafe\u0301\ncaf\u00e9\n"),
			DeviceList{File: "t.csv", Devices: []ListedDevice{{Line: 2, SerialNumber: "ab1"}, {Line: 4, SerialNumber: "cafe\u0301"}}}},
		{"this tool's -o csv output, formula-safe cells read back as they were",
			[]byte("SERIAL,GROUP TAG,USER\nSN-1,'-Kiosk,ada@contoso.com\n'=SN2,''=x,\n"),
			DeviceList{File: "t.csv", HasGroupTag: true, Devices: []ListedDevice{
				{Line: 2, SerialNumber: "SN-1", GroupTag: "-Kiosk"}, {Line: 3, SerialNumber: "=SN2", GroupTag: "'=x"}}}},
	}
	for _, tt := range tests {
		got, err := readList(t, bytes.NewReader(tt.data))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// UTF-16 without a byte-order mark is read like the hardware-hash CSVs are.
func TestReadDeviceListUTF16WithoutBOM(t *testing.T) {
	got, err := readList(t, bytes.NewReader(utf16(t, "serial,tag\nA,B\n", unicode.IgnoreBOM)))
	want := DeviceList{File: "t.csv", HasGroupTag: true, Devices: []ListedDevice{{Line: 2, SerialNumber: "A", GroupTag: "B"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, %v", got, err)
	}
}

func TestReadDeviceListErrors(t *testing.T) {
	long := strings.Repeat("x", 129)
	tests := []struct {
		name string
		data []byte
		err  string
	}{
		{"empty", nil, "t.csv: file is empty"},
		{"no serial column", []byte("Group Tag\nSales\n"), `t.csv:1: no serial number column: the header must name one, e.g. "Device Serial Number" or "serialNumber"`},
		{"binary", []byte{0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00}, "t.csv: binary data, not a CSV text file"},
		{"missing serial", []byte("serial,tag\nA,B\n,C\n"), `t.csv:3: serial number is missing (column "serial")`},
		{"conflicting tags", []byte("serial,tag\nA,B\na,C\n"), `t.csv:3: serial number "a" is listed on line 2 with group tag "B" and here with "C"`},
		{"conflicting tags, values cut short", []byte("serial,tag\n" + long[:100] + ",B\n\n" + long[:100] + "," + long[:128] + "\n"),
			`t.csv:4: serial number "` + long[:40] + `…" is listed on line 2 with group tag "B" and here with "` + long[:40] + `…"`},
		{"tag too long", []byte("serial,Group Tag\nA," + long + "\n"), `t.csv:2: group tag is 129 characters long; the limit is 128 (column "Group Tag")`},
		{"serial too long", []byte("serial\n" + strings.Repeat("S", 200000) + "\n"), `t.csv:2: serial number is 200000 characters long; the limit is 128 (column "serial")`},
		{"terminal escape in a tag", []byte("serial,tag\nA,\"Tag\r\n\x1b]0;x\a\"\n"), `t.csv:2: group tag contains U+000A (LINE FEED) (column "tag")`},
		{"bidi override in a tag", []byte("serial,tag\nA,Sales\u202e\n"), `t.csv:2: group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE) (column "tag")`},
		{"zero-width space in a serial", []byte("serial\nA\u200b\n"), `t.csv:2: serial number contains U+200B (ZERO WIDTH SPACE) (column "serial")`},
		{"bad quoting", []byte("serial,tag\n\"A,B\n"), `t.csv:2: malformed CSV: extraneous or missing " in quoted-field`},
		{"a quoted field spanning lines is located where it starts", []byte("serial,tag\nA,B\n\nC,\"x\ny\nz\"q\nD,E\n"),
			`t.csv:4: malformed CSV: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		_, err := readList(t, bytes.NewReader(tt.data))
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: error %.300v, want %s", tt.name, err, tt.err)
		}
	}
}

// A 50 MB line (a file without line breaks, or an unclosed quote) costs one row's budget, not 50 MB, and the
// error names the line where the row starts. The input is generated as it is read, never stored.
func TestReadDeviceListLongLine(t *testing.T) {
	for _, tt := range []struct{ name, row, err string }{
		{"one long line", "", "t.csv:4: row is longer than 256 KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)"},
		{"an unclosed quote", `"`, "t.csv:4: row is longer than 256 KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)"},
	} {
		in := io.MultiReader(strings.NewReader("serial,tag\nA,B\n\n"+tt.row), &repeated{line: "5CG1234XYZ,Sales ", n: 50 << 20})
		_, err := readList(t, in)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: error %.300v, want %s", tt.name, err, tt.err)
		}
	}
}

// repeated yields line over and over, n bytes in all.
type repeated struct {
	line string
	n    int
	off  int
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n)]
	for i := range p {
		p[i] = r.line[r.off]
		r.off = (r.off + 1) % len(r.line)
	}
	r.n -= len(p)
	return len(p), nil
}

// Only regular files are read: a FIFO without a writer would block forever.
func TestReadDeviceListRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "list.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:                           fifo + ": not a regular file (a named pipe)",
		dir:                            dir + ": not a regular file (a directory)",
		filepath.Join(dir, "none.csv"): filepath.Join(dir, "none.csv") + ": cannot open: no such file or directory",
	} {
		if _, err := ReadDeviceList(path); err == nil || err.Error() != want {
			t.Errorf("ReadDeviceList(%s) error %v, want %s", path, err, want)
		}
	}
	ok := filepath.Join(dir, "ok.csv")
	if err := os.WriteFile(ok, []byte("serial\nA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := ReadDeviceList(ok); err != nil || len(l.Devices) != 1 {
		t.Errorf("ReadDeviceList(ok.csv) = %+v, %v", l, err)
	}
}

// Flags and CSV cells follow one rule.
func TestValidateFlags(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"tag with terminal escape", ValidateGroupTag("Tag\r\n\x1b]0;x\a"), "group tag contains U+000D (CARRIAGE RETURN)"},
		{"tag with bidi override", ValidateGroupTag("Sales\u202e"), "group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{"tag too long", ValidateGroupTag(strings.Repeat("x", 129)), "group tag is 129 characters long; the limit is 128"},
		{"tag ok", ValidateGroupTag("Ventes Québec"), ""},
		{"no tag", ValidateGroupTag(""), ""},
		{"serial with BEL", ValidateSerial("SN\a1"), "serial number contains U+0007 (ALERT)"},
		{"serial with ZWJ", ValidateSerial("SN\u200d1"), "serial number contains U+200D (ZERO WIDTH JOINER)"},
		{"empty serial", ValidateSerial(""), "serial number is missing"},
		{"serial ok", ValidateSerial("VMware-56 4d 9b 2a"), ""},
		{"UPN with trailing ZWSP", ValidateUPN("user\u200b@contoso.com"),
			`"user\u200b@contoso.com" is not a user principal name: it contains U+200B (ZERO WIDTH SPACE)`},
		{"UPN ok", ValidateUPN("o'brien@contoso.com"), ""},
	}
	for _, tt := range tests {
		got := ""
		if tt.err != nil {
			got = tt.err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A device list is bounded: past MaxDeviceListRows devices it is refused at the row that goes over.
func TestReadDeviceListIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("serial\n")
	for i := range MaxDeviceListRows + 1 {
		fmt.Fprintf(&b, "S%d\n", i)
	}
	_, err := readList(t, strings.NewReader(b.String()))
	if err == nil || err.Error() != fmt.Sprintf("t.csv:%d: more than 100000 devices: split the file", MaxDeviceListRows+2) {
		t.Errorf("err %v", err)
	}
}
