package rule

import (
	"strings"
	"unicode/utf8"
)

// excerptWidth is how many characters of a long line an excerpt shows around the column.
const excerptWidth = 80

// position turns a byte offset into a 1-based line and a 1-based column counted in characters.
func position(text string, offset int) (line, column int) {
	offset = min(max(offset, 0), len(text))
	before := text[:offset]
	line = strings.Count(before, "\n") + 1
	start := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[start:]) + 1
}

// excerpt is the line of text holding offset and a caret under it. A line longer than excerptWidth is cut
// to a window around the caret, with "…" where it was cut. Characters that would move the caret off its
// column on a terminal (tabs, controls) are shown as spaces.
func excerpt(text string, offset int) string {
	offset = min(max(offset, 0), len(text))
	start := strings.LastIndexByte(text[:offset], '\n') + 1
	end := strings.IndexByte(text[offset:], '\n')
	if end < 0 {
		end = len(text)
	} else {
		end += offset
	}
	line := []rune(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return ' '
		}
		return r
	}, text[start:end]))
	col := utf8.RuneCountInString(text[start:offset])
	prefix, suffix := "", ""
	if len(line) > excerptWidth {
		from := max(0, min(col-excerptWidth/2, len(line)-excerptWidth))
		to := min(len(line), from+excerptWidth)
		if from > 0 {
			prefix = "…"
		}
		if to < len(line) {
			suffix = "…"
		}
		line, col = line[from:to], col-from+utf8.RuneCountInString(prefix)
	}
	return "  " + prefix + string(line) + suffix + "\n  " + strings.Repeat(" ", col) + "^"
}
