// SPDX-License-Identifier: GPL-2.0
/*
 * timerx: precise hrtimers for userspace, delivered through an mmap ring.
 */

#include <linux/module.h>

#include "context.h"
#include "netlink.h"
#include "stats.h"
#include "timer.h"

static int __init timerx_init(void)
{
	int ret;

	ret = timerx_stats_init();
	if (ret)
		return ret;
	ret = timerx_timer_cache_init();
	if (ret)
		goto err_stats;
	/* Before the device: opening a context notifies the family. */
	ret = timerx_nl_init();
	if (ret)
		goto err_cache;
	ret = timerx_device_init();
	if (ret)
		goto err_nl;
	pr_info("timerx " TIMERX_VERSION " loaded\n");
	return 0;

err_nl:
	timerx_nl_exit();
err_cache:
	timerx_timer_cache_destroy();
err_stats:
	timerx_stats_exit();
	return ret;
}

static void __exit timerx_exit(void)
{
	timerx_device_exit();
	timerx_nl_exit();
	timerx_timer_cache_destroy();
	timerx_stats_exit();
}

module_init(timerx_init);
module_exit(timerx_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Precise hrtimers for userspace, delivered through an mmap ring");
MODULE_VERSION(TIMERX_VERSION);
MODULE_AUTHOR("timerx developers");
