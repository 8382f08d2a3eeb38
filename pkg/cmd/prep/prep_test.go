package prep

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

const provisioningClient = "f1346770-5b25-470b-88bd-d5744ab7952c"

// tenant has the Intune Provisioning Client (unless omitted), a user group, a device group it owns, one it
// doesn't, a dynamic group, a role-assignable group, a Microsoft 365 group, two apps and two apps named alike.
func tenant(t *testing.T, omitSP bool, token string) *cmdtest.Env {
	t.Helper()
	owned := "https://graph.microsoft.com/beta/servicePrincipals(appId='" + provisioningClient + "')"
	static := func(name string, extra map[string]any) map[string]any {
		g := map[string]any{"displayName": name, "mailEnabled": false, "mailNickname": strings.ReplaceAll(strings.ToLower(name), " ", "-"), "securityEnabled": true}
		for k, v := range extra {
			g[k] = v
		}
		return g
	}
	groups := []map[string]any{
		static("Sales users", nil),
		static("No owner", nil),
		static("Dynamic", map[string]any{"groupTypes": []string{"DynamicMembership"}, "membershipRule": rule.AllAutopilotDevices()}),
		static("Admins", map[string]any{"isAssignableToRole": true}),
		{"displayName": "M365", "mailEnabled": true, "mailNickname": "m365", "securityEnabled": false, "groupTypes": []string{"Unified"}},
	}
	if !omitSP {
		groups = append(groups, static("DPP devices", map[string]any{"owners@odata.bind": []string{owned}}),
			static("Admins owned", map[string]any{"isAssignableToRole": true, "owners@odata.bind": []string{owned}}))
	}
	seed := &graphmock.Seed{DirectorySeed: graphmock.DirectorySeed{
		ServicePrincipals: []string{provisioningClient}, OmitProvisioningClient: omitSP, Groups: groups,
		MobileApps: []graphmock.SeedMobileApp{{DisplayName: "Company Portal", Type: "windowsUniversalAppX"},
			{DisplayName: "Twin"}, {DisplayName: "Twin"}},
	}}
	return cmdtest.New(t, graphmock.Options{Seed: seed, Token: token})
}

func run(e *cmdtest.Env, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	e.Mock.ResetLog()
	return e.Run(NewCmdPrep(e.Factory), args...)
}

// writes lists the writes the last run sent, as "METHOD path". The retrieve actions are reads sent as POST
// (where the tenant wants it), so they are not counted.
func writes(e *cmdtest.Env) []string {
	var out []string
	for _, r := range e.Writes() {
		if !strings.Contains(r.Path, "/retrieve") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func groupID(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	list := e.Send(t, "GET", "/groups?$filter=displayName%20eq%20'"+strings.ReplaceAll(name, " ", "%20")+"'", nil)["value"].([]any)
	return list[0].(map[string]any)["id"].(string)
}

func policyID(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	for _, p := range e.Send(t, "GET", "/deviceManagement/configurationPolicies", nil)["value"].([]any) {
		if p.(map[string]any)["name"] == name {
			return p.(map[string]any)["id"].(string)
		}
	}
	t.Fatalf("no policy %s", name)
	return ""
}

func jwt(claims string) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(`{"alg":"none"}`)) + "." + e.EncodeToString([]byte(claims)) + ".sig"
}

var create = []string{"create", "DPP - Sales", "--device-group", "DPP devices", "--user-group", "Sales users", "--app", "Company Portal"}

