package graphmock

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page answers a collection request with one page of items: {"@odata.context", "value", "@odata.nextLink"}.
// The page size is Options.PageSize, lowered by $top. The nextLink is an absolute URL on this server that
// keeps the original query and carries an opaque $skiptoken (docs/graph.md#paging); @odata.count is added on
// the first page when $count=true.
func (c *call) Page(items []map[string]any) {
	q := c.R.URL.Query()
	size := c.s.opts.PageSize
	if top := q.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 0 {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid value '%s' for query option $top.", top))
			return
		}
		size = min(size, n)
	}
	offset := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, ok := decodeSkipToken(tok)
		if !ok {
			c.Error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid value '%s' for query option $skiptoken.", tok))
			return
		}
		offset = min(n, len(items))
	}
	end := min(offset+size, len(items))
	page := map[string]any{
		"@odata.context": c.s.rootURL(c.R) + "/beta/$metadata#" + strings.TrimPrefix(c.path, "/"),
		"value":          append([]map[string]any{}, items[offset:end]...),
	}
	if offset == 0 && strings.EqualFold(q.Get("$count"), "true") {
		page["@odata.count"] = len(items)
	}
	if end < len(items) && size > 0 {
		q.Set("$skiptoken", encodeSkipToken(end))
		page["@odata.nextLink"] = c.s.rootURL(c.R) + "/beta" + c.path + "?" + encodeQuery(q)
	}
	c.JSON(http.StatusOK, page)
}

func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("graphmock-offset:" + strconv.Itoa(offset)))
}

func decodeSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "graphmock-offset:"))
	return n, err == nil && n >= 0 && strings.HasPrefix(string(b), "graphmock-offset:")
}

// encodeQuery is url.Values.Encode without escaping '$', so system query options read as Graph writes them.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%24", "$")
}
