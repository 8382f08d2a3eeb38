package importer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
)

// The importer's errors are typed and name no command-line flags: the command says what to type next.

// InputError lists every problem found in the input; nothing was sent. Report lists the invalid rows.
type InputError struct {
	Problems []hashcsv.Problem
	Report   *Report
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%d problem(s) in the input; nothing was uploaded:\n%s", len(e.Problems), e.List())
}

// List is one problem a line, each located as file:line.
func (e *InputError) List() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// LostAnswerError: the service kept leaving unknown whether an import request arrived; the devices are
// journaled as unsure, and a resumed run finds them by listing before sending anything again.
type LostAnswerError struct {
	Devices int
	Err     error
}

func (e *LostAnswerError) Error() string {
	return fmt.Sprintf("import request for %d devices: %v", e.Devices, e.Err)
}
func (e *LostAnswerError) Unwrap() error { return e.Err }

// ErrTimedOut ends a run whose time limit passed: the report lists what is still pending, the journal stays.
var ErrTimedOut = errors.New("the import's time limit was reached")

// JournalError is a journal that cannot be read or written.
type JournalError struct {
	Path string
	Err  error
}

func (e *JournalError) Error() string { return fmt.Sprintf("import journal %s: %v", e.Path, e.Err) }
func (e *JournalError) Unwrap() error { return e.Err }

// NoJournalError: a resume was asked for, and there is no journal for these inputs.
type NoJournalError struct{ Path string }

func (e *NoJournalError) Error() string { return "no import journal at " + e.Path }

// OtherInputError: the journal was written for other input (its digest differs).
type OtherInputError struct{ Path string }

func (e *OtherInputError) Error() string {
	return "the import journal " + e.Path + " was written for other input"
}

// OtherOverridesError: the journal's devices were sent with other overrides than those given now.
type OtherOverridesError struct {
	Path           string
	Journal, Given Overrides
}

func (e *OtherOverridesError) Error() string {
	return "the group tag or user given for every device differs from the interrupted run's (" + e.Path + ")"
}

// UnfinishedError: a fresh run found an unfinished journal for the same input.
type UnfinishedError struct{ Path string }

func (e *UnfinishedError) Error() string { return "an unfinished import journal exists at " + e.Path }

// OtherTargetError: the journal's import records live in another tenant or behind another Graph host.
type OtherTargetError struct {
	Path                       string
	JournalTenant, JournalHost string
	Tenant, Host               string
}

func (e *OtherTargetError) Error() string {
	where := func(tenant, host string) string {
		if tenant == "" {
			return host
		}
		return fmt.Sprintf("tenant %s on %s", tenant, host)
	}
	return fmt.Sprintf("the import journal %s records an import into %s, but this run signs in to %s",
		e.Path, where(e.JournalTenant, e.JournalHost), where(e.Tenant, e.Host))
}

// TenantBusyError: another run on this machine is importing into the same tenant.
type TenantBusyError struct{ Host, Tenant string }

func (e *TenantBusyError) Error() string {
	tenant := e.Tenant
	if tenant == "" {
		tenant = "(unknown tenant)"
	}
	return fmt.Sprintf("another import into tenant %s on %s is running on this machine", tenant, e.Host)
}

// LockedError: another run of the same input holds the journal.
type LockedError struct {
	Path   string
	Holder *Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the same input is being imported by %s (journal %s)", e.Holder, e.Path)
}