func TestCreateAndCleanRerun(t *testing.T) {
	e := tenant(t, false, "")
	if code := run(e, create...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	pol := policyID(t, e, "DPP - Sales")
	want := []string{"POST /deviceManagement/configurationPolicies", "POST /deviceManagement/configurationPolicies/" + pol + "/setEnrollmentTimeDeviceMembershipTarget",
		"POST /deviceManagement/configurationPolicies/" + pol + "/assign"}
	if got := writes(e); !slices.Equal(got, want) {
		t.Errorf("writes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasSuffix(e.Stderr.String(), "policy \"DPP - Sales\": 5 steps: 3 created, 2 unchanged; verified (12 checks)\n") {
		t.Errorf("stderr: %s", e.Stderr)
	}
	// The body: the template, the words mapped to ids, the group setting empty, the app's real type.
	var body map[string]any
	for _, r := range e.Mock.Requests() {
		if r.Method == "POST" && r.Path == "/deviceManagement/configurationPolicies" {
			json.Unmarshal(r.Body, &body)
		}
	}
	raw, _ := json.Marshal(body)
	for _, s := range []string{`"templateId":"80d33118-b7b4-40d8-b15f-81be745e053f_1"`, `"value":"enrollment_autopilot_dpp_accountype_1"`,
		`"value":60`, `"settingDefinitionId":"enrollment_autopilot_dpp_devicesecuritygroupids"`, `#microsoft.graph.windowsUniversalAppX`} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("create body lacks %s", s)
		}
	}
	if code := run(e, create...); code != 0 || len(writes(e)) != 0 {
		t.Errorf("re-run: exit %d, writes %v\n%s", code, writes(e), e.Stderr)
	}
	if !strings.Contains(e.Stderr.String(), "5 steps: 5 unchanged") {
		t.Errorf("re-run: %s", e.Stderr)
	}
}

func TestCreateWithoutServicePrincipalAndReplicationDelay(t *testing.T) {
	e := tenant(t, true, "")
	code := run(e, "create", "DPP - Sales", "--device-group", "New devices", "--create-device-group", "--user-group", "Sales users")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	got := writes(e)
	if got[0] != "POST /servicePrincipals" || got[1] != "POST /groups" {
		t.Errorf("writes start %v", got)
	}
	sets := 0
	for _, w := range got {
		if strings.HasSuffix(w, "/setEnrollmentTimeDeviceMembershipTarget") {
			sets++
		}
	}
	// The new group is refused once (replication), waited for, then bound.
	if sets != 2 || !slices.Contains(e.Sleeps, 2*time.Second) {
		t.Errorf("%d set calls, sleeps %v", sets, e.Sleeps)
	}
	for _, want := range []string{"servicePrincipal\tcreated\tIntune Provisioning Client", "deviceGroup\tcreated\tNew devices", "deviceGroupBinding\tcreated"} {
		if !strings.Contains(e.Stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, e.Stdout)
		}
	}
	var createBody map[string]any
	for _, r := range e.Mock.Requests() {
		if r.Method == "POST" && r.Path == "/groups" {
			json.Unmarshal(r.Body, &createBody)
		}
	}
	if binds, _ := createBody["owners@odata.bind"].([]any); len(binds) != 1 || createBody["securityEnabled"] != true || fmt.Sprint(createBody["groupTypes"]) != "[]" {
		t.Errorf("group create body: %v", createBody)
	}
}

func TestCreateReplicationNeverEnds(t *testing.T) {
	e := tenant(t, false, "")
	e.Mock.SetReplicationRefusals(100)
	code := run(e, "create", "DPP - Sales", "--device-group", "Fresh", "--create-device-group", "--user-group", "Sales users")
	if code != 3 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if !slices.Equal(e.Sleeps[len(e.Sleeps)-4:], []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}) {
		t.Errorf("sleeps %v", e.Sleeps)
	}
	for _, want := range []string{"deviceGroupBinding\tfailed", "userAssignments\tpending",
		"(securityGroupNotFound): Intune does not see the group; if it was created moments ago, run again in a minute"} {
		if !strings.Contains(e.Stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, e.Stdout)
		}
	}
	if !strings.Contains(e.Stderr.String(), "done: servicePrincipal, deviceGroup, policy. To finish, fix the cause and run the same command again: it picks up where this run stopped. To undo what this run created: autopilotctl group delete Fresh --yes; autopilotctl prep delete 'DPP - Sales' --yes") {
		t.Errorf("stderr: %s", e.Stderr)
	}
	// Running it again finishes: the group is old enough now.
	e.Mock.SetReplicationRefusals(0)
	if code := run(e, "create", "DPP - Sales", "--device-group", "Fresh", "--create-device-group", "--user-group", "Sales users"); code != 0 {
		t.Errorf("re-run: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if got := writes(e); len(got) != 2 || !strings.HasSuffix(got[0], "/setEnrollmentTimeDeviceMembershipTarget") || !strings.HasSuffix(got[1], "/assign") {
		t.Errorf("re-run writes %v", got)
	}
}

