package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	authcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/auth"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

type result struct {
	code           int
	stdout, stderr string
}

func testFactory(env map[string]string) *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios)
	f.Env = func(k string) string { return env[k] }
	f.LookPath = func(string) (string, error) { return "", errors.New("not found") }
	f.Sleep = func(context.Context, time.Duration) error { return nil }
	return f
}

// run executes args on a root built from f; extra commands (tests' own) are added first.
func run(f *cmdutil.Factory, args []string, extra ...*cobra.Command) result {
	root := NewRootCmd(f)
	root.AddCommand(extra...)
	code := cmdutil.Execute(context.Background(), f, root, args)
	return result{code, f.IOStreams.Out.(*strings.Builder).String(), f.IOStreams.ErrOut.(*strings.Builder).String()}
}

func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"none"}`)) + "." + e.EncodeToString(b) + ".sig"
}

// graphCall is a test command that reads one Graph path, annotated like a real command.
func graphCall(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{Use: "probe", RunE: func(cmd *cobra.Command, _ []string) error {
		client, err := f.Graph()
		if err != nil {
			return err
		}
		return client.Do(cmd.Context(), "GET", "/deviceManagement/windowsAutopilotDeviceIdentities", nil, &map[string]any{})
	}}
	cmdutil.SetPermissions(c, "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All")
	return c
}

// answerAll stands in for the network: every request gets an empty collection.
type answerAll struct{}

func (answerAll) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"value":[]}`)), Request: r}, nil
}

func withBuffers(f *cmdutil.Factory) *cmdutil.Factory {
	f.IOStreams.Out, f.IOStreams.ErrOut = &strings.Builder{}, &strings.Builder{}
	return f
}

func TestExitCodesAndMessages(t *testing.T) {
	tok := jwt(map[string]any{"tid": "t"})
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string
		stderr string
	}{
		{"version", []string{"version"}, nil, 0, "autopilotctl dev (commit unknown, built unknown)\n", ""},
		{"version as json", []string{"version", "-o", "json"}, nil, 0, "{\n  \"version\": \"dev\",\n  \"commit\": \"unknown\",\n  \"date\": \"unknown\"\n}\n", ""},
		{"unknown command", []string{"nope"}, nil, 2, "", "error: unknown command \"nope\" for \"autopilotctl\"\nRun 'autopilotctl --help' for usage.\n"},
		{"unknown flag", []string{"version", "--frobnicate"}, nil, 2, "", "error: unknown flag: --frobnicate\nRun 'autopilotctl version --help' for usage.\n"},
		{"bad output format", []string{"-o", "xml", "version"}, nil, 2, "", "error: invalid output format \"xml\": use one of table, json, yaml, csv\nRun 'autopilotctl version --help' for usage.\n"},
		{"bad cloud", []string{"--cloud", "mars", "auth", "status"}, map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": tok}, 2, "", "error: invalid --cloud \"mars\": use one of global, usgov, usgovdod, china\nRun 'autopilotctl auth status --help' for usage.\n"},
		{"http to a remote host", []string{"--graph-url", "http://graph.example.com/beta", "auth", "status"}, map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": tok}, 2, "", "error: invalid Graph URL \"http://graph.example.com/beta\": http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https\nRun 'autopilotctl auth status --help' for usage.\n"},
		{"http from env to a remote host", []string{"auth", "status"}, map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": tok, "AUTOPILOTCTL_GRAPH_URL": "http://10.1.2.3/beta"}, 2, "", "error: invalid Graph URL \"http://10.1.2.3/beta\": http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https\nRun 'autopilotctl auth status --help' for usage.\n"},
		{"mock and graph-url", []string{"--mock", "--graph-url", "http://127.0.0.1:1/beta", "auth", "status"}, nil, 2, "", "error: --mock and --graph-url both choose the Graph server: pass one\nRun 'autopilotctl auth status --help' for usage.\n"},
		{"bad auth mode", []string{"--auth", "password", "auth", "status"}, nil, 2, "", "error: invalid --auth \"password\": use one of auto, browser, device-code, client-secret, certificate, workload-identity, managed-identity, azure-cli\nRun 'autopilotctl auth status --help' for usage.\n"},
		{"no credential", []string{"device", "list"}, nil, 4, "", "error: sign-in failed: no credential found: sign in once with `autopilotctl auth login` from a terminal, or set AUTOPILOTCTL_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE), or run `az login`\n"},
		{"auth status, nothing signed in", []string{"auth", "status"}, nil, 4, "", "error: not signed in: access-token, client-secret, certificate, workload-identity: AUTOPILOTCTL_ACCESS_TOKEN, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE are not set; " +
			"managed-identity: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set; cached: no kept sign-in (`autopilotctl auth login` keeps one); azure-cli: az is not on PATH; device-code: this command never asks anyone to sign in\n" +
			"Sign in once with `autopilotctl auth login`, then run auth status again (apps sign in from the environment: `autopilotctl auth --help`).\n"},
		{"secret without tenant", []string{"auth", "status"}, map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s3cr3t"}, 4, "", "error: sign-in failed: client-secret sign-in: missing --tenant or AZURE_TENANT_ID\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(withBuffers(testFactory(tt.env)), tt.args)
			if got.code != tt.code || got.stdout != tt.stdout || got.stderr != tt.stderr {
				t.Errorf("got code %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
			}
		})
	}
}

