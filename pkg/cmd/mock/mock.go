// Package mock implements `autopilotctl mock`: run the mock Graph server for people and scripts to try the tool
// against, and record real Graph exchanges (scrubbed) to keep the mock honest.
package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// NewCmdMock is the `mock` command group.
func NewCmdMock(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mock <command>",
		Short: "Run the mock Graph server, or record real Graph answers for it",
		Example: "  autopilotctl mock serve --addr 127.0.0.1:8080\n" +
			"  autopilotctl mock reset\n" +
			"  autopilotctl mock record --upstream https://graph.microsoft.com/beta --out recordings/",
	}
	cmd.AddCommand(NewCmdServe(f, nil), NewCmdReset(f, nil), NewCmdRecord(f, nil))
	return cmd
}

// ServeExample is the documented way to run the mock in the background from a POSIX shell; a black-box test
// runs exactly this text.
const ServeExample = `  eval "$(autopilotctl mock serve &)"
  autopilotctl device list
  kill "$AUTOPILOTCTL_MOCK_PID"; unset AUTOPILOTCTL_GRAPH_URL AUTOPILOTCTL_ACCESS_TOKEN AUTOPILOTCTL_MOCK_PID`

// PIDEnv is the variable `mock serve` prints its process id in, so a script can stop it.
const PIDEnv = "AUTOPILOTCTL_MOCK_PID"

// ServeOptions are the knobs of `mock serve`.
type ServeOptions struct {
	Factory      *cmdutil.Factory
	Addr         string
	Seed         string
	Latency      time.Duration
	ProcessDelay time.Duration
	WriteLimit   int
	Window       time.Duration
	FaultRate    float64
	PageSize     int
	Shell        string // one of Shells: the syntax of the environment lines printed
	// Ready, when set, receives the listening server's base URL (tests use it instead of parsing stdout).
	Ready func(baseURL, token string)
	root  *cobra.Command // whose permission needs the demo token grants
}

