#!/usr/bin/python3
"""libtimerx(3)'s SYNOPSIS against the headers: one TAP result per declaration.

  man_synopsis_test.py [--cxx CXX] [--root DIR] [--work DIR] [--self-test] PAGE

Every `.BI` line between `.nf` and `.fi` of the SYNOPSIS is a declaration:
its bold words are code, its italic ones parameter names. Without the
names and the default arguments each becomes a check the compiler makes
against the page's own #include lines (C++20, -Wall -Wextra -Werror):

  RET timerx::C::f(ARGS) QUALS;    a pointer to member function of exactly
                                   that type takes &timerx::C::f (const,
                                   ref-qualifier and noexcept as written:
                                   a call the page shows without noexcept
                                   must not be noexcept, and the reverse)
  static RET timerx::C::f(ARGS);   the same as a pointer to function
  RET timerx::f(ARGS);             likewise, for a free function
  timerx::C::C(ARGS) [noexcept];   a constructor: C is constructible from
                                   ARGS (nothrow exactly when written so)
  template ... / duration<R, P>    a template: the name is declared there

so that the page cannot show a constructor, an overload or a signature
the headers do not have (libtimerx(3) once showed a constructor that did
not exist). Diagnostics point at PAGE:LINE (#line directives).

--self-test: also check that a made-up constructor, a wrong const and a
missing noexcept on such a page are caught.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile


def roff_args(text):
    """The arguments of a roff request line: quoted strings or words."""
    out, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] == '"':
            j = text.find('"', i + 1)
            j = len(text) if j < 0 else j
            out.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace():
                j += 1
            out.append(text[i:j])
            i = j
    return out


def unroff(s):
    s = re.sub(r"\\f[RP].*?(\\f[BP]|$)", "", s)  # roman comments: /* ... */
    return s.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'").strip()


def synopsis(path):
    """([(line, #include)], [(line, declaration without parameter names)])."""
    includes, decls, state = [], [], None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith(".SH"):
            state = "syn" if line.split(None, 1)[1:] == ["SYNOPSIS"] else None
            continue
        if state is None:
            continue
        if line.startswith(".fi"):
            state = None
        elif line.startswith(".B ") and "#include" in line:
            includes.append((n, unroff(line[3:])))
        elif line.startswith(".BI "):
            args = roff_args(line[4:])
            code = " ".join(unroff(a) for k, a in enumerate(args) if k % 2 == 0)
            decls.append((n, code))
    return includes, decls


def split_top(s, sep):
    """@s split at @sep outside <>, (), {} and []."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "<({[":
            depth += 1
        elif ch in ">)}]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse(decl):
    """(kind, ret, qualified name, [param types], quals, noexcept) or None."""
    d = decl.strip().rstrip(";").strip()
    template = d.startswith("template")
    if template:
        d = re.sub(r"^template\s*<[^>]*>\s*", "", d)
    open_paren = d.find("(")
    close = d.rfind(")")
    if open_paren < 0 or close < open_paren:
        return None
    head, params, tail = d[:open_paren].strip(), d[open_paren + 1:close], d[close + 1:]
    static = head.startswith("static ")
    if static:
        head = head[len("static "):]
    m = re.match(r"^(.*?)\s*((?:::)?[\w:]+)$", head)
    if not m:
        return None
    ret, name = m.group(1).strip(), m.group(2)
    types = []
    for p in split_top(params, ","):
        p = split_top(p, "=")[0].strip()
        if p:
            types.append(p)
    if template or re.search(r"<[A-Z](, [A-Z])*>", params):
        kind = "template"
    else:
        comps = name.split("::")
        if len(comps) >= 2 and comps[-1] == comps[-2]:
            kind = "ctor"
        elif len(comps) >= 3 and comps[-2][:1].isupper():
            kind = "static" if static else "member"
        else:
            kind = "free"
    quals = tail.replace("noexcept", " ").split()
    return kind, ret, name, types, quals, "noexcept" in tail


def checks(n, decl, page):
    """C++ for one declaration (each error it has points at page:n)."""
    p = parse(decl)
    loc = f'#line {n} "{page}"\n'
    if p is None:
        return loc + f"#error cannot read the declaration: {decl}\n"
    kind, ret, name, types, quals, nx = p
    args = ", ".join(types)
    cls = "::".join(name.split("::")[:-1])
    tag = f"c{n}"
    if kind == "template":
        if re.match(r"^[\w:]+$", cls) and cls.split("::")[-1][:1].isupper():
            return loc + f"struct {tag} : {cls} {{ using {name}; }};\n"
        return loc + f"using {name};\n"
    if kind == "ctor":
        t = f"std::is_constructible_v<{cls}{', ' + args if args else ''}>"
        tn = t.replace("is_constructible", "is_nothrow_constructible")
        return (loc + f'static_assert({t}, "no such constructor");\n' + loc +
                f'static_assert({tn} == {str(nx).lower()}, "noexcept is not as shown");\n')
    q = " ".join(quals)
    if kind == "member":
        ptr = f"{ret} ({cls}::*)({args}) {q}"
    else:
        ptr = f"{ret} (*)({args})"
    return (loc + f"template <class T> concept {tag} = requires {{ static_cast<T>(&{name}); }};\n" +
            loc + f'static_assert({tag}<{ptr} {"noexcept" if nx else ""}>, '
            f'"no declaration of this type (const, & and noexcept included)");\n' +
            loc + f'static_assert(!{tag}<{ptr} noexcept> || {str(nx).lower()}, '
            f'"noexcept in the header, not on the page");\n')


def source(path, page):
    includes, decls = synopsis(path)
    src = ["#include <liburing.h>\n", "#include <cstdint>\n", "#include <type_traits>\n"]
    for n, inc in includes:
        src.append(f'#line {n} "{page}"\n{inc}\n')
    for n, d in decls:
        src.append(checks(n, d, page))
    src.append('#line 1 "<man synopsis main>"\nint main() { return 0; }\n')
    return "".join(src), decls


def compile_page(path, page, args, work):
    src, decls = source(path, page)
    os.makedirs(work, exist_ok=True)
    cc = os.path.join(work, re.sub(r"[^\w.-]", "_", page) + ".cc")
    with open(cc, "w") as f:
        f.write(src)
    cmd = [args.cxx, "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
           "-fmax-errors=0", "-I", os.path.join(args.root, "include"),
           "-I", os.path.join(args.root, "include/uapi"), cc]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = []
    for n, d in decls:
        mine = [ln for ln in p.stdout.split("\n") if f"{page}:{n}:" in ln]
        results.append((not mine, f"{page}:{n} {d}", "\n".join(mine)))
    other = [ln for ln in p.stdout.split("\n")
             if "error" in ln and not re.search(rf"{re.escape(page)}:\d+:", ln)]
    if p.returncode != 0 and all(ok for ok, _, _ in results):
        other = other or p.stdout.split("\n")
    if other:
        results.append((False, f"{page}: the synopsis compiles as a whole",
                        "\n".join(other) + f"\n(source: {cc})"))
    return results


SELF_TEST_PAGE = r""".TH X 3
.SH SYNOPSIS
.nf
.B #include <timerx/timerx.hpp>
.BI "timerx::Uring::Uring(int " fd ");"
.BI "bool timerx::UringAttachment::done() noexcept;"
.BI "static timerx::Result<timerx::Batch> timerx::Batch::with_capacity(std::size_t " n ");"
.BI "timerx::Result<void> timerx::Context::cancel(timerx::TimerId " id ") const noexcept;"
.fi
"""


def self_test(args, work):
    """A page with a made-up constructor, a lost const and a lost noexcept."""
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "x.3")
        with open(page, "w") as f:
            f.write(SELF_TEST_PAGE)
        got = compile_page(page, "x.3", args, os.path.join(work, "self-test"))
    want = [False, False, False, True]
    ok = [r[0] for r in got[:4]] == want
    return [(ok, "self-test: a made-up constructor, a missing const and a missing noexcept "
             "fail; a right declaration passes",
             "\n".join(f"{r[0]} {r[1]}\n{r[2]}" for r in got))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("page")
    args = ap.parse_args()
    args.root = os.path.abspath(args.root)
    work = os.path.abspath(args.work or os.path.join(args.root, "build/docs/man-synopsis"))
    results = self_test(args, work) if args.self_test else []
    shown = os.path.relpath(os.path.abspath(args.page), args.root)
    results += compile_page(args.page, shown, args, work)
    failed = 0
    for n, (ok, desc, out) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} {desc}")
        if not ok:
            failed += 1
            for line in out.strip().split("\n")[:30]:
                print(f"#   {line}")
    print(f"1..{len(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
