package device

import (
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

func userTenant(t *testing.T) *cmdtest.Env {
	return tenant(t, graphmock.Options{},
		graphmock.SeedAutopilotDevice{SerialNumber: "5CG1", UserPrincipalName: "adele@contoso.example", AddressableUserName: "Adele Vance"},
		graphmock.SeedAutopilotDevice{SerialNumber: "5CG2"},
		graphmock.SeedAutopilotDevice{SerialNumber: "DUP"},
		graphmock.SeedAutopilotDevice{SerialNumber: "DUP"},
	)
}

func TestAssignAndUnassignUser(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
		writes []string // bodies sent, "-" for none
	}{
		{"assign with display name", []string{"assign-user", "5cg2", "megan@contoso.example", "--display-name", "Megan Bowen"}, 0,
			"5CG2\tmegan@contoso.example\tMegan Bowen\tupdated\n", "1 device: 1 updated\n",
			[]string{`{"addressableUserName":"Megan Bowen","userPrincipalName":"megan@contoso.example"}`}},
		{"assign by id without display name", []string{"assign-user", deviceID(2), "megan@contoso.example"}, 0,
			"5CG2\tmegan@contoso.example\t\tupdated\n", "1 device: 1 updated\n", []string{`{"userPrincipalName":"megan@contoso.example"}`}},
		{"same user again sends nothing", []string{"assign-user", "5CG1", "Adele@contoso.example"}, 0,
			"5CG1\tadele@contoso.example\tAdele Vance\tunchanged\n", "1 device: 1 unchanged\n", nil},
		{"new display name is a change", []string{"assign-user", "5CG1", "adele@contoso.example", "--display-name", "Adele V."}, 0,
			"5CG1\tadele@contoso.example\tAdele V.\tupdated\n", "1 device: 1 updated\n",
			[]string{`{"addressableUserName":"Adele V.","userPrincipalName":"adele@contoso.example"}`}},
		{"assign dry run", []string{"assign-user", "5CG2", "megan@contoso.example", "--dry-run"}, 0,
			"5CG2\tmegan@contoso.example\t\twouldUpdate\n", "dry run, nothing changed: 1 device: 1 wouldUpdate\n", nil},
		{"not a UPN", []string{"assign-user", "5CG2", "megan"}, 2, "", "error: \"megan\" is not a user principal name like user@contoso.com\nRun 'autopilotctl device assign-user --help' for usage.\n", nil},
		{"ambiguous serial", []string{"assign-user", "DUP", "megan@contoso.example"}, 1, "",
			`error: serial number "DUP" matches 2 Autopilot devices; name one by its id: ` + deviceID(3) + ` (no group tag), ` + deviceID(4) + ` (no group tag)` + "\n", nil},
		{"unassign", []string{"unassign-user", "5CG1"}, 0, "5CG1\t\t\tupdated\n", "1 device: 1 updated\n", []string{""}},
		{"unassign without user sends nothing", []string{"unassign-user", "5CG2"}, 0, "5CG2\t\t\tunchanged\n", "1 device: 1 unchanged\n", nil},
		{"unassign dry run", []string{"unassign-user", "5CG1", "--dry-run"}, 0, "5CG1\t\t\twouldUpdate\n", "dry run, nothing changed: 1 device: 1 wouldUpdate\n", nil},
		{"unassign unknown", []string{"unassign-user", "NOPE"}, 1, "", "error: no Autopilot device has serial number \"NOPE\"\n", nil},
		{"unassign needs one device", []string{"unassign-user"}, 2, "", "error: accepts 1 arg(s), received 0\nRun 'autopilotctl device unassign-user --help' for usage.\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := userTenant(t)
			got := runCmd(env, tt.args...)
			if got.code != tt.code || got.stdout != tt.stdout || got.stderr != tt.stderr {
				t.Errorf("got %v\nwant exit %d\n%s%s", got, tt.code, tt.stdout, tt.stderr)
			}
			var bodies []string
			for _, w := range env.Writes() {
				bodies = append(bodies, string(w.Body))
			}
			if len(bodies) != len(tt.writes) || len(bodies) > 0 && bodies[0] != tt.writes[0] {
				t.Errorf("writes %q, want %q", bodies, tt.writes)
			}
		})
	}
}

