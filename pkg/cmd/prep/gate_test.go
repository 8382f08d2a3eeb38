package prep

import (
	"encoding/json"
	"strings"
	"testing"
)

// A CI gate over no policy is not a pass: --all on a tenant without device-preparation policies fails
// policiesFound (exit 1), with or without --expect-group, in JSON and in the table.
func TestVerifyAllWithNoPolicyFails(t *testing.T) {
	e := tenant(t, false, "")
	code := run(e, "verify", "--all", "--expect-group", "DPP devices", "-o", "json")
	var res struct {
		Policies []any
		Checks   []struct {
			Name string
			OK   bool
			Fix  string
		}
		OK bool
	}
	if err := json.Unmarshal([]byte(e.Stdout.String()), &res); err != nil {
		t.Fatalf("%v\n%s", err, e.Stdout)
	}
	if code != 1 || res.OK || len(res.Policies) != 0 || len(res.Checks) != 1 || res.Checks[0].Name != "policiesFound" || res.Checks[0].OK || res.Checks[0].Fix == "" {
		t.Errorf("exit %d, %+v\n%s", code, res, e.Stdout)
	}
	if !strings.Contains(e.Stderr.String(), "policiesFound: the tenant has no device-preparation policy to verify") {
		t.Errorf("stderr %s", e.Stderr)
	}
	if code := run(e, "verify", "--all"); code != 1 || !strings.HasPrefix(e.Stdout.String(), "(tenant)\t✗\tpoliciesFound\tthe tenant has no device-preparation policy: there is nothing to pass\t") {
		t.Errorf("table: exit %d\n%s", code, e.Stdout)
	}
	// With a policy, policiesFound passes and the run passes.
	if code := run(e, create...); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, e.Stderr)
	}
	if code := run(e, "verify", "--all"); code != 0 || !strings.HasPrefix(e.Stdout.String(), "(tenant)\t✓\tpoliciesFound\t1 device-preparation policy in the tenant\t") {
		t.Errorf("with a policy: exit %d\n%s%s", code, e.Stdout, e.Stderr)
	}
}

// A named policy the tenant does not have exits 2 saying so, by argument, and verifies nothing; the help
// says what 2 means.
func TestVerifyMissingPolicyExits2(t *testing.T) {
	e := tenant(t, false, "")
	if code := run(e, create...); code != 0 {
		t.Fatalf("create: exit %d\n%s", code, e.Stderr)
	}
	code := run(e, "verify", "Nope", "DPP - Sales", "Gone")
	want := "argument 1: no device-preparation policy in the tenant is named or has id \"Nope\"\n" +
		"argument 3: no device-preparation policy in the tenant is named or has id \"Gone\"\nnothing was verified"
	if code != 2 || !strings.Contains(e.Stderr.String(), want) || e.Stdout.Len() != 0 {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, e.Stdout, e.Stderr)
	}
	run(e, "verify", "--help")
	if !strings.Contains(e.Stdout.String(), "2 a named policy is not in the tenant") || !strings.Contains(e.Stdout.String(), "A CI gate should\nfail on any exit code but 0") {
		t.Errorf("help:\n%s", e.Stdout)
	}
}
