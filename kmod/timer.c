// SPDX-License-Identifier: GPL-2.0
/*
 * User timers, owned by a context, queued on its timer queues (queue.c):
 * one hrtimer per clock, expiry mode and CPU, not one per timer.
 *
 * A queue's callback runs in hard-irq context unless its timers were
 * created soft (on PREEMPT_RT, hard expiry is for CAP_SYS_NICE or
 * real-time callers, as for the kernel's own sleepers). For each due
 * timer it forwards periodic ones by whole periods (no drift, missed
 * periods counted) and hands the expirations to the ring, under the
 * queue's and the ring's raw spinlocks.
 *
 * What a timer costs its user (a timer of max_timers_per_user, and for an
 * armed periodic timer its rate of max_user_rate) is charged when it is
 * created or armed and given back when it is deleted or stops.
 */

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <uapi/linux/sched.h>

#include "context.h"
#include "hist.h"
#include "notify.h"
#include "params.h"
#include "queue.h"
#include "ring.h"
#include "stats.h"
#include "timer.h"
#include "user.h"

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
	timerx_stats_record_lateness(lateness);

	alarm = READ_ONCE(timerx_alarm_lateness_ns);
	if (alarm && lateness > alarm)
		timerx_notify_late(ctx, t->id, lateness);
}

/*
 * Periods of @t from @expected to the first expiry after @now, at least
 * one: hrtimer_forward() without its rounding of the period up to
 * hrtimer_resolution (a whole tick without high resolution): the grid is
 * the user's, the one the catch-up of parked timers computes too.
 */
static u64 timerx_timer_periods(struct timerx_timer *t, ktime_t expected,
				ktime_t now)
{
	ktime_t late = ktime_sub(now, expected);

	if (late < t->period)
		return 1;
	return div64_u64(ktime_to_ns(late), ktime_to_ns(t->period)) + 1;
}

