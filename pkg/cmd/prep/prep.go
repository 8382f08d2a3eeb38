// Package prep implements `autopilotctl prep`: Autopilot device-preparation policies with a verified
// enrollment-time device group — create (and finish), verify (the CI gate), show, list, update and delete.
package prep

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/internal/yamlfile"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// Graph permissions (docs/graph.md#device-preparation-and-enrollment-time-grouping): policies and their
// binding (the docs list C.R for the binding actions, which write; C.RW is what works), groups and owners,
// the Provisioning Client's service principal, apps and scripts by name.
const (
	policiesRead  = "DeviceManagementConfiguration.Read.All|DeviceManagementConfiguration.ReadWrite.All"
	policiesWrite = "DeviceManagementConfiguration.ReadWrite.All"
	groupsRead    = "Group.Read.All|Group.ReadWrite.All|Directory.Read.All|Directory.ReadWrite.All"
	groupsWrite   = "Group.ReadWrite.All|Directory.ReadWrite.All"
	spWrite       = "Application.ReadWrite.All|Directory.ReadWrite.All"
	appsRead      = "DeviceManagementApps.Read.All|DeviceManagementApps.ReadWrite.All"
)

// NewCmdPrep is the `prep` command group.
func NewCmdPrep(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prep <command>",
		Short: "Autopilot device preparation policies with a verified enrollment-time device group",
		Long: "Autopilot device preparation puts each device, during setup, into a device group (the enrollment-time\n" +
			"group) so apps and policies arrive before the desktop. That only works when the group is an assigned\n" +
			"security group, not role-assignable, owned by the Intune Provisioning Client, and bound to the policy by\n" +
			"its own action. `prep create` sets all of it up and reads it back; `prep verify` checks it in CI.\n" +
			"See docs/device-preparation.md.",
		Example: "  autopilotctl prep create \"DPP - Sales\" --device-group \"DPP - Sales devices\" --create-device-group --user-group \"Sales users\"\n" +
			"  autopilotctl prep verify --all",
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdUpdate(f, nil), NewCmdVerify(f, nil), NewCmdShow(f, nil), NewCmdList(f, nil), NewCmdDelete(f, nil))
	addCompletion(f, cmd)
	return cmd
}

// flagOf names the flag or YAML key of a spec field in errors: "--timeout", or "prep.yaml:4: timeout" (the
// key's line when the file has it).
func flagOf(field string, fromFile string) string {
	if fromFile != "" {
		if line := keyLine(fromFile, field); line > 0 {
			return fmt.Sprintf("%s:%d: %s", fromFile, line, field)
		}
		return fromFile + ": " + field
	}
	flags := map[string]string{"name": "argument 1", "mode": "--mode", "deviceGroup": "--device-group", "userGroups": "--user-group",
		"accountType": "--account-type", "timeout": "--timeout", "errorMessage": "--error-message", "apps": "--app",
		"scripts": "--script", "priority": "--priority", "description": "--description", "allowSkip": "--allow-skip",
		"allowDiagnostics": "--allow-diagnostics"}
	return flags[field]
}

// keyLine is the line of a top-level key in a YAML file already read once (0 when it can't be told).
func keyLine(file, key string) int {
	data, err := safefile.ReadFile(file, yamlfile.MaxBytes)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if m[i].Value == key {
			return m[i].Line
		}
	}
	return 0
}

// inputError turns the domain's refusals of the input into exit 2, naming the flag or file key; several
// refusals (errors.Join) are all listed, one a line.
func inputError(err error, file string) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range joined.Unwrap() {
			ie := inputError(e, file)
			var in *cmdutil.InputError
			if !errors.As(ie, &in) {
				return err
			}
			lines = append(lines, ie.Error())
		}
		return &cmdutil.InputError{Err: errors.New(strings.Join(lines, "\n"))}
	}
	var fe *prep.FieldError
	var ge *prep.GroupError
	var le *prep.LookupError
	var ce *prep.ConflictError
	switch {
	case errors.As(err, &fe):
		return cmdutil.InputErrorf("%s: %v", flagOf(fe.Field, file), fe.Err)
	case errors.As(err, &ge):
		return cmdutil.InputErrorf("%s: %v", flagOf(ge.Field, file), ge.Err)
	case errors.As(err, &le):
		return cmdutil.InputErrorf("%s: %v", flagOf(le.Field, file), le.Err)
	case errors.As(err, &ce):
		return &cmdutil.InputError{Err: err}
	}
	var nf *prep.NotFoundError
	var amb *prep.AmbiguousError
	if errors.As(err, &nf) || errors.As(err, &amb) {
		return cmdutil.InputErrorf("argument 1: %v", err)
	}
	return err
}

// AppOnly reports whether the signed-in token is an application-only token. A token that is not a JWT
// (opaque) says nothing, and counts as delegated: the service then answers for itself.
func AppOnly(ctx context.Context, f *cmdutil.Factory) (bool, error) {
	cred, err := f.Credential()
	if err != nil {
		return false, err
	}
	cloud, err := f.Cloud()
	if err != nil {
		return false, err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cloud.Scope()}})
	if err != nil {
		return false, &graph.AuthError{Err: err}
	}
	claims, err := graph.ParseClaims(tok.Token)
	return err == nil && claims.AppOnly, nil
}

// AppOnlyRefusal is the stop before anything is written: binding the device group answers 500 to app-only
// tokens, and assigning the policy to the device group instead is not the same thing.
func AppOnlyRefusal() error {
	return &cmdutil.PermissionError{Msg: "binding the device group (setEnrollmentTimeDeviceMembershipTarget) needs a delegated sign-in: " +
		"Intune answers 500 to app-only tokens. Sign in as a user (--auth device-code or --auth browser), or pass --try-app-only to try anyway. Nothing was changed."}
}

// resolvePolicy finds the policy an argument names; not found and ambiguous exit 2.
func resolvePolicy(ctx context.Context, c *graph.Client, nameOrID string) (*prep.Policy, error) {
	p, err := prep.Resolve(ctx, c, nameOrID)
	if err != nil {
		return nil, inputError(err, "")
	}
	return p, nil
}

// checkArg applies the value rule to a policy named as an argument.
func checkArg(args []string) error {
	if strings.TrimSpace(args[0]) == "" {
		return cmdutil.UsageErrorf("argument 1: policy name is empty")
	}
	if err := safetext.Check("policy name", args[0]); err != nil {
		return cmdutil.UsageErrorf("argument 1: %v", err)
	}
	return nil
}

// groupName is a group's display name for people, by id.
func groupName(ctx context.Context, c *graph.Client, id string) string {
	g, err := groups.Get(ctx, c, id)
	if err != nil {
		return id
	}
	return fmt.Sprintf("%s (%s)", g.DisplayName, g.ID)
}
