package group

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

const provisioningClient = "f1346770-5b25-470b-88bd-d5744ab7952c"

// groupTenant has five Autopilot devices (Sales ×2, Kiosk, a Sales purchase order, untagged), the Intune
// Provisioning Client's service principal and two groups named alike.
func groupTenant(t *testing.T, opts graphmock.Options, omitProvisioningClient bool) *cmdtest.Env {
	t.Helper()
	dyn := func(name, r string) map[string]any {
		return map[string]any{"displayName": name, "mailEnabled": false, "mailNickname": groups.MailNickname(name), "securityEnabled": true,
			"groupTypes": []string{"DynamicMembership"}, "membershipRule": r}
	}
	opts.Seed = &graphmock.Seed{
		AutopilotDevices: []graphmock.SeedAutopilotDevice{
			{SerialNumber: "SALES-1", GroupTag: "Sales"},
			{SerialNumber: "SALES-2", GroupTag: "Sales-EMEA"},
			{SerialNumber: "KIOSK-1", GroupTag: "Kiosk"},
			{SerialNumber: "PO-1", PurchaseOrderIdentifier: "PO-77"},
			{SerialNumber: "PLAIN-1"},
		},
		DirectorySeed: graphmock.DirectorySeed{
			ServicePrincipals: []string{provisioningClient}, OmitProvisioningClient: omitProvisioningClient,
			Groups: []map[string]any{dyn("Twins", rule.AllAutopilotDevices()), dyn("Twins", rule.GroupTag("Sales")),
				{"displayName": "Static", "mailEnabled": false, "mailNickname": "static", "securityEnabled": true}},
		},
	}
	return cmdtest.New(t, opts)
}

func run(e *cmdtest.Env, args ...string) int {
	e.Stdout.Reset()
	e.Stderr.Reset()
	return e.Run(NewCmdGroup(e.Factory), args...)
}

func TestCreateEachRuleSource(t *testing.T) {
	tests := []struct {
		flags   []string
		rule    string // "" for an assigned group
		members string
	}{
		{[]string{"--all-autopilot"}, `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`, "SALES-1,SALES-2,KIOSK-1,PO-1,PLAIN-1"},
		{[]string{"--group-tag", "Sales"}, `(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))`, "SALES-1"},
		{[]string{"--group-tag", "Sales", "--prefix"}, `(device.devicePhysicalIds -any (_ -startsWith "[OrderID]:Sales"))`, "SALES-1,SALES-2"},
		{[]string{"--purchase-order", "PO-77"}, `(device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:PO-77"))`, "PO-1"},
		{[]string{"--enrollment-profile", "UD - Entra join"}, `(device.enrollmentProfileName -eq "UD - Entra join")`, ""},
		{[]string{"--rule", `device.devicePhysicalIds -any _ -eq "[OrderID]:Kiosk"`}, `device.devicePhysicalIds -any (_ -eq "[OrderID]:Kiosk")`, "KIOSK-1"},
		{[]string{"--assigned"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			e := groupTenant(t, graphmock.Options{}, false)
			args := append([]string{"create", "G1", "-o", "json"}, tt.flags...)
			if code := run(e, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.Stderr)
			}
			var ch groups.Change
			if err := json.Unmarshal([]byte(e.Stdout.String()), &ch); err != nil {
				t.Fatal(err)
			}
			if ch.Status != "created" || ch.DisplayName != "G1" || ch.MembershipRule != tt.rule || ch.ID == "" {
				t.Errorf("change = %+v", ch)
			}
			writes := e.Writes()
			if len(writes) != 1 || writes[0].Method != "POST" || writes[0].Path != "/groups" {
				t.Fatalf("writes = %v", writes)
			}
			var body map[string]any
			json.Unmarshal(writes[0].Body, &body)
			if body["mailEnabled"] != false || body["securityEnabled"] != true || body["mailNickname"] != groups.MailNickname("G1") ||
				(tt.rule != "") != (body["membershipRule"] == tt.rule) {
				t.Errorf("body = %v", body)
			}
			if got := members(t, e, "G1"); got != tt.members {
				t.Errorf("members = %q, want %q", got, tt.members)
			}
		})
	}
}

