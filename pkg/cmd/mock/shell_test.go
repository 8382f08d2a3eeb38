package mock

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// --shell powershell prints PowerShell's $env: lines for the same three variables, and they work: the URL
// answers with the token.
func TestServePrintsPowerShellLines(t *testing.T) {
	f, out, _ := testFactory()
	ctx, cancel := context.WithCancel(context.Background())
	var base, token string
	var status int
	cmd := NewCmdServe(f, func(opts *ServeOptions) error {
		opts.Addr, opts.Seed = "127.0.0.1:0", "empty"
		opts.Ready = func(b, tok string) {
			base, token = b, tok
			status, _ = get(t, base+"/deviceManagement/windowsAutopilotDeviceIdentities", token)
			cancel()
		}
		return serveRun(ctx, opts)
	})
	if err := execute(ctx, cmd, "--shell", "powershell"); err != nil {
		t.Fatal(err)
	}
	want := `$env:AUTOPILOTCTL_GRAPH_URL = "` + base + `"` + "\n" +
		`$env:AUTOPILOTCTL_ACCESS_TOKEN = "` + token + `"` + "\n" +
		`$env:AUTOPILOTCTL_MOCK_PID = "` + strconv.Itoa(os.Getpid()) + `"` + "\n"
	if out.String() != want || status != 200 || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("stdout:\n%s\nwant:\n%s(status %d)", out, want, status)
	}
}

// --shell bash is the POSIX form the README's eval line reads; an unknown shell is refused before listening.
func TestServeShellFlag(t *testing.T) {
	f, out, _ := testFactory()
	var got string
	cmd := NewCmdServe(f, func(opts *ServeOptions) error { got = opts.Shell; return nil })
	if err := execute(context.Background(), cmd, "--shell", "bash"); err != nil || got != "bash" {
		t.Errorf("--shell bash: %q, %v", got, err)
	}
	err := execute(context.Background(), NewCmdServe(f, func(*ServeOptions) error { t.Error("ran"); return nil }), "--shell", "fish")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != `invalid --shell "fish": use bash or powershell` || out.Len() != 0 {
		t.Errorf("--shell fish: %v", err)
	}
	comps, _ := NewCmdServe(f, nil).GetFlagCompletionFunc("shell")
	if names, _ := comps(&cobra.Command{}, nil, ""); strings.Join(names, " ") != "bash powershell" {
		t.Errorf("completion %v", names)
	}
}

// PowerShell's escape character guards what it would expand or end a string on.
func TestEnvLinesEscapeForPowerShell(t *testing.T) {
	got := envLines("powershell", [][2]string{{"A", "x\"$y`z"}})
	if got != "$env:A = \"x`\"`$y``z\"\n" {
		t.Errorf("got %q", got)
	}
	if got := envLines("bash", [][2]string{{"A", "http://127.0.0.1:1/beta"}}); got != "export A=http://127.0.0.1:1/beta\n" {
		t.Errorf("bash %q", got)
	}
}
