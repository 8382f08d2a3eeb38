package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

// Main runs autopilotctl with the process's arguments and streams and returns the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first Ctrl-C lets the command stop cleanly; a second one ends the process at once
	}()
	return Run(ctx, cmdutil.New(iostreams.System()), os.Args[1:])
}

// Run executes one command line on f; tests call it in-process.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return execute(ctx, f, NewRootCmd(f), args)
}

func execute(ctx context.Context, f *cmdutil.Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		err = &cmdutil.UsageError{Err: err} // cobra reports it as a plain error
	}
	f.RunAtExit()
	if err == nil {
		return cmdutil.ExitOK
	}
	printError(f, cmd, err)
	return cmdutil.ExitCode(err)
}

// printError prints the one message for a failed run, with what to do next where we know it.
func printError(f *cmdutil.Factory, cmd *cobra.Command, err error) {
	w := f.IOStreams.ErrOut
	err = graph.Translate(err)
	var partial *cmdutil.PartialError
	if errors.As(err, &partial) {
		fmt.Fprintln(w, err) // the result was printed; this is the summary line
		return
	}
	fmt.Fprintf(w, "error: %v\n", err)
	var usage *cmdutil.UsageError
	if errors.As(err, &usage) && cmd != nil {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	var ge *graph.Error
	if errors.As(err, &ge) && ge.IsAuth() && cmd != nil {
		if reqs := cmdutil.Permissions(cmd); len(reqs) > 0 {
			fmt.Fprintf(w, "'%s' needs these Graph permissions:\n", cmd.CommandPath())
			for _, r := range reqs {
				fmt.Fprintf(w, "  - %s\n", cmdutil.DescribeRequirement(r))
			}
			fmt.Fprintln(w, "Compare with what your token has: autopilotctl auth status")
		}
	}
}