func TestAuthStatusComparesTokenWithCommands(t *testing.T) {
	tok := jwt(map[string]any{"tid": "tenant-1", "appid": "app-1", "app_displayname": "ci", "idtyp": "app",
		"exp": 1893456000, "roles": []string{"DeviceManagementServiceConfig.ReadWrite.All"}})
	f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": tok}))
	f.HTTPClient = &http.Client{Transport: answerAll{}} // auth status confirms the token with one Graph request
	needsGroups := &cobra.Command{Use: "groups", RunE: func(*cobra.Command, []string) error { return nil }}
	cmdutil.SetPermissions(needsGroups, "Group.ReadWrite.All|Directory.ReadWrite.All", "DeviceManagementServiceConfig.Read.All")
	got := run(f, []string{"auth", "status", "-o", "json"}, graphCall(f), needsGroups)
	var st authcmd.Status
	if err := json.Unmarshal([]byte(got.stdout), &st); err != nil || got.code != 0 {
		t.Fatalf("code %d: %v\n%s%s", got.code, err, got.stdout, got.stderr)
	}
	if st.Credential != "access-token" || st.TenantID != "tenant-1" || st.AppID != "app-1" || st.AppName != "ci" || !st.AppOnly ||
		st.Expires.Format(time.RFC3339) != "2030-01-01T00:00:00Z" || fmt.Sprint(st.Permissions) != "[DeviceManagementServiceConfig.ReadWrite.All]" {
		t.Errorf("status %+v", st)
	}
	byName := map[string]authcmd.CommandStatus{}
	for _, c := range st.Commands {
		byName[c.Command] = c
	}
	if c := byName["autopilotctl groups"]; c.Granted || !c.Checked || fmt.Sprint(c.Missings) != "[Group.ReadWrite.All or Directory.ReadWrite.All]" ||
		fmt.Sprint(c.Needs) != "[Group.ReadWrite.All or Directory.ReadWrite.All DeviceManagementServiceConfig.Read.All]" {
		t.Errorf("groups: %+v", c)
	}
	if c := byName["autopilotctl probe"]; !c.Granted || len(c.Missings) != 0 {
		t.Errorf("probe: %+v (ReadWrite covers Read)", c)
	}
}

func TestForbiddenExplainsPermissionAndExits4(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(403)
		io.WriteString(w, `{"error":{"code":"Forbidden","message":"Application is not authorized to perform this operation.","innerError":{"request-id":"r-9"}}}`)
	}))
	defer srv.Close()
	f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": "opaque-token-value", "AUTOPILOTCTL_GRAPH_URL": srv.URL + "/beta"}))
	f.HTTPClient = srv.Client()
	got := run(f, []string{"probe"}, graphCall(f))
	want := "error: Graph answered 403 Forbidden: Forbidden: Application is not authorized to perform this operation. (request-id r-9)\n" +
		"'autopilotctl probe' needs these Graph permissions:\n" +
		"  - DeviceManagementServiceConfig.Read.All or DeviceManagementServiceConfig.ReadWrite.All\n" +
		"Compare with what your token has: autopilotctl auth status\n"
	if got.code != 4 || got.stderr != want {
		t.Errorf("code %d stderr:\n%s", got.code, got.stderr)
	}
}

