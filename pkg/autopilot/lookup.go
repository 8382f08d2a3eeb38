package autopilot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// ListDevices pages through the tenant's Autopilot devices and returns those f matches, in Graph's order.
func ListDevices(ctx context.Context, c *graph.Client, f Filter) ([]Device, error) {
	out := []Device{}
	_, err := eachDevice(ctx, c, f.serverFilter(), func(d Device) error {
		if !f.Match(d) {
			return nil
		}
		out = append(out, d)
		if f.Limit > 0 && len(out) >= f.Limit {
			return graph.ErrStop
		}
		return nil
	})
	return out, err
}

// eachDevice pages through the devices that serverFilter selects. When Graph refuses the filter (400, as
// contains() does for hyphenated serial numbers) it pages through every device instead and reports
// unfiltered = true, so callers always match client-side as well.
func eachDevice(ctx context.Context, c *graph.Client, serverFilter string, each func(Device) error) (unfiltered bool, err error) {
	seen := 0
	err = c.List(ctx, devicesQuery(serverFilter), func(raw json.RawMessage) error {
		seen++
		var d Device
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("reading an Autopilot device from Graph: %w", err)
		}
		return each(d)
	})
	var ge *graph.Error
	if serverFilter != "" && seen == 0 && errors.As(err, &ge) && ge.Status == http.StatusBadRequest {
		_, err = eachDevice(ctx, c, "", each)
		return true, err
	}
	return serverFilter == "", err
}

// NotFoundError says no device has the serial number (or, with ByID, the id); Similar lists serial numbers
// containing it.
type NotFoundError struct {
	Serial  string
	ByID    bool
	Similar []string
}

// SeparateSerials is what to say of a serial number no device has when it holds commas: the serial numbers
// it lists are separate arguments (PowerShell and CSV habits join them with commas); "" when it holds none.
func SeparateSerials(serial string) string {
	if !strings.Contains(serial, ",") {
		return ""
	}
	var parts []string
	for _, p := range strings.Split(serial, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, safetext.Short(p))
		}
	}
	if len(parts) > maxSimilar {
		parts = append(parts[:maxSimilar], "…")
	}
	return "serial numbers are separate arguments, not one joined by commas: " + strings.Join(parts, " ")
}

// The similar serial numbers a NotFoundError names at most: a short serial can be part of thousands.
const maxSimilar = 10

// Error names the serial number and the similar ones, escaped and cut short: they are the tenant's text.
func (e *NotFoundError) Error() string {
	if e.ByID {
		return "no Autopilot device has id " + safetext.Short(e.Serial)
	}
	msg := "no Autopilot device has serial number " + safetext.Quote(e.Serial)
	if hint := SeparateSerials(e.Serial); hint != "" {
		msg += "; " + hint
	}
	if len(e.Similar) > 0 {
		quoted := make([]string, 0, maxSimilar+1)
		for i, s := range e.Similar {
			if i == maxSimilar {
				quoted = append(quoted, fmt.Sprintf("and %d more", len(e.Similar)-maxSimilar))
				break
			}
			quoted = append(quoted, safetext.Short(s))
		}
		msg += "; serial numbers containing it: " + strings.Join(quoted, ", ")
	}
	return msg
}

// AmbiguousSerialError says several devices share the serial number (the service allows it across
// manufacturers and hashes, and firmware placeholders such as "Default string" are shared by whole fleets);
// Matches lists them so the caller can pick one by id.
type AmbiguousSerialError struct {
	Serial      string
	Placeholder bool // the serial number is a firmware placeholder, not a real one
	Matches     []Device
}

func (e *AmbiguousSerialError) Error() string { return e.Reason() + "; " + e.Advice() }

// Reason says what is wrong: several devices answer to the serial number, and why when it is a placeholder.
func (e *AmbiguousSerialError) Reason() string {
	msg := fmt.Sprintf("serial number %s matches %d Autopilot devices", safetext.Quote(e.Serial), len(e.Matches))
	if e.Placeholder {
		msg += ": it is a firmware placeholder, not a real serial number, so these devices can't be told apart by serial"
	}
	return msg
}

// Advice lists the matching devices' ids, to name one instead. Ids, group tags and hardware names are the
// tenant's text: escaped and cut short.
func (e *AmbiguousSerialError) Advice() string {
	ids := make([]string, len(e.Matches))
	for i, d := range e.Matches {
		about := "no group tag"
		if d.GroupTag != "" {
			about = "group tag " + safetext.Quote(d.GroupTag)
		}
		if hw := strings.TrimSpace(d.Manufacturer + " " + d.Model); hw != "" {
			about += ", " + safetext.Short(hw)
		}
		ids[i] = fmt.Sprintf("%s (%s)", safetext.Short(d.ID), about)
	}
	return "name one by its id: " + strings.Join(ids, ", ")
}

