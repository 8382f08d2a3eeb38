package graphmock

import (
	"net/http"
	"time"
)

// syncCooldown is how long after a sync trigger another one gets 429 (docs/graph.md#autopilot-devices-and-sync).
const syncCooldown = 10 * time.Minute

// autopilotSettings is the windowsAutopilotSettings singleton with the state of the Autopilot sync.
type autopilotSettings struct {
	id                          string
	lastSync, lastManualTrigger time.Time
	status                      string // syncStatus: unknown, inProgress, completed
}

// settle completes a running sync once SyncDuration has passed.
func (a *autopilotSettings) settle(now time.Time, duration time.Duration) {
	if a.status == "inProgress" && !now.Before(a.lastManualTrigger.Add(duration)) {
		a.status, a.lastSync = "completed", a.lastManualTrigger.Add(duration)
	}
}

func (s *Server) registerSettingsRoutes() {
	s.autopilot.settings = autopilotSettings{id: s.newID(), status: "unknown"}
	s.handle("GET /deviceManagement/windowsAutopilotSettings", func(c *call) {
		a := &s.autopilot.settings
		c.JSON(http.StatusOK, s.render("get-windowsAutopilotSettings", map[string]any{
			"id":                            a.id,
			"lastSyncDateTime":              graphTime(a.lastSync),
			"lastManualSyncTriggerDateTime": graphTime(a.lastManualTrigger),
			"syncStatus":                    a.status,
		}))
	})
	// sync: 204; 409 while a sync runs; 429 within 10 minutes of the previous trigger. Whether that 429
	// carries Retry-After is unconfirmed (docs/graph.md#not-confirmed), so the mock sends none and clients must cope without it.
	s.handle("POST /deviceManagement/windowsAutopilotSettings/sync", func(c *call) {
		a, now := &s.autopilot.settings, c.Now()
		switch {
		case a.status == "inProgress":
			c.intuneError(http.StatusConflict, "Conflict", "An Autopilot sync is already in progress.")
		case !a.lastManualTrigger.IsZero() && now.Before(a.lastManualTrigger.Add(syncCooldown)):
			c.intuneError(http.StatusTooManyRequests, "TooManyRequests", "An Autopilot sync was requested less than 10 minutes ago.")
		default:
			a.lastManualTrigger, a.status = now, "inProgress"
			c.NoContent()
		}
	})
}