func TestCreateFixesMissingOwner(t *testing.T) {
	e := tenant(t, false, "")
	code := run(e, "create", "DPP - Sales", "--device-group", "No owner", "--user-group", "Sales users")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if got := writes(e); got[0] != "POST /groups/"+groupID(t, e, "No owner")+"/owners/$ref" {
		t.Errorf("writes %v", got)
	}
	if !strings.Contains(e.Stdout.String(), "deviceGroup\tupdated\tNo owner") {
		t.Errorf("stdout %s", e.Stdout)
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	var many []string
	for i := range 26 {
		many = append(many, "--app", fmt.Sprint("App ", i))
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown group", []string{"--device-group", "Nope"}, `--device-group: no group named or with id "Nope"`},
		{"dynamic group", []string{"--device-group", "Dynamic"}, `--device-group: group "Dynamic" (` + "ID" + `) is dynamic: its members come from a rule; a device-preparation device group must be an assigned security group that is not role-assignable (use an assigned group: Intune adds each device itself)`},
		{"mail-enabled group", []string{"--device-group", "M365"}, `is not a security group (mail-enabled or Microsoft 365)`},
		{"role-assignable group", []string{"--device-group", "Admins owned"}, `is role-assignable;`},
		{"no owner, --no-fix", []string{"--device-group", "No owner", "--no-fix"}, "the Intune Provisioning Client (" + provisioningClient + ") is not an owner, so Intune can't add devices to it; --no-fix leaves it"},
		{"assignments for automatic", []string{"--device-group", "DPP devices", "--mode", "automatic", "--user-group", "Sales users"}, "--user-group: an automatic policy has no user assignments"},
		{"26 apps", append([]string{"--device-group", "DPP devices"}, many...), "--app: 26 apps; a policy installs at most 25"},
		{"timeout 5", []string{"--device-group", "DPP devices", "--timeout", "5m"}, `--timeout: timeout "5m0s" is outside 15 to 720 minutes`},
		{"ambiguous app", []string{"--device-group", "DPP devices", "--app", "Twin"}, `--app: 2 apps are named "Twin"`},
		{"unknown app", []string{"--device-group", "DPP devices", "--app", "Nope"}, `--app: no app named or with id "Nope"`},
		{"unknown mode", []string{"--device-group", "DPP devices", "--mode", "kiosk"}, `--mode: mode "kiosk" is not user-driven or automatic`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenant(t, false, "")
			code := run(e, append([]string{"create", "DPP - Sales"}, tt.args...)...)
			want := strings.ReplaceAll(tt.want, "ID", groupIDOr(t, e, "Dynamic"))
			if code != 2 || !strings.Contains(e.Stderr.String(), want) || len(e.Writes()) != 0 {
				t.Errorf("exit %d, writes %v\nstderr %s\nwant   %s", code, writes(e), e.Stderr, want)
			}
		})
	}
}

func groupIDOr(t *testing.T, e *cmdtest.Env, name string) string { return groupID(t, e, name) }

