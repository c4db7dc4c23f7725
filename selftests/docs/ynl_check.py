"""The kernel's ynl client against the loaded module, with docs/netlink/timerx.yaml.

Run in the VM by ynl-test.sh (python3 and ynl staged by stage-ynl.sh). It
opens /dev/timerx (a context, owned by this process), then runs
tools/net/ynl/cli.py as another process, as an operator would, and checks
what it decodes: the ctx-get dump holds this context with this pid and
comm, config-get equals the module parameters in sysfs, stats-get has the
module's version. ynl fails on an attribute the spec does not have, and a
wrong type or nest shows as a wrong value or a decoding error. TAP.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(HERE, "ynl", "cli.py")
SPEC = os.path.join(HERE, "timerx.yaml")
PARAMS = "/sys/module/timerx/parameters"

n = failed = 0


def result(ok, desc, diag=""):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} {desc}", flush=True)
    if not ok:
        failed += 1
        for line in str(diag).strip().split("\n")[:30]:
            print(f"#   {line}", flush=True)


def ynl(*args):
    """cli.py's decoded JSON, or (None, what it printed)."""
    p = subprocess.run([sys.executable, "-S", CLI, "--spec", SPEC, "--no-schema",
                        "--output-json", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    if p.returncode != 0:
        return None, p.stdout
    try:
        return json.loads(p.stdout), p.stdout
    except ValueError as e:
        return None, f"{e}: {p.stdout}"


def main():
    fd = os.open("/dev/timerx", os.O_RDWR)
    pid = os.getpid()
    comm = open(f"/proc/{pid}/comm").read().strip()

    dump, out = ynl("--dump", "ctx-get")
    mine = [c for c in dump or [] if c.get("owner-pid") == pid]
    result(dump is not None and len(mine) == 1,
           "ynl: ctx-get dump decodes and holds this process's context", out)
    if mine:
        c = mine[0]
        want = {"owner-comm": comm, "owner-uid": os.geteuid(), "timers": 0,
                "ring-entries": 0, "ring-used": 0, "events": 0, "expirations": 0}
        bad = {k: (c.get(k), v) for k, v in want.items() if c.get(k) != v}
        hist = c.get("lateness", {})
        if hist.get("count") != 0 or hist.get("sub-bits") != 4 or not hist.get("nr-buckets"):
            bad["lateness"] = (hist, "count 0, sub-bits 4, nr-buckets")
        result(not bad, "ynl: ctx-get dump's context has this pid's comm, uid, empty "
               "ring and an empty lateness nest", f"got (have, want): {bad}\n{c}")

        one, out = ynl("--do", "ctx-get", "--json", json.dumps({"ctx-id": c["ctx-id"]}))
        result(one is not None and one.get("ctx-id") == c["ctx-id"]
               and one.get("owner-pid") == pid,
               "ynl: ctx-get do with ctx-id returns the same context", out)

    cfg, out = ynl("--do", "config-get")
    config = (cfg or {}).get("config")
    result(isinstance(config, dict), "ynl: config-get decodes a config nest", out)
    if isinstance(config, dict):
        bad = {}
        for name in sorted(os.listdir(PARAMS)):
            raw = open(os.path.join(PARAMS, name)).read().strip()
            want = {"Y": 1, "N": 0}.get(raw, None)
            want = int(raw) if want is None else want
            have = config.get(name.replace("_", "-"))
            if have != want:
                bad[name] = (have, want)
        extra = set(config) - {p.replace("_", "-") for p in os.listdir(PARAMS)}
        result(not bad and not extra,
               "ynl: config-get equals every module parameter in sysfs",
               f"(ynl, sysfs): {bad}; not parameters: {sorted(extra)}\n{config}")

    stats, out = ynl("--do", "stats-get")
    version = open("/sys/module/timerx/version").read().strip()
    ok = (stats is not None and stats.get("module-version") == version
          and stats.get("contexts", 0) >= 1 and isinstance(stats.get("api-version"), int))
    result(ok, "ynl: stats-get has the module's version and counts this context", out)

    os.close(fd)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
