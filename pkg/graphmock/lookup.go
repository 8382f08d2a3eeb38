package graphmock

import (
	"slices"
	"strings"
)

// findID returns the entity of list whose id (as idOf reads it) equals id ignoring case, or nil. Graph ids
// are GUIDs, which the service matches case-insensitively.
func findID[T any](list []*T, id string, idOf func(*T) string) *T {
	i := slices.IndexFunc(list, func(e *T) bool { return strings.EqualFold(idOf(e), id) })
	if i < 0 {
		return nil
	}
	return list[i]
}

// byID adapts handlers of one entity kind to routes with an {id} variable: the wrapper it returns looks the
// id up with find and answers missing (the collection's 404) when there is no such entity.
func byID[T any](find func(id string) *T, missing func(c *call)) func(h func(c *call, e *T)) func(c *call) {
	return func(h func(c *call, e *T)) func(c *call) {
		return func(c *call) {
			if e := find(c.Param("id")); e != nil {
				h(c, e)
				return
			}
			missing(c)
		}
	}
}

// intuneMissing answers Intune's 404 for an unknown id in a collection of typ.
func intuneMissing(typ string) func(c *call) {
	return func(c *call) { c.notFound(typ) }
}

// entraMissing answers Entra ID's 404 for an unknown id.
func entraMissing(c *call) { c.fail(entraNotFound(c.Param("id"))) }
