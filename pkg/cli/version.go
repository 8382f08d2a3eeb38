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

// Version is `version -o json`'s shape.
type Version struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

func versionString() string {
	v := buildVersion()
	return fmt.Sprintf("autopilotctl %s (commit %s, built %s)", v.Version, v.Commit, v.Date)
}

// buildVersion falls back to what the Go toolchain recorded (go install …@v1.2.3 sets the module version).
func buildVersion() Version {
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
	return Version{Version: v, Commit: c, Date: d}
}
