#!/usr/bin/python3
"""docs/netlink/timerx.yaml against include/uapi/linux/timerx.h, as TAP.

  netlink_spec_test.py --ynl DIR [--spec FILE] [--header FILE]

DIR is the kernel's tools/net/ynl (its lib/ reads the spec the way ynl
does: values, defaults) next to Documentation/netlink (the schemas), as
docs/tests/linux-ynl.sh unpacks them. Checked: the spec is valid for its
protocol's schema; family name, version and multicast group are the
header's; every command, attribute of every set, enum entry, flag and
struct member has the header's C name, value and (where the header says)
type, in both directions; the ranges of the config attributes are the
header's.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# The header's type comments ("/* u64: ... */") in the spec's words.
HEADER_TYPES = {
    "u8": "u8", "u16": "u16", "u32": "u32", "u64": "u64",
    "s8": "s8", "s16": "s16", "s32": "s32", "s64": "s64",
    "string": "string", "nest": "nest", "binary": "binary",
}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, desc, problems=()):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} {desc}")
        if not ok:
            self.failed += 1
            for p in list(problems)[:40]:
                print(f"#   {p}")

    def check(self, desc, problems):
        self.result(not problems, desc, problems)

    def finish(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def strip_block_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def header_defines(text):
    """#define NAME VALUE (first token of the value, comments removed)."""
    out = {}
    for m in re.finditer(r"^#define\s+(\w+)\s+(.+?)\s*$", text, re.M):
        out[m.group(1)] = strip_block_comments(m.group(2)).strip()
    return out


def eval_c_int(expr, names):
    expr = expr.strip()
    if not re.fullmatch(r"[\w\s()+\-*<>|]+", expr):
        raise ValueError(f"not a simple integer expression: {expr}")
    py = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", expr)
    return int(eval(py, {"__builtins__": {}}, dict(names)))


def header_enums(text):
    """enum TAG { ... }: {tag: [(name, value, comment)]} in order."""
    enums = {}
    for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\};", text, re.S):
        tag, body = m.group(1), m.group(2)
        entries, names, nxt = [], {}, 0
        # One enumerator per line; its comment (if any) follows on the line.
        body = re.sub(r"/\*(?:(?!\*/).)*\n(?:(?!\*/).)*\*/", " ", body, flags=re.S)
        for line in body.splitlines():
            em = re.match(r"\s*(\w+)\s*(?:=\s*([^,/]+?))?\s*,?\s*(?:/\*\s*(.*?)\s*\*/)?\s*$",
                          line)
            if not em or not em.group(1):
                continue
            name, expr, comment = em.group(1), em.group(2), em.group(3) or ""
            value = eval_c_int(expr, names) if expr else nxt
            names[name] = value
            nxt = value + 1
            entries.append((name, value, comment))
        enums[tag] = entries
    return enums


def header_structs(text):
    """struct TAG { __u32 a; ... }: {tag: [(name, type)]} (scalars only)."""
    structs = {}
    for m in re.finditer(r"\bstruct\s+(\w+)\s*\{(.*?)\};", strip_block_comments(text), re.S):
        members = re.findall(r"__([us]\d+)\s+(\w+)\s*;", m.group(2))
        structs[m.group(1)] = [(name, typ) for typ, name in members]
    return structs


def range_value(word):
    word = word.strip()
    m = re.fullmatch(r"(\d+)\^(\d+)", word)
    return int(m.group(1)) ** int(m.group(2)) if m else int(word)


def header_range(comment):
    """"u32: 1 .. 2^20 (API 2)" -> (1, 2^20); "power of two, 2 .. 2^20" too."""
    m = re.search(r"(\d+(?:\^\d+)?)\s*(?:\([^)]*\)\s*)?\.\.\s*(\d+(?:\^\d+)?)", comment)
    if m:
        return range_value(m.group(1)), range_value(m.group(2))
    if re.search(r"\b0 or 1\b", comment):
        return 0, 1
    return None


