package autopilot

import (
	"context"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/graph"
)

// GroupTags lists the group tags the tenant's Autopilot devices carry that start with prefix (ignoring case),
// each once in the spelling first seen (tags match ignoring case), at most limit of them (0: all). Graph has no
// list of distinct values, so this pages through the devices; an error part-way (ctx ending) comes with the
// tags read until then.
func GroupTags(ctx context.Context, c *graph.Client, prefix string, limit int) ([]string, error) {
	var tags []string
	seen := map[string]bool{}
	prefix = strings.ToLower(prefix)
	_, err := eachDevice(ctx, c, "", func(d Device) error {
		key := strings.ToLower(d.GroupTag)
		if d.GroupTag == "" || seen[key] || !strings.HasPrefix(key, prefix) {
			return nil
		}
		seen[key] = true
		tags = append(tags, d.GroupTag)
		if limit > 0 && len(tags) >= limit {
			return graph.ErrStop
		}
		return nil
	})
	return tags, err
}
