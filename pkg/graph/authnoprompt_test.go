package graph

import "testing"

// A command that never asks anyone to sign in leaves device code out of auto, and --auth browser or device-code
// becomes the kept sign-in alone (or an error saying there is none).
func TestPlanNoPrompt(t *testing.T) {
	global, _ := CloudByName("global")
	kept := &Store{Dir: t.TempDir(), OpenCache: memCache}
	if err := kept.saveRecord(testRecord()); err != nil {
		t.Fatal(err)
	}
	none := &Store{Dir: t.TempDir(), OpenCache: memCache}
	tests := []struct {
		name  string
		mode  AuthMode
		store *Store
		plan  string
		err   string
	}{
		{"auto, kept", AuthAuto, kept, "cached, azure-cli", ""},
		{"auto, nothing", AuthAuto, none, "azure-cli", ""},
		{"device code, kept", AuthDeviceCode, kept, "cached", ""},
		{"browser, nothing kept", AuthBrowser, none, "", "--auth browser asks a person to sign in, which this command never does, and no kept sign-in (`autopilotctl auth login` keeps one)"},
	}
	for _, tt := range tests {
		o := AuthOptions{Mode: tt.mode, Cloud: global, Store: tt.store, HasAzureCLI: true, StdinTTY: true, NoPrompt: true, Env: envOf(nil)}
		plan, err := Plan(o)
		if joinModes(plan) != tt.plan || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("%s: plan %q, err %v", tt.name, joinModes(plan), err)
		}
	}
	steps, _ := PlanSteps(AuthOptions{Cloud: global, Store: none, StdinTTY: true, NoPrompt: true, Env: envOf(nil)})
	if last := steps[len(steps)-1]; last.Mode != AuthDeviceCode || last.Skip != NoPromptReason {
		t.Errorf("last step %+v", last)
	}
}
