/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_TIMER_H
#define _TIMERX_TIMER_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/overflow.h>
#include <uapi/linux/timerx.h>

struct timerx_ctx;
struct timerx_hist;
struct timerx_queue;

/*
 * Expirations of one arming not yet in the ring: @n of them, the first
 * expected at @expected, on a grid of @period, found due at @actual at
 * the latest. Under ring->lock.
 */
struct timerx_run {
	u64 n;
	ktime_t expected;
	ktime_t actual;
	ktime_t period;
	u32 seq;
};

/*
 * One user timer. Its configuration (period, seq, slack, rate) is changed
 * only under the context's mutex and only while it is out of its queue,
 * so the queue's callback reads it under the queue's lock alone. @expires
 * and @qidx are under the queue's lock; delivery state under ring->lock.
 *
 * A periodic timer whose expirations found the ring full is parked: the
 * pass took it out of its queue, and @resume is the expiry it would have
 * fired at next. Only a flush (under the context's mutex) or a command
 * on the timer ends that; nothing else queues it again.
 *
 * Expirations waiting for room are kept per arming, never folded across
 * armings: @cur holds those of the current arming, @old those of every
 * earlier one (delivered first).
 */
struct timerx_timer {
	/* under q->lock */
	ktime_t expires;		/* soft: what was asked */
	u32 qidx;			/* in q's heap; U32_MAX: not queued */

	u32 slack;			/* ns, of the current arming */
	struct timerx_queue *q;
	struct timerx_ctx *ctx;
	u64 user_data;
	ktime_t period;			/* 0: one-shot */
	clockid_t clockid;
	u32 id;
	u32 flags;			/* TIMERX_CREATE_F_* */
	u32 cpu;
	u32 seq;			/* of the current arming */
	u64 rate;			/* charged to the user: armed periodic */
	struct list_head resume_node;	/* on a flush's list of timers to restart */

	/* under ring->lock */
	bool parked;
	ktime_t resume;
	struct list_head pending_node;	/* on ring->pending: cur or old not empty */
	struct timerx_run cur;
	struct timerx_run old;
	u64 fires;
	u64 expirations;
	u64 events;
	int last_cpu;

	/* Written only by the callback; NULL if created with histograms off. */
	struct timerx_hist *lateness;
};

/* Expirations of @t waiting for room in the ring. Under ring->lock. */
static inline u64 timerx_timer_pending(const struct timerx_timer *t)
{
	return t->cur.n + t->old.n;
}

/* @n periods after @base, saturating at KTIME_MAX like ktime_add_safe(). */
static inline ktime_t timerx_periods_after(ktime_t base, ktime_t period, u64 n)
{
	u64 delta;

	if (check_mul_overflow((u64)period, n, &delta) || delta > KTIME_MAX)
		return KTIME_MAX;
	return ktime_add_safe(base, (ktime_t)delta);
}

int timerx_timer_cache_init(void);
void timerx_timer_cache_destroy(void);

int timerx_timer_create(struct timerx_ctx *ctx, struct timerx_create *c);
int timerx_timer_arm(struct timerx_ctx *ctx, const struct timerx_arm *a);
int timerx_timer_arm_oneshot(struct timerx_ctx *ctx,
			     const struct timerx_arm_oneshot *a, bool abs);
int timerx_timer_postpone(struct timerx_ctx *ctx, const struct timerx_postpone *p);
int timerx_timer_cancel(struct timerx_ctx *ctx, const struct timerx_timer_ref *r);
int timerx_timer_delete(struct timerx_ctx *ctx, const struct timerx_timer_ref *r);
int timerx_timer_get(struct timerx_ctx *ctx, struct timerx_timer_info *info);
void timerx_timer_describe(struct timerx_ctx *ctx, struct timerx_timer *t,
			   struct timerx_timer_info *info, u64 *fires);
void timerx_timers_release(struct timerx_ctx *ctx);
struct timerx_timer *timerx_timer_find(struct timerx_ctx *ctx, u32 id);
/* The first timer with an id >= @id, or NULL. Under the context's mutex. */
struct timerx_timer *timerx_timer_next(struct timerx_ctx *ctx, u32 id);

/*
 * From a queue's callback, its lock and the ring's held, @t due by @now:
 * deliver its expirations. Returns true with the next soft expiry in
 * @next if it stays queued (periodic, not parked).
 */
bool timerx_timer_expire(struct timerx_timer *t, ktime_t now, ktime_t *next);

/* Under ring->lock: periods of a parked timer due by now, from @resume on. */
u64 timerx_timer_elapsed(struct timerx_timer *t, ktime_t *first, ktime_t *now);

/*
 * Deliver pending expirations and restart parked timers that caught up.
 * Under the context's mutex. Returns the number of events written.
 */
unsigned int timerx_ctx_flush(struct timerx_ctx *ctx);

#endif /* _TIMERX_TIMER_H */
