package esp

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// namedESP lists the ESPs (with assignments named by group) and picks the one nameOrID names.
func namedESP(ctx context.Context, f *cmdutil.Factory, nameOrID string) (*graph.Client, []*enrollment.ESP, *enrollment.ESP, error) {
	c, err := f.Graph()
	if err != nil {
		return nil, nil, nil, err
	}
	list, err := enrollment.ListESPs(ctx, c, true)
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := enrollment.FindESP(list, nameOrID)
	if err != nil {
		return nil, nil, nil, Refusal(err)
	}
	return c, list, e, enrollment.NameGroups(ctx, c, e.Assignments, map[string]string{})
}

func priorityCell(e *enrollment.ESP) string {
	if e.Default {
		return "default"
	}
	return strconv.Itoa(e.Priority)
}

// NewCmdList builds `esp list`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List Enrollment Status Pages in priority order, with their assignments",
		Example: "  autopilotctl esp list\n  autopilotctl esp list -o json",
		Args:    cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.Graph()
			if err != nil {
				return err
			}
			list, err := enrollment.ListESPs(cmd.Context(), c, true)
			if err != nil {
				return err
			}
			// The default ESP has priority 0 but applies last, to whoever no other ESP targets.
			sort.SliceStable(list, func(i, j int) bool { return !list[i].Default && list[j].Default })
			names := map[string]string{}
			rows := [][]string{}
			for _, e := range list {
				if err := enrollment.NameGroups(cmd.Context(), c, e.Assignments, names); err != nil {
					return err
				}
				assigned := Targets(e.Assignments)
				if e.Default {
					assigned = "all users and all devices"
				}
				rows = append(rows, []string{priorityCell(e), e.DisplayName, e.ID, assigned})
			}
			return f.Print(output.Result{Data: list, Table: output.Rows{Header: []string{"PRIORITY", "NAME", "ID", "ASSIGNED TO"},
				CSVHeader: []string{"priority", "displayName", "id", "assignments"}, Rows: rows}})
		},
	}
	cmdutil.SetPermissions(cmd, serviceConfigRead, GroupsRead)
	return cmd
}

// NewCmdShow builds `esp show`.
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show NAME|ID|default",
		Short:   "Show an Enrollment Status Page's settings and assignments",
		Example: "  autopilotctl esp show \"ESP - Autopilot\"\n  autopilotctl esp show default -o json",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckNames("argument 1", args); err != nil {
				return err
			}
			c, _, e, err := namedESP(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			rows := [][]string{{"id", e.ID}, {"priority", priorityCell(e)}, {"assignments", Targets(e.Assignments)}}
			rows = append(rows, PropertyRows(e.Props, settingKeys)...)
			if apps, _ := e.Props["selectedMobileAppIds"].([]any); len(apps) > 0 {
				cell, err := appsCell(cmd.Context(), c, apps)
				if err != nil {
					return err
				}
				for _, r := range rows {
					if r[0] == "selectedMobileAppIds" {
						r[1] = cell
					}
				}
			}
			return f.Print(output.Result{Data: e, Table: output.Rows{Header: []string{"PROPERTY", "VALUE"}, Rows: rows}})
		},
	}
	cmdutil.SetPermissions(cmd, serviceConfigRead, GroupsRead)
	return cmd
}

// appsCell names blocking apps "Name (id)" where the app is found, by id alone where it is not.
func appsCell(ctx context.Context, c *graph.Client, apps []any) (string, error) {
	ids := make([]string, 0, len(apps))
	for _, a := range apps {
		ids = append(ids, fmt.Sprint(a))
	}
	names, err := enrollment.AppNames(ctx, c, ids)
	if err != nil {
		return "", err
	}
	for i, id := range ids {
		if n, ok := names[id]; ok {
			ids[i] = fmt.Sprintf("%s (%s)", n, id)
		}
	}
	return strings.Join(ids, ", "), nil
}

// settingKeys are the properties `esp show` lists, in the admin center's order.
var settingKeys = []string{"displayName", "description", "showInstallationProgress", "installProgressTimeoutInMinutes",
	"customErrorMessage", "allowLogCollectionOnInstallFailure", "trackInstallProgressForAutopilotOnly",
	"disableUserStatusTrackingAfterFirstUser", "blockDeviceSetupRetryByUser", "allowDeviceResetOnInstallFailure",
	"allowDeviceUseOnInstallFailure", "allowNonBlockingAppInstallation", "selectedMobileAppIds", "installQualityUpdates", "roleScopeTagIds"}

