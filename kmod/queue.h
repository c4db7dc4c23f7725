/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_QUEUE_H
#define _TIMERX_QUEUE_H

#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/spinlock.h>

struct timerx_ctx;
struct timerx_timer;

/* A heap entry: the timer's hard expiry (the key) beside the timer. */
struct timerx_qent {
	ktime_t key;
	struct timerx_timer *t;
};

/*
 * The armed timers of a context that share clock, expiry mode and CPU,
 * in a 4-ary min-heap on their hard expiry, with one hrtimer programmed
 * to the earliest (bench/queue/README.md measured why this structure;
 * docs/design.md says how it is used).
 *
 * The heap is a paged array: pages of TIMERX_QPAGE_ENTS entries that
 * never move, so arming never allocates and growing never copies the
 * heap with interrupts off. A slot is reserved when a timer is created.
 *
 * @lock is raw: the callback takes it in hard irq, also on PREEMPT_RT.
 * It protects the heap, @programmed, the hrtimer's expiry and each
 * queued timer's @expires and @qidx. A timer's configuration (period,
 * slack, seq) is written by commands only while it is out of the heap,
 * so the callback, which only touches queued timers, reads it under
 * @lock alone. Lock order: @lock, then the ring's lock.
 */
struct timerx_queue {
	raw_spinlock_t lock;
	u32 n;				/* timers queued */
	ktime_t programmed;		/* hard expiry of @hrt; KTIME_MAX: none */
	struct timerx_qent **pages;
	struct hrtimer hrt;
	u32 nr_pages;
	u32 pages_cap;			/* entries of @pages */
	u64 passes;			/* callbacks, under @lock */
	u64 continued;			/* passes cut short by the budget */

	/* Fixed at creation; @reserved and @node under the context's mutex. */
	struct timerx_ctx *ctx;
	clockid_t clockid;
	enum hrtimer_mode mode;
	int cpu;			/* pinned to, or -1 */
	u32 reserved;			/* timers created on this queue */
	struct list_head node;		/* on ctx->queues */
};

#define TIMERX_QPAGE_SHIFT	8
#define TIMERX_QPAGE_ENTS	BIT(TIMERX_QPAGE_SHIFT)	/* 4 KiB */

/* Timers expired per callback, at most; the rest in a later interrupt. */
#define TIMERX_PASS_BUDGET	64

struct timerx_queue *timerx_queue_get(struct timerx_ctx *ctx, clockid_t clockid,
				      enum hrtimer_mode mode, int cpu);
void timerx_queue_put(struct timerx_queue *q);
int timerx_queue_add(struct timerx_queue *q, struct timerx_timer *t,
		     ktime_t expires, bool any_cpu);
bool timerx_queue_del(struct timerx_queue *q, struct timerx_timer *t);
bool timerx_queue_next(struct timerx_queue *q, struct timerx_timer *t,
		       ktime_t *expires);
ktime_t timerx_clock_now(clockid_t clockid);

void timerx_queues_stop(struct timerx_ctx *ctx);
void timerx_queues_free(struct timerx_ctx *ctx);

#endif /* _TIMERX_QUEUE_H */
