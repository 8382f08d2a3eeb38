package auth

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// noSignInEnv is a person's terminal with nothing signed in: no token or app settings in the environment, no
// sign-in kept, no Azure CLI. Interactive sign-ins are fakes that record being started.
func noSignInEnv(t *testing.T, azOnPath bool) (*cmdtest.Env, *fakeLogin) {
	e := cmdtest.New(t, graphmock.Options{})
	e.Factory.Env = func(string) string { return "" }
	e.Factory.AuthStore = &graph.Store{Dir: filepath.Join(t.TempDir(), "autopilotctl"),
		OpenCache: func() (azidentity.Cache, error) { return azidentity.Cache{}, nil }}
	e.Factory.LookPath = func(string) (string, error) {
		if azOnPath {
			return "/usr/bin/az", nil
		}
		return "", errors.New("not found")
	}
	fake := &fakeLogin{}
	e.Factory.NewAuthenticator = fake.new
	e.Factory.IOStreams.SetTTY(true, true, true)
	return e, fake
}

// auth status checks a sign-in and never starts one: on a terminal where --auth auto would end with a device
// code, it says what it tried and skipped and how to sign in, exit 4, with nothing sent.
func TestStatusOnATerminalNeverStartsASignIn(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   string
		stdout string // the status object, where a script reads one
	}{
		{"auto", nil, "error: not signed in: access-token, client-secret, certificate, workload-identity: " +
			"AUTOPILOTCTL_ACCESS_TOKEN, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE are not set; " +
			"managed-identity: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set; cached: no kept sign-in (`autopilotctl auth login` keeps one); " +
			"azure-cli: az is not on PATH; device-code: this command never asks anyone to sign in\n" +
			"Sign in once with `autopilotctl auth login`, then run auth status again (apps sign in from the environment: `autopilotctl auth --help`).\n", ""},
		{"device code named", []string{"--auth", "device-code"}, "error: sign-in failed: --auth device-code asks a person to sign in, " +
			"which this command never does, and no kept sign-in (`autopilotctl auth login` keeps one)\n", ""},
		{"browser named", []string{"--auth", "browser", "-o", "json"}, "error: sign-in failed: --auth browser asks a person to sign in, " +
			"which this command never does, and no kept sign-in (`autopilotctl auth login` keeps one)\n", "{\n" +
			"  \"signedIn\": false,\n" +
			"  \"graphUrl\": \"MOCK\",\n" +
			"  \"error\": \"sign-in failed: --auth browser asks a person to sign in, which this command never does, and no kept sign-in (`autopilotctl auth login` keeps one)\"\n" +
			"}\n"},
		{"auto, --jq", []string{"-q", "[.signedIn, (.error | startswith(\"not signed in: access-token, client-secret\"))]"},
			"error: not signed in: access-token", "[\n  false,\n  true\n]\n"}, // stdout is a terminal here
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, fake := noSignInEnv(t, false)
			code := e.Run(NewCmdAuth(e.Factory), append([]string{"status"}, tt.args...)...)
			stdout := strings.ReplaceAll(tt.stdout, "MOCK", e.Mock.BaseURL())
			if code != 4 || e.Stdout.String() != stdout || !strings.HasPrefix(e.Stderr.String(), tt.want) {
				t.Errorf("exit %d\nstdout %q\nwant   %q\nstderr %q\nwant   %q", code, e.Stdout, stdout, e.Stderr, tt.want)
			}
			if len(fake.modes) != 0 {
				t.Errorf("a sign-in was started: %v", fake.modes)
			}
			if n := len(e.Mock.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// A credential that was tried and failed (the Azure CLI signed out) is named with its reason before what was
// skipped; an app's sign-in from the environment keeps its own one-line reason.
func TestNotSignedInNamesWhatWasTried(t *testing.T) {
	e, _ := noSignInEnv(t, true)
	e.Factory.NoPrompt = true
	failed := &graph.AuthError{Err: errors.New("azure-cli: ERROR: Please run 'az login' to setup account.")}
	want := "not signed in: tried azure-cli: ERROR: Please run 'az login' to setup account.; access-token, client-secret, certificate, workload-identity: " +
		"AUTOPILOTCTL_ACCESS_TOKEN, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE are not set; " +
		"managed-identity: neither IDENTITY_ENDPOINT nor MSI_ENDPOINT is set; cached: no kept sign-in (`autopilotctl auth login` keeps one); " +
		"device-code: this command never asks anyone to sign in\n" +
		"Sign in once with `autopilotctl auth login`, then run auth status again (apps sign in from the environment: `autopilotctl auth --help`)."
	err := notSignedIn(e.Factory, failed, true)
	var ae *graph.AuthError
	if err == nil || err.Error() != want || !errors.As(err, &ae) {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	e.Factory.Env = func(k string) string { return map[string]string{"AZURE_CLIENT_SECRET": "s"}[k] }
	app := &graph.AuthError{Err: errors.New("client-secret: Entra ID refused the sign-in: AADSTS7000215: Invalid client secret provided.")}
	if err := notSignedIn(e.Factory, app, true); err != app {
		t.Errorf("an app's failure reworded: %v", err)
	}
}
