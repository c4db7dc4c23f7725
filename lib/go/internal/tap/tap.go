// SPDX-License-Identifier: MIT

// Package tap turns a Go test binary's verbose output into TAP, the
// format the QEMU harness (selftests/qemu/parse-results.awk) counts:
// "ok N - name", "not ok N - name" with the failed test's output before it
// as "# " lines, "ok N - name # SKIP reason", and the plan "1..N" at the
// end.
package tap

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// Main runs m with -test.v, its output converted to TAP on the real
// stdout, and returns m.Run's exit code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(tap.Main(m)) }
func Main(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if err := flag.Set("test.v", "true"); err != nil {
		fmt.Fprintf(os.Stderr, "tap: -test.v: %v\n", err)
		return 2
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tap: pipe: %v\n", err)
		return 2
	}
	stdout := os.Stdout
	os.Stdout = w
	done := make(chan struct{})
	go func() {
		Convert(r, stdout)
		close(done)
	}()
	code := m.Run()
	os.Stdout = stdout
	w.Close()
	<-done
	return code
}

// Counts is what Convert saw.
type Counts struct{ Pass, Fail, Skip int }

// Convert reads `go test -v` output from r and writes TAP to w. Every
// "--- PASS/FAIL/SKIP: name" line, subtests' included, is one result; the
// lines since the previous result are its output.
func Convert(r io.Reader, w io.Writer) Counts {
	var c Counts
	var output []string
	n := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		status, rest, isResult := result(trimmed)
		if !isResult {
			if !strings.HasPrefix(trimmed, "=== ") && trimmed != "PASS" && trimmed != "FAIL" {
				output = append(output, line)
			}
			continue
		}
		n++
		name := rest
		if i := strings.LastIndex(rest, " ("); i > 0 {
			name = rest[:i]
		}
		switch status {
		case "PASS":
			c.Pass++
			fmt.Fprintf(w, "ok %d - %s\n", n, name)
		case "SKIP":
			c.Skip++
			fmt.Fprintf(w, "ok %d - %s # SKIP %s\n", n, name, skipReason(output))
		default:
			c.Fail++
			for _, o := range output {
				fmt.Fprintf(w, "# %s\n", strings.TrimSpace(o))
			}
			fmt.Fprintf(w, "not ok %d - %s\n", n, name)
		}
		output = output[:0]
	}
	// Output after the last result (a panic, a message of TestMain).
	for _, o := range output {
		fmt.Fprintf(w, "# %s\n", strings.TrimSpace(o))
	}
	fmt.Fprintf(w, "1..%d\n", n)
	return c
}

func result(line string) (status, rest string, ok bool) {
	for _, s := range []string{"PASS", "FAIL", "SKIP"} {
		if p := "--- " + s + ": "; strings.HasPrefix(line, p) {
			return s, line[len(p):], true
		}
	}
	return "", "", false
}

// skipReason: the last line the test logged (t.Skip's message), without
// its "file.go:N: " prefix.
func skipReason(output []string) string {
	for i := len(output) - 1; i >= 0; i-- {
		s := strings.TrimSpace(output[i])
		if s == "" {
			continue
		}
		if _, after, found := strings.Cut(s, ": "); found && strings.Contains(s[:len(s)-len(after)], ".go:") {
			s = after
		}
		return s
	}
	return "skipped"
}
