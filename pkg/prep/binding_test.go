package prep

import (
	"fmt"
	"testing"
)

func TestParseBindingShapes(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name, raw string
		want      Binding
	}{
		{"statuses", `{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g1","targetValidationErrorCode":null}]}`, Binding{GroupID: "g1", Succeeded: &yes}},
		{"statuses, unknown on success", `{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g1","targetValidationErrorCode":"unknown","validationSucceeded":true}]}`, Binding{GroupID: "g1", Succeeded: &yes}},
		{"statuses, refused", `{"validationSucceeded":false,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g1","targetValidationErrorCode":"firstPartyAppNotAnOwner"}]}`, Binding{GroupID: "g1", Succeeded: &no, ErrorCode: "firstPartyAppNotAnOwner"}},
		{"targets", `{"enrollmentTimeDeviceMembershipTargets":[{"targetType":"staticSecurityGroup","targetId":"g2"}]}`, Binding{GroupID: "g2"}},
		{"root", `{"targetType":"staticSecurityGroup","targetId":"g3"}`, Binding{GroupID: "g3"}},
		{"value object", `{"value":{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g4"}]}}`, Binding{GroupID: "g4", Succeeded: &yes}},
		{"value collection", `{"value":[{"targetType":"staticSecurityGroup","targetId":"g5"}]}`, Binding{GroupID: "g5"}},
		{"empty collection", `{"value":[]}`, Binding{}},
		{"per-target refusal, no top level", `{"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g6","validationSucceeded":false,"targetValidationErrorCode":"securityGroupNotInCallerScope"}]}`, Binding{GroupID: "g6", Succeeded: &no, ErrorCode: "securityGroupNotInCallerScope"}},
		{"per-target refusal under a true top level", `{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g7","validationSucceeded":false}]}`, Binding{GroupID: "g7", Succeeded: &no}},
		{"code under a true top level", `{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g8","targetValidationErrorCode":"notSecurityGroup"}]}`, Binding{GroupID: "g8", Succeeded: &no, ErrorCode: "notSecurityGroup"}},
		{"per-target success, no top level", `{"enrollmentTimeDeviceMembershipTargetValidationStatuses":[{"targetId":"g9","validationSucceeded":true}]}`, Binding{GroupID: "g9", Succeeded: &yes}},
		{"none bound", `{"validationSucceeded":true,"enrollmentTimeDeviceMembershipTargetValidationStatuses":[]}`, Binding{Succeeded: &yes}},
	}
	show := func(b Binding) string {
		s := "nil"
		if b.Succeeded != nil {
			s = fmt.Sprint(*b.Succeeded)
		}
		return b.GroupID + "/" + s + "/" + b.ErrorCode
	}
	for _, tt := range tests {
		got, err := ParseBinding([]byte(tt.raw))
		if err != nil || show(*got) != show(tt.want) {
			t.Errorf("%s: %v %s, want %s", tt.name, err, show(*got), show(tt.want))
		}
	}
	if _, err := ParseBinding([]byte(`[1]`)); err == nil {
		t.Error("a JSON array was read as an answer")
	}
}
