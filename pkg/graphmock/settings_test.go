package graphmock

import (
	"testing"
	"time"
)

func TestAutopilotSync(t *testing.T) {
	s, clock := startFake(t, Options{SyncDuration: 2 * time.Minute})
	const sync = "/deviceManagement/windowsAutopilotSettings/sync"
	steps := []struct {
		advance    time.Duration
		wantStatus int
		wantSync   string // syncStatus afterwards
	}{
		{0, 204, "inProgress"},
		{time.Minute, 409, "inProgress"},
		{time.Minute, 429, "completed"},
		{8*time.Minute - time.Second, 429, "completed"},
		{time.Second, 204, "inProgress"},
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		got := send(t, s, "POST", sync, nil).want(t, st.wantStatus)
		if got.header.Get("Retry-After") != "" {
			t.Errorf("step %d: Retry-After %q; the mock sends none on sync", i, got.header.Get("Retry-After"))
		}
		if st.wantStatus != 204 && got.str("error.code") != map[int]string{409: "Conflict", 429: "TooManyRequests"}[st.wantStatus] {
			t.Errorf("step %d: %s", i, got.errorMessage())
		}
		settings := send(t, s, "GET", "/deviceManagement/windowsAutopilotSettings", nil).want(t, 200)
		if settings.str("syncStatus") != st.wantSync {
			t.Errorf("step %d: syncStatus %q, want %q", i, settings.str("syncStatus"), st.wantSync)
		}
	}
	got := send(t, s, "GET", "/deviceManagement/windowsAutopilotSettings", nil)
	if got.str("lastManualSyncTriggerDateTime") != "2025-03-01T09:10:00Z" || got.str("lastSyncDateTime") != "2025-03-01T09:02:00Z" || got.str("@odata.type") != "#microsoft.graph.windowsAutopilotSettings" {
		t.Errorf("settings %s", got.raw)
	}
}