func TestDebugLogNeverShowsTheToken(t *testing.T) {
	const token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.c2VjcmV0LXNpZ25hdHVyZQ"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("token not sent to the configured loopback host: %q", r.Header.Get("Authorization"))
		}
		w.Header().Set("request-id", "req-77")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"value":[]}`)
	}))
	defer srv.Close()
	f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": token}))
	f.HTTPClient = srv.Client()
	got := run(f, []string{"--debug", "--graph-url", srv.URL + "/beta", "probe"}, graphCall(f))
	if got.code != 0 || !strings.Contains(got.stderr, "graph: GET "+srv.URL+"/beta/deviceManagement/windowsAutopilotDeviceIdentities -> 200 in ") ||
		!strings.Contains(got.stderr, "request-id=req-77") {
		t.Fatalf("code %d stderr %q", got.code, got.stderr)
	}
	for _, part := range append(strings.Split(token, "."), "Bearer", "Authorization") {
		if strings.Contains(got.stderr, part) {
			t.Errorf("debug output contains %q: %s", part, got.stderr)
		}
	}
}

func TestMockAuthStatus(t *testing.T) {
	state := filepath.Join(t.TempDir(), "mock-tenant.json")
	f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_MOCK_STATE": state}))
	got := run(f, []string{"--mock", "auth", "status", "-o", "json"})
	var st struct {
		Credential, TenantID, GraphURL string
		AppOnly                        bool
	}
	if err := json.Unmarshal([]byte(got.stdout), &st); err != nil || got.code != 0 {
		t.Fatalf("code %d: %v\n%s%s", got.code, err, got.stdout, got.stderr)
	}
	if st.Credential != "access-token" || st.TenantID != cmdutil.DemoTenantID || st.AppOnly || !strings.HasPrefix(st.GraphURL, "http://127.0.0.1:") {
		t.Errorf("status %+v", st)
	}
	if got.stderr != "Using the embedded mock Graph server (demo tenant in "+state+"; `autopilotctl mock reset` starts over); nothing leaves this machine.\n" {
		t.Errorf("stderr %q", got.stderr)
	}
}

func TestHelpExplainsToolAndEveryCommandHasAnExample(t *testing.T) {
	root := NewRootCmd(testFactory(nil))
	if n := strings.Count(root.Long, "\n") + 1; n != 2 {
		t.Errorf("root help is %d lines, want 2", n)
	}
	cmdutil.WalkCommands(root, func(c *cobra.Command) {
		if c.Example == "" {
			t.Errorf("%s has no example", c.CommandPath())
		}
	})
	for _, c := range root.Commands() {
		if c.Example == "" && c.Name() != "help" {
			t.Errorf("%s has no example", c.CommandPath())
		}
	}
}

// The checked-in CLI reference must be what `go generate ./pkg/cli` writes today.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDocs(dir); err != nil {
		t.Fatal(err)
	}
	var stale []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want, _ := os.ReadFile(p)
		have, err := os.ReadFile(filepath.Join("..", "..", "docs", rel))
		if err != nil || string(have) != string(want) {
			stale = append(stale, rel)
		}
		return nil
	})
	if len(stale) > 0 {
		t.Errorf("docs are stale (run `go generate ./pkg/cli`): %s", strings.Join(stale, ", "))
	}
}

func TestWarnsWhenTokensGoToAHostThatIsNotGraph(t *testing.T) {
	tok := jwt(map[string]any{"tid": "t"})
	for _, tt := range []struct {
		url, warning string
	}{
		{"https://graph.example.com/beta", "warning: sending Microsoft Graph tokens to https://graph.example.com/beta, which is not a Microsoft Graph host\n"},
		{"https://graph.microsoft.us/beta", ""},
		{"http://127.0.0.1:9/beta", ""},
	} {
		f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_ACCESS_TOKEN": tok}))
		f.HTTPClient = &http.Client{Transport: answerAll{}}
		got := run(f, []string{"--graph-url", tt.url, "auth", "status"})
		if got.code != 0 || got.stderr != tt.warning {
			t.Errorf("%s: exit %d stderr %q", tt.url, got.code, got.stderr)
		}
	}
}
