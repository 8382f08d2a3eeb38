package cmdutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{UsageErrorf("bad flag"), 2},
		{fmt.Errorf("wrapped: %w", &UsageError{Err: errors.New("x")}), 2},
		{&PartialError{Msg: "2 failed"}, 3},
		{&graph.AuthError{Err: errors.New("no credential")}, 4},
		{&graph.Error{Status: 403}, 4},
		{&graph.Error{Status: 401}, 4},
		{&graph.Error{Status: 404}, 1},
		{&graph.Error{Status: 500}, 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestPermissions(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	if Permissions(cmd) != nil {
		t.Error("a command without annotation needs nothing")
	}
	SetPermissions(cmd, "A.Read.All|A.ReadWrite.All", "Group.ReadWrite.All")
	reqs := Permissions(cmd)
	if fmt.Sprint(reqs) != "[[A.Read.All A.ReadWrite.All] [Group.ReadWrite.All]]" || DescribeRequirement(reqs[0]) != "A.Read.All or A.ReadWrite.All" {
		t.Errorf("requirements %v", reqs)
	}
	tests := []struct {
		want    []string
		granted []string
		ok      bool
	}{
		{[]string{"DeviceManagementServiceConfig.Read.All"}, []string{"DeviceManagementServiceConfig.ReadWrite.All"}, true},
		{[]string{"DeviceManagementServiceConfig.ReadWrite.All"}, []string{"DeviceManagementServiceConfig.Read.All"}, false},
		{[]string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}, []string{"directory.readwrite.all"}, true},
		{[]string{"Group.Read.All"}, nil, false},
	}
	for _, tt := range tests {
		if Satisfied(tt.want, tt.granted) != tt.ok {
			t.Errorf("Satisfied(%v, %v) != %v", tt.want, tt.granted, tt.ok)
		}
	}
}

func TestArgsIsUsageError(t *testing.T) {
	err := Args(cobra.ExactArgs(1))(&cobra.Command{}, nil)
	if ExitCode(err) != ExitUsage || err.Error() != "accepts 1 arg(s), received 0" {
		t.Errorf("%v", err)
	}
}

// A question names things the tenant holds: what reaches the terminal is escaped, so a hostile name or id
// cannot draw a different question over it.
func TestConfirmEscapesTheQuestion(t *testing.T) {
	ios, in, _, errOut := iostreams.Test()
	ios.SetTTY(true, false, true)
	in.WriteString("n\n")
	f := New(ios)
	err := Confirm(f, false, "Delete \"Production ESP\" (k1\r\x1b[2KDelete \"scratch\")?", "not deleting anything")
	if want := "Delete \"Production ESP\" (k1\\r\\x1b[2KDelete \"scratch\")? [y/N]: "; errOut.String() != want || ExitCode(err) != ExitUsage {
		t.Errorf("prompt %q (%v)", errOut.String(), err)
	}
}