// FindDevice finds one device by its id or its whole serial number (ignoring case), with its assigned and
// intended deployment profiles expanded.
func FindDevice(ctx context.Context, c *graph.Client, serialOrID string) (Device, error) {
	return lookupDevice(ctx, c, serialOrID, true)
}

// lookupDevice finds one device by id or serial number; a serial number costs a filtered listing, and
// expanding the profiles one more request by id.
func lookupDevice(ctx context.Context, c *graph.Client, serialOrID string, expandProfiles bool) (Device, error) {
	id := serialOrID
	if !graph.IsGUID(serialOrID) {
		d, err := newResolver(c, 1).resolve(ctx, serialOrID)
		if err != nil || !expandProfiles {
			return d, err
		}
		id = d.ID
	}
	path, err := devicePath(id, "")
	if err != nil {
		return Device{}, err
	}
	if expandProfiles {
		path += "?$expand=deploymentProfile,intendedDeploymentProfile"
	}
	var d Device
	err = c.Do(ctx, "GET", path, nil, &d)
	var ge *graph.Error
	if errors.As(err, &ge) && ge.Status == http.StatusNotFound {
		return Device{}, &NotFoundError{Serial: id, ByID: true}
	}
	return d, err
}

// listAllAbove is how many serial numbers make one listing of the whole tenant cheaper than a filtered
// request per serial number (Graph pages hold up to about 1,000 devices).
const listAllAbove = 50

// resolver turns serial numbers into devices: one filtered request per serial number, or one listing of
// the tenant, kept once made (for many serial numbers, or after Graph refused a filter).
type resolver struct {
	c        *graph.Client
	bySerial map[string][]Device // upper-cased serial number → devices; nil until the tenant is listed
	all      []Device
	many     bool
}

func newResolver(c *graph.Client, serials int) *resolver {
	return &resolver{c: c, many: serials > listAllAbove}
}

// resolve returns the one device whose serial number is serial, ignoring case, or whose id it is: an id is
// how to name one of several devices that share a serial number.
func (r *resolver) resolve(ctx context.Context, serial string) (Device, error) {
	if graph.IsGUID(serial) {
		return lookupDevice(ctx, r.c, serial, false)
	}
	candidates, err := r.candidates(ctx, serial)
	if err != nil {
		return Device{}, err
	}
	var exact []Device
	var similar []string
	for _, d := range candidates {
		switch {
		case strings.EqualFold(d.SerialNumber, serial):
			exact = append(exact, d)
		case containsFold(d.SerialNumber, serial):
			similar = append(similar, d.SerialNumber)
		}
	}
	switch len(exact) {
	case 0:
		return Device{}, &NotFoundError{Serial: serial, Similar: similar}
	case 1:
		return exact[0], checkID(exact[0])
	}
	return Device{}, &AmbiguousSerialError{Serial: serial, Placeholder: placeholderSerial(serial), Matches: exact}
}

// candidates are devices whose serial number may be serial: from the tenant listing when there is one
// (every device only when none matches exactly, to name similar ones), else the server's contains() answer.
func (r *resolver) candidates(ctx context.Context, serial string) ([]Device, error) {
	if r.bySerial == nil && r.many {
		if err := r.listAll(ctx); err != nil {
			return nil, err
		}
	}
	if r.bySerial != nil {
		if exact := r.bySerial[hashcsv.SerialKey(serial)]; len(exact) > 0 {
			return exact, nil
		}
		return r.all, nil
	}
	var found []Device
	unfiltered, err := eachDevice(ctx, r.c, serialContains(serial), func(d Device) error {
		found = append(found, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if unfiltered {
		r.keep(found)
	}
	return found, nil
}

func (r *resolver) listAll(ctx context.Context) error {
	var all []Device
	if _, err := eachDevice(ctx, r.c, "", func(d Device) error {
		all = append(all, d)
		return nil
	}); err != nil {
		return err
	}
	r.keep(all)
	return nil
}

// keep remembers a listing of every device, so later serial numbers need no request.
func (r *resolver) keep(all []Device) {
	r.all, r.bySerial = all, map[string][]Device{}
	for _, d := range all {
		key := hashcsv.SerialKey(d.SerialNumber)
		r.bySerial[key] = append(r.bySerial[key], d)
	}
}

// placeholderSerial reports whether serial is a firmware placeholder shared by many machines.
func placeholderSerial(serial string) bool { return hashcsv.PlaceholderSerial(serial) }
