// SPDX-License-Identifier: MIT

package tap

import (
	"strings"
	"testing"
)

const verbose = `=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
    b_test.go:12: got 3, want 4
    b_test.go:13: second line
--- FAIL: TestB (0.01s)
=== RUN   TestC
    c_test.go:7: no device here
--- SKIP: TestC (0.00s)
=== RUN   TestD
=== RUN   TestD/sub
    --- PASS: TestD/sub (0.00s)
--- PASS: TestD (0.00s)
FAIL
`

const want = `ok 1 - TestA
# b_test.go:12: got 3, want 4
# b_test.go:13: second line
not ok 2 - TestB
ok 3 - TestC # SKIP no device here
ok 4 - TestD/sub
ok 5 - TestD
1..5
`

func TestConvert(t *testing.T) {
	var out strings.Builder
	c := Convert(strings.NewReader(verbose), &out)
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if c != (Counts{Pass: 3, Fail: 1, Skip: 1}) {
		t.Fatalf("counts %+v", c)
	}
}

func TestConvertKeepsTrailingOutput(t *testing.T) {
	var out strings.Builder
	Convert(strings.NewReader("=== RUN   TestP\npanic: boom\n"), &out)
	if out.String() != "# panic: boom\n1..0\n" {
		t.Fatalf("got %q", out.String())
	}
}
