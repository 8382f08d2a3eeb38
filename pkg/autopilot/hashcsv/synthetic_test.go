package hashcsv

import (
	"bytes"
	"encoding/base64"
	"io"
	"reflect"
	"testing"
)

func TestWriteSynthetic(t *testing.T) {
	tests := []struct {
		name    string
		opts    SyntheticOptions
		columns []string
		serials []string
		tag     string
		user    string
	}{
		{
			name:    "script default",
			opts:    SyntheticOptions{Seed: 1},
			columns: []string{ColumnSerialNumber, ColumnProductID, ColumnHardwareHash},
			serials: []string{"APC-0001", "APC-0002", "APC-0003"},
		},
		{
			name:    "-GroupTag with VMware serials",
			opts:    SyntheticOptions{Seed: 2, VMwareSerials: true, GroupTag: "Kiosk"},
			columns: []string{ColumnSerialNumber, ColumnProductID, ColumnHardwareHash, ColumnGroupTag},
			serials: []string{"VMware-56 4d 00 00 00 01", "VMware-56 4d 00 00 00 02", "VMware-56 4d 00 00 00 03"},
			tag:     "Kiosk",
		},
		{
			name:    "-AssignedUser",
			opts:    SyntheticOptions{Seed: 3, SerialPrefix: "LAB-", AssignedUser: "ada@contoso.com"},
			columns: []string{ColumnSerialNumber, ColumnProductID, ColumnHardwareHash, ColumnGroupTag, ColumnAssignedUser},
			serials: []string{"LAB-0001", "LAB-0002", "LAB-0003"},
			user:    "ada@contoso.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSynthetic(&buf, 3, tt.opts); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			if !bytes.HasPrefix(data, []byte{0xFF, 0xFE, 'D', 0}) {
				t.Fatalf("file starts % x, want a UTF-16LE BOM and 'D'", data[:4])
			}
			var again bytes.Buffer
			WriteSynthetic(&again, 3, tt.opts)
			if !bytes.Equal(data, again.Bytes()) {
				t.Error("same seed, different file")
			}
			r, err := NewReader("synthetic.csv", bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Columns(), tt.columns) {
				t.Errorf("columns = %q, want %q", r.Columns(), tt.columns)
			}
			v := NewValidator()
			var serials []string
			for {
				d, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ps := v.Check(d); ps != nil {
					t.Errorf("row %d: %v", d.Line, ps)
				}
				raw, _ := base64.StdEncoding.DecodeString(d.HardwareHash)
				if len(raw) != 3000 || len(d.HardwareHash) != 4000 {
					t.Errorf("row %d: hash is %d bytes, %d characters; want 3000, 4000", d.Line, len(raw), len(d.HardwareHash))
				}
				if d.GroupTag != tt.tag || d.AssignedUser != tt.user {
					t.Errorf("row %d: tag %q user %q, want %q %q", d.Line, d.GroupTag, d.AssignedUser, tt.tag, tt.user)
				}
				serials = append(serials, d.SerialNumber)
			}
			if !reflect.DeepEqual(serials, tt.serials) {
				t.Errorf("serials = %q, want %q", serials, tt.serials)
			}
		})
	}
}
