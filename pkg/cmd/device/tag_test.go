package device

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

const updateRoute = "POST /deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties"

func TestTagFlags(t *testing.T) {
	long := strings.Repeat("x", 129)
	tests := []struct {
		args   []string
		want   TagOptions // Factory aside
		stderr string
	}{
		{[]string{"A", "B", "--group-tag", "Sales"}, TagOptions{Serials: []string{"A", "B"}, GroupTag: "Sales", WriteBudget: "100/20s"}, ""},
		{[]string{"--clear", "A", "--dry-run"}, TagOptions{Serials: []string{"A"}, Clear: true, DryRun: true, WriteBudget: "100/20s"}, ""},
		{[]string{"--from-csv", "t.csv", "--write-budget", "50/10s"}, TagOptions{Serials: []string{}, FromCSV: "t.csv", WriteBudget: "50/10s"}, ""},
		{[]string{"--select-group-tag", "Old", "--group-tag", "New", "-y"}, TagOptions{Serials: []string{}, SelectGroupTag: "Old", GroupTag: "New", Yes: true, WriteBudget: "100/20s"}, ""},
		{[]string{"A", "--group-tag", "Tag\r\n\x1b]0;x\a"}, TagOptions{}, "error: --group-tag: group tag contains U+000D (CARRIAGE RETURN)\n"},
		{[]string{"--select-group-tag", "Old\u200b", "--clear"}, TagOptions{}, "error: --select-group-tag: group tag contains U+200B (ZERO WIDTH SPACE)\n"},
		{[]string{"A", "B\u202e", "--clear"}, TagOptions{}, "error: argument 2: serial number contains U+202E (RIGHT-TO-LEFT OVERRIDE)\n"},
		{[]string{"--group-tag", "Sales"}, TagOptions{}, "error: name the devices: serial numbers as arguments, --from-csv FILE, or --select-group-tag TAG\n"},
		{[]string{"A", "--from-csv", "t.csv"}, TagOptions{}, "error: name the devices one way only: serial numbers as arguments, --from-csv FILE, or --select-group-tag TAG\n"},
		{[]string{"A"}, TagOptions{}, "error: say what to do: --group-tag TAG or --clear\n"},
		{[]string{"A", "--group-tag", ""}, TagOptions{}, "error: --group-tag is empty: use --clear to remove the group tag\n"},
		{[]string{"A", "--group-tag", "S", "--clear"}, TagOptions{}, "error: --group-tag and --clear cannot be combined\n"},
		{[]string{"--from-csv", "t.csv", "--clear"}, TagOptions{}, "error: --from-csv takes each device's group tag from the file; drop --group-tag and --clear\n"},
		{[]string{"A", "--group-tag", long}, TagOptions{}, "error: --group-tag: group tag is 129 characters long; the limit is 128\n"},
	}
	for _, tt := range tests {
		env := cmdtest.New(t, graphmock.Options{})
		var got *TagOptions
		code := env.Run(NewCmdTag(env.Factory, func(o *TagOptions) error { got = o; return nil }), tt.args...)
		if tt.stderr != "" {
			if code != 2 || got != nil || env.Stderr.String() != tt.stderr+"Run 'autopilotctl tag --help' for usage.\n" {
				t.Errorf("%q: exit %d, stderr %q; want 2, %q", tt.args, code, env.Stderr, tt.stderr)
			}
			continue
		}
		if got == nil {
			t.Fatalf("%q: exit %d, stderr %q", tt.args, code, env.Stderr)
		}
		got.Factory = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

func TestTagBadBudgetIsUsage(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("A", ""))
	got := runCmd(env, "tag", "A", "--group-tag", "S", "--write-budget", "fast")
	if got.code != 2 || got.stderr != "error: invalid write budget \"fast\": want WRITES/WINDOW such as 100/20s\nRun 'autopilotctl device tag --help' for usage.\n" || len(env.Mock.Requests()) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestTagSerialsThenRerunChangesNothing(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"), tagged("5CG2", ""), tagged("5CG3", "Kiosk"))
	got := runCmd(env, "tag", "5cg1", "5CG2", "5CG3", "5CG1", "--group-tag", "Kiosk")
	want := lines("5CG1\tSales\tKiosk\tupdated\t", "5CG2\t\tKiosk\tupdated\t", "5CG3\tKiosk\tKiosk\tunchanged\t")
	if got.code != 0 || got.stdout != want || got.stderr != "3 devices: 2 updated, 1 unchanged\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	if n := len(queries(env, "POST /$batch")); n != 1 {
		t.Errorf("%d $batch requests, want 1", n)
	}
	var bodies []string
	for _, w := range env.Writes() {
		bodies = append(bodies, w.Path+" "+string(w.Body))
	}
	wantBodies := []string{
		"/deviceManagement/windowsAutopilotDeviceIdentities/" + deviceID(1) + `/updateDeviceProperties {"groupTag":"Kiosk"}`,
		"/deviceManagement/windowsAutopilotDeviceIdentities/" + deviceID(2) + `/updateDeviceProperties {"groupTag":"Kiosk"}`,
	}
	if !reflect.DeepEqual(bodies, wantBodies) {
		t.Errorf("writes %q, want %q", bodies, wantBodies)
	}

	env.Mock.ResetLog()
	got = runCmd(env, "tag", "5CG1", "5CG2", "5CG3", "--group-tag", "Kiosk")
	want = lines("5CG1\tKiosk\tKiosk\tunchanged\t", "5CG2\tKiosk\tKiosk\tunchanged\t", "5CG3\tKiosk\tKiosk\tunchanged\t")
	if got.code != 0 || got.stdout != want || got.stderr != "3 devices: 3 unchanged\n" || len(env.Writes()) != 0 {
		t.Errorf("second run: %v, %d writes", got, len(env.Writes()))
	}
}

func TestTagClearAndNotFoundIsPartial(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"), tagged("5CG10", "Sales"))
	got := runCmd(env, "tag", "--clear", "5CG1", "CG1")
	want := lines("5CG1\tSales\t\tupdated\t",
		"CG1\t\t\tnotFound\tno Autopilot device has serial number \"CG1\"; serial numbers containing it: 5CG1, 5CG10")
	if got.code != 3 || got.stdout != want || got.stderr != "2 devices: 1 updated, 1 notFound\n1 of 2 devices did not end as asked; the report above says why\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	if w := env.Writes(); len(w) != 1 || string(w[0].Body) != `{"groupTag":""}` {
		t.Errorf("writes %+v", w)
	}
}

