package rule

import "testing"

func TestMatch(t *testing.T) {
	sales := Device{
		PhysicalIDs: []string{"[ZTDId]:6a2b8f3e-0c1d-4e5f-9a8b-7c6d5e4f3a2b", "[OrderID]:Sales", "[PurchaseOrderId]:76222342342", "[HWID]:h:6966..."},
		Properties:  map[string]string{"displayName": "DESKTOP-01", "DeviceOSType": "Windows", "accountEnabled": "true", "enrollmentProfileName": "UD - Entra join"},
		MemberOf:    []string{"11111111-1111-1111-1111-111111111111"},
	}
	plain := Device{
		PhysicalIDs:  []string{"[HWID]:h:6966..."},
		SystemLabels: []string{"M365Managed"},
		Properties:   map[string]string{"displayName": "laptop-02", "deviceOSType": "Windows", "accountEnabled": "false"},
	}
	empty := Device{}
	tests := []struct {
		rule                            string
		wantSales, wantPlain, wantEmpty bool
	}{
		{AllAutopilotDevices(), true, false, false},
		{`device.devicePhysicalIds -any _ -startsWith "[ztdid]"`, true, false, false},
		{GroupTag("Sales"), true, false, false},
		{GroupTag("sales"), true, false, false}, // Entra compares strings case-insensitively
		{GroupTag("Sale"), false, false, false},
		{PurchaseOrder("76222342342"), true, false, false},
		{Or(GroupTag("Marketing"), PurchaseOrder("76222342342")), true, false, false},
		{And(AllAutopilotDevices(), GroupTag("Sales")), true, false, false},
		{And(AllAutopilotDevices(), "-not "+GroupTag("Sales")), false, false, false},
		{And(Or(GroupTag("Marketing"), GroupTag("Sales")), PurchaseOrder("1")), false, false, false},
		{`-not ` + AllAutopilotDevices(), false, true, true},
		{`device.devicePhysicalIds -all (_ -startsWith "[HWID]")`, false, true, true},
		{`device.devicePhysicalIds -eq null`, false, false, true},
		{`device.displayName -eq "desktop-01"`, true, false, false},
		{`device.displayName -ne "desktop-01"`, false, true, true},
		{`device.displayName -startsWith "LAPTOP"`, false, true, false},
		{`device.displayName -notStartsWith "LAPTOP"`, true, false, true},
		{`device.displayName -endsWith "-02"`, false, true, false},
		{`device.displayName -contains "TOP"`, true, true, false},
		{`device.displayName -notContains "TOP"`, false, false, true},
		{`device.displayName -match "^desk.*\d$"`, true, false, false},
		{`device.displayName -notMatch "^desk"`, false, true, true},
		{`device.displayName -in ["x","Laptop-02"]`, false, true, false},
		{`device.displayName -notIn ["x","Laptop-02"]`, true, false, true},
		{`device.deviceOSType -eq "windows" -and device.accountEnabled -eq true`, true, false, false},
		{`device.accountEnabled -ne true`, false, true, true},
		{`device.enrollmentProfileName -eq null`, false, true, true},
		{`device.enrollmentProfileName -ne null`, true, false, false},
		{`device.systemLabels -startsWith "m365"`, false, true, false},
		{`device.systemLabels -notContains "M365"`, true, false, true},
		{`device.memberOf -any (group.objectId -in ['11111111-1111-1111-1111-111111111111'])`, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r, err := Parse(tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				d    Device
				want bool
			}{{"sales", sales, tt.wantSales}, {"plain", plain, tt.wantPlain}, {"empty", empty, tt.wantEmpty}} {
				if got := r.Match(c.d); got != c.want {
					t.Errorf("Match(%s) = %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
}
