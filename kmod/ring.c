// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring: kernel pages shared with userspace, produced
 * into from hrtimer callbacks and consumed by userspace (through the
 * mapping, or through read(2) on its behalf).
 *
 * Rules (see also include/uapi/linux/timerx.h and docs/design.md):
 * - The kernel's producer state (tail, pending list, counters) is kept
 *   here, under a raw spinlock, and copied out to the header.
 * - The consumer's head is read with acquire semantics and never trusted:
 *   "used = tail - head" outside [0, entries] means the ring is full, so
 *   the slot written is always tail & mask, inside the ring.
 * - Expirations that do not fit stay pending on their timer, per arming,
 *   and are folded into its next event of that arming: none is lost. A periodic timer left with
 *   pending expirations parks (timer.c): its hrtimer stops until a flush
 *   has delivered them, and the flush then counts the periods that
 *   elapsed meanwhile and hands the timer back to be restarted.
 * - read(2) and every readiness check use the kernel's tail; the
 *   mapping's copy of it is only ever written.
 * - A callback wakes a sleeping consumer after dropping ring->lock:
 *   directly at most once per 20 us per ring, through irq_work otherwise
 *   (which coalesces) and always in hard irq on PREEMPT_RT, where
 *   wake_up()'s spinlock_t sleeps. See timerx_ring_wake().
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "params.h"
#include "ring.h"
#include "stats.h"
#include "timer.h"

static void timerx_ring_wake_fn(struct irq_work *work)
{
	struct timerx_ring *ring = container_of(work, struct timerx_ring,
						wake_work);

	wake_up_interruptible_poll(&ring->wq, EPOLLIN | EPOLLRDNORM);
}

void timerx_ring_init(struct timerx_ring *ring)
{
	raw_spin_lock_init(&ring->lock);
	INIT_LIST_HEAD(&ring->pending);
	init_waitqueue_head(&ring->wq);
	init_irq_work(&ring->wake_work, timerx_ring_wake_fn);
	mutex_init(&ring->read_lock);
}

/*
 * Locked memory, as io_uring and perf rings count it: the pages are
 * pinned for the context's life, so they count against the caller's
 * RLIMIT_MEMLOCK unless it may lock memory at will.
 */
static int timerx_ring_charge_memlock(struct timerx_ring *ring,
				      unsigned int nr_pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user;
	long cur;

	if (capable(CAP_IPC_LOCK))
		return 0;
	user = get_uid(current_user());
	cur = atomic_long_read(&user->locked_vm);
	do {
		if ((unsigned long)cur + nr_pages > limit) {
			free_uid(user);
			return -ENOMEM;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
					  cur + nr_pages));
	ring->memlock_user = user;
	return 0;
}

static void timerx_ring_free_pages(struct timerx_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->nr_pages; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kvfree(ring->pages);
	ring->pages = NULL;
	if (ring->memlock_user) {
		atomic_long_sub(ring->nr_pages, &ring->memlock_user->locked_vm);
		free_uid(ring->memlock_user);
		ring->memlock_user = NULL;
	}
	ring->nr_pages = 0;
}

/* Called once no timer can fire and no mapping exists any more. */
void timerx_ring_destroy(struct timerx_ring *ring)
{
	irq_work_sync(&ring->wake_work);
	if (ring->hdr)
		vunmap(ring->hdr);
	timerx_ring_free_pages(ring);
	mutex_destroy(&ring->read_lock);
}

static struct timerx_ring_hdr *timerx_ring_hdr(struct timerx_ring *ring)
{
	/* Pairs with the store-release in timerx_ring_setup(). */
	return smp_load_acquire(&ring->hdr);
}

bool timerx_ring_is_setup(struct timerx_ring *ring)
{
	return timerx_ring_hdr(ring);
}

