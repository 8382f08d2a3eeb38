package graphmock

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
)

// LoggedRequest is one Graph request the server answered; $batch items appear on their own with InBatch set.
type LoggedRequest struct {
	Method  string `json:"method"`
	Path    string `json:"path"`  // without /beta
	Query   string `json:"query"` // decoded, e.g. "$filter=groupTag eq 'Kiosk'"
	Route   string `json:"route"` // the matched pattern; "" when no route matched
	Status  int    `json:"status"`
	InBatch bool   `json:"inBatch"`
	Body    []byte `json:"body,omitempty"` // decompressed
}

// Stats counts what the server did. ByRoute counts every request that matched a route, including those
// answered by an injected fault or the throttle.
type Stats struct {
	ByRoute        map[string]int `json:"byRoute"`
	Throttled      int            `json:"throttled"`  // write-throttle 429s
	Faults         int            `json:"faults"`     // injected 503/504s
	BatchItems     int            `json:"batchItems"` // $batch items answered (run, refused or failed dependency)
	MaxConcurrency int            `json:"maxConcurrency"`
	Total          int            `json:"total"` // Graph requests logged, batch items included
}

func (s *Server) record(c *call) {
	query, err := url.QueryUnescape(c.R.URL.RawQuery)
	if err != nil {
		query = c.R.URL.RawQuery
	}
	entry := LoggedRequest{Method: c.R.Method, Path: c.path, Query: query, Status: c.status, InBatch: c.inBatch, Body: c.Body}
	if c.route != nil {
		entry.Route = c.route.pattern
	}
	if c.inBatch {
		s.stats.BatchItems++
	}
	s.stats.Total++
	s.log = append(s.log, entry)
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoggedRequest(nil), s.log...)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByRoute = maps.Clone(s.stats.ByRoute)
	st.MaxConcurrency = int(s.maxInFl.Load())
	return st
}

// ResetLog empties the request log and zeroes the counters; tenant state stays.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.stats = Stats{ByRoute: map[string]int{}}
	s.maxInFl.Store(s.inFlight.Load())
}

// serveControl answers the test hooks GET /_mock/requests and GET /_mock/stats.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	var v any
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/_mock/requests":
		v = s.Requests()
	case r.Method == http.MethodGet && r.URL.Path == "/_mock/stats":
		v = s.Stats()
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