func TestTagDryRunSendsNothing(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"), tagged("5CG2", "Kiosk"))
	got := runCmd(env, "tag", "5CG1", "5CG2", "--group-tag", "Kiosk", "--dry-run")
	want := lines("5CG1\tSales\tKiosk\twouldUpdate\t", "5CG2\tKiosk\tKiosk\tunchanged\t")
	if got.code != 0 || got.stdout != want || got.stderr != "dry run, nothing changed: 2 devices: 1 unchanged, 1 wouldUpdate\n" {
		t.Errorf("got %v", got)
	}
	if w := env.Writes(); len(w) != 0 || len(queries(env, "POST /$batch")) != 0 {
		t.Errorf("dry run sent %+v", w)
	}
}

func TestTagFromCSV(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"), tagged("5CG2", "Sales"), tagged("AB-3", ""), tagged("AB-4", "Kiosk"))
	path := writeCSV(t, "retag.csv", true, "Device Serial Number,Group Tag",
		"5CG1,Kiosk", "5cg2,", "AB-3,Kiosk", "AB-4,Kiosk", "5CG1,Kiosk", "NOPE,Kiosk")
	got := runCmd(env, "tag", "--from-csv", path)
	want := lines("5CG1\tSales\tKiosk\tupdated\t", "5CG2\tSales\t\tupdated\t", "AB-3\t\tKiosk\tupdated\t",
		"AB-4\tKiosk\tKiosk\tunchanged\t", "NOPE\t\tKiosk\tnotFound\tno Autopilot device has serial number \"NOPE\"")
	if got.code != 3 || got.stdout != want || got.stderr != "5 devices: 3 updated, 1 unchanged, 1 notFound\n1 of 5 devices did not end as asked; the report above says why\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	// AB-3's filter is refused (hyphen); the listing that follows also answers AB-4 and NOPE.
	wantQueries := []string{"$filter=contains(serialNumber,'5CG1')", "$filter=contains(serialNumber,'5cg2')", "$filter=contains(serialNumber,'AB-3')", ""}
	if q := queries(env, listRoute); !reflect.DeepEqual(q, wantQueries) {
		t.Errorf("lookups %q, want %q", q, wantQueries)
	}
}

