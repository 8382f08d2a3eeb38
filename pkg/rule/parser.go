package rule

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// maxMemberOfGroups is the preview limit on groups in one memberOf rule.
const maxMemberOfGroups = 50

// parser is a recursive-descent parser over the token list with the documented
// precedence: comparisons, then -not, then -and, then -or.
type parser struct {
	src  string
	toks []token
	pos  int
}

func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	root, err := p.binary(false)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tokEOF:
	case tokRParen:
		return nil, &SyntaxError{Offset: t.off, Msg: `unexpected ")" with no matching "("`}
	default:
		return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("unexpected %s after a complete expression; join expressions with -and or -or", describe(t))}
	}
	if err := checkMemberOfAlone(root); err != nil {
		return nil, err
	}
	return root, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// keyword reports whether the next token is the logical operator word, with or
// without its hyphen (Entra accepts both), and consumes it if so.
func (p *parser) keyword(word string) bool {
	t := p.peek()
	if (t.kind == tokOperator || t.kind == tokWord) && strings.EqualFold(t.text, word) {
		p.pos++
		return true
	}
	return false
}

// binary parses an -or chain, or (and == true) an -and chain, flattening
// parenthesised chains of the same operator.
func (p *parser) binary(and bool) (node, error) {
	operand, word := func() (node, error) { return p.binary(true) }, "or"
	if and {
		operand, word = p.unary, "and"
	}
	var terms []node
	for {
		n, err := operand()
		if err != nil {
			return nil, err
		}
		if l, ok := n.(*logical); ok && l.and == and {
			terms = append(terms, l.terms...)
		} else {
			terms = append(terms, n)
		}
		if !p.keyword(word) {
			break
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &logical{and: and, terms: terms}, nil
}

func (p *parser) unary() (node, error) {
	if p.keyword("not") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &negation{term: n}, nil
	}
	if open := p.peek(); open.kind == tokLParen {
		p.pos++
		n, err := p.binary(false)
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRParen {
			line, col := position(p.src, open.off)
			return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf(`expected ")" to close the "(" at %d:%d, found %s`, line, col, describe(t))}
		}
		return n, nil
	}
	return p.condition()
}

func (p *parser) condition() (node, error) {
	t := p.next()
	prefix, name, dotted := strings.Cut(t.text, ".")
	switch {
	case t.kind != tokWord || !dotted:
		return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("expected a device property such as device.displayName, found %s", describe(t))}
	case strings.EqualFold(prefix, "user"):
		return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("user properties can't be used in a device membership rule (%q)", t.text)}
	case !strings.EqualFold(prefix, "device"):
		return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("expected a device property such as device.displayName, found %q", t.text)}
	}
	prop, ok := deviceProperties[strings.ToLower(name)]
	if !ok {
		return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("unknown device property %q", name)}
	}
	c := &condition{prop: prop, off: t.off}
	opTok := p.next()
	opName, err := operatorName(opTok, "device."+prop.name)
	if err != nil {
		return nil, err
	}
	switch q := strings.ToLower(opName); {
	case q == "any" || q == "all":
		c.quantifier = q
		return c, p.lambda(c, opTok)
	case prop.kind == kindGroupIDs:
		return nil, &SyntaxError{Offset: opTok.off, Msg: memberOfUsage}
	}
	c.op, c.val, err = p.comparison(opTok, opName, "device."+prop.name, prop.kind)
	return c, err
}

const memberOfUsage = `device.memberOf supports only -any (group.objectId -in ['<group id>', ...])`

// lambda parses the ( _ -op value ) part of -any / -all; Entra's own examples
// also write it without the parentheses.
func (p *parser) lambda(c *condition, quantTok token) error {
	quant := "-" + c.quantifier
	switch {
	case c.prop.kind == kindGroupIDs && c.quantifier != "any":
		return &SyntaxError{Offset: quantTok.off, Msg: memberOfUsage}
	case c.prop.kind != kindStrings && c.prop.kind != kindGroupIDs:
		return &SyntaxError{Offset: quantTok.off, Msg: fmt.Sprintf("%q needs a multi-valued property; device.%s has a single value", quant, c.prop.name)}
	}
	paren := p.peek().kind == tokLParen
	if paren {
		p.pos++
	}
	c.bare = !paren
	c.lambdaOff = p.peek().off
	c.variable = "_"
	if c.prop.kind == kindGroupIDs {
		c.variable = "group.objectId"
	}
	if v := p.next(); v.kind != tokWord || !strings.EqualFold(v.text, c.variable) {
		return &SyntaxError{Offset: v.off, Msg: fmt.Sprintf("expected %q in the %q lambda, found %s", c.variable, quant, describe(v))}
	}
	opTok := p.next()
	opName, err := operatorName(opTok, c.variable)
	if err != nil {
		return err
	}
	if c.prop.kind == kindGroupIDs && !strings.EqualFold(opName, "in") {
		return &SyntaxError{Offset: opTok.off, Msg: memberOfUsage}
	}
	if c.op, c.val, err = p.comparison(opTok, opName, c.variable, kindString); err != nil {
		return err
	}
	c.opOff = opTok.off
	last := p.toks[p.pos-1]
	c.lambdaEnd = last.off + len(last.raw)
	if c.prop.kind == kindGroupIDs && len(c.val.list) > maxMemberOfGroups {
		return &SyntaxError{Offset: opTok.off, Msg: fmt.Sprintf("device.memberOf lists %d groups; at most %d are allowed", len(c.val.list), maxMemberOfGroups)}
	}
	if paren {
		if t := p.next(); t.kind != tokRParen {
			return &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("expected \")\" after %q lambda", quant)}
		}
	}
	return nil
}