func TestAssignUserResult(t *testing.T) {
	env := userTenant(t)
	runCmd(env, "assign-user", "5CG2", "megan@contoso.example", "--display-name", "Megan Bowen")
	got := runCmd(env, "show", "5CG2", "-o", "json")
	for _, want := range []string{`"userPrincipalName": "megan@contoso.example"`, `"addressableUserName": "Megan Bowen"`} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("device after assign-user lacks %s:\n%s", want, got.stdout)
		}
	}
	got = runCmd(env, "assign-user", "5CG2", "megan@contoso.example", "-o", "json")
	want := `{
  "summary": {
    "total": 1,
    "unchanged": 1
  },
  "devices": [
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "5CG2",
      "id": "` + deviceID(2) + `",
      "status": "unchanged"
    }
  ]
}
`
	if got.stdout != want {
		t.Errorf("json:\n%s\nwant:\n%s", got.stdout, want)
	}
	got = runCmd(env, "assign-user", "5CG2", "adele@contoso.example", "--display-name", "Adele Vance", "--dry-run", "-o", "json")
	want = `{
  "summary": {
    "total": 1,
    "wouldUpdate": 1
  },
  "devices": [
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "5CG2",
      "id": "` + deviceID(2) + `",
      "status": "wouldUpdate",
      "changes": [
        {
          "field": "userPrincipalName",
          "from": "megan@contoso.example",
          "to": "adele@contoso.example"
        },
        {
          "field": "addressableUserName",
          "from": "Megan Bowen",
          "to": "Adele Vance"
        }
      ]
    }
  ]
}
`
	if got.stdout != want {
		t.Errorf("json:\n%s\nwant:\n%s", got.stdout, want)
	}
}

// --display-name follows the rule every value shares: no control or format characters, a bounded length.
func TestAssignUserDisplayNameIsChecked(t *testing.T) {
	env := cmdtest.New(t, graphmock.Options{})
	for name, want := range map[string]string{
		"Adele\u202eevil":        "error: --display-name contains U+202E (RIGHT-TO-LEFT OVERRIDE)\n",
		"Adele\x1b]0;x\a":        "error: --display-name contains U+001B (ESCAPE)\n",
		strings.Repeat("a", 257): "error: --display-name is 257 characters long; the limit is 256\n",
	} {
		env.Stderr.Reset()
		code := env.Run(NewCmdAssignUser(env.Factory, nil), "5CG1", "a@contoso.example", "--display-name", name)
		if code != 2 || !strings.HasPrefix(env.Stderr.String(), want) || len(env.Mock.Requests()) != 0 {
			t.Errorf("%q: exit %d %q", name, code, env.Stderr)
		}
	}
}

func TestUserFlags(t *testing.T) {
	env := cmdtest.New(t, graphmock.Options{})
	var assign AssignUserOptions
	code := env.Run(NewCmdAssignUser(env.Factory, func(o *AssignUserOptions) error { assign = *o; return nil }),
		"5CG1", "a@contoso.example", "--display-name", "A B", "--dry-run")
	if code != 0 || assign.SerialOrID != "5CG1" || assign.UPN != "a@contoso.example" || assign.DisplayName != "A B" || !assign.DryRun {
		t.Errorf("assign-user: exit %d, %+v", code, assign)
	}
	var unassign UnassignUserOptions
	code = env.Run(NewCmdUnassignUser(env.Factory, func(o *UnassignUserOptions) error { unassign = *o; return nil }), deviceID(1), "--dry-run")
	if code != 0 || unassign.SerialOrID != deviceID(1) || !unassign.DryRun {
		t.Errorf("unassign-user: exit %d, %+v", code, unassign)
	}
	var sync SyncOptions
	if code = env.Run(NewCmdSync(env.Factory, func(o *SyncOptions) error { sync = *o; return nil }), "--dry-run"); code != 0 || !sync.DryRun {
		t.Errorf("sync: exit %d, %+v", code, sync)
	}
	var show ShowOptions
	if code = env.Run(NewCmdShow(env.Factory, func(o *ShowOptions) error { show = *o; return nil }), "5CG1"); code != 0 || show.SerialOrID != "5CG1" {
		t.Errorf("show: exit %d, %+v", code, show)
	}
	if len(env.Mock.Requests()) != 0 {
		t.Errorf("flag parsing sent %d requests", len(env.Mock.Requests()))
	}
}
