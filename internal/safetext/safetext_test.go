package safetext

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		value, want string
	}{
		{"Sales-EMEA", ""},
		{"Ventes, Québec (直営)", ""},
		{"Tag\r\n\x1b]0;x\a", "group tag contains U+000D (CARRIAGE RETURN)"},
		{"a\nb", "group tag contains U+000A (LINE FEED)"},
		{"a\x1b[31m", "group tag contains U+001B (ESCAPE)"},
		{"a\a", "group tag contains U+0007 (ALERT)"},
		{"a\tb", "group tag contains U+0009 (CHARACTER TABULATION)"},
		{"a\x7f", "group tag contains U+007F (DELETE)"},
		{"a\u0085", "group tag contains U+0085 (NEXT LINE)"},
		{"a\u009b", "group tag contains U+009B (CONTROL SEQUENCE INTRODUCER)"},
		{"Sales\u202e", "group tag contains U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{"Sa\u200bles", "group tag contains U+200B (ZERO WIDTH SPACE)"},
		{"Sa\u200dles", "group tag contains U+200D (ZERO WIDTH JOINER)"},
		{"\u200fSales", "group tag contains U+200F (RIGHT-TO-LEFT MARK)"},
		{"\u2066Sales\u2069", "group tag contains U+2066 (LEFT-TO-RIGHT ISOLATE)"},
		{"Sa\ufeffles", "group tag contains U+FEFF (ZERO WIDTH NO-BREAK SPACE)"},
		{"a\u2028b", "group tag contains U+2028 (LINE SEPARATOR)"},
		{"a\u00adb", "group tag contains U+00AD (SOFT HYPHEN)"},
		{"a\U000E0001", "group tag contains U+E0001 (LANGUAGE TAG)"},
		{"a\uFFFDb", "group tag contains U+FFFD (REPLACEMENT CHARACTER)"},
		{"a\xffb", "group tag is not valid UTF-8 text"},
	}
	for _, tt := range tests {
		err := Check("group tag", tt.value)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Check(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		`back\slash`:               `back\slash`,
		"Tag\r\n\x1b]0;x\a":        `Tag\r\n\x1b]0;x\a`,
		"tab\there":                `tab\there`,
		"evil\u202etxt.exe":        `evil\u202etxt.exe`,
		"zero\u200bwidth":          `zero\u200bwidth`,
		"nel\u0085csi\u009b":       `nel\u0085csi\u009b`,
		"tag\U000E0001":            `tag\U000e0001`,
		"bad\xff\xfebytes":         `bad\xff\xfebytes`,
		"ü and 直営 and \uFFFD stay": "ü and 直営 and \uFFFD stay",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"5CG1234XYZ":             `"5CG1234XYZ"`,
		strings.Repeat("x", 40):  `"` + strings.Repeat("x", 40) + `"`,
		strings.Repeat("x", 41):  `"` + strings.Repeat("x", 40) + `…"`,
		strings.Repeat("ü", 100): `"` + strings.Repeat("ü", 40) + `…"`,
		"a\u202eb\r":             `"a\u202eb\r"`,
		strings.Repeat("A", 1e6): `"` + strings.Repeat("A", 40) + `…"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%.50q) = %.60q, want %.60q", in, got, want)
		}
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"00000000-0000-4000-8000-000000000001": "00000000-0000-4000-8000-000000000001",
		"Contoso\x1b]0;t\a\u202e":              `Contoso\x1b]0;t\a\u202e`,
		strings.Repeat("x", 41):                strings.Repeat("x", 40) + "…",
	} {
		if got := Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"5CG1234XYZ":                 "5CG1234XYZ",
		"":                           "",
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1+1":                       "'+1+1",
		"-5":                         "'-5",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\tx":                        "'\tx",
		"\rx":                        "'\rx",
		"a=b":                        "a=b",
		"'quoted":                    "'quoted",
		"'=already":                  "''=already",
		"''-x":                       "'''-x",
		" =x":                        " =x", // not in OWASP's list: only the first character counts
	} {
		got := SpreadsheetSafe(in)
		if got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
		if back := FromSpreadsheetSafe(got); back != in {
			t.Errorf("FromSpreadsheetSafe(%q) = %q, want %q", got, back, in)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"DPP-Sales":       "DPP-Sales",
		"Sales&Marketing": "'Sales&Marketing'",
		"a;b|c<d>(e)":     "'a;b|c<d>(e)'",
		"o'brien":         `'o'\''brien'`,
		"":                "''",
		"two words":       "'two words'",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
