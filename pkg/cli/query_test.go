package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// mockFactoryEnv is the environment of a --mock run in a test: its own demo tenant, imports settled at once.
func mockFactoryEnv(t *testing.T) map[string]string {
	return map[string]string{
		"AUTOPILOTCTL_MOCK_STATE":         filepath.Join(t.TempDir(), "mock-tenant.json"),
		"AUTOPILOTCTL_MOCK_PROCESS_DELAY": "0s",
	}
}

// --jq and --template work the same on every command that prints JSON, through the one print path.
func TestJQAndTemplateOnCommands(t *testing.T) {
	env := mockFactoryEnv(t)
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("Device Serial Number,Windows Product ID,Hardware Hash\nSN-X,,not base64!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"device list, raw strings", []string{"device", "list", "--group-tag", "Sales", "-q", ".[].serialNumber"}, 0,
			"5CG2461KX7\n5CG2461KX8\nPF3ABCD1\n"},
		{"device list, a value as JSON", []string{"device", "list", "--jq", "map(select(.userPrincipalName != \"\")) | map({serialNumber, userPrincipalName})"}, 0,
			`[{"serialNumber":"5CG2461KX7","userPrincipalName":"adele.vance@contoso.example"}]` + "\n"},
		{"device list with an explicit -o json", []string{"device", "list", "-o", "json", "-q", "length"}, 0, "6\n"},
		{"device import report", []string{"device", "import", "../../examples/devices.csv", "-q", ".summary"}, 0,
			`{"imported":10,"total":10}` + "\n"},
		{"device import report of invalid rows, still exit 2", []string{"device", "import", bad, "-q", `.devices[] | "\(.line) \(.status)"`}, 2,
			"2 invalid\n"},
		{"group list, template", []string{"group", "list", "--template", `{{range .}}{{.displayName}};{{end}}`}, 0,
			"Autopilot - All devices;Autopilot - Sales;"},
		{"auth status", []string{"auth", "status", "-q", `[.credential, .tenantId] | join(" ")`}, 0,
			"access-token 00000000-0000-0000-0000-0000000de110\n"},
		{"auth status, template", []string{"auth", "status", "--template", `{{.credential}}{{"\n"}}`}, 0, "access-token\n"},
		{"version", []string{"version", "-q", ".version"}, 0, "dev\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(withBuffers(testFactory(env)), append([]string{"--mock"}, tt.args...))
			if got.code != tt.code || got.stdout != tt.stdout {
				t.Errorf("exit %d, stdout %q, want exit %d, %q\nstderr: %s", got.code, got.stdout, tt.code, tt.stdout, got.stderr)
			}
		})
	}
}

