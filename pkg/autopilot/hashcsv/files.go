package hashcsv

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// RowRef identifies a device row: the uploader's second pass keeps the rows
// whose Device.Ref() is among Validation.Valid.
type RowRef struct {
	File         string
	Line         int
	SerialNumber string
}

// Ref identifies d's row. Its SerialNumber shares memory with the row; clone
// it to keep it beyond the row.
func (d Device) Ref() RowRef {
	return RowRef{File: d.File, Line: d.Line, SerialNumber: d.SerialNumber}
}

// Validation is what validating the files of one import found.
type Validation struct {
	Valid    []RowRef  // rows without errors (warnings allowed), in file order
	Invalid  []Problem // errors, in file order; a row can have several (ByRow groups them)
	Warnings []Problem // problems worth telling that leave their rows valid: placeholder serial numbers
	// Stopped is set when validation gave up at MaxProblems: the rows after that point were not read, so
	// the valid rows are not all known and nothing may be imported.
	Stopped bool
}

// MaxProblems bounds the problems (and warnings) one validation collects, and so its memory: a file with more
// is not a hardware-hash CSV with a few bad rows, and listing them all helps nobody.
const MaxProblems = 1000

// Validate reads every file once and returns the rows without errors, every
// error and every warning, in file order. File-level problems (cannot open,
// not a regular file, bad header, binary, cut off) are errors; a file that
// breaks off contributes the valid rows read before the break. Memory grows
// per valid row by a RowRef and per device by a serial number and a 32-byte
// digest.
func Validate(paths []string) Validation {
	v := NewValidator()
	var out Validation
	for _, path := range paths {
		v.checkFile(path, &out)
	}
	return out
}

// CheckReader validates one input the caller has opened (a file opened once, a pipe copied to disk once),
// naming it name in problems, and adds what it finds to out; the Validator remembers serials and hashes
// across inputs, as Validate does across files.
func (v *Validator) CheckReader(name string, rd io.Reader, out *Validation) {
	r, err := NewReader(name, rd)
	if err != nil {
		out.Invalid = append(out.Invalid, asProblem(err))
		return
	}
	v.checkRows(r, out)
}

func (v *Validator) checkFile(path string, out *Validation) {
	r, err := Open(path)
	if err != nil {
		out.Invalid = append(out.Invalid, asProblem(err))
		return
	}
	defer r.Close()
	v.checkRows(r, out)
}

func (v *Validator) checkRows(r *Reader, out *Validation) {
	path := r.name
	rows := 0
	for {
		if out.Stopped {
			return
		}
		if len(out.Invalid)+len(out.Warnings) >= MaxProblems {
			out.Stopped = true
			out.Invalid = append(out.Invalid, Problem{File: path, Msg: fmt.Sprintf(
				"stopped reading after %d problems; fix those listed (is this a hardware-hash CSV?) and run again", MaxProblems)})
			return
		}
		d, err := r.Next()
		switch {
		case err == io.EOF:
			if rows == 0 {
				out.Invalid = append(out.Invalid, Problem{File: path, Msg: "no device rows below the header"})
			}
			return
		case err != nil:
			p := asProblem(err)
			p.SerialNumber = strings.Clone(p.SerialNumber)
			out.Invalid = append(out.Invalid, p)
			var fe *FileError
			if errors.As(err, &fe) {
				return
			}
		default:
			valid := true
			for _, p := range v.Check(d) {
				p.SerialNumber = strings.Clone(p.SerialNumber)
				if p.Warning {
					out.Warnings = append(out.Warnings, p)
				} else {
					out.Invalid = append(out.Invalid, p)
					valid = false
				}
			}
			if valid {
				ref := d.Ref()
				ref.SerialNumber = strings.Clone(ref.SerialNumber)
				out.Valid = append(out.Valid, ref)
			}
		}
		rows++
	}
}

// asProblem unwraps the Problem inside an error from Open or Next.
func asProblem(err error) Problem {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Problem
	}
	var p Problem
	errors.As(err, &p)
	return p
}
