package graphmock

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// filterTerm is the one $filter clause a request may carry: contains(property,'value') or property eq 'value'.
// The zero term (no $filter) keeps everything.
type filterTerm struct {
	op, property, value string
}

var (
	containsFilter = regexp.MustCompile(`^\s*contains\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$`)
	eqFilter       = regexp.MustCompile(`^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$`)
)

// filterTerm parses $filter, accepting only the forms in supported ("contains:serialNumber", "eq:groupTag").
// Anything else gets Intune's opaque 400, as `serialNumber eq '…'` does on the real service (docs/graph.md#autopilot-devices-and-sync).
func (c *call) filterTerm(supported ...string) (filterTerm, bool) {
	expr := c.R.URL.Query().Get("$filter")
	if expr == "" {
		return filterTerm{}, true
	}
	var t filterTerm
	if m := containsFilter.FindStringSubmatch(expr); m != nil {
		t = filterTerm{"contains", m[1], m[2]}
	} else if m := eqFilter.FindStringSubmatch(expr); m != nil {
		t = filterTerm{"eq", m[1], m[2]}
	}
	t.value = strings.ReplaceAll(t.value, "''", "'")
	if !slices.Contains(supported, t.op+":"+t.property) {
		c.intuneError(http.StatusBadRequest, "BadRequest", "An error has occurred")
		return filterTerm{}, false
	}
	return t, true
}

// keep returns the items whose property satisfies the term, comparing case-insensitively.
func (t filterTerm) keep(items []map[string]any) []map[string]any {
	if t.op == "" {
		return items
	}
	var out []map[string]any
	for _, item := range items {
		v, _ := item[t.property].(string)
		if t.op == "contains" && strings.Contains(strings.ToLower(v), strings.ToLower(t.value)) ||
			t.op == "eq" && strings.EqualFold(v, t.value) {
			out = append(out, item)
		}
	}
	return out
}

// filteredList answers GET on a collection: the items entities renders, kept by the one $filter clause of the
// supported forms the request may carry.
func filteredList(entities func() []map[string]any, supported ...string) func(c *call) {
	return func(c *call) {
		if term, ok := c.filterTerm(supported...); ok {
			c.Page(term.keep(entities()))
		}
	}
}
