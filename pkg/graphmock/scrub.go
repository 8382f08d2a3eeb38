package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"
)

// scrubber replaces secrets and personal data in recordings with stable stand-ins, so one serial number
// gets the same stand-in in every request and response of a recording session. A learned value is found in every
// form it takes in a recording: raw, percent-encoded (either way for spaces, upper- or lower-case hex), JSON-escaped
// (\u0026, \/, \u00fc), in any letter case; and a UPN's local part and domain on their own.
type scrubber struct {
	standIn  map[string]string   // lower-cased original → stand-in
	variants map[string][]string // lower-cased original → the spellings seen (letter case)
	hashes   map[string]bool     // originals that are hardware hashes: base64, so case matters and URLs never hold them
	parts    map[string]string   // lower-cased UPN local part or domain → stand-in; matched as whole words only
	count    map[string]int      // stand-ins issued per kind

	// Built on first use after something new was learned.
	replacer *strings.Replacer // every form of every learned value, longest first
	partsRe  *regexp.Regexp    // UPN parts as whole words, any case
}

func newScrubber() *scrubber {
	return &scrubber{standIn: map[string]string{}, variants: map[string][]string{}, hashes: map[string]bool{},
		parts: map[string]string{}, count: map[string]int{}}
}

const (
	scrubbedTenant = "00000000-0000-0000-0000-000000000000"
	scrubbedDomain = "contoso.example"
	// minPartLen keeps very short UPN local parts ("a", "jo") from being replaced inside unrelated words.
	minPartLen = 3
)

var (
	bearerToken  = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9\-._~+/]+=*`)
	jwtToken     = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	upn          = regexp.MustCompile(`(?i)[A-Za-z0-9._%+\-']+(?:@|%40|\\u0040)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	loginTenant  = regexp.MustCompile(`(?i)(login\.microsoftonline\.(?:com|us)|login\.chinacloudapi\.cn|login\.partner\.microsoftonline\.cn)/([^/"?&\s]+)`)
	serialFilter = regexp.MustCompile(`serialNumber\s*(?:,|\s+eq\s+)\s*'((?:[^']|'')+)'`)
	guid         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// learn returns the stand-in for original, issuing the next one of its kind the first time.
func (sc *scrubber) learn(kind, original string) string {
	key := strings.ToLower(original)
	if kind == "hash" {
		key = original
	}
	if original == "" || sc.isStandIn(original) {
		return original
	}
	if v, ok := sc.standIn[key]; ok {
		if !slices.Contains(sc.variants[key], original) {
			sc.variants[key] = append(sc.variants[key], original)
			sc.replacer = nil
		}
		return v
	}
	sc.count[kind]++
	n := sc.count[kind]
	var v string
	switch kind {
	case "serial":
		v = fmt.Sprintf("SERIAL%04d", n)
	case "hash":
		v = base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("scrubbed hardware hash %04d %s", n, strings.Repeat("0", 64))))
	case "upn":
		v = fmt.Sprintf("user%d@%s", n, scrubbedDomain)
		local, domain, _ := strings.Cut(key, "@")
		if len(local) >= minPartLen {
			sc.parts[local] = fmt.Sprintf("user%d", n)
		}
		sc.parts[domain] = scrubbedDomain
	case "tenant":
		v = scrubbedTenant
	}
	if kind == "hash" {
		key = original
		sc.hashes[key] = true
	}
	sc.standIn[key] = v
	sc.variants[key] = []string{original}
	sc.replacer, sc.partsRe = nil, nil
	return v
}

