package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// jsonDocRun is one command run on the mock whose -o json output a section of docs/json.md describes.
type jsonDocRun struct {
	section string // the section's heading, as written
	args    []string
	code    int
}

// jsonDocRuns run in order on one demo tenant: each section gets the runs that make its fields appear.
func jsonDocRuns(t *testing.T) []jsonDocRun {
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.csv")
	if err := os.WriteFile(invalid, []byte("Device Serial Number,Windows Product ID,Hardware Hash\nSN-X,,not base64!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A layout, then the same with an ESP setting changed (update), the profile's join type changed (replace)
	// and the profile on a group an older profile targets too (warning).
	layout := filepath.Join(dir, "autopilot.yaml")
	changed := filepath.Join(dir, "changed.yaml")
	const layoutBody = "groups:\n  - displayName: Layout - Sales\n    groupTag: LayoutSales\n" +
		"esps:\n  - displayName: Layout ESP\n    priority: 1\n    showInstallationProgress: true\n    installProgressTimeoutInMinutes: 60\n    assign: [Layout - Sales]\n" +
		"profiles:\n  - displayName: Layout profile\n    mode: user-driven\n    join: entra\n    assign: [Layout - Sales]\n"
	changedBody := strings.NewReplacer("TimeoutInMinutes: 60", "TimeoutInMinutes: 90", "join: entra\n    assign: [Layout - Sales]",
		"join: hybrid\n    assign: [Layout - Sales, Autopilot - All devices]").Replace(layoutBody)
	for path, body := range map[string]string{layout: layoutBody, changed: changedBody} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const (
		imp   = "`device import`"
		tag   = "`device tag`, `device delete`, `device assign-user`, `device unassign-user`"
		sync  = "`device sync`"
		list  = "`device list`, `device show`"
		auth  = "`auth status`"
		ver   = "`version`"
		gcre  = "`group create`, `group delete`"
		gprev = "`group preview`"
		gshow = "`group show`, `group list`, `group members`, `group wait`"
		pcre  = "`prep create`, `prep update`"
		pver  = "`prep verify`"
		pshow = "`prep show`, `prep list`, `prep delete`"
		ewr   = "`esp create|update|assign|unassign|set-priority|delete`, `profile create|update|assign|unassign|delete`"
		eshow = "`esp list`, `esp show`, `profile list`, `profile show`"
		diag  = "`device diagnose`"
		plan  = "`plan`"
		apply = "`apply`"
		exp   = "`export`"
	)
	return []jsonDocRun{
		{imp, []string{"device", "import", "../../examples/devices.csv", "--sync"}, 0},
		{imp, []string{"device", "import", "../../examples/devices.csv", "--group-tag", "Other", "--assigned-user", "ada@contoso.example"}, 0},
		{imp, []string{"device", "import", invalid}, 2},
		{tag, []string{"device", "tag", "DEMO-0001", "NOPE", "--group-tag", "X"}, 3},
		{tag, []string{"device", "assign-user", "DEMO-0002", "adele.vance@contoso.example", "--display-name", "Adele"}, 0},
		{sync, []string{"device", "sync"}, 3}, // refused: the import's sync is running
		{list, []string{"device", "list"}, 0},
		{list, []string{"device", "show", "5CG2461KX7"}, 0},
		{auth, []string{"auth", "status", "--need", "device list"}, 0},
		{ver, []string{"version"}, 0},
		{gcre, []string{"group", "create", "Autopilot - Marketing", "--group-tag", "Marketing"}, 0},
		{gcre, []string{"group", "create", "Autopilot - Marketing", "--group-tag", "Marketing-EMEA", "--description", "EMEA", "--update", "--dry-run"}, 0},
		{gcre, []string{"group", "create", "Autopilot - Marketing", "--group-tag", "Marketing-EMEA", "--description", "EMEA", "--update"}, 0},
		{gcre, []string{"group", "create", "Scratch", "--assigned"}, 0},
		{gcre, []string{"group", "delete", "Scratch", "--yes"}, 0},
		{gprev, []string{"group", "preview", "--group", "Autopilot - Sales"}, 0},
		{gprev, []string{"group", "preview", "--group-tag", "Sales", "--explain", "5CG2461KX7"}, 0},
		{gprev, []string{"group", "preview", "--enrollment-profile", "UD - Entra join"}, 0},
		{gshow, []string{"group", "show", "Autopilot - Sales"}, 0},
		{gshow, []string{"group", "list"}, 0},
		{gshow, []string{"group", "members", "Autopilot - Sales"}, 0},
		{gshow, []string{"group", "wait", "Autopilot - Marketing"}, 0},
		{gcre, []string{"group", "create", "DPP - Sales users", "--assigned"}, 0},
		{pcre, []string{"prep", "create", "DPP - Sales", "--device-group", "DPP - Sales devices", "--create-device-group",
			"--user-group", "DPP - Sales users", "--app", "Company Portal", "--timeout", "90m"}, 0},
		{pcre, []string{"prep", "update", "DPP - Sales", "--allow-diagnostics"}, 0},
		{pver, []string{"prep", "verify", "--all"}, 0},
		{pshow, []string{"prep", "show", "DPP - Sales"}, 0},
		{pshow, []string{"prep", "list"}, 0},
		{gshow, []string{"group", "show", "DPP - Sales devices"}, 0}, // owned by the Provisioning Client
		{ewr, []string{"esp", "create", "ESP Marketing", "--show-installation-progress", "--assign", "Autopilot - Marketing", "--priority", "1"}, 0},
		{ewr, []string{"esp", "update", "ESP Marketing", "--install-progress-timeout", "90m", "--dry-run"}, 0},
		{ewr, []string{"profile", "create", "Autopilot Marketing", "--mode", "user-driven", "--assign", "Autopilot - Marketing"}, 0},
		{ewr, []string{"profile", "update", "Autopilot Marketing", "--hide-eula"}, 0},
		{eshow, []string{"esp", "list"}, 0},
		{eshow, []string{"esp", "show", "ESP Marketing"}, 0},
		{eshow, []string{"profile", "list", "--devices"}, 0},
		{eshow, []string{"profile", "show", "Autopilot Marketing"}, 0},
		{diag, []string{"device", "diagnose", "5CG2461KX7", "NOPE-1"}, 2},
		{diag, []string{"device", "diagnose", "--all", "--summary", "--expect-device-preparation"}, 1},
		{plan, []string{"plan", "-f", layout}, 0},
		{apply, []string{"apply", "-f", layout, "--yes"}, 0},
		{plan, []string{"plan", "-f", changed, "--detailed-exitcode"}, 5},
		{apply, []string{"apply", "-f", changed, "--yes"}, 0},
		{exp, []string{"export"}, 0},
		{exp, []string{"export", "--include", "esp,profiles"}, 0},
		{pshow, []string{"prep", "delete", "DPP - Sales", "--yes"}, 0},
	}
}

// notExercised are documented fields these runs cannot make appear, with why.
var notExercised = map[string][]string{
	// A service-side import error, a run interrupted before clean-up, and firmware placeholder serials need
	// knobs the demo tenant does not have; pkg/cmd/device's import tests cover them.
	"`device import`": {"importRecordsLeft", "journal", "warnings"},
	// managedDeviceId is known only for a device Intune has enrolled, which cannot be deleted; the demo tenant's
	// enrolled devices have no managed device.
	"`device tag`, `device delete`, `device assign-user`, `device unassign-user`": {"managedDeviceId"},
	// A failed verify check and a failed create: the demo tenant's policy passes every check.
	"`prep verify`":                {"fix"},
	"`prep create`, `prep update`": {"fix", "message"},
	// The demo token is a JWT with every permission, and Graph accepts it: nothing is missing, no check
	// message, no note. The answer without a sign-in (error) is checked in pkg/cmd/auth: the demo always signs in.
	"`auth status`": {"missing", "message", "note", "error"},
	// Members not yet added or no longer matched: the demo tenant settles membership at once.
	"`group preview`": {"notYetMembers", "noLongerMatched", "deviceId", "type"},
	// A group whose rule processing failed.
	"`group show`, `group list`, `group members`, `group wait`": {"errorMessage"},
}

// TestJSONDocMatchesOutput keeps docs/json.md true: every field a section documents appears in the real -o json
// output of its commands on the mock, and every top-level field of that output is named in the section.
func TestJSONDocMatchesOutput(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := parseJSONDoc(string(doc))
	env := mockFactoryEnv(t)
	seen := map[string]map[string]bool{} // section → every key in its outputs, at any depth
	for _, r := range jsonDocRuns(t) {
		sec, ok := sections[r.section]
		if !ok {
			t.Errorf("docs/json.md has no section %q", r.section)
			continue
		}
		got := run(withBuffers(testFactory(env)), append([]string{"--mock", "-o", "json"}, r.args...))
		if got.code != r.code {
			t.Errorf("%s: exit %d, want %d\n%s", strings.Join(r.args, " "), got.code, r.code, got.stderr)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(got.stdout), &v); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(r.args, " "), err, got.stdout)
			continue
		}
		if seen[r.section] == nil {
			seen[r.section] = map[string]bool{}
		}
		allKeys(v, seen[r.section])
		for _, k := range topKeys(v) {
			if !sec.mentioned[k] && !sections["The result entry (`pkg/result`)"].fields[k] {
				t.Errorf("%s: prints %q, which section %s of docs/json.md does not name", strings.Join(r.args, " "), k, r.section)
			}
		}
	}
	for name := range sections {
		if strings.HasPrefix(name, "`") && seen[name] == nil {
			t.Errorf("docs/json.md section %s has no run in jsonDocRuns", name)
		}
	}
	for name, keys := range seen {
		var missing []string
		for f := range sections[name].fields {
			if !keys[f] && !slices.Contains(notExercised[name], f) {
				missing = append(missing, f)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("docs/json.md section %s documents %v, which its commands' output does not have", name, missing)
		}
	}
}

// jsonDocSection is what one "## " section of docs/json.md says about field names.
type jsonDocSection struct {
	fields    map[string]bool // names documented as fields: a table's first column, keys in JSON and {…} shapes
	mentioned map[string]bool // every name in backticks, fields included
}

var (
	backticked = regexp.MustCompile("`([^`]+)`")
	jsonBlock  = regexp.MustCompile("(?s)```json\n(.*?)```")
	identifier = regexp.MustCompile(`[A-Za-z@][\w@.]*`)
)

// parseJSONDoc reads docs/json.md's sections by heading.
func parseJSONDoc(doc string) map[string]jsonDocSection {
	out := map[string]jsonDocSection{}
	for _, part := range strings.Split(doc, "\n## ")[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		s := jsonDocSection{fields: map[string]bool{}, mentioned: map[string]bool{}}
		for _, line := range strings.Split(body, "\n") {
			if cells := strings.Split(line, "|"); len(cells) > 2 && strings.HasPrefix(line, "| `") {
				for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
					for _, seg := range strings.FieldsFunc(m[1], func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
						s.fields[seg] = true
					}
				}
			}
		}
		for _, m := range jsonBlock.FindAllStringSubmatch(body, -1) {
			shapeKeys(m[1], s.fields)
		}
		for _, m := range backticked.FindAllStringSubmatch(jsonBlock.ReplaceAllString(body, ""), -1) {
			if strings.ContainsAny(m[1], "{") {
				shapeKeys(m[1], s.fields)
			}
			for _, w := range identifier.FindAllString(m[1], -1) {
				s.mentioned[w] = true
				for _, seg := range strings.Split(w, ".") {
					s.mentioned[seg] = true
				}
			}
		}
		for f := range s.fields {
			s.mentioned[f] = true
		}
		out[heading] = s
	}
	return out
}

