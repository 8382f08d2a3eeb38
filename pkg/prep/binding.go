package prep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// The enrollment-time device group is bound by actions on the policy, made raw here because their live verbs
// and answers differ from the SDK's (docs/graph.md#device-preparation-and-enrollment-time-grouping): set is a
// POST answering 200 with a verdict; retrieve answers GET on live tenants and POST per the reference, so both
// are tried and the one that answered is kept for the rest of the run; its answer carries the group in one of
// four shapes. The legacy JustInTime read is a second opinion.

// Binding is the device group a policy is bound to, as the service reports it.
type Binding struct {
	GroupID string `json:"groupId,omitempty"` // "" when none is bound
	// Succeeded is the service's own validation of the binding, when its answer carries one.
	Succeeded *bool `json:"validationSucceeded,omitempty"`
	// ErrorCode is the target's targetValidationErrorCode when validation failed.
	ErrorCode string `json:"errorCode,omitempty"`
}

// ErrUnverifiable says neither verb of the retrieve action answered: the binding can't be read, which is
// not the same as "no group".
var ErrUnverifiable = errors.New("the binding could not be read: retrieveEnrollmentTimeDeviceMembershipTarget answered neither GET nor POST")

// Reader reads bindings, remembering which retrieve verb the tenant answers.
type Reader struct {
	c    *graph.Client
	verb string
}

// NewReader returns a Reader for c.
func NewReader(c *graph.Client) *Reader { return &Reader{c: c} }

// Verb is the retrieve verb that answered, "" before one did.
func (r *Reader) Verb() string { return r.verb }

func actionPath(policyID, action string) string {
	return policiesPath + "/" + url.PathEscape(policyID) + "/" + action
}

// noRoute reports an answer meaning "this verb has no route here", not "no such policy" or "not allowed".
func noRoute(err error) bool {
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return false
	}
	return ge.Status == http.StatusMethodNotAllowed || ge.Status == http.StatusBadRequest &&
		(strings.Contains(ge.Message, "No OData route") || strings.Contains(ge.Message, "Resource not found for the segment"))
}

// Current reads the policy's binding: GET, then POST (or the verb that answered before).
func (r *Reader) Current(ctx context.Context, policyID string) (*Binding, error) {
	verbs := []string{"GET", "POST"}
	if r.verb == "POST" {
		verbs = []string{"POST", "GET"}
	}
	for _, verb := range verbs {
		var raw json.RawMessage
		err := r.c.Do(ctx, verb, actionPath(policyID, "retrieveEnrollmentTimeDeviceMembershipTarget"), nil, &raw)
		if noRoute(err) {
			continue
		}
		if isStatus(err, http.StatusNotFound) {
			return nil, &NotFoundError{NameOrID: policyID}
		}
		if err != nil {
			return nil, err
		}
		r.verb = verb
		return ParseBinding(raw)
	}
	return nil, ErrUnverifiable
}

