package mock

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

func testFactory() (*cmdutil.Factory, *strings.Builder, *strings.Builder) {
	ios, _, _, _ := iostreams.Test()
	out, errOut := &strings.Builder{}, &strings.Builder{}
	ios.Out, ios.ErrOut = out, errOut
	return cmdutil.New(ios), out, errOut
}

func execute(ctx context.Context, cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(ctx)
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// `mock serve` answers like Graph with the env it prints, demands its token, and stops on cancel.
func TestServeAnswersLikeGraph(t *testing.T) {
	f, out, errOut := testFactory()
	ctx, cancel := context.WithCancel(context.Background())
	var base, token string
	cmd := NewCmdServe(f, nil)
	var status, unauth int
	var devices []any
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		opts := &ServeOptions{Factory: f, Addr: "127.0.0.1:0", Seed: "demo", Ready: func(b, tok string) {
			base, token = b, tok
			var body map[string]any
			status, body = get(t, base+"/deviceManagement/windowsAutopilotDeviceIdentities", token)
			devices, _ = body["value"].([]any)
			unauth, _ = get(t, base+"/deviceManagement/windowsAutopilotDeviceIdentities", "")
			cancel()
		}}
		return serveRun(c.Context(), opts)
	}
	if err := execute(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if status != 200 || len(devices) != 6 || unauth != 401 {
		t.Errorf("status %d, %d devices, without token %d", status, len(devices), unauth)
	}
	want := "export AUTOPILOTCTL_GRAPH_URL=" + base + "\nexport AUTOPILOTCTL_ACCESS_TOKEN=" + token + "\n" +
		"export AUTOPILOTCTL_MOCK_PID=" + strconv.Itoa(os.Getpid()) + "\n"
	if out.String() != want || strings.Count(token, ".") != 2 {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if !strings.HasPrefix(errOut.String(), "mock Graph serving "+base+" (stats: ") {
		t.Errorf("stderr %q", errOut)
	}
}

// closingWriter records whether it was closed.
type closingWriter struct {
	strings.Builder
	closed bool
}

func (w *closingWriter) Close() error { w.closed = true; return nil }

// The environment is all `mock serve` prints: standard output is closed then, so that a command
// substitution around a background server returns. A taken port names the way to a free one.
func TestServeClosesStdoutAndHintsAtAFreePort(t *testing.T) {
	f, _, _ := testFactory()
	out := &closingWriter{}
	f.IOStreams.Out = out
	ctx, cancel := context.WithCancel(context.Background())
	var closedWhenReady bool
	err := serveRun(ctx, &ServeOptions{Factory: f, Addr: "127.0.0.1:0", Seed: "empty", Ready: func(string, string) {
		closedWhenReady = out.closed
		cancel()
	}})
	if err != nil || !closedWhenReady || strings.Count(out.String(), "export ") != 3 {
		t.Errorf("err %v, stdout closed %v, printed %q", err, closedWhenReady, out.String())
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	f, _, _ = testFactory()
	err = execute(context.Background(), NewCmdServe(f, nil), "--addr", taken.Addr().String())
	want := "listening on " + taken.Addr().String() + ": listen tcp " + taken.Addr().String() + ": bind: address already in use (--addr 127.0.0.1:0 picks a free port)"
	if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Errorf("%v\nwant %s", err, want)
	}
	if def := NewCmdServe(f, nil).Flags().Lookup("addr").DefValue; def != "127.0.0.1:0" {
		t.Errorf("--addr defaults to %s", def)
	}
}

func TestServeFlagsAreValidated(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8080"}, `invalid --addr "0.0.0.0:8080": the mock serves plain http, so only loopback addresses are allowed`},
		{[]string{"--fault-rate", "2"}, "--fault-rate must be between 0 and 1, got 2"},
		{[]string{"--write-limit", "5"}, "--write-limit and --window go together"},
		{[]string{"--seed", "/nonexistent.json", "--addr", "127.0.0.1:0"}, "--seed: stat /nonexistent.json: no such file or directory"},
		{[]string{"--seed", "/dev/zero", "--addr", "127.0.0.1:0"}, "--seed: /dev/zero is not a regular file (a device)"},
	} {
		f, _, _ := testFactory()
		err := execute(context.Background(), NewCmdServe(f, nil), tt.args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v (exit %d)", tt.args, err, cmdutil.ExitCode(err))
		}
	}
}

// `mock record` proxies to an upstream Graph (here the mock itself) and writes scrubbed recordings.
func TestRecordWritesScrubbedRecordings(t *testing.T) {
	upstream := graphmock.Start(t, graphmock.Options{Token: "real-secret-token", Seed: graphmock.DemoSeed()})
	f, _, _ := testFactory()
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var status int
	cmd := NewCmdRecord(f, nil)
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		return recordRun(c.Context(), &RecordOptions{Factory: f, Addr: "127.0.0.1:0", Upstream: upstream.URL(), Out: out, Ready: func(base string) {
			status, _ = get(t, base+"/deviceManagement/windowsAutopilotDeviceIdentities?$filter=contains(serialNumber,'5CG2461KX7')", "real-secret-token")
			cancel()
		}})
	}
	if err := execute(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if status != 200 {
		t.Fatalf("proxied status %d", status)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 2 {
		t.Fatalf("files %v, want one recording and cassette.json", files)
	}
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, secret := range []string{"real-secret-token", "5CG2461KX7", "adele.vance@contoso.example"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s contains %q", filepath.Base(p), secret)
			}
		}
	}
}

func TestRecordNeedsOut(t *testing.T) {
	f, _, _ := testFactory()
	err := execute(context.Background(), NewCmdRecord(f, nil), "--upstream", "http://example.com/beta", "--out", "x")
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "http is allowed only for loopback hosts") {
		t.Errorf("%v", err)
	}
	err = execute(context.Background(), NewCmdRecord(f, nil))
	if cmdutil.ExitCode(err) != 2 || err.Error() != "--out is required: the folder to write recordings into" {
		t.Errorf("%v", err)
	}
}
