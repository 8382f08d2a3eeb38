//go:build unix

package cli

import (
	"syscall"
	"testing"
	"time"
)

// SIGTERM stops a command the way Ctrl-C does: the run's context is cancelled, so it reports and exits.
func TestSIGTERMCancelsTheRunLikeCtrlC(t *testing.T) {
	ctx, stop := interruptContext()
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second): // an upper bound on signal delivery, not a wait the test depends on
		t.Fatal("SIGTERM did not cancel the run's context")
	}
}
