package device

import (
	"fmt"
	"strings"
	"testing"

	"github.com/autopilotctl/autopilotctl/internal/cmdtest"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
)

// deviceID is the id the test tenants give their n-th device (from 1).
func deviceID(n int) string { return fmt.Sprintf("00000000-0000-4000-a000-%012d", n) }

// tenant starts a mock whose Autopilot devices are devs, numbered from 1 in order, with opts' other knobs.
func tenant(t testing.TB, opts graphmock.Options, devs ...graphmock.SeedAutopilotDevice) *cmdtest.Env {
	t.Helper()
	for i := range devs {
		devs[i].ID = deviceID(i + 1)
	}
	opts.Seed = &graphmock.Seed{AutopilotDevices: devs}
	return cmdtest.New(t, opts)
}

// tagged is a device with a serial number and group tag; the rest is left to the mock's defaults.
func tagged(serial, tag string) graphmock.SeedAutopilotDevice {
	return graphmock.SeedAutopilotDevice{SerialNumber: serial, GroupTag: tag}
}

// outcome is what one command run printed and exited with.
type outcome struct {
	code           int
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", o.code, o.stdout, o.stderr)
}

// runCmd runs a fresh device command built by newCmd with args and returns what it printed.
func runCmd(env *cmdtest.Env, args ...string) outcome {
	env.Stdout.Reset()
	env.Stderr.Reset()
	code := env.Run(NewCmdDevice(env.Factory), args...)
	return outcome{code, env.Stdout.String(), env.Stderr.String()}
}

// queries lists the $filter (or other query) of each logged request to route, in order.
func queries(env *cmdtest.Env, route string) []string {
	var out []string
	for _, r := range env.Mock.Requests() {
		if r.Route == route {
			out = append(out, r.Query)
		}
	}
	return out
}

// lines joins rows as the tab-separated lines a pipe gets.
func lines(rows ...string) string {
	return strings.Join(rows, "\n") + "\n"
}
