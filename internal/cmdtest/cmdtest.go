// Package cmdtest runs one command in-process against a mock Graph tenant, for command tests: it wires a
// Factory to the mock (with the mock's token, so the real auth path runs), captures stdout and stderr, and
// runs on simulated time: the mock and the command share a FakeClock, and every wait the command asks for
// (retries, pacing, polling) is recorded and moves that clock instead of sleeping.
package cmdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

// Token is the bearer token the test mock demands.
const Token = "cmdtest-token"

// Env is one command test's world.
type Env struct {
	Mock    *graphmock.Server
	Factory *cmdutil.Factory
	Stdout  *strings.Builder
	Stderr  *strings.Builder
	Stdin   *strings.Reader
	Clock   *graphmock.FakeClock

	mu     sync.Mutex
	Sleeps []time.Duration // every wait the client asked for, in order

	globals cmdutil.Globals // what every run starts from, as a fresh process would
}

// Epoch is where simulated time starts.
var Epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// New starts a mock with opts (its Clock is set for you; its Token, and the command's, is Token unless opts
// names one, e.g. a JWT with the claims a test needs) and a Factory pointed at it.
func New(t testing.TB, opts graphmock.Options) *Env {
	t.Helper()
	clock := graphmock.NewFakeClock(Epoch)
	if opts.Token == "" {
		opts.Token = Token
	}
	opts.Clock = clock
	mock := graphmock.Start(t, opts)
	e := &Env{Mock: mock, Clock: clock, Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Stdin: strings.NewReader("")}
	ios, _, _, _ := iostreams.Test()
	ios.In, ios.Out, ios.ErrOut = e.Stdin, e.Stdout, e.Stderr
	f := cmdutil.New(ios)
	state := t.TempDir() // journals and run locks: never the user's own
	f.Env = func(k string) string {
		switch k {
		case graph.AccessTokenEnv:
			return opts.Token
		case cmdutil.StateDirEnv:
			return state
		}
		return ""
	}
	f.Globals.GraphURL = mock.BaseURL()
	f.Globals.Output = "table"
	f.Globals.Cloud = "global"
	f.HTTPClient = mock.Client()
	f.Sleep = func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		e.Sleeps = append(e.Sleeps, d)
		e.mu.Unlock()
		clock.Advance(d)
		return ctx.Err()
	}
	f.Now = clock.Now
	e.Factory = f
	e.globals = f.Globals
	return e
}

// Run executes cmd with args and returns the exit code the real binary would exit with. Global flags (-o,
// --graph-url, --debug, …) work as on the real root and last for that run only: every run starts from the
// Globals New set up, as a fresh process would.
func (e *Env) Run(cmd *cobra.Command, args ...string) int {
	return e.RunContext(context.Background(), cmd, args...)
}

// RunContext is Run with a context the test can cancel (Ctrl-C). The command runs under the binary's own root
// (global flags, pre-run checks) and execute path (error printing, exit codes).
func (e *Env) RunContext(ctx context.Context, cmd *cobra.Command, args ...string) int {
	e.Factory.Globals = e.globals // flags of an earlier run don't carry over
	root := cmdutil.NewRoot(e.Factory, "autopilotctl")
	root.AddCommand(cmd)
	cmdutil.StrictArgs(root)
	return cmdutil.Execute(ctx, e.Factory, root, append([]string{cmd.Name()}, args...))
}

// Writes returns the mock's logged write requests (batch items included), for "nothing was sent" assertions.
func (e *Env) Writes() []graphmock.LoggedRequest {
	var out []graphmock.LoggedRequest
	for _, r := range e.Mock.Requests() {
		if r.Method != "GET" && r.Path != "/$batch" {
			out = append(out, r)
		}
	}
	return out
}

// Send makes a request to the mock as another admin (or the portal) would, with the mock's token, and returns
// the decoded answer; an answer of 300 or more fails the test.
func (e *Env) Send(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.Mock.BaseURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Factory.Env(graph.AccessTokenEnv))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.Mock.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}
