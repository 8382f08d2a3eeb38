package device

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `device list -o csv` writes Graph's property names, and `device tag --from-csv` and `device delete
// --from-csv` read that file back: an admin exports, edits the groupTag column, and feeds it in.
func TestListCSVReadsBack(t *testing.T) {
	env := listTenant(t)
	got := runCmd(env, "list", "--group-tag", "Sales", "-o", "csv")
	header := "serialNumber,groupTag,userPrincipalName,deploymentProfileAssignmentStatus,enrollmentState,lastContactedDateTime\n"
	if got.code != 0 || !strings.HasPrefix(got.stdout, header) || strings.Count(got.stdout, "\n") != 4 {
		t.Fatalf("list: %v", got)
	}
	path := filepath.Join(t.TempDir(), "sales.csv")
	edited := strings.ReplaceAll(got.stdout, ",Sales,", ",Sales-EMEA,")
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	got = runCmd(env, "tag", "--from-csv", path, "--write-budget", "10/1s")
	if got.code != 0 || got.stdout != lines(
		"5CG2461KX7\tSales\tSales-EMEA\tupdated\t",
		"5CG2461KX8\tSales\tSales-EMEA\tupdated\t",
		"0F4410234568\tSales\tSales-EMEA\tupdated\t") {
		t.Errorf("tag --from-csv: %v", got)
	}
	// What is not enrolled, exported again with the new tag (an enrolled device can't be deleted here).
	got = runCmd(env, "list", "--group-tag", "Sales-EMEA", "--enrollment-state", "notContacted", "-o", "csv")
	if err := os.WriteFile(path, []byte(got.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	got = runCmd(env, "delete", "--from-csv", path, "--yes", "--write-budget", "10/1s")
	if got.code != 0 || got.stdout != lines(
		"5CG2461KX7\t"+deviceID(1)+"\tdeleted\t",
		"0F4410234568\t"+deviceID(6)+"\tdeleted\t") {
		t.Errorf("delete --from-csv: %v", got)
	}
}
