package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

// Main runs autopilotctl with the process's arguments and streams and returns the exit code.
func Main() int {
	ctx, stop := interruptContext()
	defer stop()
	return Run(ctx, cmdutil.New(iostreams.System()), os.Args[1:])
}

// interruptContext is cancelled by the first Ctrl-C or SIGTERM (a CI runner's cancel, `kill`, a container
// stop), so the command stops cleanly and reports; a second signal ends the process at once.
func interruptContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// Run executes one command line on f; tests call it in-process.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return cmdutil.Execute(ctx, f, NewRootCmd(f), args)
}
