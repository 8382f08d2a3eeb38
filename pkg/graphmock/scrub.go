package graphmock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// scrubber replaces secrets and personal data in recordings with stable stand-ins, so one serial number
// gets the same stand-in in every request and response of a recording session.
type scrubber struct {
	standIn map[string]string // original → stand-in
	count   map[string]int    // stand-ins issued per kind
}

func newScrubber() *scrubber {
	return &scrubber{standIn: map[string]string{}, count: map[string]int{}}
}

const scrubbedTenant = "00000000-0000-0000-0000-000000000000"

var (
	bearerToken  = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9\-._~+/]+=*`)
	jwtToken     = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	upn          = regexp.MustCompile(`[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	loginTenant  = regexp.MustCompile(`(?i)(login\.microsoftonline\.(?:com|us)|login\.chinacloudapi\.cn|login\.partner\.microsoftonline\.cn)/([^/"?&\s]+)`)
	serialFilter = regexp.MustCompile(`serialNumber\s*(?:,|\s+eq\s+)\s*'([^']+)'`)
	guid         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// learn returns the stand-in for original, issuing the next one of its kind the first time.
func (sc *scrubber) learn(kind, original string) string {
	if original == "" || slices.Contains(sc.standIns(), original) {
		return original
	}
	if v, ok := sc.standIn[original]; ok {
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
		v = fmt.Sprintf("user%d@contoso.example", n)
	case "tenant":
		v = scrubbedTenant
	}
	sc.standIn[original] = v
	return v
}

func (sc *scrubber) standIns() []string {
	out := make([]string, 0, len(sc.standIn))
	for _, v := range sc.standIn {
		out = append(out, v)
	}
	return out
}

// interaction scrubs it: first it learns the values to hide from JSON properties (serialNumber,
// hardwareIdentifier, tid/tenantId) and from the URL, then it rewrites every text (URL, bodies, headers).
func (sc *scrubber) interaction(it Interaction) Interaction {
	sc.learnJSON(it.Request.Body)
	sc.learnJSON(it.Response.Body)
	if u, err := url.QueryUnescape(it.Request.URL); err == nil {
		for _, m := range serialFilter.FindAllStringSubmatch(u, -1) {
			sc.learn("serial", m[1])
		}
	}
	it.Request.URL = sc.text(it.Request.URL)
	it.Request.Body = json.RawMessage(sc.text(string(it.Request.Body)))
	it.Response.Body = json.RawMessage(sc.text(string(it.Response.Body)))
	headers := map[string]string{}
	for k, v := range it.Response.Headers {
		switch strings.ToLower(k) {
		case "authorization", "set-cookie", "www-authenticate":
			continue
		}
		headers[k] = sc.text(v)
	}
	it.Response.Headers = headers
	return it
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

// text rewrites s: tokens are redacted, sign-in URLs lose their tenant, UPNs and learned values get their
// stand-ins (longest original first, so no original is left half replaced).
func (sc *scrubber) text(s string) string {
	s = bearerToken.ReplaceAllString(s, "Bearer REDACTED")
	s = jwtToken.ReplaceAllString(s, "REDACTED")
	s = loginTenant.ReplaceAllString(s, "${1}/"+scrubbedTenant)
	s = upn.ReplaceAllStringFunc(s, func(m string) string {
		return sc.learn("upn", strings.Replace(m, "%40", "@", 1))
	})
	originals := make([]string, 0, len(sc.standIn))
	for k := range sc.standIn {
		originals = append(originals, k)
	}
	slices.SortFunc(originals, func(a, b string) int { return len(b) - len(a) })
	for _, o := range originals {
		s = strings.ReplaceAll(s, o, sc.standIn[o])
	}
	return s
}