bool timerx_timer_expire(struct timerx_timer *t, ktime_t now, ktime_t *next)
{
	/* The expiry asked for: the hard one is that plus the slack. */
	ktime_t expected = t->expires;
	ktime_t hard = ktime_add_safe(expected, t->slack);
	ktime_t resume = 0;
	u64 n = 1;

	if (t->period) {
		n = timerx_timer_periods(t, expected, now);
		resume = timerx_periods_after(expected, t->period, n);
		/* Saturated at KTIME_MAX: the timer stops. */
		if (!ktime_after(resume, expected))
			resume = 0;
	}

	/* A full ring parks a periodic timer: it costs no more interrupts. */
	if (timerx_ring_deliver(&t->ctx->ring, t, expected, now, n, resume)) {
		timerx_notify_overflow(t->ctx);
		resume = 0;
	}
	/* Within its slack a timer is on time: the statistics say the kernel's part. */
	timerx_timer_record(t, ktime_after(now, hard) ?
			       ktime_to_ns(ktime_sub(now, hard)) : 0);
	*next = resume;
	return resume;
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

/*
 * Hard-irq expiry on PREEMPT_RT runs the callback ahead of every thread,
 * RT ones included: mainline grants it only to real-time tasks' sleepers
 * (hrtimer_setup_sleeper_on_stack()); we add CAP_SYS_NICE.
 */
static bool timerx_may_expire_hard(void)
{
	unsigned int policy = current->policy;

	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		return true;
	return policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_DEADLINE || capable(CAP_SYS_NICE);
}

/* Validates @c; the hrtimer mode and the timer's flags in @mode, @flags. */
static int timerx_timer_check_create(const struct timerx_create *c,
				     enum hrtimer_mode *mode, u32 *flags)
{
	*mode = HRTIMER_MODE_ABS;
	*flags = c->flags;

	if (c->flags & ~TIMERX_CREATE_F_ALL)
		return -EOPNOTSUPP;
	if (c->resv)
		return -EINVAL;
	if ((c->flags & TIMERX_CREATE_F_SOFT) && (c->flags & TIMERX_CREATE_F_HARD))
		return -EINVAL;
	if (!timerx_clockid_valid(c->clockid))
		return -EINVAL;
	if (c->flags & TIMERX_CREATE_F_PINNED) {
		if (c->cpu >= nr_cpu_ids || !cpu_online(c->cpu))
			return -EINVAL;
		/* Interrupting a CPU one may not run on is sched_setaffinity()'s call. */
		if (!cpumask_test_cpu(c->cpu, current->cpus_ptr) &&
		    !capable(CAP_SYS_NICE))
			return -EPERM;
		*mode |= HRTIMER_MODE_PINNED;
	} else if (c->cpu) {
		return -EINVAL;
	}
	if (!(c->flags & TIMERX_CREATE_F_SOFT) && !timerx_may_expire_hard()) {
		if (c->flags & TIMERX_CREATE_F_HARD)
			return -EPERM;
		*flags |= TIMERX_CREATE_F_SOFT;
	}
	/*
	 * Without PREEMPT_RT every hrtimer not marked soft expires in hard
	 * irq; marking it HARD there too would tell lockdep that the callback
	 * may only take raw locks, and its wakeups take the waitqueue's
	 * spinlock_t (as timerfd's do, whose timers are not marked either).
	 */
	if (*flags & TIMERX_CREATE_F_SOFT)
		*mode |= HRTIMER_MODE_SOFT;
	else if (IS_ENABLED(CONFIG_PREEMPT_RT))
		*mode |= HRTIMER_MODE_HARD;
	return 0;
}

static void timerx_timer_free(struct timerx_timer *t)
{
	kfree(t->lateness);
	kmem_cache_free(timerx_timer_cache, t);
}

/*
 * The lowest free id, with room for it in the table. The table only
 * grows (doubling, up to the largest max_timers_per_ctx): lookups are one
 * load, and only commands, under the context's mutex, ever read it.
 */
static int timerx_timer_alloc_id(struct timerx_ctx *ctx)
{
	struct timerx_timer **table;
	u32 cap;
	int id;

	id = ida_alloc_range(&ctx->timer_ids, 1, TIMERX_MAX_TIMERS_MAX,
			     GFP_KERNEL_ACCOUNT);
	if (id < 0)
		return id == -ENOSPC ? -ENOSPC : -ENOMEM;
	if (id < ctx->timers_cap)
		return id;

	cap = max3(16U, ctx->timers_cap * 2, (u32)id + 1);
	cap = min_t(u32, cap, TIMERX_MAX_TIMERS_MAX + 1);
	table = kvcalloc(cap, sizeof(*table), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!table) {
		ida_free(&ctx->timer_ids, id);
		return -ENOMEM;
	}
	if (ctx->timers)
		memcpy(table, ctx->timers, ctx->timers_cap * sizeof(*table));
	kvfree(ctx->timers);
	ctx->timers = table;
	ctx->timers_cap = cap;
	return id;
}

int timerx_timer_create(struct timerx_ctx *ctx, struct timerx_create *c)
{
	struct timerx_queue *q;
	enum hrtimer_mode mode;
	struct timerx_timer *t;
	u32 flags;
	int ret;

	lockdep_assert_held(&ctx->lock);

	ret = timerx_timer_check_create(c, &mode, &flags);
	if (ret)
		return ret;
	if (ctx->nr_timers >= READ_ONCE(timerx_max_timers_per_ctx))
		return -ENOSPC;
	ret = timerx_user_charge_timer(ctx->user);
	if (ret)
		return ret;

	ret = -ENOMEM;
	t = kmem_cache_zalloc(timerx_timer_cache, GFP_KERNEL_ACCOUNT);
	if (!t)
		goto err_uncharge;
	if (READ_ONCE(timerx_histograms)) {
		t->lateness = kmalloc(sizeof(*t->lateness), GFP_KERNEL_ACCOUNT);
		if (!t->lateness)
			goto err_free;
		timerx_hist_init(t->lateness);
	}
	q = timerx_queue_get(ctx, c->clockid, mode,
			     flags & TIMERX_CREATE_F_PINNED ? (int)c->cpu : -1);
	if (IS_ERR(q)) {
		ret = PTR_ERR(q);
		goto err_free;
	}

	t->q = q;
	t->qidx = U32_MAX;
	t->ctx = ctx;
	t->user_data = c->user_data;
	t->clockid = c->clockid;
	t->flags = flags;
	t->cpu = c->cpu;
	t->last_cpu = -1;
	INIT_LIST_HEAD(&t->pending_node);
	INIT_LIST_HEAD(&t->resume_node);

	ret = timerx_timer_alloc_id(ctx);
	if (ret < 0)
		goto err_put;
	t->id = ret;
	ctx->timers[t->id] = t;
	ctx->nr_timers++;
	ctx->generation++;
	timerx_stats_timers_add(1);
	c->timer_id = t->id;
	return 0;

err_put:
	timerx_queue_put(q);
err_free:
	timerx_timer_free(t);
err_uncharge:
	timerx_user_uncharge_timers(ctx->user, 1);
	return ret;
}

struct timerx_timer *timerx_timer_find(struct timerx_ctx *ctx, u32 id)
{
	lockdep_assert_held(&ctx->lock);
	return id < ctx->timers_cap ? ctx->timers[id] : NULL;
}

struct timerx_timer *timerx_timer_next(struct timerx_ctx *ctx, u32 id)
{
	lockdep_assert_held(&ctx->lock);
	for (; id < ctx->timers_cap; id++)
		if (ctx->timers[id])
			return ctx->timers[id];
	return NULL;
}

/*
 * Take @t out of its queue and end a parked state: the periods that
 * elapsed while it was parked become pending expirations like any other.
 * The timer's rate is still charged; the caller decides what it becomes.
 * Returns whether the timer was armed. Afterwards no callback reads @t's
 * configuration until it is queued again.
 */
static bool timerx_timer_stop(struct timerx_ctx *ctx, struct timerx_timer *t)
{
	bool queued = timerx_queue_del(t->q, t);

	return timerx_ring_unpark(&ctx->ring, t) || queued;
}

static void timerx_timer_set_rate(struct timerx_ctx *ctx,
				  struct timerx_timer *t, u64 rate)
{
	if (t->rate > rate)
		timerx_user_uncharge_rate(ctx->user, t->rate - rate);
	t->rate = rate;
}

static int timerx_timer_check_arm(const struct timerx_arm *a)
{
	if (a->flags & ~TIMERX_ARM_F_ALL)
		return -EOPNOTSUPP;
	if (a->resv)
		return -EINVAL;
	if (a->slack_ns > TIMERX_SLACK_MAX_NS)
		return -EINVAL;
	/* A slack of a period or more would fold every expiry into the next. */
	if (a->period_ns && a->slack_ns >= a->period_ns)
		return -EINVAL;
	/*
	 * Negative times are invalid, relative or absolute, as for timerfd
	 * (timespec64_valid()). An absolute one would be clamped to KTIME_MAX
	 * as the hard expiry but stay negative as the soft one.
	 */
	if (a->expires_ns < 0)
		return -EINVAL;
	if (a->period_ns > KTIME_MAX)
		return -EINVAL;
	if (a->period_ns && a->period_ns < READ_ONCE(timerx_min_period_ns) &&
	    !capable(CAP_SYS_NICE))
		return -EPERM;
	return 0;
}

/* Absolute, on @t's clock: relative ones are taken from it now. */
static ktime_t timerx_timer_expiry(struct timerx_timer *t, s64 expires_ns,
				   u32 flags)
{
	if (flags & TIMERX_ARM_F_ABS)
		return expires_ns;
	return ktime_add_safe(timerx_clock_now(t->clockid), expires_ns);
}

int timerx_timer_arm(struct timerx_ctx *ctx, const struct timerx_arm *a)
{
	struct timerx_timer *t;
	u64 rate;
	int ret;

	lockdep_assert_held(&ctx->lock);

	ret = timerx_timer_check_arm(a);
	if (ret)
		return ret;
	t = timerx_timer_find(ctx, a->timer_id);
	if (!t)
		return -ENOENT;

	/* What the re-armed timer costs beyond what it costs now. */
	rate = timerx_rate_of(a->period_ns);
	if (rate > t->rate) {
		ret = timerx_user_charge_rate(ctx->user, rate - t->rate);
		if (ret)
			return ret;
	}

	timerx_timer_stop(ctx, t);
	timerx_ring_new_arming(&ctx->ring, t);
	t->period = a->period_ns;
	t->seq = a->seq;
	t->slack = a->slack_ns;
	timerx_timer_set_rate(ctx, t, rate);

	ret = timerx_queue_add(t->q, t, timerx_timer_expiry(t, a->expires_ns,
							    a->flags), false);
	if (ret)
		timerx_timer_set_rate(ctx, t, 0);
	return ret;
}

int timerx_timer_arm_oneshot(struct timerx_ctx *ctx,
			     const struct timerx_arm_oneshot *a, bool abs)
{
	const struct timerx_arm arm = {
		.timer_id = a->timer_id,
		.flags = abs ? TIMERX_ARM_F_ABS : 0,
		.expires_ns = a->expires_ns,
		.seq = a->seq,
	};

	return timerx_timer_arm(ctx, &arm);
}

/*
 * Only the expiry moves: period, seq, slack and the rate charged stay.
 * A timer that is not armed has expired (or was cancelled): its event, if
 * any, is the consumer's answer, and starting it again would be an
 * arming without a seq of its own.
 */
int timerx_timer_postpone(struct timerx_ctx *ctx, const struct timerx_postpone *p)
{
	struct timerx_timer *t;

	lockdep_assert_held(&ctx->lock);

	if (p->flags & ~TIMERX_ARM_F_ALL)
		return -EOPNOTSUPP;
	if (p->expires_ns < 0)
		return -EINVAL;
	t = timerx_timer_find(ctx, p->timer_id);
	if (!t)
		return -ENOENT;
	if (!timerx_timer_stop(ctx, t)) {
		timerx_timer_set_rate(ctx, t, 0);
		return -ETIME;
	}
	/* Its CPU went offline: any CPU beats losing an armed timer. */
	return timerx_queue_add(t->q, t, timerx_timer_expiry(t, p->expires_ns,
							     p->flags), true);
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
	timerx_timer_stop(ctx, t);
	timerx_timer_set_rate(ctx, t, 0);
	return 0;
}

int timerx_timer_delete(struct timerx_ctx *ctx, const struct timerx_timer_ref *r)
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
	ctx->timers[t->id] = NULL;
	ida_free(&ctx->timer_ids, t->id);
	ctx->nr_timers--;
	ctx->generation++;
	timerx_queue_del(t->q, t);
	timerx_queue_put(t->q);
	timerx_ring_forget(&ctx->ring, t);
	timerx_timer_set_rate(ctx, t, 0);
	timerx_user_uncharge_timers(ctx->user, 1);
	timerx_stats_timers_add(-1);
	timerx_timer_free(t);
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
	ktime_t next;
	bool armed;

	lockdep_assert_held(&ctx->lock);

	*info = (struct timerx_timer_info) {
		.timer_id = t->id,
		.user_data = t->user_data,
		.clockid = t->clockid,
		.create_flags = t->flags,
		.cpu = t->cpu,
		.period_ns = ktime_to_ns(t->period),
		.seq = t->seq,
		.slack_ns = t->slack,
	};

	raw_spin_lock_irq(&ctx->ring.lock);
	info->expirations = t->expirations;
	info->events = t->events;
	info->pending = timerx_timer_pending(t);
	info->last_cpu = t->last_cpu;
	*fires = t->fires;
	/* Parked, it waits for the consumer; to the user it is armed. */
	armed = t->parked;
	next = t->resume;
	raw_spin_unlock_irq(&ctx->ring.lock);

	/* A one-shot timer leaves its queue in the pass that writes its event. */
	if (!armed)
		armed = timerx_queue_next(t->q, t, &next);
	info->state = armed ? TIMERX_TIMER_ARMED : TIMERX_TIMER_IDLE;
	info->next_expiry_ns = armed ? ktime_to_ns(next) : 0;
}