/* Under the context's lock: SETUP_RING is a command. */
int timerx_ring_setup(struct timerx_ring *ring, struct timerx_ring_params *p)
{
	struct timerx_ring_hdr *hdr;
	size_t events_offset = sizeof(*hdr);
	unsigned int i;
	size_t len;
	int ret;

	if (p->flags)
		return -EOPNOTSUPP;
	if (p->resv[0] || p->resv[1])
		return -EINVAL;
	if (p->entries < TIMERX_RING_MIN_ENTRIES || !is_power_of_2(p->entries) ||
	    p->entries > READ_ONCE(timerx_max_ring_entries))
		return -EINVAL;
	if (ring->hdr)
		return -EBUSY;

	len = PAGE_ALIGN(events_offset +
			 (size_t)p->entries * sizeof(struct timerx_event));
	ring->nr_pages = len >> PAGE_SHIFT;
	/* The caller's memory cgroup may be full: ENOMEM, no report. */
	ring->pages = kvcalloc(ring->nr_pages, sizeof(*ring->pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ring->pages) {
		ring->nr_pages = 0;
		return -ENOMEM;
	}
	ret = timerx_ring_charge_memlock(ring, ring->nr_pages);
	if (ret)
		goto err;
	ret = -ENOMEM;
	for (i = 0; i < ring->nr_pages; i++) {
		ring->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					    __GFP_NOWARN);
		if (!ring->pages[i])
			goto err;
	}
	hdr = vmap(ring->pages, ring->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!hdr)
		goto err;

	hdr->entries = p->entries;
	hdr->mask = p->entries - 1;
	ring->events = (void *)hdr + events_offset;
	ring->mask = p->entries - 1;
	ring->mmap_len = len;
	/* Pairs with the load-acquire in timerx_ring_hdr(). */
	smp_store_release(&ring->hdr, hdr);

	p->event_size = sizeof(struct timerx_event);
	p->events_offset = events_offset;
	p->mmap_len = len;
	return 0;

err:
	timerx_ring_free_pages(ring);
	return ret;
}

static bool timerx_ring_has_room(struct timerx_ring *ring)
{
	/* Pairs with the consumer's store-release of head: it has read the slot. */
	u32 head = smp_load_acquire(&ring->hdr->head);

	return ring->tail - head < ring->mask + 1;
}

static void timerx_ring_write(struct timerx_ring *ring,
			      const struct timerx_timer *t,
			      const struct timerx_run *run, u32 overrun)
{
	struct timerx_event *ev = &ring->events[ring->tail & ring->mask];

	ev->user_data = t->user_data;
	ev->expected_ns = ktime_to_ns(run->expected);
	ev->actual_ns = ktime_to_ns(run->actual);
	ev->timer_id = t->id;
	ev->overrun = overrun;
	ev->seq = run->seq;
	ev->resv = 0;
	ring->tail++;
}

/*
 * Write @run's expirations, folded into as few events as the u32 overrun
 * allows, at most @budget of them. What does not fit stays in @run, in
 * order. Returns the number of events written.
 */
static unsigned int timerx_ring_emit_run(struct timerx_ring *ring,
					 struct timerx_timer *t,
					 struct timerx_run *run,
					 unsigned int budget)
{
	unsigned int written = 0;

	while (run->n && written < budget && timerx_ring_has_room(ring)) {
		u64 chunk = min_t(u64, run->n, (u64)U32_MAX + 1);

		timerx_ring_write(ring, t, run, chunk - 1);
		run->n -= chunk;
		ring->pending_expirations -= chunk;
		written++;
		if (run->n)
			run->expected = timerx_periods_after(run->expected,
							     run->period, chunk);
	}
	return written;
}

/*
 * Write @t's waiting expirations, earlier armings' first, at most @budget
 * events. @t is on ring->pending exactly while some are left. Returns the
 * number of events written.
 */
