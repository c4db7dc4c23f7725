/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_CONTEXT_H
#define _TIMERX_CONTEXT_H

#include <linux/mutex.h>
#include <linux/xarray.h>

#include "ring.h"
#include "uring.h"

/*
 * One open of /dev/timerx. @lock serialises every command; it is never
 * taken by the hrtimer callbacks (they only take ring.lock), and never
 * held across copy_{from,to}_user (mmap holds mmap_lock and must not wait
 * for it).
 */
struct timerx_ctx {
	u32 id;				/* system-wide */
	struct mutex lock;
	struct xarray timers;		/* timer id -> struct timerx_timer */
	u32 next_timer_id;
	unsigned int nr_timers;
	struct timerx_ring ring;
	struct timerx_uring_waits uring_waits;
};

int timerx_device_init(void);
void timerx_device_exit(void);

#endif /* _TIMERX_CONTEXT_H */
