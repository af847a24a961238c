// Package cliflags makes the flag sets of the project's tools (cmd/bench,
// cmd/loadgen): parse errors are returned rather than exiting the process,
// so each tool's tests can parse bad flags, and -h prints the tool's own
// usage text before its flags.
package cliflags

import (
	"flag"
	"fmt"
	"io"
)

// New returns a flag set named name that writes to stderr and whose usage
// is usage followed by the flags' defaults.
func New(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}
