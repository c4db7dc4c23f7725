/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_CMD_H
#define _TIMERX_CMD_H

#include <linux/types.h>

struct timerx_ctx;

long timerx_cmd_ioctl(struct timerx_ctx *ctx, unsigned int cmd,
		      void __user *argp);
int timerx_cmd_uring(struct timerx_ctx *ctx, u32 cmd_op, const void *payload,
		     size_t avail, bool nonblock);

#endif /* _TIMERX_CMD_H */
