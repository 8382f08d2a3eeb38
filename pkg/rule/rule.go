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

// SyntaxError says where a rule is wrong and what is wrong. Offset is a byte offset into the rule; Line and
// Column (1-based, Column in characters) are what people read, as in "rule:1:57: expected ")" …".
type SyntaxError struct {
	Offset       int
	Line, Column int
	Msg          string
	text         string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("rule:%d:%d: %s", e.Line, e.Column, e.Msg)
}

// Excerpt is the rule's offending line (cut to a window around the column when long) and a caret line
// under the column, each indented by two spaces, for printing after Error.
func (e *SyntaxError) Excerpt() string {
	return excerpt(e.text, e.Offset)
}

// locate fills in Line and Column for text.
func (e *SyntaxError) locate(text string) *SyntaxError {
	e.text = text
	e.Line, e.Column = position(text, e.Offset)
	return e
}

// Parse checks text against the Entra device rule grammar and returns the rule.
// Every error is a *SyntaxError.
func Parse(text string) (*Rule, error) {
	if strings.TrimSpace(text) == "" {
		return nil, (&SyntaxError{Offset: 0, Msg: "rule is empty"}).locate(text)
	}
	if n := utf8.RuneCountInString(text); n > MaxLength {
		e := &SyntaxError{Offset: runeOffset(text, MaxLength), Msg: fmt.Sprintf("rule is %d characters long; Entra allows at most %d", n, MaxLength)}
		return nil, e.locate(text)
	}
	root, err := parse(text)
	if err != nil {
		se, ok := err.(*SyntaxError)
		if !ok {
			se = &SyntaxError{Msg: err.Error()}
		}
		return nil, se.locate(text)
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

// runeOffset is the byte offset of the n-th character of text (an invalid byte counts as one character).
func runeOffset(text string, n int) int {
	for off := range text {
		if n == 0 {
			return off
		}
		n--
	}
	return len(text)
}