static unsigned int timerx_ring_emit(struct timerx_ring *ring,
				     struct timerx_timer *t,
				     unsigned int budget)
{
	unsigned int written;

	lockdep_assert_held(&ring->lock);

	written = timerx_ring_emit_run(ring, t, &t->old, budget);
	if (!t->old.n)
		written += timerx_ring_emit_run(ring, t, &t->cur,
						budget - written);

	t->events += written;
	ring->events_written += written;
	timerx_stats_add_events(written);
	if (!timerx_timer_pending(t))
		list_del_init(&t->pending_node);
	else if (list_empty(&t->pending_node))
		list_add_tail(&t->pending_node, &ring->pending);
	return written;
}

/*
 * Count @n more expirations of @t's current arming, the first at
 * @expected, found due at @actual, behind those already waiting.
 */
static void timerx_ring_add(struct timerx_ring *ring, struct timerx_timer *t,
			    ktime_t expected, ktime_t actual, u64 n)
{
	struct timerx_run *run = &t->cur;

	lockdep_assert_held(&ring->lock);

	if (!run->n) {
		run->expected = expected;
		run->actual = actual;
		run->period = t->period;
		run->seq = t->seq;
	} else {
		/*
		 * The event will report the oldest expiry: its actual time
		 * must not be earlier, even when REALTIME or TAI was stepped
		 * back since.
		 */
		run->actual = max(run->actual, actual);
	}
	run->n += n;
	ring->pending_expirations += n;
}

/* Count @n expirations that elapsed without a callback (a parked timer). */
static void timerx_ring_add_elapsed(struct timerx_ring *ring,
				    struct timerx_timer *t, ktime_t expected,
				    ktime_t actual, u64 n)
{
	if (!n)
		return;
	t->expirations += n;
	ring->expirations += n;
	timerx_stats_add_expirations(n);
	timerx_ring_add(ring, t, expected, actual, n);
}

/*
 * Make the new tail and state visible. Returns true when a sleeping
 * consumer needs waking (the caller wakes it once it dropped the lock),
 * false when nobody waits or the consumer said it is busy-polling.
 *
 * Two pairings keep a wakeup from being lost:
 * - A consumer that stops polling clears its flag, then (full barrier)
 *   re-checks tail; we store tail, then (full barrier) read the flag. One
 *   of the two sees the other's store. This is what protects epoll, which
 *   does not call ->poll again before sleeping.
 * - poll/read/io_uring waiters re-check readiness under ring->lock after
 *   queueing themselves, so the unlocked waitqueue_active() is safe.
 */
bool timerx_ring_publish(struct timerx_ring *ring)
{
	struct timerx_ring_hdr *hdr = ring->hdr;

	lockdep_assert_held(&ring->lock);

	/* Pairs with the consumer's load-acquire of tail. */
	smp_store_release(&hdr->tail, ring->tail);
	WRITE_ONCE(hdr->flags, list_empty(&ring->pending) ?
				0 : TIMERX_RING_F_OVERFLOW);
	WRITE_ONCE(hdr->ring_full, ring->ring_full);

	/* Pairs with the consumer's full barrier between flag clear and re-check. */
	smp_mb();
	if (READ_ONCE(hdr->consumer_flags) & TIMERX_CONSUMER_F_POLLING)
		return false;
	/* Unlocked check is safe: sleepers re-check under ring->lock. */
	return waitqueue_active(&ring->wq);
}

/*
 * Wake the ring's sleepers, with ring->lock dropped. Counts the wakeups
 * that walk the waitqueue.
 *
 * A wakeup walks every entry of the waitqueue (epoll instances, io_uring
 * polls: as many as the user likes), and one interrupt may run many
 * callbacks, so a direct wakeup from each would cost callbacks x entries
 * with interrupts off. irq_work runs once however often it is queued
 * (after the interrupt): it never loses a wakeup and bounds the walks,
 * but costs a self-interrupt. So a callback wakes directly unless a
 * direct wakeup of this ring ended less than TIMERX_DIRECT_WAKE_GAP_NS
 * ago or eight times as long ago as it took: direct walks then take at
 * most a ninth of a burst of callbacks, and the rest of the burst is
 * coalesced into one irq_work. A consumer woken once per expiry always
 * gets the direct one. In hard irq on PREEMPT_RT always irq_work:
 * wake_up()'s spinlock_t sleeps there. Process context (flush) wakes
 * directly.
 */