// shapeKeys adds the keys of a JSON example or a shape such as `{request, status}` or `[{"name", "ok"}]`: a
// name followed by ':', or one between braces or commas inside braces. Values (after ':' or '|', or inside
// [ ]) are not keys.
func shapeKeys(s string, keys map[string]bool) {
	var stack []byte
	prev := byte(0) // the last character that is not a space, outside names and strings
	for i := 0; i < len(s); {
		c := s[i]
		var word string
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			word, i = s[min(i+1, len(s)):min(j, len(s))], j+1
		case identifier.MatchString(string(c)):
			word = identifier.FindString(s[i:])
			i += len(word)
		default:
			switch c {
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			if c != ' ' && c != '\n' && c != '\t' {
				prev = c
			}
			i++
			continue
		}
		i = min(i, len(s))
		next := strings.TrimLeft(s[i:], " \n\t")
		inObject := len(stack) > 0 && stack[len(stack)-1] == '{'
		shapeEnd := next != "" && strings.ContainsRune(",}", rune(next[0]))
		if strings.HasPrefix(next, ":") || (inObject && (prev == '{' || prev == ',') && shapeEnd && identifier.FindString(word) == word) {
			keys[word] = true
		}
		prev = 'w'
	}
}

// allKeys adds every object key in v, at any depth.
func allKeys(v any, keys map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			keys[k] = true
			allKeys(e, keys)
		}
	case []any:
		for _, e := range x {
			allKeys(e, keys)
		}
	}
}

// topKeys are the keys of the printed object, or of the objects in the printed array.
func topKeys(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			out = append(out, k)
		}
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				for k := range m {
					if !slices.Contains(out, k) {
						out = append(out, k)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