func TestTagFromCSVInputErrorsSendNothing(t *testing.T) {
	tests := []struct {
		header string
		rows   []string
		stderr string // after "error: <path>"
	}{
		{"Device Serial Number,Windows Product ID", []string{"A,"}, `:1: no group tag column: the header must name one, e.g. "Group Tag"`},
		{"Group Tag", []string{"Sales"}, `:1: no serial number column: the header must name one, e.g. "Device Serial Number" or "serialNumber"`},
		{"serialNumber,groupTag", []string{"A,Sales", ",Kiosk"}, `:3: serial number is missing (column "serialNumber")`},
		{"serialNumber,groupTag", []string{"A,Sales", "a,Kiosk"}, `:3: serial number "a" is listed on line 2 with group tag "Sales" and here with "Kiosk"`},
	}
	for _, tt := range tests {
		env := tenant(t, graphmock.Options{}, tagged("A", ""))
		path := writeCSV(t, "t.csv", false, tt.header, tt.rows...)
		got := runCmd(env, "tag", "--from-csv", path)
		if got.code != 2 || got.stderr != "error: "+path+tt.stderr+"\n" || len(env.Mock.Requests()) != 0 {
			t.Errorf("%s: got %v", tt.header, got)
		}
	}
}

func TestTagSelectGroupTagAcrossPages(t *testing.T) {
	var devs []graphmock.SeedAutopilotDevice
	for i := range 7 {
		tag := "Sales"
		if i%3 == 2 {
			tag = "Kiosk"
		}
		devs = append(devs, tagged(fmt.Sprintf("SN%d", i), tag))
	}
	env := tenant(t, graphmock.Options{PageSize: 2}, devs...)
	got := runCmd(env, "tag", "--select-group-tag", "sales", "--group-tag", "Sales-EMEA", "--yes")
	want := lines("SN0\tSales\tSales-EMEA\tupdated\t", "SN1\tSales\tSales-EMEA\tupdated\t", "SN3\tSales\tSales-EMEA\tupdated\t",
		"SN4\tSales\tSales-EMEA\tupdated\t", "SN6\tSales\tSales-EMEA\tupdated\t")
	if got.code != 0 || got.stdout != want || got.stderr != "5 devices: 5 updated\n" {
		t.Errorf("got %v", got)
	}
	if q := queries(env, listRoute); len(q) != 3 || q[0] != "$filter=groupTag eq 'sales'" {
		t.Errorf("list requests %q", q)
	}
	got = runCmd(env, "tag", "--select-group-tag", "sales", "--group-tag", "Sales-EMEA", "--yes")
	if got.code != 0 || got.stdout != "" || got.stderr != "no device has group tag \"sales\"\nno devices\n" {
		t.Errorf("rerun: %v", got)
	}
}

// sixtyDevices is a tenant whose devices SN000…SN059 are tagged Old.
func sixtyDevices(t *testing.T, opts graphmock.Options) (*cmdtest.Env, []string) {
	var devs []graphmock.SeedAutopilotDevice
	args := []string{"tag", "--group-tag", "New", "--yes"}
	for i := range 60 {
		devs = append(devs, tagged(fmt.Sprintf("SN%03d", i), "Old"))
		args = append(args, fmt.Sprintf("SN%03d", i))
	}
	return tenant(t, opts, devs...), args
}

func TestTagManySerialsListOnce(t *testing.T) {
	env, args := sixtyDevices(t, graphmock.Options{PageSize: 25})
	got := runCmd(env, args...)
	if got.code != 0 || got.stderr != "60 devices: 60 updated\n" {
		t.Errorf("got %v", got)
	}
	if q := queries(env, listRoute); len(q) != 3 || q[0] != "" {
		t.Errorf("list requests %q, want three unfiltered pages", q)
	}
	if n := len(queries(env, "POST /$batch")); n != 3 {
		t.Errorf("%d $batch requests, want 3", n)
	}
}

