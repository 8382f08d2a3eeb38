package layout

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// BenchmarkPlanNoChanges plans testdata/bench.yaml (10 groups, 3 ESPs, 3 profiles, 2 device-preparation
// policies) against a tenant that already holds it, on a mock with 20 ms latency per request. It reports the
// requests sent and the wall time. Target: at most 8 requests and under 1 s.
func BenchmarkPlanNoChanges(b *testing.B) {
	var slow atomic.Bool // latency for the plan only, not for the apply that sets the tenant up
	e := cmdtest.New(b, graphmock.Options{Seed: benchSeed(), PageSize: 1000, Latency: 20 * time.Millisecond, Sleep: func(d time.Duration) {
		if slow.Load() {
			time.Sleep(d)
		}
	}})
	applyOK(b, e, "testdata/bench.yaml")
	for b.Loop() {
		slow.Store(true)
		start := time.Now()
		code := run(e, NewCmdPlan, "-f", "testdata/bench.yaml", "--detailed-exitcode")
		wall := time.Since(start)
		slow.Store(false)
		if code != 0 {
			b.Fatalf("plan: exit %d\n%s%s", code, e.Stdout, e.Stderr)
		}
		st := e.Mock.Stats()
		b.ReportMetric(float64(st.Total-st.BatchItems), "requests")
		b.ReportMetric(float64(st.Total), "reads")
		b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
	}
}

// TestNoChangePlanReadsInBatches: a plan of the benchmark layout against a tenant that holds it sends its
// reads as three $batch requests (the lists and lookups, then what they point to: 22 reads in two), and asks
// Graph nothing twice.
func TestNoChangePlanReadsInBatches(t *testing.T) {
	e := cmdtest.New(t, graphmock.Options{Seed: benchSeed(), PageSize: 1000})
	applyOK(t, e, "testdata/bench.yaml")
	if code := run(e, NewCmdPlan, "-f", "testdata/bench.yaml", "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
	var outer, items []string
	seen := map[string]bool{}
	for _, r := range e.Mock.Requests() {
		line := r.Method + " " + r.Path + "?" + r.Query
		if !r.InBatch {
			outer = append(outer, line)
			continue
		}
		if seen[line] {
			t.Errorf("read twice: %s", line)
		}
		seen[line] = true
		items = append(items, line)
	}
	if want := []string{"POST /$batch?", "POST /$batch?", "POST /$batch?"}; !slices.Equal(outer, want) {
		t.Errorf("HTTP requests:\n%s\nwant three $batch", strings.Join(outer, "\n"))
	}
	if len(items) != 37 {
		t.Errorf("%d reads in the batches, want 37 (10 lookups, 4 lists, the provisioning client, 10 owners, 6 assignments, 2×3 policy reads):\n%s", len(items), strings.Join(items, "\n"))
	}
}

// benchSeed is a tenant with 600 Autopilot devices, 100 for each group tag of the benchmark layout. The tests
// page at 1,000, as the service is reported to for Autopilot devices (docs/graph.md#paging).
func benchSeed() *graphmock.Seed {
	seed := &graphmock.Seed{}
	for i := range 600 {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{
			SerialNumber: fmt.Sprintf("BENCH%04d", i), GroupTag: []string{"Sales", "Kiosk", "Lab", "HR", "Finance", "Ops"}[i%6]})
	}
	return seed
}

// BenchmarkPlanOverlaps plans two profiles that share 10,000 of 20,000 Autopilot devices, each with an
// exclusion group, on a mock without latency: the cost of counting which profile gets which device. It
// reports the wall time of the plan (which reads the 20 pages of devices too).
func BenchmarkPlanOverlaps(b *testing.B) {
	seed := &graphmock.Seed{}
	for i := range 20000 {
		seed.AutopilotDevices = append(seed.AutopilotDevices, graphmock.SeedAutopilotDevice{
			SerialNumber: fmt.Sprintf("OVL%05d", i), GroupTag: []string{"A", "B"}[i%2]})
	}
	e := cmdtest.New(b, graphmock.Options{Seed: seed, PageSize: 1000})
	file := "groups:\n  - displayName: GA1\n    groupTag: A\n  - displayName: GA2\n    groupTag: A\n  - displayName: GB\n    groupTag: B\n" +
		"profiles:\n  - displayName: P1\n    mode: user-driven\n    assign: [GA1]\n    exclude: [GB]\n" +
		"  - displayName: P2\n    mode: user-driven\n    assign: [GA2]\n    exclude: [GB]\n"
	path := b.TempDir() + "/overlap.yaml"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		start := time.Now()
		if code := run(e, NewCmdPlan, "-f", path); code != 0 {
			b.Fatalf("plan: exit %d\n%s", code, e.Stderr)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "wall-ms")
		if !strings.Contains(e.Stderr.String(), `deployment profile "P2": 10000 devices it targets get "P1" instead`) {
			b.Fatalf("no overlap warning:\n%s", e.Stderr)
		}
	}
}
