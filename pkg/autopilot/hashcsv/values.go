package hashcsv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// The rules for values that reach Graph, the same for a CSV cell and for a flag or argument: Validator applies
// them to rows, and the commands (through autopilot.ValidateSerial, ValidateGroupTag, ValidateUPN) to flags.
// Messages name the value ("group tag …") but not where it came from; callers add the file and line, or the flag.

// MaxGroupTagLength is the longest group tag accepted, in characters.
// Neither the Graph reference nor the Autopilot docs state a limit for
// groupTag (the device's OrderID); 128 is a conservative choice and the
// value other Autopilot tools enforce on updateDeviceProperties.
const MaxGroupTagLength = 128

// MaxSerialNumberLength is the longest serial number accepted, in characters. No limit is documented; firmware
// serial numbers are short (SMBIOS tools show at most a few dozen characters), and a longer value is a broken
// file whose "serial number" would otherwise end up in a request URL.
const MaxSerialNumberLength = 128

// CheckSerialNumber refuses an empty serial number, one with control or format characters, or one longer than
// MaxSerialNumberLength.
func CheckSerialNumber(s string) error {
	if s == "" {
		return errors.New("serial number is missing")
	}
	if err := safetext.Check("serial number", s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > MaxSerialNumberLength {
		return fmt.Errorf("serial number is %d characters long; the limit is %d", n, MaxSerialNumberLength)
	}
	return nil
}

// CheckGroupTag refuses a group tag with control or format characters, or longer than MaxGroupTagLength.
// "" (no group tag) is valid.
func CheckGroupTag(tag string) error {
	if err := safetext.Check("group tag", tag); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(tag); n > MaxGroupTagLength {
		return fmt.Errorf("group tag is %d characters long; the limit is %d", n, MaxGroupTagLength)
	}
	return nil
}

// Entra ID's rules for a userPrincipalName, from "Password policies and account restrictions in Microsoft Entra
// ID", section "Username policies":
// https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#username-policies
// Allowed: A–Z, a–z, 0–9 and ' . - _ ! # ^ ~; no "@" but the one separating the username from the domain; no
// "." right before the "@"; at most 113 characters, 64 before the "@" and 48 after it. A dot may not start
// the username or come twice in a row either (RFC 5322's dot-atom, which the UPN's e-mail form follows), and the
// domain is a DNS name: letters, digits and hyphens in labels that neither start nor end with a hyphen,
// separated by dots. The service refuses a whole import request for one bad UPN, so each is checked here.
const (
	maxUPNLength       = 113
	maxUPNUsername     = 64
	maxUPNDomain       = 48
	upnUsernameSymbols = "'.-_!#^~"
	upnAllowed         = "letters A–Z and a–z, digits and ' . - _ ! # ^ ~"
)

// CheckUPN refuses a user principal name that Entra ID would not accept. Messages start with the quoted value:
// `"=1+1@x.com" is not a user principal name: '=' is not allowed before the @ (…)`.
func CheckUPN(upn string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s is not a user principal name: %s", safetext.Quote(upn), fmt.Sprintf(format, args...))
	}
	if err := safetext.Check("it", upn); err != nil {
		return bad("%v", err)
	}
	username, domain, ok := strings.Cut(upn, "@")
	switch n := utf8.RuneCountInString(upn); {
	case !ok:
		return fmt.Errorf("%s is not a user principal name like user@contoso.com", safetext.Quote(upn))
	case strings.Contains(domain, "@"):
		return bad("it has more than one @")
	case username == "":
		return bad("nothing before the @")
	case domain == "":
		return bad("nothing after the @")
	case n > maxUPNLength:
		return bad("it is %d characters long; Entra ID allows %d", n, maxUPNLength)
	}
	for _, r := range username {
		if !asciiAlnum(r) && !strings.ContainsRune(upnUsernameSymbols, r) {
			return bad("%s is not allowed before the @ (Entra ID allows %s)", describeChar(r), upnAllowed)
		}
	}
	switch {
	case len(username) > maxUPNUsername:
		return bad("%d characters before the @; Entra ID allows %d", len(username), maxUPNUsername)
	case strings.HasPrefix(username, "."):
		return bad("it starts with a dot")
	case strings.HasSuffix(username, "."):
		return bad("a dot right before the @")
	case strings.Contains(username, ".."):
		return bad("two dots in a row before the @")
	}
	if msg := domainProblem(domain); msg != "" {
		return bad("%s", msg)
	}
	return nil
}

