package output

import (
	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// cellPadding is the space writeTable puts around each cell (one column either side).
const cellPadding = 2

// minColumn is the narrowest a cut column gets, so what is left of a cut detail can still be read; a table
// that cannot fit with that much wraps on the terminal rather than lose the text.
const minColumn = 12

// fitTable cuts cells so the table fits in width terminal columns. The first column names the row (a serial
// number, a name, a check) and is never cut, so two rows never look alike. Of the others, columns narrower
// than an even share of the room keep their width; the wider ones share what is left evenly, so one long
// detail column cannot push the rest off the screen. Cut cells end with "…". A width of 0 (unknown) leaves
// the table as is.
func fitTable(rows Rows, width int) Rows {
	if width <= 0 || len(rows.Header) == 0 {
		return rows
	}
	natural := make([]int, len(rows.Header))
	for i, h := range rows.Header {
		natural[i] = twwidth.Width(h)
	}
	for _, row := range rows.Rows {
		for i, c := range row {
			if i < len(natural) {
				natural[i] = max(natural[i], twwidth.Width(c))
			}
		}
	}
	room := width - cellPadding*len(natural)
	var cuttable []int // indexes of the columns that may be cut
	var wide []int
	for i, n := range natural {
		if i > 0 {
			cuttable, wide = append(cuttable, i), append(wide, n)
		} else {
			room -= n
		}
	}
	rest := shareWidth(wide, room)
	if rest == nil {
		return rows
	}
	limits := append([]int(nil), natural...)
	for k, i := range cuttable {
		limits[i] = rest[k]
	}
	cut := func(i int, c string) string {
		if i < len(limits) && twwidth.Width(c) > limits[i] {
			return twwidth.Truncate(c, limits[i], "…")
		}
		return c
	}
	out := Rows{Header: make([]string, len(rows.Header)), Rows: make([][]string, len(rows.Rows))}
	for i, h := range rows.Header {
		out.Header[i] = cut(i, h)
	}
	for r, row := range rows.Rows {
		out.Rows[r] = make([]string, len(row))
		for i, c := range row {
			out.Rows[r][i] = cut(i, c)
		}
	}
	return out
}

// shareWidth returns each column's width limit so that they add up to at most room, or nil when the natural
// widths already fit.
func shareWidth(natural []int, room int) []int {
	total := 0
	for _, n := range natural {
		total += n
	}
	if total <= room {
		return nil
	}
	limits := append([]int(nil), natural...)
	wide := make([]int, len(natural))
	for i := range wide {
		wide[i] = i
	}
	// Columns that fit in an even share keep their width and give the rest to the others; repeat until every
	// column left is wider than its share.
	for len(wide) > 0 {
		share := room / len(wide)
		var still []int
		for _, i := range wide {
			if natural[i] <= share {
				room -= natural[i]
			} else {
				still = append(still, i)
			}
		}
		if len(still) == len(wide) {
			break
		}
		wide = still
	}
	for k, i := range wide {
		w := room / len(wide)
		if k < room%len(wide) {
			w++
		}
		limits[i] = max(w, minColumn)
	}
	return limits
}

// ANSI colours for status words.
const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	green  = "\x1b[32m"
	reset  = "\x1b[0m"
)

// statusColors colours a cell that is exactly one of these words (pkg/result's statuses, verify marks and
// the words auth status uses): problems red, what is still to come yellow, what ended as asked green.
var statusColors = map[string]string{
	"failed": red, "invalid": red, "notFound": red, "problem": red, "error": red, "✗": red,
	"pending": yellow, "warning": yellow,
	"ok": green, "✓": green, "created": green, "updated": green, "replaced": green, "imported": green,
	"alreadyRegistered": green, "unchanged": green, "deleted": green,
}

// colorStatuses colours status words in place. It runs after escaping and cutting, so the codes it adds are
// the only ones in the table.
func colorStatuses(rows [][]string) {
	for _, row := range rows {
		for i, c := range row {
			if col, ok := statusColors[c]; ok {
				row[i] = col + c + reset
			}
		}
	}
}
