package cmdutil

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
)

// unreachableError is a refused connection to a loopback Graph URL, worded for what it almost always is: a
// `mock serve` that has stopped while its variables are still set.
type unreachableError struct {
	msg   string
	cause error
}

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) Unwrap() error { return e.cause }

// explainUnreachable turns a refused connection to a loopback Graph URL into one line naming the URL and where
// it was set; any other error is returned as it is.
func explainUnreachable(f *Factory, err error) error {
	if !errors.Is(err, syscall.ECONNREFUSED) || f.Globals.Mock {
		return err
	}
	base, gerr := f.GraphURL()
	u, perr := url.Parse(base)
	if gerr != nil || perr != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return err
	}
	source := "AUTOPILOTCTL_GRAPH_URL"
	if f.Globals.GraphURL != "" {
		source = "--graph-url"
	}
	return &unreachableError{cause: err,
		msg: fmt.Sprintf("nothing answers at %s://%s (%s): is the mock still running?", u.Scheme, u.Host, source)}
}
