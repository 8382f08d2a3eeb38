package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WriteBudget is how many writes the service accepts per window from this app in this tenant.
type WriteBudget struct {
	Writes int
	Window time.Duration
}

// DefaultWriteBudget is Intune's documented per-app limit for POST/PUT/PATCH/DELETE: 100 per 20 s (docs/graph.md#throttling-and-write-budget).
var DefaultWriteBudget = WriteBudget{Writes: 100, Window: 20 * time.Second}

func (b WriteBudget) String() string { return fmt.Sprintf("%d/%s", b.Writes, b.Window) }

// Duration is about how long n writes take inside the budget, at the pace a Pacer keeps.
func (b WriteBudget) Duration(n int) time.Duration {
	if b.Writes <= 0 {
		return 0
	}
	return time.Duration(float64(n) / (float64(b.Writes) * pacedShare) * float64(b.Window))
}

// ParseWriteBudget reads "WRITES/WINDOW", e.g. "100/20s".
func ParseWriteBudget(s string) (WriteBudget, error) {
	n, w, ok := strings.Cut(s, "/")
	writes, err1 := strconv.Atoi(strings.TrimSpace(n))
	window, err2 := time.ParseDuration(strings.TrimSpace(w))
	if !ok || err1 != nil || err2 != nil || writes <= 0 || window <= 0 {
		return WriteBudget{}, fmt.Errorf("invalid write budget %q: want WRITES/WINDOW such as 100/20s", s)
	}
	return WriteBudget{writes, window}, nil
}

// Pacer spreads writes so they stay inside a WriteBudget instead of bursting into 429s. It aims at 95% of the
// budget with bursts of at most one $batch, so that a fixed service window never sees more than it allows once
// the first window has passed (that one may see one burst too many). When the service throttles anyway, every
// writer waits out Retry-After.
type Pacer struct {
	lim   *rate.Limiter
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu           sync.Mutex
	blockedUntil time.Time
}

// pacedShare is the part of the budget the pacer uses: the rest absorbs clock skew and bursts.
const pacedShare = 0.95

// NewPacer paces to b; now and sleep are injectable (nil: real time).
func NewPacer(b WriteBudget, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = SleepContext
	}
	perSecond := pacedShare * float64(b.Writes) / b.Window.Seconds()
	return &Pacer{lim: rate.NewLimiter(rate.Limit(perSecond), min(b.Writes, MaxBatch)), now: now, sleep: sleep}
}

// Wait blocks until n more writes fit in the budget.
func (p *Pacer) Wait(ctx context.Context, n int) error {
	for n > 0 {
		p.mu.Lock()
		blocked := p.blockedUntil.Sub(p.now())
		p.mu.Unlock()
		if blocked > 0 {
			if err := p.sleep(ctx, blocked); err != nil {
				return err
			}
			continue
		}
		step := min(n, p.lim.Burst())
		now := p.now()
		r := p.lim.ReserveN(now, step)
		if err := p.sleep(ctx, r.DelayFrom(now)); err != nil {
			r.CancelAt(p.now())
			return err
		}
		n -= step
	}
	return nil
}

// Throttled records a 429: nobody writes until retryAfter has passed.
func (p *Pacer) Throttled(retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(retryAfter); until.After(p.blockedUntil) {
		p.blockedUntil = until
	}
}
