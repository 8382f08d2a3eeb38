package hashcsv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestCheckUPN(t *testing.T) {
	const allowed = "(Entra ID allows letters A–Z and a–z, digits and ' . - _ ! # ^ ~)"
	tests := []struct {
		upn, want string
	}{
		{"ada@contoso.com", ""},
		{"first.last@sub.contoso.co.uk", ""},
		{"o'brien@contoso.com", ""},
		{"_svc-kiosk_01@contoso.onmicrosoft.com", ""},
		{"a!b#c^d~e@xn--bcher-kva.example", ""},
		{"ADA@CONTOSO.COM", ""},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 44) + ".com", ""}, // 64 + 1 + 48 = 113

		{`"quoted"@contoso.com`, `"\"quoted\"@contoso.com" is not a user principal name: '"' is not allowed before the @ ` + allowed},
		{"ü@contoso.com", `"ü@contoso.com" is not a user principal name: 'ü' (U+00FC) is not allowed before the @ ` + allowed},
		{"user\u200b@contoso.com", `"user\u200b@contoso.com" is not a user principal name: it contains U+200B (ZERO WIDTH SPACE)`},
		{"user@contoso.com\r\n", `"user@contoso.com\r\n" is not a user principal name: it contains U+000D (CARRIAGE RETURN)`},
		{"user@-contoso.com", `"user@-contoso.com" is not a user principal name: the domain part "-contoso" starts or ends with a hyphen`},
		{"user@contoso-.com", `"user@contoso-.com" is not a user principal name: the domain part "contoso-" starts or ends with a hyphen`},
		{"=1+1@x.com", `"=1+1@x.com" is not a user principal name: '=' is not allowed before the @ ` + allowed},
		{"ada+it@contoso.com", `"ada+it@contoso.com" is not a user principal name: '+' is not allowed before the @ ` + allowed},
		{"ada&co@contoso.com", `"ada&co@contoso.com" is not a user principal name: '&' is not allowed before the @ ` + allowed},
		{"ada lovelace@contoso.com", `"ada lovelace@contoso.com" is not a user principal name: ' ' is not allowed before the @ ` + allowed},
		{"ada", `"ada" is not a user principal name like user@contoso.com`},
		{`CONTOSO\ada`, `"CONTOSO\\ada" is not a user principal name like user@contoso.com`},
		{"@contoso.com", `"@contoso.com" is not a user principal name: nothing before the @`},
		{"ada@", `"ada@" is not a user principal name: nothing after the @`},
		{"ada@@contoso.com", `"ada@@contoso.com" is not a user principal name: it has more than one @`},
		{".ada@contoso.com", `".ada@contoso.com" is not a user principal name: it starts with a dot`},
		{"ada.@contoso.com", `"ada.@contoso.com" is not a user principal name: a dot right before the @`},
		{"ada..l@contoso.com", `"ada..l@contoso.com" is not a user principal name: two dots in a row before the @`},
		{"ada@contoso", `"ada@contoso" is not a user principal name: the domain "contoso" has no dot, like contoso.com`},
		{"ada@contoso..com", `"ada@contoso..com" is not a user principal name: the domain "contoso..com" has an empty part (a dot at the start or end, or two in a row)`},
		{"ada@contoso.com.", `"ada@contoso.com." is not a user principal name: the domain "contoso.com." has an empty part (a dot at the start or end, or two in a row)`},
		{"ada@con_toso.com", `"ada@con_toso.com" is not a user principal name: '_' is not allowed after the @ (a domain has letters A–Z and a–z, digits, hyphens and dots)`},
		{"ada@bücher.de", `"ada@bücher.de" is not a user principal name: 'ü' (U+00FC) is not allowed after the @ (a domain has letters A–Z and a–z, digits, hyphens and dots)`},
		{strings.Repeat("a", 65) + "@contoso.com", `"` + strings.Repeat("a", 40) + `…" is not a user principal name: 65 characters before the @; Entra ID allows 64`},
		{"ada@" + strings.Repeat("b", 45) + ".com", `"ada@` + strings.Repeat("b", 36) + `…" is not a user principal name: 49 characters after the @; Entra ID allows 48`},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 45) + ".com", `"` + strings.Repeat("a", 40) + `…" is not a user principal name: it is 114 characters long; Entra ID allows 113`},
		{"", `"" is not a user principal name like user@contoso.com`},
	}
	for _, tt := range tests {
		got := ""
		if err := CheckUPN(tt.upn); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckUPN(%q)\n got %s\nwant %s", tt.upn, got, tt.want)
		}
	}
}

