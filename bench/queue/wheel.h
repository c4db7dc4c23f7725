/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wheel: a hierarchical timing wheel with exact expiries, in ns.
 *
 * Eleven levels of 64 slots cover 64-bit times, level L's slots being
 * 2^(6L) ns wide. A timer is filed by the highest 6-bit digit in which its
 * expiry differs from the wheel's clock @clk: at level L it shares every
 * digit above L with @clk and its digit L is greater (at level 0: not
 * smaller), so it is in slot (L, digit L of its expiry). Hence every
 * timer at a lower level expires before every timer at a higher one, and
 * within a level the slots are in order: the earliest slot is the lowest
 * set bit of the lowest non-empty level (two find-first-set). A level-0
 * slot holds timers of one exact expiry; a slot at L > 0 holds a range.
 *
 * The expiry pass takes the earliest slot while it starts at or before
 * @now: a level-0 slot expires (its timers are due at exactly its time,
 * so the pass delivers in expiry order, as hrtimers do); a higher slot is
 * cascaded: @clk moves into the slot, to @next (a lower bound of every
 * expiry) if that is in it and not after @now, else to its start, and its
 * timers are filed again, each landing at a lower level. A timer is moved
 * at most once per level on its way to expiry (5 times for one 10 s out,
 * 6 for an hour), and the earliest one, when @next is exact, straight to
 * level 0.
 *
 * A pass expires at most @budget timers and moves at most WHEEL_MOVES
 * times as many; a cascade cut short is resumed first by the next pass
 * (@pend), so a pass does bounded work whatever the timers' distribution.
 *
 * The earliest expiry (@next) is exact after a pass when the earliest slot
 * is at level 0 or holds at most WHEEL_SCAN timers (it is scanned for its
 * minimum); otherwise it is the slot's start, a lower bound: the hrtimer
 * fires early once and the pass cascades that crowded slot. Arming lowers
 * @next when earlier; cancelling leaves it (fire early once rather than
 * reprogram, as the issue asks).
 *
 * Timers armed before @clk (in the past of the last pass) wait on
 * @overdue and go first, in no particular order: all are late anyway.
 * @now going backwards (a REALTIME or TAI step) makes the pass re-file
 * every timer against the new clock: O(n), once per step.
 *
 * Arm, cancel, postpone O(1) (a few shifts, a bit set, a list insertion);
 * 18 bytes in the timer; 11 * 64 list heads (5.6 KiB) and 11 bitmaps per
 * queue.
 */
#ifndef _QBENCH_WHEEL_H
#define _QBENCH_WHEEL_H

#include "bt.h"

#define WHEEL_BITS	6
#define WHEEL_SIZE	BIT(WHEEL_BITS)
#define WHEEL_LEVELS	11		/* 66 bits >= 64 */
#define WHEEL_OVERDUE	0xff		/* hw.lvl of a timer on @overdue */
#ifndef WHEEL_SCAN
#define WHEEL_SCAN	64		/* scan the earliest slot up to this many */
#endif
#define WHEEL_MOVES	8		/* cascade moves per expiry of the budget */

struct wheel_queue {
	u64 clk;			/* <= every expiry in the slots */
	u64 next;			/* <= the earliest expiry */
	unsigned long levels;		/* bit L: map[L] != 0 */
	s8 pend;			/* level of a cascade cut short, or -1 */
	u8 pend_idx;			/* and its slot */
	u64 map[WHEEL_LEVELS];		/* bit i: slot[L][i] non-empty */
	struct hlist_head overdue;
	struct hlist_head slot[WHEEL_LEVELS][WHEEL_SIZE];
};

static inline void wheel_init(struct wheel_queue *q, u64 now, u32 cap)
{
	unsigned int l, i;

	(void)cap;
	q->clk = now;
	q->next = U64_MAX;
	q->levels = 0;
	q->pend = -1;
	q->pend_idx = 0;
	INIT_HLIST_HEAD(&q->overdue);
	for (l = 0; l < WHEEL_LEVELS; l++) {
		q->map[l] = 0;
		for (i = 0; i < WHEEL_SIZE; i++)
			INIT_HLIST_HEAD(&q->slot[l][i]);
	}
}

static inline void wheel_exit(struct wheel_queue *q)
{
	(void)q;
}

static inline void wheel_timer_init(struct bt *t)
{
	t->hw.lvl = WHEEL_OVERDUE;
}

