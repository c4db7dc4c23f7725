// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane: generic netlink family "timerx". The attribute tree,
 * the visibility rules and the histogram layout are documented in the UAPI
 * header.
 *
 * Every operation has its own strict policy. Handlers reach contexts only
 * through the registry, under its mutex, and a context's timers under the
 * context's mutex. Dumps keep their position (context id, timer id) in
 * cb->ctx and resume from it. Each dump call runs under those locks, so
 * only what changes between calls can make a dump inconsistent: contexts
 * opened or closed (the registry's generation), or timers created or
 * deleted in the context a dump stopped in the middle of (that context's
 * generation). Either bumps the dump's own sequence number in cb->seq,
 * and the core marks the following messages with NLM_F_DUMP_INTR. Churn
 * in other contexts does not interrupt a dump.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "context.h"
#include "hist.h"
#include "netlink.h"
#include "params.h"
#include "registry.h"
#include "stats.h"
#include "timer.h"

static struct genl_family timerx_nl_family;

enum timerx_nl_mcgrp {
	TIMERX_NL_MCGRP_MONITOR,
};

/* A context or timer message with a full histogram fits in this. */
static size_t timerx_nl_msg_size(void)
{
	return nla_total_size_64bit(TIMERX_HIST_BUCKETS *
				    sizeof(struct timerx_hist_bucket)) + 1024;
}

/*
 * Who is asking: reading is open to all, but the scope differs. As for
 * netlink_capable() (CVE-2014-0181), a request written to a socket
 * without an explicit destination is held to what the socket's opener
 * may see as well as the sender: a socket handed to a privileged process
 * as its stdout gains nothing. A context is seen in the network namespace
 * it was opened in, except by an administrator of the initial namespaces.
 */
struct timerx_nl_party {
	kuid_t euid;
	bool admin;		/* CAP_SYS_ADMIN in init_user_ns */
};

struct timerx_nl_viewer {
	struct timerx_nl_party sender;
	struct timerx_nl_party opener;
	bool all_netns;		/* both admin, asking from init_net */
	u64 net_cookie;
};

static void timerx_nl_viewer_init(struct timerx_nl_viewer *v,
				  struct sk_buff *skb)
{
	struct sock *sk = NETLINK_CB(skb).sk;
	const struct file *file = sk->sk_socket ? sk->sk_socket->file : NULL;
	struct net *net = sock_net(sk);

	v->sender.euid = current_euid();
	/* No audit record for every unprivileged "timerctl list". */
	v->sender.admin = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
	if ((NETLINK_CB(skb).flags & NETLINK_SKB_DST) ||
	    (file && file->f_cred == current_cred())) {
		v->opener = v->sender;
	} else if (file) {
		v->opener.euid = file->f_cred->euid;
		v->opener.admin = file_ns_capable(file, &init_user_ns,
						  CAP_SYS_ADMIN);
	} else {
		v->opener = (struct timerx_nl_party) { .euid = INVALID_UID };
	}
	v->all_netns = v->sender.admin && v->opener.admin &&
		       net_eq(net, &init_net);
	v->net_cookie = net->net_cookie;
}

static bool timerx_nl_party_may_see(const struct timerx_nl_party *p,
				    const struct timerx_ctx *ctx)
{
	return p->admin || uid_eq(ctx->owner_uid, p->euid);
}

static bool timerx_nl_may_see(const struct timerx_nl_viewer *v,
			      const struct timerx_ctx *ctx)
{
	if (v->all_netns)
		return true;
	return ctx->net_cookie == v->net_cookie &&
	       timerx_nl_party_may_see(&v->sender, ctx) &&
	       timerx_nl_party_may_see(&v->opener, ctx);
}

static int timerx_nl_put_u64(struct sk_buff *skb, int type, u64 value)
{
	return nla_put_u64_64bit(skb, type, value, TIMERX_NL_A_PAD);
}

static int timerx_nl_put_hist(struct sk_buff *skb,
			      const struct timerx_hist_snap *s)
{
	struct timerx_hist_bucket *b;
	struct nlattr *nest, *arr;
	unsigned int i, n = 0;

	nest = nla_nest_start(skb, TIMERX_NL_A_LATENESS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, TIMERX_NL_HIST_A_COUNT, s->count,
			      TIMERX_NL_HIST_A_PAD) ||
	    nla_put_u64_64bit(skb, TIMERX_NL_HIST_A_SUM_NS, s->sum,
			      TIMERX_NL_HIST_A_PAD) ||
	    nla_put_u32(skb, TIMERX_NL_HIST_A_SUB_BITS, TIMERX_HIST_SUB_BITS) ||
	    nla_put_u32(skb, TIMERX_NL_HIST_A_NR_BUCKETS, TIMERX_HIST_BUCKETS))
		goto cancel;
	/* min is U64_MAX until the first sample has been seen. */
	if (s->count && s->min <= s->max &&
	    (nla_put_u64_64bit(skb, TIMERX_NL_HIST_A_MIN_NS, s->min,
			       TIMERX_NL_HIST_A_PAD) ||
	     nla_put_u64_64bit(skb, TIMERX_NL_HIST_A_MAX_NS, s->max,
			       TIMERX_NL_HIST_A_PAD)))
		goto cancel;

	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		n += !!s->buckets[i];
	arr = nla_reserve_64bit(skb, TIMERX_NL_HIST_A_BUCKETS, n * sizeof(*b),
				TIMERX_NL_HIST_A_PAD);
	if (!arr)
		goto cancel;
	b = nla_data(arr);
	for (i = 0; i < TIMERX_HIST_BUCKETS; i++) {
		if (s->buckets[i])
			*b++ = (struct timerx_hist_bucket) {
				.index = i,
				.count = s->buckets[i],
			};
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Under ctx->lock. */
static int timerx_nl_fill_ctx(struct sk_buff *skb, struct timerx_ctx *ctx,
			      u32 portid, u32 seq, int flags,
			      struct netlink_callback *cb,
			      struct timerx_hist_snap *snap)
{
	struct timerx_ring_stats st;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &timerx_nl_family, flags,
			  TIMERX_NL_CMD_CTX_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	timerx_ring_stats(&ctx->ring, &st);
	timerx_hist_snap_init(snap);
	timerx_hist_snap_add_shared(snap, &ctx->lateness);

	if (nla_put_u32(skb, TIMERX_NL_A_CTX_ID, ctx->id) ||
	    nla_put_u32(skb, TIMERX_NL_A_OWNER_PID,
			pid_nr_ns(ctx->owner_pid, task_active_pid_ns(current))) ||
	    nla_put_u32(skb, TIMERX_NL_A_OWNER_UID,
			from_kuid_munged(current_user_ns(), ctx->owner_uid)) ||
	    nla_put_string(skb, TIMERX_NL_A_OWNER_COMM, ctx->owner_comm) ||
	    nla_put_u32(skb, TIMERX_NL_A_TIMERS, ctx->nr_timers) ||
	    nla_put_u32(skb, TIMERX_NL_A_RING_ENTRIES, st.entries) ||
	    nla_put_u32(skb, TIMERX_NL_A_RING_USED, st.used) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_EVENTS, st.events) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_EXPIRATIONS, st.expirations) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_RING_FULL, st.ring_full) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_WAKEUPS, st.wakeups) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_PENDING, st.pending) ||
	    timerx_nl_put_hist(skb, snap))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Under ctx->lock. */
