#!/usr/bin/env python3
"""Turn the benchmark's records into results.json, results.md and plots.

    report.py RAW.jsonl OUTDIR            judge: tables, targets (PASS/MISS), plots
    report.py --check RAW.jsonl OUTDIR    the same outputs, then validate them
                                          (TAP on stdout; used by make test's smoke run)

RAW.jsonl is what bench/run-bench.sh collected from the guest: one record per
line, {"workload", "contestant", "params", "result"} or "error" instead of
"result" (bench/README.md). Standard library only; the plots need gnuplot.

Aggregation across repetitions: latency summaries cannot be merged exactly
from their quantiles, so each percentile is the median across repetitions
and max is the max of the maxima; CPU per expiration is the sum of CPU over
the repetitions divided by the sum of expirations; ops/s is the median.
"""

import argparse
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

# The Go workload's part (bench/go/report_go.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "go"))
import report_go  # noqa: E402

W1_CONTESTANTS = ["timerx-poll", "timerx-poll-split", "timerx-uring", "timerx-epoll", "clock_nanosleep",
                  "timerfd-epoll", "io_uring-timeout", "cyclictest"]
W2_CONTESTANTS = ["timerx-poll", "timerx-uring", "timerfd-epoll", "io_uring-timeout",
                  "posix-timer"]
W3_CONTESTANTS = ["timerx-uring-batch", "timerx-batch-ioctl", "timerx-ioctl", "timerfd_settime"]
W4_CONTESTANTS = ["timerx"]

CONTESTANTS = {"w1": W1_CONTESTANTS, "w2": W2_CONTESTANTS, "w3": W3_CONTESTANTS,
               "w4": W4_CONTESTANTS}
# The parameter that splits a workload into its variants (one table block,
# one plot series each).
VARIANT = {"w1": "hz", "w2": "load", "w3": "live", "w4": "histograms"}
# A W2 load whose contestants folded more than this share of the expirations
# into overruns did not keep up: its CPU is "one CPU, whatever the rate" and
# says nothing about the cost per event, so its targets are not judged.
SATURATED_OVERRUNS = 0.01
TITLES = {
    "w1": "W1: wake-up latency of one periodic timer",
    "w2": "W2: CPU cost of many periodic timers",
    "w3": "W3: arm/cancel throughput with many live timers",
    "w4": "W4: kernel memory per timer",
}
LAT_KEYS = ["p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns"]


# ------------------------------------------------------------------ helpers

def num(v):
    """A number from a JSON value, None for anything else."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
        return v
    return None


def median(values):
    values = [v for v in (num(x) for x in values) if v is not None]
    return statistics.median(values) if values else None


def total(values):
    values = [v for v in (num(x) for x in values) if v is not None]
    return sum(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_us(ns, digits=1):
    if ns is None:
        return "–"
    return f"{ns / 1000:,.{digits}f}"


def fmt_num(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{round(v):,}"
    return f"{v:,.{digits}f}"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.4g}"


# ------------------------------------------------------------------ input

def load(path):
    """Records and the lines that did not parse."""
    records, bad = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
                records.append(rec)
            except ValueError as e:
                bad.append(f"line {n}: {e}")
    return records, bad


def variant_of(rec):
    w = rec.get("workload")
    key = VARIANT.get(w)
    params = rec.get("params") or {}
    result = rec.get("result") if isinstance(rec.get("result"), dict) else {}
    if w == "w4":
        v = result.get("histograms", params.get("histograms"))
        v = num(v)
        return None if v is None else int(v)
    if w == "w2":
        t, hz = num(params.get("timers", result.get("timers"))), num(params.get("hz"))
        phase = params.get("phase", "spread")
        return None if t is None or hz is None else w2_load(int(t), int(hz), phase)
    v = num(params.get(key))
    if v is None:
        v = num(result.get(key))
    return v


def w2_load(timers, hz, phase):
    """The W2 variant's name: timers × rate (aligned or not), as the tables show it."""
    return f"{timers} × {hz} Hz" + (", aligned" if phase == "aligned" else "")


def w2_load_key(v):
    """Sort loads by phase, then rate, then timers: saturated loads apart."""
    try:
        load, _, phase = v.partition(", ")
        t, hz = load.replace(" Hz", "").split(" × ")
        return (phase, int(hz), int(t))
    except (AttributeError, ValueError):
        return ("", 0, 0)


def group(records):
    """{workload: {variant: {contestant: [records]}}} and the meta record."""
    meta = None
    groups = {}
    for rec in records:
        w = rec.get("workload")
        if w == "meta":
            meta = rec
            continue
        if w not in CONTESTANTS:
            continue
        v = variant_of(rec)
        c = rec.get("contestant", "?")
        groups.setdefault(w, {}).setdefault(v, {}).setdefault(c, []).append(rec)
    return meta, groups