// NewCmdServe builds `mock serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a mock Graph (beta) tenant on a loopback address until interrupted",
		Long: "Serves Microsoft Graph beta's Autopilot, group, enrollment and device-preparation endpoints from an\n" +
			"in-memory tenant (its own: not the --mock demo tenant), on a free loopback port unless --addr says\n" +
			"otherwise. Once listening it prints the environment that points autopilotctl (or curl) at it, with\n" +
			"the server's process id, and closes its standard output, so that eval \"$(autopilotctl mock serve &)\"\n" +
			"returns while the server keeps running in the background; its messages go to standard error.\n" +
			"--shell powershell (or pwsh) prints $env:NAME = \"value\" lines instead: run the server in one PowerShell window\n" +
			"and paste them into another (stop it with Stop-Process -Id $env:AUTOPILOTCTL_MOCK_PID); --shell fish\n" +
			"prints set -gx NAME value. It prints no JSON: -o, --jq and --template are refused.\n" +
			"Counters and the request log are at /_mock/stats and /_mock/requests.",
		Example: ServeExample + "\n" +
			"  autopilotctl mock serve --shell powershell\n" +
			"  autopilotctl mock serve --seed tenant.json --latency 20ms --process-delay 2s --write-limit 100 --window 20s",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.FaultRate < 0 || opts.FaultRate > 1 {
				return cmdutil.UsageErrorf("--fault-rate must be between 0 and 1, got %v", opts.FaultRate)
			}
			if (opts.WriteLimit > 0) != (opts.Window > 0) {
				return cmdutil.UsageErrorf("--write-limit and --window go together")
			}
			if opts.Shell == "" {
				opts.Shell = defaultShell
			}
			// As Windows admins write it: PowerShell, or pwsh, PowerShell 7's own name for itself.
			if opts.Shell = strings.ToLower(opts.Shell); opts.Shell == "pwsh" {
				opts.Shell = "powershell"
			}
			if !slices.Contains(Shells, opts.Shell) {
				return cmdutil.UsageErrorf("invalid --shell %q: use %s", safetext.Short(opts.Shell), strings.Join(Shells, ", "))
			}
			if err := refuseOutputFlags(cmd); err != nil {
				return err
			}
			opts.root = cmd.Root()
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free one)")
	fl.StringVar(&opts.Seed, "seed", "demo", `initial tenant: "demo", "empty", or a seed JSON file`)
	fl.DurationVar(&opts.Latency, "latency", 0, "delay added to every request")
	fl.DurationVar(&opts.ProcessDelay, "process-delay", 5*time.Second, "how long imported devices stay pending")
	fl.IntVar(&opts.WriteLimit, "write-limit", 0, "writes allowed per --window before 429 (0: no throttle)")
	fl.DurationVar(&opts.Window, "window", 0, "throttle window for --write-limit")
	fl.Float64Var(&opts.FaultRate, "fault-rate", 0, "probability (0-1) of answering 503/504")
	fl.IntVar(&opts.PageSize, "page-size", 0, "items per collection page (default 100)")
	fl.StringVar(&opts.Shell, "shell", "", "syntax of the environment lines: bash, zsh or sh (export NAME=value), fish (set -gx NAME value) or powershell or pwsh ($env:NAME = \"value\"); default powershell on Windows, bash elsewhere")
	_ = cmd.RegisterFlagCompletionFunc("shell", cobra.FixedCompletions(Shells, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// defaultShell is the shell --shell assumes: Windows admins run PowerShell.
var defaultShell = map[bool]string{true: "powershell", false: "bash"}[runtime.GOOS == "windows"]

// Shells are the --shell values (in any case): the POSIX shells share one syntax, pwsh is powershell.
var Shells = []string{"bash", "zsh", "sh", "fish", "powershell", "pwsh"}

// refuseOutputFlags refuses -o, --jq and --template on a command that prints shell lines, not a result: they
// would be silently ignored.
func refuseOutputFlags(cmd *cobra.Command) error {
	for _, flag := range []string{"output", "jq", "template"} {
		if cmd.Flags().Changed(flag) {
			return cmdutil.UsageErrorf("%s prints shell lines, not JSON or a table: drop --%s", cmd.CommandPath(), flag)
		}
	}
	return nil
}

// envLines is how shell sets variables: `export NAME=value` (POSIX shells; the values printed need no quoting),
// fish's `set -gx NAME value`, or PowerShell's `$env:NAME = "value"` with its escape character (`) before ",
// $ and `.
func envLines(shell string, vars [][2]string) string {
	var b strings.Builder
	for _, v := range vars {
		switch shell {
		case "powershell":
			fmt.Fprintf(&b, "$env:%s = \"%s\"\n", v[0], psEscape.Replace(v[1]))
		case "fish":
			fmt.Fprintf(&b, "set -gx %s %s\n", v[0], v[1])
		default:
			fmt.Fprintf(&b, "export %s=%s\n", v[0], v[1])
		}
	}
	return b.String()
}

var psEscape = strings.NewReplacer("`", "``", `"`, "`\"", "$", "`$")

func serveRun(ctx context.Context, opts *ServeOptions) error {
	f := opts.Factory
	root := opts.root
	if root == nil {
		root = &cobra.Command{}
	}
	seed, err := loadSeed(opts.Seed)
	if err != nil {
		return err
	}
	ln, err := listenLoopback(opts.Addr)
	if err != nil {
		return err
	}
	token, err := cmdutil.MockToken(root, f.Now())
	if err != nil {
		return err
	}
	mock := graphmock.New(graphmock.Options{
		Token: token, Seed: seed, Latency: opts.Latency, ProcessDelay: opts.ProcessDelay,
		WriteLimit: opts.WriteLimit, WriteWindow: opts.Window, FaultRate: opts.FaultRate, PageSize: opts.PageSize,
	})
	mock.SetURL("http://" + ln.Addr().String())
	shell := opts.Shell
	if shell == "" {
		shell = defaultShell
	}
	fmt.Fprint(f.IOStreams.Out, envLines(shell, [][2]string{{"AUTOPILOTCTL_GRAPH_URL", mock.BaseURL()},
		{graph.AccessTokenEnv, token}, {PIDEnv, strconv.Itoa(os.Getpid())}}))
	// A command substitution waits for the end of standard output: end it, so $(autopilotctl mock serve &) returns.
	if c, ok := f.IOStreams.Out.(io.Closer); ok {
		c.Close()
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "mock Graph serving %s (stats: %s/_mock/stats); Ctrl-C or kill %d to stop\n", mock.BaseURL(), mock.URL(), os.Getpid())
	return serveUntilDone(ctx, ln, mock, func() {
		if opts.Ready != nil {
			opts.Ready(mock.BaseURL(), token)
		}
	})
}

// maxSeedBytes caps a seed file: a demo tenant of 10,000 devices is about 5 MB.
const maxSeedBytes = 64 << 20

func loadSeed(s string) (*graphmock.Seed, error) {
	switch s {
	case "demo":
		return graphmock.DemoSeed(), nil
	case "empty", "":
		return nil, nil
	}
	raw, err := safefile.ReadFile(s, maxSeedBytes)
	if err != nil {
		return nil, &cmdutil.InputError{Err: fmt.Errorf("--seed: %w", err)}
	}
	seed, err := graphmock.ParseSeed(s, raw)
	if err != nil {
		return nil, &cmdutil.InputError{Err: err}
	}
	return seed, nil
}

// listenLoopback refuses to expose the mock (and the tokens sent to it) beyond this machine.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, cmdutil.UsageErrorf("invalid --addr %q: %v", addr, err)
	}
	if !graph.IsLoopback(host) {
		return nil, cmdutil.UsageErrorf("invalid --addr %q: the mock serves plain http, so only loopback addresses are allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w (--addr 127.0.0.1:0 picks a free port)", addr, err)
	}
	return ln, nil
}

