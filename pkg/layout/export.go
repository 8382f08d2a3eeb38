package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/groups"
	"github.com/autopilotctl/autopilotctl/pkg/prep"
)

// Sections export can include.
var Sections = []string{"groups", "esp", "profiles", "prep"}

// Exported is a tenant's layout with the ids of its objects, for comments.
type Exported struct {
	File File
	IDs  map[string]string // "section/name" → id
}

// Export reads the tenant's layout: the groups Autopilot objects target, every ESP (the default's settings
// under displayName "default"), profiles and device-preparation policies with their assignments, by name.
// Output is deterministic: objects sorted by name, no timestamps, the ownership marker left out. include
// picks sections (all when empty).
func Export(ctx context.Context, c *graph.Client, include []string) (*Exported, error) {
	want := func(s string) bool { return len(include) == 0 || slices.Contains(include, s) }
	ex := &Exported{IDs: map[string]string{}}
	names := map[string]string{} // group id → name
	refGroups := map[string]bool{}
	named := func(ts []enrollment.Target) (assign, exclude []string, all bool, err error) {
		if err = enrollment.NameGroups(ctx, c, ts, names); err != nil {
			return
		}
		for _, t := range ts {
			switch t.Kind {
			case enrollment.AllDevices:
				all = true
			case enrollment.Exclude:
				exclude = append(exclude, t.GroupName)
			default:
				assign = append(assign, t.GroupName)
			}
			if t.GroupID != "" {
				refGroups[t.GroupID] = true
			}
		}
		sort.Strings(assign)
		sort.Strings(exclude)
		return
	}
	if want("esp") {
		esps, err := enrollment.ListESPs(ctx, c, true)
		if err != nil {
			return nil, err
		}
		for _, e := range esps {
			var x ESP
			if err := fromProps(e.Props, &x.ESPSettings); err != nil {
				return nil, err
			}
			x.DisplayName = e.DisplayName
			if e.Default {
				x.DisplayName = enrollment.DefaultName
			} else {
				prio := e.Priority
				x.Priority = &prio
			}
			x.Description = markerless(x.Description)
			if t := x.InstallProgressTimeoutInMinutes; t != nil && *t == 0 {
				x.InstallProgressTimeoutInMinutes = nil // the default ESP's page-off 0, which no file may ask for
			}
			if x.Assign, x.Exclude, _, err = named(e.Assignments); err != nil {
				return nil, err
			}
			ex.File.ESPs = append(ex.File.ESPs, x)
			ex.IDs[SectionESPs+"/"+x.DisplayName] = e.ID
		}
		sort.SliceStable(ex.File.ESPs, func(i, j int) bool { return espOrder(ex.File.ESPs[i]) < espOrder(ex.File.ESPs[j]) })
	}
	if want("profiles") {
		profiles, err := enrollment.ListProfiles(ctx, c, true)
		if err != nil {
			return nil, err
		}
		for _, p := range profiles {
			var x Profile
			if err := fromProps(p.Props, &x.ProfileSettings); err != nil {
				return nil, err
			}
			x.DisplayName, x.Join, x.Mode = p.DisplayName, p.Join, p.Mode
			if x.Locale != nil && *x.Locale == "" {
				*x.Locale = "user-select" // what the service holds as "" (docs/graph.md#deployment-profiles)
			}
			x.Description = markerless(x.Description)
			x.PreprovisioningAllowed = nil // the mode says it
			if o := x.OutOfBoxExperienceSetting; o != nil {
				o.DeviceUsageType = nil
				if p.Mode == enrollment.SelfDeploying {
					o.UserType = nil // a self-deploying profile has no user
				}
			}
			if p.Join != enrollment.JoinHybrid {
				x.HybridAzureADJoinSkipConnectivityCheck = nil
			}
			if x.Assign, x.Exclude, x.AllDevices, err = named(p.Assignments); err != nil {
				return nil, err
			}
			ex.File.Profiles = append(ex.File.Profiles, x)
			ex.IDs[SectionProfiles+"/"+x.DisplayName] = p.ID
		}
		sort.SliceStable(ex.File.Profiles, func(i, j int) bool { return ex.File.Profiles[i].DisplayName < ex.File.Profiles[j].DisplayName })
	}
	if want("prep") {
		list, err := prep.List(ctx, c)
		if err != nil {
			return nil, err
		}
		r := prep.NewReader(c)
		for _, head := range list {
			pol, err := prep.Get(ctx, c, head.ID)
			if err != nil {
				return nil, err
			}
			x, err := exportPrep(ctx, c, r, pol, names)
			if err != nil {
				return nil, err
			}
			for _, id := range append(slices.Clone(pol.UserGroupIDs), x.deviceGroupID) {
				if id != "" {
					refGroups[id] = true
				}
			}
			ex.File.DevicePreparation = append(ex.File.DevicePreparation, x.Prep)
			ex.IDs[SectionPrep+"/"+x.Name] = pol.ID
		}
		sort.SliceStable(ex.File.DevicePreparation, func(i, j int) bool {
			return ex.File.DevicePreparation[i].Name < ex.File.DevicePreparation[j].Name
		})
	}
	if want("groups") {
		ids := make([]string, 0, len(refGroups))
		for id := range refGroups {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			g, err := groups.Get(ctx, c, id)
			if groups.IsNotFound(err) {
				continue // a deleted group an assignment still names
			}
			if err != nil {
				return nil, err
			}
			x, err := exportGroup(ctx, c, g)
			if err != nil {
				return nil, err
			}
			ex.File.Groups = append(ex.File.Groups, x)
			ex.IDs[SectionGroups+"/"+x.DisplayName] = g.ID
		}
		sort.SliceStable(ex.File.Groups, func(i, j int) bool { return ex.File.Groups[i].DisplayName < ex.File.Groups[j].DisplayName })
	}
	return ex, nil
}

