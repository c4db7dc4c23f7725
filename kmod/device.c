// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/timerx: each open is a context. The file holds the context; every
 * mapping of the ring holds the file, so release() runs only once nothing
 * but the control plane can reach the context, and there cancels its
 * timers before freeing anything a callback could touch.
 */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "cmd.h"
#include "context.h"
#include "netlink.h"
#include "registry.h"
#include "timer.h"
#include "uring.h"
#include "user.h"

static void timerx_ctx_free(struct timerx_ctx *ctx)
{
	timerx_ring_destroy(&ctx->ring);
	put_pid(ctx->owner_pid);
	if (ctx->user) {
		timerx_user_uncharge_context(ctx->user);
		timerx_user_put(ctx->user);
	}
	mutex_destroy(&ctx->lock);
	kvfree(ctx);
}

/* The context's owner: who pays for it, and whose limits apply. */
static int timerx_ctx_charge(struct timerx_ctx *ctx, struct file *file)
{
	struct timerx_user *user = timerx_user_get(file->f_cred->euid);
	int ret;

	if (!user)
		return -ENOMEM;
	ret = timerx_user_charge_context(user);
	if (ret) {
		timerx_user_put(user);
		return ret;
	}
	ctx->user = user;
	return 0;
}

static int timerx_open(struct inode *inode, struct file *file)
{
	struct timerx_ctx *ctx;
	int ret;

	/*
	 * Over a page, with the lateness histogram: no need to be contiguous.
	 * Any user can make this fail (its memory cgroup): ENOMEM says it,
	 * without an allocation-failure report in the log.
	 */
	ctx = kvzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->lock);
	ida_init(&ctx->timer_ids);
	INIT_LIST_HEAD(&ctx->queues);
	timerx_ring_init(&ctx->ring);
	timerx_uring_waits_init(&ctx->uring_waits);
	timerx_notify_init(ctx);
	timerx_hist_shared_init(&ctx->lateness);
	ctx->owner_pid = get_pid(task_tgid(current));
	ctx->owner_uid = file->f_cred->euid;
	get_task_comm(ctx->owner_comm, current);
	ctx->net_cookie = current->nsproxy->net_ns->net_cookie;

	ret = timerx_ctx_charge(ctx, file);
	if (ret < 0) {
		timerx_ctx_free(ctx);
		return ret;
	}
	ret = timerx_registry_add(ctx);
	if (ret < 0) {
		timerx_ctx_free(ctx);
		return ret;
	}
	timerx_nl_notify_ctx(ctx, TIMERX_NL_CMD_CTX_NEW);

	file->private_data = ctx;
	return stream_open(inode, file);
}

static int timerx_release(struct inode *inode, struct file *file)
{
	struct timerx_ctx *ctx = file->private_data;

	/* The control plane may be reading the timers. */
	mutex_lock(&ctx->lock);
	timerx_timers_release(ctx);
	mutex_unlock(&ctx->lock);
	timerx_notify_stop(ctx);

	timerx_registry_remove(ctx);
	timerx_nl_notify_ctx(ctx, TIMERX_NL_CMD_CTX_DEL);
	timerx_ctx_free(ctx);
	return 0;
}

/*
 * Every close(), not only the last: the io_uring waits that the closing
 * file table (@id: a process and its threads) submitted end here. A
 * forked child or an exec'd copy closing its own descriptor leaves its
 * parent's waits alone.
 */
static int timerx_flush(struct file *file, fl_owner_t id)
{
	timerx_uring_cancel_waits(file->private_data, id);
	return 0;
}

static long timerx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return timerx_cmd_ioctl(file->private_data, cmd, (void __user *)arg);
}

static int timerx_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct timerx_ctx *ctx = file->private_data;

	return timerx_ring_mmap(&ctx->ring, vma);
}

/* poll() and read() deliver what waits for room, as FLUSH would. */
static void timerx_flush_pending(void *arg)
{
	struct timerx_ctx *ctx = arg;

	mutex_lock(&ctx->lock);
	timerx_ctx_flush(ctx);
	mutex_unlock(&ctx->lock);
}

static __poll_t timerx_poll(struct file *file, struct poll_table_struct *wait)
{
	struct timerx_ctx *ctx = file->private_data;

	if (timerx_ring_is_setup(&ctx->ring))
		timerx_flush_pending(ctx);
	return timerx_ring_poll(&ctx->ring, file, wait);
}

static ssize_t timerx_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct timerx_ctx *ctx = file->private_data;

	return timerx_ring_read(&ctx->ring, buf, count,
				file->f_flags & O_NONBLOCK,
				timerx_flush_pending, ctx);
}

static const struct file_operations timerx_fops = {
	.owner = THIS_MODULE,
	.open = timerx_open,
	.release = timerx_release,
	.flush = timerx_flush,
	.unlocked_ioctl = timerx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = timerx_mmap,
	.poll = timerx_poll,
	.read = timerx_read,
	.uring_cmd = timerx_uring_cmd,
};

static struct miscdevice timerx_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "timerx",
	.fops = &timerx_fops,
};

int timerx_device_init(void)
{
	return misc_register(&timerx_misc);
}

void timerx_device_exit(void)
{
	misc_deregister(&timerx_misc);
	WARN_ON(!timerx_registry_empty());
}
