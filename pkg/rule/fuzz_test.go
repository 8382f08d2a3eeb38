package rule

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and that the canonical form of a
// valid rule parses back to the same canonical form.
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
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse(text)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", text, err)
			}
			return
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
