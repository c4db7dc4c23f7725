// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring transport: IORING_OP_URING_CMD on /dev/timerx.
 *
 * Commands run through the same table as ioctl (cmd.c), synchronously at
 * issue, with their struct copied out of the SQE. TIMERX_URING_CMD_WAIT is
 * the one asynchronous command: it sits on the ring's waitqueue like a
 * poller and is completed from task context through
 * io_uring_cmd_complete_in_task(): our wake function, run by the ring's
 * wakeup (from the callback's irq, its irq_work or a flush), only hands
 * it over.
 *
 * A WAIT must always be able to end, or the io_uring (and the context it
 * holds) can never be freed. It ends when events come, when the process
 * that submitted it closes a descriptor of the context (.flush), and when
 * io_uring cancels it at ring or task exit. That last one needs io_uring's
 * cancellation of driver commands (IO_URING_F_CANCEL); without it, a WAIT
 * through a registered file, or one issued from io-wq after the last
 * close, would wait forever, so kernels without it refuse WAIT.
 */

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <uapi/linux/timerx.h>

#include "cmd.h"
#include "context.h"
#include "ring.h"
#include "timer.h"
#include "uring.h"

struct timerx_uring_pdu {
	struct list_head node;		/* in timerx_uring_waits.cmds */
	int res;			/* 0: report the events ready */
	fl_owner_t owner;		/* the submitter's file table */
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

/*
 * Hand the pending waits of @owner (all of them if NULL) to task context.
 * Called with the wq lock held.
 */
static void timerx_uring_complete_locked(struct timerx_uring_waits *w, int res,
					 fl_owner_t owner)
{
	struct timerx_uring_pdu *pdu, *tmp;

	list_for_each_entry_safe(pdu, tmp, &w->cmds, node) {
		struct io_uring_cmd *ioucmd =
			container_of((void *)pdu, struct io_uring_cmd, pdu);

		if (owner && pdu->owner != owner)
			continue;
		list_del_init(&pdu->node);
		pdu->res = res;
		io_uring_cmd_complete_in_task(ioucmd, timerx_uring_wait_done);
	}
	if (list_empty(&w->cmds))
		list_del_init(&w->wake.entry);
}

/* Waitqueue wake function: any context, interrupts off (wq.lock held). */
static int timerx_uring_wake(struct wait_queue_entry *wake, unsigned int mode,
			     int sync, void *key)
{
	struct timerx_uring_waits *w =
		container_of(wake, struct timerx_uring_waits, wake);

	timerx_uring_complete_locked(w, 0, NULL);
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
			     size_t avail, unsigned int issue_flags)
{
	struct timerx_uring_pdu *pdu = timerx_uring_pdu(ioucmd);
	struct timerx_uring_waits *w = &ctx->uring_waits;
	struct timerx_ring *ring = &ctx->ring;
	u32 ready;

	if (memchr_inv(payload, 0, avail))
		return -EINVAL;
	if (!TIMERX_HAVE_URING_CMD_CANCEL)
		return -EOPNOTSUPP;
	if (!timerx_ring_is_setup(ring))
		return -EBADFD;

	/* Waited for even at a nonblocking issue: see timerx_cmd_uring(). */
	mutex_lock(&ctx->lock);
	timerx_ctx_flush(ctx);
	mutex_unlock(&ctx->lock);
	ready = timerx_ring_ready_count(ring);
	if (ready)
		return ready;

	/*
	 * A valid, unlinked node before io_uring may cancel it: a cancel
	 * racing with us (from io-wq we do not hold the ring's lock) must
	 * find "not queued", not stale bytes of an earlier request.
	 */
	INIT_LIST_HEAD(&pdu->node);
	pdu->res = 0;
	pdu->owner = current->files;
	timerx_uring_cmd_mark_cancelable(ioucmd, issue_flags);

	spin_lock_irq(&ring->wq.lock);
	list_add_tail(&pdu->node, &w->cmds);
	if (list_empty(&w->wake.entry))
		__add_wait_queue_entry_tail(&ring->wq, &w->wake);
	/* An event published before we were queued found no waiter. */
	if (timerx_ring_ready(ring))
		timerx_uring_complete_locked(w, 0, NULL);
	spin_unlock_irq(&ring->wq.lock);
	return -EIOCBQUEUED;
}

/*
 * io_uring cancels one wait (ring or task exit, exec). A wait not yet
 * queued is left alone: io_uring asks again until it is done.
 */
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

	/* Not queued: a completion is already on its way, or it is not yet. */
	if (queued)
		io_uring_cmd_done(ioucmd, -ECANCELED, 0, issue_flags);
	return 0;
}

void timerx_uring_cancel_waits(struct timerx_ctx *ctx, fl_owner_t owner)
{
	struct timerx_ring *ring = &ctx->ring;

	spin_lock_irq(&ring->wq.lock);
	timerx_uring_complete_locked(&ctx->uring_waits, -ECANCELED, owner);
	spin_unlock_irq(&ring->wq.lock);
}

int timerx_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct timerx_ctx *ctx = timerx_uring_ctx(ioucmd);
	size_t avail = issue_flags & IO_URING_F_SQE128 ?
		       TIMERX_URING_AREA_MAX : TIMERX_URING_AREA;
	const void *payload;

	/* A cancel has no SQE any more (6.7 to 6.10 clear ->sqe first). */
	if (issue_flags & IO_URING_F_CANCEL)
		return timerx_uring_cancel_one(ctx, ioucmd, issue_flags);
	payload = timerx_uring_payload(ioucmd);
	if (ioucmd->cmd_op == TIMERX_URING_CMD_WAIT)
		return timerx_uring_wait(ctx, ioucmd, payload, avail,
					 issue_flags);
	return timerx_cmd_uring(ctx, ioucmd->cmd_op, payload, avail);
}
