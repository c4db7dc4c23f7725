#!/usr/bin/python3
"""The snippet checker against a fixture whose blocks have known outcomes, as TAP.

Runs docs/tests/snippets.py on docs/tests/fixtures/snippets.md and checks
each block's result (pass, fail, skip) and that a failure's diagnostics
point at the markdown file's line.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "snippets.md")

# Opening fence line -> expected status, and for failures a text the
# diagnostics must contain.
EXPECTED = {
    "good C++ body": ("pass", None),
    "unused variable": ("fail", r"snippets\.md:\d+:\d+: error: unused variable .unused."),
    "C against the UAPI": ("pass", None),
    "setup comment": ("pass", None),
    "whole program, run": ("pass", None),
    "runs and fails": ("fail", r"exited 3"),
    "compile-fail that fails": ("pass", None),
    "compile-fail that compiles": ("fail", r"marked compile-fail"),
    "nocompile": ("skip", None),
    "unknown flag": ("fail", r"unknown flag\(s\) nocomplie"),
    "sh good": ("pass", None),
    "bash bad": ("fail", r"snippets\.md:\d+: syntax error"),
    "go formatted": ("pass", None),
    "go unformatted": ("fail", r"not gofmt-formatted"),
}


def main():
    work = os.environ.get("SNIPPETS_TEST_WORK", "/tmp/snippets-test")
    out = subprocess.run([sys.executable, os.path.join(HERE, "snippets.py"), "--work", work,
                          FIXTURE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout
    results, current = [], None
    for line in out.split("\n"):
        m = re.match(r"(not ok|ok) \d+ (\S+)(.*)", line)
        if m:
            status = "fail" if m.group(1) == "not ok" else (
                "skip" if "# SKIP" in m.group(3) else "pass")
            current = [m.group(2), status, ""]
            results.append(current)
        elif line.startswith("#   ") and current:
            current[2] += line[4:] + "\n"
    n = failed = 0

    def result(ok, desc, diag=""):
        nonlocal n, failed
        n += 1
        print(f"{'ok' if ok else 'not ok'} {n} snippets.py self-test: {desc}")
        if not ok:
            failed += 1
            for d in diag.strip().split("\n")[:30]:
                print(f"#   {d}")

    result(len(results) == len(EXPECTED),
           f"{len(EXPECTED)} checked blocks found in the fixture (the text block is not one)",
           f"found {len(results)}:\n{out}")
    for (what, (want, pattern)), got in zip(EXPECTED.items(), results):
        where, status, diag = got
        ok = status == want and (pattern is None or re.search(pattern, diag))
        result(ok, f"{where} ({what}) is {want}"
               + (f" and says /{pattern}/" if pattern else ""),
               f"got {status}:\n{diag}")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
