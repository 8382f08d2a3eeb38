package output

import (
	"bytes"
	"testing"
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
		{"csv has a header", CSV, false, "SERIAL,GROUP TAG\nSN-1,Sales\nSN 2,\n"},
		{"pipe gets tab-separated rows, no header", Table, false, "SN-1\tSales\nSN 2\t\n"},
		{"terminal gets aligned columns with header", Table, true, " SERIAL  GROUP TAG \n SN-1    Sales     \n SN 2              \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.tty, tt.format, sample); err != nil {
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
