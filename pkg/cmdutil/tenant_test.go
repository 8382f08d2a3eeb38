package cmdutil

import "testing"

// One Graph gets one lock however its URL is spelled.
func TestLockHostIsOneWayPerGraph(t *testing.T) {
	for _, same := range [][]string{
		{"https://graph.microsoft.com/beta", "https://GRAPH.microsoft.com:443/beta", "https://graph.microsoft.com:443//beta/"},
		{"http://127.0.0.1:18777/beta", "http://localhost:18777/beta", "http://[::1]:18777/BETA"},
	} {
		for _, u := range same[1:] {
			if lockHost(u) != lockHost(same[0]) {
				t.Errorf("%s → %s, %s → %s: want one lock", u, lockHost(u), same[0], lockHost(same[0]))
			}
		}
	}
	if lockHost("https://graph.microsoft.us/beta") == lockHost("https://graph.microsoft.com/beta") ||
		lockHost("http://127.0.0.1:1/beta") == lockHost("http://127.0.0.1:2/beta") {
		t.Error("two Graphs share a lock")
	}
}
