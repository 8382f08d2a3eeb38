package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// `autopilotctl --mock export | autopilotctl --mock plan -f -`: the reader must not hold the demo tenant's lock
// while it waits for its input, or the writer, waiting for that lock, never writes. Both run here at once in
// one process (the lock is a file lock, held per open file, so they contend as two processes would), the
// reader started first.
func TestMockPipeBetweenTwoCommandsDoesNotDeadlock(t *testing.T) {
	env := mockFactoryEnv(t)
	pr, pw := io.Pipe()
	reader := withBuffers(testFactory(env))
	reader.IOStreams.In = pr
	writer := withBuffers(testFactory(env))
	writer.IOStreams.Out = pw
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	planned := make(chan int)
	go func() {
		planned <- cmdutil.Execute(ctx, reader, NewRootCmd(reader), []string{"--mock", "plan", "-f", "-"})
	}()
	time.Sleep(50 * time.Millisecond) // the reader first: it is the one that used to take the lock and wait (a real wait is the point)
	exported := cmdutil.Execute(ctx, writer, NewRootCmd(writer), []string{"--mock", "export"})
	pw.Close()
	if code := <-planned; exported != 0 || code != 0 {
		t.Fatalf("export exit %d, plan exit %d\n%s%s", exported, code, writer.IOStreams.ErrOut, reader.IOStreams.ErrOut)
	}
	if out := reader.IOStreams.Out.(*strings.Builder).String(); !strings.HasPrefix(out, "No changes: the tenant matches <stdin>") {
		t.Errorf("plan:\n%s", out)
	}
}

// The same for a flag given as `-` other than -f: `--mock device list -o csv | --mock device tag --from-csv -`.
func TestMockPipeIntoFromCSV(t *testing.T) {
	env := mockFactoryEnv(t)
	pr, pw := io.Pipe()
	reader := withBuffers(testFactory(env))
	reader.IOStreams.In = pr
	writer := withBuffers(testFactory(env))
	writer.IOStreams.Out = pw
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tagged := make(chan int)
	go func() {
		tagged <- cmdutil.Execute(ctx, reader, NewRootCmd(reader), []string{"--mock", "device", "tag", "--from-csv", "-", "--dry-run"})
	}()
	time.Sleep(50 * time.Millisecond) // the reader first (a real wait is the point)
	listed := cmdutil.Execute(ctx, writer, NewRootCmd(writer), []string{"--mock", "device", "list", "-o", "csv"})
	pw.Close()
	if code := <-tagged; listed != 0 || code != 0 {
		t.Fatalf("list exit %d, tag exit %d\n%s%s", listed, code, writer.IOStreams.ErrOut, reader.IOStreams.ErrOut)
	}
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
