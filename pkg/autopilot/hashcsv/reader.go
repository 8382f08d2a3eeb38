package hashcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
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

// Reader streams the devices of one hash CSV, holding one row in memory.
type Reader struct {
	name   string
	closer io.Closer
	text   *textReader
	csv    *csv.Reader
	header header
	err    error // io.EOF once the file is done or broken
}

// Open opens a hash CSV by path; errors name the path as given.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, 0, "cannot open: "+errors.Unwrap(err).Error(), err)
	}
	r, err := NewReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a hash CSV from r, naming it name in errors. It decodes
// UTF-8 or UTF-16 and reads the header; a *FileError says what is wrong.
func NewReader(name string, r io.Reader) (*Reader, error) {
	text, err := DecodeText(r)
	if errors.Is(err, errBinary) {
		return nil, fileError(name, 0, err.Error(), nil)
	}
	if err != nil {
		return nil, fileError(name, 0, "read error: "+err.Error(), err)
	}
	t := &textReader{r: text, name: name, line: 1}
	c := csv.NewReader(t)
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	rd := &Reader{name: name, text: t, csv: c}
	rec, line, err := rd.nextRecord()
	switch {
	case err == io.EOF:
		return nil, fileError(name, 0, "file is empty", nil)
	case err != nil:
		return nil, rd.fatal(err)
	}
	for _, f := range rec {
		if unreadable(f) {
			return nil, fileError(name, line, errBinary.Error(), nil)
		}
	}
	h, msg := parseHeader(rec)
	if msg != "" {
		return nil, fileError(name, line, msg, nil)
	}
	rd.header = h
	return rd, nil
}

// Columns lists the file's columns, canonically spelt, in file order.
func (r *Reader) Columns() []string { return slices.Clone(r.header.columns) }

// HasColumn reports whether the file has the named column (case-insensitive),
// e.g. HasColumn(ColumnGroupTag).
func (r *Reader) HasColumn(name string) bool {
	c := columnIndex(cleanName(name))
	return c >= 0 && r.header.index[c] >= 0
}

// Close closes the file Open opened; it does nothing for NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Next returns the next device. At the end it returns io.EOF. A Problem
// means this row is unusable but the next call reads on; a *FileError
// means the file cannot be read further, and later calls return io.EOF.
func (r *Reader) Next() (Device, error) {
	if r.err != nil {
		return Device{}, r.err
	}
	rec, line, err := r.nextRecord()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Device{}, Problem{File: r.name, Line: pe.StartLine, Msg: "malformed CSV: " + pe.Err.Error()}
		}
		r.err = io.EOF
		return Device{}, r.fatal(err)
	}
	return r.device(rec, line)
}

// nextRecord returns the next row that is not blank, with its line.
func (r *Reader) nextRecord() ([]string, int, error) {
	for {
		r.text.startRow()
		rec, err := r.csv.Read()
		if err != nil {
			return nil, 0, err
		}
		line, _ := r.csv.FieldPos(0)
		if !blank(rec) {
			return rec, line, nil
		}
	}
}

// fatal turns a failure to read on into a *FileError (io.EOF stays).
// textReader has already located decoding and I/O failures.
func (r *Reader) fatal(err error) error {
	var fe *FileError
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return err
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &pe):
		return fileError(r.name, pe.StartLine, "malformed CSV: "+pe.Err.Error(), nil)
	}
	return fileError(r.name, 0, "read error: "+err.Error(), err)
}

func (r *Reader) device(rec []string, line int) (Device, error) {
	d := Device{File: r.name, Line: line}
	if w := r.header.width; len(rec) > w && !blank(rec[w:]) {
		return Device{}, Problem{File: r.name, Line: line, Msg: fmt.Sprintf("row has %d values but the header names %d columns", len(rec), w)}
	}
	dst := d.fields()
	for c, pos := range r.header.index {
		if pos < 0 || pos >= len(rec) {
			continue
		}
		v := strings.TrimSpace(rec[pos])
		if unreadable(v) {
			return Device{}, Problem{File: r.name, Line: line, Column: knownColumns[c],
				Msg: "unreadable text: control characters or bytes that are not UTF-8"}
		}
		*dst[c] = v
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

// unreadable reports control characters other than tab, invalid UTF-8, or
// U+FFFD (what the UTF-16 decoder makes of broken surrogates): binary data
// or a file in some other encoding.
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
