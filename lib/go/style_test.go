// SPDX-License-Identifier: MIT

package timerx

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gofmt and go vet over the whole module (examples and the VM tests, whose
// build tag vet is given, included) and over the benchmark's Go program
// (bench/go, a module of its own): both must be silent.

const benchModule = "../../bench/go"

// goTool: the toolchain that built the test (GOROOT is empty under
// -trimpath: then the one in PATH).
func goTool(name string) string {
	if root := runtime.GOROOT(); root != "" {
		return filepath.Join(root, "bin", name)
	}
	return name
}

func TestGofmtClean(t *testing.T) {
	out, err := exec.Command(goTool("gofmt"), "-l", ".", benchModule).CombinedOutput()
	if err != nil {
		t.Fatalf("gofmt -l: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Fatalf("not gofmt-formatted (gofmt -w them):\n%s", s)
	}
}

func TestGoVetClean(t *testing.T) {
	for _, run := range []struct{ dir, tags string }{{".", ""}, {".", "vmtest"}, {benchModule, ""}} {
		cmd := exec.Command(goTool("go"), "vet", "-tags="+run.tags, "./...")
		cmd.Dir = run.dir
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet -tags=%q ./... in %s: %v\n%s", run.tags, run.dir, err, out)
		}
	}
}