# ------------------------------------------------------------------ aggregation

def merge_lat(lats):
    """Median of each percentile across repetitions, max of max, min of min."""
    lats = [x for x in lats if isinstance(x, dict)]
    if not lats:
        return None
    out = {
        "reps": len(lats),
        "count": total(x.get("count") for x in lats),
        "early": total(x.get("early") for x in lats),
        "min_ns": min((num(x.get("min_ns")) for x in lats if num(x.get("min_ns")) is not None),
                      default=None),
        "max_ns": max((num(x.get("max_ns")) for x in lats if num(x.get("max_ns")) is not None),
                      default=None),
    }
    # The mean over all samples, weighted by each repetition's count.
    weights = [(num(x.get("avg_ns")), num(x.get("count"))) for x in lats]
    weights = [(a, c) for a, c in weights if a is not None and c]
    out["avg_ns"] = (sum(a * c for a, c in weights) / sum(c for _, c in weights)) if weights else None
    for k in LAT_KEYS:
        out[k] = median(x.get(k) for x in lats)
    by_q = {}
    for x in lats:
        for pair in x.get("quantiles") or []:
            if isinstance(pair, list) and len(pair) == 2 and num(pair[0]) is not None:
                by_q.setdefault(float(pair[0]), []).append(pair[1])
    out["quantiles"] = [[q, median(v)] for q, v in sorted(by_q.items()) if median(v) is not None]
    return out


def results_of(recs):
    ok = [r for r in recs if "error" not in r and isinstance(r.get("result"), dict)]
    errors = [str(r.get("error", "no result")) for r in recs if r not in ok]
    return [r["result"] for r in ok], errors


def agg_w1(recs):
    res, errors = results_of(recs)
    a = {"reps": len(res), "errors": errors}
    a["cycles"] = total(r.get("cycles") for r in res)
    a["overruns"] = total(r.get("overruns") for r in res)
    for part in ("total", "kernel", "delivery"):
        m = merge_lat(r.get(part) for r in res)
        if m is not None:
            a[part] = m
    cpu = total((num(r.get("cpu_user_ns")) or 0) + (num(r.get("cpu_sys_ns")) or 0)
                for r in res if num(r.get("cpu_user_ns")) is not None or
                num(r.get("cpu_sys_ns")) is not None)
    a["cpu_ns"] = cpu
    a["cpu_ns_per_cycle"] = ratio(cpu, a["cycles"])
    return a


def agg_w2(recs):
    res, errors = results_of(recs)
    a = {"reps": len(res), "errors": errors}
    for k in ("events", "expirations", "expected_expirations", "lost", "lost_module", "overruns",
              "cpu_user_ns", "cpu_sys_ns", "cpu_exec_ns", "system_busy_ns", "system_nonidle_ns",
              "syscalls", "elapsed_ns"):
        a[k] = total(r.get(k) for r in res)
    cpu = None
    if a["cpu_user_ns"] is not None or a["cpu_sys_ns"] is not None:
        cpu = (a["cpu_user_ns"] or 0) + (a["cpu_sys_ns"] or 0)
    a["cpu_ns_per_expiration"] = ratio(cpu, a["expirations"])
    # Whole VM: /proc/stat's user/system/irq are sampled by the tick, which
    # aliases with 1 kHz timers and misses CPUs drowning in interrupts (a run
    # showed 0 ns busy where the CPU was 2.7 s non-idle); all CPUs' time
    # minus the NO_HZ-measured idle time (system_nonidle_ns) does not. It is
    # the figure when every repetition has it; the tick figure stays beside it.
    a["system_tick_ns_per_expiration"] = ratio(a["system_busy_ns"], a["expirations"])
    if res and all(num(r.get("system_nonidle_ns")) is not None for r in res):
        a["system_source"] = "system_nonidle_ns"
        a["system_ns_per_expiration"] = ratio(a["system_nonidle_ns"], a["expirations"])
    else:
        a["system_source"] = "system_busy_ns"
        a["system_ns_per_expiration"] = a["system_tick_ns_per_expiration"]
    a["syscalls_per_event"] = ratio(a["syscalls"], a["events"])
    a["system_ns_per_event"] = ratio(a["system_nonidle_ns"], a["events"])
    a["overrun_share"] = ratio(a["overruns"], a["expirations"])
    a["expirations_per_s"] = ratio(a["expirations"] * 1e9 if a["expirations"] is not None else None,
                                   a["elapsed_ns"])
    return a