// A bad expression, or --jq/--template beside another format, is a usage error before anything is sent.
func TestQueryUsageErrorsSendNothing(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":[]}`))
	}))
	defer srv.Close()
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"device", "list", "-q", ".[] | .serialNumber["},
			"error: invalid --jq expression \".[] | .serialNumber[\": unexpected EOF at character 20\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"device", "tag", "SN-1", "--group-tag", "X", "--jq", "nosuch(1)"},
			"error: invalid --jq expression \"nosuch(1)\": function not defined: nosuch/1\nRun 'autopilotctl device tag --help' for usage.\n"},
		{[]string{"group", "list", "--template", "{{.x"},
			"error: invalid --template: template: --template:1: unclosed action\nRun 'autopilotctl group list --help' for usage.\n"},
		{[]string{"device", "list", "-o", "csv", "-q", "."},
			"error: --jq reads the JSON output: drop -o csv\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"device", "list", "-o", "table", "--template", "{{.}}"},
			"error: --template reads the JSON output: drop -o table\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"device", "list", "-o", "yaml", "-q", "."},
			"error: --jq reads the JSON output: drop -o yaml\nRun 'autopilotctl device list --help' for usage.\n"},
		{[]string{"device", "list", "-q", ".", "--template", "{{.}}"},
			"error: --jq and --template both shape the output: pass one\nRun 'autopilotctl device list --help' for usage.\n"},
	}
	for _, tt := range tests {
		f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": "opaque", "AUTOPILOTCTL_GRAPH_URL": srv.URL + "/beta"}))
		f.HTTPClient = srv.Client()
		got := run(f, tt.args)
		if got.code != 2 || got.stdout != "" || got.stderr != tt.stderr {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %q\nwant   %q", strings.Join(tt.args, " "), got.code, got.stdout, got.stderr, tt.stderr)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// On a terminal, tables fit its width and status words are coloured unless colour is off (NO_COLOR); the
// JSON keeps every value whole.
func TestTablesOnATerminal(t *testing.T) {
	env := mockFactoryEnv(t)
	term := func(width int, colour bool) *cmdutil.Factory {
		f := withBuffers(testFactory(env))
		f.IOStreams.SetTTY(false, true, false)
		f.IOStreams.SetTerminalWidth(width)
		f.IOStreams.SetColorEnabled(colour)
		return f
	}
	got := run(term(80, false), []string{"--mock", "device", "list", "--group-tag", "Sales"})
	want := "" + // 80 columns, the long user and status values cut, the serial numbers whole
		" SERIAL      GROUP TAG  USER           PROFILE STA…  ENROLLMENT …  LAST CONTACT \n" +
		" 5CG2461KX7  Sales      adele.vance@…  assignedUnk…  notContacted  never        \n" +
		" 5CG2461KX8  Sales                     assignedUnk…  enrolled      never        \n" +
		" PF3ABCD1    Sales                     assignedUnk…  notContacted  never        \n"
	if got.code != 0 || got.stdout != want {
		t.Errorf("80 columns: exit %d\n%s\nwant\n%s", got.code, got.stdout, want)
	}
	// 60 columns (81 and 68 before): every table fits, the widest columns cut first, the names that tell rows
	// apart last, and values that start alike cut in the middle so they still differ.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"device", "list", "--group-tag", "Sales"}, "" +
			" SERIAL      GROUP T…  USER      PROFILE…  ENROLL…  LAST C… \n" +
			" 5CG2461KX7  Sales     adele.v…  assigne…  notCon…  never   \n" +
			" 5CG2461KX8  Sales               assigne…  enroll…  never   \n" +
			" PF3ABCD1    Sales               assigne…  notCon…  never   \n"},
		{[]string{"group", "list"}, "" +
			" NAME                     TYPE     RULE         ID          \n" +
			" Autopilot - All devices  dynamic  (devi…d]\"))  00000…00019 \n" +
			" Autopilot - Sales        dynamic  (devi…es\"))  00000…00020 \n"},
	} {
		got := run(term(60, false), append([]string{"--mock"}, tt.args...))
		if got.code != 0 || got.stdout != tt.want {
			t.Errorf("%s at 60 columns: exit %d\n%s\nwant\n%s", strings.Join(tt.args, " "), got.code, got.stdout, tt.want)
		}
		for _, line := range strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > 60 {
				t.Errorf("%s: a line of %d columns in 60: %q", strings.Join(tt.args, " "), n, line)
			}
		}
	}
	if got := run(term(80, false), []string{"--mock", "device", "list", "--group-tag", "Sales", "-o", "json"}); !strings.Contains(got.stdout, `"userPrincipalName": "adele.vance@contoso.example"`) {
		t.Errorf("JSON cut a value: %s", got.stdout)
	}
	got = run(term(200, true), []string{"--mock", "device", "tag", "5CG2461KX8", "--group-tag", "Marketing"})
	want = " SERIAL      FROM   TO         STATUS   DETAIL \n 5CG2461KX8  Sales  Marketing  \x1b[32mupdated\x1b[0m         \n"
	if got.code != 0 || got.stdout != want {
		t.Errorf("colour: exit %d\n%q\nwant\n%q", got.code, got.stdout, want)
	}
	got = run(term(200, false), []string{"--mock", "device", "tag", "5CG2461KX8", "--group-tag", "Sales"})
	want = " SERIAL      FROM       TO     STATUS   DETAIL \n 5CG2461KX8  Marketing  Sales  updated         \n"
	if got.code != 0 || got.stdout != want {
		t.Errorf("no colour: exit %d\n%q\nwant\n%q", got.code, got.stdout, want)
	}
}
