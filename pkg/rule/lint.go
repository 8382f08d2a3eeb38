package rule

import (
	"fmt"
	"strings"
)

// Warning is something Lint accepted but the admin should know: where (Line, Column as in SyntaxError),
// what, and the text it suggests instead.
type Warning struct {
	Offset     int    `json:"-"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
}

func (w Warning) String() string {
	s := fmt.Sprintf("rule:%d:%d: %s", w.Line, w.Column, w.Message)
	if w.Suggestion != "" {
		s += "; write " + w.Suggestion
	}
	return s
}

// Linted is a rule that passed Lint: the parsed rule, the text to send to Graph (the input with every bare
// lambda put in parentheses, otherwise unchanged), and the warnings.
type Linted struct {
	Rule     *Rule
	Send     string
	Warnings []Warning
}

// Lint checks a device rule before anything is sent (docs/graph.md#dynamic-device-groups). Everything Parse
// refuses is an error: user properties, unknown device properties, more than MaxLength characters, syntax.
// Two forms that parse are warned about:
//   - a lambda without parentheses (`-any _ -eq "…"`), which the Entra portal refuses ("Invalid operands
//     found for operator"): it is sent in its parenthesised form;
//   - `-contains "[ZTDId]"` (any physical-id prefix) on devicePhysicalIds, which matches the text anywhere in
//     an id: -startsWith is suggested, and the rule is sent as written;
//   - `-eq "[ZTDId]"` (a physical-id type with no value), which never matches: -startsWith is suggested.
func Lint(text string) (*Linted, error) {
	r, err := Parse(text)
	if err != nil {
		return nil, err
	}
	l := &Linted{Rule: r, Send: text}
	var inserts []int // offsets where "(" or ")" go, in order: open, close, open, close …
	walk(r.root, func(c *condition) {
		if c.bare {
			lambda := text[c.lambdaOff:c.lambdaEnd]
			l.warn(text, c.lambdaOff, fmt.Sprintf("the -%s lambda is not in parentheses, a form the Entra portal refuses (\"Invalid operands found for operator\"); it is sent as (%s)", c.quantifier, lambda), "")
			inserts = append(inserts, c.lambdaOff, c.lambdaEnd)
		}
		if c.prop.kind == kindStrings && strings.EqualFold(c.prop.name, "devicePhysicalIds") && c.op.name == "eq" &&
			c.val.kind == valString && bareIDType(c.val.text) {
			l.warn(text, c.opOff, fmt.Sprintf("-eq %s never matches: a physical id is its type followed by a value, like %s", quote(c.val.text), quote(c.val.text+":…")),
				"-startsWith "+quote(c.val.text))
		}
		if c.prop.kind == kindStrings && strings.EqualFold(c.prop.name, "devicePhysicalIds") && c.op.name == "contains" &&
			c.val.kind == valString && strings.HasPrefix(c.val.text, "[") {
			l.warn(text, c.opOff, fmt.Sprintf("-contains %s matches the text anywhere in a physical id; physical ids start with their type, so -startsWith is exact and cheaper", quote(c.val.text)),
				"-startsWith "+quote(c.val.text))
		}
	})
	if len(inserts) > 0 {
		var b strings.Builder
		last := 0
		for i, off := range inserts {
			b.WriteString(text[last:off])
			b.WriteString(map[bool]string{true: "(", false: ")"}[i%2 == 0])
			last = off
		}
		b.WriteString(text[last:])
		l.Send = b.String()
		// The parentheses can take a rule just under the limit over it.
		if _, err := Parse(l.Send); err != nil {
			return nil, (&SyntaxError{Offset: len(text), Msg: fmt.Sprintf("with its lambdas in parentheses the rule is over %d characters: %v", MaxLength, err)}).locate(text)
		}
	}
	return l, nil
}

// bareIDType reports a physical-id type alone, like "[ZTDId]" or "[OrderID]", with no value after it.
func bareIDType(v string) bool {
	return len(v) > 2 && v[0] == '[' && strings.IndexByte(v, ']') == len(v)-1
}

func (l *Linted) warn(text string, off int, msg, suggestion string) {
	line, col := position(text, off)
	l.Warnings = append(l.Warnings, Warning{Offset: off, Line: line, Column: col, Message: msg, Suggestion: suggestion})
}
