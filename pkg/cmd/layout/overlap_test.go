package layout

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// TestPlanSaysWhichProfileGetsOverlappingDevices: two profiles of the file target the 3 Sales devices (one
// through a group-tag group, one through an all-Autopilot group): the device gets the older, so plan warns
// that the second loses them — counted by evaluating the groups' rules over the tenant's devices, before the
// groups exist. Devices the later profile excludes are not counted.
func TestPlanSaysWhichProfileGetsOverlappingDevices(t *testing.T) {
	seed := &graphmock.Seed{}
	for i, tag := range []string{"Sales", "Sales", "Sales", "Kiosk", "Sales-EMEA"} {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{SerialNumber: fmt.Sprintf("OVL%d", i), GroupTag: tag})
	}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	file := writeFile(t, `groups:
  - displayName: AP - Sales
    groupTag: Sales
  - displayName: AP - Everything
    allAutopilot: true
  - displayName: AP - Kiosk
    groupTag: Kiosk
profiles:
  - displayName: Sales UD
    mode: user-driven
    join: entra
    assign: [AP - Sales]
  - displayName: Everything UD
    mode: user-driven
    join: entra
    assign: [AP - Everything]
  - displayName: Kiosk SD
    mode: self-deploying
    join: entra
    assign: [AP - Kiosk]
    exclude: [AP - Everything]
`)
	m, code := planJSON(t, e, file)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, e.Stderr)
	}
	want := `deployment profile "Everything UD": 3 devices it targets get "Sales UD" instead, which targets them too and is older (a device in the groups of several profiles gets the oldest)`
	if got := m["warnings"]; !slices.Equal(toStrings(got), []string{want}) {
		t.Errorf("warnings %v\nwant [%s]", got, want)
	}
	if got := e.Stderr.String(); got != "warning: "+want+"\n" {
		t.Errorf("stderr:\n%s", got)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("plan wrote %v", w)
	}

	// Applied, the same plan shows no changes and still warns: the tenant's profiles overlap as the file says.
	applyOK(t, e, file)
	noChanges(t, e, file)
	if got := e.Stderr.String(); got != "warning: "+want+"\n" {
		t.Errorf("stderr after apply:\n%s", got)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestApplyWithAnAppOnlyTokenStopsBeforeBinding: binding a device group answers 500 to app-only tokens, so
// an apply that would bind one stops before any write (exit 4), as prep create does; a file without a
// device-preparation policy applies with the same token.
func TestApplyWithAnAppOnlyTokenStopsBeforeBinding(t *testing.T) {
	claims := `{"idtyp":"app","roles":["DeviceManagementConfiguration.ReadWrite.All","Group.ReadWrite.All"],"tid":"t"}`
	e := cmdtest.New(t, graphmock.Options{Seed: &graphmock.Seed{}, Token: unsignedJWT(claims)})
	if code := run(e, NewCmdApply, "-f", "../../../examples/layouts/enterprise.yaml", "--yes"); code != 4 {
		t.Fatalf("apply: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	if w := writes(e); len(w) > 0 {
		t.Errorf("wrote %v", w)
	}
	want := "needs a delegated sign-in: Intune answers 500 to app-only tokens. Sign in as a user (--auth device-code or --auth browser), or pass --try-app-only to try anyway. Nothing was changed.\n"
	if !strings.HasSuffix(e.Stderr.String(), want) {
		t.Errorf("stderr:\n%s", e.Stderr)
	}
	applyOK(t, e, "../../../examples/layouts/small-business.yaml")
}

func unsignedJWT(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(claims)) + ".sig"
}

// TestTwoAppliesAtOnceIntoOneTenant: while one apply holds the tenant's run lock, a second one stops
// before planning (exit 2, nothing sent but the sign-in); once the lock is gone, apply runs and leaves no
// lock file behind. --dry-run takes no lock.
func TestTwoAppliesAtOnceIntoOneTenant(t *testing.T) {
	e := empty(t)
	dir := e.Factory.Env(cmdutil.StateDirEnv)
	c, err := e.Factory.Graph()
	if err != nil {
		t.Fatal(err)
	}
	held, err := e.Factory.LockTenant(context.Background(), c, "apply", func(string, string) error { return errors.New("busy") })
	if err != nil {
		t.Fatal(err)
	}
	file := "../../../examples/layouts/small-business.yaml"
	if code := run(e, NewCmdApply, "-f", file, "--yes"); code != 2 || len(e.Mock.Requests()) != 0 {
		t.Fatalf("second apply: exit %d, %d requests\n%s", code, len(e.Mock.Requests()), e.Stderr)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(e.Mock.BaseURL(), "http://"), "https://")
	host = host[:strings.Index(host, "/")]
	want := "another apply into tenant (unknown tenant) on " + host + " is running on this machine: run them one after the other (nothing was changed)"
	if !strings.Contains(e.Stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant %s", e.Stderr, want)
	}
	if code := run(e, NewCmdApply, "-f", file, "--dry-run"); code != 0 {
		t.Errorf("dry run while locked: exit %d\n%s", code, e.Stderr)
	}
	held.Release(true)
	applyOK(t, e, file)
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the state directory: %v", left)
	}
}

