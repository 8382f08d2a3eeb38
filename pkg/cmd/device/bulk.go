package device

import (
	"fmt"
	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// Graph permissions of the device commands (docs/graph.md#autopilot-devices-and-sync).
const (
	autopilotDevicesRead  = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
	autopilotDevicesWrite = "DeviceManagementServiceConfig.ReadWrite.All"
)

// confirmAbove is how many devices named one by one a write changes without asking. More than this, or any
// number selected by a filter, asks first on a terminal and needs --yes elsewhere: a mistyped filter or a
// wrong file should not retag or delete a fleet unseen.
const confirmAbove = 10

// addWriteFlags adds --dry-run, and --write-budget when budget is not nil (bulk writes).
func addWriteFlags(cmd *cobra.Command, dryRun *bool, budget *string) {
	cmd.Flags().BoolVar(dryRun, "dry-run", false, "show what would change without changing anything")
	if budget != nil {
		cmd.Flags().StringVar(budget, "write-budget", graph.DefaultWriteBudget.String(),
			"writes per window the tenant allows this app, as `WRITES/WINDOW`; bulk writes are paced to stay inside it")
	}
}

// writeOptions turns --write-budget into the pacing of bulk writes, on the factory's clock.
func writeOptions(f *cmdutil.Factory, budget string) (autopilot.WriteOptions, error) {
	b, err := graph.ParseWriteBudget(budget)
	if err != nil {
		return autopilot.WriteOptions{}, &cmdutil.UsageError{Err: err}
	}
	return autopilot.WriteOptions{Budget: b, Now: f.Now, Sleep: f.Sleep}, nil
}

// Report is the JSON (and YAML) shape of every device write command: one entry per device, in the order
// they were named, and the counts by status.
type Report[E result.Entry] struct {
	Summary result.Summary `json:"summary"` // first, as in the import report
	Devices []E            `json:"devices"`
}

// printBulk prints the per-device entries (table rows, or the Report) and a one-line summary on stderr. A
// device whose status is a problem, other than those in accept, makes the run partial (exit 3).
func printBulk[E result.Entry](f *cmdutil.Factory, entries []E, table output.Rows, dryRun bool, accept ...result.Status) error {
	s := result.Summarize(entries)
	if err := f.Print(output.Result{Data: Report[E]{Devices: entries, Summary: s}, Table: table}); err != nil {
		return err
	}
	line := s.String("devices")
	if s.Total == 1 {
		line = s.String("device")
	}
	if dryRun {
		line = "dry run, nothing changed: " + line
	}
	fmt.Fprintln(f.IOStreams.ErrOut, line)
	if n := s.Problems(accept...); n > 0 {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%d of %d devices did not end as asked; the report above says why", n, s.Total)}
	}
	return nil
}

// is matches one status.
func is(st result.Status) func(result.Status) bool {
	return func(s result.Status) bool { return s == st }
}

// someSerials names the serial numbers of entries whose status matches, up to ten of them, for a question.
func someSerials[E result.Entry](entries []E, match func(result.Status) bool) (n int, list string) {
	var serials []string
	for _, e := range entries {
		if c := e.Result(); match(c.Status) {
			n++
			if len(serials) < 10 {
				serials = append(serials, c.SerialNumber)
			}
		}
	}
	if n > len(serials) {
		serials = append(serials, fmt.Sprintf("and %d more", n-len(serials)))
	}
	return n, strings.Join(serials, ", ")
}

// checkSerials applies the rule for values that reach Graph (no control or format characters, a length
// limit) to serial numbers, or device ids, given as arguments.
func checkSerials(args []string) error {
	for i, s := range args {
		if err := autopilot.ValidateSerial(s); err != nil {
			return cmdutil.UsageErrorf("argument %d: %v", i+1, err)
		}
	}
	return nil
}

// oneWay checks that exactly one of the ways of naming devices was given; ways lists them for the message.
func oneWay(ways string, given ...bool) error {
	n := 0
	for _, g := range given {
		if g {
			n++
		}
	}
	switch n {
	case 0:
		return cmdutil.UsageErrorf("name the devices: %s", ways)
	case 1:
		return nil
	}
	return cmdutil.UsageErrorf("name the devices one way only: %s", ways)
}

// detail is an entry's error and advice as one table cell.
func detail(c result.Change) string {
	switch {
	case c.Error != "" && c.Message != "":
		return c.Error + "; " + c.Message
	case c.Error != "":
		return c.Error
	}
	return c.Message
}

// readDeviceList reads --from-csv: a file, or standard input for "-". Its problems are bad input (exit 2).
func readDeviceList(f *cmdutil.Factory, path string) (autopilot.DeviceList, error) {
	if path != "-" {
		list, err := autopilot.ReadDeviceList(path)
		if safefile.IsNotRegular(err) {
			err = fmt.Errorf("%w; to read a pipe, give it on standard input with --from-csv -", err)
		}
		if err != nil {
			return list, &cmdutil.InputError{Err: err}
		}
		return list, nil
	}
	if f.IOStreams.IsStdinTTY() {
		return autopilot.DeviceList{}, cmdutil.UsageErrorf("--from-csv -: standard input is a terminal; pipe the CSV in")
	}
	list, err := autopilot.ReadDeviceListFrom("standard input", f.IOStreams.In)
	if err != nil {
		return list, &cmdutil.InputError{Err: err}
	}
	return list, nil
}