static int timerx_nl_fill_timer(struct sk_buff *skb, struct timerx_ctx *ctx,
				struct timerx_timer *t, u32 portid, u32 seq,
				int flags, struct netlink_callback *cb,
				struct timerx_hist_snap *snap)
{
	struct timerx_timer_info info;
	void *hdr;
	u64 fires;

	hdr = genlmsg_put(skb, portid, seq, &timerx_nl_family, flags,
			  TIMERX_NL_CMD_TIMER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	timerx_timer_describe(ctx, t, &info, &fires);

	if (nla_put_u32(skb, TIMERX_NL_A_CTX_ID, ctx->id) ||
	    nla_put_u32(skb, TIMERX_NL_A_TIMER_ID, info.timer_id) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_USER_DATA, info.user_data) ||
	    nla_put_u32(skb, TIMERX_NL_A_CLOCKID, info.clockid) ||
	    nla_put_u32(skb, TIMERX_NL_A_FLAGS, info.create_flags) ||
	    ((info.create_flags & TIMERX_CREATE_F_PINNED) &&
	     nla_put_u32(skb, TIMERX_NL_A_CPU, info.cpu)) ||
	    nla_put_s32(skb, TIMERX_NL_A_LAST_CPU, info.last_cpu) ||
	    nla_put_u32(skb, TIMERX_NL_A_STATE, info.state) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_PERIOD_NS, info.period_ns) ||
	    (info.state == TIMERX_TIMER_ARMED &&
	     nla_put_s64(skb, TIMERX_NL_A_NEXT_EXPIRY_NS, info.next_expiry_ns,
			 TIMERX_NL_A_PAD)) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_FIRES, fires) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_EXPIRATIONS, info.expirations) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_OVERRUNS,
			      info.expirations - fires) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_EVENTS, info.events) ||
	    timerx_nl_put_u64(skb, TIMERX_NL_A_PENDING, info.pending) ||
	    nla_put_u32(skb, TIMERX_NL_A_SEQ, info.seq) ||
	    nla_put_u32(skb, TIMERX_NL_A_SLACK_NS, info.slack_ns))
		goto cancel;
	if (t->lateness) {
		timerx_hist_snap_init(snap);
		timerx_hist_snap_add(snap, t->lateness);
		if (timerx_nl_put_hist(skb, snap))
			goto cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Under the registry lock: a context the caller may see, or NULL. */
static struct timerx_ctx *timerx_nl_find_ctx(const struct timerx_nl_viewer *v,
					     struct nlattr *attr,
					     struct netlink_ext_ack *extack)
{
	struct timerx_ctx *ctx = timerx_registry_find(nla_get_u32(attr));

	if (ctx && timerx_nl_may_see(v, ctx))
		return ctx;
	NL_SET_ERR_MSG_ATTR(extack, attr, "no such context");
	return NULL;
}

struct timerx_nl_reply {
	struct sk_buff *msg;
	struct timerx_hist_snap *snap;
};

static int timerx_nl_reply_alloc(struct timerx_nl_reply *r)
{
	r->msg = genlmsg_new(timerx_nl_msg_size(), GFP_KERNEL);
	r->snap = kmalloc(sizeof(*r->snap), GFP_KERNEL_ACCOUNT);
	return r->msg && r->snap ? 0 : -ENOMEM;
}

/* Sends the reply if @ret is 0; frees everything in any case. */
static int timerx_nl_reply_end(struct timerx_nl_reply *r,
			       struct genl_info *info, int ret)
{
	kfree(r->snap);
	if (ret) {
		nlmsg_free(r->msg);
		return ret;
	}
	return genlmsg_reply(r->msg, info);
}

static int timerx_nl_ctx_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct timerx_nl_viewer v;
	struct timerx_nl_reply r;
	struct timerx_ctx *ctx;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, TIMERX_NL_A_CTX_ID))
		return -EINVAL;
	timerx_nl_viewer_init(&v, skb);
	ret = timerx_nl_reply_alloc(&r);
	if (ret)
		return timerx_nl_reply_end(&r, info, ret);

	timerx_registry_lock();
	ctx = timerx_nl_find_ctx(&v, info->attrs[TIMERX_NL_A_CTX_ID],
				 info->extack);
	ret = -ENOENT;
	if (ctx) {
		mutex_lock(&ctx->lock);
		ret = timerx_nl_fill_ctx(r.msg, ctx, info->snd_portid,
					 info->snd_seq, 0, NULL, r.snap);
		mutex_unlock(&ctx->lock);
	}
	timerx_registry_unlock();
	return timerx_nl_reply_end(&r, info, ret);
}

