#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fuzzer's coverage of timerx.ko, from the PCs the guest reported.

KCOV records the return address of each __sanitizer_cov_trace_pc call the
instrumented module makes: a call site's relocation offset + 4 in its
section. Every such site in the KCOV build is a PC the fuzzer could reach;
the report says how many it did, per function, and which source lines of
the command handlers it never reached.

    fuzz-coverage.py MODULE.ko PCS_FILE REPORT_FILE

PCS_FILE holds "SECTION OFFSET(hex)" lines. Prints one summary line.
"""
import collections
import re
import subprocess
import sys

RELOC = re.compile(r"^\s*([0-9a-f]+):\s+R_X86_64_PLT32\s+__sanitizer_cov_trace_pc-0x4")
FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:")
SECTION = re.compile(r"^Disassembly of section (\S+):")


def sites(ko):
    """{(section, pc): function} of every instrumented call site."""
    out = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", ko],
                         check=True, capture_output=True, text=True).stdout
    result, sec, func = {}, None, None
    for line in out.splitlines():
        m = SECTION.match(line)
        if m:
            sec = m.group(1)
            continue
        m = FUNC.match(line)
        if m:
            func = m.group(2)
            continue
        m = RELOC.match(line)
        if m and sec:
            result[(sec, int(m.group(1), 16) + 4)] = func
    return result


def lines_of(ko, section, pcs):
    """source file:line of each pc (the call site before it), by addr2line."""
    if not pcs:
        return {}
    out = subprocess.run(["addr2line", "-e", ko, "-j", section] +
                         [hex(pc - 1) for pc in pcs],
                         check=False, capture_output=True, text=True).stdout.splitlines()
    return {pc: out[i].split("/kmod/")[-1] if i < len(out) else "?"
            for i, pc in enumerate(pcs)}


def main():
    ko, pcs_file, report = sys.argv[1:4]
    all_sites = sites(ko)
    covered = set()
    with open(pcs_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                covered.add((parts[0], int(parts[1], 16)))
    hit = covered & set(all_sites)
    per_func = collections.defaultdict(lambda: [0, 0])
    for key, func in all_sites.items():
        per_func[func][1] += 1
        if key in hit:
            per_func[func][0] += 1
    reached = sum(1 for c, _ in per_func.values() if c)

    missed = collections.defaultdict(list)
    for (sec, pc), func in sorted(all_sites.items()):
        if (sec, pc) not in hit:
            missed[sec].append(pc)
    where = {}
    for sec, pcs in missed.items():
        for pc, loc in lines_of(ko, sec, pcs).items():
            where[(sec, pc)] = loc

    total = len(all_sites)
    pct = 100.0 * len(hit) / total if total else 0.0
    with open(report, "w") as out:
        out.write(f"timerx.ko (KCOV build): {len(hit)} of {total} PCs covered "
                  f"({pct:.1f} %), {reached} of {len(per_func)} functions reached\n")
        out.write(f"PCs reported by the guest: {len(covered)} "
                  f"({len(covered - set(all_sites))} not call sites of the module)\n\n")
        out.write("covered/total  function\n")
        for func, (c, t) in sorted(per_func.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
            out.write(f"{c:5d}/{t:<5d}   {func}\n")
        out.write("\nnot reached (call site: source line):\n")
        for (sec, pc), func in sorted(all_sites.items(), key=lambda kv: (kv[1], kv[0])):
            if (sec, pc) not in hit:
                out.write(f"  {func:40s} {where.get((sec, pc), '?')}\n")
    print(f"{len(hit)} of {total} module PCs covered ({pct:.1f} %), "
          f"{reached} of {len(per_func)} functions reached")
    # Nothing covered means KCOV did not work: that is a failure.
    return 0 if hit else 1


if __name__ == "__main__":
    sys.exit(main())