// Legacy reads the group the older retrieveJustInTimeConfiguration reports. ok is false when that API can't
// be read (it refuses app-only tokens, and may be gone); its errors are not the run's.
func (r *Reader) Legacy(ctx context.Context, policyID string) (groupID string, ok bool) {
	var raw json.RawMessage
	if err := r.c.Do(ctx, "POST", actionPath(policyID, "retrieveJustInTimeConfiguration"), nil, &raw); err != nil {
		return "", false
	}
	var doc struct {
		Value  json.RawMessage `json:"value"`
		Target []string        `json:"target"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return "", false
	}
	if len(doc.Value) > 0 && doc.Value[0] == '{' {
		if json.Unmarshal(doc.Value, &doc) != nil {
			return "", false
		}
	}
	if len(doc.Target) == 0 {
		return "", true
	}
	return doc.Target[0], true
}

// ParseBinding reads a set or retrieve answer in any of the shapes the service has used: the SDK's result
// (validationSucceeded and enrollmentTimeDeviceMembershipTargetValidationStatuses[].targetId), a list of
// enrollmentTimeDeviceMembershipTargets, targetId at the root, or any of these wrapped in "value" (an object
// or a one-element collection).
func ParseBinding(raw []byte) (*Binding, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("the enrollment-time group answer is not a JSON object: %w", err)
	}
	b := &Binding{}
	if v, ok := doc["value"]; ok {
		v = bytes.TrimSpace(v)
		var list []json.RawMessage
		if len(v) > 0 && v[0] == '[' && json.Unmarshal(v, &list) == nil {
			if len(list) == 0 {
				return b, nil
			}
			v = list[0]
		}
		if len(v) > 0 && v[0] == '{' {
			return ParseBinding(v)
		}
	}
	var d struct {
		Succeeded *bool `json:"validationSucceeded"`
		Statuses  []struct {
			TargetID  string `json:"targetId"`
			Code      string `json:"targetValidationErrorCode"`
			Succeeded *bool  `json:"validationSucceeded"`
		} `json:"enrollmentTimeDeviceMembershipTargetValidationStatuses"`
		Targets []struct {
			TargetType string `json:"targetType"`
			TargetID   string `json:"targetId"`
		} `json:"enrollmentTimeDeviceMembershipTargets"`
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("reading the enrollment-time group answer: %w", err)
	}
	b.Succeeded = d.Succeeded
	for _, st := range d.Statuses {
		if b.GroupID == "" {
			b.GroupID = st.TargetID
		}
		// A per-target verdict of false, or a code, fails the binding whatever the top level says: the
		// answer is only valid when every status is. "unknown" is what some tenants send on success (the
		// SDK's enum has no such value), so it alone is not a failure.
		code := st.Code
		if strings.EqualFold(code, "unknown") {
			code = ""
		}
		if code == "" && (st.Succeeded == nil || *st.Succeeded) {
			if st.Succeeded != nil && b.Succeeded == nil {
				b.Succeeded = st.Succeeded
			}
			continue
		}
		failed := false
		b.Succeeded = &failed
		if b.ErrorCode == "" && strings.EqualFold(st.TargetID, b.GroupID) {
			b.ErrorCode = code
		}
	}
	for _, t := range d.Targets {
		if b.GroupID == "" && (t.TargetType == "" || strings.EqualFold(t.TargetType, "staticSecurityGroup")) {
			b.GroupID = t.TargetID
		}
	}
	if b.GroupID == "" {
		b.GroupID = d.TargetID
	}
	return b, nil
}

// ValidationError is the service refusing a group as the device group: its code, what it means, the fix.
type ValidationError struct {
	GroupID, Code string
}

func (e *ValidationError) Error() string {
	meaning, fix := CodeMeaning(e.Code)
	return fmt.Sprintf("Intune refused group %s as the device group (%s): %s; %s", e.GroupID, e.Code, meaning, fix)
}

// CodeMeaning says what a targetValidationErrorCode means and how to fix it.
func CodeMeaning(code string) (meaning, fix string) {
	switch code {
	case "securityGroupNotFound":
		return "Intune does not see the group", "if it was created moments ago, run again in a minute (replication); else check the group exists"
	case "notSecurityGroup":
		return "the group is not a security group", "use a security group (securityEnabled, not a Microsoft 365 group)"
	case "notStaticSecurityGroup":
		return "the group is dynamic", "use an assigned (static) security group"
	case "firstPartyAppNotAnOwner":
		return "the Intune Provisioning Client (" + ProvisioningClientAppID + ") is not an owner of the group", "add its service principal as an owner (prep create does unless --no-fix)"
	case "securityGroupNotInCallerScope":
		return "the group is outside the signed-in admin's scope", "sign in as an admin whose Intune role scope includes the group"
	case "":
		return "Intune gave no error code", "check the group on the policy's Device group page in the admin center"
	}
	return "the service gave a reason this tool does not know", "check the group in the admin center"
}

// Set binds groupID as the policy's device group and returns the service's verdict on it.
func Set(ctx context.Context, c *graph.Client, policyID, groupID string) (*Binding, error) {
	body := map[string]any{"enrollmentTimeDeviceMembershipTargets": []any{
		map[string]string{"targetType": "staticSecurityGroup", "targetId": groupID}}}
	var raw json.RawMessage
	if err := c.Do(ctx, "POST", actionPath(policyID, "setEnrollmentTimeDeviceMembershipTarget"), body, &raw); err != nil {
		return nil, err
	}
	b, err := ParseBinding(raw)
	if err != nil {
		return nil, err
	}
	if b.GroupID == "" {
		b.GroupID = groupID
	}
	return b, nil
}
