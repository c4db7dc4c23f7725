// SPDX-License-Identifier: GPL-2.0
/*
 * Timer queues: many user timers on one hrtimer.
 *
 * Arming or cancelling a timer is a heap operation under the queue's raw
 * lock. The hrtimer is started only when the earliest hard expiry moves
 * earlier than what it is programmed to; when it moves later (the
 * earliest was cancelled or postponed) it fires early once and the pass
 * programs it to the new earliest, which costs less than a reprogramming
 * per command (a VM exit in a guest).
 *
 * The callback expires every due timer, at most TIMERX_PASS_BUDGET of
 * them, publishes the ring's tail once and wakes the consumer at most
 * once. What the budget left is continued in another interrupt, after a
 * gap as long as the pass took: 100 000 timers due together take at most
 * half the CPU while they drain, and never hold interrupts off for more
 * than one pass.
 */

#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>

#include "context.h"
#include "queue.h"
#include "ring.h"
#include "timer.h"

/* The root at entry 3: a node's four children are one aligned cache line. */
#define TIMERX_QHEAP_OFF	3
#define TIMERX_QIDX_NONE	U32_MAX

/* A continued pass waits at least this long for the next one. */
#define TIMERX_PASS_GAP_MIN_NS	(10 * NSEC_PER_USEC)

static __always_inline struct timerx_qent *
timerx_qent(struct timerx_queue *q, u32 i)
{
	u32 p = i + TIMERX_QHEAP_OFF;

	return &q->pages[p >> TIMERX_QPAGE_SHIFT][p & (TIMERX_QPAGE_ENTS - 1)];
}

static __always_inline void timerx_qset(struct timerx_queue *q, u32 i,
					ktime_t key, struct timerx_timer *t)
{
	struct timerx_qent *e = timerx_qent(q, i);

	e->key = key;
	e->t = t;
	t->qidx = i;
}

static void timerx_qsift_up(struct timerx_queue *q, u32 i, ktime_t key,
			    struct timerx_timer *t)
{
	while (i) {
		u32 p = (i - 1) / 4;
		struct timerx_qent *pe = timerx_qent(q, p);

		if (pe->key <= key)
			break;
		timerx_qset(q, i, pe->key, pe->t);
		i = p;
	}
	timerx_qset(q, i, key, t);
}

static void timerx_qsift_down(struct timerx_queue *q, u32 i, ktime_t key,
			      struct timerx_timer *t)
{
	for (;;) {
		u32 c = 4 * i + 1, k, m, nr;
		struct timerx_qent *ce;

		if (c >= q->n)
			break;
		/* The four children are contiguous in one page. */
		ce = timerx_qent(q, c);
		nr = min(4U, q->n - c);
		m = 0;
		for (k = 1; k < nr; k++)
			if (ce[k].key < ce[m].key)
				m = k;
		if (ce[m].key >= key)
			break;
		timerx_qset(q, i, ce[m].key, ce[m].t);
		i = c + m;
	}
	timerx_qset(q, i, key, t);
}

static void timerx_qremove(struct timerx_queue *q, struct timerx_timer *t)
{
	u32 i = t->qidx;
	struct timerx_qent last = *timerx_qent(q, --q->n);

	t->qidx = TIMERX_QIDX_NONE;
	if (last.t == t)
		return;
	if (last.key < timerx_qent(q, i)->key)
		timerx_qsift_up(q, i, last.key, last.t);
	else
		timerx_qsift_down(q, i, last.key, last.t);
}

static ktime_t timerx_timer_key(const struct timerx_timer *t)
{
	return ktime_add_safe(t->expires, t->slack);
}

/*
 * Start the hrtimer at @soft..@hard if that is earlier than what it is
 * programmed to. Under @lock, on the queue's CPU if it is pinned (or on
 * any CPU with @mode unpinned).
 */
static void timerx_queue_start(struct timerx_queue *q, ktime_t soft,
			       ktime_t hard, enum hrtimer_mode mode)
{
	lockdep_assert_held(&q->lock);

	if (!ktime_before(hard, q->programmed))
		return;
	q->programmed = hard;
	hrtimer_start_range_ns(&q->hrt, soft, ktime_sub(hard, soft), mode);
}

/*
 * From a command: start the hrtimer at the root, no earlier than now. If
 * its callback is running on another CPU, the hrtimer stays on that
 * CPU's base, and an expiry at or before the time that CPU's
 * __hrtimer_run_queues() read would run again in the same loop, with
 * interrupts off, skipping the continuation gap; once per command, as
 * often as a user can send them. Now plus one is after any time read
 * before (ktime_get() is monotonic across CPUs), and a due timer still
 * fires at the next interrupt.
 */
static void timerx_queue_start_root(struct timerx_queue *q,
				    enum hrtimer_mode mode)
{
	struct timerx_qent *root;
	ktime_t soft, hard, now;