#define TIMERX_DIRECT_WAKE_GAP_NS	(20 * NSEC_PER_USEC)

void timerx_ring_wake(struct timerx_ring *ring)
{
	u64 start, end;

	if (in_task()) {
		wake_up_interruptible_poll(&ring->wq, EPOLLIN | EPOLLRDNORM);
		atomic64_inc(&ring->wakeups);
		return;
	}
	start = ktime_get_mono_fast_ns();
	if ((IS_ENABLED(CONFIG_PREEMPT_RT) && in_hardirq()) ||
	    (s64)(start - READ_ONCE(ring->direct_wake_until)) < 0) {
		if (irq_work_queue(&ring->wake_work))
			atomic64_inc(&ring->wakeups);
		return;
	}
	wake_up_interruptible_poll(&ring->wq, EPOLLIN | EPOLLRDNORM);
	end = ktime_get_mono_fast_ns();
	WRITE_ONCE(ring->direct_wake_until,
		   end + max_t(u64, TIMERX_DIRECT_WAKE_GAP_NS, 8 * (end - start)));
	atomic64_inc(&ring->wakeups);
}

/*
 * From a queue's callback, in hard or soft irq context, ring->lock held
 * (the pass publishes once, timerx_ring_publish()): @n expirations of
 * @t's current arming, the first at @expected. Returns true when
 * expirations are left waiting (the ring was full): a periodic timer
 * (@resume, its next expiry, is not 0) is then parked, and the pass
 * takes it out of its queue.
 */
bool timerx_ring_deliver(struct timerx_ring *ring, struct timerx_timer *t,
			 ktime_t expected, ktime_t actual, u64 n, ktime_t resume)
{
	bool full;

	lockdep_assert_held(&ring->lock);

	t->expirations += n;
	t->fires++;
	t->last_cpu = smp_processor_id();
	ring->expirations += n;
	ring->fires++;
	timerx_stats_add_fire(n);

	/* Earlier expirations still waiting go first, folded with these. */
	timerx_ring_add(ring, t, expected, actual, n);
	timerx_ring_emit(ring, t, TIMERX_EMIT_BUDGET);
	full = timerx_timer_pending(t);
	if (full) {
		ring->ring_full++;
		timerx_stats_add_ring_full();
		if (resume) {
			t->parked = true;
			t->resume = resume;
		}
	}
	return full;
}

/*
 * A parked timer whose waiting expirations are all in the ring: count
 * the periods that elapsed while it was parked. If they all fit too, it
 * goes on @resume to be restarted, else it stays parked.
 */
static unsigned int timerx_ring_catch_up(struct timerx_ring *ring,
					 struct timerx_timer *t,
					 struct list_head *resume,
					 unsigned int budget)
{
	unsigned int written = 0;
	ktime_t first, now;
	u64 n;

	n = timerx_timer_elapsed(t, &first, &now);
	if (n) {
		timerx_ring_add_elapsed(ring, t, first, now, n);
		written = timerx_ring_emit(ring, t, budget);
	}
	if (!timerx_timer_pending(t)) {
		t->parked = false;
		list_add_tail(&t->resume_node, resume);
	}
	return written;
}

/*
 * Deliver waiting expirations while there is room, TIMERX_EMIT_BUDGET
 * events per lock hold. Parked timers that are caught up go on @resume;
 * the caller restarts them (it holds the context's lock, so nothing else
 * can). Process context. Returns the number of events written.
 */
unsigned int timerx_ring_flush(struct timerx_ring *ring,
			       struct list_head *resume)
{
	unsigned int total = 0;
	bool more, wake;

	if (!timerx_ring_is_setup(ring))
		return 0;

