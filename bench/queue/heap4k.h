/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap4k: heap4 with each entry holding a copy of the key beside the
 * pointer (16 bytes), and the array offset by three entries so that the
 * four children of a node are one aligned 64-byte cache line. A sift-down
 * then reads one line per level instead of four timers; it still writes
 * the index of each timer it moves (one timer line per level). The
 * timer's own expires stays the truth; the copy is only for ordering.
 *
 * 4 bytes in the timer and 16 in the array per timer.
 */
#ifndef _QBENCH_HEAP4K_H
#define _QBENCH_HEAP4K_H

#include "bt.h"

struct heap4k_ent {
	u64 key;
	struct bt *t;
};

#define HEAP4K_OFF	3	/* logical 0 at entry 3: children of i at 4(i + 1) */

struct heap4k_queue {
	struct heap4k_ent *a;	/* logical index i is a[i + HEAP4K_OFF] */
	u32 n;
	u32 cap;
};

static inline void heap4k_init(struct heap4k_queue *q, u64 now, u32 cap)
{
	size_t bytes = ((size_t)cap + HEAP4K_OFF + 4) * sizeof(*q->a);

	(void)now;
	bytes = (bytes + 63) & ~(size_t)63;
	q->a = aligned_alloc(64, bytes);
	if (!q->a)
		abort();
	q->a += HEAP4K_OFF;
	q->n = 0;
	q->cap = cap;
}

static inline void heap4k_exit(struct heap4k_queue *q)
{
	free(q->a - HEAP4K_OFF);
}

static inline void heap4k_timer_init(struct bt *t)
{
	t->heap_idx = U32_MAX;
}

static __always_inline void heap4k_set(struct heap4k_queue *q, u32 i, u64 key, struct bt *t)
{
	q->a[i].key = key;
	q->a[i].t = t;
	t->heap_idx = i;
}

static __always_inline void heap4k_sift_up(struct heap4k_queue *q, u32 i, u64 key, struct bt *t)
{
	while (i) {
		u32 p = (i - 1) / 4;

		if (q->a[p].key <= key)
			break;
		heap4k_set(q, i, q->a[p].key, q->a[p].t);
		i = p;
	}
	heap4k_set(q, i, key, t);
}

static __always_inline void heap4k_sift_down(struct heap4k_queue *q, u32 i, u64 key, struct bt *t)
{
	u32 n = q->n;

	for (;;) {
		u32 c = 4 * i + 1, m, end;
		u64 mk;

		if (c >= n)
			break;
		m = c;
		mk = q->a[c].key;
#ifdef QBENCH_CANARY	/* the test must catch a forgotten fourth child */
		end = min(c + 3, n);
#else
		end = min(c + 4, n);
#endif
		for (c++; c < end; c++) {
			if (q->a[c].key < mk) {
				m = c;
				mk = q->a[c].key;
			}
		}
		if (mk >= key)
			break;
		heap4k_set(q, i, mk, q->a[m].t);
		i = m;
	}
	heap4k_set(q, i, key, t);
}

static __always_inline bool heap4k_add(struct heap4k_queue *q, struct bt *t)
{
	heap4k_sift_up(q, q->n++, t->expires, t);
	return t->heap_idx == 0;
}

static __always_inline void heap4k_del(struct heap4k_queue *q, struct bt *t)
{
	u32 i = t->heap_idx;
	struct heap4k_ent last = q->a[--q->n];

	t->heap_idx = U32_MAX;
	if (last.t == t)
		return;
	if (last.key < t->expires)
		heap4k_sift_up(q, i, last.key, last.t);
	else
		heap4k_sift_down(q, i, last.key, last.t);
}

static __always_inline bool heap4k_update(struct heap4k_queue *q, struct bt *t, u64 expires)
{
	u64 old = t->expires;

	t->expires = expires;
	if (expires < old) {
		heap4k_sift_up(q, t->heap_idx, expires, t);
		return t->heap_idx == 0;
	}
	heap4k_sift_down(q, t->heap_idx, expires, t);
	return false;
}

static __always_inline u64 heap4k_next(struct heap4k_queue *q)
{
	return q->n ? q->a[0].key : U64_MAX;
}

static __always_inline unsigned int
heap4k_expire(struct heap4k_queue *q, u64 now, unsigned int budget, bt_fire_t fire, void *arg)
{
	unsigned int fired = 0;

	while (fired < budget && q->n && q->a[0].key <= now) {
		struct bt *t = q->a[0].t;
		u64 expires;

		fired++;
		expires = fire(t, now, arg);
		if (expires != BT_STOP) {
			t->expires = expires;
			heap4k_sift_down(q, 0, expires, t);
		} else {
			heap4k_del(q, t);
		}
	}
	return fired;
}

static inline bool heap4k_unordered(const struct bt *t)
{
	(void)t;
	return false;
}

#define heap4k_exact_next	true

#endif /* _QBENCH_HEAP4K_H */
