package rule

import "testing"

func TestBuilders(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{AllAutopilotDevices(), `(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]"))`},
		{GroupTag("179887111881"), `(device.devicePhysicalIds -any (_ -eq "[OrderID]:179887111881"))`},
		{PurchaseOrder("76222342342"), `(device.devicePhysicalIds -any (_ -eq "[PurchaseOrderId]:76222342342"))`},
		{GroupTagPrefix("Sales-"), `(device.devicePhysicalIds -any (_ -startsWith "[OrderID]:Sales-"))`},
		{EnrollmentProfile("OfflineAutopilotprofile-<correlator ID>"), `(device.enrollmentProfileName -eq "OfflineAutopilotprofile-<correlator ID>")`},
		{EnrollmentProfile("a\"b"), "(device.enrollmentProfileName -eq \"a`\"b\")"},
		{GroupTag("a\"b`c"), "(device.devicePhysicalIds -any (_ -eq \"[OrderID]:a`\"b``c\"))"},
		{Or(GroupTag("A"), GroupTag("B")), `(device.devicePhysicalIds -any (_ -eq "[OrderID]:A")) -or (device.devicePhysicalIds -any (_ -eq "[OrderID]:B"))`},
		{And(AllAutopilotDevices(), Or(GroupTag("A"), GroupTag("B"))),
			`(device.devicePhysicalIDs -any (_ -startsWith "[ZTDid]")) -and ((device.devicePhysicalIds -any (_ -eq "[OrderID]:A")) -or (device.devicePhysicalIds -any (_ -eq "[OrderID]:B")))`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got  %s\nwant %s", tt.got, tt.want)
		}
		if _, err := Parse(tt.got); err != nil {
			t.Errorf("builder output %s does not parse: %v", tt.got, err)
		}
	}
}

func TestGroupTagRoundTripsQuotes(t *testing.T) {
	r, err := Parse(GroupTag("a\"b`c"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Match(Device{PhysicalIDs: []string{"[OrderID]:a\"b`c"}}) {
		t.Error("escaped group tag does not match the device carrying it")
	}
}
