package device

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// ShowOptions holds `device show`'s argument.
type ShowOptions struct {
	Factory    *cmdutil.Factory
	SerialOrID string
}

// NewCmdShow builds `device show`; runF replaces the run in flag-parsing tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show SERIAL|ID",
		Short: "Show everything about one Autopilot device, with its assigned and intended deployment profiles",
		Long: "Finds the device by its whole serial number (ignoring case) or its id. When several devices share the\n" +
			"serial number, the error lists them; name one by its id.",
		Example: "  autopilotctl device show 5CG2461KX7\n" +
			"  autopilotctl device show 00000000-0000-4000-8000-000000000001 -o json",
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SerialOrID = args[0]
			if err := checkSerials(args[:1]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.SetPermissions(cmd, autopilotDevicesRead)
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	client, err := opts.Factory.Graph()
	if err != nil {
		return err
	}
	d, err := autopilot.FindDevice(ctx, client, opts.SerialOrID)
	if err != nil {
		return err
	}
	return opts.Factory.Print(output.Result{Data: d, Table: output.Rows{Header: []string{"PROPERTY", "VALUE"}, Rows: deviceProperties(d)}})
}

// deviceProperties lists every property under its Graph name; a deployment profile shows as its name and id.
func deviceProperties(d autopilot.Device) [][]string {
	assigned, intended := d.Profiles()
	profiles := map[string]*autopilot.Profile{"deploymentProfile": assigned, "intendedDeploymentProfile": intended}
	v, t := reflect.ValueOf(d), reflect.TypeOf(d)
	rows := make([][]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		value := fmt.Sprint(v.Field(i).Interface())
		if p, isProfile := profiles[name]; isProfile {
			value = "none"
			if p != nil {
				value = fmt.Sprintf("%s (%s)", p.DisplayName, p.ID)
			}
		}
		rows = append(rows, []string{name, value})
	}
	return rows
}
