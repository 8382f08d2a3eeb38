package result

import (
	"encoding/json"
	"testing"
)

type device struct {
	Change
	GroupTag string `json:"groupTag"`
}

func TestSummaryCountsEmbeddedEntriesAndMarshalsInVocabularyOrder(t *testing.T) {
	entries := []*device{
		{Change: Change{Kind: "windowsAutopilotDeviceIdentity", SerialNumber: "A", Status: Failed}},
		{Change: Change{SerialNumber: "B", Status: Imported}},
		{Change: Change{SerialNumber: "C", Status: Imported}},
		{Change: Change{SerialNumber: "D", Status: NotFound}},
	}
	s := Summarize(entries)
	if got := s.String("devices"); got != "4 devices: 2 imported, 1 notFound, 1 failed" {
		t.Fatalf("String = %q", got)
	}
	if s.Problems() != 2 || s.Problems(NotFound) != 1 {
		t.Fatalf("Problems = %d, accepting notFound %d", s.Problems(), s.Problems(NotFound))
	}
	b, _ := json.Marshal(s)
	if string(b) != `{"total":4,"imported":2,"notFound":1,"failed":1}` {
		t.Fatalf("JSON = %s", b)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil || back.Total != 4 || back.Count(Imported) != 2 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	e, _ := json.Marshal(entries[0])
	if string(e) != `{"kind":"windowsAutopilotDeviceIdentity","serialNumber":"A","status":"failed","groupTag":""}` {
		t.Fatalf("entry JSON = %s", e)
	}
	if Summarize([]*device{}).String("objects") != "no objects" {
		t.Fatal("empty summary")
	}
}