static int timerx_nl_timer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct timerx_nl_viewer v;
	struct timerx_nl_reply r;
	struct timerx_timer *t;
	struct timerx_ctx *ctx;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, TIMERX_NL_A_CTX_ID) ||
	    GENL_REQ_ATTR_CHECK(info, TIMERX_NL_A_TIMER_ID))
		return -EINVAL;
	timerx_nl_viewer_init(&v, skb);
	ret = timerx_nl_reply_alloc(&r);
	if (ret)
		return timerx_nl_reply_end(&r, info, ret);

	timerx_registry_lock();
	ctx = timerx_nl_find_ctx(&v, info->attrs[TIMERX_NL_A_CTX_ID],
				 info->extack);
	ret = -ENOENT;
	if (ctx) {
		mutex_lock(&ctx->lock);
		t = timerx_timer_find(ctx,
				      nla_get_u32(info->attrs[TIMERX_NL_A_TIMER_ID]));
		if (t)
			ret = timerx_nl_fill_timer(r.msg, ctx, t,
						   info->snd_portid,
						   info->snd_seq, 0, NULL,
						   r.snap);
		else
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[TIMERX_NL_A_TIMER_ID],
					    "no such timer");
		mutex_unlock(&ctx->lock);
	}
	timerx_registry_unlock();
	return timerx_nl_reply_end(&r, info, ret);
}

