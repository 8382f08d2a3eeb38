package graphmock

import (
	"embed"
	"encoding/json"
	"fmt"
)

// recordings holds one response body per call answered, named after the call
// (get-windowsAutopilotDeviceIdentity.json, error-tooManyRequests.json, …). They carry every default
// property the SDK model has, so entities the mock serves have Graph's full shape.
//
//go:embed testdata/recordings/*.json
var recordings embed.FS

// render returns the recording's JSON object with overlay's keys replaced. "@odata.context" is dropped, as
// the object may be served inside a collection. An overlay key the recording lacks is a bug in the mock (the
// shape would drift from Graph's), so it panics.
func (s *Server) render(recording string, overlay map[string]any) map[string]any {
	raw, err := recordings.ReadFile("testdata/recordings/" + recording + ".json")
	if err != nil {
		panic(fmt.Sprintf("graphmock: no recording %q", recording))
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		panic(fmt.Sprintf("graphmock: recording %q: %v", recording, err))
	}
	delete(obj, "@odata.context")
	for k, v := range overlay {
		if _, ok := obj[k]; !ok {
			panic(fmt.Sprintf("graphmock: recording %q has no property %q", recording, k))
		}
		obj[k] = v
	}
	return obj
}
