/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_HIST_H
#define _TIMERX_HIST_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/types.h>
#include <uapi/linux/timerx.h>

/*
 * Lateness histograms, log-linear (layout in the UAPI header). Two kinds,
 * both updated from hrtimer callbacks without locks or division:
 *
 * - struct timerx_hist has one writer at a time: a timer's own callback,
 *   which never runs concurrently with itself. Plain stores, read with
 *   READ_ONCE() by the control plane.
 * - struct timerx_hist_shared is written by every timer of a context, on
 *   any CPU: atomics, and compare-and-swap for min and max.
 *
 * Both are read into struct timerx_hist_snap for reporting.
 */
struct timerx_hist {
	u64 count;
	u64 sum;
	u64 min;
	u64 max;
	u64 buckets[TIMERX_HIST_BUCKETS];
};

struct timerx_hist_shared {
	atomic64_t count;
	atomic64_t sum;
	atomic64_t min;
	atomic64_t max;
	atomic64_t buckets[TIMERX_HIST_BUCKETS];
};

struct timerx_hist_snap {
	u64 count;
	u64 sum;
	u64 min;
	u64 max;
	u64 buckets[TIMERX_HIST_BUCKETS];
};

#define TIMERX_HIST_SUB	BIT(TIMERX_HIST_SUB_BITS)

static inline unsigned int timerx_hist_index(u64 v)
{
	unsigned int e;

	if (v < TIMERX_HIST_SUB)
		return v;
	e = fls64(v) - 1;
	if (e >= TIMERX_HIST_MAX_LOG2)
		return TIMERX_HIST_BUCKETS - 1;
	return (e - TIMERX_HIST_SUB_BITS + 1) * TIMERX_HIST_SUB +
	       ((v >> (e - TIMERX_HIST_SUB_BITS)) & (TIMERX_HIST_SUB - 1));
}

void timerx_hist_init(struct timerx_hist *h);
void timerx_hist_shared_init(struct timerx_hist_shared *h);
void timerx_hist_snap_init(struct timerx_hist_snap *s);

void timerx_hist_record(struct timerx_hist *h, u64 v);
void timerx_hist_shared_record(struct timerx_hist_shared *h, u64 v);

/* Add a histogram's current contents to @s. */
void timerx_hist_snap_add(struct timerx_hist_snap *s,
			  const struct timerx_hist *h);
void timerx_hist_snap_add_shared(struct timerx_hist_snap *s,
				 struct timerx_hist_shared *h);
void timerx_hist_snap_merge(struct timerx_hist_snap *s,
			    const struct timerx_hist_snap *o);

#endif /* _TIMERX_HIST_H */