/* The level of an expiry whose bits differ from the clock's in @x. */
static __always_inline unsigned int wheel_level(u64 x)
{
	return (fls64(x | 1) - 1) / WHEEL_BITS;
}

static __always_inline unsigned int wheel_digit(u64 v, unsigned int lvl)
{
	return (v >> (lvl * WHEEL_BITS)) & (WHEEL_SIZE - 1);
}

/* The first ns of slot (@lvl, @idx) as seen from @clk. */
static __always_inline u64 wheel_slot_start(u64 clk, unsigned int lvl, unsigned int idx)
{
	unsigned int shift = (lvl + 1) * WHEEL_BITS;
	u64 hi = shift >= 64 ? 0 : clk >> shift << shift;

	return hi | (u64)idx << (lvl * WHEEL_BITS);
}

static __always_inline void wheel_enqueue(struct wheel_queue *q, struct bt *t)
{
	u64 e = t->expires;
	unsigned int lvl, idx;

#ifdef QBENCH_CANARY	/* the test must catch a timer filed against a later clock */
	if (0) {
#else
	if (unlikely(e < q->clk)) {
#endif
		t->hw.lvl = WHEEL_OVERDUE;
		hlist_add_head(&t->hw.node, &q->overdue);
		return;
	}
	lvl = wheel_level(e ^ q->clk);
	idx = wheel_digit(e, lvl);
	t->hw.lvl = lvl;
	t->hw.idx = idx;
	hlist_add_head(&t->hw.node, &q->slot[lvl][idx]);
	q->map[lvl] |= BIT_ULL(idx);
	q->levels |= BIT(lvl);
}

static __always_inline void wheel_clear(struct wheel_queue *q, unsigned int lvl, unsigned int idx)
{
	q->map[lvl] &= ~BIT_ULL(idx);
	if (!q->map[lvl])
		q->levels &= ~BIT(lvl);
}

static __always_inline void wheel_unlink(struct wheel_queue *q, struct bt *t)
{
	unsigned int lvl = t->hw.lvl, idx = t->hw.idx;

	hlist_del(&t->hw.node);
	if (lvl == WHEEL_OVERDUE)
		return;
	if (hlist_empty(&q->slot[lvl][idx]))
		wheel_clear(q, lvl, idx);
}

static __always_inline bool wheel_add(struct wheel_queue *q, struct bt *t)
{
	wheel_enqueue(q, t);
	if (t->expires < q->next) {
		q->next = t->expires;
		return true;
	}
	return false;
}

static __always_inline void wheel_del(struct wheel_queue *q, struct bt *t)
{
	wheel_unlink(q, t);
}

/* A new expiry in the same slot is a store; elsewhere, two list operations. */
static __always_inline bool wheel_update(struct wheel_queue *q, struct bt *t, u64 expires)
{
	unsigned int lvl;

	if (t->hw.lvl != WHEEL_OVERDUE && expires >= q->clk) {
		lvl = wheel_level(expires ^ q->clk);
		if (lvl == t->hw.lvl && wheel_digit(expires, lvl) == t->hw.idx) {
			t->expires = expires;
			goto out;
		}
	}
	wheel_unlink(q, t);
	t->expires = expires;
	wheel_enqueue(q, t);
out:
	if (expires < q->next) {
		q->next = expires;
		return true;
	}
	return false;
}

static __always_inline u64 wheel_next(struct wheel_queue *q)
{
	return q->next;
}

/* @now went back past @clk: file every timer again against @now. */
static noinline void wheel_rewind(struct wheel_queue *q, u64 now)
{
	struct hlist_head all = { NULL };
	struct hlist_node *n;
	unsigned int l, i;

	while ((n = q->overdue.first)) {
		__hlist_del(n);
		hlist_add_head(n, &all);
	}
	for (l = 0; l < WHEEL_LEVELS; l++) {
		for (i = 0; i < WHEEL_SIZE; i++) {
			while ((n = q->slot[l][i].first)) {
				__hlist_del(n);
				hlist_add_head(n, &all);
			}
		}
		q->map[l] = 0;
	}
	q->levels = 0;
	q->pend = -1;
	q->clk = now;
	while ((n = all.first)) {
		__hlist_del(n);
		wheel_enqueue(q, hlist_entry(n, struct bt, hw.node));
	}
}

/* After a pass: the earliest expiry, exact unless its slot is crowded. */
static __always_inline void wheel_set_next(struct wheel_queue *q)
{
	unsigned int lvl, idx, seen = 0;
	struct bt *t;
	u64 start, m = U64_MAX;

	if (!hlist_empty(&q->overdue) || q->pend >= 0) {
		q->next = 0;		/* due now */
		return;
	}
	if (!q->levels) {
		q->next = U64_MAX;
		return;
	}
	lvl = __ffs(q->levels);
	idx = __ffs64(q->map[lvl]);
	start = wheel_slot_start(q->clk, lvl, idx);
	if (!lvl) {
		q->next = start;
		return;
	}
	hlist_for_each_entry(t, &q->slot[lvl][idx], hw.node) {
		if (++seen > WHEEL_SCAN) {
			q->next = start;
			return;
		}
		m = min(m, t->expires);
	}
	q->next = m;
}

static __always_inline void wheel_fired(struct wheel_queue *q, struct bt *t, u64 now,
					bt_fire_t fire, void *arg)
{
	u64 expires = fire(t, now, arg);

	if (expires != BT_STOP) {
		t->expires = expires;
		wheel_enqueue(q, t);
	}
}

/*
 * Go on with the cascade of slot (@pend, @pend_idx), whose timers are
 * filed again against @clk (which is in the slot). False if the budget
 * of moves ran out first.
 */
static __always_inline bool wheel_cascade(struct wheel_queue *q, unsigned int *moves,
					  unsigned int limit)
{
	struct hlist_head *head = &q->slot[q->pend][q->pend_idx];
	struct hlist_node *n;

	while ((n = head->first)) {
		if (*moves >= limit)
			return false;
		__hlist_del(n);
		wheel_enqueue(q, hlist_entry(n, struct bt, hw.node));	/* lands lower */
		(*moves)++;
	}
	wheel_clear(q, q->pend, q->pend_idx);
	q->pend = -1;
	return true;
}

static __always_inline unsigned int
wheel_expire(struct wheel_queue *q, u64 now, unsigned int budget, bt_fire_t fire, void *arg)
{
	unsigned int fired = 0, moves = 0, limit = WHEEL_MOVES * budget, lvl, idx;
	struct hlist_head *head;
	struct hlist_node *n;
	u64 start;

	if (unlikely(now < q->clk))
		wheel_rewind(q, now);

	while (fired < budget) {
		if (unlikely(!hlist_empty(&q->overdue))) {
			n = q->overdue.first;
			hlist_del(n);
			fired++;
			wheel_fired(q, hlist_entry(n, struct bt, hw.node), now, fire, arg);
			continue;
		}
		if (unlikely(q->pend >= 0)) {
			if (!wheel_cascade(q, &moves, limit))
				break;
			continue;
		}
		if (!q->levels)
			goto done;
		lvl = __ffs(q->levels);
		idx = __ffs64(q->map[lvl]);
		start = wheel_slot_start(q->clk, lvl, idx);
		if (start > now)
			goto done;
		if (lvl) {
			/*
			 * Cascade from as late as we may: @next is <= every
			 * expiry, so the clock can go there (not past @now).
			 * When @next is exact the earliest timer drops to level
			 * 0 at once instead of one level per round of the loop.
			 */
			q->clk = min(max(q->next, start), now);
			q->pend = lvl;
			q->pend_idx = idx;
			if (!wheel_cascade(q, &moves, limit))
				break;
			continue;
		}
		/* level 0: every timer here is due at exactly @start */
		q->clk = start;
		head = &q->slot[0][idx];
		while ((n = head->first) && fired < budget) {
			hlist_del(n);
			fired++;
			wheel_fired(q, hlist_entry(n, struct bt, hw.node), now, fire, arg);
		}
		if (hlist_empty(head))
			wheel_clear(q, 0, idx);
	}
	wheel_set_next(q);
	return fired;
done:
	/* nothing due is left: every slot starts after @now */
	q->clk = now;
	wheel_set_next(q);
	return fired;
}

/* Timers armed in the past of the last pass go first, in any order. */
static inline bool wheel_unordered(const struct bt *t)
{
	return t->hw.lvl == WHEEL_OVERDUE;
}

#define wheel_exact_next	false

#endif /* _QBENCH_WHEEL_H */