func TestAppOnlyTokenStopsBeforeWriting(t *testing.T) {
	e := tenant(t, false, jwt(`{"idtyp":"app","roles":["DeviceManagementConfiguration.ReadWrite.All"],"tid":"t"}`))
	code := run(e, create...)
	if code != 4 || len(e.Writes()) != 0 {
		t.Fatalf("exit %d, writes %v\n%s", code, writes(e), e.Stderr)
	}
	if !strings.Contains(e.Stderr.String(), "needs a delegated sign-in: Intune answers 500 to app-only tokens. Sign in as a user (--auth device-code or --auth browser), or pass --try-app-only to try anyway. Nothing was changed.") {
		t.Errorf("stderr %s", e.Stderr)
	}
	// --try-app-only goes ahead; the service answers 500 and the run says why.
	if code := run(e, append(create, "--try-app-only")...); code != 3 || !strings.Contains(e.Stdout.String(), "Intune answers 500 to setEnrollmentTimeDeviceMembershipTarget for app-only tokens") {
		t.Errorf("--try-app-only: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	// Verify reads with an app-only token (the policy is there, unbound); the legacy read refuses such
	// tokens, so apisAgree is left out rather than failed.
	code, failed := failingChecks(t, e, "DPP - Sales")
	if code != 1 || strings.Join(failed, ",") != "bound,assignedToUsers" || strings.Contains(e.Stdout.String(), "apisAgree") {
		t.Errorf("verify app-only: exit %d failed %v\n%s%s", code, failed, e.Stdout, e.Stderr)
	}
}

// failingChecks runs verify -o json and returns the exit code and the names of the failed checks.
func failingChecks(t *testing.T, e *cmdtest.Env, args ...string) (int, []string) {
	t.Helper()
	code := run(e, append([]string{"verify", "-o", "json"}, args...)...)
	var res struct {
		Policies []struct {
			Checks []struct {
				Name string
				OK   bool
			}
		}
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &res); err != nil {
		t.Fatalf("%v\n%s%s", err, e.Stdout, e.Stderr)
	}
	var failed []string
	for _, p := range res.Policies {
		for _, c := range p.Checks {
			if !c.OK {
				failed = append(failed, c.Name)
			}
		}
	}
	return code, failed
}

func TestVerifyEachFailingCheck(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		brk   func(t *testing.T, e *cmdtest.Env, pol string)
		fails string
	}{
		{"nothing wrong", nil, func(*testing.T, *cmdtest.Env, string) {}, ""},
		{"no binding", nil, func(t *testing.T, e *cmdtest.Env, pol string) {
			e.Send(t, "POST", "/deviceManagement/configurationPolicies/"+pol+"/clearEnrollmentTimeDeviceMembershipTarget", nil)
		}, "bound"},
		{"unreadable", nil, func(_ *testing.T, e *cmdtest.Env, _ string) { e.Mock.SetRetrieveVerbs(graphmock.RetrieveNone) }, "readable"},
		{"APIs disagree", nil, func(t *testing.T, e *cmdtest.Env, pol string) {
			e.Mock.SetLegacyDeviceGroup(pol, groupID(t, e, "No owner"))
		}, "apisAgree"},
		{"group deleted", nil, func(t *testing.T, e *cmdtest.Env, _ string) {
			e.Send(t, "DELETE", "/groups/"+groupID(t, e, "DPP devices"), nil)
		},
			"groupExists,serviceValidation"},
		{"group made dynamic", nil, func(t *testing.T, e *cmdtest.Env, _ string) {
			e.Send(t, "PATCH", "/groups/"+groupID(t, e, "DPP devices"), map[string]any{"groupTypes": []string{"DynamicMembership"},
				"membershipRule": rule.AllAutopilotDevices(), "membershipRuleProcessingState": "On"})
		}, "staticGroup,serviceValidation"},
		{"owner removed", nil, func(t *testing.T, e *cmdtest.Env, _ string) {
			sp := e.Send(t, "GET", "/servicePrincipals(appId='"+provisioningClient+"')", nil)["id"].(string)
			e.Send(t, "DELETE", "/groups/"+groupID(t, e, "DPP devices")+"/owners/"+sp+"/$ref", nil)
		}, "provisioningClientOwner,serviceValidation"},
		{"other group expected", []string{"--expect-group", "No owner"}, func(*testing.T, *cmdtest.Env, string) {}, "expectedGroup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tenant(t, false, "")
			if code := run(e, create...); code != 0 {
				t.Fatalf("create: exit %d\n%s%s", code, e.Stdout, e.Stderr)
			}
			tt.brk(t, e, policyID(t, e, "DPP - Sales"))
			code, failed := failingChecks(t, e, append([]string{"DPP - Sales"}, tt.args...)...)
			wantCode := 1
			if tt.fails == "" {
				wantCode = 0
			}
			if got := strings.Join(failed, ","); got != tt.fails || code != wantCode {
				t.Errorf("exit %d, failed %q, want %d %q\n%s", code, got, wantCode, tt.fails, e.Stderr)
			}
		})
	}
}