// members lists the serial numbers of the group's device members (Entra names them after the serial).
func members(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	if code := run(e, "members", name, "-o", "json"); code != 0 {
		t.Fatalf("members: exit %d: %s", code, e.Stderr)
	}
	var list []groups.Member
	json.Unmarshal([]byte(e.Stdout.String()), &list)
	var names []string
	for _, m := range list {
		names = append(names, m.DisplayName)
	}
	return strings.Join(names, ",")
}

func TestCreateIsIdempotentAndUpdates(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	if code := run(e, "create", "Sales", "--group-tag", "Sales", "--description", "Sales laptops"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	before := len(e.Mock.Requests())
	writes := len(e.Writes())
	if code := run(e, "create", "Sales", "--group-tag", "Sales"); code != 0 {
		t.Fatalf("re-run: exit %d: %s", code, e.Stderr)
	}
	if got := len(e.Writes()); got != writes {
		t.Errorf("re-run wrote %d requests", got-writes)
	}
	if !strings.Contains(e.Stdout.String(), "\tunchanged\t") || !strings.HasSuffix(e.Stderr.String(), "group \"Sales\": unchanged\n") {
		t.Errorf("re-run output: %s / %s", e.Stdout, e.Stderr)
	}
	for _, r := range e.Mock.Requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("re-run sent %s %s", r.Method, r.Path)
		}
	}

	// A different rule: refused with the diff, nothing sent.
	if code := run(e, "create", "Sales", "--group-tag", "Kiosk"); code != 2 {
		t.Fatalf("conflict: exit %d", code)
	}
	want := `error: group "Sales" (` + groupID(t, e, "Sales") + `) exists and differs; pass --update to change it (a new rule restarts membership processing):
  membershipRule: "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Sales\"))" → "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Kiosk\"))"
`
	if !strings.HasPrefix(e.Stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant prefix\n%s", e.Stderr, want)
	}
	if got := len(e.Writes()); got != writes {
		t.Fatal("the refused conflict wrote")
	}

	// --update PATCHes only the rule, says processing restarts, and members follow once processed.
	if code := run(e, "create", "Sales", "--group-tag", "Kiosk", "--update"); code != 0 {
		t.Fatalf("update: exit %d: %s", code, e.Stderr)
	}
	w := e.Writes()[writes:]
	if len(w) != 1 || w[0].Method != "PATCH" || string(w[0].Body) != `{"membershipRule":"(device.devicePhysicalIds -any (_ -eq \"[OrderID]:Kiosk\"))"}` {
		t.Errorf("update sent %v", w)
	}
	if !strings.Contains(e.Stderr.String(), "the new rule restarts membership processing") {
		t.Errorf("stderr: %s", e.Stderr)
	}
	if got := members(t, e, "Sales"); got != "KIOSK-1" {
		t.Errorf("members after the update: %q", got)
	}
}

// An assigned group's description and owners can be changed with --update, and its name is matched without
// case, as Graph matches it.
func TestUpdateAssignedGroup(t *testing.T) {
	e := cmdtest.New(t, graphmock.Options{})
	if code := run(e, "create", "DPP devices", "--assigned", "--description", "old"); code != 0 {
		t.Fatalf("create: exit %d: %s", code, e.Stderr)
	}
	e.Stderr.Reset()
	writes := len(e.Writes())
	if code := run(e, "create", "dpp DEVICES", "--assigned", "--description", "new"); code != 2 {
		t.Fatalf("conflict: exit %d", code)
	}
	want := `error: group "DPP devices" (` + groupID(t, e, "DPP devices") + `) exists and differs; pass --update to change it:
  description: "old" → "new"
`
	if e.Stderr.String() != want || len(e.Writes()) != writes {
		t.Errorf("stderr:\n%s\nwant\n%s", e.Stderr, want)
	}
	if code := run(e, "create", "dpp DEVICES", "--assigned", "--description", "new", "--update"); code != 0 {
		t.Fatalf("update: exit %d: %s", code, e.Stderr)
	}
	if w := e.Writes()[writes:]; len(w) != 1 || w[0].Method != "PATCH" || string(w[0].Body) != `{"description":"new"}` {
		t.Errorf("update sent %v", w)
	}
}