/* What a dump keeps beside cb->ctx, which is too small for it. */
struct timerx_nl_dump_ext {
	struct timerx_nl_viewer viewer;
	struct timerx_hist_snap snap;
};

/* Dump position and scope, kept in cb->ctx between messages. */
struct timerx_nl_dump {
	struct timerx_nl_dump_ext *ext;
	unsigned long ctx_id;		/* next context to visit */
	unsigned long timer_id;		/* next timer in it; 0: from the start */
	u32 filter;			/* only this context, if not 0 */
	u32 seq;			/* cb->seq: bumped on a relevant change */
	u32 registry_gen;		/* timerx_generation() at the last call */
	u32 ctx_gen;			/* ctx_id's generation, if timer_id != 0 */
};

static struct timerx_nl_dump *timerx_nl_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct timerx_nl_dump) > sizeof(cb->ctx));
	return (struct timerx_nl_dump *)cb->ctx;
}

static int timerx_nl_dump_start(struct netlink_callback *cb)
{
	struct timerx_nl_dump *d = timerx_nl_dump_state(cb);
	struct nlattr **attrs = timerx_genl_dump_attrs(cb);
	struct nlattr *filter = attrs ? attrs[TIMERX_NL_A_CTX_ID] : NULL;
	int ret = 0;

	d->ext = kmalloc(sizeof(*d->ext), GFP_KERNEL_ACCOUNT);
	if (!d->ext)
		return -ENOMEM;
	timerx_nl_viewer_init(&d->ext->viewer, cb->skb);
	if (filter) {
		timerx_registry_lock();
		if (!timerx_nl_find_ctx(&d->ext->viewer, filter, cb->extack))
			ret = -ENOENT;
		timerx_registry_unlock();
		if (ret) {
			/* .done does not run when .start fails. */
			kfree(d->ext);
			d->ext = NULL;
			return ret;
		}
		d->filter = nla_get_u32(filter);
		d->ctx_id = d->filter;
	}
	/* Not 0: that turns the core's consistency check off. */
	d->seq = 1;
	d->registry_gen = timerx_generation();
	/* The first buffer must hold a message with a full histogram. */
	cb->min_dump_alloc = timerx_nl_msg_size();
	return 0;
}

static int timerx_nl_dump_done(struct netlink_callback *cb)
{
	kfree(timerx_nl_dump_state(cb)->ext);
	return 0;
}

/* Under the registry lock, at the start of each dump call. */
static void timerx_nl_dump_check_registry(struct timerx_nl_dump *d,
					  struct netlink_callback *cb)
{
	u32 gen = timerx_generation();

	if (gen != d->registry_gen) {
		d->registry_gen = gen;
		d->seq++;
	}
	cb->seq = d->seq;
}

/* A full buffer continues in the next message; an empty one cannot. */
static int timerx_nl_dump_result(struct sk_buff *skb, int ret)
{
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

static int timerx_nl_ctx_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct timerx_nl_dump *d = timerx_nl_dump_state(cb);
	struct timerx_ctx *ctx;
	int ret = 0;

	timerx_registry_lock();
	timerx_nl_dump_check_registry(d, cb);
	for (; (ctx = timerx_registry_next(&d->ctx_id)); d->ctx_id++) {
		if (d->filter && ctx->id != d->filter)
			break;
		if (!timerx_nl_may_see(&d->ext->viewer, ctx))
			continue;
		mutex_lock(&ctx->lock);
		ret = timerx_nl_fill_ctx(skb, ctx, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI, cb,
					 &d->ext->snap);
		mutex_unlock(&ctx->lock);
		if (ret)
			break;
	}
	timerx_registry_unlock();
	return timerx_nl_dump_result(skb, ret);
}

