package cmdutil

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Exit codes (docs/architecture.md#global-contract).
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2 // invalid usage or input; nothing was changed
	ExitPartial = 3 // some items failed or are still pending; the output says which
	ExitAuth    = 4 // authentication or permission problem
	ExitChanges = 5 // plan --detailed-exitcode: the run succeeded and changes are pending
)

// UsageError is bad flags, arguments or input files: exit 2, and the command changed nothing.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf builds a UsageError.
func UsageErrorf(format string, a ...any) error { return &UsageError{Err: fmt.Errorf(format, a...)} }

// InputError is bad input rather than bad usage — a file's content, a refused confirmation: exit 2, nothing
// was changed, and no "--help" hint, since the command line itself was right.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// InputErrorf builds an InputError.
func InputErrorf(format string, a ...any) error { return &InputError{Err: fmt.Errorf(format, a...)} }

// PartialError means the command ran but some items did not succeed; the printed result lists them. Exit 3.
type PartialError struct{ Msg string }

func (e *PartialError) Error() string { return e.Msg }

// ChangesPendingError is a successful plan that found changes, under --detailed-exitcode: exit 5, so CI can
// tell "no changes" (0) from "changes pending" (5) from an error. Msg is the summary line.
type ChangesPendingError struct{ Msg string }

func (e *ChangesPendingError) Error() string { return e.Msg }

// PermissionError means the signed-in identity may not do what was asked (found without Graph answering 403,
// e.g. from the token's claims). Exit 4.
type PermissionError struct{ Msg string }

func (e *PermissionError) Error() string { return e.Msg }

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	err = graph.Translate(err) // an SDK error type still carries Graph's status
	var usage *UsageError
	var input *InputError
	var partial *PartialError
	var pending *ChangesPendingError
	var auth *graph.AuthError
	var perm *PermissionError
	var ge *graph.Error
	switch {
	case errors.As(err, &usage), errors.As(err, &input):
		return ExitUsage
	case errors.As(err, &auth), errors.As(err, &perm), errors.As(err, &ge) && ge.IsAuth():
		return ExitAuth
	case errors.As(err, &partial):
		return ExitPartial
	case errors.As(err, &pending):
		return ExitChanges
	}
	return ExitError
}

// Args makes a cobra argument check's failure a usage error (exit 2), e.g. Args(cobra.MinimumNArgs(1)).
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &UsageError{Err: err}
		}
		return nil
	}
}
