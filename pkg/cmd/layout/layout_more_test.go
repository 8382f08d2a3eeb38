package layout

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// provisioningClient is the Intune Provisioning Client's appId (docs/graph.md#device-preparation-and-enrollment-time-grouping).
const provisioningClient = "f1346770-5b25-470b-88bd-d5744ab7952c"

// idOf is the id of the one object of a collection whose key (displayName, name) is name.
func idOf(t *testing.T, e *cmdtest.Env, collection, key, name string) string {
	t.Helper()
	list := e.Send(t, "GET", collection, nil)["value"].([]any)
	var ids []string
	for _, o := range list {
		if m := o.(map[string]any); strings.EqualFold(m[key].(string), name) {
			ids = append(ids, m["id"].(string))
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s named %q: %v", collection, name, ids)
	}
	return ids[0]
}

func groupID(t *testing.T, e *cmdtest.Env, name string) string {
	return idOf(t, e, "/groups", "displayName", name)
}

const espPath = "/deviceManagement/deviceEnrollmentConfigurations"

func espID(t *testing.T, e *cmdtest.Env, name string) string {
	return idOf(t, e, espPath, "displayName", name)
}

func policyID(t *testing.T, e *cmdtest.Env, name string) string {
	return idOf(t, e, "/deviceManagement/configurationPolicies", "name", name)
}

// planText runs plan and returns its output; exit must be 0.
func planText(t *testing.T, e *cmdtest.Env, file string) string {
	t.Helper()
	if code := run(e, NewCmdPlan, "-f", file); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("plan wrote: %v", w)
	}
	return e.Stdout.String()
}

const twoESPs = `groups:
  - displayName: AP Sales
    groupTag: Sales
esps:
  - displayName: ESP Sales
    priority: 1
    assign: [AP Sales]
  - displayName: ESP Kiosk
`

// An ESP moved by hand to another place is one update of its priority (the file places only that one);
// apply moves it back with one setPriority and nothing else.
func TestESPPriorityDriftAloneIsOneUpdate(t *testing.T) {
	e := empty(t)
	file := writeFile(t, twoESPs)
	applyOK(t, e, file)
	sales := espID(t, e, "ESP Sales")
	e.Send(t, "POST", espPath+"/"+sales+"/setPriority", map[string]any{"priority": 2})

	out := planText(t, e, file)
	want := `~ update ESP "ESP Sales" (` + safetext.Short(sales) + ")\n    priority: 2 → 1\n" +
		"Plan: 0 to create, 1 to update, 0 to replace, 0 to delete; 2 unchanged.\n"
	if out != want {
		t.Errorf("plan:\n%s\nwant:\n%s", out, want)
	}
	applyOK(t, e, file)
	if w := writes(e); strings.Join(w, "\n") != "POST "+espPath+"/"+sales+"/setPriority" {
		t.Errorf("apply wrote %v, want the one setPriority", w)
	}
	noChanges(t, e, file)
}

const prepLayout = `groups:
  - displayName: DPP Devices
    description: Devices join this group during setup
  - displayName: DPP Users
devicePreparation:
  - name: DPP Sales
    mode: user-driven
    deviceGroup: DPP Devices
    userGroups: [DPP Users]
    accountType: standard
    timeout: 60m
`

// editPolicy changes one setting of a policy as an admin in the portal would: the whole policy PUT back with
// that setting's value replaced.
func editPolicy(t *testing.T, e *cmdtest.Env, id, setting string, value any) {
	t.Helper()
	pol := e.Send(t, "GET", "/deviceManagement/configurationPolicies/"+id+"?$expand=settings", nil)
	found := false
	for _, raw := range pol["settings"].([]any) {
		inst := raw.(map[string]any)["settingInstance"].(map[string]any)
		if inst["settingDefinitionId"] != setting {
			continue
		}
		found = true
		if v, ok := inst["choiceSettingValue"].(map[string]any); ok {
			v["value"] = value
		} else {
			inst["simpleSettingValue"].(map[string]any)["value"] = value
		}
	}
	if !found {
		t.Fatalf("policy %s has no setting %s", id, setting)
	}
	body := map[string]any{}
	for _, k := range []string{"name", "description", "platforms", "technologies", "roleScopeTagIds", "templateReference", "settings"} {
		body[k] = pol[k]
	}
	e.Send(t, "PUT", "/deviceManagement/configurationPolicies/"+id, body)
}

