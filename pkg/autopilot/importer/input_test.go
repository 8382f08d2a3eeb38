//go:build unix

package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// A FIFO nobody writes to is refused after the wait, instead of hanging forever.
func TestOpenInputsFIFOWithoutWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "devices.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	in, err := OpenInputs(context.Background(), []string{fifo}, InputOptions{PipeWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	if len(in.problems) != 1 || in.problems[0].Error() != fifo+": nothing wrote to this pipe within 100ms" {
		t.Errorf("problems %v", in.problems)
	}
}

// Piped input is copied once to a private file, which Close removes; the digest is the content's, the same
// as for a regular file holding the same bytes; standard input named twice is refused.
func TestOpenInputsSpoolsPipes(t *testing.T) {
	content := "Device Serial Number,Windows Product ID,Hardware Hash\nSN-1,,AAAA\n"
	file := filepath.Join(t.TempDir(), "d.csv")
	os.WriteFile(file, []byte(content), 0o644)
	fromFile, err := OpenInputs(context.Background(), []string{file}, InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromFile.Close()
	if fromFile.Piped {
		t.Error("a regular file counted as piped")
	}

	in, err := OpenInputs(context.Background(), []string{"-", "-"}, InputOptions{Stdin: strings.NewReader(content)})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.spools) != 1 || !in.Piped {
		t.Fatalf("spools %v", in.spools)
	}
	fi, err := os.Stat(in.spools[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("spool %v %v", fi, err)
	}
	if len(in.problems) != 1 || in.problems[0].Error() != "-: standard input can be read only once" {
		t.Errorf("problems %v", in.problems)
	}
	spool := in.spools[0]
	in.Close()
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Errorf("spool left behind: %v", err)
	}

	single, _ := OpenInputs(context.Background(), []string{"-"}, InputOptions{Stdin: strings.NewReader(content)})
	single.Close()
	if single.Digest != fromFile.Digest {
		t.Errorf("digest of piped content %s differs from the file's %s", single.Digest, fromFile.Digest)
	}
}

// A journal written by the previous version (statuses like "already-registered", no tenant or host) loads.
func TestLoadJournalVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.json")
	os.WriteFile(path, []byte(`{"version":1,"files":["d.csv"],"digest":"abc","runId":"r","overrides":{},
		"devices":{"SN-1":{"recordId":"x","status":"already-registered","recordDeleted":true},"SN-2":{"status":"imported"}}}`), 0o600)
	j, err := LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.Devices["SN-1"].Status != "alreadyRegistered" || j.Devices["SN-2"].Status != "imported" || !j.Finished(false) || j.Version != journalVersion {
		t.Errorf("journal %+v %+v", j, j.Devices["SN-1"])
	}
}

// Ctrl-C (or SIGTERM) ends the wait for a pipe whose writer never finishes, and the copy is removed: a blocking
// pipe ignores read deadlines.
func TestOpenInputsCancelEndsABlockedPipe(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the spool goes
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.WriteString("Device Serial Number,Windows Product ID,Hardware Hash\n") // and then nothing, for ever
	ctx, cancel := context.WithCancel(context.Background())
	type opened struct {
		in  *Inputs
		err error
	}
	done := make(chan opened, 1)
	go func() {
		// Wrapped, r stands for an inherited blocking stdin, whose reads no deadline can end.
		in, err := OpenInputs(ctx, []string{"-"}, InputOptions{Stdin: struct{ io.Reader }{r}})
		done <- opened{in, err}
	}()
	cancel()
	select {
	case o := <-done:
		if !errors.Is(o.err, context.Canceled) {
			t.Fatalf("err %v", o.err)
		}
	case <-time.After(10 * time.Second): // a bound on a failure, not a wait the test relies on
		t.Fatal("the cancelled read kept waiting on the pipe")
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "autopilotctl-input-*")); len(left) != 0 {
		t.Errorf("spool left behind: %v", left)
	}
}

// --skip-invalid cannot import from a file whose validation stopped early: its later rows were never read.
func TestCheckRefusesAStoppedValidationEvenWhenSkippingInvalid(t *testing.T) {
	var b strings.Builder
	b.WriteString("Device Serial Number,Windows Product ID,Hardware Hash\n")
	for i := range hashcsv.MaxProblems + 5 {
		fmt.Fprintf(&b, "S%d,,@@\n", i)
	}
	b.WriteString("GOOD-1,,QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n")
	in, err := OpenInputs(context.Background(), []string{"-"}, InputOptions{Stdin: strings.NewReader(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var ie *InputError
	if _, err := Check(in, Options{SkipInvalid: true}); !errors.As(err, &ie) || len(ie.Problems) != hashcsv.MaxProblems+1 {
		t.Fatalf("err %v", err)
	}
}
