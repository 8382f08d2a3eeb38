// Package cmdutil holds what every command shares: the Factory of lazily built dependencies, the global flags,
// the error types that decide exit codes, and the per-command Graph permissions.
package cmdutil

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// Globals are the flags every command takes (docs/architecture.md#global-contract).
type Globals struct {
	Tenant   string
	ClientID string
	Auth     string
	Cloud    string
	GraphURL string
	Output   string
	JQ       string // --jq: a jq filter applied to the JSON output
	Template string // --template: a Go template applied to the JSON output
	Debug    bool
	Mock     bool
}

// Factory builds dependencies on first use, so a command that never calls Graph never signs in.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Globals   Globals
	Env       func(string) string // os.Getenv unless a test injects one
	Now       func() time.Time
	// HTTPClient is the network under the Graph pipeline; tests pass an httptest client.
	HTTPClient *http.Client
	// Sleep is how retries and pacing wait; tests inject one that records instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// LookPath finds the Azure CLI for --auth auto.
	LookPath func(string) (string, error)
	// MockToken, set when --mock started the embedded server, is the token that server expects.
	MockToken string
	// AuthStore is where `auth login` keeps a person's sign-in; nil is the user's configuration directory.
	AuthStore *graph.Store
	// NoPrompt is set before anything signs in by what must never ask a person to sign in (auth status, shell
	// completion): the sign-in uses only what needs no one (graph.AuthOptions.NoPrompt).
	NoPrompt bool
	// NewAuthenticator builds the browser and device-code credentials; nil is azidentity's (tests inject fakes).
	NewAuthenticator graph.NewAuthenticator
	// runContext is the run's context (set by Execute): output that can run long, a --jq filter, stops with it.
	runContext context.Context
	// StartMock starts the embedded mock for --mock and points the factory at it; the binary sets it.
	StartMock func(cmd *cobra.Command) error

	atExit []func()
	once   sync.Once
	cred   *graph.Credential
	client *graph.Client
	err    error
}

// New returns the production factory.
func New(ios *iostreams.IOStreams) *Factory {
	return &Factory{IOStreams: ios, Env: os.Getenv, Now: time.Now, LookPath: exec.LookPath}
}

// OutputFormat is the validated -o value.
func (f *Factory) OutputFormat() (output.Format, error) {
	fmtv, err := output.ParseFormat(f.Globals.Output)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	return fmtv, nil
}

// Query is the parsed --jq or --template, nil when neither was given. The root's pre-run parses it before
// anything is sent, so a bad expression is a usage error (exit 2) with nothing changed.
func (f *Factory) Query() (*output.Query, error) {
	var q *output.Query
	var err error
	switch g := f.Globals; {
	case g.JQ != "" && g.Template != "":
		return nil, UsageErrorf("--jq and --template both shape the output: pass one")
	case g.JQ != "":
		q, err = output.ParseJQ(g.JQ)
	case g.Template != "":
		q, err = output.ParseTemplate(g.Template)
	}
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return q, nil
}

// Print writes a result in the chosen format to stdout: through --jq or --template when given; a table fitted
// to the terminal, with coloured status words where colour is allowed.
func (f *Factory) Print(r output.Result) error {
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	q, err := f.Query()
	if err != nil {
		return err
	}
	ios := f.IOStreams
	return output.Write(ios.Out, output.Options{Format: format, TTY: ios.IsStdoutTTY(), Width: ios.TerminalWidth(),
		Color: ios.ColorEnabled(), ErrOut: ios.ErrOut, Query: q, Context: f.runContext}, r)
}

// Cloud is the validated --cloud value.
func (f *Factory) Cloud() (graph.Cloud, error) {
	c, err := graph.CloudByName(f.Globals.Cloud)
	if err != nil {
		return graph.Cloud{}, &UsageError{Err: err}
	}
	return c, nil
}

