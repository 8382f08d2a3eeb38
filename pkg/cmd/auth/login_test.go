package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

type fakeLogin struct {
	modes []graph.AuthMode
}

func (f *fakeLogin) new(m graph.AuthMode, o graph.AuthOptions, _ azcore.ClientOptions, _ azidentity.Cache) (graph.Authenticator, error) {
	f.modes = append(f.modes, m)
	return fakeAuthenticator{o}, nil
}

type fakeAuthenticator struct{ o graph.AuthOptions }

func (fakeAuthenticator) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "secret-access-token"}, nil
}

func (a fakeAuthenticator) Authenticate(context.Context, *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	a.o.Prompt.Write([]byte("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.\n"))
	return azidentity.AuthenticationRecord{Authority: "https://login.microsoftonline.com", ClientID: graph.DefaultPublicClientID,
		HomeAccountID: "uid.tid", TenantID: "11111111-2222-3333-4444-555555555555", Username: "admin@contoso.com", Version: "1.0"}, nil
}

func loginEnv(t *testing.T, tty bool) (*cmdtest.Env, *graph.Store, *int) {
	e := cmdtest.New(t, graphmock.Options{})
	cleared := 0
	store := &graph.Store{Dir: filepath.Join(t.TempDir(), "autopilotctl"),
		OpenCache:  func() (azidentity.Cache, error) { return azidentity.Cache{}, nil },
		ClearCache: func() error { cleared++; return nil }}
	e.Factory.AuthStore = store
	e.Factory.IOStreams.SetTTY(tty, false, false)
	return e, store, &cleared
}

func TestLoginKeepsTheAccountAndSaysWhereItWaits(t *testing.T) {
	e, store, _ := loginEnv(t, true)
	fake := &fakeLogin{}
	e.Factory.NewAuthenticator = fake.new
	code := e.Run(NewCmdLogin(e.Factory), "--auth", "device-code", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	want := `{
  "account": "admin@contoso.com",
  "tenantId": "11111111-2222-3333-4444-555555555555",
  "clientId": "14d82eec-204b-4c2f-b7e8-296a70dab67e",
  "authority": "https://login.microsoftonline.com",
  "recordFile": "` + store.RecordPath() + `"
}
`
	if e.Stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", e.Stdout, want)
	}
	wantErr := "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.\n" +
		"Signed in as admin@contoso.com. Commands with --auth auto use this sign-in until it expires; `autopilotctl auth logout` forgets it.\n"
	if e.Stderr.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", e.Stderr, wantErr)
	}
	if len(fake.modes) != 1 || fake.modes[0] != graph.AuthDeviceCode {
		t.Errorf("modes = %v", fake.modes)
	}
	data, err := os.ReadFile(store.RecordPath())
	if err != nil || strings.Contains(string(data), "secret-access-token") || !strings.Contains(string(data), `"username": "admin@contoso.com"`) {
		t.Errorf("record: %s, %v", data, err)
	}
	if len(e.Mock.Requests()) != 0 {
		t.Error("login called Graph")
	}
}

func TestLoginRefusesWhatItCannotKeep(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		args []string
		code int
		err  string
	}{
		{"an app's mode", true, []string{"--auth", "client-secret"}, 2,
			"error: auth login signs a person in: use --auth browser or --auth device-code, not client-secret (apps sign in from the environment on every run; there is nothing to keep)\n"},
		{"no terminal", false, []string{"--auth", "browser"}, 2,
			"error: auth login signs a person in: it needs a terminal, and standard input is not one\n"},
		{"no terminal, default mode", false, nil, 2,
			"error: auth login signs a person in: it needs a terminal, and standard input is not one\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, store, _ := loginEnv(t, tt.tty)
			fake := &fakeLogin{}
			e.Factory.NewAuthenticator = fake.new
			code := e.Run(NewCmdLogin(e.Factory), tt.args...)
			if code != tt.code || !strings.HasPrefix(e.Stderr.String(), tt.err) || e.Stdout.Len() != 0 {
				t.Errorf("exit %d\nstderr %q\nwant   %q", code, e.Stderr, tt.err)
			}
			if len(fake.modes) != 0 {
				t.Error("a sign-in was started")
			}
			if _, err := os.Stat(store.RecordPath()); !os.IsNotExist(err) {
				t.Error("record written")
			}
		})
	}
}

func TestLogoutRemovesTheRecordAndClearsTheCache(t *testing.T) {
	e, store, cleared := loginEnv(t, true)
	e.Factory.NewAuthenticator = (&fakeLogin{}).new
	if code := e.Run(NewCmdLogin(e.Factory), "--auth", "browser"); code != 0 {
		t.Fatalf("login exit %d: %s", code, e.Stderr)
	}
	e.Stdout.Reset()
	e.Stderr.Reset()
	e.Factory.IOStreams.SetTTY(false, false, false) // logout needs no terminal
	if code := e.Run(NewCmdLogout(e.Factory), "-o", "json"); code != 0 {
		t.Fatalf("logout exit %d: %s", code, e.Stderr)
	}
	want := `{
  "account": "admin@contoso.com",
  "tenantId": "11111111-2222-3333-4444-555555555555",
  "recordFile": "` + store.RecordPath() + `",
  "removed": true
}
`
	if e.Stdout.String() != want || e.Stderr.String() != "Signed out: the sign-in record and the cached tokens are removed.\n" || *cleared != 1 {
		t.Errorf("stdout:\n%s\nstderr: %q, cleared %d", e.Stdout, e.Stderr, *cleared)
	}
	if _, err := os.Stat(store.RecordPath()); !os.IsNotExist(err) {
		t.Error("record still there")
	}
	e.Stdout.Reset()
	e.Stderr.Reset()
	// Nothing signed in: one line, no table of empty values; JSON keeps its shape.
	e.Factory.IOStreams.SetTTY(false, true, true)
	if code := e.Run(NewCmdLogout(e.Factory)); code != 0 || e.Stdout.String() != "" ||
		e.Stderr.String() != "Nothing was signed in; the token cache is cleared.\n" || *cleared != 2 {
		t.Errorf("second logout: exit %d, stdout %q, stderr %q", code, e.Stdout, e.Stderr)
	}
	e.Stdout.Reset()
	e.Stderr.Reset()
	want = "{\n  \"recordFile\": \"" + store.RecordPath() + "\",\n  \"removed\": false\n}\n"
	if code := e.Run(NewCmdLogout(e.Factory), "-o", "json"); code != 0 || e.Stdout.String() != want {
		t.Errorf("logout -o json: exit %d, stdout %q, want %q", code, e.Stdout, want)
	}
}

// auth status names the kept account when that is what signed in.
func TestStatusTableNamesTheKeptAccount(t *testing.T) {
	rows := statusTable(Status{Credential: "cached", Account: "admin@contoso.com", TokenFormat: "jwt"}).Rows
	if rows[0][0] != "credential" || rows[0][1] != "cached" || rows[1][0] != "account" || rows[1][1] != "admin@contoso.com (kept by auth login)" {
		t.Errorf("rows = %v", rows[:2])
	}
	rows = statusTable(Status{Credential: "client-secret", TokenFormat: "jwt"}).Rows
	if rows[1][0] != "graph" {
		t.Errorf("an app's status has an account row: %v", rows[:2])
	}
}