def agg_w3(recs):
    res, errors = results_of(recs)
    a = {"reps": len(res), "errors": errors}
    a["ops"] = total(r.get("ops") for r in res)
    a["elapsed_ns"] = total(r.get("elapsed_ns") for r in res)
    per_rep = []
    for r in res:
        v = num(r.get("ops_per_s"))
        if v is None:
            v = ratio(num(r.get("ops")) * 1e9 if num(r.get("ops")) is not None else None,
                      num(r.get("elapsed_ns")))
        per_rep.append(v)
    a["ops_per_s"] = median(per_rep)
    a["ops_per_s_reps"] = per_rep
    a["syscalls"] = total(r.get("syscalls") for r in res)
    a["syscalls_per_op"] = ratio(a["syscalls"], a["ops"])
    cpu = total((num(r.get("cpu_user_ns")) or 0) + (num(r.get("cpu_sys_ns")) or 0) for r in res)
    a["cpu_ns_per_op"] = ratio(cpu, a["ops"])
    return a


def agg_w4(recs):
    res, errors = results_of(recs)
    a = {"reps": len(res), "errors": errors}
    a["timers"] = median(r.get("timers") for r in res)
    a["slab_objsize"] = median(r.get("slab_objsize") for r in res)
    a["bytes_per_timer"] = median(r.get("bytes_per_timer") for r in res)
    a["slab_bytes_per_timer"] = median(r.get("slab_bytes_per_timer") for r in res)
    a["expirations"] = total(r.get("expirations") for r in res)
    a["seen"] = total(r.get("seen") for r in res)
    lost = [num(r.get("lost")) for r in res if num(r.get("lost")) is not None]
    a["lost"] = max(lost) if lost else None
    a["lost_total"] = sum(lost) if lost else None
    return a


AGG = {"w1": agg_w1, "w2": agg_w2, "w3": agg_w3, "w4": agg_w4}


def aggregate(groups):
    out = {}
    for w in ("w1", "w2", "w3", "w4"):
        rows = []
        key = (lambda x: (x is None, w2_load_key(x))) if w == "w2" else \
            (lambda x: (x is None, x))
        for v in sorted(groups.get(w, {}), key=key):
            by_c = groups[w][v]
            order = CONTESTANTS[w] + sorted(set(by_c) - set(CONTESTANTS[w]))
            for c in order:
                if c not in by_c:
                    continue
                row = {"contestant": c, VARIANT[w]: v}
                params = dict(by_c[c][0].get("params") or {})
                params.pop("rep", None)
                row["params"] = params
                row.update(AGG[w](by_c[c]))
                rows.append(row)
        out[w] = rows
    return out


def find(agg, w, variant, contestant):
    for row in agg.get(w, []):
        if row.get(VARIANT[w]) == variant and row["contestant"] == contestant:
            return row
    return None


def variants(agg, w):
    seen = []
    for row in agg.get(w, []):
        v = row.get(VARIANT[w])
        if v not in seen:
            seen.append(v)
    return seen


def lat(row, part, key):
    if not row or part not in row:
        return None
    return row[part].get(key)


# ------------------------------------------------------------------ targets