func (sc *scrubber) isStandIn(s string) bool {
	for _, v := range sc.standIn {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	for _, v := range sc.parts {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// forms lists how v can appear in a recording: as spelt, in lower and in upper case; raw or percent-encoded
// (path style, query style with "+" or "%20"); each of those raw or JSON-escaped (Go's \u0026 style, .NET's
// escaping of every non-ASCII and HTML-sensitive character, and "\/"); hex digits in either case. A hardware hash
// is base64 in a JSON body: only its JSON escapes, as spelt.
func forms(v string, hash bool) []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	cases := []string{v}
	if !hash {
		cases = append(cases, strings.ToLower(v), strings.ToUpper(v))
	}
	for _, c := range cases {
		encoded := []string{c}
		if !hash {
			q := url.QueryEscape(c)
			encoded = append(encoded, url.PathEscape(c), q, strings.ReplaceAll(q, "+", "%20"))
		}
		for _, p := range encoded {
			for _, j := range []string{p, jsonEscape(p), netJSONEscape(p)} {
				for _, f := range []string{j, strings.ReplaceAll(j, "/", `\/`)} {
					add(f)
					add(escapedHex.ReplaceAllStringFunc(f, strings.ToLower))
				}
			}
		}
	}
	return out
}

// escapedHex finds %XX and \uXXXX escapes, whose hex digits may come in either case.
var escapedHex = regexp.MustCompile(`%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}`)

// jsonEscape is v as encoding/json writes it inside a string (<, >, & as \u003c…).
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// netJSONEscape is v as .NET's default JSON encoder writes it: every non-ASCII and HTML-sensitive character as \uXXXX.
func netJSONEscape(v string) string {
	var b strings.Builder
	for _, r := range jsonEscape(v) {
		switch {
		case r > 0xFFFF:
			for _, s := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04X`, s)
			}
		case r > 0x7E || strings.ContainsRune("<>&'+`", r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// build makes the replacer for every form of every learned value (longest first, so that no value is left half
// replaced) and the pattern for UPN parts, which match only as whole words in any case.
func (sc *scrubber) build() {
	if sc.replacer != nil {
		return
	}
	type pair struct{ form, standIn string }
	var pairs []pair
	for key, standIn := range sc.standIn {
		for _, spelling := range sc.variants[key] {
			for _, f := range forms(spelling, sc.hashes[key]) {
				pairs = append(pairs, pair{f, standIn})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if d := len(b.form) - len(a.form); d != 0 {
			return d
		}
		return strings.Compare(a.form, b.form)
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.form, p.standIn)
	}
	sc.replacer = strings.NewReplacer(args...)

	var words []string
	for part := range sc.parts {
		for _, f := range forms(part, false) {
			words = append(words, regexp.QuoteMeta(f))
		}
	}
	if len(words) > 0 {
		slices.SortFunc(words, func(a, b string) int { return len(b) - len(a) })
		sc.partsRe = regexp.MustCompile(`(?i)\b(?:` + strings.Join(words, "|") + `)\b`)
	}
}

// part is the stand-in for a matched UPN part in whatever form it was found.
func (sc *scrubber) part(m string) string {
	for part, standIn := range sc.parts {
		for _, f := range forms(part, false) {
			if strings.EqualFold(f, m) {
				return standIn
			}
		}
	}
	return m
}

// interaction scrubs it: first it learns the values to hide from JSON properties (serialNumber,
// hardwareIdentifier, tid/tenantId) and from the URL, then it rewrites every text (URL, bodies, headers).
func (sc *scrubber) interaction(it Interaction) Interaction {
	sc.learnJSON(it.Request.Body)
	sc.learnJSON(it.Response.Body)
	sc.learnURL(it.Request.URL)
	it.Request.URL = sc.url(it.Request.URL)
	it.Request.Body = json.RawMessage(sc.text(string(it.Request.Body)))
	it.Response.Body = json.RawMessage(sc.text(string(it.Response.Body)))
	headers := map[string]string{}
	for k, v := range it.Response.Headers {
		switch strings.ToLower(k) {
		case "authorization", "set-cookie", "www-authenticate":
			continue
		}
		if strings.EqualFold(k, "Location") {
			headers[k] = sc.url(v)
		} else {
			headers[k] = sc.text(v)
		}
	}
	it.Response.Headers = headers
	return it
}

// learnURL learns the serials a URL filters on, whichever way the URL was encoded ("+" may be a space or a plus).
func (sc *scrubber) learnURL(raw string) {
	for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
		u, err := unescape(raw)
		if err != nil {
			continue
		}
		for _, m := range serialFilter.FindAllStringSubmatch(u, -1) {
			sc.learn("serial", strings.ReplaceAll(m[1], "''", "'"))
		}
	}
}

// url scrubs a URL piece by piece: each path segment and query value is decoded, scrubbed and encoded again
// (only when it changed), so a value is found however the client encoded it; then the whole is scrubbed as text.
func (sc *scrubber) url(raw string) string {
	path, query, hasQuery := strings.Cut(raw, "?")
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		segs[i] = sc.component(seg, url.PathUnescape, escapeExcept("/?#"))
	}
	out := strings.Join(segs, "/")
	if hasQuery {
		pairs := strings.Split(query, "&")
		for i, pair := range pairs {
			k, v, hasValue := strings.Cut(pair, "=")
			if hasValue {
				v = sc.component(v, url.PathUnescape, escapeExcept("&+=#"))
				v = sc.component(v, url.QueryUnescape, escapeExcept("&+=#"))
				pairs[i] = k + "=" + v
			}
		}
		out += "?" + strings.Join(pairs, "&")
	}
	return sc.text(out)
}

func (sc *scrubber) component(s string, unescape func(string) (string, error), escape func(string) string) string {
	dec, err := unescape(s)
	if err != nil {
		return s
	}
	if scrubbed := sc.text(dec); scrubbed != dec {
		return escape(scrubbed)
	}
	return s
}

// escapeExcept returns an encoder that escapes only what a URL part needs (%, space, controls, non-ASCII and
// the part's delimiters special), so a scrubbed part keeps the look of the rest of the URL.
func escapeExcept(special string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c <= ' ' || c >= 0x7f || c == '%' || strings.IndexByte(special, c) >= 0 {
				fmt.Fprintf(&b, "%%%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		return b.String()
	}
}

func (sc *scrubber) learnJSON(raw json.RawMessage) {
	var v any
	if json.Unmarshal(raw, &v) == nil {
		sc.walk("", v)
	}
}

func (sc *scrubber) walk(key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			sc.walk(k, child)
		}
	case []any:
		for _, child := range v {
			sc.walk(key, child)
		}
	case string:
		switch strings.ToLower(key) {
		case "serialnumber":
			sc.learn("serial", v)
		case "hardwareidentifier":
			sc.learn("hash", v)
		case "tid", "tenantid", "tenant":
			if guid.MatchString(v) {
				sc.learn("tenant", v)
			}
		}
	}
}

// text rewrites s: tokens are redacted, sign-in URLs lose their tenant, UPNs and learned values (in every form)
// get their stand-ins.
func (sc *scrubber) text(s string) string {
	s = bearerToken.ReplaceAllString(s, "Bearer REDACTED")
	s = jwtToken.ReplaceAllString(s, "REDACTED")
	s = loginTenant.ReplaceAllString(s, "${1}/"+scrubbedTenant)
	for _, m := range upn.FindAllString(s, -1) {
		m = strings.NewReplacer("%40", "@", `\u0040`, "@").Replace(m)
		if dec, err := url.PathUnescape(m); err == nil {
			m = dec
		}
		sc.learn("upn", m)
	}
	sc.build()
	s = sc.replacer.Replace(s)
	if sc.partsRe != nil {
		s = sc.partsRe.ReplaceAllStringFunc(s, sc.part)
	}
	return s
}
