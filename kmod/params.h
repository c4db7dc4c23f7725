/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_PARAMS_H
#define _TIMERX_PARAMS_H

#include <linux/types.h>

/*
 * Limits, settable at load time and through /sys/module/timerx/parameters.
 * Readers take a snapshot with READ_ONCE(): a change applies to the next
 * command, never to a half-done one.
 */
extern unsigned int timerx_max_timers_per_ctx;
extern unsigned int timerx_max_ring_entries;
extern unsigned long timerx_min_period_ns;

#endif /* _TIMERX_PARAMS_H */
