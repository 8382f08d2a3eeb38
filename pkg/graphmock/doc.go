// Package graphmock is a stateful mock of the Microsoft Graph beta endpoints autopilotctl calls.
//
// It owns the wire protocol (routing, bearer check, gzip request bodies, Graph error bodies, paging with
// absolute nextLinks, $batch, write throttling, injected faults), the tenant state behind the Autopilot
// endpoints, the entity shapes recorded under testdata/recordings, and the record/replay tools (Recorder,
// Cassette). It never imports the client packages, so a misunderstanding of Graph in the client cannot hide
// by being repeated here.
package graphmock