def targets(agg):
    """Each target with this run's numbers: status PASS, MISS, n/a or info."""
    out = []

    def add(name, measured, value, limit, ok, info=False, text=None):
        if text is None:
            text = fmt_ratio(value)
        if info:
            status = "info"
        elif ok is None:
            status = "n/a"
        else:
            status = "PASS" if ok else "MISS"
        out.append({"target": name, "measured": measured, "value": value, "value_text": text,
                    "limit": limit, "status": status})

    for n in variants(agg, "w2"):
        base = find(agg, "w2", n, "timerfd-epoll")
        for c, limit in (("timerx-poll", 1 / 10), ("timerx-uring", 1 / 3)):
            row = find(agg, "w2", n, c)
            shares = [x and x.get("overrun_share") for x in (row, base)]
            saturated = any(v is not None and v > SATURATED_OVERRUNS for v in shares)
            sys_r = ratio(row and row["system_ns_per_expiration"],
                          base and base["system_ns_per_expiration"])
            proc_r = ratio(row and row["cpu_ns_per_expiration"],
                           base and base["cpu_ns_per_expiration"])
            measured = (f"whole VM {fmt_num(row and row['system_ns_per_expiration'])} vs "
                        f"{fmt_num(base and base['system_ns_per_expiration'])} ns/exp "
                        f"(process only {fmt_num(row and row['cpu_ns_per_expiration'])} vs "
                        f"{fmt_num(base and base['cpu_ns_per_expiration'])}: "
                        f"{fmt_ratio(proc_r)})")
            name = f"W2 {n}: {c} CPU/expiration ≤ 1/{round(1 / limit)} of timerfd-epoll's"
            if saturated:
                add(name, measured + "; saturated: "
                    + ", ".join(f"{fmt_num(100 * v, 1)}% overruns" for v in shares
                                if v is not None), sys_r, f"≤ {limit:.3g}", None,
                    info=True)
            else:
                add(name, measured, sys_r, f"≤ {limit:.3g}",
                    None if sys_r is None else sys_r <= limit)

    for hz in variants(agg, "w1"):
        base = find(agg, "w1", hz, "clock_nanosleep")
        b99 = lat(base, "total", "p99_ns")
        for c in ("timerx-uring", "timerx-epoll"):
            row = find(agg, "w1", hz, c)
            p99 = lat(row, "total", "p99_ns")
            r = ratio(p99, b99)
            add(f"W1 {hz} Hz: {c} p99 ≤ 1.1 × clock_nanosleep's",
                f"{fmt_us(p99)} vs {fmt_us(b99)} µs", r, "≤ 1.1",
                None if r is None else r <= 1.1)
        for c in ("timerx-poll", "timerx-poll-split"):
            row = find(agg, "w1", hz, c)
            t99, k99 = lat(row, "total", "p99_ns"), lat(row, "kernel", "p99_ns")
            diff = None if t99 is None or k99 is None else t99 - k99
            add(f"W1 {hz} Hz: {c} total p99 ≤ kernel p99 + 1 µs",
                f"total {fmt_us(t99)}, kernel {fmt_us(k99)} µs",
                None if diff is None else diff / 1000, "≤ 1 µs",
                None if diff is None else diff <= 1000,
                text="–" if diff is None else f"+{fmt_us(diff, 2)} µs")

    for n in variants(agg, "w3"):
        base = find(agg, "w3", n, "timerfd_settime")
        for c in ("timerx-uring-batch", "timerx-batch-ioctl"):
            row = find(agg, "w3", n, c)
            a, b = row and row["ops_per_s"], base and base["ops_per_s"]
            r = ratio(a, b)
            add(f"W3 {n} live: {c} ops/s ≥ 5 × timerfd_settime's",
                f"{fmt_num(a)} vs {fmt_num(b)} ops/s", r, "≥ 5", None if r is None else r >= 5)

    for h in (0, 1):
        row = find(agg, "w4", h, "timerx")
        bpt = row and row["bytes_per_timer"]
        measured = (f"{fmt_num(bpt)} B/timer (slab only {fmt_num(row and row['slab_bytes_per_timer'])},"
                    f" object {fmt_num(row and row['slab_objsize'])} B)")
        if h == 0:
            add("W4 kernel memory per timer ≤ 256 B (histograms=0)", measured, bpt, "≤ 256 B",
                None if bpt is None else bpt <= 256, text=f"{fmt_num(bpt, 1)} B")
        else:
            add("W4 kernel memory per timer (histograms=1)", measured, bpt, "–", None,
                info=row is not None, text=f"{fmt_num(bpt, 1)} B")
    lost = [row["lost"] for row in agg.get("w4", []) if row.get("lost") is not None]
    add("W4 no expiration lost", f"lost {', '.join(fmt_num(x) for x in lost) or '–'}",
        max(lost) if lost else None, "= 0", (max(lost) == 0) if lost else None,
        text=fmt_num(max(lost)) if lost else "–")
    return out


# ------------------------------------------------------------------ plots

def gnuplot_bin():
    return shutil.which("gnuplot")


