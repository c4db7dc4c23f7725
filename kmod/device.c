// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/timerx: each open is a context. The file holds the context; every
 * mapping of the ring holds the file, so release() runs only once nothing
 * can reach the context any more, and there cancels its timers before
 * freeing anything a callback could touch.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "cmd.h"
#include "context.h"
#include "timer.h"
#include "uring.h"

/* Every live context by id, for the control plane. */
static DEFINE_XARRAY_ALLOC1(timerx_contexts);
static u32 timerx_next_ctx_id;

static int timerx_open(struct inode *inode, struct file *file)
{
	struct timerx_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->timers, XA_FLAGS_ALLOC1);
	timerx_ring_init(&ctx->ring);
	timerx_uring_waits_init(&ctx->uring_waits);

	ret = xa_alloc_cyclic(&timerx_contexts, &ctx->id, ctx, xa_limit_31b,
			      &timerx_next_ctx_id, GFP_KERNEL);
	if (ret < 0) {
		timerx_ring_destroy(&ctx->ring);
		kfree(ctx);
		return ret;
	}

	file->private_data = ctx;
	return stream_open(inode, file);
}

static int timerx_release(struct inode *inode, struct file *file)
{
	struct timerx_ctx *ctx = file->private_data;

	xa_erase(&timerx_contexts, ctx->id);
	timerx_timers_release(ctx);
	timerx_ring_destroy(&ctx->ring);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

/* Every close(), not only the last: pending io_uring waits end here. */
static int timerx_flush(struct file *file, fl_owner_t id)
{
	timerx_uring_cancel_waits(file->private_data);
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

static __poll_t timerx_poll(struct file *file, struct poll_table_struct *wait)
{
	struct timerx_ctx *ctx = file->private_data;

	return timerx_ring_poll(&ctx->ring, file, wait);
}

static ssize_t timerx_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct timerx_ctx *ctx = file->private_data;

	return timerx_ring_read(&ctx->ring, buf, count,
				file->f_flags & O_NONBLOCK);
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
	WARN_ON(!xa_empty(&timerx_contexts));
}