/* Under the registry lock: the next context to dump timers of, or NULL. */
static struct timerx_ctx *timerx_nl_timer_dump_ctx(struct timerx_nl_dump *d)
{
	unsigned long want = d->ctx_id;
	struct timerx_ctx *ctx = timerx_registry_next(&d->ctx_id);

	/* The context this dump stopped in is gone: start the next one. */
	if (d->ctx_id != want)
		d->timer_id = 0;
	if (ctx && d->filter && ctx->id != d->filter)
		return NULL;
	return ctx;
}

static int timerx_nl_timer_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct timerx_nl_dump *d = timerx_nl_dump_state(cb);
	struct timerx_timer *t;
	struct timerx_ctx *ctx;
	int ret = 0;

	timerx_registry_lock();
	timerx_nl_dump_check_registry(d, cb);
	for (; (ctx = timerx_nl_timer_dump_ctx(d));
	     d->ctx_id++, d->timer_id = 0) {
		if (!timerx_nl_may_see(&d->ext->viewer, ctx))
			continue;
		mutex_lock(&ctx->lock);
		/* Resuming inside this context: did its timers change? */
		if (d->timer_id && ctx->generation != d->ctx_gen)
			cb->seq = ++d->seq;
		for (t = timerx_timer_next(ctx, d->timer_id); t;
		     t = timerx_timer_next(ctx, t->id + 1)) {
			d->timer_id = t->id;
			ret = timerx_nl_fill_timer(skb, ctx, t,
						   NETLINK_CB(cb->skb).portid,
						   cb->nlh->nlmsg_seq,
						   NLM_F_MULTI, cb, &d->ext->snap);
			if (ret)
				break;
		}
		d->ctx_gen = ctx->generation;
		mutex_unlock(&ctx->lock);
		if (ret)
			break;
	}
	timerx_registry_unlock();
	return timerx_nl_dump_result(skb, ret);
}

static int timerx_nl_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct timerx_totals *tot;
	struct sk_buff *msg;
	void *hdr;
	int ret = -ENOMEM;

	tot = kmalloc(sizeof(*tot), GFP_KERNEL_ACCOUNT);
	msg = genlmsg_new(timerx_nl_msg_size(), GFP_KERNEL);
	if (!tot || !msg)
		goto err;

	/* Kept totals: no walk over the contexts, no lock open() needs. */
	timerx_stats_totals(tot);

	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &timerx_nl_family, 0,
				TIMERX_NL_CMD_STATS_GET);
	if (!hdr ||
	    nla_put_u32(msg, TIMERX_NL_A_API_VERSION, TIMERX_API_VERSION) ||
	    nla_put_string(msg, TIMERX_NL_A_MODULE_VERSION, TIMERX_VERSION) ||
	    nla_put_u32(msg, TIMERX_NL_A_CONTEXTS, tot->contexts) ||
	    nla_put_u32(msg, TIMERX_NL_A_TIMERS, tot->timers) ||
	    timerx_nl_put_u64(msg, TIMERX_NL_A_FIRES, tot->fires) ||
	    timerx_nl_put_u64(msg, TIMERX_NL_A_EXPIRATIONS, tot->expirations) ||
	    timerx_nl_put_u64(msg, TIMERX_NL_A_EVENTS, tot->events) ||
	    timerx_nl_put_u64(msg, TIMERX_NL_A_RING_FULL, tot->ring_full) ||
	    timerx_nl_put_hist(msg, &tot->lateness))
		goto err;
	genlmsg_end(msg, hdr);
	kfree(tot);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	kfree(tot);
	return ret;
}

