// Package profile implements `autopilotctl profile`: create, update, list, show, assign, unassign and delete
// Windows Autopilot deployment profiles.
package profile

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	espcmd "github.com/autopilotctl/autopilotctl/pkg/cmd/esp"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// Graph permissions (docs/graph.md#deployment-profiles).
const (
	read  = "DeviceManagementServiceConfig.Read.All|DeviceManagementServiceConfig.ReadWrite.All"
	write = "DeviceManagementServiceConfig.ReadWrite.All|DeviceManagementConfiguration.ReadWrite.All"
)

// NewCmdProfile is the `profile` command group.
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile <command>",
		Short: "Create and assign Windows Autopilot deployment profiles",
		Long: "A deployment profile sets how a device runs the out-of-box experience: user-driven, self-deploying or\n" +
			"pre-provisioned, Microsoft Entra or hybrid join, the device name and what the user is asked. A device in\n" +
			"several targeted groups gets the oldest profile; one profile only can target All Devices.",
		Example: "  autopilotctl profile create \"Autopilot user driven\" --mode user-driven --assign \"Autopilot - All devices\"\n" +
			"  autopilotctl profile list --devices",
	}
	cmd.AddCommand(NewCmdCreate(f, nil, false), NewCmdCreate(f, nil, true), newCmdList(f), newCmdShow(f),
		newCmdAssign(f), newCmdUnassign(f), newCmdDelete(f))
	addCompletion(f, cmd)
	return cmd
}

// named lists the profiles (with assignments, their groups named) and picks the one nameOrID names.
func named(ctx context.Context, f *cmdutil.Factory, nameOrID string) (*graph.Client, []*enrollment.Profile, *enrollment.Profile, error) {
	if err := espcmd.CheckNames("argument 1", []string{nameOrID}); err != nil {
		return nil, nil, nil, err
	}
	c, err := f.Graph()
	if err != nil {
		return nil, nil, nil, err
	}
	list, err := enrollment.ListProfiles(ctx, c, true)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := enrollment.FindProfile(list, nameOrID)
	if err != nil {
		return nil, nil, nil, espcmd.Refusal(err)
	}
	return c, list, p, enrollment.NameGroups(ctx, c, p.Assignments, map[string]string{})
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var devices bool
	cmd := &cobra.Command{
		Use:     "list [--devices]",
		Short:   "List deployment profiles, their mode, join and assignments",
		Example: "  autopilotctl profile list\n  autopilotctl profile list --devices -o json",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := f.Graph()
			if err != nil {
				return err
			}
			list, err := enrollment.ListProfiles(ctx, c, true)
			if err != nil {
				return err
			}
			header := []string{"NAME", "MODE", "JOIN", "ID", "ASSIGNED TO"}
			csvHeader := []string{"displayName", "mode", "join", "id", "assignments"}
			if devices {
				header, csvHeader = append(header, "DEVICES"), append(csvHeader, "assignedDevices")
			}
			names, rows := map[string]string{}, [][]string{}
			for _, p := range list {
				if err := enrollment.NameGroups(ctx, c, p.Assignments, names); err != nil {
					return err
				}
				row := []string{p.DisplayName, p.Mode, p.Join, p.ID, espcmd.Targets(p.Assignments)}
				if devices {
					if err := enrollment.CountDevices(ctx, c, p); err != nil {
						return err
					}
					row = append(row, strconv.Itoa(*p.Devices))
				}
				rows = append(rows, row)
			}
			return f.Print(output.Result{Data: list, Table: output.Rows{Header: header, CSVHeader: csvHeader, Rows: rows}})
		},
	}
	cmd.Flags().BoolVar(&devices, "devices", false, "count the Autopilot devices each profile is assigned to (one request per profile)")
	cmdutil.SetPermissions(cmd, read, espcmd.GroupsRead)
	return cmd
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show NAME|ID",
		Short:   "Show a deployment profile's settings, assignments and device count",
		Example: "  autopilotctl profile show \"Autopilot user driven\" -o json",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, p, err := named(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			if err := enrollment.CountDevices(cmd.Context(), c, p); err != nil {
				return err
			}
			rows := [][]string{{"id", p.ID}, {"displayName", p.DisplayName}, {"mode", p.Mode}, {"join", p.Join},
				{"assignments", espcmd.Targets(p.Assignments)}, {"assignedDevices", strconv.Itoa(*p.Devices)}}
			rows = append(rows, espcmd.PropertyRows(p.Props, []string{"description", "deviceNameTemplate", "locale", "deviceType",
				"preprovisioningAllowed", "hardwareHashExtractionEnabled", "hybridAzureADJoinSkipConnectivityCheck",
				"outOfBoxExperienceSetting", "roleScopeTagIds", "createdDateTime"})...)
			return f.Print(output.Result{Data: p, Table: output.Rows{Header: []string{"PROPERTY", "VALUE"}, Rows: rows}})
		},
	}
	cmdutil.SetPermissions(cmd, read, espcmd.GroupsRead)
	return cmd
}

