package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One page per command, dated by SOURCE_DATE_EPOCH, with the command's name and synopsis.
func TestManPagesForTheTree(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, "1767225600"); err != nil { // 2026-01-01
		t.Fatal(err)
	}
	for _, page := range []string{"autopilotctl.1", "autopilotctl-auth-login.1", "autopilotctl-device-import.1", "autopilotctl-mock-serve.1"} {
		data, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `.TH "AUTOPILOTCTL" "1" "Jan 2026" "autopilotctl" "autopilotctl manual"`) {
			t.Errorf("%s header: %.200s", page, data)
		}
	}
	if err := run(dir, "yesterday"); err == nil || err.Error() != `SOURCE_DATE_EPOCH "yesterday" is not a number of seconds` {
		t.Errorf("bad epoch: %v", err)
	}
}
