/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_NOTIFY_H
#define _TIMERX_NOTIFY_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct timerx_ctx;

/*
 * Alarm and overflow notifications of one context. The hrtimer callback
 * only counts and kicks a delayed work; the work sends at most one of each
 * per alarm_interval_ms, with what was counted in between.
 */
struct timerx_notify {
	struct delayed_work work;
	unsigned long queued;		/* bit 0: work queued */
	unsigned long next;		/* jiffies: earliest next send */
	atomic64_t alarms;		/* late callbacks since the last send */
	atomic64_t alarm_max;		/* the latest of them, in ns */
	u32 alarm_timer;		/* timer of the last one */
	atomic64_t overflows;		/* full-ring callbacks since the last send */
};

void timerx_notify_init(struct timerx_ctx *ctx);
void timerx_notify_stop(struct timerx_ctx *ctx);

/* From the hrtimer callback. */
void timerx_notify_late(struct timerx_ctx *ctx, u32 timer_id, u64 lateness);
void timerx_notify_overflow(struct timerx_ctx *ctx);

#endif /* _TIMERX_NOTIFY_H */
