package cmdutil

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// formatsKey is the cobra annotation listing the -o values a command takes, when it takes fewer than all.
const formatsKey = "output-formats"

// SetFormats declares the -o values cmd takes: any other is a usage error before it runs, and -o completes
// only these. A command that declares none takes every format.
func SetFormats(cmd *cobra.Command, formats ...output.Format) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	s := make([]string, len(formats))
	for i, f := range formats {
		s[i] = string(f)
	}
	cmd.Annotations[formatsKey] = strings.Join(s, ",")
}

// Formats are the -o values cmd takes.
func Formats(cmd *cobra.Command) []string {
	if v := cmd.Annotations[formatsKey]; v != "" {
		return strings.Split(v, ",")
	}
	return output.Formats
}

// checkFormat refuses an -o cmd does not take. Only an -o given counts: a command's own default (export
// writes YAML when -o is not given) is its business.
func checkFormat(cmd *cobra.Command, format output.Format) error {
	if fs := Formats(cmd); cmd.Flags().Changed("output") && !slices.Contains(fs, string(format)) {
		return UsageErrorf("%s takes -o %s, not %s", cmd.CommandPath(), strings.Join(fs, "|"), format)
	}
	return nil
}
