#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the fuzzer's seed corpus: one small program per file, in the byte
layout fuzz_main.c's decode_op() reads (see fuzz_prog.h for the kinds).

Each seed is a well-formed use of one part of the module (the ring, each
command, io_uring, netlink, fork/exec, an unprivileged caller), so that
libFuzzer starts from programs that get past the first checks and mutates
from there.

    make-seeds.py DIR
"""
import os
import struct
import sys

(OPEN, CLOSE, DUP, IOCTL, IOCTL_RAW, MMAP, MUNMAP, MREMAP, POKE, CONSUME, READ,
 POLL, EPOLL, URING_SETUP, URING_CMD, URING_REAP, URING_REG, URING_CLOSE,
 NETLINK, SLEEP, FORK, PRIV) = range(22)

# Command indices of the executor's table (fuzz_exec.c: ioctls[]).
SETUP_RING, CREATE, ARM, CANCEL, DELETE, GET, FLUSH, CTX_INFO = range(8)
WAIT = 8

# Netlink commands and attributes (include/uapi/linux/timerx.h).
NL_CTX_GET, NL_TIMER_GET, NL_STATS_GET, NL_CONFIG_GET, NL_CONFIG_SET = 1, 2, 3, 4, 5
A_CTX_ID, A_CONFIG = 2, 30
CFG_HISTOGRAMS, CFG_ALARM_INTERVAL_MS = 6, 8

PERIODIC = 0x100  # the executor's "pick" bit for a periodic ARM


def b(*vals):
    return bytes(vals)


def data(payload):
    return b(len(payload)) + payload


def op_slot(kind, slot=0, mode=0):
    return b(kind, slot, mode)


def ioctl(cmd, slot=0, fix=1, pick=0, payload=b""):
    return b(IOCTL, slot, cmd, fix) + struct.pack("<I", pick) + data(payload)


def arm_payload(expires_ns, period_ns=0, flags=0):
    return struct.pack("<IIqQQ", 0, flags, expires_ns, period_ns, 0)


def create_payload(user_data=0x1234, flags=0):
    return struct.pack("<QIIIIQ", user_data, 0, flags, 0, 0, 0)


def mmap(slot=0, mode=0, fix=0, a=0, off=0):
    return b(MMAP, slot, mode, fix) + struct.pack("<IQ", a, off)


def small(kind, slot=0, mode=0, fix=0, a=0):
    return b(kind, slot, mode, fix) + struct.pack("<H", a)


def poke(slot=0, width=2, where=0, value=0, a=0):
    return b(POKE, slot, width, where) + struct.pack("<IQ", a, value)


def uring_setup(ring=0, sqe128=True, a=0):
    return b(URING_SETUP, ring, 1 if sqe128 else 0, a)


def uring_cmd(cmd, ring=0, slot=0, flags=0, fix=3, pick=0, payload=b""):
    return (b(URING_CMD, ring, slot, cmd, flags, fix) +
            struct.pack("<II", 0x42, pick) + data(payload))


def netlink(cmd, dump=False, fix=1, attrs=b""):
    return b(NETLINK, cmd, 1 if dump else 0, fix) + struct.pack("<H", 0) + data(attrs)


def attr_u32(t, v):
    return b(t, 0) + struct.pack("<I", v)


def attr_u8(t, v):
    return b(t, 2, v)


def nest(t, *inner):
    return b(t, 4, len(inner)) + b"".join(inner)


def sleep(us):
    return b(SLEEP) + struct.pack("<H", us)


def ring(slot=0, order=3):
    """Open, a ring of 2^(order+1) entries, mapped."""
    return (op_slot(OPEN, slot, 1) + ioctl(SETUP_RING, slot, pick=order) +
            mmap(slot))


SEEDS = {
    "basic-periodic": ring() + ioctl(CREATE, payload=create_payload()) +
    ioctl(ARM, pick=PERIODIC, payload=arm_payload(100000, 200000)) + sleep(900) +
    op_slot(CONSUME) + ioctl(GET) + ioctl(CTX_INFO) + ioctl(CANCEL) +
    ioctl(DELETE) + op_slot(CLOSE, 0, 1),
    "one-shot-clocks": ring() + b"".join(
        ioctl(CREATE, pick=c, payload=create_payload(c)) for c in range(4)) +
    b"".join(ioctl(ARM, pick=i, payload=arm_payload(50000 * i, 0, 1)) for i in range(4)) +
    sleep(500) + op_slot(CONSUME) + ioctl(GET, pick=2),
    "overflow-park-flush": ring(order=0) + b"".join(
        ioctl(CREATE, payload=create_payload(i)) for i in range(3)) +
    b"".join(ioctl(ARM, pick=PERIODIC | i, payload=arm_payload(0, 100000)) for i in range(3)) +
    sleep(999) + small(POLL, mode=1) + ioctl(FLUSH) + op_slot(CONSUME) + ioctl(FLUSH) +
    small(READ, a=64),
    "hostile-head": ring(order=1) + ioctl(CREATE) +
    ioctl(ARM, pick=PERIODIC, payload=arm_payload(0, 100000)) + sleep(600) +
    poke(width=2, where=0, value=0xffffffff) + ioctl(FLUSH) + small(POLL, mode=1) +
    poke(width=2, where=1, value=1) + poke(width=3, where=2, a=8, value=~0 & (2**64 - 1)) +
    small(READ, a=32) + op_slot(CONSUME),
    "uring-sqe128": ring() + ioctl(CREATE) + uring_setup(sqe128=True) +
    uring_cmd(ARM, pick=PERIODIC, payload=arm_payload(100000, 300000)) +
    uring_cmd(WAIT, flags=8) + sleep(500) + b(URING_REAP, 0, 0, 2) +
    uring_cmd(FLUSH) + uring_cmd(CANCEL) + b(URING_CLOSE, 0, 0, 0),
    "uring-fixed-async-linked": ring() + ioctl(CREATE) + uring_setup(sqe128=False) +
    b(URING_REG, 0, 0) + uring_cmd(CANCEL, flags=1 | 2) + uring_cmd(WAIT, flags=1 | 4) +
    uring_cmd(DELETE, flags=2) + b(URING_REAP, 0, 0, 2) + op_slot(CLOSE) +
    b(URING_REAP, 0, 0, 1),
    "uring-wait-close": ring() + ioctl(CREATE) + uring_setup(ring=1, sqe128=True) +
    uring_cmd(WAIT, ring=1) + uring_cmd(WAIT, ring=1, flags=2) + op_slot(CLOSE) +
    b(URING_REAP, 1, 0, 1) + b(URING_CLOSE, 1, 0, 0),
    "netlink-dumps": ring() + ioctl(CREATE) +
    ioctl(ARM, pick=PERIODIC, payload=arm_payload(0, 500000)) + sleep(700) +
    netlink(NL_CTX_GET, dump=True) + netlink(NL_TIMER_GET, dump=True) +
    netlink(NL_STATS_GET) + netlink(NL_CONFIG_GET) +
    netlink(NL_TIMER_GET, attrs=attr_u32(A_CTX_ID, 1) + attr_u32(3, 1)),
    "netlink-config-set": netlink(NL_CONFIG_SET, attrs=nest(
        A_CONFIG, attr_u8(CFG_HISTOGRAMS, 0), attr_u32(CFG_ALARM_INTERVAL_MS, 10))) +
    ring() + ioctl(CREATE) + netlink(NL_CONFIG_GET),
    "fork-exec": ring() + ioctl(CREATE) +
    ioctl(ARM, pick=PERIODIC, payload=arm_payload(0, 200000)) +
    b(FORK, 2, 0) + b(FORK, 1, 16) + b(FORK, 0, 0) + b(FORK, 3, 0) + sleep(300) +
    op_slot(CONSUME) + op_slot(CLOSE),
    "unprivileged": b(PRIV, 1, 0) + ring() + ioctl(CREATE) +
    ioctl(ARM, pick=PERIODIC, payload=arm_payload(0, 100000)) +
    netlink(NL_CTX_GET, dump=True) + netlink(NL_CONFIG_SET, attrs=nest(
        A_CONFIG, attr_u8(CFG_HISTOGRAMS, 1))) + sleep(300) + b(PRIV, 0, 0),
    "mmap-shapes": op_slot(OPEN) + ioctl(SETUP_RING, pick=2) + mmap(mode=1) +
    mmap(mode=2) + mmap(mode=3, a=12345) + mmap(mode=4, a=1) + mmap(mode=0, fix=2) +
    mmap(mode=0, fix=8) + mmap(mode=0) + small(MUNMAP, mode=1) + mmap(mode=0) +
    small(MREMAP, mode=1) + small(MREMAP, mode=2) + op_slot(CLOSE) + mmap(mode=0),
    "epoll-dup": ring() + b(DUP, 0, 1) + ioctl(CREATE) +
    ioctl(ARM, payload=arm_payload(200000)) + small(EPOLL) + sleep(400) +
    small(EPOLL, a=1) + op_slot(CLOSE, 0) + small(READ, slot=1, a=32) +
    small(EPOLL, slot=1, mode=2),
    "bad-input": op_slot(OPEN) + ioctl(CREATE, fix=0, payload=b"\xff" * 32) +
    ioctl(ARM, fix=0, payload=struct.pack("<IIqQQ", 1, 0, -1, 0, 0)) +
    ioctl(SETUP_RING, fix=0, payload=struct.pack("<II", 3, 0)) +
    ioctl(GET, fix=6) + b(IOCTL_RAW, 0) + struct.pack("<I", 0xc040e701) + b(0) + data(b"\x01" * 40) +
    ioctl(SETUP_RING, pick=1) + ioctl(SETUP_RING, pick=1),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, prog in sorted(SEEDS.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(prog)


if __name__ == "__main__":
    main()
