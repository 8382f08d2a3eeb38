package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// NewRoot builds the root command every command runs under — the binary's tree and a command test's alike:
// the global flags, the checks that run before any command (-o, --mock), and usage errors for bad flags.
// Global flags keep values already set on f.Globals as their defaults, so a test can preset them.
func NewRoot(f *Factory, use string) *cobra.Command {
	// A command that adds its own PersistentPreRunE must not silently drop the root's.
	cobra.EnableTraverseRunHooks = true
	root := &cobra.Command{
		Use:           use,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := checkQuery(f, cmd); err != nil {
				return err
			}
			if f.Globals.Mock {
				if f.StartMock == nil {
					return UsageErrorf("--mock is not available here")
				}
				if err := spoolStdin(f, cmd, args); err != nil {
					return err
				}
				return f.StartMock(cmd)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })

	g := &f.Globals
	or := func(cur, def string) string {
		if cur != "" {
			return cur
		}
		return def
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.Tenant, "tenant", g.Tenant, "Entra tenant ID or domain to sign in to (default: AZURE_TENANT_ID, or the account's home tenant)")
	pf.StringVar(&g.ClientID, "client-id", g.ClientID, "application (client) ID to sign in as (default: AZURE_CLIENT_ID)")
	pf.StringVar(&g.Auth, "auth", or(g.Auth, string(graph.AuthAuto)), "sign-in method: "+strings.Join(authModes(), ", "))
	pf.StringVar(&g.Cloud, "cloud", or(g.Cloud, "global"), "Microsoft cloud: global, usgov, usgovdod, china")
	pf.StringVar(&g.GraphURL, "graph-url", g.GraphURL, "Graph base URL including version (env AUTOPILOTCTL_GRAPH_URL); http only for loopback")
	pf.StringVarP(&g.Output, "output", "o", or(g.Output, string(output.Table)), "output format of commands that print results: "+strings.Join(output.Formats, ", "))
	pf.StringVarP(&g.JQ, "jq", "q", g.JQ, "filter the JSON output with a jq expression (implies -o json; strings print without quotes)")
	pf.StringVar(&g.Template, "template", g.Template, "format the JSON output with a Go template, e.g. '{{range .}}{{println .serialNumber}}{{end}}' (implies -o json)")
	pf.BoolVar(&g.Debug, "debug", g.Debug, "log each Graph request (method, URL, status, duration, request-id) to stderr")
	pf.BoolVar(&g.Mock, "mock", g.Mock, MockFlagHelp)
	_ = root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return Formats(cmd), cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("cloud", cobra.FixedCompletions([]string{"global", "usgov", "usgovdod", "china"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("auth", cobra.FixedCompletions(authModes(), cobra.ShellCompDirectiveNoFileComp))
	return root
}

// checkQuery validates -o, --jq and --template before the command runs. --jq and --template read the JSON
// output, so they make -o json the format, and an -o that names another format is refused.
func checkQuery(f *Factory, cmd *cobra.Command) error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	if err := checkFormat(cmd, format); err != nil {
		return err
	}
	q, err := f.Query()
	if err != nil || q == nil {
		return err
	}
	if cmd.Flags().Changed("output") && format != output.JSON {
		flag := "--jq"
		if f.Globals.Template != "" {
			flag = "--template"
		}
		return UsageErrorf("%s reads the JSON output: drop -o %s", flag, format)
	}
	f.Globals.Output = string(output.JSON)
	return nil
}

// MockFlagHelp is the --mock flag's help.
var MockFlagHelp = "run against an embedded mock Graph server with a demo tenant (no sign-in); the tenant is kept between commands until 'autopilotctl mock reset'"

func authModes() []string {
	s := make([]string, len(graph.AuthModes))
	for i, m := range graph.AuthModes {
		s[i] = string(m)
	}
	return s
}

// StrictArgs makes the tree refuse what cobra lets through: an unknown or mistyped subcommand under a command
// group (cobra prints the group's help and exits 0), and arguments to commands that take none. Call it once
// the tree is complete; commands that declare their own Args keep them.
func StrictArgs(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch {
		case c.HasSubCommands() && c.Run == nil && c.RunE == nil:
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) == 0 {
					return c.Help()
				}
				return UnknownCommandError(c, args[0])
			}
		case c.Args == nil && !c.HasSubCommands():
			c.Args = Args(cobra.NoArgs)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// UnknownCommandError is the usage error for arg under group, with cobra's suggestions when there are any.
func UnknownCommandError(group *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for %q", arg, group.CommandPath())
	if group.SuggestionsMinimumDistance <= 0 {
		group.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only on its own error path
	}
	if s := group.SuggestionsFor(arg); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return &UsageError{Err: errors.New(msg)}
}

// Execute runs one command line on root and returns the exit code, printing the one message a failed run
// gets. The binary and the command tests both run through it.
func Execute(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	f.runContext = ctx
	root.SetArgs(args)
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		err = &UsageError{Err: err} // cobra reports an unknown top-level command as a plain error
	}
	f.RunAtExit()
	if err == nil {
		return ExitOK
	}
	printError(f, cmd, err)
	return ExitCode(err)
}

// printError prints the one message for a failed run, with what to do next where we know it.
func printError(f *Factory, cmd *cobra.Command, err error) {
	w := f.IOStreams.ErrOut
	err = explainUnreachable(f, graph.Translate(err))
	var partial *PartialError
	var pending *ChangesPendingError
	if errors.As(err, &partial) || errors.As(err, &pending) {
		fmt.Fprintln(w, safetext.EscapeText(err.Error())) // the result was printed; this is the summary line
		return
	}
	if errors.Is(err, context.Canceled) && !errors.As(err, new(*graph.Error)) {
		// Ctrl-C or SIGTERM: Go's "context canceled" says what happened to the code, not to the person.
		fmt.Fprintln(w, "error: interrupted (Ctrl-C or SIGTERM) before the command finished")
		return
	}
	fmt.Fprintf(w, "error: %s\n", safetext.EscapeText(err.Error()))
	var usage *UsageError
	if errors.As(err, &usage) && cmd != nil {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	var ge *graph.Error
	if errors.As(err, &ge) && ge.IsAuth() && cmd != nil {
		if reqs := Permissions(cmd); len(reqs) > 0 {
			fmt.Fprintf(w, "'%s' needs these Graph permissions:\n", cmd.CommandPath())
			for _, r := range reqs {
				fmt.Fprintf(w, "  - %s\n", DescribeRequirement(r))
			}
			fmt.Fprintln(w, "Compare with what your token has: autopilotctl auth status")
		}
	}
}

// spoolStdin reads standard input to its end before the embedded mock starts, when the command reads it (a
// flag given as `-`, such as -f - or --from-csv -, or `device import -`): the mock holds the demo tenant's lock
// for the whole command, so in `autopilotctl --mock export | autopilotctl --mock plan -f -` the reader would
// otherwise hold the lock while waiting for the writer, which waits for the lock. It goes to a temporary file
// (an import can be large; at most maxSpool), removed when the command ends; Ctrl-C stops the wait.
func spoolStdin(f *Factory, cmd *cobra.Command, args []string) error {
	reads := cmd.Name() == "import" && slices.Contains(args, "-")
	cmd.Flags().Visit(func(fl *pflag.Flag) { reads = reads || fl.Value.String() == "-" })
	if f.IOStreams.IsStdinTTY() || !reads {
		return nil
	}
	tmp, err := os.CreateTemp("", "autopilotctl-stdin-*")
	if err != nil {
		return fmt.Errorf("keeping standard input while the mock starts: %w", err)
	}
	f.AtExit(func() {
		tmp.Close()
		os.Remove(tmp.Name())
	})
	copied := make(chan error, 1)
	go func() {
		n, err := io.Copy(tmp, io.LimitReader(f.IOStreams.In, maxSpool+1))
		if err == nil && n > maxSpool {
			err = fmt.Errorf("more than %d MiB", maxSpool>>20)
		}
		copied <- err
	}()
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case err = <-copied:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err != nil {
		return InputErrorf("reading standard input: %v", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	f.IOStreams.In = tmp
	return nil
}

// maxSpool bounds what spoolStdin keeps: far beyond a layout file (4 MiB) or a CSV of 10,000 devices (~40 MB).
const maxSpool = 256 << 20
