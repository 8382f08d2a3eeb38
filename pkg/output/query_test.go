package output

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
