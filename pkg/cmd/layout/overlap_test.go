package layout

import (
	"fmt"
	"slices"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
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
