package output

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

var wide = Result{
	Table: Rows{
		Header: []string{"SERIAL", "STATUS", "DETAIL"},
		Rows: [][]string{
			{"5CG2461KX7", "failed", "the hardware hash was not accepted by the service: ZtdDeviceAlreadyAssigned"},
			{"PF3ABCD1", "imported", "ok"},
		},
	},
}

func TestTableFitsTheTerminal(t *testing.T) {
	tests := []struct {
		name  string
		width int
		want  string
	}{
		{"wide enough: untouched", 0, "" +
			" SERIAL      STATUS    DETAIL                                                                      \n" +
			" 5CG2461KX7  failed    the hardware hash was not accepted by the service: ZtdDeviceAlreadyAssigned \n" +
			" PF3ABCD1    imported  ok                                                                          \n"},
		{"60 columns: the long column is cut, the short ones kept", 60, "" +
			" SERIAL      STATUS    DETAIL                               \n" +
			" 5CG2461KX7  failed    the hardware hash was not accepted … \n" +
			" PF3ABCD1    imported  ok                                   \n"},
		{"30 columns: short columns stay whole and a cut one keeps enough to read, so the terminal wraps", 30, "" +
			" SERIAL      STATUS    DETAIL       \n" +
			" 5CG2461KX7  failed    the hardwar… \n" +
			" PF3ABCD1    imported  ok           \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, Options{Format: Table, TTY: true, Width: tt.width}, wide); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
				if n := len([]rune(line)); tt.width >= 40 && n > tt.width {
					t.Errorf("line of %d columns in %d: %q", n, tt.width, line)
				}
			}
		})
	}
	// Pipes and CSV keep every value whole.
	for _, o := range []Options{{Format: Table, Width: 30}, {Format: CSV, TTY: true, Width: 30}} {
		var buf bytes.Buffer
		if err := Write(&buf, o, wide); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "ZtdDeviceAlreadyAssigned") {
			t.Errorf("%+v cut a value: %q", o, buf.String())
		}
	}
}

func TestShareWidth(t *testing.T) {
	for _, tt := range []struct {
		natural []int
		room    int
		want    []int
	}{
		{[]int{5, 5}, 10, nil},
		{[]int{5, 50, 40}, 45, []int{5, 20, 20}},
		{[]int{5, 50, 40}, 46, []int{5, 21, 20}},
		{[]int{30, 30, 30}, 3, []int{12, 12, 12}}, // a terminal too narrow: each keeps enough to read, and it wraps
	} {
		if got := shareWidth(tt.natural, tt.room); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shareWidth(%v, %d) = %v, want %v", tt.natural, tt.room, got, tt.want)
		}
	}
}

func TestStatusColours(t *testing.T) {
	r := Result{Table: Rows{Header: []string{"SERIAL", "STATUS"}, Rows: [][]string{
		{"A", "failed"}, {"B", "pending"}, {"C", "imported"}, {"D", "failed to read"}, {"failed", "\x1b[31mx"},
	}}}
	var buf bytes.Buffer
	if err := Write(&buf, Options{Format: Table, TTY: true, Color: true}, r); err != nil {
		t.Fatal(err)
	}
	want := "" +
		" SERIAL  STATUS         \n" +
		" A       \x1b[31mfailed\x1b[0m         \n" +
		" B       \x1b[33mpending\x1b[0m        \n" +
		" C       \x1b[32mimported\x1b[0m       \n" +
		" D       failed to read \n" + // only a cell that is exactly a status word
		" \x1b[31mfailed\x1b[0m  \\x1b[31mx      \n" // the tenant's escape codes stay escaped
	if got := buf.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// No colour when not asked (a pipe, NO_COLOR): the same table without codes.
	buf.Reset()
	if err := Write(&buf, Options{Format: Table, TTY: true}, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b[3") {
		t.Errorf("coloured without Color: %q", buf.String())
	}
}

func TestCSVHeader(t *testing.T) {
	r := Result{Table: Rows{Header: []string{"SERIAL", "GROUP TAG"}, CSVHeader: []string{"serialNumber", "groupTag"},
		Rows: [][]string{{"SN-1", "=Sales"}}}}
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Format: CSV}, "serialNumber,groupTag\nSN-1,'=Sales\n"},
		{Options{Format: Table, TTY: true}, " SERIAL  GROUP TAG \n SN-1    =Sales    \n"},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, tt.o, r); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.o.Format, buf.String(), tt.want)
		}
	}
}
