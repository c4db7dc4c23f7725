/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_TIMER_H
#define _TIMERX_TIMER_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <uapi/linux/timerx.h>

struct timerx_ctx;
struct timerx_hist;

/*
 * One user timer. Its configuration (period, expiry) is changed only under
 * the context's mutex and only while the hrtimer is cancelled, so the
 * callback reads it without a lock. Delivery state is under ring->lock.
 */
struct timerx_timer {
	struct hrtimer hrt;
	struct timerx_ctx *ctx;
	u64 user_data;
	ktime_t period;			/* 0: one-shot */
	enum hrtimer_mode mode;
	clockid_t clockid;
	u32 id;
	u32 flags;			/* TIMERX_CREATE_F_* */
	u32 cpu;

	/* under ring->lock */
	struct list_head pending_node;
	u64 pending;			/* expirations not yet in the ring */
	ktime_t pending_expected;	/* first of them */
	ktime_t pending_actual;
	u64 fires;
	u64 expirations;
	u64 events;
	int last_cpu;

	/* Written only by the callback; NULL if created with histograms off. */
	struct timerx_hist *lateness;
};

int timerx_timer_cache_init(void);
void timerx_timer_cache_destroy(void);

int timerx_timer_create(struct timerx_ctx *ctx, struct timerx_create *c);
int timerx_timer_arm(struct timerx_ctx *ctx, const struct timerx_arm *a);
int timerx_timer_cancel(struct timerx_ctx *ctx, const struct timerx_timer_ref *r);
int timerx_timer_delete(struct timerx_ctx *ctx, const struct timerx_timer_ref *r);
int timerx_timer_get(struct timerx_ctx *ctx, struct timerx_timer_info *info);
void timerx_timer_describe(struct timerx_ctx *ctx, struct timerx_timer *t,
			   struct timerx_timer_info *info, u64 *fires);
void timerx_timers_release(struct timerx_ctx *ctx);

#endif /* _TIMERX_TIMER_H */
