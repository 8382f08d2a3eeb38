// Package output prints every command's result in the format the user chose (-o table|json|yaml|csv), through
// one code path: a command hands over its machine-readable value and a table view of it.
package output

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"go.yaml.in/yaml/v3"
)

// Format is the value of -o/--output.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	YAML  Format = "yaml"
	CSV   Format = "csv"
)

// Formats lists the accepted -o values, for flag help and completion.
var Formats = []string{string(Table), string(JSON), string(YAML), string(CSV)}

// ParseFormat validates an -o value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, f) {
			return Format(f), nil
		}
	}
	return "", fmt.Errorf("invalid output format %q: use one of %s", s, strings.Join(Formats, ", "))
}

// Rows is the table view of a result: column headers and one string per cell. In -o csv the columns are named
// as -o json names what they show (Graph's property names, camelCase), not with the words a person reads at a
// terminal: CSVHeader declares them where they differ from the header in camelCase ("ASSIGNED TO" is
// assignedTo, "SERIAL" serialNumber); see csvHeader.
type Rows struct {
	Header    []string
	CSVHeader []string
	Rows      [][]string
}

// Result is what a command prints: Data (marshalled with its json tags for json and yaml) and its table view.
type Result struct {
	Data  any
	Table Rows
	// Empty says in one line that there is nothing to list ("no device-preparation policies"): a table without
	// rows prints it on stderr when stdout is a terminal, instead of a lone header. A pipe gets nothing, and
	// the other formats their empty value (`[]`).
	Empty string
}

// Options say how Write prints: the format, and for tables what the terminal allows.
type Options struct {
	Format Format
	TTY    bool      // stdout is a terminal: an aligned table with headers instead of tab-separated rows
	Width  int       // the terminal's columns; a table on a TTY is fitted to it (0: no limit)
	Color  bool      // status words in a table are coloured
	ErrOut io.Writer // where a table says it is empty (Result.Empty); nil: nowhere
	Query  *Query    // --jq or --template: applied to the JSON data instead of Format
	// Context ends a --jq filter that would otherwise run on (`def f: f; f`): Ctrl-C or SIGTERM stops it.
	Context context.Context
}

// Write prints r to w. Humans on a terminal get an aligned table with headers, fitted to the terminal's width
// (long cells cut with "…"; JSON and CSV keep every value whole); pipes get tab-separated rows without a
// header, so `cut` and `awk` work. JSON and YAML use the same (camelCase, json-tagged) property names.
// Whatever the source of a value (the tenant's data included), nothing can drive the reader's terminal or
// spreadsheet: tables and tab-separated rows show control and format characters as escapes (\r, \x1b,
// \u202e), JSON and YAML escape them, and CSV cells that would start a formula are prefixed with a quote.
func Write(w io.Writer, o Options, r Result) error {
	if o.Query != nil {
		ctx := o.Context
		if ctx == nil {
			ctx = context.Background()
		}
		return o.Query.write(ctx, w, o.TTY, r.Data)
	}
	switch o.Format {
	case JSON:
		return writeJSON(w, r.Data)
	case YAML:
		return writeYAML(w, r.Data)
	case CSV:
		return writeCSV(w, r.Table)
	default:
		if len(r.Table.Rows) == 0 && (r.Empty != "" || len(r.Table.Header) == 0) {
			if o.TTY && r.Empty != "" && o.ErrOut != nil {
				_, err := fmt.Fprintln(o.ErrOut, r.Empty)
				return err
			}
			return nil
		}
		rows := mapCells(r.Table, safetext.Escape)
		if !o.TTY {
			for _, row := range rows.Rows {
				if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
					return err
				}
			}
			return nil
		}
		rows = fitTable(rows, o.Width)
		if o.Color {
			colorStatuses(rows.Rows)
		}
		return writeTable(w, rows)
	}
}

// mapCells returns a copy of rows with f applied to every cell, header included.
func mapCells(rows Rows, f func(string) string) Rows {
	out := Rows{Header: make([]string, len(rows.Header)), CSVHeader: rows.CSVHeader, Rows: make([][]string, len(rows.Rows))}
	for i, h := range rows.Header {
		out.Header[i] = f(h)
	}
	for i, row := range rows.Rows {
		out.Rows[i] = make([]string, len(row))
		for j, c := range row {
			out.Rows[i][j] = f(c)
		}
	}
	return out
}

