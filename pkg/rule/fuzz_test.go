package rule

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse and Lint never panic, that the canonical form of a valid rule parses back to
// the same canonical form, that errors point inside the rule, and that what Lint sends means the same rule
// and has no bare lambda left.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		AllAutopilotDevices(), GroupTag("Sales"), PurchaseOrder("1"),
		And(AllAutopilotDevices(), Or(GroupTag("A"), "-not "+PurchaseOrder("2"))),
		`device.displayName -match "^a.*" -or device.accountEnabled -ne true`,
		`device.deviceOSType -notIn ["iOS","Android"] and not device.enrollmentProfileName -eq null`,
		"device.displayName -eq \"`\"x``\"",
		`device.memberOf -any (group.objectId -in ['a''b'])`,
		`device.systemLabels -startsWith "M365"`,
		`(((device.deviceModel -eq "a")))`,
		`device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"`,
		`(device.devicePhysicalIds -any _ -eq "[OrderID]:179887111881"`,
		`(device.devicePhysicalIds -any (_ -contains "[ZTDId]")) -or device.devicePhysicalIds -all _ -ne "x"`,
		"device.displayName -eq \"a\" -and\ndevice.model -eq \"b\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		l, lintErr := Lint(text)
		r, err := Parse(text)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", text, err)
			}
			if se.Line < 1 || se.Column < 1 || se.Offset > len(text) || !strings.Contains(se.Excerpt(), "^") {
				t.Fatalf("Parse(%q) error %v points outside the rule (offset %d)", text, err, se.Offset)
			}
			if lintErr == nil {
				t.Fatalf("Lint(%q) accepts what Parse refuses: %v", text, err)
			}
			return
		}
		if lintErr == nil {
			sent, err := Parse(l.Send)
			if err != nil {
				t.Fatalf("Lint(%q) sends %q, which does not parse: %v", text, l.Send, err)
			}
			if sent.String() != r.String() {
				t.Fatalf("Lint(%q) sends another rule:\n got %q\nwant %q", text, sent.String(), r.String())
			}
			walk(sent.root, func(c *condition) {
				if c.bare {
					t.Fatalf("Lint(%q) sends %q with a bare lambda", text, l.Send)
				}
			})
		}
		canonical := r.String()
		if utf8.RuneCountInString(canonical) > MaxLength {
			return // canonical form may add hyphens and parentheses beyond the limit
		}
		again, err := Parse(canonical)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canonical, text, err)
		}
		if got := again.String(); got != canonical {
			t.Fatalf("round trip of %q:\n got %q\nwant %q", text, got, canonical)
		}
	})
}
