/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_CMD_H
#define _TIMERX_CMD_H

#include <linux/types.h>

struct timerx_ctx;

/* An SQE's command area: 16 bytes, 80 with IORING_SETUP_SQE128. */
#define TIMERX_URING_AREA	16
#define TIMERX_URING_AREA_MAX	80

long timerx_cmd_ioctl(struct timerx_ctx *ctx, unsigned int cmd,
		      void __user *argp);
int timerx_cmd_uring(struct timerx_ctx *ctx, u32 cmd_op, const void *payload,
		     size_t avail);

#endif /* _TIMERX_CMD_H */
