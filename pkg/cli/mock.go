package cli

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// startEmbeddedMock serves a demo tenant on a loopback port for the life of this command and points the
// command at it. The mock demands a per-run token, so the real sign-in path (bearer auth, host check) is used.
func startEmbeddedMock(cmd *cobra.Command, f *cmdutil.Factory) error {
	if f.Globals.GraphURL != "" {
		return cmdutil.UsageErrorf("--mock and --graph-url both choose the Graph server: pass one")
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
	mock := graphmock.New(graphmock.Options{Token: token, Seed: graphmock.DemoSeed(), ProcessDelay: delay})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("starting the embedded mock: %w", err)
	}
	srv := &http.Server{Handler: mock}
	go srv.Serve(ln)
	mock.SetURL("http://" + ln.Addr().String())
	f.Globals.GraphURL = mock.BaseURL()
	f.MockToken = token
	f.AtExit(func() { srv.Close() })
	fmt.Fprintf(f.IOStreams.ErrOut, "Using the embedded mock Graph server (demo tenant); nothing leaves this machine.\n")
	return nil
}

// mockProcessDelay is how long the embedded demo tenant keeps import records pending: long enough to show
// progress, short enough for a first try. AUTOPILOTCTL_MOCK_PROCESS_DELAY overrides it.
const mockProcessDelay = 3 * time.Second
