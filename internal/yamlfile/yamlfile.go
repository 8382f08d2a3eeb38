// Package yamlfile reads the YAML files admins write for autopilotctl (an ESP, a profile, a device-preparation
// policy, a whole layout): one mapping per file, strictly — an unknown key, a value of the wrong type or a file
// that is not a mapping is an error naming the file, the line and the key, before anything is sent.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
)

// MaxBytes caps a file: a whole tenant's layout is a few kilobytes.
const MaxBytes = 4 << 20

// Error is one problem in a file: where and what.
type Error struct {
	File string
	Line int // 0 when the problem is the file as a whole
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors lists every problem found in a file.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// List is err's problems one by one: those of an Errors, a single *Error, or none.
func List(err error) []*Error {
	var es Errors
	var e *Error
	switch {
	case errors.As(err, &es):
		return es
	case errors.As(err, &e):
		return []*Error{e}
	}
	return nil
}

// ReadFile reads path (a regular file of at most MaxBytes) and decodes it into v; see Decode.
func ReadFile(path string, v any) error {
	data, err := safefile.ReadFile(path, MaxBytes)
	if err != nil {
		return &Error{File: path, Msg: err.Error()}
	}
	return Decode(path, data, v)
}

// Decode decodes one YAML mapping from data into v (a pointer to a struct whose yaml tags are the keys). name
// is the file's name in errors. Unknown keys and wrong types are all reported, as Errors.
func Decode(name string, data []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{File: name, Line: syntaxLine(err), Msg: "not valid YAML: " + stripLine(err.Error())}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &Error{File: name, Msg: "the file is empty: it must be a mapping of keys to values"}
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return &Error{File: name, Line: root.Line, Msg: "the file must be a mapping of keys to values, not " + kindName(root)}
	}
	if es := append(fractions(name, &doc), nullItems(name, &doc)...); len(es) > 0 {
		return es
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		// One file is one document: a second one after "---" would otherwise be silently ignored.
		var more yaml.Node
		if err := dec.Decode(&more); err == nil {
			return &Error{File: name, Line: more.Line, Msg: "a second YAML document (after ---): one file holds one mapping"}
		}
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &Error{File: name, Msg: err.Error()}
	}
	var es Errors
	for _, msg := range te.Errors {
		es = append(es, &Error{File: name, Line: syntaxLine(errors.New(msg)), Msg: reword(stripLine(msg))})
	}
	return es
}

// fractions refuses numbers with a fraction: no key in these files takes one, and the YAML decoder would
// silently cut 60.5 to 60 in a whole-number field.
func fractions(name string, n *yaml.Node) Errors {
	var es Errors
	if n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
			es = append(es, &Error{File: name, Line: n.Line, Msg: fmt.Sprintf("%q is not a whole number; no key here takes a fraction", n.Value)})
		}
	}
	for _, c := range n.Content {
		es = append(es, fractions(name, c)...)
	}
	return es
}

// nullItems refuses empty list items (`- ~`, `- null`, a bare `-`): the decoder would silently drop them
// or make an object of nothing, and no list here takes one.
func nullItems(name string, n *yaml.Node) Errors {
	var es Errors
	for _, c := range n.Content {
		if n.Kind == yaml.SequenceNode && c.Kind == yaml.ScalarNode && c.Tag == "!!null" {
			es = append(es, &Error{File: name, Line: c.Line, Msg: "an empty list item (null): remove it or give its value"})
		}
		es = append(es, nullItems(name, c)...)
	}
	return es
}

var (
	lineRe    = regexp.MustCompile(`line (\d+)`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type `)
	typeRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

func syntaxLine(err error) int {
	if m := lineRe.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

func stripLine(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
		return msg[i+2:]
	}
	return msg
}

// reword turns yaml's Go-flavoured messages into the admin's words.
func reword(msg string) string {
	if m := unknownRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown key %q", m[1])
	}
	if m := typeRe.FindStringSubmatch(msg); m != nil {
		want := m[3]
		switch {
		case strings.HasPrefix(want, "int"), strings.HasPrefix(want, "uint"):
			want = "a whole number"
		case want == "bool":
			want = "true or false"
		case want == "string":
			want = "a string"
		case strings.HasPrefix(want, "[]"):
			want = "a list"
		case strings.HasPrefix(want, "map["), !strings.Contains(want, "."):
		default:
			want = "a mapping"
		}
		return fmt.Sprintf("%q is %s, but this key takes %s", m[2], yamlKind(m[1]), want)
	}
	return msg
}

func yamlKind(tag string) string {
	switch tag {
	case "str":
		return "a string"
	case "int", "float":
		return "a number"
	case "bool":
		return "true or false"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	}
	return tag
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "this"
}
