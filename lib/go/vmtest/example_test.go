// SPDX-License-Identifier: MIT

//go:build vmtest

package vmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example engine (examples/engine, built next to this binary as
// go_engine by lib/go/Makefile's vm target), briefly, in both modes.
func TestExampleEngine(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(self), "go_engine")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("TIMERX_VM") == "" {
			t.Skipf("no %s", bin)
		}
		t.Fatal(err)
	}
	for _, mode := range []string{"poll", "block"} {
		out, err := exec.Command(bin, "-seconds", "1.5", "-sessions", "1000",
			"-session-period", "100ms", "-mode", mode).CombinedOutput()
		if err != nil {
			t.Fatalf("go_engine -mode %s: %v\n%s", mode, err, out)
		}
		s := string(out)
		if !strings.Contains(s, "total control:") || !strings.Contains(s, "delivery p50") ||
			strings.Contains(s, "total control: 0 ticks") {
			t.Fatalf("go_engine -mode %s printed no lateness:\n%s", mode, s)
		}
		t.Logf("-mode %s:\n%s", mode, s)
	}
}
