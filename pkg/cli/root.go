// Package cli assembles the autopilotctl command tree, runs it, and turns the outcome into one message on stderr
// and an exit code.
package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	authcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/auth"
	devicecmd "github.com/autopilotctl/autopilotctl/pkg/cmd/device"
	mockcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/mock"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// NewRootCmd builds the command tree on f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "autopilotctl <command> <subcommand> [flags]",
		Short: "Windows Autopilot admin work against Microsoft Graph, from a terminal or a pipeline",
		Long: "autopilotctl registers Windows Autopilot devices and manages them through Microsoft Graph (beta):\n" +
			"import hardware hashes in bulk, tag and assign devices, and build the groups, profiles and policies that target them.",
		Example: "  # try everything against the embedded mock tenant, no sign-in needed\n" +
			"  autopilotctl --mock auth status\n\n" +
			"  # see who you are signed in as and which Graph permissions each command needs\n" +
			"  autopilotctl auth status",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := f.OutputFormat(); err != nil {
				return err
			}
			if f.Globals.Mock {
				return startEmbeddedMock(cmd, f)
			}
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Err: err} })

	g := &f.Globals
	pf := root.PersistentFlags()
	pf.StringVar(&g.Tenant, "tenant", "", "Entra tenant ID or domain to sign in to (default: AZURE_TENANT_ID, or the account's home tenant)")
	pf.StringVar(&g.ClientID, "client-id", "", "application (client) ID to sign in as (default: AZURE_CLIENT_ID)")
	pf.StringVar(&g.Auth, "auth", string(graph.AuthAuto), "sign-in method: "+modeList())
	pf.StringVar(&g.Cloud, "cloud", "global", "Microsoft cloud: global, usgov, usgovdod, china")
	pf.StringVar(&g.GraphURL, "graph-url", "", "Graph base URL including version (env AUTOPILOTCTL_GRAPH_URL); http only for loopback")
	pf.StringVarP(&g.Output, "output", "o", string(output.Table), "output format: "+strings.Join(output.Formats, ", "))
	pf.BoolVar(&g.Debug, "debug", false, "log each Graph request (method, URL, status, duration, request-id) to stderr")
	pf.BoolVar(&g.Mock, "mock", false, "run against an embedded mock Graph server with a demo tenant (no sign-in)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("cloud", cobra.FixedCompletions([]string{"global", "usgov", "usgovdod", "china"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("auth", cobra.FixedCompletions(strings.Split(modeList(), ", "), cobra.ShellCompDirectiveNoFileComp))

	root.AddGroup(
		&cobra.Group{ID: "autopilot", Title: "Autopilot:"},
		&cobra.Group{ID: "tool", Title: "Sign-in and tooling:"},
	)
	for _, c := range []*cobra.Command{devicecmd.NewCmdDevice(f)} {
		c.GroupID = "autopilot"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{authcmd.NewCmdAuth(f), mockcmd.NewCmdMock(f), newCmdVersion(f)} {
		c.GroupID = "tool"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("tool")
	root.SetCompletionCommandGroupID("tool")
	addCompletionExamples(root)
	return root
}

// addCompletionExamples creates cobra's completion command now (it is otherwise made at run time) so that it
// appears in the generated docs with an example per shell.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	where := map[string]string{
		"bash":       "autopilotctl completion bash > /etc/bash_completion.d/autopilotctl",
		"zsh":        "autopilotctl completion zsh > \"${fpath[1]}/_autopilotctl\"",
		"fish":       "autopilotctl completion fish > ~/.config/fish/completions/autopilotctl.fish",
		"powershell": "autopilotctl completion powershell | Out-String | Invoke-Expression",
	}
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = "  autopilotctl completion bash > /etc/bash_completion.d/autopilotctl"
		for _, sh := range c.Commands() {
			sh.Example = "  " + where[sh.Name()]
		}
	}
}

func modeList() string {
	s := make([]string, len(graph.AuthModes))
	for i, m := range graph.AuthModes {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Example: "  autopilotctl version",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IOStreams.Out, versionString())
			return err
		},
	}
}
