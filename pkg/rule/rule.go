// Package rule builds, parses and evaluates Microsoft Entra ID dynamic membership
// rules for device groups, such as the Autopilot rules that select devices by
// their devicePhysicalIds ([ZTDId], [OrderID], [PurchaseOrderId]).
//
// The CLI uses it to build and preview rules; the mock Graph server uses it to
// reject invalid rules and to compute the members of dynamic groups.
package rule

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest rule body Entra accepts, in characters.
const MaxLength = 3072

// Device is what a device rule is evaluated against.
type Device struct {
	PhysicalIDs  []string          // devicePhysicalIds, e.g. "[ZTDId]:<id>", "[OrderID]:<group tag>"
	SystemLabels []string          // systemLabels
	MemberOf     []string          // object ids of the groups the device is a direct member of
	Properties   map[string]string // single-valued properties by name (looked up case-insensitively); missing or "" is null
}

// Rule is a parsed device membership rule.
type Rule struct {
	root node
}

// SyntaxError says where a rule is wrong (byte offset into the rule text) and what is wrong.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("rule: offset %d: %s", e.Offset, e.Msg)
}

// Parse checks text against the Entra device rule grammar and returns the rule.
// Every error is a *SyntaxError.
func Parse(text string) (*Rule, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &SyntaxError{Offset: 0, Msg: "rule is empty"}
	}
	if n := utf8.RuneCountInString(text); n > MaxLength {
		return nil, &SyntaxError{Offset: len(string([]rune(text)[:MaxLength])), Msg: fmt.Sprintf("rule is %d characters long; Entra allows at most %d", n, MaxLength)}
	}
	root, err := parse(text)
	if err != nil {
		return nil, err
	}
	return &Rule{root: root}, nil
}

// Match reports whether d satisfies the rule.
func (r *Rule) Match(d Device) bool {
	return r.root.match(d)
}

// String returns the rule in canonical form: documented property and operator
// spellings, double-quoted strings, and only the parentheses precedence needs.
func (r *Rule) String() string {
	var b strings.Builder
	r.root.write(&b)
	return b.String()
}
