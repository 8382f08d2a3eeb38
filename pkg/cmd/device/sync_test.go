package device

import (
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

func TestSync(t *testing.T) {
	env := cmdtest.New(t, graphmock.Options{SyncDuration: 2 * time.Minute})
	epoch := "2026-11-02T09:00:00Z"
	running := "Autopilot sync not started: a sync is already running (requested at " + epoch + "); try again after 2026-11-02T09:10:00Z (in 9m30s)"
	recent := "Autopilot sync not started: the last sync was requested less than 10 minutes ago (requested at " + epoch + "); try again after 2026-11-02T09:10:00Z (in 5m30s)"
	steps := []struct {
		advance time.Duration // simulated time before the run
		args    []string
		code    int
		stdout  string
		stderr  string
	}{
		{0, []string{"sync", "--dry-run"}, 0, "wouldUpdate\t\t\tthe service would accept a sync request now\n", ""},
		{0, []string{"sync"}, 0, "updated\t" + epoch + "\t\tAutopilot sync requested\n", ""},
		// A refused sync did not happen: exit 3, with the reason and when to try again.
		{30 * time.Second, []string{"sync"}, 3, "failed\t\t2026-11-02T09:10:00Z\t" + running + "\n", running + "\n"},
		{4 * time.Minute, []string{"sync"}, 3, "failed\t\t2026-11-02T09:10:00Z\t" + recent + "\n", recent + "\n"},
		{0, []string{"sync", "--dry-run"}, 3, "failed\t\t2026-11-02T09:10:00Z\t" + recent + "\n", recent + "\n"},
		{0, []string{"sync", "-o", "json"}, 3, `{
  "kind": "windowsAutopilotSettings",
  "status": "failed",
  "error": "Autopilot sync not started: the last sync was requested less than 10 minutes ago (requested at 2026-11-02T09:00:00Z)",
  "message": "try again after 2026-11-02T09:10:00Z (in 5m30s)",
  "retryAfterDateTime": "2026-11-02T09:10:00Z"
}
`, recent + "\n"},
		{5*time.Minute + 30*time.Second, []string{"sync", "-o", "json"}, 0, `{
  "kind": "windowsAutopilotSettings",
  "status": "updated",
  "message": "Autopilot sync requested",
  "requestedDateTime": "2026-11-02T09:10:00Z"
}
`, ""},
	}
	for i, s := range steps {
		env.Clock.Advance(s.advance)
		got := runCmd(env, s.args...)
		if got.code != s.code || got.stdout != s.stdout || got.stderr != s.stderr {
			t.Errorf("step %d: got %v\nwant exit %d\n%s%s", i, got, s.code, s.stdout, s.stderr)
		}
	}
	if len(env.Sleeps) != 0 {
		t.Errorf("sync waited %v", env.Sleeps)
	}
	if posts := queries(env, "POST /deviceManagement/windowsAutopilotSettings/sync"); len(posts) != 5 {
		t.Errorf("%d sync requests, want 5 (dry runs send none)", len(posts))
	}
}

func TestSyncThrottledWithRetryAfter(t *testing.T) {
	// Another write fills the tenant's write window, so the sync gets the throttle's 429 with Retry-After.
	env := tenant(t, graphmock.Options{WriteLimit: 1, WriteWindow: time.Hour}, tagged("5CG1", ""))
	if got := runCmd(env, "assign-user", "5CG1", "adele@contoso.example"); got.code != 0 {
		t.Fatalf("setup: %v", got)
	}
	got := runCmd(env, "sync")
	want := "Autopilot sync not started: Graph throttled the request; try again after 2026-11-02T10:00:00Z (in 1h0m0s)\n"
	if got.code != 3 || got.stderr != want || got.stdout != "failed\t\t2026-11-02T10:00:00Z\t"+want || len(env.Sleeps) != 0 {
		t.Errorf("got %v, waits %v\nwant %s", got, env.Sleeps, want)
	}
}
