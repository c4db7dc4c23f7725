/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_CMD_H
#define _TIMERX_CMD_H

#include <linux/types.h>

struct timerx_ctx;

long timerx_cmd_ioctl(struct timerx_ctx *ctx, unsigned int cmd,
		      void __user *argp);

#endif /* _TIMERX_CMD_H */
