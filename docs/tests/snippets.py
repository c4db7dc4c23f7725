#!/usr/bin/python3
"""Compile the code snippets of markdown files; one TAP result per snippet.

  snippets.py [--root DIR] [--work DIR] [--link FLAGS] [--jobs N] FILE.md...

The convention (docs/CONTRIBUTING.md, "Code snippets"): a fenced block's
info string names its language and, after it, flags.

  cpp, c++   C++20 against include/ (libtimerx) and include/uapi, linked
             with --link (the built library)
  c          C (gnu11) against include/uapi, linked with libc
  sh, bash, shell   bash -n
  go         gofmt -l (must print nothing); go vet too for a whole file
             (one with a package clause)

  nocompile      not checked (a synopsis, pseudo-code, an excerpt)
  compile-fail   must NOT compile (what the API rejects)
  run            also run it (C and C++; it must exit 0 within 10 s)
  toplevel       file scope, not wrapped (implied by a main function)

Any other language is not checked; an unknown flag fails. A C or C++
snippet without main is the body of `static int snippet(void)`, after the
common includes (C++: <timerx/timerx.hpp>, the standard headers docs use
and std::chrono_literals; C: libc's and <linux/timerx.h>), with its #include lines lifted to file
scope; `return 0;` follows it and main calls it. An HTML comment right
before the block, `<!-- snippet-setup ... -->`, is code put before the
snippet in the same scope (the variables it uses: `timerx::Context ctx;`)
and is not shown by markdown renderers. Diagnostics point at FILE.md:LINE
(#line directives).
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

LANGS = {"c": "c", "cpp": "cpp", "c++": "cpp", "cxx": "cpp", "sh": "sh", "bash": "sh",
         "shell": "sh", "go": "go"}
FLAGS = {"nocompile", "compile-fail", "run", "toplevel"}

CPP_PRELUDE = """#include <timerx/timerx.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
using namespace std::chrono_literals;
"""

C_PRELUDE = """#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/timerx.h>
"""

FENCE = re.compile(r"^( {0,3}|\s*)(`{3,}|~{3,})\s*([^`]*?)\s*$")
SETUP = re.compile(r"<!--\s*snippet-setup\b:?(.*?)-->", re.S)
MAIN = re.compile(r"\bint\s+main\s*\(")


class Snippet:
    def __init__(self, path, line, info, code, code_line, setup, setup_line):
        self.path, self.line, self.info = path, line, info
        self.code, self.code_line = code, code_line
        self.setup, self.setup_line = setup, setup_line
        words = info.split()
        self.lang = LANGS.get(words[0].lower()) if words else None
        self.flags = words[1:]


def extract(path, display):
    """Fenced blocks of a markdown file, with the setup comment before each."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3)
        start = i
        body = []
        i += 1
        while i < len(lines):
            close = re.match(r"^\s*(" + re.escape(fence[0]) + r"{3,})\s*$", lines[i])
            if close and len(close.group(1)) >= len(fence):
                break
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            i += 1
        i += 1
        # The setup comment ends on the last non-blank line before the fence.
        setup, setup_line = "", 0
        j = start - 1
        while j >= 0 and lines[j].strip() == "":
            j -= 1
        if j >= 0 and lines[j].rstrip().endswith("-->"):
            k = j
            while k >= 0 and "<!--" not in lines[k]:
                k -= 1
            sm = SETUP.search("\n".join(lines[k:j + 1])) if k >= 0 else None
            if sm:
                setup = sm.group(1)
                first = lines[k][lines[k].index("<!--"):]
                # Code on the comment's first line starts on it, else on the next.
                rest = re.sub(r"<!--\s*snippet-setup\b:?", "", first, count=1)
                setup_line = k + 1 if rest.strip() else k + 2
                if not rest.strip():
                    setup = setup.split("\n", 1)[1] if "\n" in setup else ""
        out.append(Snippet(display, start + 1, info, "\n".join(body), start + 2,
                           setup, setup_line))
    return out


def line_directive(line, path):
    return f'#line {line} "{path}"\n'


def split_includes(code, first_line, path):
    """(#include lines with #line directives, the rest with one #line)."""
    hoisted, rest = [], []
    for n, line in enumerate(code.split("\n")):
        if re.match(r"\s*#\s*include\b", line):
            hoisted.append(line_directive(first_line + n, path) + line + "\n")
            rest.append("")
        else:
            rest.append(line)
    return "".join(hoisted), line_directive(first_line, path) + "\n".join(rest) + "\n"


def c_source(s):
    prelude = CPP_PRELUDE if s.lang == "cpp" else C_PRELUDE
    void = "" if s.lang == "cpp" else "void"
    if "toplevel" in s.flags or MAIN.search(s.code):
        src = prelude
        if s.setup:
            src += line_directive(s.setup_line, s.path) + s.setup + "\n"
        src += line_directive(s.code_line, s.path) + s.code + "\n"
        if not MAIN.search(s.code):
            src += f"#line 1 \"<snippet main>\"\nint main({void}) {{ return 0; }}\n"
        return src
    inc_setup, body_setup = split_includes(s.setup, s.setup_line, s.path) if s.setup else ("", "")
    inc_code, body_code = split_includes(s.code, s.code_line, s.path)
    return (prelude + inc_setup + inc_code +
            f"#line 1 \"<snippet wrapper>\"\nstatic int snippet({void})\n{{\n" +
            body_setup + body_code +
            f"#line 2 \"<snippet wrapper>\"\n\treturn 0;\n}}\n\nint main({void}) {{ return snippet(); }}\n")