static int timerx_nl_put_config(struct sk_buff *msg)
{
	struct nlattr *nest = nla_nest_start(msg, TIMERX_NL_A_CONFIG);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX,
			READ_ONCE(timerx_max_timers_per_ctx)) ||
	    nla_put_u32(msg, TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES,
			READ_ONCE(timerx_max_ring_entries)) ||
	    nla_put_u64_64bit(msg, TIMERX_NL_CONFIG_A_MIN_PERIOD_NS,
			      READ_ONCE(timerx_min_period_ns),
			      TIMERX_NL_CONFIG_A_PAD) ||
	    nla_put_u8(msg, TIMERX_NL_CONFIG_A_HISTOGRAMS,
		       READ_ONCE(timerx_histograms)) ||
	    nla_put_u64_64bit(msg, TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS,
			      READ_ONCE(timerx_alarm_lateness_ns),
			      TIMERX_NL_CONFIG_A_PAD) ||
	    nla_put_u32(msg, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,
			READ_ONCE(timerx_alarm_interval_ms)) ||
	    nla_put_u32(msg, TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER,
			READ_ONCE(timerx_max_contexts_per_user)) ||
	    nla_put_u32(msg, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER,
			READ_ONCE(timerx_max_timers_per_user)) ||
	    nla_put_u64_64bit(msg, TIMERX_NL_CONFIG_A_MAX_USER_RATE,
			      READ_ONCE(timerx_max_user_rate),
			      TIMERX_NL_CONFIG_A_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int timerx_nl_config_reply(struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &timerx_nl_family, 0, cmd);
	if (!hdr || timerx_nl_put_config(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int timerx_nl_config_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	return timerx_nl_config_reply(info, TIMERX_NL_CMD_CONFIG_GET);
}

/* Not const: 6.1's struct nla_policy points at a mutable range. */
static struct netlink_range_validation timerx_nl_max_timers_range = {
	.min = TIMERX_MAX_TIMERS_MIN,
	.max = TIMERX_MAX_TIMERS_MAX,
};

static struct netlink_range_validation timerx_nl_max_ring_range = {
	.min = TIMERX_MAX_RING_MIN,
	.max = TIMERX_MAX_RING_MAX,
};

static struct netlink_range_validation timerx_nl_min_period_range = {
	.max = TIMERX_MIN_PERIOD_MAX,
};

static struct netlink_range_validation timerx_nl_alarm_lateness_range = {
	.max = TIMERX_ALARM_LATENESS_MAX,
};

static struct netlink_range_validation timerx_nl_alarm_interval_range = {
	.min = TIMERX_ALARM_INTERVAL_MIN,
	.max = TIMERX_ALARM_INTERVAL_MAX,
};

static struct netlink_range_validation timerx_nl_max_contexts_user_range = {
	.min = TIMERX_MAX_CONTEXTS_USER_MIN,
	.max = TIMERX_MAX_CONTEXTS_USER_MAX,
};

static struct netlink_range_validation timerx_nl_max_timers_user_range = {
	.min = TIMERX_MAX_TIMERS_USER_MIN,
	.max = TIMERX_MAX_TIMERS_USER_MAX,
};

static struct netlink_range_validation timerx_nl_max_user_rate_range = {
	.min = TIMERX_MAX_USER_RATE_MIN,
	.max = TIMERX_MAX_USER_RATE_MAX,
};

static const struct nla_policy
timerx_nl_config_policy[TIMERX_NL_CONFIG_A_MAX + 1] = {
	[TIMERX_NL_CONFIG_A_PAD] = { .type = NLA_REJECT },
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timerx_nl_max_timers_range),
	[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timerx_nl_max_ring_range),
	[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &timerx_nl_min_period_range),
	[TIMERX_NL_CONFIG_A_HISTOGRAMS] = NLA_POLICY_MAX(NLA_U8, 1),
	[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &timerx_nl_alarm_lateness_range),
	[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timerx_nl_alarm_interval_range),
	[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER] =
		NLA_POLICY_FULL_RANGE(NLA_U32,
				      &timerx_nl_max_contexts_user_range),
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timerx_nl_max_timers_user_range),
	[TIMERX_NL_CONFIG_A_MAX_USER_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U64, &timerx_nl_max_user_rate_range),
};

