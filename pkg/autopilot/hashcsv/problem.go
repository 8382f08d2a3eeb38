package hashcsv

import "fmt"

// Problem is one thing wrong with a hash CSV, located by file and line.
// Line is 0 when the problem concerns the whole file; Column is empty when
// no single column is at fault.
type Problem struct {
	File   string
	Line   int
	Column string
	Msg    string
}

// Error renders the problem as `devices.csv:14: what is wrong (column "…")`.
func (p Problem) Error() string {
	s := p.File
	if p.Line > 0 {
		s = fmt.Sprintf("%s:%d", s, p.Line)
	}
	s += ": " + p.Msg
	if p.Column != "" {
		s += fmt.Sprintf(" (column %q)", p.Column)
	}
	return s
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