// groupID is the id of the one group named name.
func groupID(t *testing.T, e *cmdtest.Env, name string) string {
	t.Helper()
	stdout, stderr := e.Stdout.String(), e.Stderr.String()
	defer func() { e.Stdout.Reset(); e.Stderr.Reset(); e.Stdout.WriteString(stdout); e.Stderr.WriteString(stderr) }()
	if code := run(e, "show", name, "-o", "json"); code != 0 {
		t.Fatalf("show %s: exit %d: %s", name, code, e.Stderr)
	}
	var d struct{ ID string }
	json.Unmarshal([]byte(e.Stdout.String()), &d)
	return d.ID
}

func TestCreateOwnerApp(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, true)
	if code := run(e, "create", "DP devices", "--assigned", "--owner-app", provisioningClient, "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	w := e.Writes()
	if len(w) != 2 || w[0].Path != "/servicePrincipals" || string(w[0].Body) != `{"appId":"`+provisioningClient+`"}` || w[1].Path != "/groups" {
		t.Fatalf("writes = %v", w)
	}
	if !strings.Contains(string(w[1].Body), `"owners@odata.bind":["`+e.Mock.BaseURL()+`/directoryObjects/`) {
		t.Errorf("create body: %s", w[1].Body)
	}
	if !strings.Contains(e.Stderr.String(), "created the service principal of app "+provisioningClient) {
		t.Errorf("stderr: %s", e.Stderr)
	}
	if code := run(e, "show", "DP devices"); code != 0 || !strings.Contains(e.Stdout.String(), "owners\tservicePrincipal Intune Provisioning Client (appId "+provisioningClient) {
		t.Errorf("show: %d %s", code, e.Stdout)
	}
	// Again: the owner is found by appId, nothing is written.
	n := len(e.Writes())
	if code := run(e, "create", "DP devices", "--assigned", "--owner-app", strings.ToUpper(provisioningClient)); code != 0 || len(e.Writes()) != n {
		t.Errorf("re-run: exit %d, %d writes: %s", code, len(e.Writes())-n, e.Stderr)
	}
}

func TestCreateDryRunPrintsTheBody(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	if code := run(e, "create", "Sales", "--group-tag", `Sa"les`, "--dry-run"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	want := "POST /groups\n{\n  \"displayName\": \"Sales\",\n  \"groupTypes\": [\n    \"DynamicMembership\"\n  ],\n  \"mailEnabled\": false,\n" +
		"  \"mailNickname\": \"" + groups.MailNickname("Sales") + "\",\n  \"securityEnabled\": true,\n" +
		"  \"membershipRule\": \"(device.devicePhysicalIds -any (_ -eq \\\"[OrderID]:Sa`\\\"les\\\"))\",\n" +
		"  \"membershipRuleProcessingState\": \"On\"\n}\n"
	if e.Stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant\n%s", e.Stdout, want)
	}
	if len(e.Writes()) != 0 {
		t.Errorf("dry run wrote %v", e.Writes())
	}
}

func TestSeveralGroupsWithOneName(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	for _, args := range [][]string{{"create", "Twins", "--all-autopilot"}, {"show", "Twins"}, {"preview", "--group", "Twins"}} {
		if code := run(e, args...); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(e.Stderr.String(), `2 groups are named "Twins" (ids 00000000-0000-4000-8000-`) {
			t.Errorf("%v: stderr %s", args, e.Stderr)
		}
	}
	if len(e.Writes()) != 0 {
		t.Errorf("writes: %v", e.Writes())
	}
}

