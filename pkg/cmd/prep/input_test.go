package prep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// prep delete has --dry-run, so the refusal's hint names a flag it has; a dry run finds the policy and sends
// nothing.
func TestDeleteDryRun(t *testing.T) {
	e := tenant(t, false, "")
	if code := run(e, create...); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, e.Stderr)
	}
	pol := policyID(t, e, "DPP - Sales")
	if code := run(e, "delete", "DPP - Sales"); code != 2 || !strings.Contains(e.Stderr.String(), "not deleting anything without confirmation: pass --yes (or --dry-run to see what would change)") {
		t.Errorf("refusal: exit %d\n%s", code, e.Stderr)
	}
	code := run(e, "delete", "DPP - Sales", "--dry-run")
	if code != 0 || len(e.Writes()) != 0 || e.Stdout.String() != "DPP - Sales\twouldDelete\t"+pol+"\n" ||
		e.Stderr.String() != "dry run, nothing changed: policy \"DPP - Sales\": wouldDelete\n" {
		t.Errorf("exit %d writes %v\nstdout %q\nstderr %q", code, writes(e), e.Stdout, e.Stderr)
	}
	if code := run(e, "delete", "Nope", "--dry-run"); code != 2 || !strings.Contains(e.Stderr.String(), `argument 1: no device-preparation policy in the tenant is named or has id "Nope"`) {
		t.Errorf("unknown: exit %d\n%s", code, e.Stderr)
	}
}

// update takes no --mode (a policy's template can't change), and a user-driven setting given for an
// automatic policy is refused naming its own flag.
func TestUpdateHasNoModeAndNamesTheFlag(t *testing.T) {
	e := tenant(t, false, "")
	if code := run(e, "create", "DPP - Kiosk", "--device-group", "DPP devices", "--mode", "automatic"); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, e.Stderr)
	}
	code := run(e, "update", "DPP - Kiosk", "--timeout", "90m", "--allow-skip")
	want := "--timeout: an automatic policy has no setup timeout: it holds only apps and scripts (Windows 365 provisioning policies point at it)\n" +
		"--allow-skip: an automatic policy has no skip option"
	if code != 2 || len(e.Writes()) != 0 || !strings.Contains(e.Stderr.String(), want) || strings.Contains(e.Stderr.String(), "--mode") {
		t.Errorf("exit %d\n%s", code, e.Stderr)
	}
	if code := run(e, "update", "DPP - Kiosk", "--mode", "automatic"); code != 2 || !strings.Contains(e.Stderr.String(), "unknown flag: --mode") {
		t.Errorf("--mode: exit %d\n%s", code, e.Stderr)
	}
	run(e, "update", "--help")
	if strings.Contains(e.Stdout.String(), "--mode") {
		t.Errorf("update help offers --mode:\n%s", e.Stdout)
	}
}

// The update report names groups by name (ids stay in JSON and the ID column); show names apps and scripts.
func TestUpdateAndShowNameThings(t *testing.T) {
	e := tenant(t, false, "")
	e.Send(t, "POST", "/deviceManagement/deviceManagementScripts", map[string]any{"displayName": "Time zone", "fileName": "tz.ps1", "scriptContent": "V3JpdGUtSG9zdCAx"})
	if code := run(e, append(create, "--script", "Time zone")...); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, e.Stderr)
	}
	dev := groupID(t, e, "DPP devices")
	if code := run(e, "update", "DPP - Sales", "--allow-skip"); code != 0 {
		t.Fatalf("update: exit %d\n%s", code, e.Stderr)
	}
	for _, want := range []string{"deviceGroup\tunchanged\tDPP devices\t" + dev + "\t", "deviceGroupBinding\tunchanged\tDPP devices\t" + dev + "\t",
		"userAssignments\tunchanged\tSales users\t"} {
		if !strings.Contains(e.Stdout.String(), want) {
			t.Errorf("update lacks %q:\n%s", want, e.Stdout)
		}
	}
	run(e, "show", "DPP - Sales")
	app := e.Send(t, "GET", "/deviceAppManagement/mobileApps?$filter=displayName%20eq%20'Company%20Portal'", nil)["value"].([]any)[0].(map[string]any)["id"].(string)
	for _, want := range []string{"app\tCompany Portal (" + app + ", windowsUniversalAppX)\n", "script\tTime zone ("} {
		if !strings.Contains(e.Stdout.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, e.Stdout)
		}
	}
}

// A file's problems are reported all at once, each at its key's line: the value rules first, then every
// name the tenant can't resolve.
func TestYAMLReportsEveryProblem(t *testing.T) {
	e := tenant(t, false, "")
	file := filepath.Join(t.TempDir(), "prep.yaml")
	os.WriteFile(file, []byte("name: DPP - Sales\ndeviceGroup: DPP devices\naccountType: boss\ntimeout: 5m\npriority: -1\n"), 0o600)
	code := run(e, "create", "-f", file)
	want := file + ":5: priority: priority -1: priorities start at 1\n" +
		file + ":3: accountType: account type \"boss\" is not standard or administrator\n" +
		file + ":4: timeout: timeout \"5m\" is outside 15 to 720 minutes"
	if code != 2 || !strings.Contains(e.Stderr.String(), want) || len(e.Writes()) != 0 {
		t.Errorf("values: exit %d\n%s\nwant\n%s", code, e.Stderr, want)
	}
	os.WriteFile(file, []byte("name: DPP - Sales\ndeviceGroup: Nope\nuserGroups: [Dynamic, Nobody]\napps: [Twin, Company Portal]\n"), 0o600)
	code = run(e, "create", "-f", file)
	want = "error: " + file + ":4: apps: 2 apps are named \"Twin\" (ids TWINS); name one by id\n" +
		file + ":3: userGroups: no group named or with id \"Nobody\"\n" +
		file + ":2: deviceGroup: no group named or with id \"Nope\"\n" +
		file + ":3: userGroups: group \"Dynamic\" (" + groupID(t, e, "Dynamic") + ") is a dynamic group whose rule selects devices; the policy is assigned to the users who set devices up: name a group of users\n"
	var twins []string
	for _, a := range e.Send(t, "GET", "/deviceAppManagement/mobileApps?$filter=displayName%20eq%20'Twin'", nil)["value"].([]any) {
		twins = append(twins, a.(map[string]any)["id"].(string))
	}
	want = strings.Replace(want, "TWINS", strings.Join(twins, ", "), 1)
	if code != 2 || e.Stderr.String() != want || len(e.Writes()) != 0 {
		t.Errorf("names: exit %d\n%s\nwant\n%s", code, e.Stderr, want)
	}
}