def check_enum_both_ways(what, spec_items, header_entries, ignore):
    """spec_items: [(c_name, value, spec_type or None)]; header: enum entries."""
    problems = []
    header = {n: (v, c) for n, v, c in header_entries}
    spec_names = set()
    for cname, value, typ in spec_items:
        spec_names.add(cname)
        if cname not in header:
            problems.append(f"{what}: {cname} (spec value {value}) is not in the header")
            continue
        hvalue, comment = header[cname]
        if hvalue != value:
            problems.append(f"{what}: {cname} is {value} in the spec, {hvalue} in the header")
        if typ is not None:
            word = re.match(r"(\w+)", comment)
            htype = HEADER_TYPES.get(word.group(1)) if word else None
            if htype is None and re.search(r"\bbinary\b", comment):
                htype = "binary"
            if htype is not None and htype != typ:
                problems.append(f"{what}: {cname} is {typ} in the spec, {htype} in the header")
    for name, value, _ in header_entries:
        if name not in spec_names and name not in ignore:
            problems.append(f"{what}: the header's {name} = {value} is not in the spec")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ynl", required=True, help="the kernel's tools/net/ynl")
    ap.add_argument("--spec", default=os.path.join(ROOT, "docs/netlink/timerx.yaml"))
    ap.add_argument("--header", default=os.path.join(ROOT, "include/uapi/linux/timerx.h"))
    args = ap.parse_args()

    tap = Tap()
    sys.path.insert(0, os.path.abspath(args.ynl))
    try:
        import jsonschema  # noqa: F401  (SpecFamily loads it for the schema)
        from lib import SpecFamily
    except ImportError as e:
        tap.result(False, f"netlink spec: ynl's lib and python3-jsonschema import ({e})")
        return tap.finish()

    text = open(args.header).read()
    defines = header_defines(text)
    enums = header_enums(text)
    structs = header_structs(text)
    spec_name = os.path.relpath(args.spec, ROOT) if args.spec.startswith(ROOT) else args.spec

    import yaml
    raw = yaml.safe_load(open(args.spec))
    schema = os.path.join(os.path.dirname(os.path.abspath(args.ynl)), "..", "..",
                          "Documentation", "netlink", f"{raw.get('protocol', 'genetlink')}.yaml")
    try:
        family = SpecFamily(args.spec, os.path.normpath(schema))
    except Exception as e:  # jsonschema.ValidationError or the spec's own
        msg = getattr(e, "message", str(e))
        path = "/".join(str(p) for p in getattr(e, "absolute_path", []))
        tap.result(False, f"netlink spec: {spec_name} is valid for the kernel's "
                          f"{raw.get('protocol')} schema and ynl reads it",
                   [f"{path}: {msg}" if path else msg])
        return tap.finish()
    tap.result(True, f"netlink spec: {spec_name} is valid for the kernel's "
                     f"{family.proto} schema and ynl reads it")

    def define_string(name):
        v = defines.get(name, "")
        return v[1:-1] if v.startswith('"') and v.endswith('"') else None

    problems = []
    fam_def = c_name("", raw.get("c-family-name", "")) or "?"
    if define_string(fam_def) != family.name:
        problems.append(f"name {family.name!r}, header {fam_def} = {defines.get(fam_def)}")
    ver_def = c_name("", raw.get("c-version-name", ""))
    version = raw.get("version", 1)
    if defines.get(ver_def) != str(version):
        problems.append(f"version {version}, header {ver_def} = {defines.get(ver_def)}")
    groups = [g for g in family.mcast_groups]
    mcgrps = sorted(define_string(n) for n in defines if n.startswith("TIMERX_GENL_MCGRP_"))
    if sorted(groups) != mcgrps:
        problems.append(f"multicast groups {groups}, header {mcgrps}")
    tap.check("netlink spec: family name, version and multicast groups are the header's",
              problems)

    # Commands: requests and notifications share one enum (unified model).
    ops = raw["operations"]
    tag = c_name("", ops["enum-name"]).lower()
    prefix = ops["name-prefix"]
    items = [(c_name(prefix, m.name), m.value, None) for m in family.msgs.values()]
    ignore = {c_name(prefix, "unspec"), c_name("", raw.get("cmd-max-name", "")),
              c_name("", raw.get("cmd-cnt-name", ""))}
    problems = [] if tag in enums else [f"no enum {tag} in the header"]
    problems += check_enum_both_ways(f"enum {tag}", items, enums.get(tag, []), ignore)
    tap.check(f"netlink spec: the commands are enum {tag}'s (names and values)", problems)

    for aset in family.attr_sets.values():
        ys = aset.yaml
        tag = c_name("", ys["enum-name"]).lower()
        prefix = ys["name-prefix"]
        items = [(c_name(prefix, a.name), a.value, None if a.type == "pad" else a.type)
                 for a in aset.attrs.values()]
        ignore = {c_name(prefix, "unspec"), c_name("", ys.get("attr-max-name", "")),
                  c_name("", ys.get("attr-cnt-name", ""))}
        problems = [] if tag in enums else [f"no enum {tag} in the header"]
        problems += check_enum_both_ways(f"enum {tag}", items, enums.get(tag, []), ignore)
        for a in aset.attrs.values():
            nested = a.yaml.get("nested-attributes")
            if a.type == "nest" and nested not in family.attr_sets:
                problems.append(f"{a.name}: nested set {nested} does not exist")
        # Ranges that the header states and the kernel enforces.
        header = {n: c for n, _, c in enums.get(tag, [])}
        for a in aset.attrs.values():
            want = header_range(header.get(c_name(prefix, a.name), ""))
            checks = a.yaml.get("checks", {})
            have = (checks.get("min"), checks.get("max")) if checks else None
            if want is not None and have != want:
                problems.append(f"{a.name}: checks {have}, the header's range {want}")
        tap.check(f"netlink spec: attribute set {aset.name} is enum {tag} "
                  "(names, values, types, ranges)", problems)

    for const in family.consts.values():
        ys = const.yaml
        problems = []
        kind = ys["type"]
        if kind == "enum":
            tag = c_name("", ys["enum-name"]).lower()
            items = [(c_name(ys["name-prefix"], e.name), e.value, None)
                     for e in const.entries.values()]
            problems = [] if tag in enums else [f"no enum {tag} in the header"]
            problems += check_enum_both_ways(f"enum {tag}", items, enums.get(tag, []), set())
            what = f"enum {tag}"
        elif kind == "flags":
            prefix = c_name(ys["name-prefix"], "")
            header = {n: v for n, v in defines.items() if n.startswith(prefix)
                      and not n.endswith("_ALL")}
            for e in const.entries.values():
                cname = c_name(ys["name-prefix"], e.name)
                m = re.fullmatch(r"\(?\s*1U?\s*<<\s*(\d+)\s*\)?", header.get(cname, ""))
                if not m:
                    problems.append(f"{cname}: not a (1U << N) define in the header")
                elif int(m.group(1)) != e.value:
                    problems.append(f"{cname}: bit {e.value} in the spec, {m.group(1)} in the header")
            for n in header:
                if n not in {c_name(ys["name-prefix"], e) for e in const.entries}:
                    problems.append(f"the header's {n} is not in the spec")
            what = f"{prefix}* flags"
        elif kind == "struct":
            tag = "timerx_" + c_name("", const.name).lower()
            have = [(m["name"].replace("-", "_"), m["type"]) for m in ys["members"]]
            if structs.get(tag) != have:
                problems.append(f"struct {tag}: spec {have}, header {structs.get(tag)}")
            what = f"struct {tag}"
        else:
            what = const.name
        tap.check(f"netlink spec: definition {const.name} is the header's {what}", problems)

    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
