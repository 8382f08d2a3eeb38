package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// permissionsKey is the cobra annotation that records the Graph permissions a command needs. The command tree is
// the one source: auth status, error hints and docs/permissions.md all read it.
const permissionsKey = "graph-permissions"

// SetPermissions records what cmd needs. Each argument is one requirement; alternatives that satisfy it are
// separated by "|", e.g. "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All".
func SetPermissions(cmd *cobra.Command, requirements ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[permissionsKey] = strings.Join(requirements, ";")
}

// Permissions returns cmd's requirements, each a list of alternatives; nil when it calls no Graph API.
func Permissions(cmd *cobra.Command) [][]string {
	v := cmd.Annotations[permissionsKey]
	if v == "" {
		return nil
	}
	var out [][]string
	for _, req := range strings.Split(v, ";") {
		out = append(out, strings.Split(req, "|"))
	}
	return out
}

// DescribeRequirement renders one requirement for people: "A or B".
func DescribeRequirement(alternatives []string) string { return strings.Join(alternatives, " or ") }

// Satisfied reports whether granted permissions meet a requirement. A ReadWrite permission covers its Read twin.
func Satisfied(alternatives, granted []string) bool {
	for _, want := range alternatives {
		for _, g := range granted {
			if strings.EqualFold(g, want) || strings.EqualFold(strings.Replace(g, ".ReadWrite.", ".Read.", 1), want) {
				return true
			}
		}
	}
	return false
}

// WalkCommands calls fn for every runnable command below root, depth first, in name order.
func WalkCommands(root *cobra.Command, fn func(*cobra.Command)) {
	for _, c := range root.Commands() {
		if c.Runnable() {
			fn(c)
		}
		WalkCommands(c, fn)
	}
}
