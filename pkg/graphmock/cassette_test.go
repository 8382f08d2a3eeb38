package graphmock

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what a Cassette reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...) }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }

func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

const cassetteJSON = `[
  {"request": {"method": "GET", "url": "/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1"},
   "response": {"status": 200, "headers": {"Content-Type": "application/json"},
     "body": {"value": [{"id": "d1"}], "@odata.nextLink": "{{server}}/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1&$skiptoken=x"}}},
  {"request": {"method": "POST", "url": "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
     "body": {"importedWindowsAutopilotDeviceIdentities": [{"serialNumber": "S1", "hardwareIdentifier": "AAAA"}]}},
   "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"value": []}}}
]`

func TestCassette(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cassette.json")
	if err := os.WriteFile(file, []byte(cassetteJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	list := devicesPath + "?%24top=1"
	importCall := func(serial string) []byte {
		return gzipped(t, map[string]any{"importedWindowsAutopilotDeviceIdentities": []any{map[string]any{"hardwareIdentifier": "AAAA", "serialNumber": serial}}})
	}
	tests := []struct {
		name       string
		calls      func(t *testing.T, s *Server) // s only supplies the URL and client
		wantErrors []string
	}{
		{"all matched", func(t *testing.T, s *Server) {
			got := send(t, s, "GET", list, nil, "Authorization: Bearer anything", "User-Agent: other").want(t, 200)
			if want := s.URL() + "/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1&$skiptoken=x"; got.str("@odata.nextLink") != want {
				t.Errorf("nextLink %q, want %q", got.str("@odata.nextLink"), want)
			}
			send(t, s, "POST", importsPath+"/import", importCall("S1"), "Content-Encoding: gzip").want(t, 200)
		}, nil},
		{"unmatched body", func(t *testing.T, s *Server) {
			send(t, s, "GET", list, nil).want(t, 200)
			send(t, s, "POST", importsPath+"/import", importCall("S2"), "Content-Encoding: gzip").want(t, 599)
		}, []string{
			"request does not match interaction 2:\n" +
				`- POST /beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import` + "\n" +
				`- {"importedWindowsAutopilotDeviceIdentities":[{"serialNumber":"S1","hardwareIdentifier":"AAAA"}]}` + "\n" +
				`+ POST /beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import` + "\n" +
				`+ {"importedWindowsAutopilotDeviceIdentities":[{"hardwareIdentifier":"AAAA","serialNumber":"S2"}]}`,
			"1 of 2 interactions never requested, next: POST /beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
		}},
		{"unused interaction", func(t *testing.T, s *Server) {
			send(t, s, "GET", list, nil).want(t, 200)
		}, []string{"1 of 2 interactions never requested, next: POST /beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import"}},
		{"request after the end", func(t *testing.T, s *Server) {
			send(t, s, "GET", list, nil).want(t, 200)
			send(t, s, "POST", importsPath+"/import", importCall("S1"), "Content-Encoding: gzip").want(t, 200)
			send(t, s, "DELETE", devicesPath+"/d1", nil).want(t, 599)
		}, []string{"unexpected request DELETE /beta/deviceManagement/windowsAutopilotDeviceIdentities/d1 after all 2 interactions were used"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			ts := httptest.NewServer(NewCassette(ft, file))
			defer ts.Close()
			s := &Server{url: ts.URL, client: ts.Client()}
			tt.calls(t, s)
			ft.finish()
			var want []string
			for _, w := range tt.wantErrors {
				want = append(want, "cassette "+file+": "+w)
			}
			if strings.Join(ft.errors, "\n\n") != strings.Join(want, "\n\n") {
				t.Errorf("reported\n%s\nwant\n%s", strings.Join(ft.errors, "\n\n"), strings.Join(want, "\n\n"))
			}
		})
	}
}
