package groups

import (
	"strings"
	"testing"
)

func TestMailNickname(t *testing.T) {
	long := strings.Repeat("Autopilot ", 20)
	tests := []struct{ name, want string }{
		{"Autopilot - Sales", "autopilot-sales-"},
		{"Autopilot - sales", "autopilot-sales-"}, // same base, another suffix
		{"Ventes (Québec) @HQ; [2024]", "ventes-qu-bec-hq-2024-"},
		{"日本語", "group-"},
		{long, "autopilot-autopilot-autopilot-autopilot-autopilot-autop-"}, // 55 + "-" + 8 hex = 64
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := MailNickname(tt.name)
		if !strings.HasPrefix(got, tt.want) || len(got) > MaxMailNickname || strings.ContainsAny(got, `@()\[]";:<>, /'`) {
			t.Errorf("MailNickname(%q) = %q, want prefix %q, at most 64 allowed characters", tt.name, got, tt.want)
		}
		if got != MailNickname(tt.name) {
			t.Errorf("MailNickname(%q) is not stable", tt.name)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q share nickname %q", tt.name, other, got)
		}
		seen[got] = tt.name
	}
}
