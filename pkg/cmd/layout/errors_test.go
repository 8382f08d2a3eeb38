package layout

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
)

// badFileStderr runs plan and apply on body and checks each exits 2 with want (lines after the file's path)
// on stderr, having sent no write.
func badFileStderr(t *testing.T, body string, want ...string) {
	t.Helper()
	e := empty(t)
	file := writeFile(t, body)
	wantErr := "error: "
	for _, w := range want {
		wantErr += file + w + "\n"
	}
	for _, cmd := range []func(*cmdutil.Factory) *cobra.Command{NewCmdPlan, NewCmdApply} {
		name := cmd(e.Factory).Name()
		args := []string{"-f", file}
		if name == "apply" {
			args = append(args, "--yes")
		}
		if code := run(e, cmd, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
		if e.Stderr.String() != wantErr {
			t.Errorf("%s stderr:\n%s\nwant:\n%s", name, e.Stderr, wantErr)
		}
		if w := writes(e); len(w) > 0 {
			t.Errorf("%s wrote: %v", name, w)
		}
	}
}

// A newcomer's first file: an unknown key (the decoder's), a profile mode and a device-preparation timeout
// (the layout's own checks) come in one run, by line, not one stage per run.
func TestBadFileReportsEveryStageAtOnce(t *testing.T) {
	badFileStderr(t, `esps:
  - displayName: ESP Sales
    showInstallationProgres: true
profiles:
  - displayName: Sales
    mode: userdriven
devicePreparation:
  - name: Prep
    deviceGroup: AP Prep
    timeout: 5m
`,
		`:3: unknown key "showInstallationProgres"; did you mean "showInstallationProgress"?`,
		`:6: profiles[0].mode: mode "userdriven" is not one of user-driven, self-deploying, pre-provisioning`,
		`:10: devicePreparation[0].timeout: timeout "5m" is outside 15 to 720 minutes`)
}

// A key the decoder could not fill in gets no second word from the checks (groups[1] has no name because
// its name is a list; the ESP's assign is short an item because it is null), but the same object's other
// problems still count (a device-preparation policy without a name, with a timeout out of range).
func TestBadFileChecksWhatDecodedAndSaysNothingTwice(t *testing.T) {
	badFileStderr(t, `groups:
  - displayName: G
    grouptag: Sales
    colour: red
  - displayName: [x]
esps:
  - displayName: E
    priority: first
    assign: [~, G]
devicePreparation:
  - name: ""
    deviceGroup: G
    timeout: 5m
    priority: 1.5
`,
		`:3: unknown key "grouptag"; did you mean "groupTag"?`,
		`:4: unknown key "colour"`,
		`:5: this key takes a string, not a list`,
		`:8: "first" is a string, but this key takes a whole number`,
		`:9: an empty list item (null): remove it or give its value`,
		`:11: devicePreparation[0].name: policy name is empty`,
		`:13: devicePreparation[0].timeout: timeout "5m" is outside 15 to 720 minutes`,
		`:14: "1.5" is not a whole number; no key here takes a fraction`)
}

// A misspelt key leaves its object short of what it meant, and the check of that key stays quiet: the
// decoder's "did you mean" already says it (displayName is required, but dispalyName is written).
func TestAMisspeltKeyIsNotAlsoMissing(t *testing.T) {
	badFileStderr(t, "profiles:\n  - dispalyName: Sales\n    mode: user-driven\n",
		`:2: unknown key "dispalyName"; did you mean "displayName"?`)
}
