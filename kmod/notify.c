// SPDX-License-Identifier: GPL-2.0
/*
 * Rate-limited monitor notifications from hrtimer callbacks.
 *
 * A callback cannot build a netlink message: allocating is not allowed in
 * hard irq on PREEMPT_RT. It counts into the context and queues a delayed
 * work (workqueue and timer-wheel locks are raw, so that is allowed), due
 * no earlier than the end of the current interval. The work sends what was
 * counted; nothing counted is dropped, only merged into the next message.
 */

#include <linux/jiffies.h>
#include <linux/minmax.h>

#include "context.h"
#include "netlink.h"
#include "params.h"

#define TIMERX_NOTIFY_QUEUED	0

static void timerx_notify_work(struct work_struct *work)
{
	struct timerx_notify *n = container_of(to_delayed_work(work),
					       struct timerx_notify, work);
	struct timerx_ctx *ctx = container_of(n, struct timerx_ctx, notify);
	unsigned int interval = READ_ONCE(timerx_alarm_interval_ms);
	u64 alarms, alarm_max, overflows;

	/*
	 * Set the next deadline before allowing a new kick, so that a
	 * callback racing with this send queues the work for the next
	 * interval, not now.
	 */
	WRITE_ONCE(n->next, jiffies + msecs_to_jiffies(interval));
	/* Pairs with test_and_set_bit() in timerx_notify_kick(). */
	smp_mb__before_atomic();
	clear_bit(TIMERX_NOTIFY_QUEUED, &n->queued);
	/*
	 * Counts taken below were added after the bit was clear, or their
	 * kick found it set and they are ours: none is left behind.
	 */
	smp_mb__after_atomic();

	alarms = atomic64_xchg(&n->alarms, 0);
	alarm_max = atomic64_xchg(&n->alarm_max, 0);
	overflows = atomic64_xchg(&n->overflows, 0);
	if (alarms)
		timerx_nl_notify_alarm(ctx, READ_ONCE(n->alarm_timer), alarms,
				       alarm_max);
	if (overflows)
		timerx_nl_notify_overflow(ctx, overflows);
}

void timerx_notify_init(struct timerx_ctx *ctx)
{
	struct timerx_notify *n = &ctx->notify;

	INIT_DELAYED_WORK(&n->work, timerx_notify_work);
	n->next = jiffies;
	atomic64_set(&n->alarms, 0);
	atomic64_set(&n->alarm_max, 0);
	atomic64_set(&n->overflows, 0);
}

/* No callback can kick any more: the context's timers are gone. */
void timerx_notify_stop(struct timerx_ctx *ctx)
{
	cancel_delayed_work_sync(&ctx->notify.work);
}

static void timerx_notify_kick(struct timerx_notify *n)
{
	unsigned long now = jiffies, next = READ_ONCE(n->next);

	if (test_and_set_bit(TIMERX_NOTIFY_QUEUED, &n->queued))
		return;
	queue_delayed_work(system_wq, &n->work,
			   time_before(now, next) ? next - now : 0);
}

void timerx_notify_late(struct timerx_ctx *ctx, u32 timer_id, u64 lateness)
{
	struct timerx_notify *n = &ctx->notify;
	s64 cur = atomic64_read(&n->alarm_max);

	while (lateness > (u64)cur &&
	       !atomic64_try_cmpxchg(&n->alarm_max, &cur, lateness))
		;
	WRITE_ONCE(n->alarm_timer, timer_id);
	atomic64_inc(&n->alarms);
	timerx_notify_kick(n);
}

void timerx_notify_overflow(struct timerx_ctx *ctx)
{
	atomic64_inc(&ctx->notify.overflows);
	timerx_notify_kick(&ctx->notify);
}