static int timerx_nl_config_set_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *tb[TIMERX_NL_CONFIG_A_MAX + 1];
	struct nlattr *a;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "CAP_SYS_ADMIN in the initial user namespace required");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, TIMERX_NL_A_CONFIG))
		return -EINVAL;
	ret = nla_parse_nested(tb, TIMERX_NL_CONFIG_A_MAX,
			       info->attrs[TIMERX_NL_A_CONFIG],
			       timerx_nl_config_policy, info->extack);
	if (ret)
		return ret;

	/* Check everything before changing anything. */
	a = tb[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES];
	if (a && !timerx_max_ring_entries_valid(nla_get_u32(a))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "not a power of two");
		return -EINVAL;
	}

	a = tb[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX];
	if (a)
		WRITE_ONCE(timerx_max_timers_per_ctx, nla_get_u32(a));
	a = tb[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES];
	if (a)
		WRITE_ONCE(timerx_max_ring_entries, nla_get_u32(a));
	a = tb[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS];
	if (a)
		WRITE_ONCE(timerx_min_period_ns, nla_get_u64(a));
	a = tb[TIMERX_NL_CONFIG_A_HISTOGRAMS];
	if (a)
		WRITE_ONCE(timerx_histograms, nla_get_u8(a));
	a = tb[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS];
	if (a)
		WRITE_ONCE(timerx_alarm_lateness_ns, nla_get_u64(a));
	a = tb[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS];
	if (a)
		WRITE_ONCE(timerx_alarm_interval_ms, nla_get_u32(a));
	a = tb[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER];
	if (a)
		WRITE_ONCE(timerx_max_contexts_per_user, nla_get_u32(a));
	a = tb[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER];
	if (a)
		WRITE_ONCE(timerx_max_timers_per_user, nla_get_u32(a));
	a = tb[TIMERX_NL_CONFIG_A_MAX_USER_RATE];
	if (a)
		WRITE_ONCE(timerx_max_user_rate, nla_get_u64(a));

	return timerx_nl_config_reply(info, TIMERX_NL_CMD_CONFIG_SET);
}

