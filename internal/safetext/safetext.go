// Package safetext holds the one rule for characters that must not travel in a value (a serial number, a group
// tag, a user principal name) or reach a terminal raw: control characters and invisible or direction-changing
// format characters. Input checks refuse them by name; output escapes them visibly. It also quotes values for
// error messages (escaped and cut short) and keeps CSV cells from being read as spreadsheet formulas.
package safetext

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"
)

// Unsafe reports whether r may not appear in a value or be printed raw: C0 and C1 controls and DEL
// (category Cc: CR, LF, TAB, ESC, BEL, NEL, CSI, …), format characters (Cf: zero-width spaces and joiners,
// bidirectional marks, embeddings, overrides and isolates, a byte-order mark), and the line and paragraph
// separators (Zl, Zp), which break lines in some viewers and JavaScript.
func Unsafe(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Name names r by code point and Unicode name, e.g. "U+202E (RIGHT-TO-LEFT OVERRIDE)". Control characters,
// which the Unicode database names only "<control>", get their formal name aliases.
func Name(r rune) string {
	name := runenames.Name(r)
	switch {
	case r < 0x20:
		name = c0Names[r]
	case r == 0x7F:
		name = "DELETE"
	case r >= 0x80 && r < 0xA0:
		name = c1Names[r-0x80]
	}
	if name == "" || strings.HasPrefix(name, "<") {
		return fmt.Sprintf("U+%04X", r)
	}
	return fmt.Sprintf("U+%04X (%s)", r, name)
}

// Check refuses a value that is not UTF-8, or that holds an Unsafe character or U+FFFD (the mark a decoder
// leaves for bytes it could not read). what names the value: "group tag contains U+202E (RIGHT-TO-LEFT
// OVERRIDE)".
func Check(what, s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Errorf("%s is not valid UTF-8 text", what)
		case r == utf8.RuneError, Unsafe(r):
			return fmt.Errorf("%s contains %s", what, Name(r))
		}
	}
	return nil
}

// Escape makes s safe to print in a table or tab-separated line: Unsafe characters become Go escapes (\r, \n,
// \t, \x1b, \u202e) and bytes that are not UTF-8 become \xNN. Everything else, backslashes included, is left
// as is: this is for reading, not for parsing back.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case Unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i, r := range s {
		if Unsafe(r) || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			return true
		}
	}
	return false
}

// QuoteLimit is how many characters of a value Quote keeps.
const QuoteLimit = 40

// Quote quotes a value for an error message: Go syntax, so control and format characters show as escapes,
// cut after QuoteLimit characters with "…" (a bad file can hold a 100 MB "serial number").
func Quote(s string) string {
	n := 0
	for i := range s {
		if n == QuoteLimit {
			return strconv.Quote(s[:i] + "…")
		}
		n++
	}
	return strconv.Quote(s)
}

// Short is a value for prose in a message (an id, a device model): Quote's escapes and cut, without the quotes.
func Short(s string) string {
	q := Quote(s)
	return q[1 : len(q)-1]
}

// formulaStart lists what makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection":
// https://owasp.org/www-community/attacks/CSV_Injection).
const formulaStart = "=+-@\t\r"

// SpreadsheetSafe neutralises a CSV cell the way OWASP recommends: a cell that starts with = + - @ TAB or CR
// gets a leading single quote, so Excel, LibreOffice and Google Sheets show it as text instead of running it
// (=HYPERLINK(…), =cmd|…). Negative numbers ("-5") are prefixed too. A cell that already starts with quotes
// before such a character gets one more, so FromSpreadsheetSafe gives back exactly the original.
func SpreadsheetSafe(cell string) string {
	if formulaLike(cell) {
		return "'" + cell
	}
	return cell
}

// FromSpreadsheetSafe undoes SpreadsheetSafe, so a CSV this tool wrote reads back as the values it held.
func FromSpreadsheetSafe(cell string) string {
	if strings.HasPrefix(cell, "'") && formulaLike(cell) {
		return cell[1:]
	}
	return cell
}

func formulaLike(cell string) bool {
	t := strings.TrimLeft(cell, "'")
	return t != "" && strings.ContainsRune(formulaStart, rune(t[0]))
}

// Formal name aliases of the control characters (Unicode NameAliases.txt).
var c0Names = [0x20]string{
	"NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY", "ACKNOWLEDGE",
	"ALERT", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN",
	"SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
	"DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL",
	"END OF MEDIUM", "SUBSTITUTE", "ESCAPE", "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE",
	"INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
}

var c1Names = [0x20]string{
	"PADDING CHARACTER", "HIGH OCTET PRESET", "BREAK PERMITTED HERE", "NO BREAK HERE", "INDEX", "NEXT LINE",
	"START OF SELECTED AREA", "END OF SELECTED AREA", "CHARACTER TABULATION SET",
	"CHARACTER TABULATION WITH JUSTIFICATION", "LINE TABULATION SET", "PARTIAL LINE FORWARD",
	"PARTIAL LINE BACKWARD", "REVERSE LINE FEED", "SINGLE SHIFT TWO", "SINGLE SHIFT THREE", "DEVICE CONTROL STRING",
	"PRIVATE USE ONE", "PRIVATE USE TWO", "SET TRANSMIT STATE", "CANCEL CHARACTER", "MESSAGE WAITING",
	"START OF GUARDED AREA", "END OF GUARDED AREA", "START OF STRING", "SINGLE GRAPHIC CHARACTER INTRODUCER",
	"SINGLE CHARACTER INTRODUCER", "CONTROL SEQUENCE INTRODUCER", "STRING TERMINATOR", "OPERATING SYSTEM COMMAND",
	"PRIVACY MESSAGE", "APPLICATION PROGRAM COMMAND",
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// ShellQuote makes s one word for a POSIX shell (and PowerShell) in a command the admin is told to run: it is
// left as is when every character is plainly safe, and single-quoted otherwise, so a name like
// "Sales&Marketing" or "a;b" cannot run anything when pasted.
func ShellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// EscapeText is Escape for text laid out in lines (an error message, a template's output): line breaks and
// tabs stay as they are, everything else unsafe is shown escaped.
func EscapeText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = Escape(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}
