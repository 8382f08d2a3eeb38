package iostreams

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress shows how far a long operation is, on stderr: a bar on a terminal; elsewhere (CI logs, scripts)
// a plain line at every tenth of a long run, so a pipeline can tell a slow run from a stuck one.
type Progress struct {
	p      *mpb.Progress
	bar    *mpb.Bar
	status atomic.Value // string shown after the bar

	plain       io.Writer // set when stderr is not a terminal and the run is long
	name        string
	total, next int // next: the count at which the next plain line is due
}

// PlainProgressMin is the smallest total that gets plain progress lines when stderr is not a terminal.
const PlainProgressMin = 100

// StartProgress starts a bar of total items labelled name.
func (s *IOStreams) StartProgress(name string, total int) *Progress {
	pr := &Progress{}
	pr.status.Store("")
	if total <= 0 {
		return pr
	}
	if !s.stderrTTY {
		if total >= PlainProgressMin {
			pr.plain, pr.name, pr.total = s.ErrOut, name, total
		}
		return pr
	}
	pr.p = mpb.New(mpb.WithOutput(s.ErrOut), mpb.WithWidth(40))
	pr.bar = pr.p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return pr.status.Load().(string) })),
	)
	return pr
}

// Update sets how many items are done and a short status such as "412 submitted, 3 failed".
func (p *Progress) Update(done int, format string, a ...any) {
	if p.plain != nil {
		if done >= p.next {
			fmt.Fprintf(p.plain, "%s: %d/%d, %s\n", p.name, done, p.total, fmt.Sprintf(format, a...))
			for p.next <= done {
				p.next += max(1, p.total/10)
			}
		}
		return
	}
	p.status.Store(" " + fmt.Sprintf(format, a...))
	if p.bar != nil {
		p.bar.SetCurrent(int64(done))
	}
}

// Stop removes the bar before the final output is printed.
func (p *Progress) Stop() {
	if p.bar == nil {
		return
	}
	p.bar.Abort(true)
	p.p.Wait()
}
