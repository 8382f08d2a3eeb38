package graphmock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoDirectorySeed(t *testing.T) {
	s, _ := startFake(t, Options{Seed: DemoSeed()})
	groups := map[string]string{}
	for _, g := range send(t, s, "GET", "/groups", nil).want(t, 200).values() {
		groups[g["displayName"].(string)] = g["id"].(string)
	}
	if got := strings.Join(memberNames(t, s, groups["Autopilot - Sales"]), ","); got != "5CG2461KX7,SALES-KX8,PF3ABCD1" {
		t.Errorf("Sales members: %s", got)
	}
	if got := len(memberNames(t, s, groups["Autopilot - All devices"])); got != 6 {
		t.Errorf("all-devices members: %d, want 6", got)
	}
	send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 200)
	esps := send(t, s, "GET", espPath, nil).want(t, 200).values()
	if len(esps) != 2 || esps[1]["displayName"] != "ESP - Autopilot" || esps[1]["priority"] != 1.0 {
		t.Fatalf("ESPs: %v", esps)
	}
	if got := send(t, s, "GET", espPath+"/"+esps[1]["id"].(string)+"/assignments", nil).want(t, 200).values(); len(got) != 1 {
		t.Errorf("ESP assignments: %v", got)
	}
	if got := deviceProfile(t, s, "7YX2KL3"); got != "assignedUnkownSyncState UD - Entra join" {
		t.Errorf("untagged device: %s", got)
	}
}

func TestDemoSeedWithoutProvisioningClient(t *testing.T) {
	seed := DemoSeed()
	seed.OmitProvisioningClient = true
	s, _ := startFake(t, Options{Seed: seed})
	send(t, s, "GET", "/servicePrincipals(appId='"+provisioningClientAppID+"')", nil).want(t, 404)
}

func TestSeedFileWithPolicy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	seedJSON := `{
  "servicePrincipals": ["` + provisioningClientAppID + `"],
  "groups": [
    {"displayName": "DP devices", "mailEnabled": false, "mailNickname": "dp-devices", "securityEnabled": true,
     "owners@odata.bind": ["https://graph.microsoft.com/beta/servicePrincipals(appId='` + provisioningClientAppID + `')"]},
    {"displayName": "DP users", "mailEnabled": false, "mailNickname": "dp-users", "securityEnabled": true}
  ],
  "configurationPolicies": [
    {"name": "APDP", "platforms": "windows10", "technologies": "enrollment",
     "templateReference": {"templateId": "` + userDrivenTemplateID + `"}, "settings": [],
     "assignGroups": ["DP users"], "deviceGroup": "DP devices"}
  ]
}`
	if err := os.WriteFile(path, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := startFake(t, Options{Seed: seed})
	policy := send(t, s, "GET", policiesPath, nil).want(t, 200).values()[0]["id"].(string)
	r := send(t, s, "GET", policiesPath+"/"+policy+"/retrieveEnrollmentTimeDeviceMembershipTarget", nil).want(t, 200)
	if got := targetResult(r); !strings.HasPrefix(got, "true ") || !strings.HasSuffix(got, ":null") {
		t.Errorf("seeded device group: %s", got)
	}
	if got := send(t, s, "GET", policiesPath+"/"+policy, nil).want(t, 200).str("isAssigned"); got != "true" {
		t.Errorf("seeded assignment: isAssigned %s", got)
	}
}

func TestInvalidSeedPanics(t *testing.T) {
	seed := &Seed{DirectorySeed: DirectorySeed{Groups: []map[string]any{{"displayName": "X", "mailEnabled": false, "mailNickname": "x y", "securityEnabled": true}}}}
	defer func() {
		want := `graphmock: seed: groups[0] "X": POST /groups: 400 Request_BadRequest: Invalid value specified for property 'mailNickname' of resource 'Group'.`
		if got, _ := recover().(string); got != want {
			t.Errorf("panic %q, want %q", got, want)
		}
	}()
	New(Options{Seed: seed})
}
