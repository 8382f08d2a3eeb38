package cmdutil

import "github.com/autopilotctl/autopilotctl/internal/safetext"

// Confirm asks question on a terminal before a write; elsewhere only --yes lets it go ahead. Both refusals
// are usage errors (exit 2): nothing was changed. refused says what is not done, e.g. "not deleting anything".
func Confirm(f *Factory, yes bool, question, refused string) error {
	if yes {
		return nil
	}
	if !f.IOStreams.CanPrompt() {
		return UsageErrorf("%s without confirmation: pass --yes (or --dry-run to see what would change)", refused)
	}
	ok, err := f.IOStreams.Confirm(safetext.EscapeText(question)) // it may name what the tenant holds
	if err != nil {
		return err
	}
	if !ok {
		return InputErrorf("cancelled: nothing was changed")
	}
	return nil
}
