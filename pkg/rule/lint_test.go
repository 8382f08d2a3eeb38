package rule

import (
	"errors"
	"strings"
	"testing"
)

// The Autopilot rules as the documentation prints them (docs/graph.md#dynamic-device-groups).
const (
	docAllDevices    = `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`
	docGroupTag      = `(device.devicePhysicalIds -any (_ -eq "[OrderID]:179887111881"))`
	docPurchaseOrder = `(device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:76222342342"))`
	docOffline       = `(device.enrollmentProfileName -eq "OfflineAutopilotprofile-<correlator ID>")`
	// The Entra reference's examples: without parentheses around the lambda, the second missing its ")".
	entraAllDevices = `device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"`
	entraGroupTag   = `(device.devicePhysicalIds -any _ -eq "[OrderID]:179887111881"`
)

func TestLintDocumentedRules(t *testing.T) {
	tests := []struct {
		name, text, send string
		warnings         []string
	}{
		{"all devices (Autopilot docs)", docAllDevices, docAllDevices, nil},
		{"group tag (Autopilot docs)", docGroupTag, docGroupTag, nil},
		{"purchase order (Autopilot docs)", docPurchaseOrder, docPurchaseOrder, nil},
		{"offline profile (Autopilot docs)", docOffline, docOffline, nil},
		{"all devices (Entra reference, bare lambda)", entraAllDevices, `device.devicePhysicalIDs -any (_ -startsWith "[ZTDId]")`,
			[]string{`rule:1:31: the -any lambda is not in parentheses, a form the Entra portal refuses ("Invalid operands found for operator"); it is sent as (_ -startsWith "[ZTDId]")`}},
		{"bare lambda inside parentheses, twice", `(device.devicePhysicalIds -any _ -eq "[OrderID]:A") -or (device.devicePhysicalIds -all _ -ne "x")`,
			`(device.devicePhysicalIds -any (_ -eq "[OrderID]:A")) -or (device.devicePhysicalIds -all (_ -ne "x"))`,
			[]string{`rule:1:32: the -any lambda`, `rule:1:88: the -all lambda`}},
		{"contains [ZTDId]", `(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))`, `(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))`,
			[]string{`rule:1:35: -contains "[ZTDId]" matches the text anywhere in a physical id; physical ids start with their type, so -startsWith is exact and cheaper; write -startsWith "[ZTDId]"`}},
		{"contains on another property is fine", `device.displayName -contains "[ZTDId]"`, `device.displayName -contains "[ZTDId]"`, nil},
		{"eq a type alone never matches", `(device.devicePhysicalIds -any (_ -eq "[ZTDId]"))`, `(device.devicePhysicalIds -any (_ -eq "[ZTDId]"))`,
			[]string{`rule:1:35: -eq "[ZTDId]" never matches: a physical id is its type followed by a value, like "[ZTDId]:…"; write -startsWith "[ZTDId]"`}},
		{"eq a full id is fine", `(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))`, `(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))`, nil},
		{"property names in any case", `(device.DEVICEPHYSICALIDS -any (_ -eq "[OrderID]:x")) -and device.EnrollmentProfileName -ne null`,
			`(device.DEVICEPHYSICALIDS -any (_ -eq "[OrderID]:x")) -and device.EnrollmentProfileName -ne null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Lint(tt.text)
			if err != nil {
				t.Fatalf("Lint: %v", err)
			}
			if l.Send != tt.send {
				t.Errorf("Send = %s\n want %s", l.Send, tt.send)
			}
			if len(l.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %v, want %d", l.Warnings, len(tt.warnings))
			}
			for i, w := range l.Warnings {
				if !strings.HasPrefix(w.String(), tt.warnings[i]) {
					t.Errorf("warning %d = %s\n want prefix %s", i, w, tt.warnings[i])
				}
			}
			if again, err := Lint(l.Send); err != nil || len(again.Warnings) != 0 && strings.Contains(again.Warnings[0].Message, "lambda") {
				t.Errorf("the text sent lints with %v, %v", again, err)
			}
		})
	}
}

func TestLintErrors(t *testing.T) {
	long := `device.displayName -eq "` + strings.Repeat("x", MaxLength) + `"`
	tests := []struct {
		name, text, want, excerpt string
	}{
		{"Entra example missing its parenthesis", entraGroupTag,
			`rule:1:62: expected ")" to close the "(" at 1:1, found the end of the rule`,
			"  " + entraGroupTag + "\n  " + strings.Repeat(" ", 61) + "^"},
		{"Autopilot all-devices rule missing its last parenthesis", docAllDevices[:len(docAllDevices)-1],
			`rule:1:57: expected ")" to close the "(" at 1:1, found the end of the rule`,
			"  " + docAllDevices[:len(docAllDevices)-1] + "\n  " + strings.Repeat(" ", 56) + "^"},
		{"user property", `(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")) -and user.department -eq "Sales"`,
			`rule:1:64: user properties can't be used in a device membership rule ("user.department")`, ""},
		{"unknown device property", `device.groupTag -eq "Sales"`, `rule:1:1: unknown device property "groupTag"`, ""},
		{"over 3,072 characters", long, `rule:1:3073: rule is 3097 characters long; Entra allows at most 3072`, ""},
		{"second line", "device.displayName -eq \"a\" -and\ndevice.model -eq \"b\"", `rule:2:1: unknown device property "model"`,
			"  device.model -eq \"b\"\n  ^"},
		{"bare lambdas that parentheses take over the limit", `device.devicePhysicalIds -any _ -eq "` + strings.Repeat("x", MaxLength-38) + `"`,
			`rule:1:3073: with its lambdas in parentheses the rule is over 3072 characters: rule:1:3073: rule is 3074 characters long; Entra allows at most 3072`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Lint(tt.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Lint = %v, want a *SyntaxError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if tt.excerpt != "" && se.Excerpt() != tt.excerpt {
				t.Errorf("excerpt\n got %q\nwant %q", se.Excerpt(), tt.excerpt)
			}
		})
	}
}

func TestExcerptWindowsLongLines(t *testing.T) {
	text := `device.displayName -eq "` + strings.Repeat("a", 200) + `" -and device.color -eq "x"`
	_, err := Parse(text)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	lines := strings.Split(se.Excerpt(), "\n")
	if n := len([]rune(lines[0])); n > 2+1+excerptWidth+1 || !strings.HasPrefix(lines[0], "  …") {
		t.Errorf("excerpt line is %d characters: %q", len([]rune(lines[0])), lines[0])
	}
	caret := strings.Index(lines[1], "^")
	if got := string([]rune(lines[0])[caret:]); !strings.HasPrefix(got, "device.color") {
		t.Errorf("caret points at %q", got)
	}
}

func TestExplain(t *testing.T) {
	r, err := Parse(And(AllAutopilotDevices(), Or(GroupTag("Sales"), PurchaseOrder("PO-1"))))
	if err != nil {
		t.Fatal(err)
	}
	d := Device{PhysicalIDs: []string{"[ZTDId]:abc", "[OrderID]:Sales", "[HWID]:h:1"}}
	got := r.Explain(d)
	want := []Check{
		{Condition: `device.devicePhysicalIds -any (_ -startsWith "[ZTDid]")`, Held: true, Values: []string{"[ZTDId]:abc"}},
		{Condition: `device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales")`, Held: true, Values: []string{"[OrderID]:Sales"}},
		{Condition: `device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:PO-1")`, Held: false},
	}
	if len(got) != len(want) {
		t.Fatalf("Explain = %+v", got)
	}
	for i := range want {
		if got[i].Condition != want[i].Condition || got[i].Held != want[i].Held || strings.Join(got[i].Values, ",") != strings.Join(want[i].Values, ",") {
			t.Errorf("check %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestTargetsAutopilot(t *testing.T) {
	for text, want := range map[string]bool{
		AllAutopilotDevices():   true,
		GroupTagPrefix("Sales"): true,
		PurchaseOrder("1"):      true,
		EnrollmentProfile("UD"): true,
		`device.devicePhysicalIds -any (_ -startsWith "[HWID]")`: false,
		`device.displayName -startsWith "[ZTDId]"`:               false,
		`device.devicePhysicalIds -any (_ -in ["[ztdid]:x"])`:    true,
	} {
		r, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.TargetsAutopilot(); got != want {
			t.Errorf("TargetsAutopilot(%s) = %v", text, got)
		}
	}
}

func TestEquivalent(t *testing.T) {
	if !Equivalent(entraAllDevices, `(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))`) {
		t.Error("bare and parenthesised forms differ")
	}
	if Equivalent(GroupTag("A"), GroupTag("B")) || Equivalent("x(", "y(") || !Equivalent("x(", "x(") {
		t.Error("different rules compare equal, or unparsable texts compare by meaning")
	}
}