/* The context is going away: no command can run; the control plane waits. */
void timerx_timers_release(struct timerx_ctx *ctx)
{
	struct timerx_timer *t;
	u64 rate = 0;
	u32 id;

	timerx_queues_stop(ctx);
	for (id = 0; id < ctx->timers_cap; id++) {
		t = ctx->timers[id];
		if (!(id & 1023))
			cond_resched();
		if (!t)
			continue;
		timerx_ring_forget(&ctx->ring, t);
		rate += t->rate;
		timerx_timer_free(t);
	}
	timerx_queues_free(ctx);
	kvfree(ctx->timers);
	ctx->timers = NULL;
	ctx->timers_cap = 0;
	ida_destroy(&ctx->timer_ids);
	timerx_user_uncharge_rate(ctx->user, rate);
	timerx_user_uncharge_timers(ctx->user, ctx->nr_timers);
	timerx_stats_timers_add(-(int)ctx->nr_timers);
	ctx->nr_timers = 0;
}

u64 timerx_timer_elapsed(struct timerx_timer *t, ktime_t *first, ktime_t *now)
{
	u64 n;

	lockdep_assert_held(&t->ctx->ring.lock);

	*first = t->resume;
	*now = timerx_clock_now(t->clockid);
	if (ktime_before(*now, t->resume))
		return 0;
	n = div64_u64(ktime_to_ns(ktime_sub(*now, t->resume)),
		      ktime_to_ns(t->period)) + 1;
	t->resume = timerx_periods_after(t->resume, t->period, n);
	return n;
}

unsigned int timerx_ctx_flush(struct timerx_ctx *ctx)
{
	struct timerx_timer *t, *tmp;
	LIST_HEAD(resume);
	unsigned int n;

	lockdep_assert_held(&ctx->lock);

	n = timerx_ring_flush(&ctx->ring, &resume);
	list_for_each_entry_safe(t, tmp, &resume, resume_node) {
		list_del_init(&t->resume_node);
		/* Its CPU went offline: any CPU beats losing the timer. */
		timerx_queue_add(t->q, t, t->resume, true);
	}
	return n;
}
