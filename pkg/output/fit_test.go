package output

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
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
		{"30 columns: every column but the first gives up room, widest first", 30, "" +
			" SERIAL      STATUS   DETAIL  \n" +
			" 5CG2461KX7  failed   the ha… \n" +
			" PF3ABCD1    import…  ok      \n"},
		{"20 columns: the first column too, once the others are at the minimum; the terminal wraps", 20, "" +
			" SERIAL  STATUS  DETAIL \n" +
			" 5CG24…  failed  the h… \n" +
			" PF3AB…  impor…  ok     \n"},
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

// The layout apply report at 50 columns: names that share a long start are cut in the middle so each keeps
// what tells it apart, the wide KIND and ID columns give up room before NAME, and every line fits.
func TestCutValuesStayDistinct(t *testing.T) {
	kinds := []string{"group", "group", "group", "group", "windowsAutopilotDeploymentProfile"}
	names := []string{"Autopilot - Devices in Sales", "Autopilot - Devices in Marketing", "Autopilot - Devices in Finance",
		"Autopilot - Devices in Research", "UD - Entra join"}
	var rows [][]string
	for i := range names {
		rows = append(rows, []string{kinds[i], names[i], "created", fmt.Sprintf("00000000-0000-4000-8000-0000000000%02d", 19+i), ""})
	}
	r := Result{Table: Rows{Header: []string{"KIND", "NAME", "STATUS", "ID", "DETAIL"}, Rows: rows}}
	var buf bytes.Buffer
	if err := Write(&buf, Options{Format: Table, TTY: true, Width: 50}, r); err != nil {
		t.Fatal(err)
	}
	want := "" +
		" KIND    NAME              STATUS  ID      DETAIL \n" +
		" group   Autopilo…n Sales  creat…  000…19         \n" +
		" group   Autopilo…rketing  creat…  000…20         \n" +
		" group   Autopilo…Finance  creat…  000…21         \n" +
		" group   Autopilo…esearch  creat…  000…22         \n" +
		" windo…  UD - Entra join   creat…  000…23         \n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if n := twwidth.Width(line); n > 50 {
			t.Errorf("line of %d columns in 50: %q", n, line)
		}
	}
}

func TestCutAt(t *testing.T) {
	for _, tt := range []struct {
		s           string
		width, tail int
		want        string
	}{
		{"Autopilot - Sales", 20, 0, "Autopilot - Sales"},
		{"Autopilot - Sales", 12, 0, "Autopilot -…"},
		{"Autopilot - Sales", 12, 5, "Autopi…Sales"},
		{"Autopilot - Sales", 12, 6, "Autopi…Sales"}, // the space after the cut is dropped: one more column for the start
		{"営業部のデバイス", 9, 4, "営業…イス"},                  // wide characters count two columns
	} {
		got := cutAt(tt.s, tt.width, tt.tail)
		if got != tt.want || twwidth.Width(got) > tt.width {
			t.Errorf("cutAt(%q, %d, %d) = %q (%d columns), want %q", tt.s, tt.width, tt.tail, got, twwidth.Width(got), tt.want)
		}
	}
}

func TestShareWidth(t *testing.T) {
	for _, tt := range []struct {
		natural []int
		last    int
		room    int
		want    []int
	}{
		{[]int{5, 5}, 0, 10, nil},
		{[]int{5, 50, 40}, 0, 45, []int{5, 20, 20}},
		{[]int{5, 50, 40}, 0, 46, []int{5, 21, 20}},         // the leftmost cut column keeps the odd one
		{[]int{5, 50, 10}, 0, 45, []int{5, 30, 10}},         // the widest alone gives up room while it is the widest
		{[]int{20, 50, 40}, 1, 45, []int{6, 33, 6}},         // the name column (1) shrinks only once the others are at the minimum
		{[]int{30, 30, 3}, 2, 3, []int{6, 6, 3}},            // a terminal too narrow: each keeps a minimum, and it wraps
		{[]int{8, 15, 83, 40}, 1, 52, []int{8, 15, 15, 14}}, // esp list at 60 columns: the id and the assignments share
	} {
		if got := shareWidth(tt.natural, tt.last, tt.room); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shareWidth(%v, %d, %d) = %v, want %v", tt.natural, tt.last, tt.room, got, tt.want)
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

// CSV columns carry the JSON property names: declared, or the header in camelCase.
func TestCSVHeaderFromTheTableHeader(t *testing.T) {
	r := Result{Table: Rows{Header: []string{"SERIAL", "KIND", "ASSIGNED TO", "DEVICE ID", "MEMBERS UPDATED"}, Rows: [][]string{{"a", "b", "c", "d", "e"}}}}
	var buf bytes.Buffer
	if err := Write(&buf, Options{Format: CSV}, r); err != nil {
		t.Fatal(err)
	}
	if want := "serialNumber,kind,assignedTo,deviceId,membersUpdated\na,b,c,d,e\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
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
