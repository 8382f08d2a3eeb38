// Package diagnose answers "why didn't this device get its profile?": for registered Autopilot devices it puts
// together what the admin center spreads over many pages — the device record, the dynamic groups whose rules
// select it against the groups it is really in, the deployment profiles targeting those groups (the oldest
// wins), what the service reports, the Enrollment Status Page that applies and the device-preparation
// policies — and says, check by check, what is wrong and how to fix it. The tenant is read once (Gather) and
// every device is evaluated against that reading, so a fleet costs requests per page, not per device. It
// writes nothing and knows nothing of cobra or terminals.
package diagnose

import (
	"sort"
)

// Statuses of a check.
const (
	OK      = "ok"
	Warning = "warning"
	Problem = "problem"
)

// Check names, fixed for scripts (docs/json.md).
const (
	CheckRegistered   = "registered"
	CheckImportRecord = "importRecord"
	CheckGroupTag     = "groupTag"
	CheckUser         = "assignedUser"
	CheckEnrollment   = "enrollment"
	CheckGroups       = "groups"
	CheckProfile      = "profile"
	CheckESP          = "enrollmentStatusPage"
	CheckPrep         = "devicePreparation"
)

// Check is one finding about a device: ok, warning or problem, a one-line detail and, unless ok, the fix.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Reason is the finding without the device's particulars, for counting devices per problem.
	Reason string `json:"-"`
}

// Device is every check of one device. OK is true when no check is a problem (warnings allowed).
type Device struct {
	SerialNumber string  `json:"serialNumber"`
	ID           string  `json:"id,omitempty"`
	OK           bool    `json:"ok"`
	Checks       []Check `json:"checks"`
	// Unknown is a serial number or id that names no registered device.
	Unknown bool `json:"-"`
}

func (d *Device) add(name, status, reason, detail, fix string) {
	if status == OK {
		fix = ""
	}
	d.Checks = append(d.Checks, Check{Name: name, Status: status, Detail: detail, Fix: fix, Reason: reason})
}

func (d *Device) finish() *Device {
	d.OK = true
	for _, c := range d.Checks {
		d.OK = d.OK && c.Status != Problem
	}
	return d
}

// Count is how many devices share one finding.
type Count struct {
	Check   string `json:"check"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Devices int    `json:"devices"`
}

// Summary counts devices per warning and problem, most common first.
type Summary struct {
	Devices  int     `json:"devices"`
	OK       int     `json:"ok"`
	Findings []Count `json:"findings"`
}

// Summarize counts the devices of each warning and problem.
func Summarize(devices []*Device) *Summary {
	s := &Summary{Devices: len(devices), Findings: []Count{}}
	index := map[Count]int{}
	for _, d := range devices {
		if d.OK {
			s.OK++
		}
		for _, c := range d.Checks {
			if c.Status == OK {
				continue
			}
			key := Count{Check: c.Name, Status: c.Status, Reason: c.Reason}
			if i, ok := index[key]; ok {
				s.Findings[i].Devices++
				continue
			}
			index[key] = len(s.Findings)
			key.Devices = 1
			s.Findings = append(s.Findings, key)
		}
	}
	sort.SliceStable(s.Findings, func(i, j int) bool {
		a, b := s.Findings[i], s.Findings[j]
		if (a.Status == Problem) != (b.Status == Problem) {
			return a.Status == Problem
		}
		return a.Devices > b.Devices
	})
	return s
}