// NewCmdAssign builds `esp assign`: groups are added to the ESP's set.
func NewCmdAssign(f *cmdutil.Factory) *cobra.Command {
	var exclude []string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "assign NAME|ID GROUP... [--exclude GROUP...]",
		Short: "Add groups to an Enrollment Status Page's assignments",
		Long: "Posts the ESP's whole assignment set with the groups added, through /assign (the service has no route to\n" +
			"add one assignment). Groups are named exactly or by id. The default ESP is never assigned.",
		Example: "  autopilotctl esp assign \"ESP - Autopilot\" \"Autopilot - Sales\" --exclude \"Autopilot - Kiosks\"",
		Args:    cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && len(exclude) == 0 {
				return cmdutil.UsageErrorf("name the groups to assign (or --exclude)")
			}
			if err := CheckNames("group name", append(args, exclude...)); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, list, e, err := namedESP(ctx, f, args[0])
			if err != nil {
				return err
			}
			targets, err := enrollment.ResolveTargets(ctx, c, args[1:], exclude)
			if err == nil {
				err = enrollment.CheckTargets(e.Assignments, targets)
			}
			if err != nil {
				return Refusal(err)
			}
			s := enrollment.ESPSettings{DisplayName: e.DisplayName}
			plan, err := enrollment.PlanESP(list, e, enrollment.ESPDesired{Settings: s, Targets: targets})
			if err != nil {
				return Refusal(err)
			}
			return PrintChange(f, "ESP", enrollment.ApplyESP(ctx, c, plan, dryRun), dryRun)
		},
	}
	cmd.Flags().StringSliceVar(&exclude, "exclude", nil, "exclude this group, by exact `NAME` or id (repeat for several)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the exact request that would be sent, and send none")
	cmdutil.SetPermissions(cmd, assignWrite, GroupsRead)
	return cmd
}

// NewCmdUnassign builds `esp unassign`.
func NewCmdUnassign(f *cmdutil.Factory) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:     "unassign NAME|ID GROUP...",
		Short:   "Remove groups (included or excluded) from an Enrollment Status Page's assignments",
		Example: "  autopilotctl esp unassign \"ESP - Autopilot\" \"Autopilot - Sales\"",
		Args:    cmdutil.Args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckNames("group name", args); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, _, e, err := namedESP(ctx, f, args[0])
			if err != nil {
				return err
			}
			targets, err := enrollment.ResolveTargets(ctx, c, args[1:], args[1:])
			if err != nil {
				return Refusal(err)
			}
			ch, err := enrollment.UnassignESP(ctx, c, e, targets, dryRun)
			if err != nil {
				return Refusal(err)
			}
			return PrintChange(f, "ESP", ch, dryRun)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the exact request that would be sent, and send none")
	cmdutil.SetPermissions(cmd, assignWrite, GroupsRead)
	return cmd
}

// NewCmdSetPriority builds `esp set-priority`.
func NewCmdSetPriority(f *cmdutil.Factory) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "set-priority NAME|ID N",
		Short: "Give an Enrollment Status Page a priority (1 is the highest)",
		Long: "Sends nothing when the ESP already has that priority (the service answers a generic error then), and\n" +
			"says which ESP held the priority before (the service moves it down). The default ESP stays last.",
		Example: "  autopilotctl esp set-priority \"ESP - Autopilot\" 1",
		Args:    cmdutil.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return cmdutil.UsageErrorf("argument 2: priority %s is not a whole number of 1 or more", safetext.Quote(args[1]))
			}
			if err := CheckNames("argument 1", args[:1]); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, list, e, err := namedESP(ctx, f, args[0])
			if err != nil {
				return err
			}
			plan, err := enrollment.PlanESP(list, e, enrollment.ESPDesired{Settings: enrollment.ESPSettings{DisplayName: e.DisplayName, Priority: &n}})
			if err == nil && plan.Priority > 0 {
				err = enrollment.CheckPriority(list, e, n, 0, "argument 2")
			}
			if err != nil {
				return Refusal(err)
			}
			return PrintChange(f, "ESP", enrollment.ApplyESP(ctx, c, plan, dryRun), dryRun)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the exact request that would be sent, and send none")
	cmdutil.SetPermissions(cmd, assignWrite)
	return cmd
}

// NewCmdDelete builds `esp delete`.
func NewCmdDelete(f *cmdutil.Factory) *cobra.Command {
	var yes, dryRun bool
	cmd := &cobra.Command{
		Use:     "delete NAME|ID",
		Short:   "Delete an Enrollment Status Page (never the default one)",
		Example: "  autopilotctl esp delete \"ESP - Kiosk\" --yes",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckNames("argument 1", args); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, _, e, err := namedESP(ctx, f, args[0])
			if err != nil {
				return err
			}
			if e.Default {
				_, err := enrollment.DeleteESP(ctx, c, e, true)
				return Refusal(err)
			}
			if !dryRun {
				q := fmt.Sprintf("Delete the Enrollment Status Page %s (%s)?", safetext.Quote(e.DisplayName), e.ID)
				if err := cmdutil.Confirm(f, yes, q, "not deleting"); err != nil {
					return err
				}
			}
			ch, err := enrollment.DeleteESP(ctx, c, e, dryRun)
			if err != nil {
				return Refusal(err)
			}
			return PrintChange(f, "ESP", ch, dryRun)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the exact request that would be sent, and send none")
	cmdutil.SetPermissions(cmd, serviceConfigWrite, GroupsRead)
	return cmd
}
