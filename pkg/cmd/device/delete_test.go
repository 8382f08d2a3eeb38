package device

import (
	"reflect"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const managedID = "3f2a9c1e-6b7d-4e52-9a10-1c2d3e4f5a60"

// deleteTenant has a device to delete, one still enrolled in Intune, another, and one enrolled whose
// managed device Graph does not know (managedDeviceId is the nil GUID).
func deleteTenant(t *testing.T) *cmdtest.Env {
	return tenant(t, graphmock.Options{},
		tagged("5CG1", "Sales"),
		graphmock.SeedAutopilotDevice{SerialNumber: "5CG2", EnrollmentState: "enrolled", ManagedDeviceID: managedID},
		tagged("AB-3", ""),
		graphmock.SeedAutopilotDevice{SerialNumber: "5CG4", EnrollmentState: "enrolled"},
	)
}

const (
	enrolledError  = "still enrolled in Intune: the service refuses to deregister an enrolled device"
	enrolledAdvice = "delete managed device " + managedID + " first, in the Intune admin center (Devices > All devices) " +
		"or with DELETE /deviceManagement/managedDevices/" + managedID + ", then run this again"
	unknownManagedAdvice = "its managed device id is unknown: find the device in the Intune admin center (Devices > All devices, " +
		"search for serial number 5CG4) or with GET /deviceManagement/managedDevices?$filter=serialNumber eq '5CG4', delete it there, then run this again"
)

func TestDeleteNeedsYesOffTerminal(t *testing.T) {
	env := deleteTenant(t)
	got := runCmd(env, "delete", "5CG1")
	if got.code != 2 || got.stderr != "error: not deleting anything without confirmation: pass --yes (or --dry-run to see what would change)\n"+
		"Run 'autopilotctl device delete --help' for usage.\n" ||
		len(env.Mock.Requests()) != 0 {
		t.Errorf("got %v, %d requests", got, len(env.Mock.Requests()))
	}
}

func TestDeleteWithYesReportsEnrolledDevices(t *testing.T) {
	env := deleteTenant(t)
	got := runCmd(env, "delete", "5CG1", "5cg2", "ab-3", "NOPE", "--yes")
	want := lines("5CG1\t"+deviceID(1)+"\tdeleted\t", "5CG2\t"+deviceID(2)+"\tfailed\t"+enrolledError+"; "+enrolledAdvice,
		"AB-3\t"+deviceID(3)+"\tdeleted\t", "NOPE\t\tnotFound\tno Autopilot device has serial number \"NOPE\"")
	if got.code != 3 || got.stdout != want || got.stderr != "4 devices: 2 deleted, 1 notFound, 1 failed\n2 of 4 devices did not end as asked; the report above says why\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	var deleted []string
	for _, w := range env.Writes() {
		deleted = append(deleted, w.Method+" "+strings.TrimPrefix(w.Path, "/deviceManagement/windowsAutopilotDeviceIdentities/"))
	}
	if want := []string{"DELETE " + deviceID(1), "DELETE " + deviceID(3)}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("writes %q, want %q", deleted, want)
	}
	got = runCmd(env, "list")
	if got.stdout != "5CG2\t\t\tnotAssigned\tenrolled\tnever\n5CG4\t\t\tnotAssigned\tenrolled\tnever\n" {
		t.Errorf("left after delete: %q", got.stdout)
	}
}

func TestDeleteDryRunSendsNothing(t *testing.T) {
	env := deleteTenant(t)
	got := runCmd(env, "delete", "5CG1", "5CG2", "5CG4", "--dry-run", "-o", "json")
	want := `{
  "summary": {
    "total": 3,
    "wouldDelete": 1,
    "failed": 2
  },
  "devices": [
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "5CG1",
      "id": "` + deviceID(1) + `",
      "status": "wouldDelete"
    },
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "5CG2",
      "id": "` + deviceID(2) + `",
      "status": "failed",
      "error": "` + enrolledError + `",
      "message": "` + enrolledAdvice + `",
      "managedDeviceId": "` + managedID + `"
    },
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "5CG4",
      "id": "` + deviceID(4) + `",
      "status": "failed",
      "error": "` + enrolledError + `",
      "message": "` + unknownManagedAdvice + `"
    }
  ]
}
`
	if got.code != 3 || got.stdout != want || got.stderr != "dry run, nothing changed: 3 devices: 1 wouldDelete, 2 failed\n2 of 3 devices did not end as asked; the report above says why\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	if strings.Contains(got.stdout, "00000000-0000-0000-0000-000000000000") {
		t.Error("the nil managed device id was printed")
	}
	if w := env.Writes(); len(w) != 0 {
		t.Errorf("dry run sent %+v", w)
	}
}

