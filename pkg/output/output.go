// Package output prints every command's result in the format the user chose (-o table|json|yaml|csv), through
// one code path: a command hands over its machine-readable value and a table view of it.
package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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

// Rows is the table view of a result: column headers and one string per cell.
type Rows struct {
	Header []string
	Rows   [][]string
}

// Result is what a command prints: Data (marshalled with its json tags for json and yaml) and its table view.
type Result struct {
	Data  any
	Table Rows
}

// Write prints r to w. Humans on a terminal get an aligned table with headers; pipes get tab-separated rows
// without a header, so `cut` and `awk` work. JSON and YAML use the same (camelCase, json-tagged) property names.
func Write(w io.Writer, tty bool, f Format, r Result) error {
	switch f {
	case JSON:
		return writeJSON(w, r.Data)
	case YAML:
		return writeYAML(w, r.Data)
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(r.Table.Header); err != nil {
			return err
		}
		if err := cw.WriteAll(r.Table.Rows); err != nil {
			return err
		}
		return cw.Error()
	default:
		if !tty {
			for _, row := range r.Table.Rows {
				if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
					return err
				}
			}
			return nil
		}
		return writeTable(w, r.Table)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeYAML goes through JSON so that YAML keys are exactly the JSON property names.
func writeYAML(w io.Writer, v any) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	var generic any
	if err := yaml.Unmarshal(buf.Bytes(), &generic); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(generic); err != nil {
		return err
	}
	return enc.Close()
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
