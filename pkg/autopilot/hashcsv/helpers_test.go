package hashcsv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// Short stand-ins for hardware hashes: valid standard base64.
var (
	hashA = base64.StdEncoding.EncodeToString([]byte("hardware hash of device A"))
	hashB = base64.StdEncoding.EncodeToString([]byte("hardware hash of device B"))
	hashC = base64.StdEncoding.EncodeToString([]byte("hardware hash of device C"))
)

// utf16Bytes encodes s as UTF-16 in the given byte order, with or without a BOM.
func utf16Bytes(t testing.TB, s string, e unicode.Endianness, bom bool) []byte {
	t.Helper()
	policy := unicode.IgnoreBOM
	if bom {
		policy = unicode.UseBOM
	}
	b, err := unicode.UTF16(e, policy).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll reads name/data to the end and returns the devices and, in order,
// every error text (NewReader's, each row Problem, a final *FileError).
func readAll(t testing.TB, name string, data []byte) (devices []Device, columns, errs []string) {
	t.Helper()
	r, err := NewReader(name, bytes.NewReader(data))
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("NewReader error %T %v, want *FileError", err, err)
		}
		return nil, nil, []string{err.Error()}
	}
	for {
		d, err := r.Next()
		switch {
		case err == io.EOF:
			return devices, r.Columns(), errs
		case err != nil:
			errs = append(errs, err.Error())
		default:
			devices = append(devices, d)
		}
	}
}
