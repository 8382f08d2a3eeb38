package groups

import (
	"context"
	"errors"
	"testing"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// Group and service principal ids go into URLs only as GUIDs; the request is refused before anything is sent
// (the client here has no server: any request would fail differently).
func TestGroupIDsMustBeGUIDs(t *testing.T) {
	c, err := graph.New(graph.Config{BaseURL: "https://graph.invalid/beta"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := `group id "../users/1?$x=1#" is not a GUID; it is not put in a request URL`
	for name, call := range map[string]func() error{
		"Get":        func() error { _, err := Get(ctx, c, "../users/1?$x=1#"); return err },
		"Delete":     func() error { return Delete(ctx, c, "../users/1?$x=1#") },
		"Owners":     func() error { _, err := Owners(ctx, c, "../users/1?$x=1#"); return err },
		"Members":    func() error { return Members(ctx, c, "../users/1?$x=1#", func(Member) error { return nil }) },
		"Processing": func() error { _, err := Processing(ctx, c, "../users/1?$x=1#"); return err },
	} {
		var ide *graph.IDError
		if err := call(); !errors.As(err, &ide) || err.Error() != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := checkServicePrincipal(&ServicePrincipal{ID: "sp/../x"}); err == nil ||
		err.Error() != `service principal id "sp/../x" is not a GUID; it is not put in a request URL` {
		t.Errorf("service principal: %v", err)
	}
}

// Ids listed in messages are the tenant's text: escaped.
func TestAmbiguousErrorEscapesIDs(t *testing.T) {
	e := &AmbiguousError{Name: "Twins", IDs: []string{"a\x1b]0;t\a", "b\u202e"}}
	if got, want := e.Error(), `2 groups are named "Twins" (ids a\x1b]0;t\a, b\u202e); rename or delete all but one, or name the group by id`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