	do {
		unsigned int budget = TIMERX_EMIT_BUDGET, written = 0;
		struct timerx_timer *t;

		wake = false;
		raw_spin_lock_irq(&ring->lock);
		while (written < budget && timerx_ring_has_room(ring) &&
		       (t = list_first_entry_or_null(&ring->pending,
						     struct timerx_timer,
						     pending_node))) {
			written += timerx_ring_emit(ring, t, budget - written);
			if (!timerx_timer_pending(t) && t->parked)
				written += timerx_ring_catch_up(ring, t, resume,
								budget - written);
		}
		more = !list_empty(&ring->pending) && timerx_ring_has_room(ring);
		if (written)
			wake = timerx_ring_publish(ring);
		raw_spin_unlock_irq(&ring->lock);
		if (wake)
			timerx_ring_wake(ring);

		total += written;
		if (more)
			cond_resched();
	} while (more);
	return total;
}

/*
 * @t's hrtimer is cancelled (it is being re-armed, postponed or
 * cancelled): if it was parked, count what elapsed since, to be delivered
 * like any waiting expiration. Its grid ends here. Returns whether it was
 * parked (to the user, armed).
 */
bool timerx_ring_unpark(struct timerx_ring *ring, struct timerx_timer *t)
{
	bool parked;
	ktime_t first, now;
	u64 n;

	raw_spin_lock_irq(&ring->lock);
	parked = t->parked;
	if (parked) {
		n = timerx_timer_elapsed(t, &first, &now);
		timerx_ring_add_elapsed(ring, t, first, now, n);
		t->parked = false;
	}
	raw_spin_unlock_irq(&ring->lock);
	return parked;
}

/*
 * @t is being re-armed (its hrtimer cancelled, not parked): the current
 * arming's waiting expirations join those of earlier armings, which keep
 * the seq, expiry and grid of the earliest.
 */
void timerx_ring_new_arming(struct timerx_ring *ring, struct timerx_timer *t)
{
	struct timerx_run *old = &t->old, *cur = &t->cur;

	raw_spin_lock_irq(&ring->lock);
	if (cur->n) {
		if (old->n) {
			old->n += cur->n;
			old->actual = max(old->actual, cur->actual);
		} else {
			*old = *cur;
		}
		cur->n = 0;
	}
	raw_spin_unlock_irq(&ring->lock);
}

/* Drop @t's waiting expirations: it is being deleted and cannot fire. */
void timerx_ring_forget(struct timerx_ring *ring, struct timerx_timer *t)
{
	raw_spin_lock_irq(&ring->lock);
	list_del_init(&t->pending_node);
	ring->pending_expirations -= timerx_timer_pending(t);
	t->cur.n = 0;
	t->old.n = 0;
	t->parked = false;
	if (ring->hdr)
		WRITE_ONCE(ring->hdr->flags, list_empty(&ring->pending) ?
					     0 : TIMERX_RING_F_OVERFLOW);
	raw_spin_unlock_irq(&ring->lock);
}

void timerx_ring_stats(struct timerx_ring *ring, struct timerx_ring_stats *st)
{
	struct timerx_ring_hdr *hdr = timerx_ring_hdr(ring);

	raw_spin_lock_irq(&ring->lock);
	*st = (struct timerx_ring_stats) {
		.events = ring->events_written,
		.fires = ring->fires,
		.expirations = ring->expirations,
		.ring_full = ring->ring_full,
		.wakeups = atomic64_read(&ring->wakeups),
		.pending = ring->pending_expirations,
	};
	if (hdr) {
		st->entries = ring->mask + 1;
		st->used = min(ring->tail - READ_ONCE(hdr->head), st->entries);
	}
	raw_spin_unlock_irq(&ring->lock);
}

