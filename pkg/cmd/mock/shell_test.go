package mock

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
	readmeShowsTheseLines(t, out.String())
}

// readmeShowsTheseLines checks that the README's PowerShell block shows the $env: lines printed, one for one
// and in order, where "…" stands for what differs by run (port, token, pid).
func readmeShowsTheseLines(t *testing.T, printed string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(b), "\n```powershell\n")
	block, _, _ = strings.Cut(block, "\n```")
	var shown []string
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(line, "$env:") {
			line, _, _ = strings.Cut(line, "   #") // a comment after the line
			shown = append(shown, line)
		}
	}
	lines := strings.Split(strings.TrimSuffix(printed, "\n"), "\n")
	if len(shown) != len(lines) {
		t.Fatalf("the README shows %d $env: lines:\n%s\nmock serve prints %d:\n%s", len(shown), strings.Join(shown, "\n"), len(lines), printed)
	}
	for i, s := range shown {
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(s), "…", ".+") + "$")
		if !re.MatchString(lines[i]) {
			t.Errorf("the README shows %q where mock serve prints %q", s, lines[i])
		}
	}
}

// --shell bash is the POSIX form the README's eval line reads (zsh and sh too); an unknown shell is refused
// before listening.
func TestServeShellFlag(t *testing.T) {
	f, out, _ := testFactory()
	// pwsh is PowerShell 7's own name, and PowerShell is how Windows admins write it.
	for shell, want := range map[string]string{"bash": "bash", "zsh": "zsh", "sh": "sh", "fish": "fish", "powershell": "powershell",
		"pwsh": "powershell", "PowerShell": "powershell", "Pwsh": "powershell", "BASH": "bash"} {
		var got string
		cmd := NewCmdServe(f, func(opts *ServeOptions) error { got = opts.Shell; return nil })
		if err := execute(context.Background(), cmd, "--shell", shell); err != nil || got != want {
			t.Errorf("--shell %s: %q, %v; want %q", shell, got, err, want)
		}
	}
	err := execute(context.Background(), NewCmdServe(f, func(*ServeOptions) error { t.Error("ran"); return nil }), "--shell", "tcsh")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != `invalid --shell "tcsh": use bash, zsh, sh, fish, powershell, pwsh` || out.Len() != 0 {
		t.Errorf("--shell tcsh: %v", err)
	}
	comps, _ := NewCmdServe(f, nil).GetFlagCompletionFunc("shell")
	if names, _ := comps(&cobra.Command{}, nil, ""); strings.Join(names, " ") != "bash zsh sh fish powershell pwsh" {
		t.Errorf("completion %v", names)
	}
	vars := [][2]string{{"AUTOPILOTCTL_GRAPH_URL", "http://127.0.0.1:1/beta"}, {"AUTOPILOTCTL_MOCK_PID", "42"}}
	for shell, want := range map[string]string{
		"zsh":  "export AUTOPILOTCTL_GRAPH_URL=http://127.0.0.1:1/beta\nexport AUTOPILOTCTL_MOCK_PID=42\n",
		"sh":   "export AUTOPILOTCTL_GRAPH_URL=http://127.0.0.1:1/beta\nexport AUTOPILOTCTL_MOCK_PID=42\n",
		"fish": "set -gx AUTOPILOTCTL_GRAPH_URL http://127.0.0.1:1/beta\nset -gx AUTOPILOTCTL_MOCK_PID 42\n",
	} {
		if got := envLines(shell, vars); got != want {
			t.Errorf("%s: %q, want %q", shell, got, want)
		}
	}
}

// mock serve prints shell lines: -o, --jq and --template would be ignored, so they are usage errors.
func TestServeRefusesOutputFlags(t *testing.T) {
	for _, args := range [][]string{{"-o", "json"}, {"-o", "yaml"}, {"-q", "."}, {"--template", "{{.}}"}} {
		f, out, errOut := testFactory()
		root := cmdutil.NewRoot(f, "autopilotctl")
		mock := NewCmdMock(f)
		for _, c := range mock.Commands() {
			if c.Name() == "serve" {
				mock.RemoveCommand(c)
			}
		}
		mock.AddCommand(NewCmdServe(f, func(*ServeOptions) error { t.Error("ran"); return nil }))
		root.AddCommand(mock)
		flag := map[string]string{"-o": "output", "-q": "jq", "--template": "template"}[args[0]]
		code := cmdutil.Execute(context.Background(), f, root, append([]string{"mock", "serve"}, args...))
		want := "error: autopilotctl mock serve prints shell lines, not JSON or a table: drop --" + flag + "\nRun 'autopilotctl mock serve --help' for usage.\n"
		if code != cmdutil.ExitUsage || out.Len() != 0 || errOut.String() != want {
			t.Errorf("%v: exit %d\nstderr %q\nwant   %q", args, code, errOut, want)
		}
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
