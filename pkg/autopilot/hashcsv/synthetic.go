package hashcsv

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// SyntheticOptions shapes the file WriteSynthetic writes.
type SyntheticOptions struct {
	Seed          uint64 // the same seed gives the same file
	SerialPrefix  string // serials are prefix + row number ("APC-0001"); default "APC-"
	VMwareSerials bool   // VMware-style serials with spaces ("VMware-56 4d 00 00 00 01") instead
	GroupTag      string // non-empty adds a Group Tag column, like -GroupTag
	AssignedUser  string // non-empty adds Group Tag and Assigned User columns, like -AssignedUser
	HashBytes     int    // raw hash size; default 3000, about 4,000 base64 characters
}

// WriteSynthetic writes n devices with made-up serials and random hashes the
// way Get-WindowsAutopilotInfo does on Windows PowerShell 5.1: UTF-16LE with
// a BOM, CRLF, no quotes. The hashes are not real hardware hashes: the
// service rejects them, which is what demos and tests need.
func WriteSynthetic(w io.Writer, n int, opts SyntheticOptions) error {
	if opts.SerialPrefix == "" {
		opts.SerialPrefix = "APC-"
	}
	if opts.HashBytes <= 0 {
		opts.HashBytes = 3000
	}
	columns := []string{ColumnSerialNumber, ColumnProductID, ColumnHardwareHash}
	var extra string
	switch {
	case opts.AssignedUser != "":
		columns = append(columns, ColumnGroupTag, ColumnAssignedUser)
		extra = "," + opts.GroupTag + "," + opts.AssignedUser
	case opts.GroupTag != "":
		columns = append(columns, ColumnGroupTag)
		extra = "," + opts.GroupTag
	}

	buf := bufio.NewWriterSize(w, 64<<10)
	enc := transform.NewWriter(buf, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder())
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], opts.Seed)
	random := rand.NewChaCha8(seed)
	hash := make([]byte, opts.HashBytes)
	width := max(4, len(strconv.Itoa(n)))

	line := []byte(strings.Join(columns, ",") + "\r\n")
	for i := 1; i <= n; i++ {
		if _, err := enc.Write(line); err != nil {
			return err
		}
		random.Read(hash)
		line = append(line[:0], syntheticSerial(opts, i, width)...)
		line = append(line, ",,"...)
		line = base64.StdEncoding.AppendEncode(line, hash)
		line = append(line, extra...)
		line = append(line, "\r\n"...)
	}
	if _, err := enc.Write(line); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return buf.Flush()
}

func syntheticSerial(opts SyntheticOptions, i, width int) string {
	if opts.VMwareSerials {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(i))
		return fmt.Sprintf("VMware-56 4d % x", b[:])
	}
	return fmt.Sprintf("%s%0*d", opts.SerialPrefix, width, i)
}
