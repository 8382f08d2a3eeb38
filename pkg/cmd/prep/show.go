package prep

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/output"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// NewCmdShow builds `prep show`.
func NewCmdShow(f *cmdutil.Factory, runF func(string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show NAME|ID",
		Short: "Show a device-preparation policy: settings in words, the bound group and its owner, assignments",
		Long: "Shows the policy's settings decoded to words, the device group as the service reports it bound (never\n" +
			"the policy's group setting, which binds nothing), whether the Intune Provisioning Client owns that group,\n" +
			"and the user groups it is assigned to, by name.",
		Example: "  autopilotctl prep show \"DPP - Sales\"\n  autopilotctl prep show \"DPP - Sales\" -o json",
		Args:    cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkArg(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(args[0])
			}
			return showRun(cmd.Context(), f, args[0])
		},
	}
	cmdutil.SetPermissions(cmd, policiesRead, groupsRead)
	return cmd
}

// Details is `prep show`'s JSON.
type Details struct {
	*prep.Policy
	DeviceGroup             *groups.Group `json:"deviceGroup"`
	DeviceGroupID           string        `json:"deviceGroupId,omitempty"`
	BindingReadable         bool          `json:"bindingReadable"`
	ProvisioningClientOwner *bool         `json:"provisioningClientOwner,omitempty"`
	UserGroups              []string      `json:"userGroups"`
}

func showRun(ctx context.Context, f *cmdutil.Factory, nameOrID string) error {
	c, err := f.Graph()
	if err != nil {
		return err
	}
	p, err := resolvePolicy(ctx, c, nameOrID)
	if err != nil {
		return err
	}
	d := &Details{Policy: p, UserGroups: []string{}}
	b, err := prep.NewReader(c).Current(ctx, p.ID)
	switch {
	case errors.Is(err, prep.ErrUnverifiable):
	case err != nil:
		return err
	default:
		d.BindingReadable, d.DeviceGroupID = true, b.GroupID
	}
	if d.DeviceGroupID != "" {
		if g, err := groups.Get(ctx, c, d.DeviceGroupID); err == nil {
			d.DeviceGroup = g
			owners, err := groups.Owners(ctx, c, g.ID)
			if err != nil {
				return err
			}
			owned := false
			for _, o := range owners {
				owned = owned || o.AppID == prep.ProvisioningClientAppID
			}
			d.ProvisioningClientOwner = &owned
		} else if !groups.IsNotFound(err) {
			return err
		}
	}
	if _, err := prep.NameAppsAndScripts(ctx, c, &p.Settings); err != nil {
		return err
	}
	for _, id := range p.UserGroupIDs {
		d.UserGroups = append(d.UserGroups, groupName(ctx, c, id))
	}
	group := "(none bound)"
	switch {
	case !d.BindingReadable:
		group = "(unverifiable: the service answered neither GET nor POST)"
	case d.DeviceGroup != nil:
		group = fmt.Sprintf("%s (%s)", d.DeviceGroup.DisplayName, d.DeviceGroup.ID)
	case d.DeviceGroupID != "":
		group = d.DeviceGroupID + " (group not found)"
	}
	owner := "-"
	if d.ProvisioningClientOwner != nil {
		owner = map[bool]string{true: "yes", false: "NO: devices are not added during setup"}[*d.ProvisioningClientOwner]
	}
	rows := [][]string{{"name", p.Name}, {"id", p.ID}, {"mode", p.Mode.Word()}}
	if p.Mode == prep.UserDriven {
		rows = append(rows, []string{"priority", strconv.Itoa(p.Priority)}, []string{"account type", p.Settings.AccountType},
			[]string{"timeout", strconv.Itoa(p.Settings.TimeoutMinutes) + " minutes"}, []string{"error message", p.Settings.ErrorMessage},
			[]string{"allow skip", yesNo(p.Settings.AllowSkip)}, []string{"allow diagnostics", yesNo(p.Settings.AllowDiagnostics)})
	}
	rows = append(rows, []string{"device group", group}, []string{"owned by the Intune Provisioning Client", owner},
		[]string{"user groups", joinOr(d.UserGroups)})
	for _, a := range p.Settings.Apps {
		rows = append(rows, []string{"app", named(a.Name, a.ID+", "+a.Type)})
	}
	for _, s := range p.Settings.Scripts {
		rows = append(rows, []string{"script", named(s.Name, s.ID)})
	}
	return f.Print(output.Result{Data: d, Table: output.Rows{Header: []string{"FIELD", "VALUE"}, Rows: rows}})
}

// named is an app or script for people: its name and id, or the id and that the tenant no longer has it.
func named(name, id string) string {
	if name == "" {
		return id + " (not in the tenant)"
	}
	return name + " (" + id + ")"
}

func yesNo(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }

func joinOr(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	out := s[0]
	for _, v := range s[1:] {
		out += ", " + v
	}
	return out
}

func isAmbiguous(err error) bool {
	var amb *groups.AmbiguousError
	return errors.As(err, &amb)
}