	if (!q->n)
		return;
	root = timerx_qent(q, 0);
	soft = root->t->expires;
	hard = root->key;
	now = ktime_add_ns(timerx_clock_now(q->clockid), 1);
	if (ktime_before(soft, now))
		soft = now;
	if (ktime_before(hard, soft))
		hard = soft;
	timerx_queue_start(q, soft, hard, mode);
}

/* In IPI context on the queue's CPU: its hrtimer base is that CPU's. */
static void timerx_queue_start_local(void *arg)
{
	struct timerx_queue *q = arg;
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	timerx_queue_start_root(q, q->mode);
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Queue @t, out of the heap, at @expires (soft). Process context, the
 * context's mutex held. A pinned queue whose CPU went offline cannot be
 * started there: with @any_cpu its hrtimer starts on this CPU (any CPU
 * beats losing an armed timer), else @t is taken out again and the error
 * returned.
 */
int timerx_queue_add(struct timerx_queue *q, struct timerx_timer *t,
		     ktime_t expires, bool any_cpu)
{
	bool earlier;
	int ret;

	raw_spin_lock_irq(&q->lock);
	t->expires = expires;
	timerx_qsift_up(q, q->n++, timerx_timer_key(t), t);
	earlier = !t->qidx && ktime_before(timerx_qent(q, 0)->key, q->programmed);
	if (earlier && q->cpu < 0)
		timerx_queue_start_root(q, q->mode);
	raw_spin_unlock_irq(&q->lock);
	if (!earlier || q->cpu < 0)
		return 0;

	/* wait=1: the start is done (or refused) when this returns. */
	ret = smp_call_function_single(q->cpu, timerx_queue_start_local, q, 1);
	if (!ret)
		return 0;
	raw_spin_lock_irq(&q->lock);
	if (any_cpu) {
		timerx_queue_start_root(q, q->mode & ~HRTIMER_MODE_PINNED);
		ret = 0;
	} else if (t->qidx != TIMERX_QIDX_NONE) {
		timerx_qremove(q, t);
	} else {
		/*
		 * While the lock was dropped the callback (on the CPU the
		 * hrtimer went to when q->cpu went down) expired @t: the
		 * arming took effect.
		 */
		ret = 0;
	}
	raw_spin_unlock_irq(&q->lock);
	return ret;
}

/*
 * Take @t out of the heap. The hrtimer stays: if @t was the earliest, it
 * fires early once. Returns whether @t was queued. Once this returns, no
 * callback touches @t until it is queued again.
 */
bool timerx_queue_del(struct timerx_queue *q, struct timerx_timer *t)
{
	bool queued;

	raw_spin_lock_irq(&q->lock);
	queued = t->qidx != TIMERX_QIDX_NONE;
	if (queued)
		timerx_qremove(q, t);
	raw_spin_unlock_irq(&q->lock);
	return queued;
}

/* Whether @t is queued, and at which soft expiry. */
bool timerx_queue_next(struct timerx_queue *q, struct timerx_timer *t,
		       ktime_t *expires)
{
	bool queued;

	raw_spin_lock_irq(&q->lock);
	queued = t->qidx != TIMERX_QIDX_NONE;
	*expires = t->expires;
	raw_spin_unlock_irq(&q->lock);
	return queued;
}

ktime_t timerx_clock_now(clockid_t clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return ktime_get_real();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime();
	case CLOCK_TAI:
		return ktime_get_clocktai();
	default:
		return ktime_get();
	}
}

/*
 * The time the pass compares with. The interrupt ran the hrtimer because
 * its clock, as the interrupt read it, was past the expiry. A REALTIME or
 * TAI clock stepped back since reads earlier: keep the interrupt's frame
 * (the base's offset as it was then). Restarted at or before the time
 * the interrupt read, the hrtimer would run again in the same
 * __hrtimer_run_queues() loop, forever, with interrupts off.
 */
static ktime_t timerx_queue_now(struct timerx_queue *q)
{
	ktime_t now = hrtimer_cb_get_time(&q->hrt);

	if (q->clockid == CLOCK_REALTIME || q->clockid == CLOCK_TAI)
		now = max(now, ktime_add(ktime_get(),
					 READ_ONCE(q->hrt.base->offset)));
	return now;
}

static enum hrtimer_restart timerx_queue_fire(struct hrtimer *hrt)
{
	struct timerx_queue *q = container_of(hrt, struct timerx_queue, hrt);
	struct timerx_ring *ring = &q->ctx->ring;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	u64 start = ktime_get_mono_fast_ns();
	unsigned int fired = 0;
	ktime_t now, soft, hard;
	unsigned long flags;
	bool wake = false;

	raw_spin_lock_irqsave(&q->lock, flags);
	q->passes++;
	now = timerx_queue_now(q);

