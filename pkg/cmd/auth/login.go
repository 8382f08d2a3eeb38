package auth

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// Kept is what `auth login` kept and `auth logout` removed.
type Kept struct {
	Account    string `json:"account,omitempty"`
	TenantID   string `json:"tenantId,omitempty"`
	ClientID   string `json:"clientId,omitempty"`
	Authority  string `json:"authority,omitempty"`
	RecordFile string `json:"recordFile"`
	// Removed (logout) says whether there was a record to remove.
	Removed *bool `json:"removed,omitempty"`
}

// NewCmdLogin builds `auth login` (tests replace azidentity's interactive credentials with f.NewAuthenticator).
func NewCmdLogin(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Sign in once as a person; later commands use it until it expires",
		Long: "Signs you in with the browser (--auth browser) or a device code (--auth device-code; the default\n" +
			"where no browser can open, e.g. over SSH) and keeps the sign-in: the tokens in the OS credential store\n" +
			"(Keychain, Windows DPAPI, the Linux kernel keyring) and a record of the account, with no token or secret\n" +
			"in it, in the user configuration directory. Later commands with --auth auto use it silently until it\n" +
			"expires, before the Azure CLI and device code; apps signing in from the environment are not affected.\n\n" +
			"Where no credential store is available nothing is asked or kept (tokens are never written to a\n" +
			"plaintext file). Needs a terminal. `auth status` shows the account used, `auth logout` forgets it.",
		Example: "  autopilotctl auth login\n" +
			"  autopilotctl auth login --auth device-code --tenant contoso.onmicrosoft.com",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Globals.Mock {
				return errNotWithMock("login")
			}
			ao, err := f.AuthOptions()
			if err != nil {
				return err
			}
			mode := ao.Mode
			if mode == graph.AuthAuto {
				mode = defaultLoginMode(f.Env)
			}
			rec, err := graph.Login(cmd.Context(), ao, mode)
			if errors.Is(err, graph.ErrLoginUsage) {
				return &cmdutil.UsageError{Err: err}
			}
			if err != nil {
				return err
			}
			kept := Kept{Account: rec.Username, TenantID: rec.TenantID, ClientID: rec.ClientID, Authority: rec.Authority,
				RecordFile: ao.Store.RecordPath()}
			if err := f.Print(output.Result{Data: kept, Table: keptTable(kept)}); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Signed in as %s. Commands with --auth auto use this sign-in until it expires; "+
				"`autopilotctl auth logout` forgets it.\n", rec.Username)
			return nil
		},
	}
}

// defaultLoginMode is the browser where one can open (Windows, macOS, a Linux desktop), else a device code.
func defaultLoginMode(env func(string) string) graph.AuthMode {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || env("DISPLAY") != "" || env("WAYLAND_DISPLAY") != "" {
		return graph.AuthBrowser
	}
	return graph.AuthDeviceCode
}

// NewCmdLogout builds `auth logout`.
func NewCmdLogout(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the sign-in auth login kept",
		Long: "Removes the sign-in record from the user configuration directory and clears autopilotctl's token\n" +
			"cache in the OS credential store. Running it when nothing is kept is not an error.",
		Example: "  autopilotctl auth logout",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			if f.Globals.Mock {
				return errNotWithMock("logout")
			}
			ao, err := f.AuthOptions()
			if err != nil {
				return err
			}
			if ao.Store == nil {
				return errors.New("there is no user configuration directory, so no sign-in is kept")
			}
			rec, _, _ := ao.Store.Record() // only to say whose sign-in this was; an unreadable record is removed too
			removed, err := ao.Store.Forget()
			if err != nil {
				return err
			}
			kept := Kept{Account: rec.Username, TenantID: rec.TenantID, RecordFile: ao.Store.RecordPath(), Removed: &removed}
			table := output.Rows{} // nothing was signed in: no table of empty values, the line below says it
			if removed {
				table = keptTable(kept)
			}
			if err := f.Print(output.Result{Data: kept, Table: table}); err != nil {
				return err
			}
			if removed {
				fmt.Fprintln(f.IOStreams.ErrOut, "Signed out: the sign-in record and the cached tokens are removed.")
			} else {
				fmt.Fprintln(f.IOStreams.ErrOut, "Nothing was signed in; the token cache is cleared.")
			}
			return nil
		},
	}
}

// errNotWithMock refuses auth login and logout under --mock: the embedded mock signs every command in itself,
// and the sign-in they keep or forget is the person's real one.
func errNotWithMock(verb string) error {
	return cmdutil.UsageErrorf("auth %s does not apply with --mock: the embedded mock tenant signs every command in itself (drop --mock to sign in to a real tenant)", verb)
}

func keptTable(k Kept) output.Rows {
	rows := [][]string{{"account", k.Account}, {"tenant", k.TenantID}}
	if k.ClientID != "" {
		rows = append(rows, []string{"app", k.ClientID}, []string{"authority", k.Authority})
	}
	rows = append(rows, []string{"record", k.RecordFile})
	if k.Removed != nil {
		rows = append(rows, []string{"removed", fmt.Sprint(*k.Removed)})
	}
	return output.Rows{Header: []string{"ITEM", "VALUE"}, Rows: rows}
}