func TestTagRetriesThrottledBatchItems(t *testing.T) {
	env, args := sixtyDevices(t, graphmock.Options{WriteLimit: 25, WriteWindow: 20 * time.Second})
	// A budget far above the service's makes it throttle; the items it refuses are re-sent after Retry-After.
	got := runCmd(env, append(args, "--write-budget", "1000/1s")...)
	if got.code != 0 || got.stderr != "60 devices: 60 updated\n" {
		t.Fatalf("got %v", got)
	}
	st := env.Mock.Stats()
	if st.Throttled == 0 || st.BatchItems != 60+st.Throttled {
		t.Errorf("throttled %d, items run %d", st.Throttled, st.BatchItems)
	}
	var retryWaits int
	for _, w := range env.Sleeps {
		if w == 20*time.Second {
			retryWaits++
		}
	}
	if retryWaits < 2 {
		t.Errorf("waits %v: want the 20 s Retry-After waited at least twice", env.Sleeps)
	}
}

func TestTagWriteFailureIsPartial(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("A", ""), tagged("B", ""), tagged("C", ""))
	// Someone deregisters C after it was looked up: the pacer's first wait comes just before the first write.
	sleep := env.Factory.Sleep
	var once sync.Once
	env.Factory.Sleep = func(ctx context.Context, d time.Duration) error {
		once.Do(func() { deregister(t, env, deviceID(3)) })
		return sleep(ctx, d)
	}
	got := runCmd(env, "tag", "A", "B", "C", "--group-tag", "T")
	want := lines("A\t\tT\tupdated\t", "B\t\tT\tupdated\t",
		"C\t\tT\tfailed\tGraph answered 404 Not Found: ResourceNotFound: The windowsAutopilotDeviceIdentity with id '"+deviceID(3)+"' was not found. "+
			"- Operation ID (for customer support): 7e000000-0000-4000-8000-000000000009 - Activity ID: 7e000000-0000-4000-8000-000000000008 "+
			"(request-id 7e000000-0000-4000-8000-000000000008)")
	if got.code != 3 || got.stdout != want || got.stderr != "3 devices: 2 updated, 1 failed\n1 of 3 devices did not end as asked; the report above says why\n" {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
}

// deregister deletes a device behind the command's back.
func deregister(t *testing.T, env *cmdtest.Env, id string) {
	req, _ := http.NewRequest("DELETE", env.Mock.BaseURL()+"/deviceManagement/windowsAutopilotDeviceIdentities/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+cmdtest.Token)
	resp, err := env.Mock.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deregister %s: %v %v", id, resp, err)
	}
	resp.Body.Close()
}

func TestTagRetriesTransientFaults(t *testing.T) {
	env, args := sixtyDevices(t, graphmock.Options{FaultRate: 0.2, RandSeed: 7})
	got := runCmd(env, args...)
	if got.code != 0 || got.stderr != "60 devices: 60 updated\n" {
		t.Fatalf("got %v", got)
	}
	if st := env.Mock.Stats(); st.Faults == 0 {
		t.Errorf("no fault was injected: %+v", st)
	}
	got = runCmd(env, "list", "--group-tag", "Old")
	if got.code != 0 || got.stdout != "" {
		t.Errorf("devices still tagged Old: %v", got)
	}
}

