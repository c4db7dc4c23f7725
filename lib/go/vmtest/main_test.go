// SPDX-License-Identifier: MIT

//go:build vmtest

// Package vmtest is package timerx against the real timerx.ko, in the
// QEMU VMs of make test (lib/go/Makefile's vm target builds it as one
// static binary, CGO_ENABLED=0; the guest runs it from /tests). It prints
// TAP (internal/tap).
package vmtest

import (
	"os"
	"testing"

	"timerx/internal/tap"
)

func TestMain(m *testing.M) { os.Exit(tap.Main(m)) }
