package cmdutil

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// CompletionTimeout bounds the Graph read behind one completion: the shell waits for it on every Tab.
const CompletionTimeout = 2 * time.Second

// CompletionLimit is how many names one completion offers at most.
const CompletionLimit = 1000

// NameLister reads names to offer from Graph; prefix is what the user has typed so far (a lister may use it
// to filter on the server), limit how many are wanted.
type NameLister func(ctx context.Context, c *graph.Client, prefix string, limit int) ([]string, error)

// CompleteFromGraph completes with names read from Graph, signed in only the ways that never ask anyone: --mock,
// a token or an app's credentials in the environment, the sign-in `auth login` kept, the Azure CLI's. Without
// one, or on any error, it offers nothing (and no file names);
// at CompletionTimeout it offers the names read by then (a large tenant's first pages). Names that hold control
// or format characters are left out: a completion is printed by the shell.
func CompleteFromGraph(f *Factory, list NameLister) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		const none = cobra.ShellCompDirectiveNoFileComp
		switch {
		case f.Globals.Mock && f.MockToken == "":
			// Cobra runs no pre-run hooks for completions: start the embedded mock here (it ends in Execute).
			if !startMockQuietly(f, cmd) {
				return nil, none
			}
		}
		f.NoPrompt = true // even --auth device-code on the line being completed must not ask anyone to sign in
		c, err := f.Graph()
		if err != nil {
			return nil, none
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, CompletionTimeout)
		defer cancel()
		names, err := list(ctx, c, toComplete, CompletionLimit)
		if err != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, none
		}
		var out []cobra.Completion
		for _, n := range names {
			if n != "" && safetext.Check("", n) == nil && strings.HasPrefix(strings.ToLower(n), strings.ToLower(toComplete)) {
				out = append(out, n)
			}
		}
		return out, none
	}
}

// startMockQuietly starts the embedded mock for a completion with nothing on stderr (its banner, a wait for
// another command): what a completion prints is the shell's to show.
func startMockQuietly(f *Factory, cmd *cobra.Command) bool {
	if f.StartMock == nil {
		return false
	}
	errOut := f.IOStreams.ErrOut
	f.IOStreams.ErrOut = io.Discard
	defer func() { f.IOStreams.ErrOut = errOut }()
	return f.StartMock(cmd) == nil
}

// CompleteArgs sets fn as the argument completion of parent's subcommands named in verbs, for their first
// maxArgs arguments (0: every argument).
func CompleteArgs(parent *cobra.Command, fn cobra.CompletionFunc, maxArgs int, verbs ...string) {
	completeArgs(parent, verbs, func(n int) cobra.CompletionFunc {
		if maxArgs > 0 && n >= maxArgs {
			return nil
		}
		return fn
	})
}

// CompleteArgsThen sets the argument completion of parent's subcommands named in verbs: the first argument with
// first (the object, e.g. an ESP), every later one with rest (e.g. the groups it is assigned to).
func CompleteArgsThen(parent *cobra.Command, first, rest cobra.CompletionFunc, verbs ...string) {
	completeArgs(parent, verbs, func(n int) cobra.CompletionFunc {
		if n == 0 {
			return first
		}
		return rest
	})
}

// completeArgs completes the argument after n others with forArg(n) (nil: nothing, and no file names).
func completeArgs(parent *cobra.Command, verbs []string, forArg func(n int) cobra.CompletionFunc) {
	for _, c := range parent.Commands() {
		if !slices.Contains(verbs, c.Name()) {
			continue
		}
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			fn := forArg(len(args))
			if fn == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return fn(cmd, args, toComplete)
		}
	}
}

// CompleteFlag sets fn as the completion of flag on every subcommand of parent that has it.
func CompleteFlag(parent *cobra.Command, flag string, fn cobra.CompletionFunc) {
	for _, c := range parent.Commands() {
		if c.Flags().Lookup(flag) != nil {
			_ = c.RegisterFlagCompletionFunc(flag, fn)
		}
	}
}

// CompleteFlagValues completes flag with a fixed list of values on every subcommand of parent that has it.
func CompleteFlagValues(parent *cobra.Command, flag string, values ...string) {
	CompleteFlag(parent, flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// NamesOf maps a listing to the names completion offers, passing its error on (listers return both).
func NamesOf[T any](list []T, err error, name func(T) string) ([]string, error) {
	names := make([]string, len(list))
	for i, x := range list {
		names[i] = name(x)
	}
	return names, err
}
