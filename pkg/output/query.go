package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/itchyny/gojq"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Limits of a --jq filter or --template run: a mistaken expression (`[range(1e9)]`, `def f: [f,f]; f`,
// `{{range 1000000000}}…`) ends with an error (exit 1: the command itself ran, and may have changed things)
// instead of filling memory or the disk. Ctrl-C stops either one (the run's context).
const (
	// MaxQueryOutput is how much a filter or template may print.
	MaxQueryOutput = 64 << 20
	// MaxJQMemory is how far the heap may grow while a filter runs (the command's data is in memory already).
	MaxJQMemory = 1 << 30
)

// heapCheckEvery is how often the heap is read while a filter runs.
const heapCheckEvery = 10 * time.Millisecond

// Query is a --jq filter or a --template, parsed once before anything is sent and applied to a command's JSON
// output (the same value -o json prints, with the same property names).
type Query struct {
	jq  *gojq.Code
	tpl *template.Template
	// maxOutput and maxMemory are MaxQueryOutput and MaxJQMemory; tests make them small.
	maxOutput int64
	maxMemory uint64
}

// ParseJQ compiles a jq filter (gojq: jq's language, https://github.com/itchyny/gojq).
func ParseJQ(expr string) (*Query, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("invalid --jq expression %s: %v at character %d", safetext.Quote(expr), err, pe.Offset)
		}
		return nil, fmt.Errorf("invalid --jq expression %s: %v", safetext.Quote(expr), err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("invalid --jq expression %s: %v", safetext.Quote(expr), err)
	}
	return &Query{jq: code, maxOutput: MaxQueryOutput, maxMemory: MaxJQMemory}, nil
}

// ParseTemplate parses a Go text/template (https://pkg.go.dev/text/template) with a few helpers: join, json,
// truncate.
func ParseTemplate(text string) (*Query, error) {
	t, err := template.New("--template").Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid --template: %v", err)
	}
	return &Query{tpl: t, maxOutput: MaxQueryOutput, maxMemory: MaxJQMemory}, nil
}

var templateFuncs = template.FuncMap{
	// join "," .groupIds — a list of any values as one string.
	"join": func(sep string, list []any) string {
		s := make([]string, len(list))
		for i, v := range list {
			s[i] = fmt.Sprint(v)
		}
		return strings.Join(s, sep)
	},
	// json . — a value as compact JSON.
	"json": func(v any) (string, error) {
		b, err := gojq.Marshal(v)
		return string(b), err
	},
	// truncate 20 .displayName — at most n characters, the last one "…" when cut.
	"truncate": func(n int, s string) string {
		r := []rune(s)
		if n < 1 || len(r) <= n {
			return s
		}
		return string(r[:n-1]) + "…"
	},
}

// write runs the query on data exactly as -o json prints it. What reaches the terminal as text (a jq string
// printed raw, a template's output) has control and format characters escaped as tables show them (ESC as
// \x1b), except line breaks and tabs, which filters and templates use to lay out their output.
func (q *Query) write(ctx context.Context, w io.Writer, tty bool, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if q.tpl != nil {
		return q.writeTemplate(ctx, w, v)
	}
	return q.writeJQ(ctx, w, tty, v)
}

// writeTemplate runs the template into a buffer of at most maxOutput bytes, then prints it escaped.
// text/template takes no context: the buffer refuses writes once ctx ends, which stops a template that prints;
// one that loops without printing is left behind when ctx ends (the process is about to exit).
func (q *Query) writeTemplate(ctx context.Context, w io.Writer, v any) error {
	var buf strings.Builder
	done := make(chan error, 1)
	go func() { done <- q.tpl.Execute(&capped{w: &buf, left: q.maxOutput, ctx: ctx}, v) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	switch {
	case errors.Is(err, errOutputLimit):
		return fmt.Errorf("--template: the output passed %s, the most a template may print", size(q.maxOutput))
	case err != nil:
		return fmt.Errorf("--template: %s", safetext.Escape(err.Error()))
	}
	_, err = io.WriteString(w, safetext.EscapeText(buf.String()))
	return err
}

// writeJQ prints the filter's results as it yields them; an error part-way (`.[] | error`, a limit) comes
// after what was printed.
func (q *Query) writeJQ(ctx context.Context, w io.Writer, tty bool, v any) error {
	ctx, overMemory := watchMemory(ctx, q.maxMemory)
	defer overMemory()
	out := &capped{w: w, left: q.maxOutput, ctx: ctx}
	iter := q.jq.RunWithContext(ctx, v)
	for {
		res, ok := iter.Next()
		if !ok {
			return nil
		}
		err, isErr := res.(error)
		if !isErr {
			err = writeJQValue(out, tty, res)
		}
		var halt *gojq.HaltError
		switch {
		case err == nil:
			continue
		case errors.As(err, &halt) && halt.Value() == nil:
			return nil
		case overMemory():
			return fmt.Errorf("--jq: the filter needed more than %s of memory and was stopped: narrow it (a huge array, "+
				"e.g. [range(1e9)], or a recursion without end)", size(int64(q.maxMemory)))
		case errors.Is(err, errOutputLimit):
			return fmt.Errorf("--jq: the output passed %s, the most a filter may print: narrow the filter "+
				"(e.g. first(…) or limit(n; …))", size(q.maxOutput))
		default:
			return fmt.Errorf("--jq: %s", safetext.Escape(err.Error()))
		}
	}
}

var errOutputLimit = errors.New("output limit reached")

// capped passes writes on while they fit in left bytes and ctx has not ended, and refuses them after.
type capped struct {
	w    io.Writer
	left int64
	ctx  context.Context
}

func (c *capped) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(p)) > c.left {
		c.left = 0
		return 0, errOutputLimit
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}

// watchMemory returns a context that ends when the heap grows more than limit bytes past its size now, and a
// func that stops watching and says whether that is why it ended. gojq checks the context at every step.
func watchMemory(parent context.Context, limit uint64) (context.Context, func() bool) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	start := heap()
	ctx, cancel := context.WithCancel(parent)
	var over atomic.Bool
	go func() {
		tick := time.NewTicker(heapCheckEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if h := heap(); h > start && h-start > limit {
					over.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, func() bool {
		cancel()
		return over.Load()
	}
}

// size says n bytes the way the limits are documented: "1 GiB", "64 MiB", else in bytes.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// writeJQValue prints one jq result the way gh does: a string raw (jq -r), anything else as JSON, indented on
// a terminal and one line per value on a pipe.
func writeJQValue(w io.Writer, tty bool, v any) error {
	if s, ok := v.(string); ok {
		_, err := fmt.Fprintln(w, safetext.EscapeText(s))
		return err
	}
	b, err := gojq.Marshal(v)
	if err != nil {
		return err
	}
	if tty {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err == nil {
			b = buf.Bytes()
		}
	}
	_, err = w.Write(append(escapeUnsafe(b), '\n'))
	return err
}
