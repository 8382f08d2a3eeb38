package rule

import (
	"fmt"
	"strings"
)

type tokenKind int

const (
	tokEOF      tokenKind = iota
	tokLParen             // (
	tokRParen             // )
	tokLBracket           // [
	tokRBracket           // ]
	tokComma              // ,
	tokOperator           // -eq, -and, -any ... (text without the hyphen)
	tokWord               // device.displayName, _, true, null, or an operator written without its hyphen
	tokString             // "..." or '...' (text unescaped)
)

type token struct {
	kind tokenKind
	text string
	off  int
	raw  string // source text, for messages
}

// lex splits a rule into tokens. In double-quoted strings a backtick escapes a
// double quote or a backtick; single-quoted strings (memberOf lists) double the quote.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.ContainsRune("()[],", rune(c)):
			k := map[byte]tokenKind{'(': tokLParen, ')': tokRParen, '[': tokLBracket, ']': tokRBracket, ',': tokComma}[c]
			toks = append(toks, token{kind: k, text: string(c), off: i, raw: string(c)})
			i++
		case c == '"' || c == '\'':
			t, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = n
		case c == '-':
			j := wordEnd(src, i+1)
			if j == i+1 {
				return nil, &SyntaxError{Offset: i, Msg: `expected an operator name after "-"`}
			}
			toks = append(toks, token{kind: tokOperator, text: src[i+1 : j], off: i, raw: src[i:j]})
			i = j
		case isWordByte(c):
			j := wordEnd(src, i)
			toks = append(toks, token{kind: tokWord, text: src[i:j], off: i, raw: src[i:j]})
			i = j
		case strings.HasPrefix(src[i:], "–") || strings.HasPrefix(src[i:], "—"):
			return nil, &SyntaxError{Offset: i, Msg: `found a dash "` + src[i:i+3] + `"; operators start with a hyphen "-"`}
		default:
			r := []rune(src[i:])[0]
			return nil, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(toks, token{kind: tokEOF, off: len(src), raw: "end of rule"}), nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func wordEnd(src string, i int) int {
	for i < len(src) && isWordByte(src[i]) {
		i++
	}
	return i
}

// lexString reads the quoted string starting at src[start] and returns it and the offset after it.
func lexString(src string, start int) (token, int, error) {
	quote := src[start]
	var b strings.Builder
	for i := start + 1; i < len(src); i++ {
		c := src[i]
		switch {
		case quote == '"' && c == '`' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '`'):
			b.WriteByte(src[i+1])
			i++
		case c == quote && quote == '\'' && i+1 < len(src) && src[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == quote:
			return token{kind: tokString, text: b.String(), off: start, raw: src[start : i+1]}, i + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return token{}, 0, &SyntaxError{Offset: start, Msg: fmt.Sprintf("string starting here has no closing %c", quote)}
}

// quote writes s as a double-quoted rule string.
func quote(s string) string {
	r := strings.NewReplacer("`", "``", `"`, "`\"")
	return `"` + r.Replace(s) + `"`
}
