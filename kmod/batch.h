/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_BATCH_H
#define _TIMERX_BATCH_H

#include <uapi/linux/timerx.h>

struct timerx_ctx;

int timerx_batch(struct timerx_ctx *ctx, const struct timerx_batch *b);

#endif /* _TIMERX_BATCH_H */