// GraphURL is the base URL commands call: --graph-url, then AUTOPILOTCTL_GRAPH_URL, then the cloud's.
func (f *Factory) GraphURL() (string, error) {
	c, err := f.Cloud()
	if err != nil {
		return "", err
	}
	override := f.Globals.GraphURL
	if override == "" {
		override = f.Env("AUTOPILOTCTL_GRAPH_URL")
	}
	u, err := graph.BaseURL(c, override)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	return u, nil
}

// AuthOptions is how this run signs in: the global flags, the environment, the terminal, and the sign-in
// `auth login` kept (never under --mock, whose token is the only one used).
func (f *Factory) AuthOptions() (graph.AuthOptions, error) {
	cloud, err := f.Cloud()
	if err != nil {
		return graph.AuthOptions{}, err
	}
	mode, err := graph.ParseAuthMode(f.Globals.Auth)
	if err != nil {
		return graph.AuthOptions{}, &UsageError{Err: err}
	}
	env := f.Env
	if f.MockToken != "" {
		// The embedded mock wants its own token; nothing from the real environment is used or sent.
		env = func(k string) string {
			if k == graph.AccessTokenEnv {
				return f.MockToken
			}
			return ""
		}
	}
	_, azErr := f.LookPath("az")
	o := graph.AuthOptions{
		Mode: mode, TenantID: f.Globals.Tenant, ClientID: f.Globals.ClientID,
		Cloud: cloud, Env: env, StdinTTY: f.IOStreams.IsStdinTTY(), HasAzureCLI: azErr == nil,
		Prompt: f.IOStreams.ErrOut, NoPrompt: f.NoPrompt, NewAuthenticator: f.NewAuthenticator,
	}
	if f.Globals.Debug {
		o.Debug = f.IOStreams.ErrOut
	}
	if f.MockToken == "" {
		o.Store = f.AuthStore
		if o.Store == nil {
			o.Store, _ = graph.UserStore() // no configuration directory: nothing kept, nothing used
		}
	}
	return o, nil
}

// Credential is the sign-in chosen by --auth and the environment.
func (f *Factory) Credential() (*graph.Credential, error) {
	f.build()
	return f.cred, f.err
}

// Graph is the connected client.
func (f *Factory) Graph() (*graph.Client, error) {
	f.build()
	return f.client, f.err
}

func (f *Factory) build() {
	f.once.Do(func() {
		cloud, err := f.Cloud()
		if err != nil {
			f.err = err
			return
		}
		base, err := f.GraphURL()
		if err != nil {
			f.err = err
			return
		}
		ao, err := f.AuthOptions()
		if err != nil {
			f.err = err
			return
		}
		f.cred, err = graph.NewCredential(ao)
		if err != nil {
			f.err = &graph.AuthError{Err: err}
			return
		}
		if !graph.KnownGraphHost(base) && f.MockToken == "" {
			// A token for Microsoft Graph goes wherever --graph-url points: say so when that is not Graph.
			fmt.Fprintf(f.IOStreams.ErrOut, "warning: sending Microsoft Graph tokens to %s, which is not a Microsoft Graph host\n", base)
		}
		cfg := graph.Config{BaseURL: base, Credential: f.cred, Scopes: []string{cloud.Scope()},
			HTTPClient: f.HTTPClient, Retry: graph.RetryPolicy{Sleep: f.Sleep}}
		if f.Globals.Debug {
			cfg.Debug = f.IOStreams.ErrOut
		}
		f.client, f.err = graph.New(cfg)
	})
}

// AtExit registers cleanup that runs when the command has finished (the embedded mock server's shutdown).
func (f *Factory) AtExit(fn func()) { f.atExit = append(f.atExit, fn) }

// RunAtExit runs the registered cleanup, last registered first.
func (f *Factory) RunAtExit() {
	for i := len(f.atExit) - 1; i >= 0; i-- {
		f.atExit[i]()
	}
	f.atExit = nil
}
