/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sset: Seastar's timer_set (seastar/core/timer-set.hh), in C.
 *
 * Bucket i (0..63) holds the timers whose expiry first differs from @last
 * (the time of the last expiry pass) in bit 63 - i; bucket 64 those due
 * already (expiry <= @last). A 65-bit map says which buckets are
 * non-empty. Arm: a count-leading-zeros and a list append; cancel: the
 * same index computed again and a list deletion. The pass at @now
 * expires whole every bucket nearer than @now's own (they are all due:
 * a splice each), and re-files the timers of @now's bucket, which is the
 * only mixed one, against @now; then, as Seastar does, it finds the exact
 * earliest expiry by scanning the nearest non-empty bucket.
 *
 * Seastar hands the whole expired list to its caller; here it is kept in
 * the queue and delivered @budget timers per pass. The splices, the
 * re-filing and the scan are not bounded by the budget: a bucket can hold
 * half the timers (timer_set is a reactor's structure, not an
 * interrupt's). Expiries are delivered in no particular order. @now must
 * not go back (Seastar aborts); here a step back re-files every timer.
 *
 * Arm, cancel O(1); earliest O(1) (cached, a lower bound after a cancel);
 * the pass O(due + size of the re-filed and scanned buckets). 17 bytes in
 * the timer; 65 list heads (1 KiB) per queue.
 */
#ifndef _QBENCH_SSET_H
#define _QBENCH_SSET_H

#include "bt.h"

#define SSET_BUCKETS	65
#define SSET_DUE	64		/* expiry <= @last */

struct sset_queue {
	u64 last;
	u64 next;
	u64 map;			/* buckets 0..63; SSET_DUE by list_empty() */
	struct list_head bucket[SSET_BUCKETS];
	struct list_head expired;	/* expired, not yet delivered */
};

static inline void sset_init(struct sset_queue *q, u64 now, u32 cap)
{
	unsigned int i;

	(void)cap;
	q->last = now;
	q->next = U64_MAX;
	q->map = 0;
	for (i = 0; i < SSET_BUCKETS; i++)
		INIT_LIST_HEAD(&q->bucket[i]);
	INIT_LIST_HEAD(&q->expired);
}

static inline void sset_exit(struct sset_queue *q)
{
	(void)q;
}

static inline void sset_timer_init(struct bt *t)
{
	t->ss.expired = false;
}

static __always_inline unsigned int sset_index(const struct sset_queue *q, u64 ts)
{
	if (ts <= q->last)
		return SSET_DUE;
	return __builtin_clzll(ts ^ q->last);
}

static __always_inline bool sset_insert(struct sset_queue *q, struct bt *t)
{
	u64 ts = t->expires;
	unsigned int i = sset_index(q, ts);

	list_add_tail(&t->ss.node, &q->bucket[i]);
	if (i != SSET_DUE)
		q->map |= BIT_ULL(i);
	if (ts < q->next) {
		q->next = ts;
		return true;
	}
	return false;
}

static __always_inline bool sset_add(struct sset_queue *q, struct bt *t)
{
	t->ss.expired = false;
	return sset_insert(q, t);
}

static __always_inline void sset_del(struct sset_queue *q, struct bt *t)
{
	unsigned int i;

	list_del(&t->ss.node);
	if (t->ss.expired) {
		t->ss.expired = false;
		return;
	}
	i = sset_index(q, t->expires);
	if (i != SSET_DUE && list_empty(&q->bucket[i]))
		q->map &= ~BIT_ULL(i);
}

static __always_inline bool sset_update(struct sset_queue *q, struct bt *t, u64 expires)
{
	if (!t->ss.expired && sset_index(q, expires) == sset_index(q, t->expires)) {
		t->expires = expires;
		if (expires < q->next) {
			q->next = expires;
			return true;
		}
		return false;
	}
	sset_del(q, t);
	t->expires = expires;
	return sset_add(q, t);
}

static __always_inline u64 sset_next(struct sset_queue *q)
{
	if (!list_empty(&q->expired))
		return 0;
	return max(q->last, q->next);
}

static noinline void sset_rewind(struct sset_queue *q, u64 now)
{
	struct list_head all = LIST_HEAD_INIT(all);
	struct bt *t, *n;
	unsigned int i;

	/* what was due at @last may not be at @now */
	list_for_each_entry(t, &q->expired, ss.node)
		t->ss.expired = false;
	list_splice_tail_init(&q->expired, &all);
	for (i = 0; i < SSET_BUCKETS; i++)
		list_splice_tail_init(&q->bucket[i], &all);
	q->map = 0;
	q->last = now;
	q->next = U64_MAX;
	list_for_each_entry_safe(t, n, &all, ss.node)
		sset_insert(q, t);
}

/* timer_set::expire(): everything due at @now onto @expired. */
static __always_inline void sset_collect(struct sset_queue *q, u64 now)
{
	unsigned int index, i;
	struct list_head *list;
	struct bt *t, *n;
	u64 nearer, near;

	index = sset_index(q, now);
	/* buckets nearer than @now's are due whole (and SSET_DUE) */
#ifdef QBENCH_CANARY	/* the test must catch the mixed bucket expired whole */
	nearer = index >= 64 ? 0 : ~0ULL << index;
#else
	nearer = index >= 63 ? 0 : ~0ULL << (index + 1);
#endif
	near = q->map & nearer;
	q->map &= ~nearer;
	while (near) {
		i = __ffs64(near);
		near &= near - 1;
		list_splice_tail_init(&q->bucket[i], &q->expired);
	}
	list_splice_tail_init(&q->bucket[SSET_DUE], &q->expired);
	q->last = now;
	q->next = U64_MAX;
	if (index < SSET_DUE) {
		/* @now's bucket: due timers out, the others filed against @now */
		struct list_head mixed = LIST_HEAD_INIT(mixed);

		list_splice_tail_init(&q->bucket[index], &mixed);
		q->map &= ~BIT_ULL(index);
		list_for_each_entry_safe(t, n, &mixed, ss.node) {
			list_del(&t->ss.node);
			if (t->expires <= now)
				list_add_tail(&t->ss.node, &q->expired);
			else
				sset_insert(q, t);
		}
	}
	if (q->next == U64_MAX && q->map) {
		/* the nearest non-empty bucket holds the earliest timer */
		list = &q->bucket[fls64(q->map) - 1];
		list_for_each_entry(t, list, ss.node)
			q->next = min(q->next, t->expires);
	}
	list_for_each_entry(t, &q->expired, ss.node)
		t->ss.expired = true;
}

static __always_inline unsigned int
sset_expire(struct sset_queue *q, u64 now, unsigned int budget, bt_fire_t fire, void *arg)
{
	unsigned int fired = 0;
	struct bt *t;
	u64 expires;

	if (unlikely(now < q->last))
		sset_rewind(q, now);
	if (list_empty(&q->expired))
		sset_collect(q, now);
	while (fired < budget && !list_empty(&q->expired)) {
		t = list_first_entry(&q->expired, struct bt, ss.node);
		list_del(&t->ss.node);
		t->ss.expired = false;
		fired++;
		expires = fire(t, now, arg);
		if (expires != BT_STOP) {
			t->expires = expires;
			sset_insert(q, t);
		}
	}
	return fired;
}

static inline bool sset_unordered(const struct bt *t)
{
	(void)t;
	return true;
}

#define sset_exact_next	false

#endif /* _QBENCH_SSET_H */
