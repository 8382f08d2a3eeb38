package output

import (
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// cellPadding is the space writeTable puts around each cell (one column either side).
const cellPadding = 2

// minColumn is the narrowest a cut column gets ("ab…xyz"); a table that cannot fit with that much wraps on the
// terminal rather than lose every letter.
const minColumn = 6

// ellipsis marks where a cell was cut.
const ellipsis = "…"

// fitTable cuts cells so the table fits in width terminal columns (0, unknown, leaves it as is). The widest
// columns give up room first, down to a common width (so one long detail column cannot push the rest off the
// screen, and a long id column shrinks as readily as a rule or a detail); the column that names the row (the
// one headed NAME, else the first: a serial, a check) shrinks only when the others are down to minColumn.
// Cut cells show "…" where text was dropped, at the end unless that would make two different values of the
// column look alike, then in the middle, keeping the tail that tells them apart ("Autopilot -…Sales").
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
	limits := shareWidth(natural, nameColumn(rows.Header), width-cellPadding*len(natural))
	if limits == nil {
		return rows
	}
	out := Rows{Header: make([]string, len(rows.Header)), CSVHeader: rows.CSVHeader, Rows: make([][]string, len(rows.Rows))}
	for r, row := range rows.Rows {
		out.Rows[r] = append([]string(nil), row...)
	}
	for i, h := range rows.Header {
		out.Header[i] = cutAt(h, limits[i], 0) // a header is a word or two: its start reads best
		if limits[i] >= natural[i] {
			continue
		}
		column := make([]string, 0, len(rows.Rows))
		for _, row := range rows.Rows {
			if i < len(row) {
				column = append(column, row[i])
			}
		}
		tail := distinctTail(column, limits[i])
		for _, row := range out.Rows {
			if i < len(row) {
				row[i] = cutAt(row[i], limits[i], tail)
			}
		}
	}
	return out
}

// nameColumn is the index of the column that names each row: the one headed NAME, else the first.
func nameColumn(header []string) int {
	for i, h := range header {
		if h == "NAME" {
			return i
		}
	}
	return 0
}

// shareWidth returns each column's width limit so that they add up to at most room, or nil when the natural
// widths already fit. Columns other than last are narrowed first, widest first (each capped at a common
// width), down to minColumn; then last the same way. Columns already narrower than minColumn are never cut.
func shareWidth(natural []int, last, room int) []int {
	total := 0
	for _, n := range natural {
		total += n
	}
	if total <= room {
		return nil
	}
	limits := append([]int(nil), natural...)
	var others []int
	for i := range natural {
		if i != last {
			others = append(others, i)
		}
	}
	excess := total - room
	excess = capWidest(limits, others, excess)
	capWidest(limits, []int{last}, excess)
	return limits
}

// capWidest lowers the widest of the columns cols until excess columns are saved or all are at minColumn, and
// returns what is still to save. The cap is one width for all (the leftmost capped columns keep one more where
// the saving does not divide evenly), so the cut columns end equally wide.
func capWidest(limits, cols []int, excess int) int {
	if excess <= 0 || len(cols) == 0 {
		return excess
	}
	widest := 0
	for _, i := range cols {
		widest = max(widest, limits[i])
	}
	for c := widest - 1; c >= minColumn; c-- {
		saved := 0
		for _, i := range cols {
			saved += max(0, limits[i]-c)
		}
		if saved < excess && c > minColumn {
			continue
		}
		spare := max(0, saved-excess) // columns saved too much: give it back, one each
		for _, i := range cols {
			if limits[i] > c {
				limits[i] = c
				if spare > 0 {
					limits[i]++
					spare--
				}
			}
		}
		return max(0, excess-saved)
	}
	return excess
}

// distinctTail picks how many columns of the kept text go after the "…" when values are cut to limit: none
// (cut at the end) unless that makes two different values look alike; then the most even split that keeps
// them apart, else the one that leaves the fewest alike.
func distinctTail(values []string, limit int) int {
	best, bestAlike := 0, alike(values, limit, 0)
	if bestAlike == 0 {
		return 0
	}
	even := (limit - 1) / 2
	var tails []int
	for t := even; t < limit-1; t++ {
		tails = append(tails, t)
	}
	for t := even - 1; t > 0; t-- {
		tails = append(tails, t)
	}
	for _, t := range tails {
		if n := alike(values, limit, t); n < bestAlike {
			best, bestAlike = t, n
			if n == 0 {
				break
			}
		}
	}
	return best
}

// alike counts the different values that, cut to limit with tail columns after the "…", show the same text as
// another value.
func alike(values []string, limit, tail int) int {
	shown := map[string]string{}
	n := 0
	for _, v := range values {
		s := cutAt(v, limit, tail)
		if prev, ok := shown[s]; ok && prev != v {
			n++
			continue
		}
		shown[s] = v
	}
	return n
}

// cutAt shortens s to width columns with "…" in place of what was dropped and the last tail columns of s after
// it; s narrower than width is returned as is.
func cutAt(s string, width, tail int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	tail = min(tail, width-1)
	end := lastColumns(s, tail)
	return twwidth.Truncate(s, width-twwidth.Width(end), ellipsis) + end
}

// lastColumns is the longest end of s at most width columns wide.
func lastColumns(s string, width int) string {
	runes := []rune(s)
	i, w := len(runes), 0
	for i > 0 {
		rw := twwidth.Width(string(runes[i-1]))
		if w+rw > width {
			break
		}
		w += rw
		i--
	}
	return strings.TrimSpace(string(runes[i:]))
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
