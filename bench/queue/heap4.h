/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap4: a 4-ary min-heap in an array of timer pointers, each timer
 * holding its index in the array (so a cancel is O(log n) by index, with
 * no search). Sifts move a hole instead of swapping. A periodic timer's
 * restart in the expiry pass re-keys the root in place (one sift-down
 * instead of a pop and a push), and a postpone is a sift-down from where
 * the timer is.
 *
 * Arm O(log4 n) (O(1) for a timer later than its parent: usually);
 * cancel O(log4 n); earliest O(1). 4 bytes in the timer and 8 in the
 * array per timer; the array must exist before the timer is armed (in
 * the module: reserve a slot at create, under the context's mutex, so
 * that arming under the raw lock never allocates). Keys are read through
 * the pointers: the four children of a node are four cache lines.
 */
#ifndef _QBENCH_HEAP4_H
#define _QBENCH_HEAP4_H

#include "bt.h"

struct heap4_queue {
	struct bt **a;
	u32 n;
	u32 cap;
};

static inline void heap4_init(struct heap4_queue *q, u64 now, u32 cap)
{
	(void)now;
	q->a = calloc(cap ? cap : 1, sizeof(*q->a));
	q->n = 0;
	q->cap = cap;
	if (!q->a)
		abort();
}

static inline void heap4_exit(struct heap4_queue *q)
{
	free(q->a);
}

static inline void heap4_timer_init(struct bt *t)
{
	t->heap_idx = U32_MAX;
}

static __always_inline void heap4_set(struct heap4_queue *q, u32 i, struct bt *t)
{
	q->a[i] = t;
	t->heap_idx = i;
}

static __always_inline void heap4_sift_up(struct heap4_queue *q, u32 i, struct bt *t)
{
	u64 key = t->expires;

	while (i) {
		u32 p = (i - 1) / 4;
		struct bt *pt = q->a[p];

		if (pt->expires <= key)
			break;
		heap4_set(q, i, pt);
		i = p;
	}
	heap4_set(q, i, t);
}

static __always_inline void heap4_sift_down(struct heap4_queue *q, u32 i, struct bt *t)
{
	u64 key = t->expires;
	u32 n = q->n;

	for (;;) {
		u32 c = 4 * i + 1, m, end;
		struct bt *mt;

		if (c >= n)
			break;
		m = c;
		mt = q->a[c];
#ifdef QBENCH_CANARY	/* the test must catch a forgotten fourth child */
		end = min(c + 3, n);
#else
		end = min(c + 4, n);
#endif
		for (c++; c < end; c++) {
			if (q->a[c]->expires < mt->expires) {
				m = c;
				mt = q->a[c];
			}
		}
		if (mt->expires >= key)
			break;
		heap4_set(q, i, mt);
		i = m;
	}
	heap4_set(q, i, t);
}

static __always_inline bool heap4_add(struct heap4_queue *q, struct bt *t)
{
	heap4_sift_up(q, q->n++, t);
	return t->heap_idx == 0;
}

static __always_inline void heap4_del(struct heap4_queue *q, struct bt *t)
{
	u32 i = t->heap_idx;
	struct bt *last = q->a[--q->n];

	t->heap_idx = U32_MAX;
	if (last == t)
		return;
	if (last->expires < t->expires)
		heap4_sift_up(q, i, last);
	else
		heap4_sift_down(q, i, last);
}

/* In place: up if earlier (true if now the earliest), down if later. */
static __always_inline bool heap4_update(struct heap4_queue *q, struct bt *t, u64 expires)
{
	u64 old = t->expires;

	t->expires = expires;
	if (expires < old) {
		heap4_sift_up(q, t->heap_idx, t);
		return t->heap_idx == 0;
	}
	heap4_sift_down(q, t->heap_idx, t);
	return false;
}

static __always_inline u64 heap4_next(struct heap4_queue *q)
{
	return q->n ? q->a[0]->expires : U64_MAX;
}

static __always_inline unsigned int
heap4_expire(struct heap4_queue *q, u64 now, unsigned int budget, bt_fire_t fire, void *arg)
{
	unsigned int fired = 0;

	while (fired < budget && q->n) {
		struct bt *t = q->a[0];
		u64 expires;

		if (t->expires > now)
			break;
		fired++;
		expires = fire(t, now, arg);
		if (expires != BT_STOP) {
			/* restart: re-key the root where it is */
			t->expires = expires;
			heap4_sift_down(q, 0, t);
		} else {
			heap4_del(q, t);
		}
	}
	return fired;
}

static inline bool heap4_unordered(const struct bt *t)
{
	(void)t;
	return false;
}

#define heap4_exact_next	true

#endif /* _QBENCH_HEAP4_H */
