package cli

//go:generate go run ../../internal/gendocs ../../docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

// GenerateDocs writes the CLI reference (dir/cli/*.md) and the permission table (dir/permissions.md) from the
// command tree, the one source for both.
func GenerateDocs(dir string) error {
	ios, _, _, _ := iostreams.Test()
	root := NewRootCmd(cmdutil.New(ios))
	root.DisableAutoGenTag = true
	cliDir := filepath.Join(dir, "cli")
	if err := os.RemoveAll(cliDir); err != nil {
		return err
	}
	if err := os.MkdirAll(cliDir, 0o755); err != nil {
		return err
	}
	if err := doc.GenMarkdownTree(root, cliDir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "permissions.md"), []byte(permissionsMarkdown(root)), 0o644)
}

func permissionsMarkdown(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("# Graph permissions per command\n\n")
	b.WriteString("Generated from the command tree by `go generate ./pkg/cli`; do not edit.\n")
	b.WriteString("Each line of a cell is one permission the command needs; \"or\" lists alternatives, any one of which will do.\n")
	b.WriteString("Application permissions (service principals, workload identity) and delegated scopes have the same names.\n")
	b.WriteString("`autopilotctl auth status` compares this table with the token you sign in with.\n\n")
	b.WriteString("| command | needs |\n| --- | --- |\n")
	n := 0
	cmdutil.WalkCommands(root, func(c *cobra.Command) {
		reqs := cmdutil.Permissions(c)
		if reqs == nil {
			return
		}
		cells := make([]string, len(reqs))
		for i, r := range reqs {
			cells[i] = cmdutil.DescribeRequirement(r)
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", c.CommandPath(), strings.Join(cells, "<br>"))
		n++
	})
	if n == 0 {
		b.WriteString("| (no command calls Graph yet) | |\n")
	}
	return b.String()
}
