"""The Go workload's part of bench/report.py (imported by it): aggregate the
"go" records, write their section of results.md, check them (TAP).

A variant is (timers, hz); within it each contestant runs with each load
(none, cpu, gc). Aggregation as for the other workloads: percentiles are
medians across repetitions, CPU per expiration is the CPU of all
repetitions over all their expirations.
"""

CONTESTANTS = ["go-ticker", "go-timer", "go-afterfunc", "timerx-poll", "timerx-block"]
LOADS = ["none", "cpu", "gc"]
TITLE = "Go: the runtime's timers against timerx from Go"
SMOKE_VARIANTS = [(1, 1000, "none"), (100, 20, "gc")]


def key_of(rec, R):
    p = rec.get("params") or {}
    t, hz = R.num(p.get("timers")), R.num(p.get("hz"))
    return None if t is None or hz is None else (int(t), int(hz), str(p.get("load", "none")))


def aggregate(records, R):
    """Rows, one per (timers, hz, load, contestant), in table order."""
    groups = {}
    for rec in records:
        if rec.get("workload") != "go":
            continue
        k = key_of(rec, R)
        if k is not None:
            groups.setdefault(k + (rec.get("contestant", "?"),), []).append(rec)
    rows = []
    order = {c: i for i, c in enumerate(CONTESTANTS)}
    for (t, hz, load, c), recs in sorted(
            groups.items(), key=lambda kv: (kv[0][0], -kv[0][1],
                                            LOADS.index(kv[0][2]) if kv[0][2] in LOADS else 9,
                                            order.get(kv[0][3], 99))):
        res, errors = R.results_of(recs)
        a = {"timers": t, "hz": hz, "load": load, "contestant": c, "reps": len(res),
             "errors": errors}
        for k in ("events", "overruns", "expirations", "expected_expirations", "lost",
                  "cpu_user_ns", "cpu_sys_ns", "gc_cycles", "gc_pause_ns", "syscalls"):
            a[k] = R.total(r.get(k) for r in res)
        for part in ("total", "fired", "delivery"):
            m = R.merge_lat(r.get(part) for r in res)
            if m is not None:
                a[part] = m
        cpu = (a["cpu_user_ns"] or 0) + (a["cpu_sys_ns"] or 0)
        a["cpu_ns_per_expiration"] = R.ratio(cpu, a["expirations"])
        rows.append(a)
    return rows


def markdown(rows, R):
    out = [f"## {TITLE}", "",
           "`bench/go` (`timerx-gobench`, GOMAXPROCS = the VM's CPUs, no real-time priority "
           "for anyone): N periodic timers on a grid, first expiries spread over the period. "
           "`go-ticker`: a goroutine per `time.Ticker`; `go-timer`: a goroutine per "
           "`time.Timer`, `Reset` to the next grid point; `go-afterfunc`: `time.AfterFunc` "
           "re-armed from its callback; `timerx-poll`: package timerx, one goroutine on a "
           "locked OS thread pinned to CPU 1 (timers pinned there too) busy-polling the ring; "
           "`timerx-block`: the same, blocking in ppoll. Load: `cpu` adds GOMAXPROCS "
           "goroutines spinning on arithmetic, `gc` GOMAXPROCS goroutines allocating 4 KiB "
           "buffers (the collector runs all the time); the load starts when the timers are set up, and "
           "only expiries due from then on are measured. Lateness: seen by the goroutine − due; "
           "fired: the mechanism's part (the kernel callback for timerx, the runtime timer's "
           "send for Go), delivery: seen − fired (not known for AfterFunc). Overruns: "
           "expirations folded (timerx), ticks dropped (Ticker) or periods skipped (Timer, "
           "AfterFunc). CPU: the whole process's, so with a load it is mostly the load's; "
           "busy-polling costs one CPU whatever the rate.", ""]
    variants = []
    for r in rows:
        if (r["timers"], r["hz"]) not in variants:
            variants.append((r["timers"], r["hz"]))
    for t, hz in variants:
        table = []
        for r in rows:
            if (r["timers"], r["hz"]) != (t, hz):
                continue
            tot = r.get("total") or {}
            table.append([
                f"`{r['contestant']}`", r["load"], r["reps"], R.fmt_num(r.get("events")),
                R.fmt_num(r.get("overruns")), R.fmt_num(r.get("lost")),
                R.fmt_us(tot.get("p50_ns")), R.fmt_us(tot.get("p99_ns")),
                R.fmt_us(tot.get("p999_ns")), R.fmt_us(tot.get("max_ns")),
                R.fmt_us(R.lat(r, "fired", "p99_ns")), R.fmt_us(R.lat(r, "delivery", "p99_ns")),
                R.fmt_num(r.get("cpu_ns_per_expiration"), 0), R.fmt_num(r.get("gc_cycles")),
                "; ".join(r["errors"]) or ""])
        out += [f"#### {t} timer{'s' if t != 1 else ''} × {hz} Hz", "", R.md_table(
            ["contestant", "load", "reps", "events", "overruns", "lost", "p50 µs", "p99 µs",
             "p99.9 µs", "max µs", "fired p99 µs", "delivery p99 µs", "CPU ns/exp",
             "GC cycles", "errors"], table, left=2), ""]
    return "\n".join(out)


def check(rows, smoke, tap):
    variants = SMOKE_VARIANTS if smoke else sorted({(r["timers"], r["hz"], r["load"])
                                                    for r in rows})
    if not variants:
        tap.result(False, "go has records")
        return
    for t, hz, load in variants:
        for c in CONTESTANTS:
            desc = f"go {c} timers={t} hz={hz} load={load}"
            row = next((r for r in rows if (r["timers"], r["hz"], r["load"], r["contestant"]) ==
                        (t, hz, load, c)), None)
            if row is None:
                tap.result(False, desc, "no record")
            elif row["errors"]:
                tap.result(False, desc, "error: " + row["errors"][0])
            else:
                tap.result((row.get("events") or 0) > 0 and
                           ((row.get("total") or {}).get("count") or 0) > 0,
                           desc, "counts are zero")
