// Command man writes a man page per command of the tree into DIR (release archives carry them):
// go run ./internal/gendocs/man DIR. SOURCE_DATE_EPOCH, when set, dates the pages, so a release build is
// reproducible.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/autopilotctl/autopilotctl/pkg/cli"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: man DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Getenv("SOURCE_DATE_EPOCH")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir, epoch string) error {
	header := &doc.GenManHeader{Title: "AUTOPILOTCTL", Section: "1", Source: "autopilotctl", Manual: "autopilotctl manual"}
	if epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", epoch)
		}
		date := time.Unix(sec, 0).UTC()
		header.Date = &date
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ios, _, _, _ := iostreams.Test()
	root := cli.NewRootCmd(cmdutil.New(ios))
	root.DisableAutoGenTag = true
	return doc.GenManTree(root, header, dir)
}