// operatorName returns the operator's name, written with or without the hyphen.
func operatorName(t token, subject string) (string, error) {
	if t.kind != tokOperator && t.kind != tokWord {
		return "", &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("expected an operator after %s, found %s", subject, describe(t))}
	}
	return t.text, nil
}

// comparison parses the value of a comparison and checks it suits the operator
// and the type of subject.
func (p *parser) comparison(opTok token, opName, subject string, k kind) (comparison, value, error) {
	op, ok := comparisons[strings.ToLower(opName)]
	if !ok {
		return op, value{}, &SyntaxError{Offset: opTok.off, Msg: fmt.Sprintf("unknown operator %q", opTok.raw)}
	}
	opText := "-" + op.name
	if k == kindBool && op.name != "eq" && op.name != "ne" {
		return op, value{}, &SyntaxError{Offset: opTok.off, Msg: fmt.Sprintf("%s is true or false; compare it with -eq or -ne, not %s", subject, opText)}
	}
	t := p.next()
	errAt := func(format string, args ...any) (comparison, value, error) {
		return op, value{}, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf(format, args...)}
	}
	word := strings.ToLower(t.text)
	switch {
	case op.list:
		if t.kind != tokLBracket {
			return errAt(`%s needs a list of values such as ["a","b"], found %s`, opText, describe(t))
		}
		list, err := p.list(opText)
		return op, value{kind: valList, list: list}, err
	case t.kind == tokLBracket:
		return errAt("%s takes a single value; only -in and -notIn take a list", opText)
	case t.kind == tokWord && word == "null":
		if !op.null {
			return errAt("null can only be compared with -eq or -ne, not %s", opText)
		}
		return op, value{kind: valNull}, nil
	case t.kind == tokWord && (word == "true" || word == "false"):
		if k != kindBool {
			return errAt("%s is a string; write the value in double quotes", subject)
		}
		return op, value{kind: valBool, text: word}, nil
	case t.kind == tokString && k == kindBool:
		return errAt("%s is true or false; write the value without quotes", subject)
	case t.kind == tokString && op.regexp:
		re, err := regexp.Compile("(?i)" + t.text)
		if err != nil {
			reason := err.Error()
			if se, ok := err.(*syntax.Error); ok {
				reason = se.Code.String()
			}
			return errAt("invalid regular expression %s after %s: %s", t.raw, opText, reason)
		}
		return op, value{kind: valString, text: t.text, re: re}, nil
	case t.kind == tokString:
		return op, value{kind: valString, text: t.text}, nil
	}
	return errAt("expected a value (a quoted string, true, false or null) after %s, found %s", opText, describe(t))
}

// list parses "a", "b"] after the opening bracket.
func (p *parser) list(opText string) ([]string, error) {
	var items []string
	for {
		t := p.next()
		if t.kind != tokString {
			return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf("expected a quoted string in the %s list, found %s", opText, describe(t))}
		}
		items = append(items, t.text)
		switch t := p.next(); t.kind {
		case tokRBracket:
			return items, nil
		case tokComma:
		default:
			return nil, &SyntaxError{Offset: t.off, Msg: fmt.Sprintf(`expected "," or "]" in the %s list, found %s`, opText, describe(t))}
		}
	}
}

// checkMemberOfAlone enforces that a memberOf expression is the whole rule.
func checkMemberOfAlone(root node) error {
	if c, ok := root.(*condition); ok && c.prop.kind == kindGroupIDs {
		return nil
	}
	var found *condition
	walk(root, func(c *condition) {
		if c.prop.kind == kindGroupIDs && found == nil {
			found = c
		}
	})
	if found != nil {
		return &SyntaxError{Offset: found.off, Msg: "device.memberOf can't be combined with other expressions"}
	}
	return nil
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "the end of the rule"
	case tokString:
		return t.raw
	}
	return `"` + t.raw + `"`
}
