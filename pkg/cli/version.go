package cli

import (
	"fmt"
	"runtime/debug"
)

// Set by -ldflags "-X github.com/autopilotctl/autopilotctl/pkg/cli.version=… -X ….commit=… -X ….date=…" in releases.
var (
	version = ""
	commit  = ""
	date    = ""
)

// versionString falls back to what the Go toolchain recorded (go install …@v1.2.3 sets the module version).
func versionString() string {
	v, c, d := version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("autopilotctl %s (commit %s, built %s)", v, c, d)
}