func TestBadInput(t *testing.T) {
	long := strings.Repeat("n", 257)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"create", "G", "--rule", `(device.devicePhysicalIds -any _ -eq "[OrderID]:179887111881"`},
			"error: --rule: rule:1:62: expected \")\" to close the \"(\" at 1:1, found the end of the rule\n" +
				"  (device.devicePhysicalIds -any _ -eq \"[OrderID]:179887111881\"\n  " + strings.Repeat(" ", 61) + "^\n"},
		{[]string{"create", "G", "--rule", `user.department -eq "Sales"`}, `error: --rule: rule:1:1: user properties can't be used in a device membership rule ("user.department")`},
		{[]string{"create", "G", "--rule", `device.groupTag -eq "x"`}, `error: --rule: rule:1:1: unknown device property "groupTag"`},
		{[]string{"create", "G", "--rule", `device.displayName -eq "` + strings.Repeat("x", 3072) + `"`}, `rule is 3097 characters long; Entra allows at most 3072`},
		{[]string{"create", "", "--all-autopilot"}, "error: group name is empty"},
		{[]string{"create", long, "--all-autopilot"}, "error: group name is 257 characters long; Entra allows at most 256"},
		{[]string{"create", "G\u202e", "--all-autopilot"}, "error: group name contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{[]string{"create", "G", "--group-tag", "Sales", "--all-autopilot"}, "error: --all-autopilot and --group-tag are different rule sources"},
		{[]string{"create", "G"}, "error: say which devices the group holds: one of --all-autopilot, --group-tag, --purchase-order, --enrollment-profile, --rule, --assigned"},
		{[]string{"create", "Static", "--all-autopilot"}, `is assigned, not dynamic; its type can't be changed here`},
		{[]string{"create", "G", "--purchase-order", "PO\x1b"}, "error: --purchase-order: purchase order contains U+001B (ESCAPE)"},
		{[]string{"create", "G", "--prefix", "--all-autopilot"}, "error: --prefix goes with --group-tag"},
		{[]string{"create", "G", "--assigned", "--owner-app", "not-a-guid"}, `error: app id "not-a-guid" is not a GUID`},
		{[]string{"preview", "--group", "Nope"}, `error: --group: no group named or with id "Nope"`},
		{[]string{"preview", "--group", "Static"}, `error: --group: "Static" is an assigned group; it has no rule to preview`},
		{[]string{"preview", "--all-autopilot", "--explain", "NOPE"}, `error: --explain: no Autopilot device has serial number or id NOPE`},
		{[]string{"show", "Nope"}, `error: argument 1: no group named or with id "Nope"`},
		{[]string{"create", "G", "--all-autopilot", "extra"}, "error: accepts 1 arg(s), received 2"},
		{[]string{"wait", "Static"}, `error: group "Static" is assigned; only dynamic groups have membership processing`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			e := groupTenant(t, graphmock.Options{}, false)
			if code := run(e, tt.args...); code != 2 {
				t.Errorf("exit %d, want 2: %s", code, e.Stderr)
			}
			if !strings.Contains(e.Stderr.String(), tt.want) {
				t.Errorf("stderr:\n%s\nwant it to hold\n%s", e.Stderr, tt.want)
			}
			if len(e.Writes()) != 0 {
				t.Errorf("writes: %v", e.Writes())
			}
		})
	}
}

func TestLintWarningsAreShown(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	if code := run(e, "preview", "--rule", `(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))`); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	if !strings.HasPrefix(e.Stderr.String(), `warning: rule:1:35: -contains "[ZTDId]" matches the text anywhere in a physical id; physical ids start with their type, so -startsWith is exact and cheaper; write -startsWith "[ZTDId]"`) {
		t.Errorf("stderr: %s", e.Stderr)
	}
}