// serveUntilDone serves h on ln until ctx ends; ready runs once the server is accepting requests.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, ready func()) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	ready()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		srv.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// ResetOptions holds `mock reset`'s dependencies; it takes no flags.
type ResetOptions struct {
	Factory *cmdutil.Factory
}

// NewCmdReset builds `mock reset`.
func NewCmdReset(f *cmdutil.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Start the --mock demo tenant over",
		Long: "--mock keeps its demo tenant between commands, in " + filepath.Join("<user cache dir>", "autopilotctl", "mock-tenant.json") + "\n" +
			"(or the file $" + StateEnv + " names). This deletes it, so the next --mock command starts from the demo\n" +
			"tenant again. It waits for a --mock command still running.",
		Example: "  autopilotctl mock reset",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			path, err := StatePath(f.Env)
			if err != nil {
				return err
			}
			if err := ResetDemoTenant(cmd.Context(), path, f.IOStreams.ErrOut); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Demo tenant reset: the next --mock command starts from the demo tenant (%s).\n", path)
			return nil
		},
	}
	return cmd
}

// RecordOptions are the flags of `mock record`.
type RecordOptions struct {
	Factory  *cmdutil.Factory
	Addr     string
	Upstream string
	Out      string
	Ready    func(baseURL string)
}

// NewCmdRecord builds `mock record`.
func NewCmdRecord(f *cmdutil.Factory, runF func(*RecordOptions) error) *cobra.Command {
	opts := &RecordOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Proxy to a real Graph and write scrubbed recordings of every exchange",
		Long: "Listens on a loopback address and forwards each request to --upstream, writing one JSON file per call\n" +
			"and a cassette.json (on Ctrl-C) into --out. Tokens, tenant ids, UPNs, serial numbers and hardware\n" +
			"hashes are replaced before anything is written. Point autopilotctl at it with the printed URL.",
		Example: "  autopilotctl mock record --upstream https://graph.microsoft.com/beta --out recordings/\n" +
			"  AUTOPILOTCTL_GRAPH_URL=http://127.0.0.1:8081/beta autopilotctl device list",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return cmdutil.UsageErrorf("--out is required: the folder to write recordings into")
			}
			root, err := graph.BaseURL(graph.Clouds[0], opts.Upstream)
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			opts.Upstream = strings.TrimSuffix(root, "/beta")
			if runF != nil {
				return runF(opts)
			}
			return recordRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8081", "loopback address to listen on")
	cmd.Flags().StringVar(&opts.Upstream, "upstream", "https://graph.microsoft.com/beta", "Graph base URL to forward to")
	cmd.Flags().StringVar(&opts.Out, "out", "", "folder for the recordings")
	return cmd
}

func recordRun(ctx context.Context, opts *RecordOptions) error {
	ln, err := listenLoopback(opts.Addr)
	if err != nil {
		return err
	}
	client := opts.Factory.HTTPClient
	if client == nil { // the same network limits as every Graph call, and redirects are not followed
		client = &http.Client{Transport: graph.NewTransport(graph.DefaultLimits), Timeout: graph.DefaultLimits.AttemptTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	rec := graphmock.NewRecorder(opts.Upstream, opts.Out, client)
	base := "http://" + ln.Addr().String() + "/beta"
	fmt.Fprintf(opts.Factory.IOStreams.Out, "export AUTOPILOTCTL_GRAPH_URL=%s\n", base)
	fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "recording %s into %s; Ctrl-C to stop\n", opts.Upstream, opts.Out)
	ready := func() {
		if opts.Ready != nil {
			opts.Ready(base)
		}
	}
	if err := serveUntilDone(ctx, ln, rec, ready); err != nil {
		return err
	}
	return rec.Save()
}
