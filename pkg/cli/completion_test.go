package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Completion offers the tenant's names through cobra's __complete, read from the mock.
func TestCompletionOnTheMock(t *testing.T) {
	env := mockFactoryEnv(t)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"device", "show", ""}, []string{"5CG2461KX7", "5CG2461KX8", "PF3ABCD1", "0F4410234567", "0F4410234568", "7YX2KL3"}},
		{[]string{"device", "tag", "5CG2461KX7", "5cg"}, []string{"5CG2461KX7", "5CG2461KX8"}}, // every argument, any case
		{[]string{"device", "assign-user", "5CG2461KX7", ""}, nil},                             // the second argument is a UPN
		{[]string{"group", "show", "Autopilot - S"}, []string{"Autopilot - Sales"}},
		{[]string{"group", "preview", "--group", ""}, []string{"Autopilot - All devices", "Autopilot - Sales"}},
		{[]string{"esp", "show", ""}, []string{"default", "All users and all devices", "ESP - Autopilot"}},
		{[]string{"esp", "update", "D"}, []string{"default"}},
		{[]string{"esp", "delete", ""}, []string{"All users and all devices", "ESP - Autopilot"}}, // not "default": it can't be deleted
		{[]string{"esp", "assign", "E"}, []string{"ESP - Autopilot"}},
		{[]string{"esp", "assign", "ESP - Autopilot", ""}, []string{"Autopilot - All devices", "Autopilot - Sales"}}, // then groups
		{[]string{"esp", "assign", "ESP - Autopilot", "Autopilot - Sales", "autopilot - a"}, []string{"Autopilot - All devices"}},
		{[]string{"esp", "unassign", "ESP - Autopilot", "Autopilot - S"}, []string{"Autopilot - Sales"}},
		{[]string{"profile", "assign", "UD - Entra join", ""}, []string{"Autopilot - All devices", "Autopilot - Sales"}},
		{[]string{"profile", "unassign", "UD - Entra join", "Autopilot - A"}, []string{"Autopilot - All devices"}},
		{[]string{"profile", "show", "UD - Entra join", ""}, nil}, // one argument only
		{[]string{"esp", "create", "X", "--assign", "Autopilot - A"}, []string{"Autopilot - All devices"}},
		{[]string{"profile", "update", ""}, []string{"UD - Entra join"}},
		{[]string{"prep", "create", "X", "--device-group", "Autopilot"}, []string{"Autopilot - All devices", "Autopilot - Sales"}},
		{[]string{"prep", "show", ""}, nil}, // no policy in the demo tenant
		// Group tags the tenant's devices carry, each once, in the order first seen.
		{[]string{"device", "list", "--group-tag", ""}, []string{"Sales", "Kiosk"}},
		{[]string{"device", "diagnose", "--group-tag", "s"}, []string{"Sales"}},
		{[]string{"device", "tag", "5CG2461KX7", "--group-tag", "K"}, []string{"Kiosk"}},
		{[]string{"device", "tag", "--select-group-tag", ""}, []string{"Sales", "Kiosk"}},
		{[]string{"device", "import", "devices.csv", "--group-tag", "x"}, nil},
		{[]string{"group", "create", "X", "--group-tag", ""}, []string{"Sales", "Kiosk"}},
		{[]string{"group", "preview", "--group-tag", "kio"}, []string{"Kiosk"}},
		// Static values for enumerated flags.
		{[]string{"profile", "create", "X", "--mode", ""}, []string{"user-driven", "self-deploying", "pre-provisioning"}},
		{[]string{"profile", "create", "X", "--join", ""}, []string{"entra", "hybrid"}},
		{[]string{"prep", "create", "X", "--mode", ""}, []string{"user-driven", "automatic"}},
		{[]string{"prep", "create", "X", "--account-type", ""}, []string{"standard", "administrator"}},
		{[]string{"device", "list", "--profile-status", ""}, []string{"assigned", "notAssigned", "pending", "failed", "unknown"}},
		{[]string{"device", "list", "-o", ""}, []string{"table", "json", "yaml", "csv"}},
		{[]string{"device", "list", "--cloud", ""}, []string{"global", "usgov", "usgovdod", "china"}},
	}
	for _, tt := range tests {
		got := run(withBuffers(testFactory(env)), append([]string{"__complete", "--mock"}, tt.args...))
		if want := strings.Join(append(tt.want, ":4"), "\n") + "\n"; got.code != 0 || got.stdout != want {
			t.Errorf("%s: exit %d\n%s\nwant\n%s\nstderr: %s", strings.Join(tt.args, " "), got.code, got.stdout, want, got.stderr)
		}
		// Nothing but cobra's own note (which completion scripts discard): no banner from the embedded mock.
		if got.stderr != "Completion ended with directive: ShellCompDirectiveNoFileComp\n" {
			t.Errorf("%s: stderr %q", strings.Join(tt.args, " "), got.stderr)
		}
	}
}

