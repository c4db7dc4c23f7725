// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user accounting: how many contexts and timers each uid holds, and
 * the expiration rate its armed periodic timers add up to. The kernel's
 * own per-user counters (ucounts, user_struct) have no room for a
 * module's, so the entries live in a small hash table of our own, looked
 * up only when a context is opened or freed; commands reach the entry
 * through their context.
 */

#include <linux/capability.h>
#include <linux/hashtable.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/time64.h>

#include "params.h"
#include "user.h"

static DEFINE_MUTEX(timerx_users_mutex);
static DEFINE_HASHTABLE(timerx_users, 6);

struct timerx_user *timerx_user_get(kuid_t uid)
{
	u32 key = from_kuid(&init_user_ns, uid);
	struct timerx_user *u, *fresh;

	/* Allocated outside the mutex; usually the entry exists already. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);

	mutex_lock(&timerx_users_mutex);
	hash_for_each_possible(timerx_users, u, node, key) {
		if (uid_eq(u->uid, uid)) {
			refcount_inc(&u->ref);
			goto out;
		}
	}
	u = fresh;
	fresh = NULL;
	if (u) {
		u->uid = uid;
		refcount_set(&u->ref, 1);
		hash_add(timerx_users, &u->node, key);
	}
out:
	mutex_unlock(&timerx_users_mutex);
	kfree(fresh);
	return u;
}

void timerx_user_put(struct timerx_user *u)
{
	if (!refcount_dec_and_mutex_lock(&u->ref, &timerx_users_mutex))
		return;
	hash_del(&u->node);
	mutex_unlock(&timerx_users_mutex);
	WARN_ON_ONCE(atomic_read(&u->contexts) || atomic_read(&u->timers) ||
		     atomic64_read(&u->rate));
	kfree(u);
}

/* Add one to @v unless that would pass @limit (unless @exempt). */
static bool timerx_inc_below(atomic_t *v, unsigned int limit, bool exempt)
{
	int cur = atomic_read(v);

	do {
		if (!exempt && (unsigned int)cur >= limit)
			return false;
	} while (!atomic_try_cmpxchg(v, &cur, cur + 1));
	return true;
}

/*
 * One more of a per-user count, unless that passes @limit and the caller
 * lacks CAP_SYS_RESOURCE, asked only then: no audit noise.
 */
static int timerx_user_charge_one(atomic_t *v, unsigned int limit, int err)
{
	if (timerx_inc_below(v, limit, false) ||
	    timerx_inc_below(v, limit, capable(CAP_SYS_RESOURCE)))
		return 0;
	return err;
}

int timerx_user_charge_context(struct timerx_user *u)
{
	return timerx_user_charge_one(&u->contexts,
				      READ_ONCE(timerx_max_contexts_per_user),
				      -EMFILE);
}

void timerx_user_uncharge_context(struct timerx_user *u)
{
	atomic_dec(&u->contexts);
}

int timerx_user_charge_timer(struct timerx_user *u)
{
	return timerx_user_charge_one(&u->timers,
				      READ_ONCE(timerx_max_timers_per_user),
				      -ENOSPC);
}

void timerx_user_uncharge_timers(struct timerx_user *u, unsigned int n)
{
	atomic_sub(n, &u->timers);
}

u64 timerx_rate_of(u64 period_ns)
{
	return period_ns ? div64_u64(NSEC_PER_SEC + period_ns - 1, period_ns) : 0;
}

static bool timerx_add_rate_below(atomic64_t *v, u64 add, u64 limit,
				  bool exempt)
{
	s64 cur = atomic64_read(v);

	do {
		if (!exempt && (u64)cur + add > limit)
			return false;
	} while (!atomic64_try_cmpxchg(v, &cur, cur + add));
	return true;
}

int timerx_user_charge_rate(struct timerx_user *u, u64 rate)
{
	u64 limit = READ_ONCE(timerx_max_user_rate);

	if (!rate)
		return 0;
	if (timerx_add_rate_below(&u->rate, rate, limit, false) ||
	    timerx_add_rate_below(&u->rate, rate, limit, capable(CAP_SYS_NICE)))
		return 0;
	return -EDQUOT;
}

void timerx_user_uncharge_rate(struct timerx_user *u, u64 rate)
{
	atomic64_sub(rate, &u->rate);
}
