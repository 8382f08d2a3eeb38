package rule

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, text, canonical string
	}{
		{"all autopilot devices (documented)", `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`,
			`device.devicePhysicalIds -any (_ -startsWith "[ZTDid]")`},
		{"lambda without parentheses (documented form)", `device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"`,
			`device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")`},
		{"precedence not > and > or", `device.displayName -eq "a" -or device.deviceModel -eq "b" -and -not device.isRooted -eq true`,
			`device.displayName -eq "a" -or (device.deviceModel -eq "b" -and -not (device.isRooted -eq true))`},
		{"parentheses override precedence", `(device.displayName -eq "a" -or device.deviceModel -eq "b") -and device.accountEnabled -eq false`,
			`(device.displayName -eq "a" -or device.deviceModel -eq "b") -and device.accountEnabled -eq false`},
		{"case-insensitive names, operators without hyphen", `device.DisplayName EQ "x" and not (device.deviceOSType -IN ["Windows","iOS"])`,
			`device.displayName -eq "x" -and -not (device.deviceOSType -in ["Windows","iOS"])`},
		{"nested chains flatten", `(device.deviceModel -eq "a" -and device.deviceModel -eq "b") -and device.deviceModel -eq "c"`,
			`device.deviceModel -eq "a" -and device.deviceModel -eq "b" -and device.deviceModel -eq "c"`},
		{"memberOf with single quotes", `device.memberof -any (group.objectId -in ['a''b', 'c'])`,
			`device.memberOf -any (group.objectId -in ["a'b","c"])`},
		{"backtick escapes", "device.displayName -eq \"say `\"hi`\" `` `x\"",
			"device.displayName -eq \"say `\"hi`\" `` ``x\""},
		{"match and null", `device.deviceModel -match "^Surface.*" -and device.enrollmentProfileName -ne null`,
			`device.deviceModel -match "^Surface.*" -and device.enrollmentProfileName -ne null`},
		{"string collection compared directly", `device.systemLabels -startsWith "M365"`, `device.systemLabels -startsWith "M365"`},
		{"-all with negated operator", `device.devicePhysicalIds -all (_ -notStartsWith "[OrderID]")`,
			`device.devicePhysicalIds -all (_ -notStartsWith "[OrderID]")`},
		{"extension attribute", `device.extensionAttribute15 -notEndsWith "x"`, `device.extensionAttribute15 -notEndsWith "x"`},
		{"exactly the maximum length", `device.displayName -eq "` + strings.Repeat("é", MaxLength-25) + `"`,
			`device.displayName -eq "` + strings.Repeat("é", MaxLength-25) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if got := r.String(); got != tt.canonical {
				t.Errorf("String() = %q, want %q", got, tt.canonical)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{``, `rule:1:1: rule is empty`},
		{"  \t", `rule:1:1: rule is empty`},
		{strings.Repeat("é", MaxLength+1), `rule:1:3073: rule is 3073 characters long; Entra allows at most 3072`},
		{`(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]")`, `rule:1:57: expected ")" to close the "(" at 1:1, found the end of the rule`},
		{`(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]" -and _ -eq "x"))`, `rule:1:57: expected ")" after "-any" lambda`},
		{`device.displayName -eq "a")`, `rule:1:27: unexpected ")" with no matching "("`},
		{`device.displayName -eq "a" "b"`, `rule:1:28: unexpected "b" after a complete expression; join expressions with -and or -or`},
		{`device.displayName -eq "a`, `rule:1:24: string starting here has no closing "`},
		{`device.memberOf -any (group.objectId -in ['a])`, `rule:1:43: string starting here has no closing '`},
		{`device.displayName -foo "a"`, `rule:1:20: unknown operator "-foo"`},
		{`device.displayName -ge "a"`, `rule:1:20: unknown operator "-ge"`},
		{`device.color -eq "a"`, `rule:1:1: unknown device property "color"`},
		{`device.extensionAttribute16 -eq "a"`, `rule:1:1: unknown device property "extensionAttribute16"`},
		{`user.department -eq "Sales"`, `rule:1:1: user properties can't be used in a device membership rule ("user.department")`},
		{`device.displayName -eq "a" -or user.city -eq "b"`, `rule:1:32: user properties can't be used in a device membership rule ("user.city")`},
		{`group.objectId -eq "x"`, `rule:1:1: expected a device property such as device.displayName, found "group.objectId"`},
		{`device.displayName -any (_ -eq "x")`, `rule:1:20: "-any" needs a multi-valued property; device.displayName has a single value`},
		{`device.deviceModel -all _ -eq "x"`, `rule:1:20: "-all" needs a multi-valued property; device.deviceModel has a single value`},
		{`device.devicePhysicalIds -any (x -eq "a")`, `rule:1:32: expected "_" in the "-any" lambda, found "x"`},
		{`device.displayName -in "x"`, `rule:1:24: -in needs a list of values such as ["a","b"], found "x"`},
		{`device.displayName -eq ["x"]`, `rule:1:24: -eq takes a single value; only -in and -notIn take a list`},
		{`device.displayName -in ["a" "b"]`, `rule:1:29: expected "," or "]" in the -in list, found "b"`},
		{`device.displayName -notIn []`, `rule:1:28: expected a quoted string in the -notIn list, found "]"`},
		{`device.displayName -startsWith null`, `rule:1:32: null can only be compared with -eq or -ne, not -startsWith`},
		{`device.displayName -eq true`, `rule:1:24: device.displayName is a string; write the value in double quotes`},
		{`device.displayName -eq Sales`, `rule:1:24: expected a value (a quoted string, true, false or null) after -eq, found "Sales"`},
		{`device.accountEnabled -eq "true"`, `rule:1:27: device.accountEnabled is true or false; write the value without quotes`},
		{`device.isRooted -contains "t"`, `rule:1:17: device.isRooted is true or false; compare it with -eq or -ne, not -contains`},
		{`device.displayName -match "("`, `rule:1:27: invalid regular expression "(" after -match: missing closing )`},
		{`device.displayName –eq "x"`, `rule:1:20: found a dash "–"; operators start with a hyphen "-"`},
		{`device.displayName - "a"`, `rule:1:20: expected an operator name after "-"`},
		{`device.displayName -eq "a" & x`, `rule:1:28: unexpected character '&'`},
		{`device.displayName`, `rule:1:19: expected an operator after device.displayName, found the end of the rule`},
		{`device.displayName -eq`, `rule:1:23: expected a value (a quoted string, true, false or null) after -eq, found the end of the rule`},
		{`device.displayName -eq "a" -and`, `rule:1:32: expected a device property such as device.displayName, found the end of the rule`},
		{`-not`, `rule:1:5: expected a device property such as device.displayName, found the end of the rule`},
		{`device.displayName -eq "x" -and device.memberOf -any (group.objectId -in ['a'])`, `rule:1:33: device.memberOf can't be combined with other expressions`},
		{`device.memberOf -eq "a"`, `rule:1:17: device.memberOf supports only -any (group.objectId -in ['<group id>', ...])`},
		{`device.memberOf -any (group.objectId -eq "a")`, `rule:1:38: device.memberOf supports only -any (group.objectId -in ['<group id>', ...])`},
		{`device.memberOf -any (group.objectId -in [` + strings.Repeat(`"g",`, 50) + `"g"])`, `rule:1:38: device.memberOf lists 51 groups; at most 50 are allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r, err := Parse(tt.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tt.text, r, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.text, err, tt.want)
			}
		})
	}
}
