package cli

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// startEmbeddedMock serves a demo tenant on a loopback port for the life of this command and points the
// command at it. The mock demands a per-run token, so the real sign-in path (bearer auth, host check) is used.
func startEmbeddedMock(cmd *cobra.Command, f *cmdutil.Factory) error {
	if f.Globals.GraphURL != "" {
		return cmdutil.UsageErrorf("--mock and --graph-url both choose the Graph server: pass one")
	}
	token, err := mockToken(cmd.Root(), f.Now())
	if err != nil {
		return err
	}
	mock := graphmock.New(graphmock.Options{Token: token, Seed: graphmock.DemoSeed(), ProcessDelay: mockProcessDelay})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("starting the embedded mock: %w", err)
	}
	srv := &http.Server{Handler: mock}
	go srv.Serve(ln)
	mock.SetURL("http://" + ln.Addr().String())
	f.Globals.GraphURL = mock.BaseURL()
	f.MockToken = token
	f.AtExit(func() { srv.Close() })
	fmt.Fprintf(f.IOStreams.ErrOut, "Using the embedded mock Graph server (demo tenant); nothing leaves this machine.\n")
	return nil
}

// mockProcessDelay is how long the embedded demo tenant keeps import records pending: long enough to show
// progress, short enough for a first try.
const mockProcessDelay = 3 * time.Second

// mockToken is an unsigned JWT-shaped token for the demo tenant, holding every permission the commands need,
// so that `--mock auth status` shows what a well-configured app looks like. Only the mock accepts it.
func mockToken(root *cobra.Command, now time.Time) (string, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	roles := map[string]bool{}
	cmdutil.WalkCommands(root, func(c *cobra.Command) {
		for _, req := range cmdutil.Permissions(c) {
			roles[req[len(req)-1]] = true
		}
	})
	claims := map[string]any{
		"tid": demoTenantID, "appid": "00000000-0000-0000-0000-00000000a11c", "app_displayname": "autopilotctl demo",
		"idtyp": "app", "exp": now.Add(time.Hour).Unix(), "roles": slices.Sorted(maps.Keys(roles)), "nonce": hex.EncodeToString(nonce),
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".mock", nil
}

// demoTenantID identifies the embedded demo tenant in its token.
const demoTenantID = "00000000-0000-0000-0000-0000000de110"