// A change to devices selected by a filter, or to more than confirmAbove devices, asks first on a terminal
// and needs --yes elsewhere; without it nothing is written (only the lookups were sent).
func TestTagBulkChangesAsk(t *testing.T) {
	salesTenant := func(t *testing.T) *cmdtest.Env {
		return tenant(t, graphmock.Options{}, tagged("S1", "Sales"), tagged("S2", "Sales"), tagged("K1", "Kiosk"))
	}
	refused := "error: not changing the group tag of 2 devices without confirmation: pass --yes (or --dry-run to see what would change)\n" +
		"Run 'autopilotctl device tag --help' for usage.\n"

	env := salesTenant(t)
	got := runCmd(env, "tag", "--select-group-tag", "Sales", "--clear")
	if got.code != 2 || got.stdout != "" || got.stderr != refused || len(env.Writes()) != 0 {
		t.Errorf("no terminal, no --yes: %v, %d writes", got, len(env.Writes()))
	}
	got = runCmd(env, "tag", "--select-group-tag", "Sales", "--clear", "--dry-run")
	if got.code != 0 || got.stderr != "dry run, nothing changed: 2 devices: 2 wouldUpdate\n" || len(env.Writes()) != 0 {
		t.Errorf("dry run: %v", got)
	}
	got = runCmd(env, "tag", "--select-group-tag", "Sales", "--clear", "--yes")
	if got.code != 0 || got.stdout != lines("S1\tSales\t\tupdated\t", "S2\tSales\t\tupdated\t") || len(env.Writes()) != 2 {
		t.Errorf("--yes: %v, %d writes", got, len(env.Writes()))
	}

	question := "Change the group tag of 2 Autopilot device(s) (S1, S2)? [y/N]: "
	for _, answer := range []string{"n\n", "y\n"} {
		env := salesTenant(t)
		env.Factory.IOStreams.SetTTY(true, false, true)
		env.Factory.IOStreams.In = strings.NewReader(answer)
		got := runCmd(env, "tag", "--select-group-tag", "Sales", "--clear")
		if answer == "n\n" {
			if got.code != 2 || got.stderr != question+"error: cancelled: nothing was changed\n" || len(env.Writes()) != 0 {
				t.Errorf("answered no: %v, %d writes", got, len(env.Writes()))
			}
			continue
		}
		if got.code != 0 || got.stderr != question+"2 devices: 2 updated\n" || len(env.Writes()) != 2 {
			t.Errorf("answered yes: %v, %d writes", got, len(env.Writes()))
		}
	}

	// Named one by one: up to confirmAbove devices go ahead, more ask.
	var devs []graphmock.SeedAutopilotDevice
	var serials []string
	for i := range confirmAbove + 1 {
		devs = append(devs, tagged(fmt.Sprintf("N%02d", i), ""))
		serials = append(serials, fmt.Sprintf("N%02d", i))
	}
	env = tenant(t, graphmock.Options{}, devs...)
	got = runCmd(env, append([]string{"tag", "--group-tag", "T"}, serials...)...)
	if got.code != 2 || !strings.HasPrefix(got.stderr, "error: not changing the group tag of 11 devices without confirmation: pass --yes") || len(env.Writes()) != 0 {
		t.Errorf("%d named devices: %v", len(serials), got)
	}
	got = runCmd(env, append([]string{"tag", "--group-tag", "T"}, serials[:confirmAbove]...)...)
	if got.code != 0 || len(env.Writes()) != confirmAbove {
		t.Errorf("%d named devices: %v, %d writes", confirmAbove, got, len(env.Writes()))
	}
}

// A firmware placeholder serial names several devices: the entry fails, says why, and lists the ids to use.
func TestTagPlaceholderSerial(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("To Be Filled By O.E.M.", ""), tagged("To Be Filled By O.E.M.", "Kiosk"))
	got := runCmd(env, "tag", "To Be Filled By O.E.M.", "--group-tag", "Sales", "-o", "json")
	want := `{
  "summary": {
    "total": 1,
    "failed": 1
  },
  "devices": [
    {
      "kind": "windowsAutopilotDeviceIdentity",
      "serialNumber": "To Be Filled By O.E.M.",
      "status": "failed",
      "error": "serial number \"To Be Filled By O.E.M.\" matches 2 Autopilot devices: it is a firmware placeholder, not a real serial number, so these devices can't be told apart by serial",
      "message": "name one by its id: ` + deviceID(1) + ` (no group tag), ` + deviceID(2) + ` (group tag \"Kiosk\")"
    }
  ]
}
`
	if got.code != 3 || got.stdout != want || len(env.Writes()) != 0 {
		t.Errorf("got %v\nwant:\n%s", got, want)
	}
	got = runCmd(env, "tag", deviceID(1), deviceID(9), "--group-tag", "Sales")
	if want := lines("To Be Filled By O.E.M.\t\tSales\tupdated\t", deviceID(9)+"\t\tSales\tnotFound\tno Autopilot device has id "+deviceID(9)); got.code != 3 || got.stdout != want {
		t.Errorf("by id: %v\nwant:\n%s", got, want)
	}
}

// --from-csv - reads the list from standard input; a pipe given by name is refused with that hint.
func TestTagFromCSVOnStandardInput(t *testing.T) {
	env := tenant(t, graphmock.Options{}, tagged("5CG1", "Sales"))
	env.Factory.IOStreams.In = strings.NewReader("serialNumber,groupTag\n5CG1,Kiosk\n")
	got := runCmd(env, "tag", "--from-csv", "-")
	if got.code != 0 || got.stdout != lines("5CG1\tSales\tKiosk\tupdated\t") {
		t.Errorf("stdin: %v", got)
	}
	got = runCmd(env, "tag", "--from-csv", "/dev/null")
	if got.code != 2 || got.stderr != "error: /dev/null: not a regular file (a device); to read a pipe, give it on standard input with --from-csv -\n" {
		t.Errorf("device file: %v", got)
	}
}
