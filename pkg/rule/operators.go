package rule

import (
	"regexp"
	"strings"
)

// comparison is a value operator. Each negated operator (-ne, -notStartsWith, ...)
// shares the test of its positive twin.
type comparison struct {
	name    string // documented spelling without the hyphen
	negated bool
	test    func(have string, v value) bool // have is non-null; v is the right-hand side
	list    bool                            // the value must be a ["a","b"] list
	regexp  bool                            // the value is a regular expression
	null    bool                            // null is an allowed value
}

var comparisons = func() map[string]comparison {
	eq := func(have string, v value) bool { return strings.EqualFold(have, v.text) }
	startsWith := func(have string, v value) bool { return strings.HasPrefix(fold(have), fold(v.text)) }
	endsWith := func(have string, v value) bool { return strings.HasSuffix(fold(have), fold(v.text)) }
	contains := func(have string, v value) bool { return strings.Contains(fold(have), fold(v.text)) }
	match := func(have string, v value) bool { return v.re.MatchString(have) }
	in := func(have string, v value) bool {
		for _, s := range v.list {
			if strings.EqualFold(have, s) {
				return true
			}
		}
		return false
	}
	ops := []comparison{
		{name: "eq", test: eq, null: true},
		{name: "ne", test: eq, negated: true, null: true},
		{name: "startsWith", test: startsWith},
		{name: "notStartsWith", test: startsWith, negated: true},
		{name: "endsWith", test: endsWith},
		{name: "notEndsWith", test: endsWith, negated: true},
		{name: "contains", test: contains},
		{name: "notContains", test: contains, negated: true},
		{name: "match", test: match, regexp: true},
		{name: "notMatch", test: match, negated: true, regexp: true},
		{name: "in", test: in, list: true},
		{name: "notIn", test: in, negated: true, list: true},
	}
	m := make(map[string]comparison, len(ops))
	for _, op := range ops {
		m[strings.ToLower(op.name)] = op
	}
	return m
}()

// fold lower-cases for the case-insensitive string operators, as Entra compares.
func fold(s string) string { return strings.ToLower(s) }

// valueKind is the type of a right-hand side.
type valueKind int

const (
	valString valueKind = iota
	valBool
	valNull
	valList
)

type value struct {
	kind valueKind
	text string   // string, or "true"/"false"
	list []string // -in / -notIn
	re   *regexp.Regexp
}

// holds applies the positive form of op to one possibly-null item.
func (op comparison) holds(have string, present bool, v value) bool {
	if v.kind == valNull {
		return !present
	}
	return present && op.test(have, v)
}

func (v value) write(b *strings.Builder) {
	switch v.kind {
	case valString:
		b.WriteString(quote(v.text))
	case valList:
		b.WriteByte('[')
		for i, s := range v.list {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(s))
		}
		b.WriteByte(']')
	case valNull:
		b.WriteString("null")
	default:
		b.WriteString(v.text)
	}
}