// domainProblem says what is wrong with a UPN's domain, or "".
func domainProblem(domain string) string {
	for _, r := range domain {
		if !asciiAlnum(r) && r != '-' && r != '.' {
			return fmt.Sprintf("%s is not allowed after the @ (a domain has letters A–Z and a–z, digits, hyphens and dots)", describeChar(r))
		}
	}
	if len(domain) > maxUPNDomain {
		return fmt.Sprintf("%d characters after the @; Entra ID allows %d", len(domain), maxUPNDomain)
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("the domain %q has no dot, like contoso.com", domain)
	}
	for _, l := range labels {
		switch {
		case l == "":
			return fmt.Sprintf("the domain %q has an empty part (a dot at the start or end, or two in a row)", domain)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return fmt.Sprintf("the domain part %q starts or ends with a hyphen", l)
		}
	}
	return ""
}

func asciiAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// describeChar shows a character for a message: '=' or, beyond ASCII, 'ü' (U+00FC).
func describeChar(r rune) string {
	if r < utf8.RuneSelf {
		return fmt.Sprintf("%q", r)
	}
	return fmt.Sprintf("%q (U+%04X)", r, r)
}

// DecodeHardwareHash decodes a hardware hash as Graph's hardwareIdentifier (Edm.Binary) carries it: standard
// base64. A hash whose final "=" padding was lost (spreadsheets and copy-paste drop it; the admin center then
// answers "Edm.Binary" errors) decodes too, to the same bytes, so what is sent (the SDK encodes []byte as
// standard base64) is always the canonical padded form. Anything else that is not standard base64 is an error.
func DecodeHardwareHash(hash string) ([]byte, error) {
	return decodeHash(nil, hash)
}

// decodeHash decodes into dst's space when it is large enough (the Validator reuses one buffer).
func decodeHash(dst []byte, hash string) ([]byte, error) {
	raw, err := decodeStd(dst, hash)
	// base64 ignores line breaks, so they do not count towards the length padding completes.
	text := len(hash) - strings.Count(hash, "\r") - strings.Count(hash, "\n")
	if pad := (4 - text%4) % 4; err != nil && (pad == 1 || pad == 2) {
		if raw, padErr := decodeStd(raw, hash+"=="[:pad]); padErr == nil {
			return raw, nil
		}
	}
	return raw, err
}

func decodeStd(dst []byte, s string) ([]byte, error) {
	if n := base64.StdEncoding.DecodedLen(len(s)); cap(dst) < n {
		dst = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(dst[:cap(dst)], []byte(s))
	if err == nil && n == 0 {
		err = errors.New("empty")
	}
	return dst[:n], err
}

// placeholderSerials are what firmware reports when the manufacturer (or a motherboard's builder) never set a
// serial number: AMI and Insyde BIOS defaults, ASRock and other board makers' unset SMBIOS fields, and the
// "not set" words inventory tools discard. Kept as letters and digits only, lower case (see placeholderKey).
var placeholderSerials = map[string]bool{
	"defaultstring": true, "systemserialnumber": true, "tobefilledbyoem": true, "chassisserialnumber": true,
	"baseboardserialnumber": true, "serialnumber": true, "notapplicable": true, "notspecified": true,
	"notavailable": true, "na": true, "none": true, "null": true, "unknown": true, "empty": true, "invalid": true,
	"default": true, "oem": true, "0123456789": true, "123456789": true, "1234567890": true,
	"0123456789abcdef": true,
}

// PlaceholderSerial reports whether s is a firmware placeholder rather than a real serial number ("Default
// string", "System Serial Number", "To Be Filled By O.E.M.", "0123456789", "00000000", "XXXXXXXX", …): many
// devices share it, so it cannot tell them apart. Case, spaces and punctuation do not matter.
func PlaceholderSerial(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	key := placeholderKey(s)
	if key == "" || placeholderSerials[key] {
		return true
	}
	// One character repeated: "0", "00000000", "XXXXXXXX", "FFFFFFFF".
	return strings.Count(key, key[:1]) == len(key)
}

func placeholderKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
