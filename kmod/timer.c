// SPDX-License-Identifier: GPL-2.0
/*
 * User timers: one hrtimer each, owned by a context.
 *
 * The callback runs in hard-irq context (also on PREEMPT_RT) unless the
 * timer was created soft. It forwards periodic timers by whole periods
 * (hrtimer_forward(): no drift, missed periods counted) and hands the
 * expirations to the ring; it takes no lock but the ring's raw spinlock.
 */

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "context.h"
#include "hist.h"
#include "notify.h"
#include "params.h"
#include "ring.h"
#include "timer.h"

static struct kmem_cache *timerx_timer_cache;

int timerx_timer_cache_init(void)
{
	timerx_timer_cache = KMEM_CACHE(timerx_timer, SLAB_ACCOUNT);
	return timerx_timer_cache ? 0 : -ENOMEM;
}

void timerx_timer_cache_destroy(void)
{
	kmem_cache_destroy(timerx_timer_cache);
}

/* Lock-free, no division: this runs for every expiry. */
static void timerx_timer_record(struct timerx_timer *t, u64 lateness)
{
	struct timerx_ctx *ctx = t->ctx;
	unsigned long alarm;

	if (!READ_ONCE(timerx_histograms))
		return;
	if (t->lateness)
		timerx_hist_record(t->lateness, lateness);
	timerx_hist_shared_record(&ctx->lateness, lateness);

	alarm = READ_ONCE(timerx_alarm_lateness_ns);
	if (alarm && lateness > alarm)
		timerx_notify_late(ctx, t->id, lateness);
}

static enum hrtimer_restart timerx_timer_fire(struct hrtimer *hrt)
{
	struct timerx_timer *t = container_of(hrt, struct timerx_timer, hrt);
	ktime_t expected = hrtimer_get_expires(hrt);
	ktime_t now = hrtimer_cb_get_time(hrt);
	u64 n = 1;

	if (t->period)
		n = hrtimer_forward(hrt, now, t->period);