// When the reads behind the overlap warning fail, plan still plans and says the warning could not be worked
// out, rather than leaving it out as if nothing overlapped.
func TestPlanSaysWhenOverlapsCantBeCounted(t *testing.T) {
	seed := &graphmock.Seed{AutopilotDevices: []graphmock.SeedAutopilotDevice{{SerialNumber: "OVL1", GroupTag: "Sales"}}}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	// The first member read fails: the client is built once, so the fault goes in before the first command.
	e.Factory.HTTPClient = &http.Client{Transport: &failWrite{next: e.Mock.Client().Transport, method: "GET", suffix: "/members", n: 1, status: http.StatusBadRequest}}
	applyOK(t, e, writeFile(t, "groups:\n  - displayName: Hand picked\n"))
	file := writeFile(t, `groups:
  - displayName: Hand picked
  - displayName: Everything
    allAutopilot: true
profiles:
  - displayName: Picked UD
    mode: user-driven
    assign: [Hand picked]
  - displayName: Everything UD
    mode: user-driven
    assign: [Everything]
`)
	code := run(e, NewCmdPlan, "-f", file)
	want := "warning: which deployment profile gets devices several target could not be worked out: Graph answered 400 Bad Request: BadRequest: injected by the test\n"
	if code != 0 || e.Stderr.String() != want {
		t.Errorf("plan: exit %d\n%s\nwant exit 0 and\n%s", code, e.Stderr, want)
	}
}

// A group whose rule reads what an Autopilot device's record doesn't say can't be counted: plan says so
// instead of warning about nothing.
func TestPlanSaysWhichGroupsItCantCount(t *testing.T) {
	seed := &graphmock.Seed{AutopilotDevices: []graphmock.SeedAutopilotDevice{{SerialNumber: "OVL1", GroupTag: "Sales"}}}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	file := writeFile(t, `groups:
  - displayName: Odd
    membershipRule: (device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")) -and (device.accountEnabled -eq true)
  - displayName: Everything
    allAutopilot: true
profiles:
  - displayName: Odd UD
    mode: user-driven
    assign: [Odd]
  - displayName: Everything UD
    mode: user-driven
    assign: [Everything]
`)
	code := run(e, NewCmdPlan, "-f", file)
	want := `warning: devices that profiles target through group "Odd" are not counted: its rule can't be evaluated here (it reads what an Autopilot device's record doesn't say, or doesn't parse)` + "\n"
	if code != 0 || e.Stderr.String() != want {
		t.Errorf("plan: exit %d\n%s\nwant exit 0 and\n%s", code, e.Stderr, want)
	}
}

// A change that leaves devices with no deployment profile — assignments taken away, a profile pruned — is
// warned of, with how many.
func TestPlanWarnsOfDevicesLeftWithoutAProfile(t *testing.T) {
	seed := &graphmock.Seed{}
	for i, tag := range []string{"Sales", "Sales", "Kiosk"} {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{SerialNumber: fmt.Sprintf("LOST%d", i), GroupTag: tag})
	}
	e := cmdtest.New(t, graphmock.Options{Seed: seed})
	groupsPart := "groups:\n  - displayName: Sales\n    groupTag: Sales\n  - displayName: Kiosk\n    groupTag: Kiosk\n"
	applyOK(t, e, writeFile(t, groupsPart+"profiles:\n  - displayName: Sales UD\n    mode: user-driven\n    assign: [Sales]\n"+
		"  - displayName: Kiosk SD\n    mode: self-deploying\n    assign: [Kiosk]\n"))
	want := "warning: 2 devices that a deployment profile targets now would have none after apply: they would set up without Autopilot's profile\n"
	for name, file := range map[string]string{
		"assign: []": groupsPart + "profiles:\n  - displayName: Sales UD\n    mode: user-driven\n    assign: []\n  - displayName: Kiosk SD\n    mode: self-deploying\n    assign: [Kiosk]\n",
		"--prune":    groupsPart + "profiles:\n  - displayName: Kiosk SD\n    mode: self-deploying\n    assign: [Kiosk]\n",
		"a group's rule": strings.Replace(groupsPart, "groupTag: Sales", "groupTag: Nope", 1) +
			"profiles:\n  - displayName: Sales UD\n    mode: user-driven\n    assign: [Sales]\n  - displayName: Kiosk SD\n    mode: self-deploying\n    assign: [Kiosk]\n",
	} {
		if code := run(e, NewCmdPlan, "-f", writeFile(t, file), "--prune"); code != 0 || e.Stderr.String() != want {
			t.Errorf("%s: exit %d\n%s\nwant\n%s", name, code, e.Stderr, want)
		}
	}
}