// espOrder sorts the default ESP first, then by priority.
func espOrder(e ESP) int {
	if e.Priority == nil {
		return 0
	}
	return *e.Priority
}

// fromProps reads Graph's properties into settings whose JSON names are Graph's.
func fromProps(props map[string]any, v any) error {
	b, err := json.Marshal(props)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func markerless(s *string) *string {
	if s == nil {
		return nil
	}
	d := StripMarker(*s)
	if d == "" {
		return nil
	}
	return &d
}

func exportGroup(ctx context.Context, c *graph.Client, g *groups.Group) (Group, error) {
	x := Group{DisplayName: g.DisplayName, Description: StripMarker(g.Description)}
	if g.Dynamic() {
		x.MembershipRule = g.MembershipRule
		if strings.EqualFold(g.MembershipRuleProcessingState, groups.ProcessingPaused) {
			x.MembershipRuleProcessingState = groups.ProcessingPaused
		}
	}
	owners, err := groups.Owners(ctx, c, g.ID)
	if err != nil {
		return x, err
	}
	for _, o := range owners {
		if o.AppID != "" {
			x.Owners = append(x.Owners, strings.ToLower(o.AppID))
		}
	}
	sort.Strings(x.Owners)
	return x, nil
}

type exportedPrep struct {
	Prep
	deviceGroupID string
}

func exportPrep(ctx context.Context, c *graph.Client, r *prep.Reader, pol *prep.Policy, names map[string]string) (*exportedPrep, error) {
	name := func(id string) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		g, err := groups.Get(ctx, c, id)
		if err != nil {
			return "", err
		}
		names[id] = g.DisplayName
		return g.DisplayName, nil
	}
	x := &exportedPrep{}
	s := &x.Spec
	s.Name, s.Description = pol.Name, StripMarker(pol.Description)
	s.Mode = "user-driven"
	if pol.Mode == prep.Automatic {
		s.Mode = "automatic"
	}
	b, err := r.Current(ctx, pol.ID)
	if err != nil && !errors.Is(err, prep.ErrUnverifiable) {
		return nil, err
	}
	if b == nil || b.GroupID == "" {
		return nil, fmt.Errorf("device-preparation policy %q has no device group bound; bind one with `prep update` before exporting", pol.Name)
	}
	x.deviceGroupID = b.GroupID
	if s.DeviceGroup, err = name(b.GroupID); err != nil {
		return nil, err
	}
	for _, id := range pol.UserGroupIDs {
		n, err := name(id)
		if err != nil {
			return nil, err
		}
		s.UserGroups = append(s.UserGroups, n)
	}
	sort.Strings(s.UserGroups)
	st := pol.Settings
	for _, a := range st.Apps {
		s.Apps = append(s.Apps, a.ID)
	}
	for _, sc := range st.Scripts {
		s.Scripts = append(s.Scripts, sc.ID)
	}
	if pol.Mode == prep.UserDriven {
		s.AccountType, s.AllowSkip, s.AllowDiagnostics = st.AccountType, st.AllowSkip, st.AllowDiagnostics
		s.Timeout = fmt.Sprintf("%dm", st.TimeoutMinutes)
		msg := st.ErrorMessage
		s.ErrorMessage = &msg
		s.Priority = pol.Priority
	}
	return x, nil
}

// YAML writes the export as a layout file: the schema comment first, then the sections, each object's id
// as a comment on its name.
func (ex *Exported) YAML(schemaURL string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(ex.File); err != nil {
		return nil, err
	}
	sections := map[string]string{SectionGroups: "displayName", SectionESPs: "displayName", SectionProfiles: "displayName", SectionPrep: "name"}
	for section, key := range sections {
		seq := mapValue(&doc, section)
		if seq == nil {
			continue
		}
		for _, item := range seq.Content {
			for j := 0; j+1 < len(item.Content); j += 2 {
				if item.Content[j].Value == key {
					if id := ex.IDs[section+"/"+item.Content[j+1].Value]; id != "" {
						item.Content[j+1].LineComment = "id " + id
					}
				}
			}
		}
	}
	prune(&doc)
	var sb strings.Builder
	if schemaURL != "" {
		sb.WriteString("# yaml-language-server: $schema=" + schemaURL + "\n")
	}
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return []byte(sb.String()), enc.Close()
}

// prune drops keys the export does not need to say: nulls (not asked), empty strings and lists, and
// false switches of device-preparation policies (their default).
func prune(n *yaml.Node) {
	for _, c := range n.Content {
		prune(c)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	kept := n.Content[:0]
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		empty := v.Tag == "!!null" || v.Kind == yaml.SequenceNode && len(v.Content) == 0 ||
			v.Tag == "!!str" && v.Value == "" && v.LineComment == "" ||
			v.Tag == "!!bool" && v.Value == "false" && (k.Value == "createDeviceGroup" || k.Value == "allowSkip" || k.Value == "allowDiagnostics") ||
			v.Tag == "!!int" && v.Value == "0" && k.Value == "priority"
		if !empty {
			kept = append(kept, k, v)
		}
	}
	n.Content = kept
}