def run_gnuplot(script, path, errors):
    exe = gnuplot_bin()
    if exe is None:
        errors.append(f"{os.path.basename(path)}: gnuplot is not installed (gnuplot-nox)")
        return False
    try:
        p = subprocess.run([exe], input=script, text=True, capture_output=True, timeout=60,
                           check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        errors.append(f"{os.path.basename(path)}: {e}")
        return False
    if p.returncode != 0 or not os.path.exists(path):
        errors.append(f"{os.path.basename(path)}: gnuplot failed: {p.stderr.strip()[:300]}")
        return False
    return True


def q(s):
    """A gnuplot string literal."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


SVG_HEAD = ('set terminal svg size 960,540 dynamic noenhanced font "sans,12" '
            'background rgb "white"\n')


def plot_w1(agg, out, data_dir, meta_line, errors):
    made = []
    for hz in variants(agg, "w1"):
        path = os.path.join(out, f"w1-{hz}hz.svg")
        series = []
        for row in agg["w1"]:
            if row.get("hz") != hz or "total" not in row:
                continue
            pts = [(1 / (1 - qq), v / 1000) for qq, v in row["total"].get("quantiles", [])
                   if qq < 1 and v is not None]
            if not pts:
                continue
            f = os.path.join(data_dir, f"w1-{hz}hz-{row['contestant']}.dat")
            with open(f, "w", encoding="utf-8") as fh:
                fh.write("# 1/(1-q)  latency_us\n")
                for x, y in pts:
                    fh.write(f"{x:.6g} {max(y, 0.01):.6g}\n")
            series.append((f, row["contestant"]))
        if not series:
            errors.append(f"w1-{hz}hz.svg: no latency quantiles to plot")
            continue
        plots = ", ".join(f"{q(f)} using 1:2 with linespoints title {q(c)}" for f, c in series)
        script = (SVG_HEAD + f"set output {q(path)}\n"
                  f"set title {q(f'W1: wake-up latency at {hz} Hz (userspace − expected), ' + meta_line)}\n"
                  "set logscale xy\nset xrange [1:20000]\n"
                  'set xtics ("0%%" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, '
                  '"99.99%%" 10000)\n'
                  'set xlabel "percentile"\nset ylabel "latency (µs)"\n'
                  "set grid xtics ytics mytics\nset key top left\n"
                  "set pointsize 0.6\n"
                  f"plot {plots}\n")
        if run_gnuplot(script, path, errors):
            made.append(path)
    return made


def bar_plot(path, data_file, title, ylabel, columns, values, errors):
    plots = []
    for i, name in enumerate(columns):
        col = i + 2
        plots.append(f"{q(data_file)} using {col}:xtic(1) title {q(name)}"
                     if i == 0 else f"'' using {col} title {q(name)}")
    script = (SVG_HEAD + f"set output {q(path)}\n"
              f"set title {q(title)}\nset ylabel {q(ylabel)}\n"
              "set style data histogram\nset style histogram cluster gap 1\n"
              "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
              'set datafile missing "?"\nset logscale y\n'
              f"set yrange [{min(values) / 3:.6g}:{max(values) * 3:.6g}]\n"
              "set grid ytics mytics\nset key outside right top vertical\nset xtics rotate by -20\n"
              f"plot {', '.join(plots)}\n")
    return run_gnuplot(script, path, errors)


def plot_w2(agg, out, data_dir, meta_line, errors):
    sizes = variants(agg, "w2")
    if not sizes:
        errors.append("w2-cpu.svg: no W2 results")
        return []
    f = os.path.join(data_dir, "w2-cpu.dat")
    columns = []
    for n in sizes:
        columns += [f"{n}, whole VM", f"{n}, process"]
    values = []
    with open(f, "w", encoding="utf-8") as fh:
        fh.write("# contestant " + " ".join(c.replace(" ", "_") for c in columns) + "\n")
        for c in W2_CONTESTANTS:
            vals = []
            for n in sizes:
                row = find(agg, "w2", n, c)
                for k in ("system_ns_per_expiration", "cpu_ns_per_expiration"):
                    v = row and row.get(k)
                    vals.append("?" if not v or v <= 0 else f"{v:.6g}")
                    if v is not None and v > 0:
                        values.append(v)
            fh.write(f"{q(c)} " + " ".join(vals) + "\n")
    if not values:
        errors.append("w2-cpu.svg: no CPU figures to plot")
        return []
    path = os.path.join(out, "w2-cpu.svg")
    ok = bar_plot(path, f, f"W2: CPU per expiration ({meta_line})",
                  "ns per expiration (log)", columns, values, errors)
    return [path] if ok else []


def plot_w3(agg, out, data_dir, meta_line, errors):
    sizes = variants(agg, "w3")
    if not sizes:
        errors.append("w3-ops.svg: no W3 results")
        return []
    f = os.path.join(data_dir, "w3-ops.dat")
    columns = [f"{n} live timers" for n in sizes]
    values = []
    with open(f, "w", encoding="utf-8") as fh:
        fh.write("# contestant " + " ".join(c.replace(" ", "_") for c in columns) + "\n")
        for c in W3_CONTESTANTS:
            vals = []
            for n in sizes:
                row = find(agg, "w3", n, c)
                v = row and row.get("ops_per_s")
                vals.append("?" if not v or v <= 0 else f"{v:.6g}")
                if v is not None and v > 0:
                    values.append(v)
            fh.write(f"{q(c)} " + " ".join(vals) + "\n")
    if not values:
        errors.append("w3-ops.svg: no ops/s to plot")
        return []
    path = os.path.join(out, "w3-ops.svg")
    ok = bar_plot(path, f, f"W3: arm + cancel operations per second ({meta_line})",
                  "operations per second (log)", columns, values, errors)
    return [path] if ok else []


# ------------------------------------------------------------------ Markdown

def md_table(head, rows, left=1):
    """A Markdown table; the first @left columns and an "errors" column left-aligned."""
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < left or h == "errors" else "---:"
                            for i, h in enumerate(head)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(lines)


def meta_summary(meta):
    """(fields for the table, a one-line description for the plots)."""
    if not meta or "result" not in meta:
        return {}, "unknown machine"
    r = meta.get("result") or {}
    p = meta.get("params") or {}
    virt = r.get("virt", p.get("accel"))
    if virt in ("tcg", "kvm"):
        virt_text = f"QEMU VM ({virt.upper()})" + (
            ": emulated timing, compare contestants only" if virt == "tcg" else "")
    else:
        virt_text = str(virt)
    fields = {
        "kernel": f"{r.get('kernel', '?')} ({r.get('version', '?')})",
        "preemption model": r.get("preempt", "?"),
        "clocksource": r.get("clocksource", "?"),
        "machine": virt_text,
        "timer slack": f"{r.get('timer_slack_ns', '?')} ns",
        "CPUs": f"{r.get('cpus', '?')} × {r.get('cpu_model', '?')}",
        "CONFIG_HZ": r.get("hz") if r.get("hz") is not None else "unknown",
        "timerx parameters": ", ".join(f"{k}={v}" for k, v in
                                      sorted((r.get("timerx_params") or {}).items())) or "–",
        "kernel command line": f"`{r.get('cmdline', '?')}`",
        "run": f"{p.get('mode', '?')}, {p.get('reps', '?')} repetition(s), "
               f"kernel `{p.get('kernel_name', '?')}`",
    }
    line = f"{r.get('kernel', '?')}, {r.get('preempt', '?')}, {virt}"
    return fields, line


def md_w1(agg):
    parts = []
    for hz in variants(agg, "w1"):
        rows = []
        for row in agg["w1"]:
            if row.get("hz") != hz:
                continue
            t = row.get("total") or {}
            rows.append([
                f"`{row['contestant']}`", row["reps"], fmt_num(row.get("cycles")),
                fmt_num(row.get("overruns")),
                fmt_us(t.get("p50_ns")), fmt_us(t.get("p90_ns")), fmt_us(t.get("p99_ns")),
                fmt_us(t.get("p999_ns")), fmt_us(t.get("max_ns")),
                fmt_us(lat(row, "kernel", "p99_ns")), fmt_us(lat(row, "delivery", "p99_ns")),
                fmt_us(row.get("cpu_ns_per_cycle"), 2),
                "; ".join(row["errors"]) or ""])
        parts.append(f"#### {hz} Hz\n\n" + md_table(
            ["contestant", "reps", "cycles", "overruns", "p50 µs", "p90 µs", "p99 µs",
             "p99.9 µs", "max µs", "kernel p99 µs", "delivery p99 µs", "CPU µs/cycle", "errors"],
            rows) + f"\n\n![W1 latency at {hz} Hz](w1-{hz}hz.svg)")
    return "\n\n".join(parts)


def md_w2(agg):
    rows = []
    for row in agg.get("w2", []):
        rows.append([
            f"`{row['contestant']}`", row.get("load") or "–", row["reps"],
            fmt_num(row.get("expirations")), fmt_num(row.get("expected_expirations")),
            fmt_num(row.get("lost")),
            "–" if row.get("lost_module") is None else fmt_num(row.get("lost_module")),
            fmt_num(row.get("overruns")), fmt_num(row.get("events")),
            fmt_num(row.get("system_ns_per_expiration"), 1),
            fmt_num(row.get("system_ns_per_event"), 1),
            fmt_num(row.get("system_tick_ns_per_expiration"), 1),
            fmt_num(row.get("cpu_ns_per_expiration"), 1),
            fmt_num(row.get("syscalls_per_event"), 3),
            "; ".join(row["errors"]) or ""])
    return md_table(["contestant", "load", "reps", "expirations", "expected",
                     "not seen by stop + 50 ms", "lost (module's count − seen)", "overruns", "events", "whole VM ns/exp", "whole VM ns/event",
                     "whole VM (tick) ns/exp", "process ns/exp",
                     "syscalls/event",
                     "errors"], rows) + "\n\n![W2 CPU per expiration](w2-cpu.svg)"


def md_w3(agg):
    rows = []
    for row in agg.get("w3", []):
        rows.append([
            f"`{row['contestant']}`", fmt_num(row.get("live")), row["reps"],
            fmt_num(row.get("ops")), fmt_num(row.get("ops_per_s")),
            fmt_num(row.get("syscalls_per_op"), 3), fmt_num(row.get("cpu_ns_per_op"), 1),
            "; ".join(row["errors"]) or ""])
    return md_table(["contestant", "live timers", "reps", "ops", "ops/s (median)",
                     "syscalls/op", "CPU ns/op", "errors"], rows) + \
        "\n\n![W3 operations per second](w3-ops.svg)"


def md_w4(agg):
    rows = []
    for row in agg.get("w4", []):
        rows.append([
            fmt_num(row.get("histograms")), fmt_num(row.get("timers")), row["reps"],
            fmt_num(row.get("bytes_per_timer"), 1), fmt_num(row.get("slab_bytes_per_timer"), 1),
            fmt_num(row.get("slab_objsize")), fmt_num(row.get("expirations")),
            fmt_num(row.get("lost")), "; ".join(row["errors"]) or ""])
    return md_table(["histograms", "timers", "reps", "bytes/timer", "slab bytes/timer",
                     "slab object B", "expirations", "lost (max)", "errors"], rows)


def write_markdown(path, meta, agg, tgts, smoke):
    fields, _ = meta_summary(meta)
    out = ["# timerx benchmark results", ""]
    if smoke:
        out += ["> Smoke run (`make test`): tiny sizes and one repetition, to check that "
                "every contestant runs. The numbers mean nothing.", ""]
    out += ["Generated by `bench/report.py` on "
            f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. "
            "Latency percentiles are medians across repetitions (max: the max of the maxima); "
            "CPU per expiration is the CPU of all repetitions over all their expirations; "
            "ops/s is the median. See `bench/README.md` for what each workload measures.", ""]
    out += ["## Machine", "", md_table(["", ""], [[k, v] for k, v in fields.items()], left=2), ""]
    out += ["## Targets", "",
            md_table(["target", "this run", "ratio / value", "limit", "result"], left=2, rows=
                     [[t["target"], t["measured"], t["value_text"], t["limit"], f"**{t['status']}**" if t["status"] in ("PASS", "MISS")
                       else t["status"]] for t in tgts]), ""]
    out += [f"## {TITLES['w1']}", "",
            "Lateness of each wake-up (seen by userspace − expected) of one periodic timer "
            "on CPU 1 at SCHED_FIFO 80, memory locked; for timerx also its kernel part "
            "(expiry − expected) and delivery (seen − expiry).", "", md_w1(agg), ""]
    out += [f"## {TITLES['w2']}", "",
            "Many periodic timers (load: timers × rate of each) served by one thread on CPU "
            "1; the first two loads are the issue's, which TCG cannot sustain (see the "
            "overruns), the last two are scaled to what it can. Whole VM: the "
            "non-idle time of all CPUs (including the timer interrupts; elapsed × CPUs − "
            "NO_HZ idle time) per expiration, the targets' figure; whole VM (tick): the same "
            "from /proc/stat's tick-sampled user + system + irq + softirq, which aliases with "
            "periodic timers; process: the program's own user + system time. Expirations "
            "count overruns: a contestant that falls behind gets more expirations per event. "
            "Not seen by stop + 50 ms: expirations due in the window that the loop had not "
            "received 50 ms after it; for timerx the module's own count says whether any "
            "was lost.",
            "", md_w2(agg), ""]
    out += [f"## {TITLES['w3']}", "", "Arm and cancel operations among many live timers.", "",
            md_w3(agg), ""]
    out += [f"## {TITLES['w4']}", "",
            "Kernel memory (Slab + VmallocUsed + Percpu) per armed timer, with the module's "
            "lateness histograms off and on.", "", md_w4(agg), ""]
    if agg.get("go"):
        out += [report_go.markdown(agg["go"], sys.modules[__name__]), ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


# ------------------------------------------------------------------ check mode

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, desc, diag=None):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {desc}")
        if not ok and diag:
            for line in str(diag).splitlines()[:10]:
                print(f"#   {line}")

    def finish(self):
        print(f"1..{self.n}")
        return 0 if self.failed == 0 else 1


def counts_ok(w, res):
    """Whether a result counted something."""
    if w == "w1":
        t = res.get("total") if isinstance(res.get("total"), dict) else {}
        return (num(res.get("cycles")) or 0) > 0 and (num(t.get("count")) or 0) > 0
    if w == "w2":
        return (num(res.get("expirations")) or 0) > 0 and (num(res.get("events")) or 0) > 0
    if w == "w3":
        return (num(res.get("ops")) or 0) > 0 and (num(res.get("ops_per_s")) or 0) > 0
    if w == "w4":
        return (num(res.get("timers")) or 0) > 0 and (num(res.get("expirations")) or 0) > 0
    return False


def check(records, bad, groups, meta, out, plots, plot_errors, tap):
    tap.result(not bad, "raw.jsonl holds only JSON records", "\n".join(bad))
    tap.result(meta is not None and "error" not in meta and isinstance(meta.get("result"), dict),
               "meta record", meta and meta.get("error"))
    smoke = bool(meta and (meta.get("params") or {}).get("mode") == "smoke")
    expected_variants = {
        "w1": [1000] if smoke else [1000, 10000],
        "w4": [0, 1],
    }
    for w in ("w1", "w2", "w3", "w4"):
        seen = groups.get(w, {})
        vs = expected_variants.get(w) or sorted(v for v in seen if v is not None)
        if not vs:
            tap.result(False, f"{w} has records")
            continue
        for v in vs:
            for c in CONTESTANTS[w]:
                recs = seen.get(v, {}).get(c, [])
                desc = f"{w} {c} {VARIANT[w]}={v}"
                if not recs:
                    tap.result(False, desc, "no record")
                    continue
                errs = [r.get("error") for r in recs if "error" in r]
                if errs:
                    tap.result(False, desc, "error: " + str(errs[0]))
                    continue
                res = [r.get("result") for r in recs]
                if not all(isinstance(x, dict) for x in res):
                    tap.result(False, desc, "no result object")
                    continue
                tap.result(all(counts_ok(w, x) for x in res), desc,
                           "counts are zero: " + json.dumps(res[0])[:300])
    try:
        with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
            j = json.load(f)
        tap.result(all(k in j for k in ("meta", "workloads", "targets")),
                   "results.json written")
    except (OSError, ValueError) as e:
        tap.result(False, "results.json written", e)
    md = os.path.join(out, "results.md")
    tap.result(os.path.isfile(md) and os.path.getsize(md) > 0 and
               "## Targets" in open(md, encoding="utf-8").read(), "results.md written")
    expected_plots = [f"w1-{hz}hz.svg" for hz in expected_variants["w1"]] + \
        ["w2-cpu.svg", "w3-ops.svg"]
    for name in expected_plots:
        path = os.path.join(out, name)
        ok = os.path.isfile(path) and os.path.getsize(path) > 0 and \
            "<svg" in open(path, encoding="utf-8", errors="replace").read(4096)
        tap.result(ok, f"plot {name}",
                   "\n".join(e for e in plot_errors if e.startswith(name)) or "missing")


# ------------------------------------------------------------------ main

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="validate the outputs (TAP) instead of judging the targets")
    ap.add_argument("raw", help="raw.jsonl from run-bench.sh")
    ap.add_argument("out", help="output directory")
    a = ap.parse_args(argv)

    os.makedirs(a.out, exist_ok=True)
    data_dir = os.path.join(a.out, "plot-data")
    os.makedirs(data_dir, exist_ok=True)
    records, bad = load(a.raw)
    meta, groups = group(records)
    agg = aggregate(groups)
    tgts = targets(agg)
    agg["go"] = report_go.aggregate(records, sys.modules[__name__])
    smoke = bool(meta and (meta.get("params") or {}).get("mode") == "smoke")

    with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "workloads": agg, "targets": tgts}, f, indent=1)
        f.write("\n")
    write_markdown(os.path.join(a.out, "results.md"), meta, agg, tgts, smoke)

    _, meta_line = meta_summary(meta)
    plot_errors = []
    plots = []
    # A workload left out of the run (run-bench.sh --only) has no plot to
    # miss; --check wants them all.
    for w, plot in (("w1", plot_w1), ("w2", plot_w2), ("w3", plot_w3)):
        if a.check or w in groups:
            plots += plot(agg, a.out, data_dir, meta_line, plot_errors)

    if a.check:
        tap = Tap()
        check(records, bad, groups, meta, a.out, plots, plot_errors, tap)
        report_go.check(agg["go"], smoke, tap)
        return tap.finish()

    for e in bad:
        print(f"report: bad record, {e}", file=sys.stderr)
    for e in plot_errors:
        print(f"report: {e}", file=sys.stderr)
    width = max((len(t["target"]) for t in tgts), default=0)
    for t in tgts:
        print(f"  {t['status']:<4}  {t['target']:<{width}}  {t['measured']}")
    n_err = sum(len(row["errors"]) for rows in agg.values() for row in rows)
    print(f"report: {len(records)} records, {n_err} failed runs; "
          f"{os.path.join(a.out, 'results.md')}, results.json, {len(plots)} plots")
    # Judging is the table's job: a MISS is a result, not a failure of the
    # report. Unreadable input or missing plots are.
    return 1 if bad or plot_errors or meta is None else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
