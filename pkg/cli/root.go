// Package cli assembles the autopilotctl command tree, runs it, and turns the outcome into one message on stderr
// and an exit code.
package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	authcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/auth"
	devicecmd "github.com/autopilotctl/autopilotctl/pkg/cmd/device"
	espcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/esp"
	groupcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/group"
	layoutcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/layout"
	mockcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/mock"
	prepcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/prep"
	profilecmd "github.com/autopilotctl/autopilotctl/pkg/cmd/profile"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// NewRootCmd builds the command tree on f.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := cmdutil.NewRoot(f, "autopilotctl <command> <subcommand> [flags]")
	root.Short = "Windows Autopilot devices, groups, ESPs, profiles and device preparation on Microsoft Graph, from a terminal or a pipeline"
	root.Long = "autopilotctl runs Windows Autopilot admin work through Microsoft Graph (beta): import hardware hashes in bulk;\n" +
		"tag, assign, delete and sync devices; manage the groups, ESPs, deployment profiles and device-preparation policies that target them, one at a time or as the whole layout in one file (plan, apply, export)."
	root.Example = "  # try everything against the embedded mock tenant, no sign-in needed\n" +
		"  autopilotctl --mock device import examples/devices.csv\n\n" +
		"  # see who you are signed in as and which Graph permissions each command needs\n" +
		"  autopilotctl auth status"
	root.Version = versionString()
	root.SetVersionTemplate("{{.Version}}\n")
	f.StartMock = func(cmd *cobra.Command) error { return startEmbeddedMock(cmd, f) }

	root.AddGroup(
		&cobra.Group{ID: "autopilot", Title: "Autopilot:"},
		&cobra.Group{ID: "tool", Title: "Sign-in and tooling:"},
	)
	for _, c := range []*cobra.Command{devicecmd.NewCmdDevice(f), groupcmd.NewCmdGroup(f), prepcmd.NewCmdPrep(f), espcmd.NewCmdESP(f), profilecmd.NewCmdProfile(f),
		layoutcmd.NewCmdPlan(f), layoutcmd.NewCmdApply(f), layoutcmd.NewCmdExport(f)} {
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
	root.SetHelpCommand(newCmdHelp(root))
	cmdutil.StrictArgs(root)
	return root
}

// newCmdHelp replaces cobra's help command, which answers an unknown topic with exit 0.
func newCmdHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:     "help [command]",
		Short:   "Help about any command",
		Example: "  autopilotctl help device import",
		GroupID: "tool",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				group := root
				if cmd != nil {
					group = cmd
				}
				arg := strings.Join(args, " ")
				if len(rest) > 0 {
					arg = rest[0]
				}
				return cmdutil.UnknownCommandError(group, arg)
			}
			return cmd.Help()
		},
	}
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

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Example: "  autopilotctl version",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			if format, _ := f.OutputFormat(); format == output.Table {
				_, err := fmt.Fprintln(f.IOStreams.Out, versionString())
				return err
			}
			v := buildVersion()
			return f.Print(output.Result{Data: v, Table: output.Rows{Header: []string{"VERSION", "COMMIT", "DATE"}, Rows: [][]string{{v.Version, v.Commit, v.Date}}}})
		},
	}
}
