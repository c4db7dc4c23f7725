// SPDX-License-Identifier: GPL-2.0
/*
 * The command table. Each command is one function taking the context and
 * its payload struct in kernel memory; transports (ioctl, io_uring
 * uring_cmd) only move payloads in and out, so the semantics exist once.
 * The ioctl number of each entry is the source of truth for the payload's
 * size and direction.
 */

#include <linux/build_bug.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/timerx.h>

#include "batch.h"
#include "cmd.h"
#include "context.h"
#include "ring.h"
#include "timer.h"

union timerx_cmd_payload {
	struct timerx_ring_params ring_params;
	struct timerx_create create;
	struct timerx_arm arm;
	struct timerx_arm_oneshot arm_oneshot;
	struct timerx_postpone postpone;
	struct timerx_batch batch;
	struct timerx_timer_ref ref;
	struct timerx_timer_info info;
	struct timerx_ctx_info ctx_info;
};

struct timerx_command {
	unsigned int ioctl;
	int (*fn)(struct timerx_ctx *ctx, union timerx_cmd_payload *p);
	bool uring;	/* the whole result fits a CQE's res */
	bool needs_ring;
	bool unlocked;	/* takes the context's mutex itself */
};

static int timerx_cmd_setup_ring(struct timerx_ctx *ctx,
				 union timerx_cmd_payload *p)
{
	return timerx_ring_setup(&ctx->ring, &p->ring_params);
}

static int timerx_cmd_create(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	int ret = timerx_timer_create(ctx, &p->create);

	return ret ? ret : p->create.timer_id;
}

static int timerx_cmd_arm(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_arm(ctx, &p->arm);
}

static int timerx_cmd_arm_at(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_arm_oneshot(ctx, &p->arm_oneshot, true);
}

static int timerx_cmd_arm_in(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_arm_oneshot(ctx, &p->arm_oneshot, false);
}

static int timerx_cmd_postpone(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_postpone(ctx, &p->postpone);
}

static int timerx_cmd_batch(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_batch(ctx, &p->batch);
}

static int timerx_cmd_cancel(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_cancel(ctx, &p->ref);
}

static int timerx_cmd_delete(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_delete(ctx, &p->ref);
}

static int timerx_cmd_get(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_timer_get(ctx, &p->info);
}

static int timerx_cmd_flush(struct timerx_ctx *ctx, union timerx_cmd_payload *p)
{
	return timerx_ctx_flush(ctx);
}

static int timerx_cmd_ctx_info(struct timerx_ctx *ctx,
			       union timerx_cmd_payload *p)
{
	struct timerx_ctx_info *info = &p->ctx_info;
	struct timerx_ring *ring = &ctx->ring;

	info->api_version = TIMERX_API_VERSION;
	info->ctx_id = ctx->id;
	info->timers = ctx->nr_timers;
	if (timerx_ring_is_setup(ring))
		info->ring_entries = ring->mask + 1;

	raw_spin_lock_irq(&ring->lock);
	info->events = ring->events_written;
	info->expirations = ring->expirations;
	info->ring_full = ring->ring_full;
	info->wakeups = atomic64_read(&ring->wakeups);
	raw_spin_unlock_irq(&ring->lock);
	return 0;
}

static const struct timerx_command timerx_cmds[] = {
	[TIMERX_CMD_SETUP_RING] = {
		.ioctl = TIMERX_IOC_SETUP_RING,
		.fn = timerx_cmd_setup_ring,
		.uring = false,
		.needs_ring = false,
	},
	[TIMERX_CMD_CREATE] = {
		.ioctl = TIMERX_IOC_CREATE,
		.fn = timerx_cmd_create,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_ARM] = {
		.ioctl = TIMERX_IOC_ARM,
		.fn = timerx_cmd_arm,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_CANCEL] = {
		.ioctl = TIMERX_IOC_CANCEL,
		.fn = timerx_cmd_cancel,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_DELETE] = {
		.ioctl = TIMERX_IOC_DELETE,
		.fn = timerx_cmd_delete,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_GET] = {
		.ioctl = TIMERX_IOC_GET,
		.fn = timerx_cmd_get,
		.uring = false,
		.needs_ring = true,
	},
	[TIMERX_CMD_FLUSH] = {
		.ioctl = TIMERX_IOC_FLUSH,
		.fn = timerx_cmd_flush,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_CTX_INFO] = {
		.ioctl = TIMERX_IOC_CTX_INFO,
		.fn = timerx_cmd_ctx_info,
		.uring = false,
		.needs_ring = false,
	},
	[TIMERX_CMD_ARM_AT] = {
		.ioctl = TIMERX_IOC_ARM_AT,
		.fn = timerx_cmd_arm_at,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_ARM_IN] = {
		.ioctl = TIMERX_IOC_ARM_IN,
		.fn = timerx_cmd_arm_in,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_POSTPONE] = {
		.ioctl = TIMERX_IOC_POSTPONE,
		.fn = timerx_cmd_postpone,
		.uring = true,
		.needs_ring = true,
	},
	[TIMERX_CMD_BATCH] = {
		.ioctl = TIMERX_IOC_BATCH,
		.fn = timerx_cmd_batch,
		.uring = true,
		.needs_ring = true,
		.unlocked = true,
	},
};

