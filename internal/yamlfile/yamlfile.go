// Package yamlfile reads the YAML files admins write for autopilotctl (an ESP, a profile, a device-preparation
// policy, a whole layout): one mapping per file, strictly — an unknown key, a value of the wrong type or a file
// that is not a mapping is an error naming the file, the line and the key, before anything is sent.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/internal/safetext"

	"github.com/autopilotctl/autopilotctl/internal/safefile"
)

// MaxBytes caps a file: a whole tenant's layout is a few kilobytes.
const MaxBytes = 4 << 20

// Error is one problem in a file: where and what.
type Error struct {
	File string
	Line int // 0 when the problem is the file as a whole
	Msg  string
	// Key is the path of the key or list item the problem is about, as the file's keys spell it
	// (esps[0].priority, profiles[1].assign[0]); "" for a problem with the file as a whole.
	Key string
	// Meant is the path of the known key an unknown one is probably a misspelling of, "" if none.
	Meant string
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
// is the file's name in errors. Unknown keys, wrong types, fractions and empty list items are all reported
// together, as Errors sorted by line, each with its Key. Such problems leave the rest of v decoded, so when
// every problem has a Key a caller can check v and report its own problems along with these (leaving out
// those about a Key these name: the decoder could not fill it in). A file that is not one mapping is one
// *Error without a Key.
func Decode(name string, data []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{File: name, Line: syntaxLine(err), Msg: "not valid YAML: " + stripLine(err.Error())}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &Error{File: name, Msg: "the file is empty: it must be a mapping of keys to values"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{File: name, Line: root.Line, Msg: "the file must be a mapping of keys to values, not " + kindName(root)}
	}
	var all []entry
	entries(root, reflect.TypeOf(v), "", &all)
	es := valueProblems(name, all)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			es = append(es, decodeProblem(name, all, msg))
		}
	case err != nil && !errors.Is(err, io.EOF):
		return &Error{File: name, Msg: err.Error()}
	case len(es) == 0:
		// One file is one document: a second one after "---" would otherwise be silently ignored.
		var more yaml.Node
		if err := dec.Decode(&more); err == nil {
			return &Error{File: name, Line: more.Line, Msg: "a second YAML document (after ---): one file holds one mapping"}
		}
		return nil
	}
	if len(es) == 0 {
		return nil
	}
	slices.SortStableFunc(es, func(a, b *Error) int { return a.Line - b.Line })
	return es
}

// entry is one value in the document: a key's or a list item's.
type entry struct {
	path     string       // esps[0].priority, esps[0].assign[1]
	key, val *yaml.Node   // key is nil for a list item
	in       reflect.Type // the struct type the key belongs to; nil when not a struct's key
}

// entries lists every value under n, in document order, with the Go type each decodes into as far as v's
// type says (t nil past where it doesn't).
func entries(n *yaml.Node, t reflect.Type, path string, out *[]entry) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.MappingNode:
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j], n.Content[j+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			var in, vt reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Struct:
				in, vt = t, fields(t)[k.Value]
			case t != nil && t.Kind() == reflect.Map:
				vt = t.Elem()
			}
			*out = append(*out, entry{p, k, v, in})
			entries(v, vt, p, out)
		}
	case yaml.SequenceNode:
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			*out = append(*out, entry{p, nil, c, nil})
			entries(c, et, p, out)
		}
	}
}

// fields are struct t's keys and their types, as yaml.v3 reads them (inline structs' keys included).
func fields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case tag == "-" || !f.IsExported() && !f.Anonymous:
		case slices.Contains(strings.Split(opts, ","), "inline") && f.Type.Kind() == reflect.Struct:
			maps.Copy(out, fields(f.Type))
		case tag == "":
			out[strings.ToLower(f.Name)] = f.Type
		default:
			out[tag] = f.Type
		}
	}
	return out
}

// valueProblems refuses numbers with a fraction (no key in these files takes one, and the YAML decoder
// would silently cut 60.5 to 60 in a whole-number field) and empty list items (`- ~`, `- null`, a bare `-`:
// the decoder would silently drop them or make an object of nothing, and no list here takes one).
func valueProblems(name string, all []entry) Errors {
	var es Errors
	for _, e := range all {
		n := e.val
		if n.Kind != yaml.ScalarNode {
			continue
		}
		if n.Tag == "!!float" {
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
				es = append(es, &Error{File: name, Line: n.Line, Key: e.path, Msg: fmt.Sprintf("%q is not a whole number; no key here takes a fraction", n.Value)})
			}
		}
		if e.key == nil && n.Tag == "!!null" {
			es = append(es, &Error{File: name, Line: n.Line, Key: e.path, Msg: "an empty list item (null): remove it or give its value"})
		}
	}
	return es
}

// decodeProblem is one of the decoder's messages in the admin's words, at the value it is about.
func decodeProblem(name string, all []entry, msg string) *Error {
	line := syntaxLine(errors.New(msg))
	e := &Error{File: name, Line: line, Msg: reword(stripLine(msg))}
	if m := unknownRe.FindStringSubmatch(stripLine(msg)); m != nil {
		for _, en := range all {
			if en.key != nil && en.key.Line == line && en.key.Value == m[1] {
				e.Key = en.path
				if k := nearest(m[1], en.in); k != "" {
					e.Meant = strings.TrimSuffix(en.path, m[1]) + k
					e.Msg += fmt.Sprintf("; did you mean %q?", k)
				}
				break
			}
		}
		return e
	}
	if m := typeRe.FindStringSubmatch(stripLine(msg)); m != nil {
		for _, en := range all {
			if en.val.Line == line && shortTag(en.val) == m[1] && (en.val.Kind != yaml.ScalarNode || abbrev(en.val.Value) == m[2]) {
				e.Key = en.path
			}
		}
	}
	return e
}

// shortTag is n's tag as the decoder's messages write it (str, int, seq, map...).
func shortTag(n *yaml.Node) string {
	return strings.TrimPrefix(n.ShortTag(), "!!")
}

// abbrev is a value as the decoder's messages quote it: cut to 7 characters and "..." past 10.
func abbrev(v string) string {
	if len(v) > 10 {
		return v[:7] + "..."
	}
	return v
}

// nearest is the key of struct t that unknown probably misspells: one differing only in case, or else the
// single closest within a few edits (one, and one more per 8 characters); "" if none or t is not known.
func nearest(unknown string, t reflect.Type) string {
	if t == nil {
		return ""
	}
	best, bestD, tie := "", 2+len(unknown)/8, false
	for k := range fields(t) {
		d := distance(strings.ToLower(unknown), strings.ToLower(k))
		switch {
		case d < bestD:
			best, bestD, tie = k, d, false
		case d == bestD && best != "":
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// distance is the number of edits from a to b, in bytes (keys are ASCII): Levenshtein's insertions,
// deletions and substitutions, and swapping two neighbours (mdoe → mode), the commonest slip.
func distance(a, b string) int {
	var before []int
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev = prev, cur
	}
	return prev[len(b)]
}

var (
	lineRe    = regexp.MustCompile(`line (\d+)`)
	unknownRe = regexp.MustCompile(`^field (\S+) not found in type `)
	typeRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
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
		return "unknown key " + safetext.Quote(m[1]) // cut short: a key can be megabytes
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
		if m[1] == "seq" || m[1] == "map" {
			return fmt.Sprintf("this key takes %s, not %s", want, yamlKind(m[1]))
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
