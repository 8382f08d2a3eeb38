package graphmock

import (
	"fmt"
	"regexp"
	"strings"
)

// route is one registered "METHOD /path" pattern. Each path segment compiles to its own regexp so that
// literal segments match case-insensitively (Graph treats them so) and a {var} may sit inside a segment,
// as in "servicePrincipals(appId='{appId}')".
type route struct {
	method   string
	pattern  string // "POST /deviceManagement/importedWindowsAutopilotDeviceIdentities/import"
	segments []*regexp.Regexp
	vars     [][]string // variable names per segment
	nvars    int
	handler  func(c *call)
}

var routeVar = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9]*)\}`)

// handle registers h for pattern, "METHOD /path" without the /beta prefix.
func (s *Server) handle(pattern string, h func(c *call)) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("graphmock: bad route pattern %q", pattern))
	}
	rt := &route{method: method, pattern: pattern, handler: h}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		var expr strings.Builder
		var names []string
		last := 0
		for _, m := range routeVar.FindAllStringSubmatchIndex(seg, -1) {
			expr.WriteString(regexp.QuoteMeta(seg[last:m[0]]))
			expr.WriteString("(.+?)")
			names = append(names, seg[m[2]:m[3]])
			last = m[1]
		}
		expr.WriteString(regexp.QuoteMeta(seg[last:]))
		rt.segments = append(rt.segments, regexp.MustCompile("(?i)^"+expr.String()+"$"))
		rt.vars = append(rt.vars, names)
		rt.nvars += len(names)
	}
	s.routes = append(s.routes, rt)
}

// routeMatch is the outcome of looking a request up in the routing table.
type routeMatch struct {
	route     *route
	params    map[string]string
	wrongVerb bool   // the path exists, but not for this method
	badSeg    string // first path segment no route knows, when nothing matched
}

// match finds the route for method and path (path without /beta). Among several matches the one with
// fewest variables wins, so ".../import" beats ".../{id}".
func (s *Server) match(method, path string) routeMatch {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var res routeMatch
	deepest := 0
	for _, rt := range s.routes {
		params, depth := rt.matchPath(segs)
		if params == nil {
			deepest = max(deepest, depth)
			continue
		}
		if rt.method != method {
			res.wrongVerb = true
			continue
		}
		if res.route == nil || rt.nvars < res.route.nvars {
			res.route, res.params = rt, params
		}
	}
	if res.route != nil {
		res.wrongVerb = false
	} else if !res.wrongVerb {
		res.badSeg = segs[min(deepest, len(segs)-1)]
	}
	return res
}

// matchPath returns the variables when every segment matches, else nil and how many leading segments did.
func (rt *route) matchPath(segs []string) (map[string]string, int) {
	for i, seg := range segs {
		if i >= len(rt.segments) || !rt.segments[i].MatchString(seg) {
			return nil, i
		}
	}
	if len(segs) != len(rt.segments) {
		return nil, len(segs)
	}
	params := map[string]string{}
	for i, seg := range segs {
		m := rt.segments[i].FindStringSubmatch(seg)
		for j, name := range rt.vars[i] {
			params[name] = m[j+1]
		}
	}
	return params, len(segs)
}
