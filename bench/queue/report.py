#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The queue benchmark's tables from run-valgrind.sh's results.

    report.py RESULTS_DIR TSV_OUT   (Markdown on stdout)

Instructions per operation come from callgrind (only the measured
function counted); misses per operation from two cachegrind runs, M and
2M operations from the same set-up, differenced; the burst's costliest
pass from callgrind's dump after every pass.
"""
import glob
import os
import re
import sys

QUEUES = ["rb", "heap4", "heap4k", "wheel", "sset"]
WORKLOADS = [
    ("arm_cancel_far", "(a) arm an hour out + cancel the oldest (w3)"),
    ("arm_cancel", "(a') arm at 1 ms..10 s + cancel another"),
    ("postpone", "(b) postpone by 0..100 ms"),
    ("expire", "(c) periodic expiry, interrupt-driven"),
    ("peek", "(d) (a') + earliest after every operation"),
    ("burst", "(e) all due at once, passes of 64"),
    ("step_back", "(f) the pass after a 1 s clock step back (per pass)"),
]
SIZES = ["1000", "100000"]


def kv(path):
    """The key=value line qbench run printed."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("q="):
                    return dict(p.split("=", 1) for p in line.split())
    except OSError:
        pass
    return None


def events(path):
    """{event: count} of a callgrind or cachegrind output file."""
    names, total = None, None
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("events:"):
                    names = line.split()[1:]
                elif line.startswith("summary:") or line.startswith("totals:"):
                    total = [int(x) for x in line.split()[1:]]
    except OSError:
        return None
    if not names or total is None:
        return None
    return dict(zip(names, total))


def parts(dirname):
    """Instructions of each client-request dump (one per pass)."""
    out = []
    for path in glob.glob(os.path.join(dirname, "out.*")):
        trigger, ir = None, None
        with open(path) as f:
            for line in f:
                if line.startswith("desc: Trigger:"):
                    trigger = line
                elif line.startswith("totals:"):
                    ir = int(line.split()[1])
        if trigger and "Client Request" in trigger and ir is not None:
            out.append(ir)
    return out


