package output

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

type device struct {
	SerialNumber string `json:"serialNumber"`
	GroupTag     string `json:"groupTag"`
}

var sample = Result{
	Data: []device{{"SN-1", "Sales"}, {"SN 2", ""}},
	Table: Rows{
		Header: []string{"SERIAL", "GROUP TAG"},
		Rows:   [][]string{{"SN-1", "Sales"}, {"SN 2", ""}},
	},
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		tty    bool
		want   string
	}{
		{"json", JSON, false, "[\n  {\n    \"serialNumber\": \"SN-1\",\n    \"groupTag\": \"Sales\"\n  },\n  {\n    \"serialNumber\": \"SN 2\",\n    \"groupTag\": \"\"\n  }\n]\n"},
		{"yaml keeps json names", YAML, false, "- groupTag: Sales\n  serialNumber: SN-1\n- groupTag: \"\"\n  serialNumber: SN 2\n"},
		{"csv has a header", CSV, false, "serialNumber,groupTag\nSN-1,Sales\nSN 2,\n"},
		{"pipe gets tab-separated rows, no header", Table, false, "SN-1\tSales\nSN 2\t\n"},
		{"terminal gets aligned columns with header", Table, true, " SERIAL  GROUP TAG \n SN-1    Sales     \n SN 2              \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, Options{Format: tt.format, TTY: tt.tty}, sample); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("JSON"); err != nil || f != JSON {
		t.Errorf("ParseFormat(JSON) = %q, %v", f, err)
	}
	_, err := ParseFormat("xml")
	if err == nil || err.Error() != `invalid output format "xml": use one of table, json, yaml, csv` {
		t.Errorf("ParseFormat(xml) error = %v", err)
	}
}

// Values from the tenant cannot drive the reader's terminal or spreadsheet, in any format.
func TestWriteHostileValues(t *testing.T) {
	type entry struct {
		SerialNumber string `json:"serialNumber"`
		GroupTag     string `json:"groupTag"`
	}
	hostile := []entry{
		{"SN\r\n1", "Tag\x1b]0;x\a"},
		{"evil\u202etxt", "=HYPERLINK(\"http://x\",\"y\")"},
		{"zw\u200bsp\u2028ls", "-5"},
		{"nel\u0085", "+1+1"},
		{"@x", "\tTab"},
	}
	rows := Rows{Header: []string{"SERIAL", "GROUP TAG"}}
	for _, e := range hostile {
		rows.Rows = append(rows.Rows, []string{e.SerialNumber, e.GroupTag})
	}
	r := Result{Data: hostile, Table: rows}
	tests := []struct {
		name   string
		format Format
		tty    bool
		want   string
	}{
		{"tab-separated escapes controls and format characters", Table, false, `SN\r\n1	Tag\x1b]0;x\a
evil\u202etxt	=HYPERLINK("http://x","y")
zw\u200bsp\u2028ls	-5
nel\u0085	+1+1
@x	\tTab
`},
		{"terminal table escapes them too", Table, true, ` SERIAL              GROUP TAG                  
 SN\r\n1             Tag\x1b]0;x\a              
 evil\u202etxt       =HYPERLINK("http://x","y") 
 zw\u200bsp\u2028ls  -5                         
 nel\u0085           +1+1                       
 @x                  \tTab                      
`},
		{"csv prefixes formula starts with a quote and escapes control characters", CSV, false, "serialNumber,groupTag\n" +
			`SN\r\n1,Tag\x1b]0;x\a` + "\n" +
			`evil\u202etxt,"'=HYPERLINK(""http://x"",""y"")"` + "\n" +
			`zw\u200bsp\u2028ls,'-5` + "\n" +
			`nel\u0085,'+1+1` + "\n" +
			`'@x,\tTab` + "\n"},
		{"json escapes C0, C1 and format characters", JSON, false, `[
  {
    "serialNumber": "SN\r\n1",
    "groupTag": "Tag\u001b]0;x\u0007"
  },
  {
    "serialNumber": "evil\u202etxt",
    "groupTag": "=HYPERLINK(\"http://x\",\"y\")"
  },
  {
    "serialNumber": "zw\u200bsp\u2028ls",
    "groupTag": "-5"
  },
  {
    "serialNumber": "nel\u0085",
    "groupTag": "+1+1"
  },
  {
    "serialNumber": "@x",
    "groupTag": "\tTab"
  }
]
`},
		{"yaml double-quotes and escapes them", YAML, false, `- groupTag: "Tag\e]0;x\a"
  serialNumber: "SN\r\n1"
- groupTag: =HYPERLINK("http://x","y")
  serialNumber: "evil\u202etxt"
- groupTag: "-5"
  serialNumber: "zw\u200bsp\Lls"
- groupTag: +1+1
  serialNumber: "nel\N"
- groupTag: "\tTab"
  serialNumber: '@x'
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, Options{Format: tt.format, TTY: tt.tty}, r); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s\n(%q)", got, tt.want, got)
			}
			// Escaping loses nothing: JSON and YAML read back as the values written.
			var back []entry
			switch tt.format {
			case JSON:
				err := json.Unmarshal(buf.Bytes(), &back)
				if err != nil || !reflect.DeepEqual(back, hostile) {
					t.Errorf("read back %q, %v", back, err)
				}
			case YAML:
				var m []map[string]string
				err := yaml.Unmarshal(buf.Bytes(), &m)
				for _, e := range m {
					back = append(back, entry{e["serialNumber"], e["groupTag"]})
				}
				if err != nil || !reflect.DeepEqual(back, hostile) {
					t.Errorf("read back %q, %v", back, err)
				}
			}
		})
	}
}
