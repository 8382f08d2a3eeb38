//go:build unix

package device

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// csvBytes is a UTF-8 hash CSV of the given serial numbers.
func csvBytes(serials ...string) []byte {
	var b bytes.Buffer
	b.WriteString(fullHeader + "\n")
	for _, s := range serials {
		fmt.Fprintf(&b, "%s,,%s,,\n", s, hash(s, 100))
	}
	return b.Bytes()
}

// pipeIn is a real pipe whose read end the command reads; content is written and the write end closed.
func pipeIn(t *testing.T, content []byte) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		w.Write(content)
		w.Close()
	}()
	return r
}

// Piped standard input is read once: the devices arrive, and a resume with the same content piped in
// again finds the journal (it is named after the content) and sends nothing twice.
func TestImportFromStandardInputPipe(t *testing.T) {
	env, dir := newImportEnv(t, graphmock.Options{ProcessDelay: time.Minute})
	content := csvBytes("PIPE-1", "PIPE-2")
	env.Factory.IOStreams.In = pipeIn(t, content)
	if code := env.Run(NewCmdImport(env.Factory, nil), "-", "--no-wait", "-o", "json"); code != 0 {
		t.Fatalf("exit %d\n%s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "PIPE-1=pending PIPE-2=pending" || r.Devices[0].File != "-" || r.Devices[0].Line != 2 {
		t.Fatalf("report %+v", r.Devices)
	}
	if len(journals(t, dir)) != 1 {
		t.Fatalf("journals %v", journals(t, dir))
	}
	env.Stdout.Reset()
	env.Factory.IOStreams.In = pipeIn(t, content)
	if code := env.Run(NewCmdImport(env.Factory, nil), "-", "--resume", "-o", "json"); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "PIPE-1=imported PIPE-2=imported" {
		t.Errorf("resume report %s", statuses(r))
	}
	if n := count(env, importRoute, 0); n != 1 {
		t.Errorf("%d import requests, want 1", n)
	}
	// Other content piped in has no journal to resume.
	env.Stderr.Reset()
	env.Factory.IOStreams.In = pipeIn(t, csvBytes("PIPE-3"))
	if code := env.Run(NewCmdImport(env.Factory, nil), "-", "--resume"); code != 2 || !strings.Contains(env.Stderr.String(), "--resume: no import journal for this input") {
		t.Errorf("resume of other content: exit %d %s", code, env.Stderr)
	}
}

// A pipe named by path (/dev/fd/N, as <(…) and /dev/stdin give) is read once too; a pending device's
// hint says that the same input has to be given again.
func TestImportFromDevFdPipe(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Hour})
	r := pipeIn(t, csvBytes("FD-1"))
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	code := env.Run(NewCmdImport(env.Factory, nil), path, "--timeout", "1m", "-o", "json")
	if code != 3 {
		t.Fatalf("exit %d\n%s", code, env.Stderr)
	}
	if rep := decodeReport(t, env.Stdout.String()); statuses(rep) != "FD-1=pending" || rep.Devices[0].File != path {
		t.Errorf("report %+v", rep.Devices)
	}
	if !strings.Contains(env.Stderr.String(), "--resume (with the same input again: the journal is found by its content)") {
		t.Errorf("stderr %q", env.Stderr)
	}
	var body struct{ ImportedWindowsAutopilotDeviceIdentities []map[string]any }
	for _, req := range env.Mock.Requests() {
		if req.Route == importRoute {
			json.Unmarshal(req.Body, &body)
		}
	}
	if len(body.ImportedWindowsAutopilotDeviceIdentities) != 1 || body.ImportedWindowsAutopilotDeviceIdentities[0]["serialNumber"] != "FD-1" {
		t.Errorf("sent %v", body)
	}
}

// A FIFO with a writer is read like a pipe.
func TestImportFromFIFO(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	fifo := filepath.Join(t.TempDir(), "devices.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the command opens it for reading
		if err == nil {
			w.Write(csvBytes("FIFO-1"))
			w.Close()
		}
	}()
	if code := env.Run(NewCmdImport(env.Factory, nil), fifo, "-o", "json"); code != 0 {
		t.Fatalf("exit %d\n%s", code, env.Stderr)
	}
	if r := decodeReport(t, env.Stdout.String()); statuses(r) != "FIFO-1=imported" {
		t.Errorf("report %s", statuses(r))
	}
}

// What cannot be read as a file is refused before anything is sent, with the input named.
func TestImportRefusesDirectoryAndTerminal(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	dir := t.TempDir()
	code := env.Run(NewCmdImport(env.Factory, nil), dir)
	if code != 2 || !strings.Contains(env.Stderr.String(), dir+": is a directory, not a CSV file") {
		t.Errorf("directory: exit %d %s", code, env.Stderr)
	}
	env.Stderr.Reset()
	env.Factory.IOStreams.SetTTY(true, false, false)
	code = env.Run(NewCmdImport(env.Factory, nil), "-")
	if code != 2 || !strings.Contains(env.Stderr.String(), "error: standard input is a terminal: pipe the CSV in") {
		t.Errorf("terminal: exit %d %s", code, env.Stderr)
	}
	if n := len(env.Mock.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
