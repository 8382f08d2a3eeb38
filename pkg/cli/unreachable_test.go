package cli

import (
	"net"
	"testing"
)

// A Graph URL on loopback where nothing listens (a mock serve that has stopped) is one line naming the URL
// and where it was set.
func TestNothingAnswersAtALoopbackGraphURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := map[string]string{"AUTOPILOTCTL_GRAPH_URL": "http://" + addr + "/beta", "AUTOPILOTCTL_ACCESS_TOKEN": "opaque"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"device", "list"}, "error: nothing answers at http://" + addr + " (AUTOPILOTCTL_GRAPH_URL): is the mock still running?\n"},
		{[]string{"group", "list", "--graph-url", "http://" + addr + "/beta"}, "error: nothing answers at http://" + addr + " (--graph-url): is the mock still running?\n"},
	} {
		got := run(withBuffers(testFactory(env)), tt.args)
		if got.code != 1 || got.stdout != "" || got.stderr != tt.want {
			t.Errorf("%v: exit %d\nstderr %q\nwant   %q", tt.args, got.code, got.stderr, tt.want)
		}
	}
}
