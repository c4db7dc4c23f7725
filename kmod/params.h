/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_PARAMS_H
#define _TIMERX_PARAMS_H

#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <uapi/linux/timerx.h>

/*
 * Settings, settable at load time, through /sys/module/timerx/parameters
 * and through netlink (CONFIG_SET). Readers take a snapshot with
 * READ_ONCE(): a change applies to the next command or expiry, never to a
 * half-done one. Both ways of setting one check the ranges below.
 */
extern unsigned int timerx_max_timers_per_ctx;
extern unsigned int timerx_max_ring_entries;
extern unsigned long timerx_min_period_ns;
extern bool timerx_histograms;
extern unsigned long timerx_alarm_lateness_ns;
extern unsigned int timerx_alarm_interval_ms;
extern unsigned int timerx_max_contexts_per_user;
extern unsigned int timerx_max_timers_per_user;
extern unsigned long timerx_max_user_rate;

#define TIMERX_MAX_TIMERS_MIN		1
#define TIMERX_MAX_TIMERS_MAX		BIT(20)
#define TIMERX_MAX_RING_MIN		TIMERX_RING_MIN_ENTRIES
#define TIMERX_MAX_RING_MAX		BIT(20)
#define TIMERX_MIN_PERIOD_MAX		NSEC_PER_SEC
#define TIMERX_ALARM_LATENESS_MAX	(10 * NSEC_PER_SEC)
#define TIMERX_ALARM_INTERVAL_MIN	1
#define TIMERX_ALARM_INTERVAL_MAX	(3600 * MSEC_PER_SEC)
#define TIMERX_MAX_CONTEXTS_USER_MIN	1
#define TIMERX_MAX_CONTEXTS_USER_MAX	BIT(20)
#define TIMERX_MAX_TIMERS_USER_MIN	1
#define TIMERX_MAX_TIMERS_USER_MAX	BIT(24)
#define TIMERX_MAX_USER_RATE_MIN	1
#define TIMERX_MAX_USER_RATE_MAX	(10 * NSEC_PER_SEC)

/* The range alone cannot say "power of two". */
static inline bool timerx_max_ring_entries_valid(u64 n)
{
	return n >= TIMERX_MAX_RING_MIN && n <= TIMERX_MAX_RING_MAX &&
	       is_power_of_2(n);
}

#endif /* _TIMERX_PARAMS_H */
