/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_USER_H
#define _TIMERX_USER_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/*
 * What one uid holds through timerx, in every context it opened: the
 * per-user limits (max_contexts_per_user, max_timers_per_user,
 * max_user_rate) are checked against these. Everything a context creates
 * is counted against the uid that opened it, whoever issues the command,
 * so passing the descriptor on does not launder a limit. A charge that a
 * capability exempts from the limit is still counted, so that uncharging
 * is symmetric and the counts are true.
 */
struct timerx_user {
	struct hlist_node node;		/* in the table, under its mutex */
	kuid_t uid;
	refcount_t ref;			/* one per context */
	atomic_t contexts;
	atomic_t timers;
	atomic64_t rate;		/* expirations/s of armed periodic timers */
};

struct timerx_user *timerx_user_get(kuid_t uid);
void timerx_user_put(struct timerx_user *u);

int timerx_user_charge_context(struct timerx_user *u);
void timerx_user_uncharge_context(struct timerx_user *u);
int timerx_user_charge_timer(struct timerx_user *u);
void timerx_user_uncharge_timers(struct timerx_user *u, unsigned int n);
int timerx_user_charge_rate(struct timerx_user *u, u64 rate);
void timerx_user_uncharge_rate(struct timerx_user *u, u64 rate);

/* Expirations per second of a timer of @period_ns (0: one-shot, none). */
u64 timerx_rate_of(u64 period_ns);

#endif /* _TIMERX_USER_H */