func TestVerifyRoleAssignableUnassignedAndMissingScript(t *testing.T) {
	e := tenant(t, false, "")
	script := e.Send(t, "POST", "/deviceManagement/deviceManagementScripts", map[string]any{"displayName": "Time zone", "fileName": "tz.ps1", "scriptContent": "V3JpdGUtSG9zdCAx"})["id"].(string)
	if code := run(e, "create", "DPP - Sales", "--device-group", "DPP devices", "--script", "Time zone"); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	// Created without a user group as asked (warned): exit 0, and the last line says which check fails and why.
	if !strings.Contains(e.Stderr.String(), "warning: a user-driven policy without a user group does nothing until it is assigned to one\n") ||
		!strings.HasSuffix(e.Stderr.String(), "5 steps: 2 created, 3 unchanged; verified: 11 of 12 checks pass; assignedToUsers: assigned to no user group, so the policy does nothing until it is assigned to one (assign it to a group of users: autopilotctl prep update 'DPP - Sales' --user-group GROUP)\n") ||
		strings.Contains(e.Stderr.String(), "✗") ||
		!strings.Contains(e.Stdout.String(), "userAssignments\tunchanged\t\t\tassigned to no user group, so the policy does nothing until it is assigned to one\n") {
		t.Errorf("stderr %s", e.Stderr)
	}
	e.Send(t, "DELETE", "/deviceManagement/deviceManagementScripts/"+script, nil)
	// Intune's own validation accepts a role-assignable group (not confirmed); verify does not.
	pol := policyID(t, e, "DPP - Sales")
	e.Send(t, "POST", "/deviceManagement/configurationPolicies/"+pol+"/setEnrollmentTimeDeviceMembershipTarget",
		map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{map[string]any{"targetType": "staticSecurityGroup", "targetId": groupID(t, e, "Admins owned")}}})
	code, failed := failingChecks(t, e, "DPP - Sales")
	if code != 1 || strings.Join(failed, ",") != "notRoleAssignable,assignedToUsers,appsAndScripts" {
		t.Errorf("exit %d, failed %v", code, failed)
	}
}

func TestVerifyRetrieveVerbsAndShapes(t *testing.T) {
	for _, verbs := range []graphmock.RetrieveVerbs{graphmock.RetrieveGET, graphmock.RetrievePOST, graphmock.RetrieveBoth} {
		for _, shape := range []graphmock.TargetShape{graphmock.ShapeStatuses, graphmock.ShapeTargets, graphmock.ShapeRoot, graphmock.ShapeValue} {
			t.Run(string(verbs)+"/"+string(shape), func(t *testing.T) {
				e := tenant(t, false, "")
				e.Mock.SetRetrieveVerbs(verbs)
				e.Mock.SetTargetShape(shape)
				if code := run(e, create...); code != 0 {
					t.Fatalf("create: exit %d\n%s%s", code, e.Stdout, e.Stderr)
				}
				code := run(e, "verify", "DPP - Sales", "--expect-group", "DPP devices")
				want := "read with " + strings.Split(string(verbs), "+")[0]
				if code != 0 || !strings.Contains(e.Stdout.String(), want) {
					t.Errorf("exit %d (want %q)\n%s%s", code, want, e.Stdout, e.Stderr)
				}
				// serviceValidation is there only when the answer carries a verdict.
				hasVerdict := shape == graphmock.ShapeStatuses || shape == graphmock.ShapeValue
				if strings.Contains(e.Stdout.String(), "serviceValidation") != hasVerdict {
					t.Errorf("serviceValidation shown %v:\n%s", !hasVerdict, e.Stdout)
				}
				// The verb that answered is remembered: no retrieve answered 400 after it.
				for _, r := range e.Mock.Requests() {
					if strings.HasSuffix(r.Path, "/retrieveEnrollmentTimeDeviceMembershipTarget") && r.Status == 400 && verbs != graphmock.RetrievePOST {
						t.Errorf("a retrieve went to the wrong verb: %s", r.Method)
					}
				}
			})
		}
	}
}

