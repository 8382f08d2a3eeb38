package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/itchyny/gojq"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Query is a --jq filter or a --template, parsed once before anything is sent and applied to a command's JSON
// output (the same value -o json prints, with the same property names).
type Query struct {
	jq  *gojq.Code
	tpl *template.Template
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
	return &Query{jq: code}, nil
}

// ParseTemplate parses a Go text/template (https://pkg.go.dev/text/template) with a few helpers: join, json,
// truncate.
func ParseTemplate(text string) (*Query, error) {
	t, err := template.New("--template").Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid --template: %v", err)
	}
	return &Query{tpl: t}, nil
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
		var buf strings.Builder
		if err := q.tpl.Execute(&buf, v); err != nil {
			return fmt.Errorf("--template: %s", safetext.Escape(err.Error()))
		}
		_, err := io.WriteString(w, safetext.EscapeText(buf.String()))
		return err
	}
	// Results go out as the filter yields them; an error part-way (`.[] | error`) comes after what was printed.
	iter := q.jq.RunWithContext(ctx, v)
	for {
		out, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, ok := out.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %s", safetext.Escape(err.Error()))
		}
		if err := writeJQValue(w, tty, out); err != nil {
			return err
		}
	}
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
