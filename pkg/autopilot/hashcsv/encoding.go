package hashcsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a file's start decides its encoding; reads are
// readSize at a time.
const (
	sniffSize = 4096
	readSize  = 64 << 10
)

// maxRowBytes bounds the decoded text of one row, so garbage (a 10 MB line,
// an unclosed quote) fails fast instead of growing memory. Real rows are
// about 4 KB: the hash is ~4,000 base64 characters.
const maxRowBytes = 256 << 10

var (
	errBinary         = errors.New("binary data, not a CSV text file")
	errTruncatedUTF16 = errors.New("file ends in the middle of a UTF-16 character (odd number of bytes); was it cut off?")
	errRowTooLong     = fmt.Errorf("row is longer than %d KiB, but a hardware-hash row is about 4 KiB (missing line break or closing quote?)", maxRowBytes>>10)
)

// DecodeText returns a CSV file's content as UTF-8 (other readers of admin CSVs use it too). Windows PowerShell 5.1's
// Out-File writes UTF-16LE with a BOM, PowerShell 6+ BOM-less UTF-8; a BOM
// decides, and without one the NUL bytes of ASCII text in UTF-16 do.
func DecodeText(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, readSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return br, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		br.Discard(2)
		return utf16Text(br, unicode.LittleEndian), nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		br.Discard(2)
		return utf16Text(br, unicode.BigEndian), nil
	}
	if e, ok := utf16ByNULs(head); ok {
		return utf16Text(br, e), nil
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, errBinary
	}
	return br, nil
}

func utf16Text(r io.Reader, e unicode.Endianness) io.Reader {
	return transform.NewReader(&evenBytes{r: r}, unicode.UTF16(e, unicode.IgnoreBOM).NewDecoder())
}

// utf16ByNULs recognises BOM-less UTF-16: mostly-ASCII text has a NUL in
// every other byte, on the high-byte side only.
func utf16ByNULs(head []byte) (unicode.Endianness, bool) {
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := len(head) / 2
	switch {
	case odd*2 > pairs && even*16 <= odd:
		return unicode.LittleEndian, true
	case even*2 > pairs && odd*16 <= even:
		return unicode.BigEndian, true
	}
	return unicode.BigEndian, false
}

// evenBytes turns an odd-length UTF-16 stream into an error; the decoder
// would quietly end it with U+FFFD.
type evenBytes struct {
	r io.Reader
	n int64
}

func (e *evenBytes) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if err == io.EOF && e.n%2 == 1 {
		err = errTruncatedUTF16
	}
	return n, err
}

// textReader sits between the decoded text and encoding/csv. It hands over at most one line per Read, so
// encoding/csv never holds text beyond the line it is parsing: the reader then always knows the line the
// current row started on, which every error names (not the line where a limit was hit). It also caps the
// text of one row.
type textReader struct {
	r       *bufio.Reader
	name    string
	line    int  // line of the next byte, from 1
	midLine bool // the next byte is not the first of its line
	rowLine int  // line the current row starts on; 0 until its first non-empty line
	budget  int  // bytes the current row may still take
	err     *FileError
}

func newTextReader(name string, text io.Reader) *textReader {
	return &textReader{r: bufio.NewReaderSize(text, readSize), name: name, line: 1}
}

// startRow gives the next row its full byte budget.
func (t *textReader) startRow() { t.budget, t.rowLine = maxRowBytes, 0 }

// Read passes on text up to the end of the next line. A failure becomes a *FileError at the row's first line,
// returned from then on (a CSV syntax error in the same row must not hide it).
func (t *textReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if t.budget <= 0 {
		return 0, t.fail(errRowTooLong)
	}
	if t.r.Buffered() == 0 {
		if _, err := t.r.Peek(1); err == io.EOF {
			return 0, io.EOF
		} else if err != nil {
			return 0, t.fail(err)
		}
	}
	chunk, _ := t.r.Peek(min(len(p), t.budget, t.r.Buffered()))
	if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
		chunk = chunk[:i+1]
	}
	n := copy(p, chunk)
	t.r.Discard(n)
	// encoding/csv skips empty lines before a row, so they are not where it starts.
	if t.rowLine == 0 && (t.midLine || (string(chunk) != "\n" && string(chunk) != "\r\n")) {
		t.rowLine = t.line
	}
	t.budget -= n
	t.midLine = chunk[n-1] != '\n'
	if !t.midLine {
		t.line++
	}
	return n, nil
}

// fail records a failure to read on at the current row's first line.
func (t *textReader) fail(err error) *FileError {
	line := t.rowLine
	if line == 0 {
		line = t.line
	}
	switch err {
	case errRowTooLong, errTruncatedUTF16:
		t.err = fileError(t.name, line, err.Error(), nil)
	default:
		t.err = fileError(t.name, line, "read error: "+err.Error(), err)
	}
	return t.err
}