// writeCSV writes RFC 4180 CSV with every cell spreadsheet-safe (see safetext.SpreadsheetSafe): tenant data
// such as a group tag "=HYPERLINK(…)" must not become a live formula when an admin opens the export in Excel.
// Control and format characters are shown escaped as tables show them: a CSV is often read on the terminal
// too, and no value the tool accepts holds one. Values are otherwise kept exactly; encoding/csv quotes cells
// holding commas or quotes.
func writeCSV(w io.Writer, table Rows) error {
	if len(table.Header) == 0 {
		return nil // a result with no table view (auth logout when nothing was signed in)
	}
	table.Header = csvHeader(table)
	table = mapCells(table, func(c string) string { return safetext.SpreadsheetSafe(safetext.Escape(c)) })
	cw := csv.NewWriter(w)
	if err := cw.Write(table.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(table.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// csvAliases are table headers whose JSON property name is not their camelCase, the same in every command.
var csvAliases = map[string]string{"SERIAL": "serialNumber"}

// csvHeader names the CSV columns: the command's CSVHeader, else each table header as a camelCase property name.
func csvHeader(table Rows) []string {
	if table.CSVHeader != nil {
		return table.CSVHeader
	}
	out := make([]string, len(table.Header))
	for i, h := range table.Header {
		if a, ok := csvAliases[h]; ok {
			out[i] = a
			continue
		}
		for k, word := range strings.Fields(strings.ToLower(h)) {
			if k > 0 {
				word = strings.ToUpper(word[:1]) + word[1:]
			}
			out[i] += word
		}
	}
	return out
}

// writeJSON writes indented JSON. encoding/json escapes C0 controls, U+2028 and U+2029 but leaves C1 controls
// and format characters (U+202E, U+200B, …) raw; they are escaped too, so the output is safe on a terminal
// and decodes to the same values.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeUnsafe(buf.Bytes()))
	return err
}

// writeYAML goes through JSON so that YAML keys are exactly the JSON property names. The YAML encoder prints
// format characters raw and turns some controls into line breaks, so a scalar holding an unsafe character is
// written double-quoted, where \uXXXX escapes are YAML syntax, and escaped like JSON.
func writeYAML(w io.Writer, v any) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	var generic any
	// Escaped first: the YAML parser would fold a raw NEL (U+0085) in the JSON into a space.
	if err := yaml.Unmarshal(escapeUnsafe(buf.Bytes()), &generic); err != nil {
		return err
	}
	var node yaml.Node
	if err := node.Encode(generic); err != nil {
		return err
	}
	quoteUnsafeScalars(&node)
	buf.Reset()
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(escapeUnsafe(buf.Bytes()))
	return err
}

func unsafeNonASCII(r rune) bool { return r >= utf8.RuneSelf && safetext.Unsafe(r) }

// quoteUnsafeScalars makes every scalar (keys too) that holds an unsafe character double-quoted.
func quoteUnsafeScalars(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && strings.IndexFunc(n.Value, safetext.Unsafe) >= 0 {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		quoteUnsafeScalars(c)
	}
}

// escapeUnsafe replaces each non-ASCII unsafe character left raw in encoded JSON or YAML with a \uXXXX
// escape (a surrogate pair past U+FFFF, which both read); the encoders escape ASCII controls themselves. Such
// characters can only be inside string values: JSON's syntax is ASCII, and YAML's scalars holding them are
// double-quoted by quoteUnsafeScalars.
func escapeUnsafe(b []byte) []byte {
	if !bytes.ContainsFunc(b, unsafeNonASCII) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if unsafeNonASCII(r) {
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&out, `\u%04x`, u)
			}
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.Bytes()
}

func writeTable(w io.Writer, rows Rows) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoFormat: tw.Off},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			},
			Row: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			},
		}),
	)
	t.Header(rows.Header)
	for _, r := range rows.Rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}
