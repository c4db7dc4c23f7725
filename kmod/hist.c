// SPDX-License-Identifier: GPL-2.0
/*
 * Lateness histograms: recording (hrtimer callbacks) and snapshots (the
 * control plane). See hist.h for who may write what.
 */

#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "hist.h"

void timerx_hist_init(struct timerx_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = U64_MAX;
}

void timerx_hist_shared_init(struct timerx_hist_shared *h)
{
	unsigned int i;

	atomic64_set(&h->count, 0);
	atomic64_set(&h->sum, 0);
	atomic64_set(&h->min, U64_MAX);
	atomic64_set(&h->max, 0);
	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		atomic64_set(&h->buckets[i], 0);
}

void timerx_hist_snap_init(struct timerx_hist_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->min = U64_MAX;
}

/* Single writer: the stores only need to be untorn for the readers. */
void timerx_hist_record(struct timerx_hist *h, u64 v)
{
	unsigned int i = timerx_hist_index(v);

	WRITE_ONCE(h->buckets[i], h->buckets[i] + 1);
	WRITE_ONCE(h->sum, h->sum + v);
	if (v < h->min)
		WRITE_ONCE(h->min, v);
	if (v > h->max)
		WRITE_ONCE(h->max, v);
	WRITE_ONCE(h->count, h->count + 1);
}

void timerx_hist_shared_record(struct timerx_hist_shared *h, u64 v)
{
	s64 cur;

	atomic64_inc(&h->buckets[timerx_hist_index(v)]);
	atomic64_add(v, &h->sum);

	/* Unsigned compare: the atomics hold u64 values. */
	cur = atomic64_read(&h->min);
	while (v < (u64)cur && !atomic64_try_cmpxchg(&h->min, &cur, v))
		;
	cur = atomic64_read(&h->max);
	while (v > (u64)cur && !atomic64_try_cmpxchg(&h->max, &cur, v))
		;
	atomic64_inc(&h->count);
}

void timerx_hist_snap_add(struct timerx_hist_snap *s,
			  const struct timerx_hist *h)
{
	unsigned int i;

	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		s->buckets[i] += READ_ONCE(h->buckets[i]);
	s->count += READ_ONCE(h->count);
	s->sum += READ_ONCE(h->sum);
	s->min = min(s->min, READ_ONCE(h->min));
	s->max = max(s->max, READ_ONCE(h->max));
}

void timerx_hist_snap_add_shared(struct timerx_hist_snap *s,
				 struct timerx_hist_shared *h)
{
	unsigned int i;

	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		s->buckets[i] += atomic64_read(&h->buckets[i]);
	s->count += atomic64_read(&h->count);
	s->sum += atomic64_read(&h->sum);
	s->min = min_t(u64, s->min, atomic64_read(&h->min));
	s->max = max_t(u64, s->max, atomic64_read(&h->max));
}

void timerx_hist_snap_merge(struct timerx_hist_snap *s,
			    const struct timerx_hist_snap *o)
{
	unsigned int i;

	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		s->buckets[i] += o->buckets[i];
	s->count += o->count;
	s->sum += o->sum;
	s->min = min(s->min, o->min);
	s->max = max(s->max, o->max);
}
