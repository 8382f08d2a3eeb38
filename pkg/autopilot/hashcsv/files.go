package hashcsv

import (
	"errors"
	"io"
	"strings"
)

// RowRef identifies a device row: the uploader's second pass keeps the rows
// whose Device.Ref() is among ValidateFiles' valid refs.
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

// ValidateFiles reads every file once and returns the rows without problems
// and every problem found, in file order. File-level problems (cannot open,
// bad header, binary, cut off) are included; a file that breaks off
// contributes the valid rows read before the break. Memory grows per valid
// row by a RowRef and per device by a serial number and a 32-byte digest.
func ValidateFiles(paths []string) (valid []RowRef, problems []Problem) {
	v := NewValidator()
	for _, path := range paths {
		valid, problems = v.checkFile(path, valid, problems)
	}
	return valid, problems
}

// CheckReader validates one input the caller has opened (a file opened once, a pipe spooled to disk),
// naming it name in problems; the Validator remembers serials and hashes across calls, as ValidateFiles
// does across files.
func (v *Validator) CheckReader(name string, rd io.Reader) (valid []RowRef, problems []Problem) {
	r, err := NewReader(name, rd)
	if err != nil {
		return nil, []Problem{asProblem(err)}
	}
	return v.checkRows(r, nil, nil)
}

func (v *Validator) checkFile(path string, valid []RowRef, problems []Problem) ([]RowRef, []Problem) {
	r, err := Open(path)
	if err != nil {
		return valid, append(problems, asProblem(err))
	}
	defer r.Close()
	return v.checkRows(r, valid, problems)
}

func (v *Validator) checkRows(r *Reader, valid []RowRef, problems []Problem) ([]RowRef, []Problem) {
	path := r.name
	rows := 0
	for {
		d, err := r.Next()
		switch {
		case err == io.EOF:
			if rows == 0 {
				problems = append(problems, Problem{File: path, Msg: "no device rows below the header"})
			}
			return valid, problems
		case err != nil:
			problems = append(problems, asProblem(err))
			var fe *FileError
			if errors.As(err, &fe) {
				return valid, problems
			}
		default:
			ps := v.Check(d)
			if len(ps) == 0 {
				ref := d.Ref()
				ref.SerialNumber = strings.Clone(ref.SerialNumber)
				valid = append(valid, ref)
			}
			problems = append(problems, ps...)
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