static_assert(ARRAY_SIZE(timerx_cmds) == __TIMERX_CMD_LAST);

/* The sizes the UAPI header documents; the 16-byte ones fit a plain SQE. */
static_assert(sizeof(struct timerx_event) == 40);
static_assert(sizeof(struct timerx_arm) == 40);
static_assert(sizeof(struct timerx_batch_entry) == 40);
static_assert(sizeof(struct timerx_arm_oneshot) == TIMERX_URING_AREA);
static_assert(sizeof(struct timerx_postpone) == TIMERX_URING_AREA);
static_assert(sizeof(struct timerx_batch) == TIMERX_URING_AREA);

static int timerx_cmd_exec(struct timerx_ctx *ctx, const struct timerx_command *cmd,
			   union timerx_cmd_payload *p)
{
	int ret;

	/* Timers deliver into the ring: none exist, or are named, before it. */
	if (cmd->needs_ring && !timerx_ring_is_setup(&ctx->ring))
		return -EBADFD;
	if (cmd->unlocked)
		return cmd->fn(ctx, p);

	mutex_lock(&ctx->lock);
	ret = cmd->fn(ctx, p);
	mutex_unlock(&ctx->lock);
	return ret;
}

/* The number encodes size and direction: anything else is a foreign struct. */
static const struct timerx_command *timerx_cmd_lookup(unsigned int nr_ioctl)
{
	unsigned int nr = _IOC_NR(nr_ioctl);

	if (_IOC_TYPE(nr_ioctl) != TIMERX_IOC_MAGIC || nr >= ARRAY_SIZE(timerx_cmds) ||
	    nr_ioctl != timerx_cmds[nr].ioctl)
		return NULL;
	return &timerx_cmds[nr];
}

long timerx_cmd_ioctl(struct timerx_ctx *ctx, unsigned int nr_ioctl,
		      void __user *argp)
{
	const struct timerx_command *cmd = timerx_cmd_lookup(nr_ioctl);
	union timerx_cmd_payload p = {};
	size_t size;
	int ret;

	if (!cmd)
		return -ENOTTY;

	size = _IOC_SIZE(nr_ioctl);
	BUILD_BUG_ON(sizeof(p) > 128);
	if ((_IOC_DIR(nr_ioctl) & _IOC_WRITE) && copy_from_user(&p, argp, size))
		return -EFAULT;

	ret = timerx_cmd_exec(ctx, cmd, &p);
	if (ret < 0)
		return ret;

	if ((_IOC_DIR(nr_ioctl) & _IOC_READ) && copy_to_user(argp, &p, size))
		return -EFAULT;
	return ret;
}

/*
 * @payload is the SQE's command area (@avail bytes), which userspace may
 * still be writing: it is copied once, then only the copy is used. What
 * follows the command's struct is reserved, like any reserved field.
 *
 * Even with IO_URING_F_NONBLOCK the context's mutex is waited for, never
 * answered with -EAGAIN: 6.12 (before "io_uring/uring_cmd: switch sqe to
 * async_data on EAGAIN", 6.14) re-issues a punted command from the SQ
 * ring's slot, which userspace may have reused by then. The mutex is held
 * for bounded times and never by anyone waiting for io_uring.
 */
int timerx_cmd_uring(struct timerx_ctx *ctx, u32 cmd_op, const void *payload,
		     size_t avail)
{
	const struct timerx_command *cmd = timerx_cmd_lookup(cmd_op);
	u8 area[TIMERX_URING_AREA_MAX];
	union timerx_cmd_payload p = {};
	size_t size;

	if (!cmd)
		return -ENOTTY;
	if (!cmd->uring)
		return -EOPNOTSUPP;
	size = _IOC_SIZE(cmd_op);
	if (size > avail || avail > sizeof(area))
		return -EINVAL;
	memcpy(area, payload, avail);
	if (memchr_inv(area + size, 0, avail - size))
		return -EINVAL;
	memcpy(&p, area, size);
	return timerx_cmd_exec(ctx, cmd, &p);
}
