package hashcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
)

// Device is one row of a hash CSV, fields trimmed of surrounding spaces.
type Device struct {
	File         string
	Line         int
	SerialNumber string
	ProductKey   string // "Windows Product ID"; usually blank
	HardwareHash string // base64 text, verbatim
	GroupTag     string
	AssignedUser string // a UPN
	Manufacturer string // -Partner layout only
	Model        string // -Partner layout only
}

// fields points at d's fields in knownColumns order.
func (d *Device) fields() [numColumns]*string {
	return [numColumns]*string{
		colSerialNumber: &d.SerialNumber,
		colProductID:    &d.ProductKey,
		colHardwareHash: &d.HardwareHash,
		colGroupTag:     &d.GroupTag,
		colAssignedUser: &d.AssignedUser,
		colManufacturer: &d.Manufacturer,
		colModel:        &d.Model,
	}
}

// RecordReader reads the rows of any CSV by the rules every command shares: UTF-8 or UTF-16 text (see
// DecodeText), at most 256 KiB of text per row, blank rows skipped, and every error located at the line its
// row starts on. Reader reads hardware-hash CSVs through it; device lists (`--from-csv`) use it directly.
type RecordReader struct {
	name   string
	closer io.Closer
	text   *textReader
	csv    *csv.Reader
	done   bool // a *FileError was returned: the rest is unknown
}

// OpenRecords opens a CSV by path, if it is a regular file: a FIFO or device could block or never end, so
// input from a pipe must be spooled to a file first. Errors are *FileErrors naming the path as given.
func OpenRecords(path string) (*RecordReader, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	r, err := NewRecordReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

func openError(path string, err error) *FileError {
	var nr *safefile.NotRegularError
	var pe *fs.PathError
	switch {
	case errors.As(err, &nr):
		return fileError(path, 0, strings.TrimPrefix(nr.Error(), nr.Path+" is "), err)
	case errors.As(err, &pe):
		return fileError(path, 0, "cannot open: "+pe.Err.Error(), err)
	}
	return fileError(path, 0, "cannot open: "+err.Error(), err)
}

// NewRecordReader reads a CSV from r, naming it name in errors; a *FileError says the text cannot be decoded.
func NewRecordReader(name string, r io.Reader) (*RecordReader, error) {
	text, err := DecodeText(r)
	if errors.Is(err, errBinary) {
		return nil, fileError(name, 0, err.Error(), nil)
	}
	if err != nil {
		return nil, fileError(name, 0, "read error: "+err.Error(), err)
	}
	t := newTextReader(name, text)
	c := csv.NewReader(t)
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	return &RecordReader{name: name, text: t, csv: c}, nil
}

// Next returns the next row that is not blank and the line it starts on; the row is valid until the next
// call. At the end it returns io.EOF. A Problem means this row is malformed and the next call reads on; a
// *FileError means the file cannot be read further, and later calls return io.EOF.
func (r *RecordReader) Next() ([]string, int, error) {
	if r.done {
		return nil, 0, io.EOF
	}
	for {
		r.text.startRow()
		rec, err := r.csv.Read()
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			r.done = true
			return nil, 0, err
		case errors.As(err, &pe) && r.text.err == nil:
			return nil, 0, Problem{File: r.name, Line: pe.StartLine, Msg: "malformed CSV: " + pe.Err.Error()}
		case err != nil:
			r.done = true
			return nil, 0, r.fatal(err)
		}
		if !blank(rec) {
			line, _ := r.csv.FieldPos(0)
			return rec, line, nil
		}
	}
}

// fatal turns a failure to read on into a *FileError; textReader has already located decoding and I/O
// failures.
func (r *RecordReader) fatal(err error) error {
	if r.text.err != nil {
		return r.text.err
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	return fileError(r.name, r.text.line, "read error: "+err.Error(), err)
}

// Close closes the file OpenRecords opened; it does nothing for NewRecordReader.
func (r *RecordReader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Reader streams the devices of one hash CSV, holding one row in memory.
type Reader struct {
	*RecordReader
	header header
}

// Open opens a hash CSV by path, if it is a regular file; errors name the path as given.
func Open(path string) (*Reader, error) {
	rr, err := OpenRecords(path)
	if err != nil {
		return nil, err
	}
	r, err := readHeader(rr)
	if err != nil {
		rr.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads a hash CSV from r, naming it name in errors. It decodes
// UTF-8 or UTF-16 and reads the header; a *FileError says what is wrong.
func NewReader(name string, r io.Reader) (*Reader, error) {
	rr, err := NewRecordReader(name, r)
	if err != nil {
		return nil, err
	}
	return readHeader(rr)
}

func readHeader(rr *RecordReader) (*Reader, error) {
	rec, line, err := rr.Next()
	var p Problem
	switch {
	case err == io.EOF:
		return nil, fileError(rr.name, 0, "file is empty", nil)
	case errors.As(err, &p):
		return nil, &FileError{Problem: p}
	case err != nil:
		return nil, err
	}
	for _, f := range rec {
		if unreadable(f) {
			return nil, fileError(rr.name, line, errBinary.Error(), nil)
		}
	}
	h, msg := parseHeader(rec)
	if msg != "" {
		return nil, fileError(rr.name, line, msg, nil)
	}
	return &Reader{RecordReader: rr, header: h}, nil
}

// Columns lists the file's columns, canonically spelt, in file order.
func (r *Reader) Columns() []string { return slices.Clone(r.header.columns) }

// HasColumn reports whether the file has the named column (case-insensitive),
// e.g. HasColumn(ColumnGroupTag).
func (r *Reader) HasColumn(name string) bool {
	c := columnIndex(cleanName(name))
	return c >= 0 && r.header.index[c] >= 0
}

// Next returns the next device. At the end it returns io.EOF. A Problem
// means this row is unusable but the next call reads on; a *FileError
// means the file cannot be read further, and later calls return io.EOF.
// Values are not checked here: Validator does that, by the rules flags share.
func (r *Reader) Next() (Device, error) {
	rec, line, err := r.RecordReader.Next()
	if err != nil {
		return Device{}, err
	}
	return r.device(rec, line)
}

func (r *Reader) device(rec []string, line int) (Device, error) {
	d := Device{File: r.name, Line: line}
	dst := d.fields()
	for c, pos := range r.header.index {
		if pos >= 0 && pos < len(rec) {
			*dst[c] = strings.TrimSpace(rec[pos])
		}
	}
	if w := r.header.width; len(rec) > w && !blank(rec[w:]) {
		return Device{}, Problem{File: r.name, Line: line, SerialNumber: d.SerialNumber,
			Msg: fmt.Sprintf("row has %d values but the header names %d columns", len(rec), w)}
	}
	return d, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// unreadable reports, in a header, control characters other than tab,
// invalid UTF-8, or U+FFFD (what the UTF-16 decoder makes of broken
// surrogates): binary data or a file in some other encoding.
func unreadable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t') || c == 0x7F {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			return true
		}
		i += size
	}
	return false
}
