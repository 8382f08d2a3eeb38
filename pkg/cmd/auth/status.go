package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// StatusOptions holds what `auth status` needs.
type StatusOptions struct {
	Factory *cmdutil.Factory
	Root    *cobra.Command // the tree whose permission needs are compared with the token
}

// Status is the machine-readable answer of `auth status`.
type Status struct {
	Credential  string          `json:"credential"`
	GraphURL    string          `json:"graphUrl"`
	TenantID    string          `json:"tenantId,omitempty"`
	AppID       string          `json:"appId,omitempty"`
	AppName     string          `json:"appName,omitempty"`
	User        string          `json:"user,omitempty"`
	AppOnly     bool            `json:"appOnly"`
	Expires     *time.Time      `json:"expires,omitempty"`
	Permissions []string        `json:"permissions"`
	Commands    []CommandStatus `json:"commands"`
	Note        string          `json:"note,omitempty"`
}

// CommandStatus says whether the token covers one command's needs.
type CommandStatus struct {
	Command  string   `json:"command"`
	Needs    []string `json:"needs"`
	Granted  bool     `json:"granted"`
	Checked  bool     `json:"checked"` // false when the token's permissions could not be read
	Missings []string `json:"missing,omitempty"`
}

// NewCmdStatus builds `auth status`; runF replaces the run in flag-parsing tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show who autopilotctl signs in as and which commands the token's permissions allow",
		Long: "Signs in as any command would, then shows the credential used, tenant, app, user, token expiry,\n" +
			"and for each command the Graph permissions it needs and whether the token has them.\n" +
			"Exit code 4 when sign-in fails.",
		Example: "  autopilotctl auth status\n  AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… autopilotctl auth status -o json",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Root = cmd.Root()
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	cred, err := f.Credential()
	if err != nil {
		return err
	}
	cloud, err := f.Cloud()
	if err != nil {
		return err
	}
	base, err := f.GraphURL()
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cloud.Scope()}})
	if err != nil {
		return err
	}
	st := Status{Credential: string(cred.Used()), GraphURL: base, Permissions: []string{}, Commands: []CommandStatus{}}
	claims, cerr := graph.ParseClaims(tok.Token)
	if cerr != nil {
		st.Note = "the token is not a JWT, so its permissions cannot be read here; Graph still checks them"
	} else {
		st.TenantID, st.AppID, st.AppName, st.User, st.AppOnly = claims.TenantID, claims.AppID, claims.AppName, claims.User, claims.AppOnly
		st.Permissions = claims.Permissions
	}
	exp := tok.ExpiresOn.UTC().Truncate(time.Second)
	if cerr == nil && !claims.Expires.IsZero() {
		exp = claims.Expires
	}
	st.Expires = &exp
	cmdutil.WalkCommands(opts.Root, func(c *cobra.Command) {
		reqs := cmdutil.Permissions(c)
		if reqs == nil {
			return
		}
		cs := CommandStatus{Command: c.CommandPath(), Checked: cerr == nil, Granted: cerr == nil}
		for _, r := range reqs {
			cs.Needs = append(cs.Needs, cmdutil.DescribeRequirement(r))
			if cerr == nil && !cmdutil.Satisfied(r, st.Permissions) {
				cs.Granted = false
				cs.Missings = append(cs.Missings, cmdutil.DescribeRequirement(r))
			}
		}
		st.Commands = append(st.Commands, cs)
	})
	if err := f.Print(output.Result{Data: st, Table: statusTable(st)}); err != nil {
		return err
	}
	if st.Note != "" {
		fmt.Fprintln(f.IOStreams.ErrOut, "note: "+st.Note)
	}
	return nil
}

func statusTable(st Status) output.Rows {
	rows := [][]string{
		{"credential", st.Credential},
		{"graph", st.GraphURL},
		{"tenant", st.TenantID},
		{"app", joinNonEmpty(st.AppID, st.AppName)},
		{"user", valueOr(st.User, "(app-only token)", st.AppOnly)},
		{"expires", st.Expires.Format(time.RFC3339)},
	}
	for _, c := range st.Commands {
		state := "ok"
		switch {
		case !c.Checked:
			state = "unknown"
		case !c.Granted:
			state = "missing " + strings.Join(c.Missings, "; ")
		}
		rows = append(rows, []string{c.Command, state})
	}
	return output.Rows{Header: []string{"ITEM", "VALUE"}, Rows: rows}
}

func joinNonEmpty(id, name string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", id, name)
}

func valueOr(v, alt string, useAlt bool) string {
	if useAlt {
		return alt
	}
	return v
}
