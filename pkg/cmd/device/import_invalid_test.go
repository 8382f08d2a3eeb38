package device

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// With -o json, invalid input still prints the report on stdout — every invalid row with its file, line,
// serial number and problems — and exits 2 with nothing sent.
func TestImportInvalidInputReportInJSON(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{})
	csv := writeCSV(t, "d.csv", false, fullHeader, "OK-1,,"+hash("a", 100)+",,", "BAD-1,,not base64!,,not-a-upn", "OK-1,,"+hash("c", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	if code != 2 || len(env.Mock.Requests()) != 0 {
		t.Fatalf("exit %d, %d requests\n%s", code, len(env.Mock.Requests()), env.Stderr)
	}
	var out struct {
		Summary map[string]int
		Devices []struct {
			Kind, SerialNumber, Status, File, Error string
			Line                                    int
			Problems                                []string
		}
	}
	if err := json.Unmarshal([]byte(env.Stdout.String()), &out); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, env.Stdout)
	}
	if out.Summary["total"] != 2 || out.Summary["invalid"] != 2 || len(out.Devices) != 2 {
		t.Fatalf("report %+v", out)
	}
	bad, dup := out.Devices[0], out.Devices[1]
	if bad.Kind != "windowsAutopilotDeviceIdentity" || bad.SerialNumber != "BAD-1" || bad.Status != "invalid" || bad.File != csv || bad.Line != 3 ||
		len(bad.Problems) != 2 || !strings.HasPrefix(bad.Problems[0], "hardware hash is not base64") || !strings.Contains(bad.Problems[1], `"not-a-upn"`) {
		t.Errorf("BAD-1 %+v", bad)
	}
	if dup.SerialNumber != "OK-1" || dup.Line != 4 || len(dup.Problems) != 1 || !strings.Contains(dup.Problems[0], "already appears at "+csv+":2") {
		t.Errorf("duplicate %+v", dup)
	}
	if !strings.HasPrefix(env.Stderr.String(), "error: 3 problem(s) in the input; nothing was uploaded") {
		t.Errorf("stderr %q", env.Stderr)
	}
}

// A firmware placeholder serial number is imported, with a warning on stderr and in the report.
func TestImportWarnsOfPlaceholderSerials(t *testing.T) {
	env, _ := newImportEnv(t, graphmock.Options{ProcessDelay: time.Second})
	csv := writeCSV(t, "d.csv", false, fullHeader, "Default string,,"+hash("a", 100)+",,", "REAL-1,,"+hash("b", 100)+",,")
	code := env.Run(NewCmdImport(env.Factory, nil), csv, "-o", "json")
	r := decodeReport(t, env.Stdout.String())
	if code != 0 || statuses(r) != "Default string=imported REAL-1=imported" {
		t.Fatalf("exit %d %s\n%s", code, statuses(r), env.Stderr)
	}
	if len(r.Devices[0].Warnings) != 1 || !strings.Contains(r.Devices[0].Warnings[0], "placeholder") || len(r.Devices[1].Warnings) != 0 {
		t.Errorf("warnings %q / %q", r.Devices[0].Warnings, r.Devices[1].Warnings)
	}
	if !strings.HasPrefix(env.Stderr.String(), "warning: "+csv+":2: ") || !strings.Contains(env.Stderr.String(), "placeholder") {
		t.Errorf("stderr %q", env.Stderr)
	}
}