// A device already gone fails the run (a mistyped serial must not pass), unless --ignore-missing says that
// gone is as good as deleted.
func TestDeleteIgnoreMissing(t *testing.T) {
	env := deleteTenant(t)
	got := runCmd(env, "delete", "5CG1", "--yes")
	if got.code != 0 {
		t.Fatalf("first delete: %v", got)
	}
	got = runCmd(env, "delete", "5CG1", "AB-3", "--yes")
	want := lines("5CG1\t\tnotFound\tno Autopilot device has serial number \"5CG1\"", "AB-3\t"+deviceID(3)+"\tdeleted\t")
	if got.code != 3 || got.stdout != want || got.stderr != "2 devices: 1 deleted, 1 notFound\n1 of 2 devices did not end as asked; the report above says why\n" {
		t.Errorf("strict re-run: %v\nwant:\n%s", got, want)
	}
	got = runCmd(env, "delete", "5CG1", "AB-3", "--yes", "--ignore-missing", "-o", "json")
	if got.code != 0 || got.stderr != "2 devices: 2 notFound\n" || !strings.Contains(got.stdout, `"notFound": 2`) {
		t.Errorf("--ignore-missing: %v", got)
	}
	if n := len(env.Writes()); n != 2 {
		t.Errorf("%d deletes sent, want 2 (one per device that existed)", n)
	}
}

func TestDeleteAsksOnTerminal(t *testing.T) {
	for _, answer := range []string{"y\n", "n\n"} {
		env := deleteTenant(t)
		env.Factory.IOStreams.SetTTY(true, false, true)
		env.Factory.IOStreams.In = strings.NewReader(answer)
		got := runCmd(env, "delete", "5CG1", "AB-3")
		question := "Deregister 2 Autopilot device(s) (5CG1, AB-3)? [y/N]: "
		if answer == "y\n" {
			if got.code != 0 || got.stderr != question+"2 devices: 2 deleted\n" || len(env.Writes()) != 2 {
				t.Errorf("yes: %v", got)
			}
			continue
		}
		if got.code != 2 || got.stderr != question+"error: cancelled: nothing was changed\n" || len(env.Writes()) != 0 {
			t.Errorf("no: %v", got)
		}
	}
}

// The question counts only what would be deleted, and says that others named will not be.
func TestDeleteAskNamesWhatCannotBeDeleted(t *testing.T) {
	env := deleteTenant(t)
	env.Factory.IOStreams.SetTTY(true, false, true)
	env.Factory.IOStreams.In = strings.NewReader("n\n")
	got := runCmd(env, "delete", "5CG1", "5CG2", "NOPE")
	want := "2 other(s) named will not be deleted (5CG2, NOPE). Deregister 1 Autopilot device(s) (5CG1)? [y/N]: error: cancelled: nothing was changed\n"
	if got.code != 2 || got.stderr != want || len(env.Writes()) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestDeleteFromCSV(t *testing.T) {
	env := deleteTenant(t)
	path := writeCSV(t, "returns.csv", true, fullHeader, "5CG1,,"+hash("a", 64)+",,", "AB-3,,"+hash("b", 64)+",,")
	got := runCmd(env, "delete", "--from-csv", path, "--yes", "--write-budget", "10/1s")
	if got.code != 0 || got.stdout != lines("5CG1\t"+deviceID(1)+"\tdeleted\t", "AB-3\t"+deviceID(3)+"\tdeleted\t") {
		t.Errorf("got %v", got)
	}
	got = runCmd(env, "delete", "--from-csv", path, "5CG1", "--yes")
	if got.code != 2 || got.stderr != "error: name the devices one way only: serial numbers as arguments, or --from-csv FILE\nRun 'autopilotctl device delete --help' for usage.\n" {
		t.Errorf("both sources: %v", got)
	}
}

func TestDeleteFlags(t *testing.T) {
	tests := []struct {
		args []string
		want DeleteOptions
		code int
	}{
		{[]string{"A", "B", "-y", "--ignore-missing"}, DeleteOptions{Serials: []string{"A", "B"}, Yes: true, IgnoreMissing: true, WriteBudget: "100/20s"}, 0},
		{[]string{"--from-csv", "r.csv", "--dry-run", "--write-budget", "10/1s"}, DeleteOptions{Serials: []string{}, FromCSV: "r.csv", DryRun: true, WriteBudget: "10/1s"}, 0},
		{[]string{"--yes"}, DeleteOptions{}, 2},
		{[]string{"A"}, DeleteOptions{}, 2}, // no terminal, no --yes
	}
	for _, tt := range tests {
		env := cmdtest.New(t, graphmock.Options{})
		var got DeleteOptions
		code := env.Run(NewCmdDelete(env.Factory, func(o *DeleteOptions) error { got = *o; return nil }), tt.args...)
		got.Factory = nil
		if code != tt.code || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: exit %d, %+v; want %d, %+v", tt.args, code, got, tt.code, tt.want)
		}
	}
}