// spID is the Intune Provisioning Client's service principal.
func spID(t *testing.T, e *cmdtest.Env) string {
	return e.Send(t, "GET", "/servicePrincipals(appId='"+provisioningClient+"')", nil)["id"].(string)
}

// Each kind of device-preparation drift made by hand is one update naming what drifted, read back from the
// tenant (the binding through the retrieve call); apply repairs it with the writes that kind needs, and the
// plan after it shows no changes.
func TestDevicePreparationDriftIsFoundAndRepaired(t *testing.T) {
	policies := "/deviceManagement/configurationPolicies/"
	// The device group named by the policy but not listed in the file's groups: the tenant's.
	tenantGroup := strings.Replace(prepLayout, "  - displayName: DPP Devices\n    description: Devices join this group during setup\n", "", 1)
	cases := []struct {
		name   string
		file   string // the file planned after the drift; prepLayout when empty
		drift  func(t *testing.T, e *cmdtest.Env, id *ids)
		plan   func(id ids) string // the plan's lines but the summary
		writes func(id ids) []string
	}{
		{"timeout", "", func(t *testing.T, e *cmdtest.Env, id *ids) {
			editPolicy(t, e, id.pol, "enrollment_autopilot_dpp_timeout", 90)
		}, func(id ids) string {
			return `~ update device-preparation policy "DPP Sales" (` + id.pol + ")\n    timeoutMinutes: 90 → 60\n"
		}, func(id ids) []string { return []string{"PUT " + policies + id.pol} }},
		{"accountType", "", func(t *testing.T, e *cmdtest.Env, id *ids) {
			editPolicy(t, e, id.pol, "enrollment_autopilot_dpp_accountype", "enrollment_autopilot_dpp_accountype_0")
		}, func(id ids) string {
			return `~ update device-preparation policy "DPP Sales" (` + id.pol + ")\n    accountType: \"administrator\" → \"standard\"\n"
		}, func(id ids) []string { return []string{"PUT " + policies + id.pol} }},
		{"bound group", "", func(t *testing.T, e *cmdtest.Env, id *ids) {
			// Another admin binds another group, owned by the Provisioning Client as Intune demands.
			id.other = e.Send(t, "POST", "/groups", map[string]any{"displayName": "DPP Other", "mailEnabled": false, "mailNickname": "dpp-other",
				"securityEnabled": true, "groupTypes": []string{}, "owners@odata.bind": []string{"https://graph.microsoft.com/v1.0/servicePrincipals/" + spID(t, e)}})["id"].(string)
			e.Clock.Advance(time.Minute) // Intune sees a new group only after a while (docs/graph.md)
			res := e.Send(t, "POST", policies+id.pol+"/setEnrollmentTimeDeviceMembershipTarget", map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{
				map[string]any{"targetType": "staticSecurityGroup", "targetId": id.other}}})
			if res["validationSucceeded"] != true {
				t.Fatalf("binding DPP Other: %v", res)
			}
		}, func(id ids) string {
			return `~ update device-preparation policy "DPP Sales" (` + id.pol + ")\n    deviceGroup: \"DPP Other\" → \"DPP Devices\"\n"
		}, func(id ids) []string {
			return []string{"POST " + policies + id.pol + "/setEnrollmentTimeDeviceMembershipTarget"}
		}},
		// The file lists the device group: the group's line says which owner it gets (apply adds it there).
		{"owner removed, group in the file", "", removeOwner, func(id ids) string {
			return `~ update group "DPP Devices" (` + id.devices + ")\n    owners: [] → [\"" + provisioningClient + "\"]\n"
		}, func(id ids) []string { return []string{"POST /groups/" + id.devices + "/owners/$ref"} }},
		{"owner removed, group in the tenant only", tenantGroup, removeOwner, func(id ids) string {
			return `~ update device-preparation policy "DPP Sales" (` + id.pol + ")\n" +
				`    deviceGroup.owners: "without the Intune Provisioning Client" → "with ` + provisioningClient + "\"\n"
		}, func(id ids) []string {
			// The policy was planned while Intune called its binding invalid (firstPartyAppNotAnOwner), so
			// the same group is bound again once the owner is back, and read back valid.
			return []string{"POST /groups/" + id.devices + "/owners/$ref", "POST " + policies + id.pol + "/setEnrollmentTimeDeviceMembershipTarget"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			applyOK(t, e, writeFile(t, prepLayout))
			file := writeFile(t, tc.file)
			if tc.file == "" {
				file = writeFile(t, prepLayout)
			}
			id := ids{pol: policyID(t, e, "DPP Sales"), devices: groupID(t, e, "DPP Devices")}
			tc.drift(t, e, &id)
			out := planText(t, e, file)
			unchanged := map[bool]string{true: "2", false: "1"}[tc.file == ""]
			if want := tc.plan(id) + "Plan: 0 to create, 1 to update, 0 to replace, 0 to delete; " + unchanged + " unchanged.\n"; out != want {
				t.Errorf("plan:\n%s\nwant:\n%s", out, want)
			}
			applyOK(t, e, file)
			if got, want := strings.Join(writes(e), "\n"), strings.Join(tc.writes(id), "\n"); got != want {
				t.Errorf("apply wrote:\n%s\nwant:\n%s", got, want)
			}
			noChanges(t, e, file)
		})
	}
}

