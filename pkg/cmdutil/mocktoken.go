package cmdutil

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// DemoTenantID identifies the mock's demo tenant in its tokens.
const DemoTenantID = "00000000-0000-0000-0000-0000000de110"

// MockToken is an unsigned JWT-shaped token for the demo tenant, holding every permission the commands need,
// so that `--mock auth status` shows what a well-configured sign-in looks like. It is a delegated token (an
// admin signed in to the app), as an interactive sign-in gives: binding a device-preparation group refuses
// app-only tokens (docs/graph.md#device-preparation-and-enrollment-time-grouping). Only the mock accepts it.
func MockToken(root *cobra.Command, now time.Time) (string, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	roles := map[string]bool{}
	WalkCommands(root, func(c *cobra.Command) {
		for _, req := range Permissions(c) {
			roles[req[len(req)-1]] = true
		}
	})
	claims := map[string]any{
		"tid": DemoTenantID, "appid": "00000000-0000-0000-0000-00000000a11c", "app_displayname": "autopilotctl demo",
		"idtyp": "user", "upn": "admin@contoso.example", "exp": now.Add(time.Hour).Unix(),
		"scp": strings.Join(slices.Sorted(maps.Keys(roles)), " "), "nonce": hex.EncodeToString(nonce),
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".mock", nil
}