func TestVerifyAllAndJSON(t *testing.T) {
	e := tenant(t, false, "")
	run(e, create...)
	run(e, "create", "DPP - Kiosk", "--device-group", "DPP devices", "--mode", "automatic")
	if code := run(e, "verify", "--all", "-o", "json"); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	var res struct {
		Policies []struct {
			PolicyID, PolicyName, Mode string
			OK                         bool
			Checks                     []map[string]any
		}
		OK bool
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &res); err != nil || !res.OK || len(res.Policies) != 2 {
		t.Fatalf("%v %s", err, e.Stdout)
	}
	if res.Policies[1].Mode != "automatic" || res.Policies[0].Mode != "userDriven" || slices.ContainsFunc(res.Policies[1].Checks, func(c map[string]any) bool { return c["name"] == "assignedToUsers" }) {
		t.Errorf("policies %+v", res.Policies)
	}
	if e.Stderr.String() != "2 device-preparation policies verified\n" {
		t.Errorf("stderr %q", e.Stderr)
	}
	for _, args := range [][]string{{"verify"}, {"verify", "--all", "DPP - Sales"}, {"verify", "Nope"}} {
		if code := run(e, args...); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

func TestYAMLFileAndUpdate(t *testing.T) {
	e := tenant(t, false, "")
	dir := t.TempDir()
	file := filepath.Join(dir, "prep.yaml")
	os.WriteFile(file, []byte("name: DPP - Sales\ndeviceGroup: DPP devices\nuserGroups: [Sales users]\naccountType: administrator\ntimeout: 90m\nerrorMessage: Call the help desk ’now’\napps: [Company Portal]\npriority: 1\n"), 0o600)
	if code := run(e, "create", "-f", file); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if code := run(e, "create", "-f", file); code != 0 || len(writes(e)) != 0 {
		t.Errorf("re-run from the file: exit %d writes %v", code, writes(e))
	}
	os.WriteFile(file, []byte("name: DPP - Sales\ndeviceGroup: DPP devices\ncolour: blue\n"), 0o600)
	if code := run(e, "create", "-f", file); code != 2 || !strings.Contains(e.Stderr.String(), file+":3:") || len(e.Writes()) != 0 {
		t.Errorf("unknown key: exit %d\n%s", code, e.Stderr)
	}
	// A create that differs is refused; update changes the policy in place with PUT.
	if code := run(e, "create", "DPP - Sales", "--device-group", "DPP devices", "--timeout", "30m"); code != 2 || !strings.Contains(e.Stderr.String(), "exists and differs") {
		t.Errorf("differing create: exit %d\n%s", code, e.Stderr)
	}
	if code := run(e, "update", "DPP - Sales", "--timeout", "30m"); code != 0 {
		t.Fatalf("update: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	pol := policyID(t, e, "DPP - Sales")
	if got := writes(e); !slices.Equal(got, []string{"PUT /deviceManagement/configurationPolicies/" + pol}) {
		t.Errorf("update writes %v", got)
	}
	if !strings.Contains(e.Stderr.String(), "policy timeoutMinutes: 90 → 30") {
		t.Errorf("update stderr %s", e.Stderr)
	}
	run(e, "show", "DPP - Sales")
	for _, want := range []string{"account type\tadministrator", "timeout\t30 minutes", "error message\tCall the help desk ’now’", "device group\tDPP devices (", "owned by the Intune Provisioning Client\tyes", "user groups\tSales users ("} {
		if !strings.Contains(e.Stdout.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, e.Stdout)
		}
	}
	if code := run(e, "list"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "DPP - Sales\tuser-driven\t1\t"+pol) {
		t.Errorf("list: %s", e.Stdout)
	}
	if code := run(e, "delete", "DPP - Sales"); code != 2 {
		t.Errorf("delete without --yes off a terminal: exit %d", code)
	}
	if code := run(e, "delete", "DPP - Sales", "--yes"); code != 0 || !slices.Equal(writes(e), []string{"DELETE /deviceManagement/configurationPolicies/" + pol}) {
		t.Errorf("delete: exit %d writes %v", code, writes(e))
	}
}

// A per-target verdict decides serviceValidation whatever the top level says (or when it is absent).
func TestVerifyPerTargetVerdict(t *testing.T) {
	for shape, detail := range map[graphmock.TargetShape]string{
		graphmock.ShapePerTarget:       `"Intune's validation fails (firstPartyAppNotAnOwner): the Intune Provisioning Client`,
		graphmock.ShapePerTargetNoCode: `"Intune's validation fails: Intune gave no error code"`,
		graphmock.ShapeContradicting:   `"Intune's validation fails (firstPartyAppNotAnOwner): the Intune Provisioning Client`,
	} {
		t.Run(string(shape), func(t *testing.T) {
			e := tenant(t, false, "")
			e.Mock.SetTargetShape(shape)
			if code := run(e, create...); code != 0 {
				t.Fatalf("create: exit %d\n%s%s", code, e.Stdout, e.Stderr)
			}
			if code, failed := failingChecks(t, e, "DPP - Sales"); code != 0 || len(failed) != 0 || !strings.Contains(e.Stdout.String(), `"Intune validates the binding"`) {
				t.Errorf("valid binding: exit %d, failed %v\n%s", code, failed, e.Stdout)
			}
			sp := e.Send(t, "GET", "/servicePrincipals(appId='"+provisioningClient+"')", nil)["id"].(string)
			e.Send(t, "DELETE", "/groups/"+groupID(t, e, "DPP devices")+"/owners/"+sp+"/$ref", nil)
			code, failed := failingChecks(t, e, "DPP - Sales")
			if code != 1 || strings.Join(failed, ",") != "provisioningClientOwner,serviceValidation" || !strings.Contains(e.Stdout.String(), detail) ||
				strings.Contains(e.Stdout.String(), "no group") {
				t.Errorf("exit %d, failed %v\n%s", code, failed, e.Stdout)
			}
		})
	}
}

// A 500 from binding the group under a delegated token is not blamed on app-only tokens.
func TestBind500WithDelegatedTokenIsNotBlamedOnAppOnly(t *testing.T) {
	e := tenant(t, false, jwt(`{"idtyp":"user","scp":"DeviceManagementConfiguration.ReadWrite.All","tid":"t"}`))
	e.Mock.SetAppOnlyCaller(true)
	code := run(e, create...)
	if code != 3 || !strings.Contains(e.Stdout.String(), "500") || strings.Contains(e.Stdout.String()+e.Stderr.String(), "app-only") {
		t.Errorf("exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

// A priority past the last place among the mode's policies is refused before anything is written: reorder
// takes 1 to their count only, and the policy would be left created.
func TestPriorityPastTheLastPlaceIsRefused(t *testing.T) {
	e := tenant(t, false, "")
	code := run(e, append(create, "--priority", "2")...)
	if code != 2 || len(writes(e)) != 0 || !strings.Contains(e.Stderr.String(), "--priority: priority 2 is past the last place: the tenant has 0 other user-driven policies, so this one takes 1 to 1\n") {
		t.Fatalf("exit %d %v\n%s", code, writes(e), e.Stderr)
	}
	if code := run(e, append(create, "--priority", "1")...); code != 0 {
		t.Fatalf("priority 1: exit %d\n%s", code, e.Stderr)
	}
	if code := run(e, "update", "DPP - Sales", "--priority", "2"); code != 2 || len(writes(e)) != 0 || !strings.Contains(e.Stderr.String(), "so this one takes 1 to 1\n") {
		t.Errorf("update: exit %d %v\n%s", code, writes(e), e.Stderr)
	}
}
