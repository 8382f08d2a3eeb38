package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"none"}`)) + "." + e.EncodeToString(b) + ".sig"
}

func appToken(roles ...string) string {
	return jwt(map[string]any{"tid": "tenant-1", "appid": "app-1", "app_displayname": "ci", "idtyp": "app",
		"exp": 1893456000, "roles": roles})
}

// fakeDevice stands in for the device commands: their names and permission annotations are what auth status reads.
func fakeDevice() *cobra.Command {
	group := &cobra.Command{Use: "device"}
	for name, perm := range map[string]string{
		"import": "DeviceManagementServiceConfig.ReadWrite.All",
		"list":   "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All",
	} {
		c := &cobra.Command{Use: name, RunE: func(*cobra.Command, []string) error { return nil }}
		cmdutil.SetPermissions(c, perm)
		group.AddCommand(c)
	}
	return group
}

type run struct {
	code           int
	stdout, stderr string
	mock           *graphmock.Server
}

// runStatus runs args against a mock that accepts mockToken, signed in with the environment token envToken.
func runStatus(t *testing.T, mockToken, envToken string, env map[string]string, args ...string) run {
	t.Helper()
	e := cmdtest.New(t, graphmock.Options{})
	mock := e.Mock
	if mockToken != cmdtest.Token {
		mock = graphmock.Start(t, graphmock.Options{Token: mockToken})
		e.Factory.Globals.GraphURL, e.Factory.HTTPClient = mock.BaseURL(), mock.Client()
	}
	if env["AUTOPILOTCTL_GRAPH_URL"] != "" {
		e.Factory.Globals.GraphURL = "" // the environment counts only when the flag is empty
	}
	e.Factory.Env = func(k string) string {
		if k == graph.AccessTokenEnv {
			return envToken
		}
		return env[k]
	}
	root := cmdutil.NewRoot(e.Factory, "autopilotctl")
	root.AddCommand(NewCmdAuth(e.Factory), fakeDevice())
	cmdutil.StrictArgs(root)
	code := cmdutil.Execute(context.Background(), e.Factory, root, args)
	return run{code, e.Stdout.String(), e.Stderr.String(), mock}
}

func (r run) requests() string {
	var out []string
	for _, q := range r.mock.Requests() {
		out = append(out, fmt.Sprintf("%s %s?%s %d", q.Method, q.Path, q.Query, q.Status))
	}
	return strings.Join(out, "\n")
}

const probeLogged = "GET /deviceManagement/windowsAutopilotDeviceIdentities?$top=1"

func TestStatusGoodTokenJSON(t *testing.T) {
	tok := appToken("DeviceManagementServiceConfig.ReadWrite.All")
	r := runStatus(t, tok, tok, nil, "auth", "status", "-o", "json", "--need", "device import", "--need", "autopilotctl device list")
	want := `{
  "signedIn": true,
  "credential": "access-token",
  "graphUrl": "` + r.mock.BaseURL() + `",
  "tenantId": "tenant-1",
  "appId": "app-1",
  "appName": "ci",
  "appOnly": true,
  "tokenFormat": "jwt",
  "expires": "2030-01-01T00:00:00Z",
  "graphCheck": {
    "request": "GET /deviceManagement/windowsAutopilotDeviceIdentities?$top=1",
    "status": 200,
    "accepted": true
  },
  "permissions": [
    "DeviceManagementServiceConfig.ReadWrite.All"
  ],
  "commands": [
    {
      "command": "autopilotctl device import",
      "needs": [
        "DeviceManagementServiceConfig.ReadWrite.All"
      ],
      "granted": true,
      "checked": true,
      "needed": true
    },
    {
      "command": "autopilotctl device list",
      "needs": [
        "DeviceManagementServiceConfig.Read.All or DeviceManagementServiceConfig.ReadWrite.All"
      ],
      "granted": true,
      "checked": true,
      "needed": true
    }
  ]
}
`
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("code %d\nstdout %s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if got := r.requests(); got != probeLogged+" 200" {
		t.Errorf("Graph got:\n%s", got)
	}
}

func TestStatusGarbageTokenExits4(t *testing.T) {
	r := runStatus(t, cmdtest.Token, "garbage", nil, "auth", "status")
	wantErr := "note: the token is not a JWT, so its permissions and expiry cannot be read here; Graph still checks them\n" +
		"error: Graph refused the token: Graph answered 401 Unauthorized: InvalidAuthenticationToken: Access token is empty or invalid. (request-id 7e000000-0000-4000-8000-000000000001)\n"
	if r.code != 4 || r.stderr != wantErr {
		t.Errorf("code %d\nstderr %q", r.code, r.stderr)
	}
	wantOut := "credential\taccess-token\n" +
		"graph\t" + r.mock.BaseURL() + "\n" +
		"graph check\ttoken not confirmed: Graph answered 401 Unauthorized: InvalidAuthenticationToken: Access token is empty or invalid. (request-id 7e000000-0000-4000-8000-000000000001)\n" +
		"tenant\t\napp\t\nuser\t\n" +
		"expires\tunknown (the token is not a JWT)\n" +
		"autopilotctl device import\tunknown\n" +
		"autopilotctl device list\tunknown\n"
	if r.stdout != wantOut {
		t.Errorf("stdout\n%s\nwant\n%s", r.stdout, wantOut)
	}
	if got := r.requests(); got != probeLogged+" 401" {
		t.Errorf("Graph got:\n%s", got)
	}
}

func TestStatusGarbageTokenJSON(t *testing.T) {
	r := runStatus(t, cmdtest.Token, "garbage", nil, "auth", "status", "-o", "json")
	var st Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 4 {
		t.Fatalf("code %d: %v\n%s", r.code, err, r.stdout)
	}
	if st.TokenFormat != "opaque" || st.Expires != nil || st.GraphCheck.Accepted || st.GraphCheck.Status != 401 ||
		strings.Contains(r.stdout, `"expires"`) {
		t.Errorf("status %+v", st)
	}
}

func TestStatusMissingPermissionForNamedCommand(t *testing.T) {
	tok := appToken("DeviceManagementServiceConfig.Read.All")
	tests := []struct {
		name   string
		need   []string
		code   int
		stderr string
	}{
		{"import needs ReadWrite", []string{"device import"}, 4,
			"error: the token does not allow device import (DeviceManagementServiceConfig.ReadWrite.All)\n"},
		{"list is allowed", []string{"device list"}, 0, ""},
		{"nothing named: report only", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"auth", "status"}
			for _, n := range tt.need {
				args = append(args, "--need", n)
			}
			r := runStatus(t, tok, tok, nil, args...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Errorf("code %d stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "autopilotctl device import\tmissing DeviceManagementServiceConfig.ReadWrite.All\n") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
}

// An opaque token Graph accepts: the expiry is unknown (never invented), and a --need cannot be confirmed.
func TestStatusOpaqueToken(t *testing.T) {
	r := runStatus(t, cmdtest.Token, cmdtest.Token, nil, "auth", "status")
	want := "credential\taccess-token\n" +
		"graph\t" + r.mock.BaseURL() + "\n" +
		"graph check\ttoken accepted (GET /deviceManagement/windowsAutopilotDeviceIdentities?$top=1 → 200)\n" +
		"tenant\t\n" +
		"app\t\n" +
		"user\t\n" +
		"expires\tunknown (the token is not a JWT)\n" +
		"autopilotctl device import\tunknown\n" +
		"autopilotctl device list\tunknown\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("code %d\nstdout\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	r = runStatus(t, cmdtest.Token, cmdtest.Token, nil, "auth", "status", "--need", "device list")
	if r.code != 4 || !strings.HasSuffix(r.stderr, "error: the token does not allow device list (its permissions cannot be read from a token that is not a JWT)\n") {
		t.Errorf("code %d stderr %q", r.code, r.stderr)
	}
}

func TestStatusUnknownNeedIsUsage(t *testing.T) {
	r := runStatus(t, cmdtest.Token, cmdtest.Token, nil, "auth", "status", "--need", "device improt")
	if r.code != 2 || r.stdout != "" || r.stderr != "error: invalid --need \"device improt\": not an autopilotctl command (e.g. \"device import\")\n"+
		"Run 'autopilotctl auth status --help' for usage.\n" || len(r.mock.Requests()) != 0 {
		t.Errorf("code %d stdout %q stderr %q requests %d", r.code, r.stdout, r.stderr, len(r.mock.Requests()))
	}
}

// A password in the Graph URL is refused before anything is sent and never printed, from the flag or the
// environment, with or without --debug.
func TestStatusRefusesGraphURLUserinfo(t *testing.T) {
	const secret = "hunter2"
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"--graph-url", "https://admin:" + secret + "@graph.example.com/beta", "auth", "status"}},
		{"flag with debug, json", nil, []string{"--debug", "-o", "json", "--graph-url", "http://admin:" + secret + "@127.0.0.1:1/beta", "auth", "status"}},
		{"environment", map[string]string{"AUTOPILOTCTL_GRAPH_URL": "https://admin:" + secret + "@graph.example.com/beta"}, []string{"auth", "status"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runStatus(t, cmdtest.Token, cmdtest.Token, tt.env, tt.args...)
			want := "error: --graph-url must not contain a user name or password\nRun 'autopilotctl auth status --help' for usage.\n"
			if r.code != 2 || r.stdout != "" || r.stderr != want || len(r.mock.Requests()) != 0 {
				t.Errorf("code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Error("password printed")
			}
		})
	}
}
