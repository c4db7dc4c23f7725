/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_CONTEXT_H
#define _TIMERX_CONTEXT_H

#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <linux/idr.h>

#include "hist.h"
#include "notify.h"
#include "ring.h"
#include "uring.h"

struct pid;
struct timerx_timer;
struct timerx_user;

/*
 * One open of /dev/timerx. @lock serialises every command and every flush
 * (poll, read and the io_uring WAIT flush too: a flush restarts parked
 * timers, which only a holder of @lock may touch); it is never taken by
 * the hrtimer callbacks (they only take ring.lock), and never held across
 * copy_{from,to}_user (mmap holds mmap_lock and must not wait for it).
 * The control plane reaches contexts through the registry (registry.c)
 * and takes @lock after the registry's lock.
 */
struct timerx_ctx {
	u32 id;				/* system-wide */
	struct mutex lock;
	struct timerx_timer **timers;	/* by id: dense, from 1 */
	u32 timers_cap;			/* entries of @timers */
	struct ida timer_ids;
	struct list_head queues;	/* struct timerx_queue, by clock/mode/CPU */
	unsigned int nr_timers;
	u32 generation;			/* timers created or deleted */
	struct timerx_ring ring;
	struct timerx_uring_waits uring_waits;

	/* The opener, fixed at open(): the control plane's visibility rules. */
	struct pid *owner_pid;
	kuid_t owner_uid;
	char owner_comm[TASK_COMM_LEN];
	struct timerx_user *user;	/* owner_uid's limits and counts */
	u64 net_cookie;			/* the opener's network namespace */

	struct timerx_notify notify;
	struct timerx_hist_shared lateness;	/* every timer's callbacks */
};

int timerx_device_init(void);
void timerx_device_exit(void);

#endif /* _TIMERX_CONTEXT_H */