def main():
    res, tsv = sys.argv[1], sys.argv[2]
    rows = {}
    for q in QUEUES:
        for w, _ in WORKLOADS:
            for n in SIZES:
                r = {}
                base = os.path.join(res, f"%s.{q}.{w}.{n}")
                info = kv(base % "cg" + ".txt")
                ev = events(base % "cg" + ".out")
                if info and ev and int(info["done"]):
                    done = int(info["done"])
                    r["ir"] = ev["Ir"] / done
                    r["done"] = done
                    for k in ("passes", "empty_passes", "reprograms", "checksum"):
                        r[k] = int(info[k])
                i1, i2 = kv(base % "cache1" + ".txt"), kv(base % "cache2" + ".txt")
                e1, e2 = events(base % "cache1" + ".out"), events(base % "cache2" + ".out")
                if i1 and i2 and e1 and e2:
                    d = int(i2["done"]) - int(i1["done"])
                    if d > 0:
                        r["c_ir"] = (e2["Ir"] - e1["Ir"]) / d
                        r["d1"] = (e2["D1mr"] + e2["D1mw"] - e1["D1mr"] - e1["D1mw"]) / d
                        r["ll"] = (e2["DLmr"] + e2["DLmw"] - e1["DLmr"] - e1["DLmw"]) / d
                s1, s2 = kv(base % "small1" + ".txt"), kv(base % "small2" + ".txt")
                f1, f2 = events(base % "small1" + ".out"), events(base % "small2" + ".out")
                if s1 and s2 and f1 and f2:
                    d = int(s2["done"]) - int(s1["done"])
                    if d > 0:
                        r["ll2"] = (f2["DLmr"] + f2["DLmw"] - f1["DLmr"] - f1["DLmw"]) / d
                wall = kv(base % "wall" + ".txt")
                if wall:
                    r["wall"] = float(wall["min_ns_per_op"])
                    r["wall_med"] = float(wall["median_ns_per_op"])
                p = parts(base % "passes" + ".d")
                if p:
                    r["pass_max"] = max(p)
                    r["pass_mean"] = sum(p) / len(p)
                    r["pass_n"] = len(p)
                rows[(q, w, n)] = r

    cols = ["ir", "c_ir", "d1", "ll", "ll2", "wall", "wall_med", "done", "passes", "empty_passes",
            "reprograms", "pass_n", "pass_max", "pass_mean", "checksum"]
    with open(tsv, "w") as f:
        f.write("queue\tworkload\tn\t" + "\t".join(cols) + "\n")
        for (q, w, n), r in rows.items():
            vals = []
            for c in cols:
                v = r.get(c)
                vals.append("" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v)))
            f.write(f"{q}\t{w}\t{n}\t" + "\t".join(vals) + "\n")

    def cell(r, key, fmt):
        v = r.get(key)
        if v is None:
            return "–"
        if isinstance(v, float) and -1.5 < v < 0.005:
            v = 0.0  # no "-0.00" (or -1 miss in one pass) from a difference of two runs
        return fmt.format(v)

    print("### Instructions per operation (callgrind)\n")
    print("| workload | timers | " + " | ".join(QUEUES) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in QUEUES) + " |")
    for w, title in WORKLOADS:
        for n in SIZES:
            print(f"| {title} | {int(n):,} | " +
                  " | ".join(cell(rows[(q, w, n)], "ir", "{:,.0f}") for q in QUEUES) + " |")

    print("\n### Misses per operation, 100 000 timers: D1 / LL 8 MiB / LL 2 MiB "
          "(cachegrind, differenced)\n")
    print("| workload | " + " | ".join(QUEUES) + " |")
    print("| --- | " + " | ".join("---:" for _ in QUEUES) + " |")
    for w, title in WORKLOADS:
        cells = []
        fmt = "{:,.0f}" if w == "step_back" else "{:.2f}"
        for q in QUEUES:
            r = rows[(q, w, "100000")]
            cells.append(cell(r, "d1", fmt) + " / " + cell(r, "ll", fmt) +
                         " / " + cell(r, "ll2", fmt))
        print(f"| {title} | " + " | ".join(cells) + " |")

    print("\n### Wall clock, ns per operation (best of 5; secondary: a shared machine)\n")
    print("| workload | timers | " + " | ".join(QUEUES) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in QUEUES) + " |")
    for w, title in WORKLOADS:
        for n in SIZES:
            print(f"| {title} | {int(n):,} | " +
                  " | ".join(cell(rows[(q, w, n)], "wall", "{:,.0f}") for q in QUEUES) + " |")

    print("\n### Expiry passes (hrtimer interrupts) and early fires\n")
    print("| workload | timers | " + " | ".join(QUEUES) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in QUEUES) + " |")
    for w in ("expire", "burst"):
        for n in SIZES:
            cells = []
            for q in QUEUES:
                r = rows[(q, w, n)]
                if "passes" in r:
                    cells.append(f"{r['passes']:,} ({r['empty_passes']:,} empty)")
                else:
                    cells.append("–")
            print(f"| {w} | {int(n):,} | " + " | ".join(cells) + " |")

    print("\n### The burst, 100 000 timers due at once: instructions per pass (callgrind)\n")
    print("| | " + " | ".join(QUEUES) + " |")
    print("| --- | " + " | ".join("---:" for _ in QUEUES) + " |")
    for key, title in (("pass_n", "passes"), ("pass_mean", "mean"), ("pass_max", "costliest")):
        print(f"| {title} | " + " | ".join(
            cell(rows[(q, "burst", "100000")], key, "{:,.0f}") for q in QUEUES) + " |")

    # The same timers fire in every queue: the checksums must agree.
    for w, _ in WORKLOADS:
        for n in SIZES:
            sums = {rows[(q, w, n)].get("checksum") for q in QUEUES} - {None}
            if w in ("expire", "burst") and len(sums) > 1:
                print(f"\nWARNING: {w} n={n}: the queues fired different timers", file=sys.stderr)


if __name__ == "__main__":
    main()
