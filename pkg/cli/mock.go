package cli

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	mockcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/mock"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// startEmbeddedMock serves the demo tenant on a loopback port for the life of this command and points the
// command at it. The tenant is kept between commands in a state file, locked while the command runs and
// saved when it ends. The mock demands a per-run token, so the real sign-in path (bearer auth, host check)
// is used.
func startEmbeddedMock(cmd *cobra.Command, f *cmdutil.Factory) error {
	if f.Globals.GraphURL != "" {
		return cmdutil.UsageErrorf("--mock and --graph-url both choose the Graph server: pass one")
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "mock" && c.HasParent() && !c.Parent().HasParent() {
			return cmdutil.UsageErrorf("--mock does not apply to '%s': the mock commands run the mock themselves", cmd.CommandPath())
		}
	}
	token, err := cmdutil.MockToken(cmd.Root(), f.Now())
	if err != nil {
		return err
	}
	delay := mockProcessDelay
	if v := f.Env("AUTOPILOTCTL_MOCK_PROCESS_DELAY"); v != "" {
		if delay, err = time.ParseDuration(v); err != nil || delay < 0 {
			return cmdutil.UsageErrorf("invalid AUTOPILOTCTL_MOCK_PROCESS_DELAY %q: want a duration such as 0s or 5s", v)
		}
	}
	path, err := mockcmd.StatePath(f.Env)
	if err != nil {
		return err
	}
	tenant, err := mockcmd.OpenDemoTenant(cmd.Context(), path, graphmock.Options{Token: token, ProcessDelay: delay}, f.IOStreams.ErrOut)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tenant.Close()
		return fmt.Errorf("starting the embedded mock: %w", err)
	}
	srv := &http.Server{Handler: tenant.Server}
	go srv.Serve(ln)
	tenant.Server.SetURL("http://" + ln.Addr().String())
	f.Globals.GraphURL = tenant.Server.BaseURL()
	f.MockToken = token
	f.AtExit(func() {
		srv.Close()
		if err := tenant.Close(); err != nil {
			fmt.Fprintf(f.IOStreams.ErrOut, "error: %v\n", err)
		}
	})
	fmt.Fprintf(f.IOStreams.ErrOut, "Using the embedded mock Graph server (demo tenant in %s; `autopilotctl mock reset` starts over); nothing leaves this machine.\n", path)
	return nil
}

// mockProcessDelay is how long the embedded demo tenant keeps import records pending: long enough to show
// progress, short enough for a first try. AUTOPILOTCTL_MOCK_PROCESS_DELAY overrides it.
const mockProcessDelay = 3 * time.Second
