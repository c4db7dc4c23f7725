/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timerx fuzzer's program: what the libFuzzer side (fuzz_main.c)
 * decodes an input into and the executor (fuzz_exec.c) runs.
 *
 * The two are separate processes sharing one anonymous mapping, so that a
 * program which kills or hangs its process (an oops, a stuck syscall) is
 * still reported by the process that holds the input, and libFuzzer saves
 * it as a reproducer. The executor enables KCOV on its own task; the
 * coverage area is shared too, and the libFuzzer side folds the module's
 * PCs into libFuzzer's extra counters after each program.
 *
 * Fields are raw bytes of the input: the executor turns them into calls,
 * "near-valid" ones (known timer ids, valid clocks, small expiries) when
 * an op's fix byte is odd, and verbatim ones otherwise.
 */
#ifndef TIMERX_FUZZ_PROG_H
#define TIMERX_FUZZ_PROG_H

#include <stdint.h>

#define FZ_MAX_OPS	96
#define FZ_MAX_DATA	96
#define FZ_SLOTS	3	/* contexts per program */
#define FZ_URINGS	2	/* io_uring instances per program */
#define FZ_COVER_WORDS	(1 << 16)

enum fz_kind {
	FZ_OPEN,	/* slot, mode: O_NONBLOCK / O_CLOEXEC bits */
	FZ_CLOSE,	/* slot */
	FZ_DUP,		/* slot -> slot2 */
	FZ_IOCTL,	/* slot, mode: command, fix, data */
	FZ_IOCTL_RAW,	/* slot, a: any ioctl number, data */
	FZ_MMAP,	/* slot, mode: length/offset/prot choice, a: raw */
	FZ_MUNMAP,	/* slot, mode: whole or part */
	FZ_MREMAP,	/* slot, mode: grow/shrink/move */
	FZ_POKE,	/* slot, a: offset, mode: width, b: value */
	FZ_CONSUME,	/* slot: a well-behaved consumer */
	FZ_READ,	/* slot, a: length */
	FZ_POLL,	/* slot, mode: events, a: timeout ms */
	FZ_EPOLL,	/* slot, mode */
	FZ_URING_SETUP,	/* slot: ring, mode: SQE128 / entries */
	FZ_URING_CMD,	/* slot2: ring, slot: ctx, mode: command, flags, fix, data */
	FZ_URING_REAP,	/* slot2: ring, a: timeout ms */
	FZ_URING_REG,	/* slot2: ring, slot: ctx to register as fixed file 0 */
	FZ_URING_CLOSE,	/* slot2: ring */
	FZ_NETLINK,	/* mode: command, flags, fix, data: attribute stream */
	FZ_SLEEP,	/* a: microseconds */
	FZ_FORK,	/* mode: what the child does */
	FZ_PRIV,	/* mode: drop to nobody / back to root */
	FZ_NR_KINDS
};

struct fz_op {
	uint8_t kind;
	uint8_t slot;
	uint8_t slot2;
	uint8_t mode;
	uint8_t fix;
	uint8_t flags;
	uint8_t len;		/* bytes of data used */
	uint8_t pad;
	uint32_t a;
	uint64_t b;
	uint8_t data[FZ_MAX_DATA];
};

/* What the executor counts, per kind of fuzzed call. */
enum fz_call {
	FZ_CALL_IOCTL,
	FZ_CALL_URING,		/* io_uring commands submitted */
	FZ_CALL_MMAP,		/* mmap, munmap, mremap, stores to the mapping */
	FZ_CALL_NETLINK,	/* requests sent */
	FZ_CALL_OTHER,		/* open, close, read, poll, fork, ... */
	FZ_NR_CALLS
};

struct fz_shared {
	uint32_t nops;
	uint32_t pad;
	uint64_t programs;
	uint64_t calls[FZ_NR_CALLS];
	uint64_t kind_ns[FZ_NR_KINDS];	/* time spent per kind of op */
	uint64_t kind_ops[FZ_NR_KINDS];
	uint64_t cleanup_ns;		/* tearing a program's state down */
	int64_t result[FZ_MAX_OPS];	/* per op: >= 0, or -errno */
	struct fz_op ops[FZ_MAX_OPS];
};

#endif /* TIMERX_FUZZ_PROG_H */
