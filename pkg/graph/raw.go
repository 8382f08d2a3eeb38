package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/autopilotctl/autopilotctl/internal/safetext"
)

// Do sends one request through the full pipeline (auth, retry, compression, debug) for calls the SDK does not
// model or whose raw JSON we want. path is relative to BaseURL ("/deviceManagement/…") or an absolute URL with
// BaseURL's scheme, host and port (a nextLink); any other absolute URL is an *OriginError, never requested.
// body, when not nil, is sent as JSON; out, when not nil, receives the JSON answer.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	if out == nil {
		ri, err := c.request(method, path, body)
		if err != nil {
			return err
		}
		return Translate(c.Adapter.SendNoContent(ctx, ri, errorMapping))
	}
	b, err := c.send(ctx, method, path, body)
	if err != nil || len(b) == 0 {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, shortPath(path), err)
	}
	return nil
}

// send is Do's request, returning the answer's bytes. Under a snapshot (WithSnapshot) a GET is asked once.
func (c *Client) send(ctx context.Context, method, path string, body any) ([]byte, error) {
	ri, err := c.request(method, path, body)
	if err != nil {
		return nil, err
	}
	s := snapshotOf(ctx)
	if s == nil || ri.Method != abs.GET {
		return c.sendLive(ctx, ri)
	}
	u, err := ri.GetUri()
	if err != nil {
		return nil, err
	}
	key := u.String()
	if a, ok := s.get(key); ok {
		return a.body, a.err
	}
	b, err := c.sendLive(ctx, ri)
	var ge *Error
	switch {
	case err == nil:
		s.put(key, cachedAnswer{body: b})
	case errors.As(err, &ge) && lasting(ge.Status):
		s.put(key, cachedAnswer{err: err})
	}
	return b, err
}

func (c *Client) sendLive(ctx context.Context, ri *abs.RequestInformation) ([]byte, error) {
	raw, err := c.Adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return nil, Translate(err)
	}
	b, _ := raw.([]byte)
	return b, nil
}

func (c *Client) request(method, path string, body any) (*abs.RequestInformation, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
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

// resolve makes path a URL: relative paths go under BaseURL; an absolute one (with a scheme, or "//host/…")
// must have BaseURL's scheme, host and port.
func (c *Client) resolve(path string) (*url.URL, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("bad request URL %s: %w", safetext.Quote(path), err)
	}
	if u.Scheme != "" || u.Host != "" {
		return u, c.checkOrigin(u)
	}
	if u, err = url.Parse(c.BaseURL + path); err != nil {
		return nil, fmt.Errorf("bad request URL %s: %w", safetext.Quote(path), err)
	}
	return u, nil
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
// Stop early by returning ErrStop from each. A nextLink already followed (a page pointing to itself, or a cycle),
// one outside the Graph URL's scheme, host and port, more than Limits.MaxPages pages, a page of more than
// Limits.MaxPageItems items and more than Limits.MaxItems items in all end the listing with an error rather than
// looping, leaking the token or filling memory. Items are decoded one at a time, so a page costs its bytes and
// one item, not a copy of every item.
func (c *Client) List(ctx context.Context, path string, each func(json.RawMessage) error) error {
	seen := map[string]bool{}
	total := 0
	for next, pages := path, 0; next != ""; pages++ {
		u, err := c.resolve(next)
		var oe *OriginError
		if errors.As(err, &oe) {
			return fmt.Errorf("listing %s: Graph's nextLink after page %d: %w", shortPath(path), pages, err)
		}
		if err != nil {
			return err
		}
		key := u.String()
		if seen[key] {
			return fmt.Errorf("listing %s: Graph's nextLink after page %d points back to a page already read (%s); stopped",
				shortPath(path), pages, shortPath(next))
		}
		if pages == c.limits.MaxPages {
			return fmt.Errorf("listing %s: more than %d pages; stopped", shortPath(path), c.limits.MaxPages)
		}
		seen[key] = true
		b, err := c.send(ctx, "GET", next, nil)
		if err != nil {
			return err
		}
		next, err = eachElement(b, "value", c.limits.MaxPageItems, func(item json.RawMessage) error {
			if total++; total > c.limits.MaxItems {
				return fmt.Errorf("listing %s: more than %d items; stopped", shortPath(path), c.limits.MaxItems)
			}
			return each(item)
		})
		switch {
		case err == ErrStop:
			return nil
		case err == errTooManyElements:
			return &LimitError{Method: "GET", URL: shortURL(u),
				What: fmt.Sprintf("Graph's page holds more than %d items (its pages hold at most 1,000); stopped", c.limits.MaxPageItems)}
		case err != nil:
			return err
		}
	}
	return nil
}

// errTooManyElements is eachElement's answer to an array longer than its max.
var errTooManyElements = errors.New("too many elements")

// eachElement reads the JSON object b, handing each element of its array member key to each, one at a time:
// at most max of them (past that, errTooManyElements). It returns the object's @odata.nextLink. Other members
// are skipped; a null or missing array has no elements.
func eachElement(b []byte, key string, max int, each func(json.RawMessage) error) (nextLink string, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	bad := func(err error) error { return fmt.Errorf("Graph's answer is not the expected JSON: %w", err) }
	if err := expectDelim(dec, '{'); err != nil {
		return "", bad(err)
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", bad(err)
		}
		switch tok {
		case key:
			if tok, err = dec.Token(); err != nil {
				return "", bad(err)
			}
			if tok == nil {
				continue // null
			}
			if tok != json.Delim('[') {
				return "", bad(fmt.Errorf("%q is not an array", key))
			}
			for dec.More() {
				if n++; n > max {
					return "", errTooManyElements
				}
				var item json.RawMessage
				if err := dec.Decode(&item); err != nil {
					return "", bad(err)
				}
				if err := each(item); err != nil {
					return "", err
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return "", bad(err)
			}
		case "@odata.nextLink":
			if err := dec.Decode(&nextLink); err != nil {
				return "", bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", bad(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return "", bad(err)
	}
	return nextLink, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %q, found %v", want, tok)
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
