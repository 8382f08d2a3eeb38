package output

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

type entry struct {
	SerialNumber string   `json:"serialNumber"`
	Status       string   `json:"status"`
	Line         int      `json:"line"`
	Problems     []string `json:"problems,omitempty"`
}

var report = struct {
	Devices []entry        `json:"devices"`
	Summary map[string]int `json:"summary"`
}{
	Devices: []entry{{"SN-1", "imported", 2, nil}, {"SN\x1b[2J", "invalid", 3, []string{"no hash", "bad tag"}}},
	Summary: map[string]int{"total": 2, "imported": 1, "invalid": 1},
}

func TestJQ(t *testing.T) {
	tests := []struct {
		expr string
		tty  bool
		want string
	}{
		{".devices[].serialNumber", false, "SN-1\nSN\\x1b[2J\n"}, // strings raw, the tenant's escape codes escaped
		{".summary", false, "{\"imported\":1,\"invalid\":1,\"total\":2}\n"},
		{".summary", true, "{\n  \"imported\": 1,\n  \"invalid\": 1,\n  \"total\": 2\n}\n"},
		{`.devices[] | select(.status != "imported") | "\(.line)\t\(.problems | join("; "))"`, false, "3\tno hash; bad tag\n"},
		{".devices | map(.line) | add", false, "5\n"},
		{".devices[0].serialNumber | ascii_downcase", false, "sn-1\n"},
		{"empty", false, ""},
	}
	for _, tt := range tests {
		q, err := ParseJQ(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, Options{Format: JSON, TTY: tt.tty, Query: q}, Result{Data: report}); err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s (tty %v): got %q, want %q", tt.expr, tt.tty, buf.String(), tt.want)
		}
	}
}

func TestJQErrors(t *testing.T) {
	for expr, want := range map[string]string{
		".devices[":       `invalid --jq expression ".devices[": unexpected EOF at character 9`,
		".a | nosuchfunc": `invalid --jq expression ".a | nosuchfunc": function not defined: nosuchfunc/0`,
	} {
		if _, err := ParseJQ(expr); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", expr, err, want)
		}
	}
	q, _ := ParseJQ(".devices[] | .serialNumber | error")
	var buf bytes.Buffer
	err := Write(&buf, Options{Query: q}, Result{Data: report})
	if err == nil || err.Error() != "--jq: error: SN-1" {
		t.Errorf("run-time error: %v", err)
	}
}

func TestTemplate(t *testing.T) {
	tests := []struct{ tpl, want string }{
		{"{{range .devices}}{{.serialNumber}}\t{{.status}}\n{{end}}", "SN-1\timported\nSN\\x1b[2J\tinvalid\n"},
		{`{{.summary.total}} devices, {{with index .devices 1}}{{join ", " .problems}}{{end}}`, "2 devices, no hash, bad tag"},
		{`{{json (index .devices 0)}} {{truncate 3 "abcdef"}}`, `{"line":2,"serialNumber":"SN-1","status":"imported"} ab…`},
	}
	for _, tt := range tests {
		q, err := ParseTemplate(tt.tpl)
		if err != nil {
			t.Fatalf("%s: %v", tt.tpl, err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, Options{Format: JSON, Query: q}, Result{Data: report}); err != nil {
			t.Fatalf("%s: %v", tt.tpl, err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.tpl, buf.String(), tt.want)
		}
	}
	if _, err := ParseTemplate("{{.devices"); err == nil || err.Error() != `invalid --template: template: --template:1: unclosed action` {
		t.Errorf("bad template: %v", err)
	}
}

// A filter that never ends stops when the run is cancelled (Ctrl-C, SIGTERM): gojq checks the context.
func TestJQStopsWhenTheRunIsCancelled(t *testing.T) {
	q, err := ParseJQ("def f: f; f")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	err = Write(&buf, Options{Format: JSON, Query: q, Context: ctx}, Result{Data: map[string]any{"a": 1}})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("err %v", err)
	}
}

// runQuery applies q to data under ctx, with the output and memory limits made small.
func runQuery(ctx context.Context, q *Query, maxOutput int64, maxMemory uint64) (string, error) {
	q.maxOutput, q.maxMemory = maxOutput, maxMemory
	var buf bytes.Buffer
	err := Write(&buf, Options{Format: JSON, Query: q, Context: ctx}, Result{Data: report})
	return buf.String(), err
}

// A filter prints at most maxOutput bytes: what fits is printed whole (no value cut part-way), then the error.
func TestJQOutputIsCapped(t *testing.T) {
	q, err := ParseJQ("range(1e9)")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runQuery(context.Background(), q, 25, MaxJQMemory)
	if out != "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n" || err == nil ||
		err.Error() != "--jq: the output passed 25 bytes, the most a filter may print: narrow the filter (e.g. first(…) or limit(n; …))" {
		t.Errorf("out %q, err %v", out, err)
	}
}

// A filter that builds a huge value or recurses without end is stopped once the heap has grown by maxMemory
// (a backstop deadline ends the test if it is not).
func TestJQMemoryIsCapped(t *testing.T) {
	for _, expr := range []string{"[range(3e7)]", "def f: [f, f]; f", "def f: [f]; f"} {
		q, err := ParseJQ(expr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := runQuery(ctx, q, MaxQueryOutput, 32<<20)
		cancel()
		want := "--jq: the filter needed more than 32 MiB of memory and was stopped: narrow it (a huge array, e.g. [range(1e9)], or a recursion without end)"
		if out != "" || err == nil || err.Error() != want {
			t.Errorf("%s: out %d bytes, err %v", expr, len(out), err)
		}
	}
}

// A template prints nothing past maxOutput: the error alone.
func TestTemplateOutputIsCapped(t *testing.T) {
	q, err := ParseTemplate("{{range 100000000}}{{$.summary.total}}{{end}}")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runQuery(context.Background(), q, 1000, MaxJQMemory)
	if out != "" || err == nil || err.Error() != "--template: the output passed 1000 bytes, the most a template may print" {
		t.Errorf("out %q, err %v", out, err)
	}
}

// Ctrl-C stops a template, one that prints and one that loops without printing alike.
func TestTemplateStopsWhenTheRunIsCancelled(t *testing.T) {
	for _, tpl := range []string{"{{range 10000000}}x{{end}}", "{{range 10000000}}{{end}}"} {
		q, err := ParseTemplate(tpl)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		out, err := runQuery(ctx, q, MaxQueryOutput, MaxJQMemory)
		if out != "" || err == nil || err.Error() != "--template: context canceled" {
			t.Errorf("%s: out %d bytes, err %v", tpl, len(out), err)
		}
	}
}