// ids are the objects a device-preparation drift case names.
type ids struct{ pol, devices, other string }

// removeOwner takes the Provisioning Client off the device group's owners, as another admin might.
func removeOwner(t *testing.T, e *cmdtest.Env, id *ids) {
	e.Send(t, "DELETE", "/groups/"+id.devices+"/owners/"+spID(t, e)+"/$ref", nil)
}

// A policy whose mode changes is another template: plan says replace and why, apply deletes the old policy
// and creates the new one (bound to the same group), and the plan after it shows no changes.
func TestPrepModeChangeIsAReplace(t *testing.T) {
	e := empty(t)
	applyOK(t, e, writeFile(t, prepLayout))
	old := policyID(t, e, "DPP Sales")
	file := writeFile(t, `groups:
  - displayName: DPP Devices
    description: Devices join this group during setup
  - displayName: DPP Users
devicePreparation:
  - name: DPP Sales
    mode: automatic
    deviceGroup: DPP Devices
`)
	want := `-/+ replace device-preparation policy "DPP Sales" (` + old + ")\n" +
		"    because its mode changes from user-driven to automatic (another policy template)\n" +
		"Plan: 0 to create, 0 to update, 1 to replace, 0 to delete; 2 unchanged.\n"
	if out := planText(t, e, file); out != want {
		t.Errorf("plan:\n%s\nwant:\n%s", out, want)
	}
	applyOK(t, e, file)
	w := writes(e)
	if len(w) != 3 || w[0] != "DELETE /deviceManagement/configurationPolicies/"+old || w[1] != "POST /deviceManagement/configurationPolicies" ||
		!strings.HasSuffix(w[2], "/setEnrollmentTimeDeviceMembershipTarget") {
		t.Errorf("apply wrote %v, want the old policy deleted, the new one created and bound", w)
	}
	if !strings.Contains(e.Stdout.String(), "\treplaced\t") || !strings.Contains(e.Stdout.String(), "replaced "+old) {
		t.Errorf("report:\n%s", e.Stdout)
	}
	if now := policyID(t, e, "DPP Sales"); now == old {
		t.Errorf("the policy kept its id %s", old)
	}
	noChanges(t, e, file)
}

