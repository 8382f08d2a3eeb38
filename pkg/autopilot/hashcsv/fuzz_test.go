package hashcsv

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// FuzzReader: arbitrary bytes never panic, every error names the file, and
// reading always ends.
func FuzzReader(f *testing.F) {
	script := "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n" +
		"5CG1234XYZ,," + hashA + ",Sales,ada@contoso.com\r\nVMware-56 4d 9b,," + hashA + ",,\r\n"
	f.Add([]byte(script))
	f.Add(utf16Bytes(f, script, unicode.LittleEndian, true))
	f.Add(utf16Bytes(f, script, unicode.BigEndian, false)[1:])
	f.Add([]byte("\"Device Serial Number\";\"Hardware Hash\"\n\"A\";\"" + hashB + "\"\n"))
	f.Add([]byte("Hardware Hash,Device Serial Number\n" + hashC + ",\"A\"B\",x\n\x00\xff\n"))
	f.Add([]byte{0xEF, 0xBB, 0xBF, 0xFF, 0xFE, 0x00})
	const name = "fuzz.csv"
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(name, bytes.NewReader(data))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("NewReader: %T %q, want a *FileError naming %s", err, err, name)
			}
			return
		}
		v := NewValidator()
		for rows := 0; ; rows++ {
			if rows > len(data) {
				t.Fatalf("more rows than bytes: %d", rows)
			}
			d, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), name+":") {
					t.Fatalf("Next: %q does not name %s", err, name)
				}
				continue
			}
			for _, p := range v.Check(d) {
				if !strings.HasPrefix(p.Error(), name+":") {
					t.Fatalf("Check: %q does not name %s", p, name)
				}
			}
		}
	})
}
