package graphmock

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/rule"
)

// stateSeed is the demo tenant plus a device-preparation policy, so every kind of state is present.
func stateSeed() *Seed {
	seed := DemoSeed()
	seed.Groups = append(seed.Groups,
		map[string]any{"displayName": "DP devices", "mailEnabled": false, "mailNickname": "dp-devices", "securityEnabled": true,
			"owners@odata.bind": []string{"https://graph.microsoft.com/beta/servicePrincipals(appId='" + provisioningClientAppID + "')"}},
		map[string]any{"displayName": "DP users", "mailEnabled": false, "mailNickname": "dp-users", "securityEnabled": true})
	seed.ConfigurationPolicies = append(seed.ConfigurationPolicies, map[string]any{"name": "APDP", "platforms": "windows10",
		"technologies": "enrollment", "templateReference": map[string]any{"templateId": userDrivenTemplateID}, "settings": []any{},
		"assignGroups": []string{"DP users"}, "deviceGroup": "DP devices"})
	return seed
}

// tenantView is what clients can read of a tenant: every collection and the sub-resources tests care about.
func tenantView(t *testing.T, s *Server) map[string]string {
	t.Helper()
	view := map[string]string{}
	get := func(path string) reply {
		r := send(t, s, "GET", path, nil).want(t, 200)
		view[path] = strings.ReplaceAll(r.raw, s.URL(), "{server}")
		return r
	}
	get(devicesPath)
	get(importsPath)
	get("/deviceManagement/windowsAutopilotSettings")
	get("/servicePrincipals")
	get(mobileAppsPath)
	for _, g := range get("/groups").values() {
		get("/groups/" + g["id"].(string) + "?$select=membershipRuleProcessingStatus")
		get("/groups/" + g["id"].(string) + "/members")
		get("/groups/" + g["id"].(string) + "/owners")
	}
	for _, e := range get(espPath).values() {
		get(espPath + "/" + e["id"].(string) + "/assignments")
	}
	for _, p := range get(profilesPath).values() {
		get(profilesPath + "/" + p["id"].(string) + "/assignments")
	}
	get(scriptsPath)
	for _, p := range get(policiesPath).values() {
		get(policiesPath + "/" + p["id"].(string) + "/assignments")
		get(policiesPath + "/" + p["id"].(string) + "?$expand=settings")
		get(policiesPath + "/" + p["id"].(string) + "/retrieveEnrollmentTimeDeviceMembershipTarget")
	}
	return view
}

func TestSnapshotRestoreKeepsTheTenant(t *testing.T) {
	a, clockA := startFake(t, Options{Seed: stateSeed(), ProcessDelay: 10 * time.Minute})
	send(t, a, "POST", importsPath+"/import", importBody(importDevice("NEW1", hash("n1", 4000)), importDevice("NEW2", hash("n2", 4000)))).want(t, 200)
	dev := send(t, a, "GET", devicesPath, nil).want(t, 200).values()[0]["id"].(string)
	send(t, a, "POST", devicesPath+"/"+dev+"/updateDeviceProperties", map[string]any{"groupTag": "Kiosk"}).want(t, 204)
	send(t, a, "POST", "/deviceManagement/windowsAutopilotSettings/sync", nil).want(t, 204)
	// Groups whose membership is being processed, was changed, or failed; a role-assignable group.
	kiosk := send(t, a, "POST", "/groups", map[string]any{"displayName": "Kiosk", "mailEnabled": false, "mailNickname": "kiosk",
		"securityEnabled": true, "groupTypes": []string{"DynamicMembership"}, "membershipRule": rule.GroupTag("Kiosk")}).want(t, 201).str("id")
	send(t, a, "PATCH", "/groups/"+a.directory.groups[1].id, map[string]any{"membershipRule": rule.GroupTag("Kiosk")}).want(t, 204)
	if err := a.FailGroupProcessing(a.directory.groups[0].id, "Processing failed."); err != nil {
		t.Fatal(err)
	}
	send(t, a, "POST", "/groups", map[string]any{"displayName": "Admins", "mailEnabled": false, "mailNickname": "admins",
		"securityEnabled": true, "isAssignableToRole": true}).want(t, 201)
	// A platform script a device-preparation policy may list.
	send(t, a, "POST", scriptsPath, map[string]any{"displayName": "Set time zone", "fileName": "tz.ps1", "scriptContent": "V3JpdGUtSG9zdCAx"}).want(t, 201)
	clockA.Advance(time.Minute)
	if st := send(t, a, "GET", "/groups/"+kiosk+"?$select=membershipRuleProcessingStatus", nil).body["membershipRuleProcessingStatus"]; st.(map[string]any)["status"] != "NotStarted" {
		t.Fatalf("new group's processing: %v", st)
	}

	saved, err := json.Marshal(a.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	// The restored server starts empty, with another processing delay: the records' due times come along.
	b, clockB := startFake(t, Options{ProcessDelay: time.Hour})
	clockB.Advance(time.Minute)
	if err := b.Restore(&st); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(b.Snapshot())
	if string(again) != string(saved) {
		t.Errorf("snapshot after restore differs:\n%.2000s\nwant\n%.2000s", again, saved)
	}
	viewA, viewB := tenantView(t, a), tenantView(t, b)
	if len(viewA) < 15 {
		t.Fatalf("only %d views", len(viewA))
	}
	for path, want := range viewA {
		if viewB[path] != want {
			t.Errorf("GET %s after restore differs:\n%.2000s\nwant\n%.2000s", path, viewB[path], want)
		}
	}

	// Pending records settle at their original due time, and new ids carry on from the saved counter.
	clockA.Advance(9*time.Minute - time.Second)
	clockB.Advance(9*time.Minute - time.Second)
	if got := send(t, b, "GET", importsPath, nil).values()[0]["state"].(map[string]any)["deviceImportStatus"]; got != "pending" {
		t.Fatalf("before the due time: %v", got)
	}
	clockA.Advance(time.Second)
	clockB.Advance(time.Second)
	viewA, viewB = tenantView(t, a), tenantView(t, b)
	for path, want := range viewA {
		if viewB[path] != want {
			t.Errorf("GET %s after the due time differs:\n%.2000s\nwant\n%.2000s", path, viewB[path], want)
		}
	}
	if got := send(t, b, "GET", "/groups/"+kiosk+"/members", nil).values(); len(got) == 0 {
		t.Errorf("the new group's members once processed: %v", got)
	}
	if got := len(send(t, b, "GET", devicesPath, nil).values()); got != 8 {
		t.Errorf("%d devices after the imports settled, want 8", got)
	}
}

func TestRestoreRefusesUnknownState(t *testing.T) {
	s := New(Options{Seed: DemoSeed()})
	before, _ := json.Marshal(s.Snapshot())
	for _, tt := range []struct {
		st   State
		want string
	}{
		{State{Version: 99}, "tenant state version 99; this mock reads version 1"},
		{State{Version: StateVersion, Policies: []stateConfiguration{{ID: "p1", TemplateID: "nope"}}}, `configuration policy p1: unknown template "nope"`},
		{State{Version: StateVersion, Groups: []stateGroup{{ID: "g1", MembershipRule: "(device.bogus -eq 1"}}}, ""},
	} {
		err := s.Restore(&tt.st)
		if err == nil || tt.want != "" && err.Error() != tt.want {
			t.Errorf("%+v: %v, want %q", tt.st, err, tt.want)
		}
	}
	if after, _ := json.Marshal(s.Snapshot()); string(after) != string(before) {
		t.Error("a refused restore changed the tenant")
	}
}
