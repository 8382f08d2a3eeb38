// Command gendocs regenerates docs/cli and docs/permissions.md: go run ./internal/gendocs docs
package main

import (
	"fmt"
	"os"

	"github.com/autopilotctl/autopilotctl/pkg/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	if err := cli.GenerateDocs(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