func TestPlaceholderSerial(t *testing.T) {
	for _, s := range []string{
		"Default string", "DEFAULT STRING", " default string ", "System Serial Number", "SystemSerialNumber",
		"To Be Filled By O.E.M.", "To be filled by O.E.M.", "To Be Filled By O.E.M", "0123456789", "123456789",
		"Not Applicable", "None", "N/A", "Chassis Serial Number", "Base Board Serial Number", "INVALID", "Not Specified",
		"0", "00000000", "0000-0000", "XXXXXXXX", "xxxxxxxxxxxxxxxxxx", "FFFFFFFF", "................", "Unknown",
	} {
		if !PlaceholderSerial(s) {
			t.Errorf("PlaceholderSerial(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"", "5CG1234XYZ", "VMware-56 4d 9b 2a 17 c3 5e 0f", "PF-3X9K2L", "0123456788", "System1", "CZC0000001",
		"Parallels-4D 8B 23 1C", "序列号12345",
	} {
		if PlaceholderSerial(s) {
			t.Errorf("PlaceholderSerial(%q) = true, want false", s)
		}
	}
}

func TestDecodeHardwareHash(t *testing.T) {
	raw := []byte("hardware hash bytes!") // 20 bytes: base64 ends in "="
	padded := base64.StdEncoding.EncodeToString(raw)
	if !strings.HasSuffix(padded, "=") {
		t.Fatalf("test hash %q needs padding", padded)
	}
	for _, in := range []string{padded, strings.TrimRight(padded, "=")} {
		got, err := DecodeHardwareHash(in)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("DecodeHardwareHash(%q) = %q, %v; want %q", in, got, err, raw)
		}
		// The importer sends the bytes; the SDK's JSON writer encodes them with StdEncoding: padded.
		if sent := base64.StdEncoding.EncodeToString(got); sent != padded {
			t.Errorf("sent as %s, want %s", sent, padded)
		}
	}
	for _, in := range []string{"aGFza", "aGFzaC0_-w==", "not base64!", "====", "aGFz aA=="} {
		if got, err := DecodeHardwareHash(in); err == nil {
			t.Errorf("DecodeHardwareHash(%q) = %q, want an error", in, got)
		}
	}
}

// Every value column follows the one rule; each problem carries the row's serial number.
func TestValidatorUnsafeCharacters(t *testing.T) {
	d := Device{File: "d.csv", Line: 4, SerialNumber: "SN\u202e1", ProductKey: "\a", HardwareHash: hashA,
		GroupTag: "Tag\x1b]0;x", AssignedUser: "ada\u200f@contoso.com", Manufacturer: "HP\u0085", Model: "x\ufeff"}
	var got []string
	for _, p := range NewValidator().Check(d) {
		if p.SerialNumber != d.SerialNumber || p.Warning {
			t.Errorf("%+v: want SerialNumber %q, no warning", p, d.SerialNumber)
		}
		got = append(got, p.Error())
	}
	want := []string{
		`d.csv:4: serial number contains U+202E (RIGHT-TO-LEFT OVERRIDE) (column "Device Serial Number")`,
		`d.csv:4: Windows Product ID contains U+0007 (ALERT) (column "Windows Product ID")`,
		`d.csv:4: group tag contains U+001B (ESCAPE) (column "Group Tag")`,
		`d.csv:4: assigned user "ada\u200f@contoso.com" is not a user principal name: it contains U+200F (RIGHT-TO-LEFT MARK) (column "Assigned User")`,
		`d.csv:4: manufacturer name contains U+0085 (NEXT LINE) (column "Manufacturer name")`,
		`d.csv:4: device model contains U+FEFF (ZERO WIDTH NO-BREAK SPACE) (column "Device model")`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A placeholder serial seen once is a warning on a valid row; seen again, the error says why it matters.
func TestValidatorPlaceholderSerials(t *testing.T) {
	t.Chdir(t.TempDir())
	csv := "Device Serial Number,Hardware Hash\n" +
		"Default string," + hashA + "\n" +
		"5CG1234XYZ," + hashB + "\n" +
		"DEFAULT STRING," + hashC + "\n" +
		"To Be Filled By O.E.M.,bmV3IGhhc2g=\n" +
		",bmV3IGhhc2gg\n"
	if err := os.WriteFile("devices.csv", []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	got := Validate([]string{"devices.csv"})
	want := Validation{
		Valid: []RowRef{{"devices.csv", 2, "Default string"}, {"devices.csv", 3, "5CG1234XYZ"}, {"devices.csv", 5, "To Be Filled By O.E.M."}},
		Invalid: []Problem{
			{File: "devices.csv", Line: 4, SerialNumber: "DEFAULT STRING", Column: ColumnSerialNumber,
				Msg: `serial "DEFAULT STRING" already appears at devices.csv:2; it is a firmware placeholder, not a real serial number, so these devices can't be told apart by serial number: work with them by Autopilot device id`},
			{File: "devices.csv", Line: 6, Column: ColumnSerialNumber, Msg: "serial number is missing"},
		},
		Warnings: []Problem{
			{File: "devices.csv", Line: 2, SerialNumber: "Default string", Column: ColumnSerialNumber, Warning: true,
				Msg: `serial number "Default string" is a firmware placeholder, not a real serial number: other devices can have it too, so work with this device by its Autopilot device id, not by serial number`},
			{File: "devices.csv", Line: 5, SerialNumber: "To Be Filled By O.E.M.", Column: ColumnSerialNumber, Warning: true,
				Msg: `serial number "To Be Filled By O.E.M." is a firmware placeholder, not a real serial number: other devices can have it too, so work with this device by its Autopilot device id, not by serial number`},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Reports list an invalid row once, with its file, line, serial number and every problem.
func TestByRow(t *testing.T) {
	problems := []Problem{
		{File: "a.csv", Line: 3, SerialNumber: "SN-3", Column: ColumnHardwareHash, Msg: "hardware hash is not base64"},
		{File: "a.csv", Line: 3, SerialNumber: "SN-3", Column: ColumnGroupTag, Msg: "group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{File: "a.csv", Line: 5, Msg: `malformed CSV: bare " in non-quoted-field`},
		{File: "b.csv", Msg: "cannot open: no such file or directory"},
	}
	got, err := json.Marshal(ByRow(problems))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"file":"a.csv","line":3,"serialNumber":"SN-3","problems":["hardware hash is not base64 (column \"Hardware Hash\")","group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE) (column \"Group Tag\")"]},` +
		`{"file":"a.csv","line":5,"problems":["malformed CSV: bare \" in non-quoted-field"]},` +
		`{"file":"b.csv","problems":["cannot open: no such file or directory"]}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