func TestPreviewEqualsMembersAfterProcessing(t *testing.T) {
	e := groupTenant(t, graphmock.Options{ProcessDelay: 10 * time.Minute}, false)
	if code := run(e, "create", "Sales", "--group-tag", "Sales", "--prefix"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	preview := func() groups.Preview {
		t.Helper()
		if code := run(e, "preview", "--group", "Sales", "-o", "json"); code != 0 {
			t.Fatalf("preview: exit %d: %s", code, e.Stderr)
		}
		var p groups.Preview
		if err := json.Unmarshal([]byte(e.Stdout.String()), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := preview()
	if p.Scanned != 5 || p.Matched != 2 || len(p.NotYetMembers) != 2 || *p.Members != 0 {
		t.Errorf("before processing: %+v", p)
	}
	if !strings.Contains(e.Stderr.String(), "2 matched devices are not members yet (processing pending)") {
		t.Errorf("stderr: %s", e.Stderr)
	}
	e.Clock.Advance(10 * time.Minute)
	p = preview()
	if *p.Members != 2 || len(p.NotYetMembers) != 0 || len(p.NoLongerMatched) != 0 {
		t.Errorf("after processing: %+v", p)
	}
	var serials []string
	for _, d := range p.Devices {
		serials = append(serials, d.SerialNumber)
	}
	if got := strings.Join(serials, ","); got != members(t, e, "Sales") {
		t.Errorf("preview %s, members %s", got, members(t, e, "Sales"))
	}
	// A changed rule: the old members are no longer matched until processing catches up.
	run(e, "create", "Sales", "--group-tag", "Kiosk", "--update")
	p = preview()
	if len(p.NoLongerMatched) != 2 || len(p.NotYetMembers) != 1 {
		t.Errorf("after the rule changed: %+v", p)
	}
}

func TestPreviewJSONAndExplain(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	if code := run(e, "preview", "--purchase-order", "PO-77", "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	want := `{
  "rule": "(device.devicePhysicalIds -any (_ -eq \"[PurchaseOrderId]:PO-77\"))",
  "scanned": 5,
  "matched": 1,
  "devices": [
    {
      "id": "00000000-0000-4000-8000-000000000007",
      "serialNumber": "PO-1",
      "groupTag": ""
    }
  ]
}
`
	if e.Stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant\n%s", e.Stdout, want)
	}
	if code := run(e, "preview", "--rule", rule.And(rule.AllAutopilotDevices(), rule.GroupTagPrefix("Sales")), "--explain", "sales-2"); code != 0 {
		t.Fatalf("explain: exit %d: %s", code, e.Stderr)
	}
	wantOut := "[ZTDId]:00000000-0000-4000-8000-000000000003\tdevice.devicePhysicalIds -any (_ -startsWith \"[ZTDid]\")\n" +
		"[OrderID]:Sales-EMEA\tdevice.devicePhysicalIds -any (_ -startsWith \"[OrderID]:Sales\")\n"
	wantErr := "  true  device.devicePhysicalIds -any (_ -startsWith \"[ZTDid]\")\n" +
		"  true  device.devicePhysicalIds -any (_ -startsWith \"[OrderID]:Sales\")\n" +
		"device SALES-2 matches the rule\n"
	if e.Stdout.String() != wantOut || e.Stderr.String() != wantErr {
		t.Errorf("explain:\n%s%s\nwant\n%s%s", e.Stdout, e.Stderr, wantOut, wantErr)
	}
	if code := run(e, "preview", "--group-tag", "Sales", "--explain", "KIOSK-1"); code != 0 || !strings.HasSuffix(e.Stderr.String(), "  false device.devicePhysicalIds -any (_ -eq \"[OrderID]:Sales\")\ndevice KIOSK-1 does not match the rule\n") {
		t.Errorf("explain of a device that doesn't match: %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

func TestWait(t *testing.T) {
	tests := []struct {
		name   string
		fail   bool
		args   []string
		code   int
		stderr string
	}{
		{"succeeds", false, nil, 0, ""},
		{"fails", true, nil, 1, `error: group "Sales": membership processing failed: The rule could not be processed.` + "\n"},
		{"times out", false, []string{"--timeout", "5m"}, 3, `group "Sales": membership processing had not finished after 5m0s (last status: Running)` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := groupTenant(t, graphmock.Options{ProcessDelay: 8 * time.Minute}, false)
			if code := run(e, "create", "Sales", "--group-tag", "Sales"); code != 0 {
				t.Fatal(e.Stderr)
			}
			if tt.fail {
				e.Mock.FailGroupProcessing(groupID(t, e, "Sales"), "The rule could not be processed.")
			}
			start := e.Clock.Now()
			code := run(e, append([]string{"wait", "Sales"}, tt.args...)...)
			if code != tt.code || e.Stderr.String() != tt.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, e.Stderr, tt.code, tt.stderr)
			}
			if code == 0 {
				if waited := e.Clock.Now().Sub(start); waited < 8*time.Minute || waited > 9*time.Minute {
					t.Errorf("waited %s on the mock clock", waited)
				}
				if !strings.HasPrefix(e.Stdout.String(), "Sales\tSucceeded\t") {
					t.Errorf("stdout: %s", e.Stdout)
				}
			}
		})
	}
}

func TestDeleteConfirmation(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	run(e, "create", "Old", "--assigned")
	n := len(e.Writes())
	if code := run(e, "delete", "Old"); code != 2 || !strings.Contains(e.Stderr.String(), "not deleting anything without confirmation: pass --yes") || len(e.Writes()) != n {
		t.Errorf("without --yes: exit %d: %s", code, e.Stderr)
	}
	e.Factory.IOStreams.SetTTY(true, true, true)
	e.Stdin.Reset("n\n")
	if code := run(e, "delete", "Old"); code != 2 || !strings.Contains(e.Stderr.String(), "cancelled: nothing was changed") || len(e.Writes()) != n {
		t.Errorf("answered no: exit %d: %s", code, e.Stderr)
	}
	e.Stdin.Reset("y\n")
	if code := run(e, "delete", "Old"); code != 0 || !strings.Contains(e.Stderr.String(), `Delete assigned group "Old" (`) {
		t.Errorf("answered yes: exit %d: %s", code, e.Stderr)
	}
	if w := e.Writes(); len(w) != n+1 || w[n].Method != "DELETE" {
		t.Errorf("writes: %v", w[n:])
	}
	e.Factory.IOStreams.SetTTY(false, false, false)
	if code := run(e, "delete", "Old", "--yes"); code != 2 || !strings.Contains(e.Stderr.String(), `no group named or with id "Old"`) {
		t.Errorf("deleted twice: exit %d: %s", code, e.Stderr)
	}
}

func TestListAutopilot(t *testing.T) {
	e := groupTenant(t, graphmock.Options{}, false)
	run(e, "create", "Profiled", "--enrollment-profile", "UD")
	run(e, "create", "Models", "--rule", `device.deviceModel -eq "Surface"`)
	if code := run(e, "list", "--autopilot"); code != 0 {
		t.Fatal(e.Stderr)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(e.Stdout.String()), "\n") {
		names = append(names, strings.Split(line, "\t")[0])
	}
	if got := strings.Join(names, ","); got != "Twins,Twins,Profiled" {
		t.Errorf("list --autopilot = %s", got)
	}
}

// Deleting a group names what uses it first: the demo's ESP and profile are assigned to its all-devices group.
func TestDeleteNamesWhatUsesTheGroup(t *testing.T) {
	e := cmdtest.New(t, graphmock.Options{Seed: graphmock.DemoSeed()})
	if code := run(e, "delete", "Autopilot - All devices", "--dry-run"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.Stderr)
	}
	want := "group \"Autopilot - All devices\" is used by:\n" +
		"  Enrollment Status Page \"ESP - Autopilot\" (assigned)\n" +
		"  deployment profile \"UD - Entra join\" (assigned)\n"
	if !strings.HasPrefix(e.Stderr.String(), want) || len(e.Writes()) != 0 {
		t.Errorf("stderr:\n%s\nwant prefix:\n%s", e.Stderr, want)
	}
	e.Stderr.Reset()
	e.Factory.IOStreams.SetTTY(true, false, true)
	e.Factory.IOStreams.In = strings.NewReader("n\n")
	if code := run(e, "delete", "Autopilot - All devices"); code != 2 ||
		!strings.Contains(e.Stderr.String(), "which 2 assignment(s) or binding(s) above use? [y/N]") {
		t.Errorf("question: exit %d %s", code, e.Stderr)
	}
}
