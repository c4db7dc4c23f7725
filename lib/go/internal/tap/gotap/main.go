// SPDX-License-Identifier: MIT

// gotap converts `go test -v` output on stdin to TAP on stdout (see
// package tap); lib/go/Makefile's tap target runs the host suite through
// it for selftests/qemu/host.sh.
package main

import (
	"os"

	"timerx/internal/tap"
)

func main() {
	if c := tap.Convert(os.Stdin, os.Stdout); c.Fail > 0 {
		os.Exit(1)
	}
}
