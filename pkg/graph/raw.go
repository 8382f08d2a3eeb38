package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// Do sends one request through the full pipeline (auth, retry, compression, debug) for calls the SDK does not
// model or whose raw JSON we want. path is relative to BaseURL ("/deviceManagement/…") or an absolute URL on the
// same host (a nextLink). body, when not nil, is sent as JSON; out, when not nil, receives the JSON answer.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	ri, err := c.request(method, path, body)
	if err != nil {
		return err
	}
	if out == nil {
		return Translate(c.Adapter.SendNoContent(ctx, ri, errorMapping))
	}
	raw, err := c.Adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return Translate(err)
	}
	b, _ := raw.([]byte)
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

func (c *Client) request(method, path string, body any) (*abs.RequestInformation, error) {
	target := path
	if !isAbsolute(path) {
		target = c.BaseURL + path
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("bad request URL %q: %w", target, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method, err = parseMethod(method)
	if err != nil {
		return nil, err
	}
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		ri.SetStreamContentAndContentType(b, "application/json")
	}
	return ri, nil
}

func isAbsolute(path string) bool {
	return strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://")
}

func parseMethod(m string) (abs.HttpMethod, error) {
	switch strings.ToUpper(m) {
	case "GET":
		return abs.GET, nil
	case "POST":
		return abs.POST, nil
	case "PATCH":
		return abs.PATCH, nil
	case "PUT":
		return abs.PUT, nil
	case "DELETE":
		return abs.DELETE, nil
	}
	return 0, fmt.Errorf("unsupported HTTP method %q", m)
}

// List pages through a collection, following @odata.nextLink verbatim, and hands each item to each.
// Stop early by returning ErrStop from each. A nextLink already followed (a page pointing to itself, or a cycle)
// and more than Limits.MaxPages pages end the listing with an error rather than looping.
func (c *Client) List(ctx context.Context, path string, each func(json.RawMessage) error) error {
	seen := map[string]bool{}
	for next, pages := path, 0; next != ""; pages++ {
		key := next
		if !isAbsolute(next) {
			key = c.BaseURL + next
		}
		if seen[key] {
			return fmt.Errorf("listing %s: Graph's nextLink after page %d points back to a page already read (%s); stopped",
				shortPath(path), pages, shortPath(next))
		}
		if pages == c.limits.MaxPages {
			return fmt.Errorf("listing %s: more than %d pages; stopped", shortPath(path), c.limits.MaxPages)
		}
		seen[key] = true
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
		}
		if err := c.Do(ctx, "GET", next, nil, &page); err != nil {
			return err
		}
		for _, item := range page.Value {
			if err := each(item); err != nil {
				if err == ErrStop {
					return nil
				}
				return err
			}
		}
		next = page.NextLink
	}
	return nil
}

// shortPath is a request path or link for messages: no userinfo, truncated (a skip token can be kilobytes).
func shortPath(p string) string {
	if u, err := url.Parse(p); err == nil {
		p = redactURL(u)
	}
	return truncate(p, 120)
}

// ErrStop ends List early without an error.
var ErrStop = fmt.Errorf("stop paging")