	raw_spin_lock(&ring->lock);
	while (q->n && fired < TIMERX_PASS_BUDGET) {
		struct timerx_timer *t = timerx_qent(q, 0)->t;
		ktime_t next;

		if (ktime_after(t->expires, now))
			break;
		fired++;
		if (timerx_timer_expire(t, now, &next)) {
			/* Periodic: re-keyed in place, later than now. */
			t->expires = next;
			timerx_qsift_down(q, 0, timerx_timer_key(t), t);
		} else {
			timerx_qremove(q, t);
		}
	}
	if (fired)
		wake = timerx_ring_publish(ring);
	raw_spin_unlock(&ring->lock);

	if (q->n) {
		struct timerx_qent *root = timerx_qent(q, 0);

		soft = root->t->expires;
		hard = root->key;
		if (!ktime_after(soft, now)) {
			/* The budget ran out: continue after a gap. */
			u64 took = ktime_get_mono_fast_ns() - start;

			soft = ktime_add_ns(now, max_t(u64, took,
						       TIMERX_PASS_GAP_MIN_NS));
			hard = soft;
			q->continued++;
		}
		if (hrtimer_is_queued(hrt)) {
			/*
			 * A command started it while this callback waited for
			 * the lock; a restart from here is allowed and stays
			 * on this CPU.
			 */
			timerx_queue_start(q, soft, hard, q->mode);
		} else {
			hrtimer_set_expires_range_ns(hrt, soft,
						     ktime_sub(hard, soft));
			q->programmed = hard;
			ret = HRTIMER_RESTART;
		}
	} else if (!hrtimer_is_queued(hrt)) {
		q->programmed = KTIME_MAX;
	}
	raw_spin_unlock_irqrestore(&q->lock, flags);

	if (wake)
		timerx_ring_wake(ring);
	return ret;
}

/* Room in the heap for one more timer. The context's mutex held. */
static int timerx_queue_reserve(struct timerx_queue *q)
{
	u32 need = DIV_ROUND_UP(q->reserved + 1 + TIMERX_QHEAP_OFF,
				TIMERX_QPAGE_ENTS);
	struct timerx_qent **pages = NULL, **old = NULL;
	struct timerx_qent *page;
	u32 cap = q->pages_cap;

	if (need <= q->nr_pages)
		goto out;
	/* kmalloc() of a power of two is aligned to it: lines stay whole. */
	page = kmalloc_array(TIMERX_QPAGE_ENTS, sizeof(*page),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;
	if (q->nr_pages == cap) {
		cap = max(4U, cap * 2);
		pages = kvmalloc_array(cap, sizeof(*pages),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!pages) {
			kfree(page);
			return -ENOMEM;
		}
	}
	raw_spin_lock_irq(&q->lock);
	if (pages) {
		/* At most 4 097 pointers: the largest context's. */
		if (q->nr_pages)
			memcpy(pages, q->pages, q->nr_pages * sizeof(*pages));
		old = q->pages;
		q->pages = pages;
		q->pages_cap = cap;
	}
	q->pages[q->nr_pages++] = page;
	raw_spin_unlock_irq(&q->lock);
	kvfree(old);
out:
	q->reserved++;
	return 0;
}

/*
 * The queue for a new timer of @ctx with @clockid, @mode and @cpu (-1:
 * not pinned), created if it is the first, with a slot reserved for the
 * timer. The context's mutex held.
 */
struct timerx_queue *timerx_queue_get(struct timerx_ctx *ctx, clockid_t clockid,
				      enum hrtimer_mode mode, int cpu)
{
	struct timerx_queue *q;
	int ret;

	lockdep_assert_held(&ctx->lock);

	list_for_each_entry(q, &ctx->queues, node)
		if (q->clockid == clockid && q->mode == mode && q->cpu == cpu)
			goto found;

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	raw_spin_lock_init(&q->lock);
	/* Always absolute: relative REALTIME timers would become MONOTONIC. */
	hrtimer_setup(&q->hrt, timerx_queue_fire, clockid, mode);
	q->programmed = KTIME_MAX;
	q->ctx = ctx;
	q->clockid = clockid;
	q->mode = mode;
	q->cpu = cpu;
	list_add_tail(&q->node, &ctx->queues);
found:
	ret = timerx_queue_reserve(q);
	return ret ? ERR_PTR(ret) : q;
}

/*
 * A timer of @q is deleted (out of the heap). Its pages stay until the
 * context goes: they are charged to the user, within max_timers_per_ctx.
 */
void timerx_queue_put(struct timerx_queue *q)
{
	q->reserved--;
}

/* The context is going away: no command runs; after this, no callback. */
void timerx_queues_stop(struct timerx_ctx *ctx)
{
	struct timerx_queue *q;

	list_for_each_entry(q, &ctx->queues, node)
		hrtimer_cancel(&q->hrt);
}

void timerx_queues_free(struct timerx_ctx *ctx)
{
	struct timerx_queue *q, *tmp;
	u32 i;

	list_for_each_entry_safe(q, tmp, &ctx->queues, node) {
		for (i = 0; i < q->nr_pages; i++)
			kfree(q->pages[i]);
		kvfree(q->pages);
		list_del(&q->node);
		kfree(q);
	}
}