int timerx_ring_mmap(struct timerx_ring *ring, struct vm_area_struct *vma)
{
	struct timerx_ring_hdr *hdr = timerx_ring_hdr(ring);
	unsigned long nr;

	if (!hdr)
		return -EBADFD;
	if (vma->vm_pgoff != TIMERX_MMAP_OFF_RING >> PAGE_SHIFT ||
	    vma->vm_end - vma->vm_start != ring->mmap_len)
		return -EINVAL;
	/* A private copy would hide the consumer's head from the kernel. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	nr = ring->nr_pages;
	return vm_insert_pages(vma, vma->vm_start, ring->pages, &nr);
}

/*
 * Events ready, or expirations a flush could deliver. Under ring->lock so
 * that it orders against timerx_ring_publish() (see there).
 */
bool timerx_ring_ready(struct timerx_ring *ring)
{
	unsigned long flags;
	bool ready;

	/* irqsave: the io_uring wait calls this under the waitqueue lock. */
	raw_spin_lock_irqsave(&ring->lock, flags);
	ready = ring->tail != READ_ONCE(ring->hdr->head) ||
		!list_empty(&ring->pending);
	raw_spin_unlock_irqrestore(&ring->lock, flags);
	return ready;
}

/* Events the consumer has not consumed; a hostile head counts as a full ring. */
u32 timerx_ring_ready_count(struct timerx_ring *ring)
{
	unsigned long flags;
	u32 n;

	raw_spin_lock_irqsave(&ring->lock, flags);
	n = min(ring->tail - READ_ONCE(ring->hdr->head), ring->mask + 1);
	raw_spin_unlock_irqrestore(&ring->lock, flags);
	return n;
}

__poll_t timerx_ring_poll(struct timerx_ring *ring, struct file *file,
			  struct poll_table_struct *wait)
{
	poll_wait(file, &ring->wq, wait);
	if (!timerx_ring_is_setup(ring))
		return 0;
	return timerx_ring_ready(ring) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* The kernel's tail: the mapping's copy is the consumer's to overwrite. */
static u32 timerx_ring_tail(struct timerx_ring *ring)
{
	u32 tail;

	/* The lock orders the events' stores before our reads of them. */
	raw_spin_lock_irq(&ring->lock);
	tail = ring->tail;
	raw_spin_unlock_irq(&ring->lock);
	return tail;
}

/* Copy out up to @max ready events and consume them, as a consumer would. */
static ssize_t timerx_ring_copy_out(struct timerx_ring *ring,
				    char __user *buf, u32 max)
{
	struct timerx_ring_hdr *hdr = ring->hdr;
	const size_t esz = sizeof(struct timerx_event);
	u32 head = READ_ONCE(hdr->head);
	u32 avail = timerx_ring_tail(ring) - head;
	u32 n, idx, first;

	/* Only a consumer writing the mapping behind read's back gets here. */
	if (avail > ring->mask + 1)
		return -EIO;

	n = min(avail, max);
	idx = head & ring->mask;
	first = min(n, ring->mask + 1 - idx);
	if (copy_to_user(buf, &ring->events[idx], first * esz) ||
	    copy_to_user(buf + first * esz, &ring->events[0],
			 (n - first) * esz))
		return -EFAULT;

	/* Pairs with the producer's load-acquire of head. */
	smp_store_release(&hdr->head, head + n);
	return n * esz;
}

/*
 * One read(2): @flush delivers pending expirations (it takes the
 * context's lock, which must not be held across copy_to_user()).
 */
ssize_t timerx_ring_read(struct timerx_ring *ring, char __user *buf,
			 size_t count, bool nonblock,
			 void (*flush)(void *arg), void *arg)
{
	u32 max = min_t(size_t, count / sizeof(struct timerx_event), U32_MAX);
	ssize_t ret;

	if (!timerx_ring_is_setup(ring))
		return -EBADFD;
	if (!max)
		return -EINVAL;

	if (mutex_lock_interruptible(&ring->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		flush(arg);
		ret = timerx_ring_copy_out(ring, buf, max);
		if (ret)
			break;
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(ring->wq, timerx_ring_ready(ring))) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	mutex_unlock(&ring->read_lock);
	return ret;
}
