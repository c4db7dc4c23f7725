// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the limits that keep one context, or one unprivileged
 * user, from taking a whole machine, and the control plane's settings.
 */

#include <linux/moduleparam.h>

#include "params.h"

unsigned int timerx_max_timers_per_ctx = 65536;
unsigned int timerx_max_ring_entries = 65536;
unsigned long timerx_min_period_ns = 100 * NSEC_PER_USEC;
bool timerx_histograms = true;
unsigned long timerx_alarm_lateness_ns;
unsigned int timerx_alarm_interval_ms = MSEC_PER_SEC;
unsigned int timerx_max_contexts_per_user = 1024;
unsigned int timerx_max_timers_per_user = 65536;
unsigned long timerx_max_user_rate = 100000;

static int timerx_param_set_ulong(const char *val, const struct kernel_param *kp,
				  unsigned long min, unsigned long max)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static int max_timers_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TIMERX_MAX_TIMERS_MIN,
				     TIMERX_MAX_TIMERS_MAX);
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
	if (!timerx_max_ring_entries_valid(n))
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
	return timerx_param_set_ulong(val, kp, 0, TIMERX_MIN_PERIOD_MAX);
}

static const struct kernel_param_ops min_period_ops = {
	.set = min_period_set,
	.get = param_get_ulong,
};

module_param_cb(min_period_ns, &min_period_ops, &timerx_min_period_ns, 0644);
MODULE_PARM_DESC(min_period_ns,
		 "Shortest period for callers without CAP_SYS_NICE, in ns (default 100000, at most 1 s)");

module_param_named(histograms, timerx_histograms, bool, 0644);
MODULE_PARM_DESC(histograms,
		 "Record callback lateness; per-timer histograms for timers created while on (default on)");

static int alarm_lateness_set(const char *val, const struct kernel_param *kp)
{
	return timerx_param_set_ulong(val, kp, 0, TIMERX_ALARM_LATENESS_MAX);
}

static const struct kernel_param_ops alarm_lateness_ops = {
	.set = alarm_lateness_set,
	.get = param_get_ulong,
};

module_param_cb(alarm_lateness_ns, &alarm_lateness_ops,
		&timerx_alarm_lateness_ns, 0644);
MODULE_PARM_DESC(alarm_lateness_ns,
		 "Notify the monitor group of callbacks later than this, in ns (default 0: off, at most 10 s)");

static int alarm_interval_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TIMERX_ALARM_INTERVAL_MIN,
				     TIMERX_ALARM_INTERVAL_MAX);
}

static const struct kernel_param_ops alarm_interval_ops = {
	.set = alarm_interval_set,
	.get = param_get_uint,
};

module_param_cb(alarm_interval_ms, &alarm_interval_ops,
		&timerx_alarm_interval_ms, 0644);
MODULE_PARM_DESC(alarm_interval_ms,
		 "Least time between two alarm or overflow notifications of one context, in ms (default 1000, 1..3600000)");

static int max_contexts_user_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TIMERX_MAX_CONTEXTS_USER_MIN,
				     TIMERX_MAX_CONTEXTS_USER_MAX);
}

static const struct kernel_param_ops max_contexts_user_ops = {
	.set = max_contexts_user_set,
	.get = param_get_uint,
};

module_param_cb(max_contexts_per_user, &max_contexts_user_ops,
		&timerx_max_contexts_per_user, 0644);
MODULE_PARM_DESC(max_contexts_per_user,
		 "Contexts one uid may hold open, without CAP_SYS_RESOURCE (default 1024, 1..1048576)");

static int max_timers_user_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TIMERX_MAX_TIMERS_USER_MIN,
				     TIMERX_MAX_TIMERS_USER_MAX);
}

static const struct kernel_param_ops max_timers_user_ops = {
	.set = max_timers_user_set,
	.get = param_get_uint,
};

module_param_cb(max_timers_per_user, &max_timers_user_ops,
		&timerx_max_timers_per_user, 0644);
MODULE_PARM_DESC(max_timers_per_user,
		 "Timers one uid may hold in all its contexts, without CAP_SYS_RESOURCE (default 65536, 1..16777216)");

static int max_user_rate_set(const char *val, const struct kernel_param *kp)
{
	return timerx_param_set_ulong(val, kp, TIMERX_MAX_USER_RATE_MIN,
				      TIMERX_MAX_USER_RATE_MAX);
}

static const struct kernel_param_ops max_user_rate_ops = {
	.set = max_user_rate_set,
	.get = param_get_ulong,
};

module_param_cb(max_user_rate, &max_user_rate_ops, &timerx_max_user_rate,
		0644);
MODULE_PARM_DESC(max_user_rate,
		 "Expirations per second one uid's armed periodic timers may add up to, without CAP_SYS_NICE (default 100000, 1..10^10)");
