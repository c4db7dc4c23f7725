// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the limits that keep one context, or one unprivileged
 * user, from taking a whole machine.
 */

#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/time64.h>
#include <uapi/linux/timerx.h>

#include "params.h"

#define TIMERX_TIMERS_LIMIT	BIT(20)
#define TIMERX_RING_LIMIT	BIT(20)

unsigned int timerx_max_timers_per_ctx = 65536;
unsigned int timerx_max_ring_entries = 65536;
unsigned long timerx_min_period_ns = 100 * NSEC_PER_USEC;

static int max_timers_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, TIMERX_TIMERS_LIMIT);
}

static const struct kernel_param_ops max_timers_ops = {
	.set = max_timers_set,
	.get = param_get_uint,
};

module_param_cb(max_timers_per_ctx, &max_timers_ops,
		&timerx_max_timers_per_ctx, 0644);
MODULE_PARM_DESC(max_timers_per_ctx,
		 "Timers one context may hold (default 65536, 1..1048576)");

static int max_ring_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < TIMERX_RING_MIN_ENTRIES || n > TIMERX_RING_LIMIT ||
	    !is_power_of_2(n))
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops max_ring_ops = {
	.set = max_ring_set,
	.get = param_get_uint,
};

module_param_cb(max_ring_entries, &max_ring_ops, &timerx_max_ring_entries,
		0644);
MODULE_PARM_DESC(max_ring_entries,
		 "Largest ring a context may set up, in events (default 65536, power of two, 2..1048576)");

static int min_period_set(const char *val, const struct kernel_param *kp)
{
	unsigned long ns;
	int ret;

	ret = kstrtoul(val, 0, &ns);
	if (ret)
		return ret;
	if (ns > NSEC_PER_SEC)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, ns);
	return 0;
}

static const struct kernel_param_ops min_period_ops = {
	.set = min_period_set,
	.get = param_get_ulong,
};

module_param_cb(min_period_ns, &min_period_ops, &timerx_min_period_ns, 0644);
MODULE_PARM_DESC(min_period_ns,
		 "Shortest period for callers without CAP_SYS_NICE, in ns (default 100000, at most 1 s)");
