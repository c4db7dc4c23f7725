// SPDX-License-Identifier: GPL-2.0
/*
 * The soak's netlink side: the dumper processes, which loop CTX_GET and
 * TIMER_GET dumps and STATS_GET while everything else churns, and the
 * TIMER_GET and STATS_GET requests the workers and the memory check make.
 *
 * What a dump must show, whatever runs meanwhile: it completes (NLMSG_DONE,
 * no error), every message parses against the header's attribute tree,
 * no timer has more events, pending or fires than expirations, a dump not
 * marked NLM_F_DUMP_INTR shows nobody with more contexts than
 * max_contexts_per_user, and the nobody dumper sees only nobody's
 * contexts.
 */
#include "soak.h"
#include "../netlink_util.h"

struct soak_nl {
	struct nlt n;
};

struct soak_nl *soak_nl_open(void)
{
	struct soak_nl *nl = calloc(1, sizeof(*nl));
	int ret;

	if (!nl)
		return NULL;
	ret = nlt_open(&nl->n);
	if (ret) {
		soak_fail(SC_NETLINK, "generic netlink family %s: %s", TIMERX_GENL_NAME,
			  strerror(-ret));
		nlt_close(&nl->n);
		free(nl);
		return NULL;
	}
	return nl;
}

void soak_nl_close(struct soak_nl *nl)
{
	nlt_close(&nl->n);
	free(nl);
}

int soak_nl_timer(struct soak_nl *nl, __u32 ctx_id, __u32 timer_id,
		  __u64 *expirations, __u64 *events, __u64 *pending)
{
	static struct nlt_one one;	/* large: not on the stack */
	struct nlt_reply r;
	int ret = nlt_do(&nl->n, TIMERX_NL_CMD_TIMER_GET, ctx_id, timer_id, &one, &r);

	if (ret)
		return ret;
	if (one.n != 1 || !nlt_has(&one.obj, TIMERX_NL_A_EXPIRATIONS) ||
	    !nlt_has(&one.obj, TIMERX_NL_A_EVENTS) || !nlt_has(&one.obj, TIMERX_NL_A_PENDING))
		return -EPROTO;
	*expirations = one.obj.v[TIMERX_NL_A_EXPIRATIONS];
	*events = one.obj.v[TIMERX_NL_A_EVENTS];
	*pending = one.obj.v[TIMERX_NL_A_PENDING];
	return 0;
}

int soak_nl_stats(struct soak_nl *nl, __u64 *contexts, __u64 *timers)
{
	static struct nlt_one one;
	struct nlt_reply r;
	int ret = nlt_do(&nl->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &one, &r);

	if (ret)
		return ret;
	if (one.n != 1 || !nlt_has(&one.obj, TIMERX_NL_A_CONTEXTS) ||
	    !nlt_has(&one.obj, TIMERX_NL_A_TIMERS))
		return -EPROTO;
	*contexts = one.obj.v[TIMERX_NL_A_CONTEXTS];
	*timers = one.obj.v[TIMERX_NL_A_TIMERS];
	return 0;
}

struct soak_dump_view {
	bool nobody;
	unsigned int nobody_ctxs;
	unsigned int foreign;	/* contexts the nobody dumper must not see */
	unsigned int bad_timers;
	char why[200];
};

static void soak_dump_ctx(const struct nlt_obj *o, void *arg)
{
	struct soak_dump_view *v = arg;

	if (o->v[TIMERX_NL_A_OWNER_UID] == TX_NOBODY)
		v->nobody_ctxs++;
	else if (v->nobody)
		v->foreign++;
}

static void soak_dump_timer(const struct nlt_obj *o, void *arg)
{
	struct soak_dump_view *v = arg;
	__u64 exp = o->v[TIMERX_NL_A_EXPIRATIONS];

	if (o->v[TIMERX_NL_A_EVENTS] > exp || o->v[TIMERX_NL_A_PENDING] > exp ||
	    o->v[TIMERX_NL_A_FIRES] > exp) {
		if (!v->bad_timers++)
			snprintf(v->why, sizeof(v->why),
				 "ctx %llu timer %llu: %llu expirations but %llu events, %llu pending, %llu fires",
				 (unsigned long long)o->v[TIMERX_NL_A_CTX_ID],
				 (unsigned long long)o->v[TIMERX_NL_A_TIMER_ID],
				 (unsigned long long)exp,
				 (unsigned long long)o->v[TIMERX_NL_A_EVENTS],
				 (unsigned long long)o->v[TIMERX_NL_A_PENDING],
				 (unsigned long long)o->v[TIMERX_NL_A_FIRES]);
	}
}

/* One dump request; fails SC_NETLINK unless it completed and parsed. */
static bool soak_dump(struct soak_nl *nl, __u8 cmd, nlt_fn fn, struct soak_dump_view *v,
		      struct nlt_reply *r)
{
	struct nl_msg *msg = nlt_msg(&nl->n, cmd, NLM_F_DUMP);
	int ret;

	r->fn = fn;
	r->arg = v;
	ret = nlt_exec(&nl->n, msg, r);
	soak_add(ST_DUMPS, 1);
	soak_add(ST_DUMP_MSGS, r->msgs);
	soak_add(ST_DUMP_INTR, r->intr ? 1 : 0);
	if (ret || r->bad) {
		soak_fail(SC_NETLINK, "%s dump: %s%s%s", nlt_cmd_name(cmd),
			  ret ? nlt_strerr(ret) : "", r->extack, r->bad ? r->why : "");
		return false;
	}
	return true;
}

int soak_dumper(bool nobody)
{
	struct soak_rng rng = { .s = soak_cfg->seed ^ (nobody ? 0xd0d0ULL : 0xdd11ULL) };
	struct soak_nl *nl;

	if (nobody && tx_drop_to_nobody()) {
		soak_fail(SC_NETLINK, "dumper: cannot become nobody: %s", strerror(errno));
		return 1;
	}
	nl = soak_nl_open();
	if (!nl)
		return 1;
	nl->n.max_msgs = 1000000;
	while (!soak_stopping()) {
		struct soak_dump_view v = { .nobody = nobody };
		struct nlt_reply r;
		__u64 contexts, timers;
		int ret;

		/* Slow readers too: the dump then spans more of the churn. */
		nlt_set_recv_delay_us(soak_chance(&rng, 20) ? 2000 : 0);
		if (soak_dump(nl, TIMERX_NL_CMD_CTX_GET, soak_dump_ctx, &v, &r) && !r.intr &&
		    v.nobody_ctxs > soak_cfg->max_contexts_per_user)
			soak_fail(SC_NETLINK,
				  "a consistent CTX_GET dump shows %u contexts of nobody, the limit is %u",
				  v.nobody_ctxs, soak_cfg->max_contexts_per_user);
		if (v.foreign)
			soak_fail(SC_NETLINK, "nobody's CTX_GET dump shows %u contexts of others",
				  v.foreign);
		if (soak_dump(nl, TIMERX_NL_CMD_TIMER_GET, soak_dump_timer, &v, &r) &&
		    v.bad_timers)
			soak_fail(SC_NETLINK, "TIMER_GET dump: %u bad timers, first: %s",
				  v.bad_timers, v.why);
		ret = soak_nl_stats(nl, &contexts, &timers);
		if (ret)
			soak_fail(SC_NETLINK, "STATS_GET: %s", nlt_strerr(ret));
		tx_sleep_ms((long)soak_below(&rng, 20));
	}
	soak_nl_close(nl);
	return 0;
}
