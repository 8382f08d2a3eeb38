package iostreams

import (
	"fmt"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress shows how far a long operation is, on stderr, only when stderr is a terminal.
type Progress struct {
	p      *mpb.Progress
	bar    *mpb.Bar
	status atomic.Value // string shown after the bar
}

// StartProgress starts a bar of total items labelled name; on a pipe it shows nothing.
func (s *IOStreams) StartProgress(name string, total int) *Progress {
	pr := &Progress{}
	pr.status.Store("")
	if !s.stderrTTY || total <= 0 {
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
