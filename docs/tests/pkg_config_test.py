#!/usr/bin/python3
"""Every pkg-config command the docs show runs: one TAP result per command.

  pkg_config_test.py [--root DIR] [--self-test] FILE...

A pkg-config command is `pkg-config --OPTION... ARGS` in a markdown file or
a man page (roff's `\\-` read as `-`), up to the end of the command: a
backtick, `)`, `"`, `|`, `;`, a backslash or the end of the line. It is
run as written (with PKG_CONFIG_PATH as the caller sets it: the staged
libtimerx's .pc files) and must exit 0, so that the docs name only
packages, variables and options that exist: README once told users
`pkg-config --cflags --libs timerx`, a package that is called libtimerx.

--self-test: also check that the test fails for such a name (a file of
its own with the command README had), and that it finds the commands of
a roff line.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

COMMAND = re.compile(r"pkg-config((?:[ \t]+[^\s`)\"|;\\]+)+)")


def commands(path):
    """(line, argv) for every pkg-config command of the file."""
    roff = not path.endswith(".md")
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if roff:
            line = line.replace("\\-", "-")
        for m in COMMAND.finditer(line):
            args = shlex.split(m.group(1))
            # `pkg-config file`, `pkg-config (1)`: prose, not a command.
            if args and args[0].startswith("--"):
                out.append((n, args))
    return out


def run(args):
    try:
        p = subprocess.run(["pkg-config"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=30)
        return p.returncode, p.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, str(e)


def check(files, root):
    """[(ok, description, output)] for every command of @files."""
    results = []
    for f in files:
        shown = os.path.relpath(os.path.abspath(f), root)
        for line, args in commands(f):
            rc, out = run(args)
            cmd = " ".join(["pkg-config"] + args)
            results.append((rc == 0, f"{shown}:{line} `{cmd}` runs", out))
    return results


def self_test(root):
    """The test itself: a wrong package name fails, a roff command is found."""
    results = []
    with tempfile.TemporaryDirectory() as d:
        md = os.path.join(d, "README.md")
        with open(md, "w") as f:
            f.write("Link with `pkg-config --cflags --libs timerx`.\n"
                    "A pkg-config file, and pkg-config (1), are prose.\n")
        got = check([md], d)
        results.append((len(got) == 1 and not got[0][0],
                        "self-test: `pkg-config --cflags --libs timerx` (no such package) fails",
                        "\n".join(f"{ok} {desc}" for ok, desc, _ in got)))
        man = os.path.join(d, "x.3")
        with open(man, "w") as f:
            f.write('.IR "pkg-config \\-\\-cflags \\-\\-libs libtimerx" ,\n.BR pkg-config (1);\n')
        found = commands(man)
        results.append((found == [(1, ["--cflags", "--libs", "libtimerx"])],
                        "self-test: a roff line's command is found, with its options",
                        repr(found)))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    results = self_test(args.root) if args.self_test else []
    found = check(args.files, args.root)
    if not found:
        found = [(False, "the docs show pkg-config commands", "none found in " +
                  " ".join(args.files))]
    results += found
    failed = 0
    for n, (ok, desc, out) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} {desc}")
        if not ok:
            failed += 1
            for line in out.strip().split("\n")[:20]:
                print(f"#   {line}")
    print(f"1..{len(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
