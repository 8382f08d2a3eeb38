package hashcsv

import "fmt"

// Problem is one thing wrong with a hash CSV, located by file and line.
// Line is 0 when the problem concerns the whole file; Column is empty when
// no single column is at fault; SerialNumber is the row's serial number when
// it could be read. A Warning leaves the row valid: it is worth telling the
// admin, not worth refusing the row.
type Problem struct {
	File         string `json:"file"`
	Line         int    `json:"line,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
	Column       string `json:"column,omitempty"`
	Msg          string `json:"message"`
	Warning      bool   `json:"warning,omitempty"`
}

// Error renders the problem as `devices.csv:14: what is wrong (column "…")`.
func (p Problem) Error() string {
	s := p.File
	if p.Line > 0 {
		s = fmt.Sprintf("%s:%d", s, p.Line)
	}
	return s + ": " + p.Detail()
}

// Detail is the problem without its location: `what is wrong (column "…")`.
func (p Problem) Detail() string {
	if p.Column != "" {
		return fmt.Sprintf("%s (column %q)", p.Msg, p.Column)
	}
	return p.Msg
}

// RowProblems is everything wrong with one row (or, with Line 0, one file),
// the shape reports give an invalid row.
type RowProblems struct {
	File         string   `json:"file"`
	Line         int      `json:"line,omitempty"`
	SerialNumber string   `json:"serialNumber,omitempty"`
	Problems     []string `json:"problems"` // each problem's Detail
}

// ByRow groups problems by file and line, in the order rows first appear.
func ByRow(problems []Problem) []RowProblems {
	type key struct {
		file string
		line int
	}
	var rows []RowProblems
	at := map[key]int{}
	for _, p := range problems {
		k := key{p.File, p.Line}
		i, seen := at[k]
		if !seen {
			i = len(rows)
			at[k] = i
			rows = append(rows, RowProblems{File: p.File, Line: p.Line, SerialNumber: p.SerialNumber})
		}
		rows[i].Problems = append(rows[i].Problems, p.Detail())
	}
	return rows
}

// FileError is a problem that stops reading a file: it cannot be opened or
// decoded, its header is wrong, or it breaks off. Rows after it are unknown.
type FileError struct {
	Problem
	Err error // the underlying I/O error, if any
}

func (e *FileError) Unwrap() error { return e.Err }

func fileError(file string, line int, msg string, err error) *FileError {
	return &FileError{Problem: Problem{File: file, Line: line, Msg: msg}, Err: err}
}
