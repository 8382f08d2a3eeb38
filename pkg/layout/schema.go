package layout

import (
	"encoding/json"

	"github.com/invopop/jsonschema"

	"github.com/autopilotctl/autopilotctl/pkg/enrollment"
)

// SchemaID is where the schema is published; examples point at the file in the repository.
const SchemaID = "https://raw.githubusercontent.com/autopilotctl/autopilotctl/main/docs/schema/autopilot.schema.json"

// Schema is the JSON Schema of a layout file, generated from File: its yaml keys (inlined settings of the
// domain packages included), unknown keys refused as the reader refuses them. docs/schema/autopilot.schema.json
// is this output; a test fails when it is stale.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: true, DoNotReference: true}
	s := r.Reflect(&File{})
	s.ID = SchemaID
	s.Title = "autopilotctl layout"
	s.Description = "The whole Windows Autopilot layout as one file: groups, Enrollment Status Pages, deployment profiles and device-preparation policies, referring to each other by name (autopilotctl plan|apply|export)."
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// JSONSchemaExtend marks what a profile must say — as `profile create` requires a name and --mode — and
// the words join takes.
func (Profile) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Required = append(s.Required, "displayName", "mode")
	if p, ok := s.Properties.Get("join"); ok {
		p.Enum = []any{enrollment.JoinEntra, enrollment.JoinHybrid}
	}
}

// JSONSchemaExtend marks an ESP's name required.
func (ESP) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Required = append(s.Required, "displayName")
}

// JSONSchemaExtend marks what a device-preparation policy must say (its mode defaults to user-driven) and
// the words its mode takes.
func (Prep) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Required = append(s.Required, "name", "deviceGroup")
	if p, ok := s.Properties.Get("mode"); ok {
		p.Enum = []any{"user-driven", "automatic"} // prep.ParseMode's words
	}
}
