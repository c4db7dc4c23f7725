/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timer every candidate queue orders, and what the driver and main.c
 * share.
 *
 * A queue's node is embedded in the timer, as a timerx timer would embed
 * it in place of its struct hrtimer: no allocation per operation. All the
 * candidates' nodes are in one union so that the timer is the same size
 * and has the same layout for each of them (key and node in the first
 * cache line); the rest pads it to the size of a timerx timer without its
 * hrtimer (about 190 bytes: its configuration, delivery state and
 * counters; kmod/timer.h), so that 100 000 timers have the memory
 * footprint the module's would. Arrays of them are 64-byte aligned, so
 * every timer starts a cache line (192 is three).
 */
#ifndef _QBENCH_BT_H
#define _QBENCH_BT_H

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/rbtree.h>

#define BT_SIZE		192
#define BT_STOP		U64_MAX	/* a fire function's "do not restart" */

struct bt {
	u64 expires;			/* exact, ns: the queue's key */
	union {
		struct rb_node rb;			/* rbq */
		u32 heap_idx;				/* heap4, heap4k */
		struct {
			struct hlist_node node;
			u8 lvl;
			u8 idx;
		} hw;					/* wheel */
		struct {
			struct list_head node;
			bool expired;
		} ss;					/* sset */
	};
	u64 period;
	u32 id;
	u32 armed;			/* the driver's bookkeeping */
	u8 rest[BT_SIZE - 48];
};

static_assert(sizeof(struct bt) == BT_SIZE, "struct bt is BT_SIZE bytes");

/* Called for each expired timer; returns its new expiry or BT_STOP. */
typedef u64 (*bt_fire_t)(struct bt *t, u64 now, void *arg);

/* splitmix64: deterministic, cheap, good enough to pick timers and times. */
static __always_inline u64 rng_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), by multiplication (Lemire), no division. */
static __always_inline u64 rng_below(u64 *s, u64 n)
{
	return (u64)(((u128)rng_next(s) * n) >> 64);
}

enum workload {
	W_ARM_CANCEL_FAR,	/* (a)  w3: arm an hour out (later than all), cancel the oldest */
	W_ARM_CANCEL,		/* (a') arm at a random expiry in 1 ms..10 s, cancel another */
	W_POSTPONE,		/* (b)  move an armed timer later by 0..100 ms */
	W_EXPIRE,		/* (c)  periodic timers expiring, interrupt-driven */
	W_ARM_CANCEL_PEEK,	/* (d)  (a') and the earliest expiry after every operation */
	W_BURST,		/* (e)  every timer due at once (clock jump), budgeted passes */
	W_STEP_BACK,		/* (f)  the clock steps back 1 s: the next pass */
	W_NR,
};

extern const char *const workload_names[W_NR];

struct run {
	enum workload w;
	u32 n;			/* timers in the queue */
	u64 ops;		/* operations measured */
	u64 seed;
	u32 budget;		/* timers (and moves) per expiry pass */
	bool dump_passes;	/* CALLGRIND_DUMP_STATS after each pass */

	/* set up by the driver */
	struct bt *timers;
	u32 nr_timers;
	u64 rng;
	u64 now;

	/* results */
	u64 done;		/* operations done */
	u64 passes;		/* expiry passes (hrtimer interrupts) */
	u64 empty_passes;	/* passes that expired nothing: early fires */
	u64 reprograms;		/* hrtimer moved earlier */
	u64 fired;
	u64 checksum;		/* keeps the compiler from dropping results */
};

struct qimpl {
	const char *name;
	const char *what;
	int (*setup)(struct run *r);
	void (*measure)(struct run *r);
	void (*teardown)(struct run *r);
	/* randomized comparison with the reference; 0 or a diagnostic */
	int (*test)(u64 seed, u64 ops, char *why, size_t len);
};

extern const struct qimpl rbq_impl, heap4_impl, heap4k_impl, wheel_impl, sset_impl;

#endif /* _QBENCH_BT_H */