/* Requests without attributes: anything sent is rejected. */
static const struct nla_policy timerx_nl_none_policy[TIMERX_NL_A_PAD + 1] = {
	[TIMERX_NL_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy timerx_nl_ctx_policy[TIMERX_NL_A_CTX_ID + 1] = {
	[TIMERX_NL_A_PAD] = { .type = NLA_REJECT },
	[TIMERX_NL_A_CTX_ID] = { .type = NLA_U32 },
};

static const struct nla_policy
timerx_nl_timer_policy[TIMERX_NL_A_TIMER_ID + 1] = {
	[TIMERX_NL_A_PAD] = { .type = NLA_REJECT },
	[TIMERX_NL_A_CTX_ID] = { .type = NLA_U32 },
	[TIMERX_NL_A_TIMER_ID] = { .type = NLA_U32 },
};

static const struct nla_policy
timerx_nl_config_set_policy[TIMERX_NL_A_CONFIG + 1] = {
	[TIMERX_NL_A_PAD] = { .type = NLA_REJECT },
	[TIMERX_NL_A_CONFIG] = NLA_POLICY_NESTED(timerx_nl_config_policy),
};

static const struct genl_ops timerx_nl_ops[] = {
	{
		.cmd = TIMERX_NL_CMD_CTX_GET,
		.doit = timerx_nl_ctx_get_doit,
		.start = timerx_nl_dump_start,
		.dumpit = timerx_nl_ctx_dumpit,
		.done = timerx_nl_dump_done,
		.policy = timerx_nl_ctx_policy,
		.maxattr = TIMERX_NL_A_CTX_ID,
	},
	{
		.cmd = TIMERX_NL_CMD_TIMER_GET,
		.doit = timerx_nl_timer_get_doit,
		.start = timerx_nl_dump_start,
		.dumpit = timerx_nl_timer_dumpit,
		.done = timerx_nl_dump_done,
		.policy = timerx_nl_timer_policy,
		.maxattr = TIMERX_NL_A_TIMER_ID,
	},
	{
		.cmd = TIMERX_NL_CMD_STATS_GET,
		.doit = timerx_nl_stats_doit,
		.policy = timerx_nl_none_policy,
		.maxattr = TIMERX_NL_A_PAD,
	},
	{
		.cmd = TIMERX_NL_CMD_CONFIG_GET,
		.doit = timerx_nl_config_get_doit,
		.policy = timerx_nl_none_policy,
		.maxattr = TIMERX_NL_A_PAD,
	},
	{
		.cmd = TIMERX_NL_CMD_CONFIG_SET,
		.doit = timerx_nl_config_set_doit,
		.policy = timerx_nl_config_set_policy,
		.maxattr = TIMERX_NL_A_CONFIG,
	},
};

static const struct genl_multicast_group timerx_nl_mcgrps[] = {
	[TIMERX_NL_MCGRP_MONITOR] = {
		.name = TIMERX_GENL_MCGRP_MONITOR,
		/* Notifications name other users' processes. */
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static struct genl_family timerx_nl_family = {
	.name = TIMERX_GENL_NAME,
	.version = TIMERX_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = timerx_nl_ops,
	.n_ops = ARRAY_SIZE(timerx_nl_ops),
	/* Strict validation, reserved header bytes included, for all. */
	.resv_start_op = TIMERX_NL_CMD_UNSPEC,
	.mcgrps = timerx_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(timerx_nl_mcgrps),
};

/*
 * A notification about @ctx with its id and owner uid, or NULL when
 * nobody listens (or memory is short: notifications are best effort, as
 * for every netlink multicast).
 */
static struct sk_buff *timerx_nl_notify_new(struct timerx_ctx *ctx, u8 cmd,
					    void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&timerx_nl_family, &init_net,
				TIMERX_NL_MCGRP_MONITOR))
		return NULL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &timerx_nl_family, 0, cmd);
	if (!*hdr || nla_put_u32(msg, TIMERX_NL_A_CTX_ID, ctx->id) ||
	    nla_put_u32(msg, TIMERX_NL_A_OWNER_UID,
			from_kuid_munged(&init_user_ns, ctx->owner_uid))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void timerx_nl_notify_send(struct sk_buff *msg, void *hdr, bool ok)
{
	if (!ok) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&timerx_nl_family, msg, 0, TIMERX_NL_MCGRP_MONITOR,
			  GFP_KERNEL);
}

void timerx_nl_notify_ctx(struct timerx_ctx *ctx, enum timerx_nl_cmd cmd)
{
	struct timerx_ring_stats st;
	struct sk_buff *msg;
	bool ok;
	void *hdr;

	msg = timerx_nl_notify_new(ctx, cmd, &hdr);
	if (!msg)
		return;
	if (cmd == TIMERX_NL_CMD_CTX_NEW) {
		ok = !nla_put_u32(msg, TIMERX_NL_A_OWNER_PID,
				  pid_nr(ctx->owner_pid)) &&
		     !nla_put_string(msg, TIMERX_NL_A_OWNER_COMM,
				     ctx->owner_comm);
	} else {
		timerx_ring_stats(&ctx->ring, &st);
		ok = !timerx_nl_put_u64(msg, TIMERX_NL_A_EVENTS, st.events) &&
		     !timerx_nl_put_u64(msg, TIMERX_NL_A_EXPIRATIONS,
					st.expirations) &&
		     !timerx_nl_put_u64(msg, TIMERX_NL_A_RING_FULL,
					st.ring_full);
	}
	timerx_nl_notify_send(msg, hdr, ok);
}

void timerx_nl_notify_alarm(struct timerx_ctx *ctx, u32 timer_id, u64 count,
			    u64 max_ns)
{
	struct sk_buff *msg;
	void *hdr;

	msg = timerx_nl_notify_new(ctx, TIMERX_NL_CMD_LATENESS_ALARM, &hdr);
	if (!msg)
		return;
	timerx_nl_notify_send(msg, hdr,
			      !nla_put_u32(msg, TIMERX_NL_A_TIMER_ID, timer_id) &&
			      !timerx_nl_put_u64(msg, TIMERX_NL_A_ALARM_COUNT,
						 count) &&
			      !timerx_nl_put_u64(msg, TIMERX_NL_A_ALARM_MAX_NS,
						 max_ns));
}

void timerx_nl_notify_overflow(struct timerx_ctx *ctx, u64 count)
{
	struct timerx_ring_stats st;
	struct sk_buff *msg;
	void *hdr;

	msg = timerx_nl_notify_new(ctx, TIMERX_NL_CMD_OVERFLOW, &hdr);
	if (!msg)
		return;
	timerx_ring_stats(&ctx->ring, &st);
	timerx_nl_notify_send(msg, hdr,
			      !timerx_nl_put_u64(msg, TIMERX_NL_A_RING_FULL,
						 st.ring_full) &&
			      !timerx_nl_put_u64(msg, TIMERX_NL_A_ALARM_COUNT,
						 count));
}

int timerx_nl_init(void)
{
	return genl_register_family(&timerx_nl_family);
}

void timerx_nl_exit(void)
{
	genl_unregister_family(&timerx_nl_family);
}
