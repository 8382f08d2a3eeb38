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