	if (timerx_ring_deliver(&t->ctx->ring, t, expected, now, n))
		timerx_notify_overflow(t->ctx);
	timerx_timer_record(t, max_t(s64, ktime_sub(now, expected), 0));
	return t->period ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static bool timerx_clockid_valid(u32 clockid)
{
	switch (clockid) {
	case CLOCK_MONOTONIC:
	case CLOCK_REALTIME:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		return true;
	}
	return false;
}

int timerx_timer_create(struct timerx_ctx *ctx, struct timerx_create *c)
{
	enum hrtimer_mode mode = HRTIMER_MODE_ABS;
	struct timerx_timer *t;
	int ret;

	lockdep_assert_held(&ctx->lock);

	if (c->flags & ~TIMERX_CREATE_F_ALL)
		return -EOPNOTSUPP;
	if (c->resv)
		return -EINVAL;
	if (!timerx_clockid_valid(c->clockid))
		return -EINVAL;
	if (c->flags & TIMERX_CREATE_F_PINNED) {
		if (c->cpu >= nr_cpu_ids || !cpu_online(c->cpu))
			return -EINVAL;
		mode |= HRTIMER_MODE_PINNED;
	} else if (c->cpu) {
		return -EINVAL;
	}
	mode |= c->flags & TIMERX_CREATE_F_SOFT ? HRTIMER_MODE_SOFT :
						  HRTIMER_MODE_HARD;

	if (ctx->nr_timers >= READ_ONCE(timerx_max_timers_per_ctx))
		return -ENOSPC;

	t = kmem_cache_zalloc(timerx_timer_cache, GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	if (READ_ONCE(timerx_histograms)) {
		t->lateness = kmalloc(sizeof(*t->lateness), GFP_KERNEL_ACCOUNT);
		if (!t->lateness) {
			kmem_cache_free(timerx_timer_cache, t);
			return -ENOMEM;
		}
		timerx_hist_init(t->lateness);
	}

	/* Always absolute: relative REALTIME timers would become MONOTONIC. */
	hrtimer_setup(&t->hrt, timerx_timer_fire, c->clockid, mode);
	t->ctx = ctx;
	t->user_data = c->user_data;
	t->mode = mode;
	t->clockid = c->clockid;
	t->flags = c->flags;
	t->cpu = c->cpu;
	t->last_cpu = -1;
	INIT_LIST_HEAD(&t->pending_node);

	ret = xa_alloc_cyclic(&ctx->timers, &t->id, t, xa_limit_31b,
			      &ctx->next_timer_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		kfree(t->lateness);
		kmem_cache_free(timerx_timer_cache, t);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	ctx->nr_timers++;
	ctx->generation++;
	c->timer_id = t->id;
	return 0;
}

static void timerx_timer_free(struct timerx_timer *t)
{
	kfree(t->lateness);
	kmem_cache_free(timerx_timer_cache, t);
}

static struct timerx_timer *timerx_timer_find(struct timerx_ctx *ctx, u32 id)
{
	lockdep_assert_held(&ctx->lock);
	return xa_load(&ctx->timers, id);
}

struct timerx_timer_start {
	struct timerx_timer *t;
	ktime_t expires;
};

/* Runs on the pinned CPU, in IPI context: the hrtimer base is that CPU's. */
static void timerx_timer_start_local(void *arg)
{
	struct timerx_timer_start *start = arg;

	hrtimer_start(&start->t->hrt, start->expires, start->t->mode);
}

int timerx_timer_arm(struct timerx_ctx *ctx, const struct timerx_arm *a)
{
	struct timerx_timer *t;
	ktime_t expires;

	lockdep_assert_held(&ctx->lock);

	if (a->flags & ~TIMERX_ARM_F_ALL)
		return -EOPNOTSUPP;
	if (a->resv)
		return -EINVAL;
	if (!(a->flags & TIMERX_ARM_F_ABS) && a->expires_ns < 0)
		return -EINVAL;
	if (a->period_ns > KTIME_MAX)
		return -EINVAL;
	if (a->period_ns && a->period_ns < READ_ONCE(timerx_min_period_ns) &&
	    !capable(CAP_SYS_NICE))
		return -EPERM;

	t = timerx_timer_find(ctx, a->timer_id);
	if (!t)
		return -ENOENT;

	/* Waits for a running callback: it reads period without a lock. */
	hrtimer_cancel(&t->hrt);
	t->period = a->period_ns;

	expires = a->expires_ns;
	if (!(a->flags & TIMERX_ARM_F_ABS))
		expires = ktime_add_safe(hrtimer_cb_get_time(&t->hrt), expires);

	if (t->flags & TIMERX_CREATE_F_PINNED) {
		struct timerx_timer_start start = { t, expires };

		/* wait=1: @start lives until the IPI has run. */
		return smp_call_function_single(t->cpu, timerx_timer_start_local,
						&start, 1);
	}
	hrtimer_start(&t->hrt, expires, t->mode);
	return 0;
}

static int timerx_timer_ref_check(const struct timerx_timer_ref *r)
{
	if (r->flags)
		return -EOPNOTSUPP;
	if (r->resv)
		return -EINVAL;
	return 0;
}

int timerx_timer_cancel(struct timerx_ctx *ctx, const struct timerx_timer_ref *r)
{
	struct timerx_timer *t;
	int ret;

	lockdep_assert_held(&ctx->lock);

	ret = timerx_timer_ref_check(r);
	if (ret)
		return ret;
	t = timerx_timer_find(ctx, r->timer_id);
	if (!t)
		return -ENOENT;
	hrtimer_cancel(&t->hrt);
	return 0;
}

static void timerx_timer_destroy(struct timerx_ctx *ctx, struct timerx_timer *t)
{
	hrtimer_cancel(&t->hrt);
	timerx_ring_forget(&ctx->ring, t);
	timerx_timer_free(t);
}

int timerx_timer_delete(struct timerx_ctx *ctx, const struct timerx_timer_ref *r)
{
	struct timerx_timer *t;
	int ret;

	lockdep_assert_held(&ctx->lock);

	ret = timerx_timer_ref_check(r);
	if (ret)
		return ret;
	t = xa_erase(&ctx->timers, r->timer_id);
	if (!t)
		return -ENOENT;
	ctx->nr_timers--;
	ctx->generation++;
	timerx_timer_destroy(ctx, t);
	return 0;
}

int timerx_timer_get(struct timerx_ctx *ctx, struct timerx_timer_info *info)
{
	struct timerx_timer *t;
	u64 fires;

	lockdep_assert_held(&ctx->lock);

	if (info->flags)
		return -EOPNOTSUPP;
	t = timerx_timer_find(ctx, info->timer_id);
	if (!t)
		return -ENOENT;
	timerx_timer_describe(ctx, t, info, &fires);
	return 0;
}

void timerx_timer_describe(struct timerx_ctx *ctx, struct timerx_timer *t,
			   struct timerx_timer_info *info, u64 *fires)
{
	bool armed;

	lockdep_assert_held(&ctx->lock);

	/*
	 * hrtimer_active() holds while the callback runs, but a one-shot
	 * timer in its callback has already written its last event: once
	 * that is seen, the timer must read as idle.
	 */
	armed = hrtimer_active(&t->hrt) &&
		(t->period || !hrtimer_callback_running(&t->hrt));
	*info = (struct timerx_timer_info) {
		.timer_id = t->id,
		.user_data = t->user_data,
		.clockid = t->clockid,
		.create_flags = t->flags,
		.cpu = t->cpu,
		.state = armed ? TIMERX_TIMER_ARMED : TIMERX_TIMER_IDLE,
		.next_expiry_ns = armed ? ktime_to_ns(hrtimer_get_expires(&t->hrt)) : 0,
		.period_ns = ktime_to_ns(t->period),
	};

	raw_spin_lock_irq(&ctx->ring.lock);
	info->expirations = t->expirations;
	info->events = t->events;
	info->pending = t->pending;
	info->last_cpu = t->last_cpu;
	*fires = t->fires;
	raw_spin_unlock_irq(&ctx->ring.lock);
}

/* The context is going away: no command can run; the control plane waits. */
void timerx_timers_release(struct timerx_ctx *ctx)
{
	struct timerx_timer *t;
	unsigned long id;

	xa_for_each(&ctx->timers, id, t)
		hrtimer_cancel(&t->hrt);
	xa_for_each(&ctx->timers, id, t)
		timerx_timer_free(t);
	xa_destroy(&ctx->timers);
	ctx->nr_timers = 0;
}