// Without --mock or a token in the environment, completion neither signs in nor sends anything; with a token
// and a Graph that does not answer, it gives up after cmdutil.CompletionTimeout.
func TestCompletionNeverSignsInAndGivesUp(t *testing.T) {
	var requests atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	base := map[string]string{"AUTOPILOTCTL_GRAPH_URL": srv.URL + "/beta", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
	f := withBuffers(testFactory(base))
	f.HTTPClient = srv.Client()
	got := run(f, []string{"__complete", "device", "show", ""})
	if got.code != 0 || got.stdout != ":4\n" || requests.Load() != 0 {
		t.Errorf("no token: exit %d, %q, %d requests", got.code, got.stdout, requests.Load())
	}
	base["AUTOPILOTCTL_ACCESS_TOKEN"] = "opaque"
	f = withBuffers(testFactory(base))
	f.HTTPClient = srv.Client()
	start := time.Now()
	got = run(f, []string{"__complete", "device", "show", ""})
	took := time.Since(start)
	if got.code != 0 || got.stdout != ":4\n" || requests.Load() == 0 || took < cmdutil.CompletionTimeout || took > cmdutil.CompletionTimeout+2*time.Second {
		t.Errorf("hanging Graph: exit %d, %q, %d requests, %v", got.code, got.stdout, requests.Load(), took)
	}
}

// A completion never asks anyone to sign in, even when the line being completed names an interactive --auth on
// a terminal: nothing is started, nothing is sent, nothing is offered.
func TestCompletionNeverAsksForSignIn(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	for _, mode := range []string{"device-code", "browser"} {
		f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_GRAPH_URL": srv.URL + "/beta", "AUTOPILOTCTL_ACCESS_TOKEN": "opaque"}))
		f.HTTPClient = srv.Client()
		f.AuthStore = &graph.Store{Dir: t.TempDir()} // nothing kept
		f.IOStreams.SetTTY(true, true, true)
		started := recordSignIns(f)
		got := run(f, []string{"__complete", "--auth", mode, "device", "show", ""})
		if got.code != 0 || got.stdout != ":4\n" || len(*started) != 0 || requests.Load() != 0 ||
			got.stderr != "Completion ended with directive: ShellCompDirectiveNoFileComp\n" {
			t.Errorf("--auth %s: exit %d, %q, stderr %q, started %v, %d requests", mode, got.code, got.stdout, got.stderr, *started, requests.Load())
		}
	}
}

// The tool commands never sign in, so a terminal with nothing signed in starts no sign-in for them either.
func TestToolCommandsNeverAskForSignIn(t *testing.T) {
	env := mockFactoryEnv(t)
	for _, args := range [][]string{{"version"}, {"version", "-o", "json"}, {"mock", "reset"}, {"completion", "powershell"},
		{"help", "device"}, {"auth", "logout"}, {"__complete", "device", "show", ""}, {"__complete", "--auth", "device-code", "device", "list", "--group-tag", ""}} {
		f := withBuffers(testFactory(env))
		f.AuthStore = &graph.Store{Dir: t.TempDir(), ClearCache: func() error { return nil }}
		f.IOStreams.SetTTY(true, true, true)
		started := recordSignIns(f)
		if got := run(f, args); got.code != 0 || len(*started) != 0 {
			t.Errorf("%s: exit %d, started %v, stderr %q", strings.Join(args, " "), got.code, *started, got.stderr)
		}
	}
}

// recordSignIns makes f's interactive sign-ins fakes that fail and record the modes started.
func recordSignIns(f *cmdutil.Factory) *[]graph.AuthMode {
	var started []graph.AuthMode
	f.NewAuthenticator = func(m graph.AuthMode, _ graph.AuthOptions, _ azcore.ClientOptions, _ azidentity.Cache) (graph.Authenticator, error) {
		started = append(started, m)
		return nil, errors.New("a sign-in was started")
	}
	return &started
}

// A tenant too large to read within cmdutil.CompletionTimeout is offered the names of the pages read by then.
func TestCompletionOffersWhatWasReadInTime(t *testing.T) {
	release := make(chan struct{})
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$skiptoken") == "" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"value":[{"id":"1","serialNumber":"SN-A","groupTag":"Sales"},{"id":"2","serialNumber":"SN-B","groupTag":"sales"}],`+
				`"@odata.nextLink":"%s/beta/deviceManagement/windowsAutopilotDeviceIdentities?$skiptoken=2"}`, srv.URL)
			return
		}
		select { // the second page never comes
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	f := withBuffers(testFactory(map[string]string{"AUTOPILOTCTL_GRAPH_URL": srv.URL + "/beta", "AUTOPILOTCTL_ACCESS_TOKEN": "opaque"}))
	f.HTTPClient = srv.Client()
	got := run(f, []string{"__complete", "device", "list", "--group-tag", ""})
	if got.code != 0 || got.stdout != "Sales\n:4\n" {
		t.Errorf("exit %d, %q, stderr %q", got.code, got.stdout, got.stderr)
	}
}
