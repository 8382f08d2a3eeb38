package rule

import "strings"

// node is one part of a parsed rule.
type node interface {
	match(d Device) bool
	write(b *strings.Builder)
}

// logical is an -and or -or chain.
type logical struct {
	and   bool
	terms []node
}

func (l *logical) match(d Device) bool {
	for _, t := range l.terms {
		if t.match(d) != l.and {
			return !l.and
		}
	}
	return l.and
}

func (l *logical) write(b *strings.Builder) {
	sep := " -or "
	if l.and {
		sep = " -and "
	}
	for i, t := range l.terms {
		if i > 0 {
			b.WriteString(sep)
		}
		// Chains are flattened, so a logical term here is an -or inside an -and.
		_, nested := t.(*logical)
		writeTerm(b, t, nested)
	}
}

// negation is -not.
type negation struct{ term node }

func (n *negation) match(d Device) bool { return !n.term.match(d) }

func (n *negation) write(b *strings.Builder) {
	b.WriteString("-not ")
	writeTerm(b, n.term, true)
}

func writeTerm(b *strings.Builder, t node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	t.write(b)
	if paren {
		b.WriteByte(')')
	}
}

// condition is device.<prop> -op value, or device.<prop> -any|-all (_ -op value).
type condition struct {
	prop       property
	quantifier string // "", "any" or "all"
	variable   string // lambda variable: "_" or "group.objectId"
	op         comparison
	val        value
	off        int // where the condition starts in the source
	// Source offsets of the lambda (from "_" to the end of its value) and of its operator; bare is a lambda
	// written without parentheses, which lint rewrites.
	lambdaOff, lambdaEnd, opOff int
	bare                        bool
}

func (c *condition) match(d Device) bool {
	if c.prop.kind == kindString || c.prop.kind == kindBool {
		have, present := d.scalar(c.prop.name)
		return c.op.holds(have, present, c.val) != c.op.negated
	}
	items := d.collection(c.prop)
	switch c.quantifier {
	case "any":
		for _, it := range items {
			if c.op.holds(it, true, c.val) != c.op.negated {
				return true
			}
		}
		return false
	case "all":
		for _, it := range items {
			if c.op.holds(it, true, c.val) == c.op.negated {
				return false
			}
		}
		return true
	}
	// A collection compared directly holds when any item does (null: when empty).
	found := c.val.kind == valNull && len(items) == 0
	for _, it := range items {
		found = found || c.op.holds(it, true, c.val)
	}
	return found != c.op.negated
}

func (c *condition) write(b *strings.Builder) {
	b.WriteString("device." + c.prop.name + " ")
	if c.quantifier != "" {
		b.WriteString("-" + c.quantifier + " (" + c.variable + " ")
	}
	b.WriteString("-" + c.op.name + " ")
	c.val.write(b)
	if c.quantifier != "" {
		b.WriteByte(')')
	}
}

// walk calls f for every condition under n.
func walk(n node, f func(*condition)) {
	switch n := n.(type) {
	case *logical:
		for _, t := range n.terms {
			walk(t, f)
		}
	case *negation:
		walk(n.term, f)
	case *condition:
		f(n)
	}
}
