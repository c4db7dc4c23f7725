// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring transport: IORING_OP_URING_CMD on /dev/timerx.
 *
 * Commands run through the same table as ioctl (cmd.c), synchronously at
 * issue, with their struct copied out of the SQE. TIMERX_URING_CMD_WAIT is
 * the one asynchronous command: it sits on the ring's waitqueue like a
 * poller and is completed from task context through
 * io_uring_cmd_complete_in_task(), never from the hrtimer callback (which
 * only queues the ring's irq_work; the wakeup runs our wake function).
 */

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <uapi/linux/timerx.h>

#include "cmd.h"
#include "context.h"
#include "ring.h"
#include "uring.h"

/* The SQE's command area: 16 bytes, 80 with IORING_SETUP_SQE128. */
#define TIMERX_URING_PAYLOAD		16
#define TIMERX_URING_PAYLOAD_SQE128	80

struct timerx_uring_pdu {
	struct list_head node;		/* in timerx_uring_waits.cmds */
	int res;			/* 0: report the events ready */
};

static struct timerx_uring_pdu *timerx_uring_pdu(struct io_uring_cmd *ioucmd)
{
	BUILD_BUG_ON(sizeof(struct timerx_uring_pdu) > sizeof(ioucmd->pdu));
	return (struct timerx_uring_pdu *)ioucmd->pdu;
}

static struct timerx_ctx *timerx_uring_ctx(struct io_uring_cmd *ioucmd)
{
	return ioucmd->file->private_data;
}

/* In the submitter's task context. */
static void timerx_uring_wait_done(struct io_uring_cmd *ioucmd,
				   unsigned int issue_flags)
{
	int res = timerx_uring_pdu(ioucmd)->res;

	if (issue_flags & IO_URING_F_TASK_DEAD)
		res = -ECANCELED;
	else if (!res)
		res = timerx_ring_ready_count(&timerx_uring_ctx(ioucmd)->ring);
	io_uring_cmd_done(ioucmd, res, 0, issue_flags);
}

/* Hand every pending wait to task context. Called with the wq lock held. */
static void timerx_uring_complete_locked(struct timerx_uring_waits *w, int res)
{
	struct timerx_uring_pdu *pdu, *tmp;

	list_for_each_entry_safe(pdu, tmp, &w->cmds, node) {
		struct io_uring_cmd *ioucmd =
			container_of((void *)pdu, struct io_uring_cmd, pdu);

		list_del_init(&pdu->node);
		pdu->res = res;
		io_uring_cmd_complete_in_task(ioucmd, timerx_uring_wait_done);
	}
	list_del_init(&w->wake.entry);
}

/* Waitqueue wake function: runs in the ring's irq_work, not in the callback. */
static int timerx_uring_wake(struct wait_queue_entry *wake, unsigned int mode,
			     int sync, void *key)
{
	struct timerx_uring_waits *w =
		container_of(wake, struct timerx_uring_waits, wake);

	timerx_uring_complete_locked(w, 0);
	return 1;
}

void timerx_uring_waits_init(struct timerx_uring_waits *w)
{
	INIT_LIST_HEAD(&w->cmds);
	init_waitqueue_func_entry(&w->wake, timerx_uring_wake);
	/* Not on the waitqueue: list_empty() tells whether it is. */
	INIT_LIST_HEAD(&w->wake.entry);
}

static int timerx_uring_wait(struct timerx_ctx *ctx,
			     struct io_uring_cmd *ioucmd, const void *payload,
			     unsigned int issue_flags)
{
	static const u8 zero[TIMERX_URING_PAYLOAD];
	struct timerx_uring_pdu *pdu = timerx_uring_pdu(ioucmd);
	struct timerx_uring_waits *w = &ctx->uring_waits;
	struct timerx_ring *ring = &ctx->ring;
	u32 ready;

	if (memcmp(payload, zero, sizeof(zero)))
		return -EINVAL;
	if (!timerx_ring_is_setup(ring))
		return -EBADFD;

	timerx_ring_flush(ring);
	ready = timerx_ring_ready_count(ring);
	if (ready)
		return ready;

	/* Before it is queued: a completion may follow at once. */
	io_uring_cmd_mark_cancelable(ioucmd, issue_flags);
	pdu->res = 0;

	spin_lock_irq(&ring->wq.lock);
	list_add_tail(&pdu->node, &w->cmds);
	if (list_empty(&w->wake.entry))
		__add_wait_queue_entry_tail(&ring->wq, &w->wake);
	/* An event published before we were queued found no waiter. */
	if (timerx_ring_ready(ring))
		timerx_uring_complete_locked(w, 0);
	spin_unlock_irq(&ring->wq.lock);
	return -EIOCBQUEUED;
}

/* io_uring cancels one wait (ring or task exit, ASYNC_CANCEL): >= 6.8. */
static int timerx_uring_cancel_one(struct timerx_ctx *ctx,
				   struct io_uring_cmd *ioucmd,
				   unsigned int issue_flags)
{
	struct timerx_uring_pdu *pdu = timerx_uring_pdu(ioucmd);
	struct timerx_ring *ring = &ctx->ring;
	bool queued;

	spin_lock_irq(&ring->wq.lock);
	queued = !list_empty(&pdu->node);
	if (queued) {
		list_del_init(&pdu->node);
		if (list_empty(&ctx->uring_waits.cmds))
			list_del_init(&ctx->uring_waits.wake.entry);
	}
	spin_unlock_irq(&ring->wq.lock);

	/* Not queued: a completion is already on its way. */
	if (queued)
		io_uring_cmd_done(ioucmd, -ECANCELED, 0, issue_flags);
	return 0;
}

/* A file descriptor of the context is being closed. */
void timerx_uring_cancel_waits(struct timerx_ctx *ctx)
{
	struct timerx_ring *ring = &ctx->ring;

	spin_lock_irq(&ring->wq.lock);
	timerx_uring_complete_locked(&ctx->uring_waits, -ECANCELED);
	spin_unlock_irq(&ring->wq.lock);
}

int timerx_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct timerx_ctx *ctx = timerx_uring_ctx(ioucmd);
	const void *payload = timerx_uring_payload(ioucmd);
	size_t avail = issue_flags & IO_URING_F_SQE128 ?
		       TIMERX_URING_PAYLOAD_SQE128 : TIMERX_URING_PAYLOAD;

	if (issue_flags & IO_URING_F_CANCEL)
		return timerx_uring_cancel_one(ctx, ioucmd, issue_flags);
	if (ioucmd->cmd_op == TIMERX_URING_CMD_WAIT)
		return timerx_uring_wait(ctx, ioucmd, payload, issue_flags);
	return timerx_cmd_uring(ctx, ioucmd->cmd_op, payload, avail,
				issue_flags & IO_URING_F_NONBLOCK);
}
