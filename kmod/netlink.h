/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_NETLINK_H
#define _TIMERX_NETLINK_H

#include <linux/types.h>
#include <uapi/linux/timerx.h>

struct timerx_ctx;

int timerx_nl_init(void);
void timerx_nl_exit(void);

/* Monitor group notifications; process context. */
void timerx_nl_notify_ctx(struct timerx_ctx *ctx, enum timerx_nl_cmd cmd);
void timerx_nl_notify_alarm(struct timerx_ctx *ctx, u32 timer_id, u64 count,
			    u64 max_ns);
void timerx_nl_notify_overflow(struct timerx_ctx *ctx, u64 count);

#endif /* _TIMERX_NETLINK_H */
