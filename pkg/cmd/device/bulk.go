package device

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// Graph permissions of the device commands (reference §2.1).
const (
	autopilotDevicesRead  = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
	autopilotDevicesWrite = "DeviceManagementServiceConfig.ReadWrite.All"
)

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

// printBulk prints per-device results and a one-line summary on stderr; some device failing means exit 3.
func printBulk(f *cmdutil.Factory, r output.Result, s autopilot.Summary, dryRun bool) error {
	if err := f.Print(r); err != nil {
		return err
	}
	if dryRun {
		fmt.Fprintf(f.IOStreams.ErrOut, "dry run, nothing changed: %s\n", s)
	} else {
		fmt.Fprintln(f.IOStreams.ErrOut, s)
	}
	if s.Failed > 0 {
		return &cmdutil.PartialError{Msg: fmt.Sprintf("%d of %d devices failed", s.Failed, s.Total)}
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
