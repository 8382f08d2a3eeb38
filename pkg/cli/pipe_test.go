package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// mockPipe runs `autopilotctl --mock WRITER… | autopilotctl --mock READER…` in one process (the demo tenant's
// lock is a file lock, held per open file, so the two contend as two processes would), the reader started
// first: it is the one that used to take the lock and then wait for its input. It fails the test unless both
// exit 0, and returns the reader's stdout.
func mockPipe(t *testing.T, writerArgs, readerArgs []string) string {
	t.Helper()
	env := mockFactoryEnv(t)
	pr, pw := io.Pipe()
	reader := withBuffers(testFactory(env))
	reader.IOStreams.In = pr
	writer := withBuffers(testFactory(env))
	writer.IOStreams.Out = pw
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	read := make(chan int)
	go func() {
		read <- cmdutil.Execute(ctx, reader, NewRootCmd(reader), append([]string{"--mock"}, readerArgs...))
	}()
	time.Sleep(50 * time.Millisecond) // the reader first (a real wait is the point)
	wrote := cmdutil.Execute(ctx, writer, NewRootCmd(writer), append([]string{"--mock"}, writerArgs...))
	pw.Close()
	if code := <-read; wrote != 0 || code != 0 {
		t.Fatalf("%v exit %d, %v exit %d\n%s%s", writerArgs, wrote, readerArgs, code, writer.IOStreams.ErrOut, reader.IOStreams.ErrOut)
	}
	return reader.IOStreams.Out.(*strings.Builder).String()
}

// `autopilotctl --mock export | autopilotctl --mock plan -f -`: the reader must not hold the demo tenant's lock
// while it waits for its input, or the writer, waiting for that lock, never writes.
func TestMockPipeBetweenTwoCommandsDoesNotDeadlock(t *testing.T) {
	if out := mockPipe(t, []string{"export"}, []string{"plan", "-f", "-"}); !strings.HasPrefix(out, "No changes: the tenant matches <stdin>") {
		t.Errorf("plan:\n%s", out)
	}
}

// The same for a flag given as `-` other than -f: `--mock device list -o csv | --mock device tag --from-csv -`.
func TestMockPipeIntoFromCSV(t *testing.T) {
	mockPipe(t, []string{"device", "list", "-o", "csv"}, []string{"device", "tag", "--from-csv", "-", "--dry-run"})
}

// Ctrl-C while waiting for standard input ends the wait: the command says it was interrupted.
func TestMockStdinWaitIsInterruptible(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	f := withBuffers(testFactory(mockFactoryEnv(t)))
	f.IOStreams.In = pr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- cmdutil.Execute(ctx, f, NewRootCmd(f), []string{"--mock", "plan", "-f", "-"}) }()
	time.Sleep(50 * time.Millisecond) // let it wait on the pipe (a real wait is the point)
	cancel()
	select {
	case code := <-done:
		if code != 1 || f.IOStreams.ErrOut.(*strings.Builder).String() != "error: interrupted (Ctrl-C or SIGTERM) before the command finished\n" {
			t.Errorf("exit %d\n%s", code, f.IOStreams.ErrOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting for standard input 10 s after the cancel")
	}
}