func newCmdAssign(f *cmdutil.Factory) *cobra.Command {
	var exclude []string
	var allDevices, dryRun bool
	cmd := &cobra.Command{
		Use:     "assign NAME|ID [GROUP...] [--exclude GROUP...] [--all-devices]",
		Short:   "Add group targets (or All Devices) to a deployment profile",
		Example: "  autopilotctl profile assign \"Autopilot user driven\" \"Autopilot - Sales\" --exclude \"Autopilot - Kiosks\"",
		Args:    cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && len(exclude) == 0 && !allDevices {
				return cmdutil.UsageErrorf("name the groups to assign (or --exclude, --all-devices)")
			}
			if err := espcmd.CheckNames("group name", append(args[1:], exclude...)); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, list, p, err := named(ctx, f, args[0])
			if err != nil {
				return err
			}
			targets, err := targetsFor(ctx, c, args[1:], exclude, allDevices)
			if err != nil {
				return err
			}
			if err := enrollment.CheckTargets(p.Assignments, targets); err != nil {
				return espcmd.Refusal(err)
			}
			plan, err := enrollment.PlanProfile(list, p, enrollment.ProfileDesired{Settings: enrollment.ProfileSettings{DisplayName: p.DisplayName}, Targets: targets})
			if err != nil {
				return espcmd.Refusal(err)
			}
			if err := checkOverlaps(ctx, f, c, list, plan, false); err != nil {
				return err
			}
			return espcmd.PrintChange(f, "profile", enrollment.ApplyProfile(ctx, c, plan, dryRun), dryRun)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&exclude, "exclude", nil, "exclude this group, by exact `NAME` or id (repeat for several)")
	fl.BoolVar(&allDevices, "all-devices", false, "target All Devices (one profile only can; no exclusions beside it)")
	fl.BoolVar(&dryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	cmdutil.SetPermissions(cmd, write, espcmd.GroupsRead)
	return cmd
}

// checkOverlaps looks for other profiles that target the devices the plan's profile would. A replacement that
// would lose devices to one of them is refused unless force (it is the newest profile, and a device targeted by
// several gets the oldest); every other overlap is a warning that says which profile gets the devices.
func checkOverlaps(ctx context.Context, f *cmdutil.Factory, c *graph.Client, list []*enrollment.Profile, plan *enrollment.ProfilePlan, force bool) error {
	overlaps, err := enrollment.Overlaps(ctx, c, list, plan)
	if err != nil {
		return err
	}
	replacing := plan.Current != nil && plan.Replace != ""
	self := plan.Desired.Settings.DisplayName
	if plan.Current != nil {
		self = plan.Current.DisplayName
	}
	var losses []string
	for _, o := range overlaps {
		if replacing && o.Devices > 0 && !force {
			losses = append(losses, o.Describe(self, true))
			continue
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s\n", o.Describe(self, replacing))
	}
	if len(losses) > 0 {
		return cmdutil.InputErrorf("replacing deployment profile %s would move devices to another profile:\n  %s\npass --force to replace it anyway, or exclude those devices' groups from the other profile first",
			safetext.Quote(self), strings.Join(losses, "\n  "))
	}
	return nil
}

// targetsFor resolves group names and adds All Devices.
func targetsFor(ctx context.Context, c *graph.Client, include, exclude []string, allDevices bool) ([]enrollment.Target, error) {
	if allDevices && len(exclude) > 0 {
		return nil, cmdutil.UsageErrorf("--all-devices can't be combined with --exclude: All Devices takes no exclusions")
	}
	targets, err := enrollment.ResolveTargets(ctx, c, include, exclude)
	if err != nil {
		return nil, espcmd.Refusal(err)
	}
	if allDevices {
		targets = append(targets, enrollment.Target{Kind: enrollment.AllDevices})
	}
	return targets, nil
}

func newCmdUnassign(f *cmdutil.Factory) *cobra.Command {
	var allDevices, dryRun bool
	cmd := &cobra.Command{
		Use:     "unassign NAME|ID [GROUP...] [--all-devices]",
		Short:   "Remove group targets (included or excluded) or All Devices from a deployment profile",
		Example: "  autopilotctl profile unassign \"Autopilot user driven\" \"Autopilot - Sales\"",
		Args:    cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && !allDevices {
				return cmdutil.UsageErrorf("name the groups to unassign (or --all-devices)")
			}
			if err := espcmd.CheckNames("group name", args[1:]); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, _, p, err := named(ctx, f, args[0])
			if err != nil {
				return err
			}
			targets, err := targetsFor(ctx, c, args[1:], args[1:], allDevices)
			if err != nil {
				return err
			}
			return espcmd.PrintChange(f, "profile", enrollment.UnassignProfile(ctx, c, p, targets, dryRun), dryRun)
		},
	}
	cmd.Flags().BoolVar(&allDevices, "all-devices", false, "remove the All Devices target")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	cmdutil.SetPermissions(cmd, write, espcmd.GroupsRead)
	return cmd
}

func newCmdDelete(f *cmdutil.Factory) *cobra.Command {
	var yes, force, dryRun bool
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes] [--force]",
		Short: "Remove a deployment profile's assignments, then the profile",
		Long: "Refuses while Autopilot devices are still assigned the profile, saying how many, unless --force: those\n" +
			"devices then get another profile that targets them, or none.",
		Example: "  autopilotctl profile delete \"Old kiosk profile\" --yes",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, _, p, err := named(ctx, f, args[0])
			if err != nil {
				return err
			}
			if err := enrollment.CountDevices(ctx, c, p); err != nil {
				return err
			}
			if *p.Devices > 0 && !force {
				return cmdutil.InputErrorf("deployment profile %s is assigned to %d Autopilot devices; pass --force to delete it anyway", safetext.Quote(p.DisplayName), *p.Devices)
			}
			if !dryRun {
				q := fmt.Sprintf("Delete the deployment profile %s (%s) and its %d assignments?", safetext.Quote(p.DisplayName), p.ID, len(p.Assignments))
				if err := cmdutil.Confirm(f, yes, q, "not deleting"); err != nil {
					return err
				}
			}
			return espcmd.PrintChange(f, "profile", enrollment.DeleteProfile(ctx, c, p, dryRun), dryRun)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&yes, "yes", "y", false, "delete without asking")
	fl.BoolVar(&force, "force", false, "delete even while devices are assigned the profile")
	fl.BoolVar(&dryRun, "dry-run", false, "print the exact requests that would be sent, and send none")
	cmdutil.SetPermissions(cmd, write, read, espcmd.GroupsRead)
	return cmd
}
