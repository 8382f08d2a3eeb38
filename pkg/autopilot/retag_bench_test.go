package autopilot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// BenchmarkRetag retags every device of a tenant against a mock with 20 ms latency per request and a write
// throttle of 100 per 2 s, on the real clock. 2,000 writes at 50/s cannot take less than 40 s: the figures that
// matter are the ratio to that floor and how many item attempts the service answered 429. The smaller tenant
// shows the client's pacing apart from the mock's own cost per write, which grows with the tenant.
func BenchmarkRetag(b *testing.B) {
	for _, devices := range []int{500, 2000} {
		b.Run(fmt.Sprintf("devices=%d", devices), func(b *testing.B) { benchmarkRetag(b, devices) })
	}
}

func benchmarkRetag(b *testing.B, devices int) {
	budget := graph.WriteBudget{Writes: 100, Window: 2 * time.Second}
	floor := time.Duration(devices/budget.Writes) * budget.Window
	seed := &graphmock.Seed{}
	for i := range devices {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{SerialNumber: fmt.Sprintf("BENCH%05d", i), GroupTag: "Old"})
	}
	for b.Loop() {
		mock := graphmock.Start(b, graphmock.Options{Seed: seed, Latency: 20 * time.Millisecond, WriteLimit: budget.Writes, WriteWindow: budget.Window})
		c, err := graph.New(graph.Config{BaseURL: mock.BaseURL(), HTTPClient: mock.Client()})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		plan, err := PlanRetag(ctx, c, "Old", "New")
		if err != nil {
			b.Fatal(err)
		}
		if err := ApplyTags(ctx, c, plan, WriteOptions{Budget: budget}); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		if s := result.Summarize(plan); s.Count(result.Updated) != devices {
			b.Fatalf("not every device was retagged: %s", s.String("devices"))
		}
		st := mock.Stats()
		requests := st.Total - st.BatchItems // HTTP requests: list pages and $batch posts
		b.ReportMetric(float64(requests), "requests")
		b.ReportMetric(float64(st.BatchItems), "item-attempts")
		b.ReportMetric(float64(st.Throttled), "429s")
		b.ReportMetric(100*float64(st.Throttled)/float64(st.BatchItems), "%429")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/floor.Seconds(), "x-floor")
	}
}
