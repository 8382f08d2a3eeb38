package graph

import (
	"context"
	"testing"
	"time"
)

func TestParseWriteBudget(t *testing.T) {
	b, err := ParseWriteBudget("100/2s")
	if err != nil || b != (WriteBudget{100, 2 * time.Second}) || b.String() != "100/2s" {
		t.Errorf("got %v, %v", b, err)
	}
	for _, bad := range []string{"100", "x/2s", "100/", "0/2s", "100/-1s"} {
		if _, err := ParseWriteBudget(bad); err == nil || err.Error() != `invalid write budget "`+bad+`": want WRITES/WINDOW such as 100/20s` {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// 2,000 writes in batches of 20 under a 100-per-2s budget: no fixed 2-second window after the first ever
// carries more than 100 writes, and the whole run takes ~2,000/47.5 per second.
func TestPacerStaysInsideFixedWindows(t *testing.T) {
	clock := time.Unix(0, 0)
	p := NewPacer(WriteBudget{Writes: 100, Window: 2 * time.Second}, func() time.Time { return clock },
		func(_ context.Context, d time.Duration) error { clock = clock.Add(d); return nil })
	perWindow := map[int64]int{}
	for i := 0; i < 100; i++ {
		if err := p.Wait(context.Background(), 20); err != nil {
			t.Fatal(err)
		}
		perWindow[clock.UnixNano()/int64(2*time.Second)] += 20
	}
	for w, n := range perWindow {
		if limit := map[bool]int{true: 120, false: 100}[w == 0]; n > limit {
			t.Errorf("window %d carried %d writes", w, n)
		}
	}
	if took := clock.Sub(time.Unix(0, 0)); took < 41*time.Second || took > 43*time.Second {
		t.Errorf("2,000 writes took %s, want ~42s (95%% of 50/s)", took)
	}
}

func TestPacerWaitsOutThrottle(t *testing.T) {
	clock := time.Unix(0, 0)
	p := NewPacer(WriteBudget{Writes: 1000, Window: time.Second}, func() time.Time { return clock },
		func(_ context.Context, d time.Duration) error { clock = clock.Add(d); return nil })
	p.Throttled(5 * time.Second)
	if err := p.Wait(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if clock.Sub(time.Unix(0, 0)) != 5*time.Second {
		t.Errorf("waited %s, want 5s", clock.Sub(time.Unix(0, 0)))
	}
}
