// Package auth implements `autopilotctl auth`: who autopilotctl signs in as, and whether that identity has the
// Graph permissions each command needs.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// NewCmdAuth is the `auth` command group.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Sign in once, check sign-in and Graph permissions, sign out",
		Long: "Sign-in is chosen by --auth (default auto): AUTOPILOTCTL_ACCESS_TOKEN, then AZURE_CLIENT_SECRET or\n" +
			"AZURE_CLIENT_CERTIFICATE_PATH, then AZURE_FEDERATED_TOKEN_FILE (workload identity), managed identity,\n" +
			"the sign-in `auth login` kept, the Azure CLI, and device code on a terminal. Secrets are read from the\n" +
			"environment, never from flags. --debug shows each credential tried or skipped, and why.",
		Example: "  autopilotctl auth login\n  autopilotctl auth status\n  autopilotctl auth logout",
	}
	cmd.AddCommand(NewCmdLogin(f), NewCmdLogout(f), NewCmdStatus(f, nil))
	return cmd
}
