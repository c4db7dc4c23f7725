/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rbq: the kernel's choice for hrtimers. lib/timerqueue.c over
 * lib/rbtree.c: a red-black tree ordered by expiry with the leftmost node
 * cached, so the earliest timer is one load away. The rbtree is the
 * kernel's own userspace copy (tools/lib/rbtree.c), extracted from the
 * linux-source tarball at build time; the wrapper is timerqueue_add(),
 * timerqueue_del() and timerqueue_getnext(), and the expiry loop is
 * __hrtimer_run_queues()'s.
 *
 * Arm O(log n) (the descent; rebalancing is amortized O(1)); cancel
 * O(log n) worst case, amortized O(1) (rb_erase, plus rb_next() when the
 * leftmost goes); earliest O(1). 24 bytes per timer, 16 per queue. Keys
 * are compared in the tree's nodes: one cache line per level of descent.
 */
#ifndef _QBENCH_RBQ_H
#define _QBENCH_RBQ_H

#include "bt.h"

struct rbq_queue {
	struct rb_root_cached root;
};

#define __node_2_bt(_n) rb_entry((_n), struct bt, rb)

static __always_inline bool __rbq_less(struct rb_node *a, const struct rb_node *b)
{
	return __node_2_bt(a)->expires < __node_2_bt(b)->expires;
}

static inline void rbq_init(struct rbq_queue *q, u64 now, u32 cap)
{
	(void)now;
	(void)cap;
	q->root = RB_ROOT_CACHED;
}

static inline void rbq_exit(struct rbq_queue *q)
{
	(void)q;
}

static inline void rbq_timer_init(struct bt *t)
{
	RB_CLEAR_NODE(&t->rb);
}

/* timerqueue_add(): true if @t is now the earliest. */
static __always_inline bool rbq_add(struct rbq_queue *q, struct bt *t)
{
	WARN_ON_ONCE(!RB_EMPTY_NODE(&t->rb));
	rb_add_cached(&t->rb, &q->root, __rbq_less);
	return q->root.rb_leftmost == &t->rb;
}

/* timerqueue_del() */
static __always_inline void rbq_del(struct rbq_queue *q, struct bt *t)
{
	WARN_ON_ONCE(RB_EMPTY_NODE(&t->rb));
#ifdef QBENCH_CANARY	/* the test must catch a stale leftmost */
	rb_erase(&t->rb, &q->root.rb_root);
#else
	rb_erase_cached(&t->rb, &q->root);
#endif
	RB_CLEAR_NODE(&t->rb);
}

/*
 * hrtimer_start() of an armed timer: remove, then enqueue at the new
 * expiry. True if the earliest expiry moved earlier.
 */
static __always_inline bool rbq_update(struct rbq_queue *q, struct bt *t, u64 expires)
{
	u64 old = t->expires;

	rbq_del(q, t);
	t->expires = expires;
	return rbq_add(q, t) && expires < old;
}

/* timerqueue_getnext(): exact. */
static __always_inline u64 rbq_next(struct rbq_queue *q)
{
	struct rb_node *leftmost = rb_first_cached(&q->root);

	return leftmost ? __node_2_bt(leftmost)->expires : U64_MAX;
}

/* __hrtimer_run_queues(): the leftmost while it is due, in expiry order. */
static __always_inline unsigned int
rbq_expire(struct rbq_queue *q, u64 now, unsigned int budget, bt_fire_t fire, void *arg)
{
	unsigned int fired = 0;
	struct rb_node *leftmost;

	while (fired < budget && (leftmost = rb_first_cached(&q->root))) {
		struct bt *t = __node_2_bt(leftmost);
		u64 expires;

		if (t->expires > now)
			break;
		rbq_del(q, t);
		fired++;
		expires = fire(t, now, arg);
		if (expires != BT_STOP) {
			t->expires = expires;
			rbq_add(q, t);
		}
	}
	return fired;
}

static inline bool rbq_unordered(const struct bt *t)
{
	(void)t;
	return false;
}

#define rbq_exact_next	true

#endif /* _QBENCH_RBQ_H */