def run(cmd, timeout=120, cwd=None):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout} s: {' '.join(cmd)}"


def check_c(s, args, base):
    ext = ".cc" if s.lang == "cpp" else ".c"
    src, exe = base + ext, base
    with open(src, "w") as f:
        f.write(c_source(s))
    if s.lang == "cpp":
        cmd = [args.cxx, "-std=c++20", "-I", os.path.join(args.root, "include"),
               "-I", os.path.join(args.root, "include/uapi")]
        link = shlex.split(args.link)
    else:
        cmd = [args.cc, "-std=gnu11", "-I", os.path.join(args.root, "include/uapi")]
        link = []
    cmd += ["-Wall", "-Wextra", "-Werror", src]
    if "compile-fail" in s.flags:
        rc, out = run(cmd + ["-fsyntax-only"])
        if rc == 0:
            return False, "compiles, but is marked compile-fail", ""
        return True, "", ""
    rc, out = run(cmd + ["-o", exe] + link)
    if rc != 0:
        return False, out, src
    if "run" in s.flags:
        rc, out = run([exe], timeout=10)
        if rc != 0:
            return False, f"ran and exited {rc}:\n{out}", src
    return True, "", ""


def check_sh(s, args, base):
    with open(base + ".sh", "w") as f:
        f.write(s.code + "\n")
    rc, out = run(["bash", "-n", base + ".sh"])
    out = out.replace(base + ".sh: line ", f"{s.path}:")
    # bash numbers from the block's first line.
    out = re.sub(rf"{re.escape(s.path)}:(\d+)",
                 lambda m: f"{s.path}:{int(m.group(1)) + s.code_line - 1}", out)
    return rc == 0, out, ""


def check_go(s, args, base):
    os.makedirs(base, exist_ok=True)
    src = os.path.join(base, "snippet.go")
    with open(src, "w") as f:
        f.write(s.code + "\n")
    rc, out = run(["gofmt", "-l", "-e", src])
    if rc != 0 or out.strip():
        rc2, diff = run(["gofmt", "-d", "-e", src])
        return False, (out if rc != 0 else "not gofmt-formatted:\n" + diff), src
    if re.search(r"^package\s+\w+", s.code, re.M):
        with open(os.path.join(base, "go.mod"), "w") as f:
            f.write("module snippet\n\ngo 1.19\n")
        env_cmd = ["env", "GOFLAGS=-mod=mod", "GOPROXY=off", "go", "vet", "."]
        rc, out = run(env_cmd, cwd=base)
        if rc != 0:
            return False, out, src
    return True, "", ""


CHECKERS = {"c": check_c, "cpp": check_c, "sh": check_sh, "go": check_go}


def check(s, args, index):
    """(status, description, diagnostics) with status pass/fail/skip."""
    desc = f"{s.path}:{s.line} ({s.info.split()[0]})"
    bad = [f for f in s.flags if f not in FLAGS]
    if bad:
        return "fail", desc, f"unknown flag(s) {' '.join(bad)} (known: {' '.join(sorted(FLAGS))})"
    if "nocompile" in s.flags:
        return "skip", desc + " # SKIP nocompile", ""
    if s.lang == "go" and not shutil_which("gofmt"):
        return "skip", desc + " # SKIP no gofmt", ""
    base = os.path.join(args.work, re.sub(r"[^\w.-]", "_", s.path) + f"-{s.line}")
    ok, diag, src = CHECKERS[s.lang](s, args, base)
    if "compile-fail" in s.flags:
        desc += " does not compile, as marked"
    if not ok and src:
        diag += f"\n(wrapped source: {src})"
    return ("pass" if ok else "fail"), desc, diag


def shutil_which(name):
    import shutil
    return shutil.which(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)),
                    help="the source tree (its include/ and include/uapi)")
    ap.add_argument("--work", default=None, help="where the wrapped sources and binaries go")
    ap.add_argument("--link", default="", help="linker flags for C++ snippets (libtimerx)")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="only list the checked snippets")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    args.root = os.path.abspath(args.root)
    args.work = os.path.abspath(args.work or os.path.join(args.root, "build/docs/snippets"))
    os.makedirs(args.work, exist_ok=True)

    snippets = []
    for f in args.files:
        display = os.path.relpath(os.path.abspath(f), args.root)
        if display.startswith(".."):
            display = f
        snippets += [s for s in extract(f, display) if s.lang]
    if args.list:
        for s in snippets:
            print(f"{s.path}:{s.line} {s.info}")
        return 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: check(p[1], args, p[0]), enumerate(snippets)))
    failed = 0
    for n, (status, desc, diag) in enumerate(results, 1):
        print(f"{'not ok' if status == 'fail' else 'ok'} {n} {desc}")
        if status == "fail":
            failed += 1
            for line in diag.strip().split("\n")[:40]:
                print(f"#   {line}")
    print(f"1..{len(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