// A tenant group that Intune can't use as an enrollment-time device group, named as a policy's deviceGroup,
// is refused at the file's line before anything is written.
func TestUnusableTenantDeviceGroupExits2(t *testing.T) {
	cases := []struct {
		name  string
		group map[string]any
		why   string
	}{
		{"dynamic", map[string]any{"groupTypes": []string{"DynamicMembership"}, "membershipRule": rule.AllAutopilotDevices(),
			"membershipRuleProcessingState": "On"}, "dynamic: its members come from a rule"},
		{"role-assignable", map[string]any{"groupTypes": []string{}, "isAssignableToRole": true}, "role-assignable;"},
		{"Microsoft 365", map[string]any{"groupTypes": []string{"Unified"}, "mailEnabled": true}, "not a security group (mail-enabled or Microsoft 365)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			body := map[string]any{"displayName": "Bad Devices", "mailEnabled": false, "mailNickname": "bad-devices", "securityEnabled": true}
			for k, v := range tc.group {
				body[k] = v
			}
			id := e.Send(t, "POST", "/groups", body)["id"].(string)
			file := writeFile(t, "devicePreparation:\n  - name: DPP Sales\n    mode: user-driven\n    deviceGroup: Bad Devices\n")
			for _, args := range [][]string{{"plan", "-f", file}, {"apply", "-f", file, "--yes"}} {
				cmd := NewCmdPlan
				if args[0] == "apply" {
					cmd = NewCmdApply
				}
				if code := run(e, cmd, args[1:]...); code != 2 {
					t.Errorf("%s: exit %d, want 2\n%s%s", args[0], code, e.Stdout, e.Stderr)
				}
				want := "error: " + file + `:4: devicePreparation[0].deviceGroup: group "Bad Devices" (` + id + ") is " + tc.why
				if !strings.HasPrefix(e.Stderr.String(), want) {
					t.Errorf("%s stderr:\n%s\nwant it to start %q", args[0], e.Stderr, want)
				}
				if w := writes(e); len(w) > 0 {
					t.Errorf("%s wrote %v", args[0], w)
				}
			}
		})
	}
}

