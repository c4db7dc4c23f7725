/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_RING_H
#define _TIMERX_RING_H

#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <uapi/linux/timerx.h>

struct file;
struct page;
struct poll_table_struct;
struct timerx_timer;
struct user_struct;
struct vm_area_struct;

/*
 * The producer side of a context's event ring.
 *
 * Everything the kernel relies on lives here, in kernel memory; the shared
 * mapping (hdr, events) is only written, except for the consumer's head and
 * flags, which are read and never trusted.
 *
 * The ring's pages are allocated one by one, charged to the caller's
 * memory cgroup, and mapped twice: into the kernel with vmap() and into
 * userspace with vm_insert_pages() (as io_uring does for its rings).
 *
 * @lock is raw: it is taken from hard-irq hrtimer callbacks, also on
 * PREEMPT_RT. It protects the fields below it and each timer's delivery
 * state (pending, parked, counters). No hold writes more than
 * TIMERX_EMIT_BUDGET events, so the time spent with interrupts off is
 * bounded whatever the ring size.
 */
struct timerx_ring {
	struct timerx_ring_hdr *hdr;	/* NULL until set up; publish/acquire */
	struct timerx_event *events;
	size_t mmap_len;
	u32 mask;
	struct page **pages;
	unsigned int nr_pages;
	struct user_struct *memlock_user; /* charged nr_pages, or NULL */

	raw_spinlock_t lock;
	u32 tail;
	struct list_head pending;	/* timers with expirations not in the ring */
	u64 events_written;
	u64 fires;			/* callbacks */
	u64 expirations;
	u64 ring_full;
	atomic64_t wakeups;		/* waitqueue walks (not under @lock) */
	u64 pending_expirations;	/* sum of the timers' pending */

	/* In hard irq on PREEMPT_RT, wakeups go through irq_work: see ring.c. */
	wait_queue_head_t wq;
	struct irq_work wake_work;
	u64 direct_wake_until;		/* callbacks: irq_work before this */
	struct mutex read_lock;		/* one read(2) consumer at a time */
};

/* The producer's counters, read together for the control plane. */
struct timerx_ring_stats {
	u64 events;
	u64 fires;
	u64 expirations;
	u64 ring_full;
	u64 wakeups;
	u64 pending;
	u32 entries;			/* 0 before SETUP_RING */
	u32 used;
};

void timerx_ring_init(struct timerx_ring *ring);
void timerx_ring_destroy(struct timerx_ring *ring);
int timerx_ring_setup(struct timerx_ring *ring, struct timerx_ring_params *p);
bool timerx_ring_is_setup(struct timerx_ring *ring);

/* Events written per hold of ring->lock, at most. */
#define TIMERX_EMIT_BUDGET	64

bool timerx_ring_deliver(struct timerx_ring *ring, struct timerx_timer *t,
			 ktime_t expected, ktime_t actual, u64 expirations,
			 ktime_t resume);
bool timerx_ring_publish(struct timerx_ring *ring);
void timerx_ring_wake(struct timerx_ring *ring);
unsigned int timerx_ring_flush(struct timerx_ring *ring,
			       struct list_head *resume);
bool timerx_ring_ready(struct timerx_ring *ring);
u32 timerx_ring_ready_count(struct timerx_ring *ring);
void timerx_ring_stats(struct timerx_ring *ring, struct timerx_ring_stats *st);
void timerx_ring_forget(struct timerx_ring *ring, struct timerx_timer *t);
bool timerx_ring_unpark(struct timerx_ring *ring, struct timerx_timer *t);
void timerx_ring_new_arming(struct timerx_ring *ring, struct timerx_timer *t);

int timerx_ring_mmap(struct timerx_ring *ring, struct vm_area_struct *vma);
__poll_t timerx_ring_poll(struct timerx_ring *ring, struct file *file,
			  struct poll_table_struct *wait);
ssize_t timerx_ring_read(struct timerx_ring *ring, char __user *buf,
			 size_t count, bool nonblock,
			 void (*flush)(void *arg), void *arg);

#endif /* _TIMERX_RING_H */
