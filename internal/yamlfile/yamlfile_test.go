package yamlfile

import (
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
		{"unknown key", "displayName: A\npriorty: 2\n", `esp.yaml:2: unknown key "priorty"`},
		{"nested unknown key", "nested:\n  mood: m\n", `esp.yaml:2: unknown key "mood"`},
		{"wrong types", "priority: high\nshowInstallationProgress: 3\n",
			"esp.yaml:1: \"high\" is a string, but this key takes a whole number\nesp.yaml:2: \"3\" is a number, but this key takes true or false"},
		{"not a mapping", "- a\n- b\n", "esp.yaml:1: the file must be a mapping of keys to values, not a list"},
		{"empty", "", "esp.yaml: the file is empty: it must be a mapping of keys to values"},
		{"two documents", "displayName: A\n---\npriorty: 2\n", "esp.yaml:2: a second YAML document (after ---): one file holds one mapping"},
		{"a float for a whole number", "priority: 60.5\n", "esp.yaml:1: \"60.5\" is not a whole number; no key here takes a fraction"},
		{"syntax", "displayName: [a\n", "esp.yaml:1: not valid YAML: did not find expected ',' or ']'"},
		{"empty list items", "selectedMobileAppIds: [~, x]\nnested:\n  mode: m\nlist:\n  -\n  - null\n",
			"esp.yaml:1: an empty list item (null): remove it or give its value\nesp.yaml:5: an empty list item (null): remove it or give its value\nesp.yaml:6: an empty list item (null): remove it or give its value"},
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
