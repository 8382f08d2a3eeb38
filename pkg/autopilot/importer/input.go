package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// StdinName is the input name that stands for standard input.
const StdinName = "-"

// DefaultPipeWait is how long a named pipe may go without a writer before it is refused.
const DefaultPipeWait = 10 * time.Second

// maxSpoolBytes bounds what is copied from a pipe: 100,000 devices in UTF-16 are about 800 MB.
const maxSpoolBytes = 2 << 30

// Inputs are the CSVs of one run, each taken from its source once. A regular file is opened once (through
// internal/safefile) and read again through the same handle; standard input, a pipe or a FIFO is copied once
// to a private temporary file (mode 0600, removed by Close), so every pass reads the same bytes. Digest is
// the sha256 of all inputs' bytes: the journal's name, so a resumed run finds its journal from the content,
// whether the content comes from a file or is piped in again.
type Inputs struct {
	Names  []string
	Digest string
	// Piped is set when some input was not a regular file: resuming needs the same bytes piped in again.
	Piped    bool
	files    []*os.File // nil for an input that could not be read (its problem is in the problems list)
	spools   []string
	problems []hashcsv.Problem
}

// InputOptions say where standard input comes from and how long a FIFO may wait for a writer.
type InputOptions struct {
	Stdin    io.Reader     // read for "-"; nil: os.Stdin
	PipeWait time.Duration // default DefaultPipeWait
}

// OpenInputs takes every named input from its source. An input that cannot be read safely (a directory, a
// socket, a FIFO nobody writes to, standard input named twice) becomes a problem located at that input.
// Only a failure to make the temporary copy is returned as an error.
func OpenInputs(ctx context.Context, names []string, o InputOptions) (*Inputs, error) {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.PipeWait <= 0 {
		o.PipeWait = DefaultPipeWait
	}
	in := &Inputs{Names: names, files: make([]*os.File, len(names))}
	h := sha256.New()
	stdinUsed := false
	for i, name := range names {
		f, err := in.open(ctx, name, o, &stdinUsed, h)
		var p hashcsv.Problem
		switch {
		case errors.As(err, &p):
			in.problems = append(in.problems, p)
			continue
		case err != nil:
			in.Close()
			return nil, err
		}
		in.files[i] = f
		h.Write([]byte{0})
	}
	in.Digest = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// open returns name's content as a file positioned at its start, adding its bytes to h.
func (in *Inputs) open(ctx context.Context, name string, o InputOptions, stdinUsed *bool, h hash.Hash) (*os.File, error) {
	problem := func(format string, a ...any) error {
		return hashcsv.Problem{File: name, Msg: fmt.Sprintf(format, a...)}
	}
	if name == StdinName {
		if *stdinUsed {
			return nil, problem("standard input can be read only once")
		}
		*stdinUsed = true
		return in.spool(ctx, name, o.Stdin, h)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, problem("cannot open: %v", unwrapPath(err))
	}
	switch m := fi.Mode(); {
	case m.IsRegular():
		f, err := safefile.Open(name)
		if err != nil {
			return nil, problem("cannot open: %v", unwrapPath(err))
		}
		if _, err := io.Copy(h, f); err != nil {
			f.Close()
			return nil, problem("read error: %v", unwrapPath(err))
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, problem("read error: %v", unwrapPath(err))
		}
		return f, nil
	case m&fs.ModeNamedPipe != 0: // a FIFO, or a pipe named by /dev/stdin, /dev/fd/N or <(…)
		p, err := openPipe(name, o.PipeWait)
		if errors.Is(err, errNoWriter) {
			return nil, problem("nothing wrote to this pipe within %s", o.PipeWait)
		}
		if err != nil {
			return nil, problem("cannot open: %v", unwrapPath(err))
		}
		defer p.Close()
		return in.spool(ctx, name, p, h)
	case m.IsDir():
		return nil, problem("is a directory, not a CSV file")
	}
	return nil, problem("is not a regular file or a pipe (%s); save the CSV to a file first", fi.Mode().Type())
}

var errNoWriter = errors.New("no writer")

// openPipe opens a FIFO for reading. Opening blocks until something opens it for writing, so it is done
// aside; past wait, this process opens it for writing itself for a moment, which lets the blocked open
// return, and the pipe is refused instead of hanging forever.
func openPipe(path string, wait time.Duration) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.f, o.err
	case <-timer.C:
	}
	if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	select {
	case o := <-done:
		if o.f != nil {
			o.f.Close()
		}
	case <-time.After(time.Second): // the open stays blocked; the process is about to exit anyway
	}
	return nil, errNoWriter
}

// spool copies r once to a private temporary file, hashing it on the way, and returns the file at its start.
// Ctrl-C ends a read that waits on a pipe.
func (in *Inputs) spool(ctx context.Context, name string, r io.Reader, h hash.Hash) (*os.File, error) {
	f, err := os.CreateTemp("", "autopilotctl-input-*.csv") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("copying %s to a temporary file: %w", name, err)
	}
	in.spools = append(in.spools, f.Name())
	in.Piped = true
	// A blocking pipe ignores read deadlines, so the copy runs on its own and Ctrl-C (or SIGTERM) ends the wait
	// for it; the process exits soon after, taking the blocked read with it.
	type copied struct {
		n   int64
		err error
	}
	done := make(chan copied, 1)
	go func() {
		n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, maxSpoolBytes+1))
		done <- copied{n, err}
	}()
	var c copied
	select {
	case c = <-done:
	case <-ctx.Done():
		f.Close()
		return nil, ctx.Err()
	}
	n, err := c.n, c.err
	switch {
	case ctx.Err() != nil:
		f.Close()
		return nil, ctx.Err()
	case err != nil:
		f.Close()
		return nil, hashcsv.Problem{File: name, Msg: "read error: " + unwrapPath(err).Error()}
	case n > maxSpoolBytes:
		f.Close()
		return nil, hashcsv.Problem{File: name, Msg: fmt.Sprintf("is larger than %d GiB; split it", maxSpoolBytes>>30)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading back the copy of %s: %w", name, err)
	}
	return f, nil
}

// unwrapPath drops the path from an *fs.PathError: messages name the input as given.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// rewind returns input i's content from its start; nil when the input could not be opened.
func (in *Inputs) rewind(i int) io.Reader {
	f := in.files[i]
	if f == nil {
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return errReader{err}
	}
	return f
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Close closes the inputs and removes the temporary copies.
func (in *Inputs) Close() error {
	for i, f := range in.files {
		if f != nil {
			f.Close()
			in.files[i] = nil
		}
	}
	for _, p := range in.spools {
		os.Remove(p)
	}
	in.spools = nil
	return nil
}
