// SPDX-License-Identifier: GPL-2.0
/*
 * TIMERX_IOC_BATCH: many ARM, CANCEL and POSTPONE commands in one call.
 *
 * The entries are copied in chunks onto the stack: the context's mutex is
 * taken once per chunk, never across copy_{from,to}_user() (see
 * context.h), and nothing is allocated. Each entry is read once; what
 * userspace writes into the array meanwhile is not seen.
 *
 * An entry's result field is written (-EINPROGRESS) before the entry
 * runs, so that an array that can be read but not written (PROT_READ)
 * stops the batch before an entry takes effect whose result could not be
 * reported. If writing the real result fails afterwards (the array was
 * unmapped or made read-only meanwhile, or the page could not be faulted
 * back in), the entries from there to the end of the chunk have run and
 * still read -EINPROGRESS, and the batch stops after that chunk.
 */

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

#include "batch.h"
#include "context.h"
#include "timer.h"

/* 8 entries, 320 bytes of stack: one mutex hold per 8 commands. */
#define TIMERX_BATCH_CHUNK	8

static int timerx_batch_exec(struct timerx_ctx *ctx,
			     const struct timerx_batch_entry *e)
{
	switch (e->op) {
	case TIMERX_BATCH_ARM: {
		const struct timerx_arm a = {
			.timer_id = e->timer_id,
			.flags = e->flags,
			.expires_ns = e->expires_ns,
			.period_ns = e->period_ns,
			.seq = e->seq,
			.slack_ns = e->slack_ns,
		};

		return timerx_timer_arm(ctx, &a);
	}
	case TIMERX_BATCH_CANCEL: {
		const struct timerx_timer_ref r = { .timer_id = e->timer_id };

		if (e->flags)
			return -EOPNOTSUPP;
		if (e->expires_ns || e->period_ns || e->seq || e->slack_ns)
			return -EINVAL;
		return timerx_timer_cancel(ctx, &r);
	}
	case TIMERX_BATCH_POSTPONE: {
		const struct timerx_postpone p = {
			.timer_id = e->timer_id,
			.flags = e->flags,
			.expires_ns = e->expires_ns,
		};

		if (e->period_ns || e->seq || e->slack_ns)
			return -EINVAL;
		return timerx_timer_postpone(ctx, &p);
	}
	}
	return -EOPNOTSUPP;
}

/*
 * Runs up to @n entries copied from @uents: those that could be read and
 * whose result can be written. Returns how many ran; *@lost is set when
 * a result could not be written back after its entry ran.
 */
static u32 timerx_batch_chunk(struct timerx_ctx *ctx,
			      struct timerx_batch_entry __user *uents,
			      struct timerx_batch_entry *chunk, u32 n, bool *lost)
{
	u32 i, ok = n;

	if (copy_from_user(chunk, uents, n * sizeof(*chunk))) {
		/* It may stop short of the fault: find it entry by entry. */
		for (ok = 0; ok < n; ok++)
			if (copy_from_user(&chunk[ok], &uents[ok], sizeof(*chunk)))
				break;
	}

	for (i = 0; i < ok; i++)
		if (put_user(-EINPROGRESS, &uents[i].result))
			break;
	ok = i;

	mutex_lock(&ctx->lock);
	for (i = 0; i < ok; i++)
		chunk[i].result = timerx_batch_exec(ctx, &chunk[i]);
	mutex_unlock(&ctx->lock);

	for (i = 0; i < ok; i++)
		if (put_user(chunk[i].result, &uents[i].result)) {
			*lost = true;
			break;
		}
	return ok;
}

int timerx_batch(struct timerx_ctx *ctx, const struct timerx_batch *b)
{
	struct timerx_batch_entry __user *uents = u64_to_user_ptr(b->entries);
	struct timerx_batch_entry chunk[TIMERX_BATCH_CHUNK];
	bool lost = false;
	u32 done = 0;

	if (b->flags)
		return -EOPNOTSUPP;
	if (b->nr > TIMERX_BATCH_MAX)
		return -E2BIG;

	while (done < b->nr) {
		u32 n = min_t(u32, b->nr - done, TIMERX_BATCH_CHUNK);
		u32 ran = timerx_batch_chunk(ctx, uents + done, chunk, n, &lost);

		done += ran;
		if (ran < n || lost)
			return done ? done : -EFAULT;
		cond_resched();
	}
	return done;
}
