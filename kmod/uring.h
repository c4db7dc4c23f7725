/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_URING_H
#define _TIMERX_URING_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/wait.h>

struct io_uring_cmd;
struct timerx_ctx;

/*
 * Pending TIMERX_URING_CMD_WAIT requests of a context. Both fields are
 * protected by the ring's waitqueue lock: @wake is on that waitqueue
 * exactly while @cmds is not empty, so the producer does no wakeup work
 * for contexts nobody waits on.
 */
struct timerx_uring_waits {
	struct list_head cmds;
	struct wait_queue_entry wake;
};

void timerx_uring_waits_init(struct timerx_uring_waits *w);
int timerx_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
void timerx_uring_cancel_waits(struct timerx_ctx *ctx, fl_owner_t owner);

#endif /* _TIMERX_URING_H */