// On a terminal apply shows the plan and asks: "n" writes nothing (exit 2, as a refused confirmation is
// documented to), "y" applies with progress. In a pipeline without --yes it refuses before any write.
func TestApplyAsksOnATerminal(t *testing.T) {
	e := empty(t)
	file := writeFile(t, oneOfEach)
	plan := "+ create group \"AP Sales\"\n+ create group \"AP Old\"\n+ create ESP \"ESP Sales\"\n+ create profile \"Sales\"\n" +
		"Plan: 4 to create, 0 to update, 0 to replace, 0 to delete; 0 unchanged.\n"
	if code := run(e, NewCmdApply, "-f", file); code != 2 || len(writes(e)) > 0 || e.Stderr.String() != plan+
		"error: not applying anything without confirmation: pass --yes (or --dry-run to see what would change)\nRun 'autopilotctl apply --help' for usage.\n" {
		t.Errorf("in a pipeline: exit %d, wrote %v\n%s", code, writes(e), e.Stderr)
	}
	e.Factory.IOStreams.SetTTY(true, true, true)
	e.Stdin.Reset("n\n")
	if code := run(e, NewCmdApply, "-f", file); code != 2 || len(writes(e)) > 0 ||
		e.Stderr.String() != plan+"Apply these changes? [y/N]: error: cancelled: nothing was changed\n" {
		t.Errorf("answered n: exit %d, wrote %v\n%s", code, writes(e), e.Stderr)
	}
	e.Stdin.Reset("y\n")
	if code := run(e, NewCmdApply, "-f", file); code != 0 {
		t.Fatalf("answered y: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	progress := "[1/4] create group \"AP Sales\"\n[2/4] create group \"AP Old\"\n[3/4] create ESP \"ESP Sales\"\n[4/4] create profile \"Sales\"\n"
	if got := e.Stderr.String(); got != plan+"Apply these changes? [y/N]: "+progress+"apply: 4 created\n" {
		t.Errorf("answered y:\n%s", got)
	}
	e.Factory.IOStreams.SetTTY(false, false, false)
	noChanges(t, e, file)
}

// failWrite answers the n-th request with method to a path ending in suffix with status and a Graph error
// body, before it reaches the mock (as a service fault would); every other request goes through. It must be
// set up before the command's first Graph call (the Factory builds its client once).
type failWrite struct {
	next           http.RoundTripper
	method, suffix string
	n, status      int

	mu   sync.Mutex
	seen int
	off  bool
}

func (f *failWrite) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	hit := false
	if !f.off && r.Method == f.method && strings.HasSuffix(r.URL.Path, f.suffix) {
		f.seen++
		hit = f.seen == f.n
	}
	f.mu.Unlock()
	if !hit {
		return f.next.RoundTrip(r)
	}
	body := `{"error":{"code":"InternalServerError","message":"injected by the test"}}`
	if f.status == http.StatusBadRequest {
		body = `{"error":{"code":"BadRequest","message":"injected by the test"}}`
	}
	return &http.Response{StatusCode: f.status, Status: http.StatusText(f.status), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}, nil
}

// A write failing part-way stops apply: exit 3, the report says what was done and what is pending, the
// message says to run it again; running it again once the fault is gone finishes, and nothing is left to do.
func TestApplyStoppingPartWayReportsAndARerunConverges(t *testing.T) {
	cases := []struct {
		name           string
		method, suffix string
		n, status      int
		statuses       []string // per object: AP Sales, AP Old, ESP Sales, Sales
		done           string
		failedMsg      string // what the failed object's own line says was done and not
		rerun          string // what the run after the fault reports, as the summary line
	}{
		{"second group create", "POST", "/groups", 2, http.StatusInternalServerError,
			[]string{"created", "failed", "pending", "pending"}, `create group "AP Sales"`, "", "apply: 3 created, 1 unchanged"},
		// The ESP is made and placed, then its assignment fails: its line says so, and the re-run only assigns it.
		{"ESP assignment", "POST", "/assign", 1, http.StatusBadRequest,
			[]string{"created", "created", "failed", "pending"}, `create group "AP Sales", create group "AP Old"`,
			`; priority 1; not done: assignment to AP Sales`, "apply: 1 created, 1 updated, 2 unchanged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			fault := &failWrite{next: e.Mock.Client().Transport, method: tc.method, suffix: tc.suffix, n: tc.n, status: tc.status}
			if fault.next == nil {
				fault.next = http.DefaultTransport
			}
			e.Factory.HTTPClient = &http.Client{Transport: fault}
			file := writeFile(t, oneOfEach)
			if code := run(e, NewCmdApply, "-f", file, "--yes", "-o", "json"); code != 3 {
				t.Fatalf("exit %d, want 3\n%s%s", code, e.Stdout, e.Stderr)
			}
			var rep struct {
				Objects []struct {
					Kind, Name, Status, Error, Message string
				}
				Message string
			}
			if err := json.Unmarshal([]byte(e.Stdout.String()), &rep); err != nil {
				t.Fatalf("%v\n%s", err, e.Stdout)
			}
			var got []string
			for _, o := range rep.Objects {
				got = append(got, o.Status)
				if o.Status == "failed" && (!strings.Contains(o.Error, "injected by the test") || !strings.HasSuffix(o.Message, tc.failedMsg)) {
					t.Errorf("%s: error %q, message %q: want what the service answered, and a message ending %q", o.Name, o.Error, o.Message, tc.failedMsg)
				}
				if o.Status == "pending" && o.Message != "not done: an earlier object failed" {
					t.Errorf("%s: pending with message %q", o.Name, o.Message)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.statuses, ",") {
				t.Errorf("statuses %v, want %v\n%s", got, tc.statuses, e.Stdout)
			}
			wantMsg := "done: " + tc.done + ". Fix the cause and run apply again: it plans against the tenant and picks up where this run stopped."
			if rep.Message != wantMsg {
				t.Errorf("message %q\nwant %q", rep.Message, wantMsg)
			}
			notDone := fmt.Sprintf("\napply stopped: %d objects not done\n", strings.Count(strings.Join(got, ","), "failed")+strings.Count(strings.Join(got, ","), "pending"))
			if !strings.HasSuffix(e.Stderr.String(), wantMsg+notDone) {
				t.Errorf("stderr:\n%s", e.Stderr)
			}

			fault.mu.Lock()
			fault.off = true
			fault.mu.Unlock()
			applyOK(t, e, file)
			if !strings.HasSuffix(e.Stderr.String(), tc.rerun+"\n") {
				t.Errorf("re-run:\n%s", e.Stderr)
			}
			noChanges(t, e, file)
		})
	}
}

// A priority past the last place the tenant will have (its ESPs but the default, and the file's new ones) is
// refused before any write: setPriority can't place an ESP there, so the read-back could never match. New
// ESPs placed among themselves in any order, or with a gap another new ESP fills, are applied as asked.
func TestESPPriorityPastTheEnd(t *testing.T) {
	const tenant = "esps:\n  - displayName: ESP A\n  - displayName: ESP B\n"
	refused := []struct{ name, before, file, want string }{
		{"one new ESP", tenant, tenant + "  - displayName: ESP New\n    priority: 9\n",
			":5: esps[2].priority: priority 9 is past the last place: the tenant has 2 Enrollment Status Pages besides the default, so a new one takes 1 to 3"},
		{"a gap between new ESPs", "", "esps:\n  - displayName: ESP X\n    priority: 1\n  - displayName: ESP Y\n    priority: 3\n",
			":5: esps[1].priority: priority 3 is past the last place: the tenant will have 2 Enrollment Status Pages besides the default (0 now, 2 new), so this one takes 1 to 2"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			if tc.before != "" {
				applyOK(t, e, writeFile(t, tc.before))
			}
			file := writeFile(t, tc.file)
			for _, cmd := range []string{"plan", "apply"} {
				code := 0
				if cmd == "plan" {
					code = run(e, NewCmdPlan, "-f", file)
				} else {
					code = run(e, NewCmdApply, "-f", file, "--yes")
				}
				if want := "error: " + file + tc.want + "\n"; code != 2 || e.Stderr.String() != want {
					t.Errorf("%s: exit %d\n%s\nwant exit 2 and\n%s", cmd, code, e.Stderr, want)
				}
				if w := writes(e); len(w) > 0 {
					t.Errorf("%s wrote %v", cmd, w)
				}
			}
		})
	}
	applied := []struct{ name, file, order string }{
		// Listed out of order: each is created where the ones before it leave room.
		{"new ESPs listed out of order", tenant + "  - displayName: ESP Second\n    priority: 2\n  - displayName: ESP First\n    priority: 1\n",
			"ESP First,ESP Second,ESP A,ESP B"},
		// The last place, behind a new ESP without a priority that the file lists after it.
		{"the last place behind another new ESP", tenant + "  - displayName: ESP Last\n    priority: 4\n  - displayName: ESP Any\n",
			"ESP A,ESP B,ESP Any,ESP Last"},
		{"a gap another new ESP fills", "esps:\n  - displayName: ESP X\n    priority: 1\n  - displayName: ESP Y\n    priority: 3\n  - displayName: ESP Z\n",
			"ESP X,ESP A,ESP Y,ESP B,ESP Z"},
	}
	for _, tc := range applied {
		t.Run(tc.name, func(t *testing.T) {
			e := empty(t)
			applyOK(t, e, writeFile(t, tenant))
			file := writeFile(t, tc.file)
			applyOK(t, e, file)
			noChanges(t, e, file)
			if order := espOrder(t, e); order != tc.order {
				t.Errorf("the tenant holds %s, want %s", order, tc.order)
			}
		})
	}
}

// export -o json is the layout file under its own keys: plan reads it back as no changes (hybrid join, ESP
// priorities and the device-preparation policy included).
func TestExportJSONPlansAsNoChanges(t *testing.T) {
	e := empty(t)
	applyOK(t, e, filepath.Join("..", "..", "..", "examples", "layouts", "enterprise.yaml"))
	applyOK(t, e, writeFile(t, "profiles:\n  - displayName: Hybrid\n    mode: user-driven\n    join: hybrid\n"))
	if code := run(e, NewCmdExport, "-o", "json"); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, e.Stderr)
	}
	out := e.Stdout.String()
	for _, want := range []string{`"join": "hybrid"`, `"priority": 2`, `"name": "DPP Sales"`, `"deviceGroup": "DPP - Devices"`} {
		if !strings.Contains(out, want) {
			t.Errorf("export -o json has no %s:\n%s", want, out)
		}
	}
	file := filepath.Join(t.TempDir(), "autopilot.json")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	noChanges(t, e, file)
}
