// Command autopilotctl does Windows Autopilot admin work against Microsoft Graph.
package main

import (
	"os"

	"github.com/autopilotctl/autopilotctl/pkg/cli"
)

func main() { os.Exit(cli.Main()) }
