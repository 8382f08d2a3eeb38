package yamlfile

import (
	"reflect"
	"testing"
)

type spec struct {
	DisplayName string   `yaml:"displayName"`
	Priority    int      `yaml:"priority"`
	Show        bool     `yaml:"showInstallationProgress"`
	Apps        []string `yaml:"selectedMobileAppIds"`
	Nested      struct {
		Mode string `yaml:"mode"`
	} `yaml:"nested"`
}

func TestDecodeIsStrictAndSaysWhere(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ok", "displayName: A\npriority: 2\nselectedMobileAppIds: [x]\nnested:\n  mode: m\n", ""},
		{"unknown key", "displayName: A\npriorty: 2\n", `esp.yaml:2: unknown key "priorty"; did you mean "priority"?`},
		{"nested unknown key", "nested:\n  mood: m\n", `esp.yaml:2: unknown key "mood"`},
		{"wrong types", "priority: high\nshowInstallationProgress: 3\n",
			"esp.yaml:1: \"high\" is a string, but this key takes a whole number\nesp.yaml:2: \"3\" is a number, but this key takes true or false"},
		{"not a mapping", "- a\n- b\n", "esp.yaml:1: the file must be a mapping of keys to values, not a list"},
		{"empty", "", "esp.yaml: the file is empty: it must be a mapping of keys to values"},
		{"two documents", "displayName: A\n---\npriorty: 2\n", "esp.yaml:2: a second YAML document (after ---): one file holds one mapping"},
		{"a float for a whole number", "priority: 60.5\n", "esp.yaml:1: \"60.5\" is not a whole number; no key here takes a fraction"},
		{"syntax", "displayName: [a\n", "esp.yaml:1: not valid YAML: did not find expected ',' or ']'"},
		{"empty list items", "selectedMobileAppIds: [~, x]\nnested:\n  mode: m\nlist:\n  -\n  - null\n",
			"esp.yaml:1: an empty list item (null): remove it or give its value\nesp.yaml:4: unknown key \"list\"\nesp.yaml:5: an empty list item (null): remove it or give its value\nesp.yaml:6: an empty list item (null): remove it or give its value"},
		{"a key differing only in case", "displayname: A\n", `esp.yaml:1: unknown key "displayname"; did you mean "displayName"?`},
		{"a misspelt key", "showInstallationProgres: true\n", `esp.yaml:1: unknown key "showInstallationProgres"; did you mean "showInstallationProgress"?`},
		{"a misspelt nested key", "nested:\n  mdoe: m\n", `esp.yaml:2: unknown key "mdoe"; did you mean "mode"?`},
		{"an unknown key near nothing", "colour: red\n", `esp.yaml:1: unknown key "colour"`},
		{"a list for a string", "displayName: [a]\npriority: {a: 1}\n",
			"esp.yaml:1: this key takes a string, not a list\nesp.yaml:2: this key takes a whole number, not a mapping"},
		{"every stage at once, by line", "priority: 60.5\npriorty: 2\nselectedMobileAppIds: [~]\nshowInstallationProgress: 3\n",
			"esp.yaml:1: \"60.5\" is not a whole number; no key here takes a fraction\nesp.yaml:2: unknown key \"priorty\"; did you mean \"priority\"?\n" +
				"esp.yaml:3: an empty list item (null): remove it or give its value\nesp.yaml:4: \"3\" is a number, but this key takes true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s spec
			err := Decode("esp.yaml", []byte(tt.in), &s)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDecodeNamesTheKeyOfEachProblemAndDecodesTheRest(t *testing.T) {
	in := "displayName: A\npriority: high\nshowInstalationProgress: true\nselectedMobileAppIds: [x, ~]\nnested:\n  mode: [m]\n"
	var s spec
	err := Decode("esp.yaml", []byte(in), &s)
	var got [][2]string
	for _, e := range List(err) {
		got = append(got, [2]string{e.Key, e.Meant})
	}
	want := [][2]string{
		{"priority", ""},
		{"showInstalationProgress", "showInstallationProgress"},
		{"selectedMobileAppIds[1]", ""},
		{"nested.mode", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys %v, want %v\n%v", got, want, err)
	}
	// What had no problem is decoded, so a caller can check it too.
	if s.DisplayName != "A" || !reflect.DeepEqual(s.Apps, []string{"x"}) {
		t.Errorf("decoded %+v", s)
	}
}

func TestDecodeLeavesTheKeyOutOfProblemsWithTheFileAsAWhole(t *testing.T) {
	for _, in := range []string{"- a\n", "", "displayName: [a\n", "displayName: A\n---\nx: 1\n"} {
		var s spec
		for _, e := range List(Decode("esp.yaml", []byte(in), &s)) {
			if e.Key != "" {
				t.Errorf("%q: %v has key %q", in, e, e.Key)
			}
		}
	}
}

func TestNearestKey(t *testing.T) {
	type inline struct {
		GroupTag string `yaml:"groupTag"`
	}
	type obj struct {
		inline      `yaml:",inline"`
		Mode        string `yaml:"mode"`
		Name        string `yaml:"name"`
		Node        string `yaml:"node"`
		DisplayName string `yaml:"displayName"`
	}
	for unknown, want := range map[string]string{
		"grouptag":    "groupTag", // an inline struct's key, case only
		"GROUPTAG":    "groupTag",
		"grouTag":     "groupTag",
		"mdoe":        "mode",
		"nmae":        "name",
		"moda":        "mode",
		"xode":        "", // one edit from both mode and node: no guess
		"displayNme":  "displayName",
		"dsplyNm":     "", // too far
		"description": "",
	} {
		if got := nearest(unknown, reflect.TypeOf(obj{})); got != want {
			t.Errorf("nearest(%q) = %q, want %q", unknown, got, want)
		}
	}
}
