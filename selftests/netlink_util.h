/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the timerx generic netlink selftests, on libnl-3/libnl-genl-3
 * (deliberately not libmnl, which libtimerx uses: a second, independent
 * reading of include/uapi/linux/timerx.h).
 *
 * Every reply is parsed into a struct nlt_obj: each attribute the header
 * documents is checked for its exact type and length, and one that does
 * not match is counted in obj.bad (with the first reason in obj.why), so
 * tests can assert "the kernel sent exactly what the header says".
 *
 * Requests go through nlt_exec(), which returns 0 or the kernel's -errno
 * exactly (from NLMSG_ERROR, or from the NLMSG_DONE of a failed dump) and
 * keeps the extack message. Nothing here uses ASSERT_*(): these helpers
 * are also called in children that have dropped privileges, where the
 * harness' longjmp() would run the fixture teardown as the wrong user.
 */
#ifndef TIMERX_NETLINK_UTIL_H
#define TIMERX_NETLINK_UTIL_H

#include "timerx_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* One request's reply must come within this (a stuck kernel fails, not hangs). */
#define NLT_REPLY_TIMEOUT_MS	30000
/* No id the kernel will hand out in a test run. */
#define NLT_BAD_ID		0xfffffff0U

#define NLT_BIT(a)		(1ULL << (a))

_Static_assert(TIMERX_NL_A_MAX < 64, "attribute bitmap is one u64");
_Static_assert(sizeof(struct timerx_hist_bucket) == 16, "bucket is 16 bytes");

/* ------------------------------------------------------------------ */
/* Parsed messages                                                    */
/* ------------------------------------------------------------------ */

#define NLT_KEEP_BUCKETS	64

/* TIMERX_NL_A_LATENESS, summarised (the bucket array itself is checked). */
struct nlt_hist {
	__u32 present;			/* 1U << TIMERX_NL_HIST_A_* */
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u32 sub_bits;
	__u32 nr_buckets;
	__u32 buckets_len;		/* bytes of the BUCKETS attribute */
	__u32 nbuckets;			/* entries in it */
	__u64 bucket_sum;		/* sum of their counts */
	__u32 first_index;		/* valid when nbuckets */
	__u32 last_index;
	char bad[160];			/* first violation of the array's rules */
	struct timerx_hist_bucket b[NLT_KEEP_BUCKETS];	/* the first ones */
};

/* TIMERX_NL_A_CONFIG */
struct nlt_config {
	__u32 present;			/* 1U << TIMERX_NL_CONFIG_A_* */
	__u64 v[TIMERX_NL_CONFIG_A_MAX + 1];
};

struct nlt_obj {
	__u8 cmd;			/* genlmsghdr.cmd */
	__u8 version;			/* genlmsghdr.version */
	__u16 nlflags;			/* nlmsghdr.nlmsg_flags */
	__u64 present;			/* NLT_BIT(TIMERX_NL_A_*) */
	__u64 v[TIMERX_NL_A_MAX + 1];	/* integer attributes (s32/s64 sign-extended) */
	char comm[64];			/* OWNER_COMM */
	char modver[64];		/* MODULE_VERSION */
	struct nlt_hist hist;		/* LATENESS */
	struct nlt_config cfg;		/* CONFIG */
	unsigned int bad;		/* attributes of the wrong type or length */
	char why[160];			/* the first of them */
};

static inline bool nlt_has(const struct nlt_obj *o, int attr)
{
	return o->present & NLT_BIT(attr);
}

static inline bool nlt_hist_has(const struct nlt_hist *h, int attr)
{
	return h->present & (1U << attr);
}

static inline bool nlt_cfg_has(const struct nlt_config *c, int attr)
{
	return c->present & (1U << attr);
}

enum nlt_kind { NLT_NONE, NLT_U8, NLT_U32, NLT_S32, NLT_U64, NLT_S64, NLT_STR, NLT_NEST };

/* The header's attribute tree: type of every top-level attribute. */
static const enum nlt_kind nlt_attr_kind[TIMERX_NL_A_MAX + 1] = {
	[TIMERX_NL_A_CTX_ID]		= NLT_U32,
	[TIMERX_NL_A_TIMER_ID]		= NLT_U32,
	[TIMERX_NL_A_OWNER_PID]		= NLT_U32,
	[TIMERX_NL_A_OWNER_UID]		= NLT_U32,
	[TIMERX_NL_A_OWNER_COMM]	= NLT_STR,
	[TIMERX_NL_A_TIMERS]		= NLT_U32,
	[TIMERX_NL_A_RING_ENTRIES]	= NLT_U32,
	[TIMERX_NL_A_RING_USED]		= NLT_U32,
	[TIMERX_NL_A_EVENTS]		= NLT_U64,
	[TIMERX_NL_A_EXPIRATIONS]	= NLT_U64,
	[TIMERX_NL_A_RING_FULL]		= NLT_U64,
	[TIMERX_NL_A_WAKEUPS]		= NLT_U64,
	[TIMERX_NL_A_PENDING]		= NLT_U64,
	[TIMERX_NL_A_USER_DATA]		= NLT_U64,
	[TIMERX_NL_A_CLOCKID]		= NLT_U32,
	[TIMERX_NL_A_FLAGS]		= NLT_U32,
	[TIMERX_NL_A_CPU]		= NLT_U32,
	[TIMERX_NL_A_LAST_CPU]		= NLT_S32,
	[TIMERX_NL_A_STATE]		= NLT_U32,
	[TIMERX_NL_A_PERIOD_NS]		= NLT_U64,
	[TIMERX_NL_A_NEXT_EXPIRY_NS]	= NLT_S64,
	[TIMERX_NL_A_FIRES]		= NLT_U64,
	[TIMERX_NL_A_OVERRUNS]		= NLT_U64,
	[TIMERX_NL_A_LATENESS]		= NLT_NEST,
	[TIMERX_NL_A_API_VERSION]	= NLT_U32,
	[TIMERX_NL_A_MODULE_VERSION]	= NLT_STR,
	[TIMERX_NL_A_CONTEXTS]		= NLT_U32,
	[TIMERX_NL_A_CONFIG]		= NLT_NEST,
	[TIMERX_NL_A_ALARM_COUNT]	= NLT_U64,
	[TIMERX_NL_A_ALARM_MAX_NS]	= NLT_U64,
	[TIMERX_NL_A_SEQ]		= NLT_U32,
	[TIMERX_NL_A_SLACK_NS]		= NLT_U32,
};

static const enum nlt_kind nlt_hist_kind[TIMERX_NL_HIST_A_MAX + 1] = {
	[TIMERX_NL_HIST_A_COUNT]	= NLT_U64,
	[TIMERX_NL_HIST_A_SUM_NS]	= NLT_U64,
	[TIMERX_NL_HIST_A_MIN_NS]	= NLT_U64,
	[TIMERX_NL_HIST_A_MAX_NS]	= NLT_U64,
	[TIMERX_NL_HIST_A_SUB_BITS]	= NLT_U32,
	[TIMERX_NL_HIST_A_NR_BUCKETS]	= NLT_U32,
	/* BUCKETS: binary, checked on its own */
};

static const enum nlt_kind nlt_cfg_kind[TIMERX_NL_CONFIG_A_MAX + 1] = {
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX]	= NLT_U32,
	[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES]	= NLT_U32,
	[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS]	= NLT_U64,
	[TIMERX_NL_CONFIG_A_HISTOGRAMS]		= NLT_U8,
	[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS]	= NLT_U64,
	[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]	= NLT_U32,
	[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER] = NLT_U32,
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER] = NLT_U32,
	[TIMERX_NL_CONFIG_A_MAX_USER_RATE]	= NLT_U64,
};

/* Module parameter of each setting ("of the same name (lower case)"). */
static const char *const nlt_cfg_name[TIMERX_NL_CONFIG_A_MAX + 1] = {
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX]	= "max_timers_per_ctx",
	[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES]	= "max_ring_entries",
	[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS]	= "min_period_ns",
	[TIMERX_NL_CONFIG_A_HISTOGRAMS]		= "histograms",
	[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS]	= "alarm_lateness_ns",
	[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]	= "alarm_interval_ms",
	[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER] = "max_contexts_per_user",
	[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER] = "max_timers_per_user",
	[TIMERX_NL_CONFIG_A_MAX_USER_RATE]	= "max_user_rate",
};

#define NLT_CFG_ALL	(((1U << (TIMERX_NL_CONFIG_A_MAX + 1)) - 1) & \
			 ~((1U << TIMERX_NL_CONFIG_A_UNSPEC) | (1U << TIMERX_NL_CONFIG_A_PAD)))

static inline const char *nlt_kind_name(enum nlt_kind k)
{
	static const char *const names[] = {
		"?", "u8", "u32", "s32", "u64", "s64", "string", "nest",
	};

	return names[k];
}

static inline int nlt_kind_len(enum nlt_kind k)
{
	switch (k) {
	case NLT_U8:	return 1;
	case NLT_U32:
	case NLT_S32:	return 4;
	case NLT_U64:
	case NLT_S64:	return 8;
	default:	return -1;
	}
}

static inline void nlt_bad(unsigned int *bad, char *why, const char *fmt, ...)
{
	va_list ap;

	if (!(*bad)++) {
		va_start(ap, fmt);
		vsnprintf(why, 160, fmt, ap);
		va_end(ap);
	}
}

/*
 * Read one integer attribute of kind @k. Returns false (and records why)
 * when the length is not exactly the type's.
 */
static inline bool nlt_get_int(const struct nlattr *a, enum nlt_kind k, __u64 *v,
			       const char *where, unsigned int *bad, char *why)
{
	int len = nla_len(a);

	if (len != nlt_kind_len(k)) {
		nlt_bad(bad, why, "%s attr %d: %s of %d bytes", where, nla_type(a),
			nlt_kind_name(k), len);
		return false;
	}
	if (k == NLT_U8)
		*v = nla_get_u8(a);
	else if (k == NLT_U32)
		*v = nla_get_u32(a);
	else if (k == NLT_S32)
		*v = (__u64)(__s64)(__s32)nla_get_u32(a);
	else
		memcpy(v, nla_data(a), 8);
	return true;
}

static inline bool nlt_get_str(const struct nlattr *a, char *out, size_t size,
			       unsigned int *bad, char *why)
{
	int len = nla_len(a);
	const char *s = nla_data(a);

	if (len < 1 || s[len - 1] != '\0' || strlen(s) != (size_t)len - 1) {
		nlt_bad(bad, why, "attr %d: string of %d bytes not NUL-terminated once",
			nla_type(a), len);
		return false;
	}
	if ((size_t)len > size)
		len = (int)size;
	memcpy(out, s, len - 1);
	out[len - 1] = '\0';
	return true;
}

/* The log-linear bucket of a value (header, "Lateness"). */
static inline __u32 nlt_bucket_of(__u64 v, __u32 s, __u32 nr_buckets)
{
	unsigned int e;

	if (v < (1ULL << s))
		return (__u32)v;
	if (v >> TIMERX_HIST_MAX_LOG2)
		return nr_buckets - 1;
	e = 63 - __builtin_clzll(v);
	return (e - s + 1) * (1U << s) + (__u32)((v >> (e - s)) & ((1U << s) - 1));
}

static inline void nlt_parse_buckets(const struct nlattr *a, struct nlt_hist *h)
{
	struct timerx_hist_bucket b;
	int len = nla_len(a), i;
	__u32 prev = 0;

	h->buckets_len = (__u32)len;
	if (len % (int)sizeof(b)) {
		snprintf(h->bad, sizeof(h->bad), "BUCKETS is %d bytes, not a multiple of %zu",
			 len, sizeof(b));
		return;
	}
	for (i = 0; i < len / (int)sizeof(b); i++) {
		memcpy(&b, (const char *)nla_data(a) + i * sizeof(b), sizeof(b));
		if (!h->bad[0] && i && b.index <= prev)
			snprintf(h->bad, sizeof(h->bad),
				 "bucket %d: index %u after %u (not ascending)", i, b.index, prev);
		if (!h->bad[0] && b.resv)
			snprintf(h->bad, sizeof(h->bad), "bucket %d: resv %u", i, b.resv);
		if (!h->bad[0] && !b.count)
			snprintf(h->bad, sizeof(h->bad), "bucket %d (index %u) is empty",
				 i, b.index);
		if (i < NLT_KEEP_BUCKETS)
			h->b[i] = b;
		if (!i)
			h->first_index = b.index;
		h->last_index = b.index;
		prev = b.index;
		h->bucket_sum += b.count;
		h->nbuckets++;
	}
}

static inline void nlt_parse_hist(const struct nlattr *nest, struct nlt_obj *o)
{
	struct nlt_hist *h = &o->hist;
	const struct nlattr *a;
	__u64 v;
	int rem;

	memset(h, 0, sizeof(*h));
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= TIMERX_NL_HIST_A_PAD || t > TIMERX_NL_HIST_A_MAX)
			continue;
		h->present |= 1U << t;
		if (t == TIMERX_NL_HIST_A_BUCKETS) {
			nlt_parse_buckets(a, h);
			continue;
		}
		if (!nlt_get_int(a, nlt_hist_kind[t], &v, "LATENESS", &o->bad, o->why))
			continue;
		if (t == TIMERX_NL_HIST_A_COUNT)
			h->count = v;
		else if (t == TIMERX_NL_HIST_A_SUM_NS)
			h->sum_ns = v;
		else if (t == TIMERX_NL_HIST_A_MIN_NS)
			h->min_ns = v;
		else if (t == TIMERX_NL_HIST_A_MAX_NS)
			h->max_ns = v;
		else if (t == TIMERX_NL_HIST_A_SUB_BITS)
			h->sub_bits = (__u32)v;
		else if (t == TIMERX_NL_HIST_A_NR_BUCKETS)
			h->nr_buckets = (__u32)v;
	}
	if (!h->bad[0] && h->nbuckets && h->nr_buckets && h->last_index >= h->nr_buckets)
		snprintf(h->bad, sizeof(h->bad), "bucket index %u >= NR_BUCKETS %u",
			 h->last_index, h->nr_buckets);
}

static inline void nlt_parse_config(const struct nlattr *nest, struct nlt_config *c,
				    unsigned int *bad, char *why)
{
	const struct nlattr *a;
	int rem;

	memset(c, 0, sizeof(*c));
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= TIMERX_NL_CONFIG_A_PAD || t > TIMERX_NL_CONFIG_A_MAX)
			continue;
		if (nlt_get_int(a, nlt_cfg_kind[t], &c->v[t], "CONFIG", bad, why))
			c->present |= 1U << t;
	}
}

/* Parse one generic netlink message of the family into @o. */
static inline void nlt_parse(struct nlmsghdr *nlh, struct nlt_obj *o)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a;
	int rem;

	memset(o, 0, sizeof(*o));
	o->nlflags = nlh->nlmsg_flags;
	if (!genlmsg_valid_hdr(nlh, 0)) {
		nlt_bad(&o->bad, o->why, "message too short for a genlmsghdr");
		return;
	}
	o->cmd = g->cmd;
	o->version = g->version;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		int t = nla_type(a);
		enum nlt_kind k;

		if (t <= TIMERX_NL_A_PAD || t > TIMERX_NL_A_MAX)
			continue;	/* padding, or newer than this test */
		k = nlt_attr_kind[t];
		if (o->present & NLT_BIT(t))
			nlt_bad(&o->bad, o->why, "attr %d appears twice", t);
		switch (k) {
		case NLT_STR:
			if (!nlt_get_str(a, t == TIMERX_NL_A_OWNER_COMM ? o->comm : o->modver,
					 sizeof(o->comm), &o->bad, o->why))
				continue;
			break;
		case NLT_NEST:
			if (t == TIMERX_NL_A_LATENESS)
				nlt_parse_hist(a, o);
			else
				nlt_parse_config(a, &o->cfg, &o->bad, o->why);
			break;
		default:
			if (!nlt_get_int(a, k, &o->v[t], "top-level", &o->bad, o->why))
				continue;
		}
		o->present |= NLT_BIT(t);
	}
}

/* ------------------------------------------------------------------ */
/* Request sockets                                                    */
/* ------------------------------------------------------------------ */

struct nlt_reply;

/* Called for every data message of the reply (@arg: nlt_reply.arg). */
typedef void (*nlt_fn)(const struct nlt_obj *o, void *arg);

struct nlt_reply {
	int error;		/* 0, or -errno: NLMSG_ERROR, NLMSG_DONE or local */
	char extack[256];	/* NLMSGERR_ATTR_MSG of the error, "" if none */
	bool done;
	unsigned int msgs;	/* data messages */
	unsigned int intr;	/* messages (DONE included) with NLM_F_DUMP_INTR */
	unsigned int recvs;	/* recvmsg() batches that carried messages */
	unsigned int stale;	/* messages of another request (skipped) */
	unsigned int bad;	/* data messages that did not parse cleanly */
	char why[200];		/* the first of them */
	__u32 seq;
	nlt_fn fn;
	void *arg;
};

struct nlt {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	struct nlt_reply *cur;
	/* Give up (-E2BIG) after this many data messages: an endless dump. */
	unsigned int max_msgs;
	/*
	 * Send with write(2), naming no destination, as a confused deputy
	 * writing to an inherited descriptor would (libnl always names one,
	 * which netlink_capable() takes as the sender's own act).
	 */
	bool write_no_dst;
};

/* Receive pacing for dump tests; per thread because recv hooks take no arg. */
static __thread struct nlt_reply *nlt_recv_reply;
static __thread unsigned int nlt_recv_delay_us;

static inline void nlt_set_recv_delay_us(unsigned int us)
{
	nlt_recv_delay_us = us;
}

static inline int nlt_recv_hook(struct nl_sock *sk, struct sockaddr_nl *nla,
				unsigned char **buf, struct ucred **creds)
{
	int n;

	if (nlt_recv_delay_us)
		usleep(nlt_recv_delay_us);
	n = nl_recv(sk, nla, buf, creds);
	if (n > 0 && nlt_recv_reply)
		nlt_recv_reply->recvs++;
	return n;
}

/* Parse the extack TLVs of an NLMSG_ERROR or NLMSG_DONE. */
static inline void nlt_extack(struct nlmsghdr *nlh, size_t off, char *out, size_t size)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t len = nlh->nlmsg_len;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (len <= off)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(len - off), NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(out, size, "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static inline int nlt_cb_msg_in(struct nl_msg *msg, void *arg)
{
	struct nlt *n = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!n->cur || nlh->nlmsg_seq != n->cur->seq) {
		if (n->cur)
			n->cur->stale++;
		return NL_SKIP;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		n->cur->intr++;
	return NL_OK;
}

static inline int nlt_cb_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static inline int nlt_cb_valid(struct nl_msg *msg, void *arg)
{
	struct nlt *n = arg;
	struct nlt_reply *r = n->cur;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	static __thread struct nlt_obj o;	/* large: not on the stack */

	if (nlh->nlmsg_type != n->family) {
		r->stale++;
		return NL_SKIP;
	}
	nlt_parse(nlh, &o);
	if (n->max_msgs && r->msgs >= n->max_msgs) {
		r->error = -E2BIG;
		r->done = true;
		return NL_STOP;
	}
	r->msgs++;
	if (o.bad && !r->bad++)
		snprintf(r->why, sizeof(r->why), "message %u: %s", r->msgs, o.why);
	if (r->fn)
		r->fn(&o, r->arg);
	return NL_OK;
}

static inline int nlt_cb_finish(struct nl_msg *msg, void *arg)
{
	struct nlt *n = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&err, nlmsg_data(nlh), sizeof(int));
	n->cur->error = err;
	if (err)
		nlt_extack(nlh, sizeof(int), n->cur->extack, sizeof(n->cur->extack));
	n->cur->done = true;
	return NL_STOP;
}

static inline int nlt_cb_ack(struct nl_msg *msg, void *arg)
{
	struct nlt *n = arg;

	(void)msg;
	n->cur->done = true;
	return NL_STOP;
}

static inline int nlt_cb_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlt *n = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);

	(void)nla;
	if (nlh->nlmsg_seq != n->cur->seq) {
		n->cur->stale++;
		return NL_SKIP;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	n->cur->error = e->error;
	nlt_extack(nlh, off, n->cur->extack, sizeof(n->cur->extack));
	n->cur->done = true;
	return NL_STOP;
}

static inline int nlt_setsockopt(struct nl_sock *sk, int level, int opt, int val)
{
	return setsockopt(nl_socket_get_fd(sk), level, opt, &val, sizeof(val)) ? -errno : 0;
}

/* Resolve the family and install the reply callbacks. */
static inline int nlt_open_finish(struct nlt *n)
{
	n->family = genl_ctrl_resolve(n->sk, TIMERX_GENL_NAME);
	if (n->family < 0)
		return -ENOENT;
	nl_cb_set(n->cb, NL_CB_MSG_IN, NL_CB_CUSTOM, nlt_cb_msg_in, n);
	nl_cb_set(n->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, nlt_cb_ok, n);
	nl_cb_set(n->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, nlt_cb_ok, n);
	nl_cb_set(n->cb, NL_CB_VALID, NL_CB_CUSTOM, nlt_cb_valid, n);
	nl_cb_set(n->cb, NL_CB_FINISH, NL_CB_CUSTOM, nlt_cb_finish, n);
	nl_cb_set(n->cb, NL_CB_ACK, NL_CB_CUSTOM, nlt_cb_ack, n);
	nl_cb_err(n->cb, NL_CB_CUSTOM, nlt_cb_err, n);
	nl_cb_overwrite_recv(n->cb, nlt_recv_hook);
	return 0;
}

/*
 * Connect and resolve the family. Returns 0, or -errno (-ENOENT: the family
 * is not registered).
 */
static inline int nlt_open(struct nlt *n)
{
	int ret;

	memset(n, 0, sizeof(*n));
	n->sk = nl_socket_alloc();
	n->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!n->sk || !n->cb)
		return -ENOMEM;
	if (genl_connect(n->sk))
		return -ECONNREFUSED;
	/* Extended ACK with the messages; no copy of the request in errors. */
	/* libnl's 32 KiB default cannot send a message with 64 KiB attributes. */
	if (nl_socket_set_buffer_size(n->sk, 1 << 20, 1 << 20))
		return -ENOBUFS;
	ret = nlt_setsockopt(n->sk, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	if (!ret)
		ret = nlt_setsockopt(n->sk, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	if (ret)
		return ret;
	return nlt_open_finish(n);
}

/*
 * Use a generic netlink socket that somebody else opened (and connected),
 * e.g. one received over a unix socket with SCM_RIGHTS: the same as
 * nlt_open() but on @fd, which nlt_close() then closes. Returns 0 or -errno.
 */
static inline int nlt_adopt(struct nlt *n, int fd)
{
	int ret;

	memset(n, 0, sizeof(*n));
	n->sk = nl_socket_alloc();
	n->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!n->sk || !n->cb)
		return -ENOMEM;
	ret = nl_socket_set_fd(n->sk, NETLINK_GENERIC, fd);
	if (ret < 0)
		return -EBADF;
	if (nl_socket_set_buffer_size(n->sk, 1 << 20, 1 << 20))
		return -ENOBUFS;
	ret = nlt_setsockopt(n->sk, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	if (!ret)
		ret = nlt_setsockopt(n->sk, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	if (ret)
		return ret;
	return nlt_open_finish(n);
}

static inline void nlt_close(struct nlt *n)
{
	if (n->cb)
		nl_cb_put(n->cb);
	if (n->sk)
		nl_socket_free(n->sk);
	n->cb = NULL;
	n->sk = NULL;
}

/* A request of the family's version; large enough for 64 KiB attributes. */
static inline struct nl_msg *nlt_msg_size(const struct nlt *n, __u8 cmd, int flags,
					  size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(size);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, n->family, 0, flags, cmd,
			 TIMERX_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static inline struct nl_msg *nlt_msg(const struct nlt *n, __u8 cmd, int flags)
{
	return nlt_msg_size(n, cmd, flags, 4096);
}

/*
 * Send @msg (consumed) and read its whole reply. Returns r->error: 0 or
 * the kernel's -errno; -ETIMEDOUT when nothing came for
 * NLT_REPLY_TIMEOUT_MS, another -errno when sending failed locally.
 */
static inline int nlt_exec(struct nlt *n, struct nl_msg *msg, struct nlt_reply *r)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(n->sk), .events = POLLIN };
	int ret;

	r->error = 0;
	r->extack[0] = '\0';
	r->done = false;
	r->msgs = 0;
	r->intr = 0;
	r->recvs = 0;
	r->stale = 0;
	r->bad = 0;
	r->why[0] = '\0';
	if (!msg) {
		r->error = -ENOMEM;
		return r->error;
	}
	errno = 0;
	if (n->write_no_dst) {
		nl_complete_msg(n->sk, msg);
		ret = write(nl_socket_get_fd(n->sk), nlmsg_hdr(msg),
			    nlmsg_hdr(msg)->nlmsg_len);
	} else {
		ret = nl_send_auto(n->sk, msg);
	}
	r->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0) {
		r->error = errno ? -errno : -EIO;
		return r->error;
	}
	n->cur = r;
	nlt_recv_reply = r;
	while (!r->done) {
		ret = poll(&pfd, 1, NLT_REPLY_TIMEOUT_MS);
		if (ret == 0) {
			r->error = -ETIMEDOUT;
			break;
		}
		if (ret < 0 && errno == EINTR)
			continue;
		ret = nl_recvmsgs(n->sk, n->cb);
		if (ret < 0 && !r->done) {
			fprintf(stderr, "# nl_recvmsgs: %s\n", nl_geterror(ret));
			r->error = -EPROTO;
			break;
		}
	}
	n->cur = NULL;
	nlt_recv_reply = NULL;
	return r->error;
}

/* Collect the first data message of a reply (for do requests). */
struct nlt_one {
	struct nlt_obj obj;
	unsigned int n;
};

static inline void nlt_keep_first(const struct nlt_obj *o, void *arg)
{
	struct nlt_one *one = arg;

	if (!one->n++)
		one->obj = *o;
}

/* Collect every data message (for dumps). */
struct nlt_list {
	struct nlt_obj *v;
	size_t n, cap;
};

static inline void nlt_keep_all(const struct nlt_obj *o, void *arg)
{
	struct nlt_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct nlt_obj *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *o;
}

static inline void nlt_list_free(struct nlt_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Is context @ctx in a CTX_GET dump? */
static inline bool nlt_list_has_ctx(const struct nlt_list *l, __u32 ctx)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].v[TIMERX_NL_A_CTX_ID] == ctx)
			return true;
	return false;
}

/*
 * One do request with optional CTX_ID/TIMER_ID (pass NLT_NONE_ID to omit)
 * whose only reply message goes to @one.
 */
#define NLT_NONE_ID	((__s64)-1)

static inline int nlt_do(struct nlt *n, __u8 cmd, __s64 ctx_id, __s64 timer_id,
			 struct nlt_one *one, struct nlt_reply *r)
{
	struct nlt_reply local;
	struct nl_msg *msg = nlt_msg(n, cmd, 0);

	if (!r)
		r = &local;
	memset(one, 0, sizeof(*one));
	if (msg && ctx_id >= 0)
		nla_put_u32(msg, TIMERX_NL_A_CTX_ID, (__u32)ctx_id);
	if (msg && timer_id >= 0)
		nla_put_u32(msg, TIMERX_NL_A_TIMER_ID, (__u32)timer_id);
	r->fn = nlt_keep_first;
	r->arg = one;
	return nlt_exec(n, msg, r);
}

static inline int nlt_dump(struct nlt *n, __u8 cmd, __s64 ctx_id,
			   struct nlt_list *l, struct nlt_reply *r)
{
	struct nl_msg *msg = nlt_msg(n, cmd, NLM_F_DUMP);

	l->n = 0;
	if (msg && ctx_id >= 0)
		nla_put_u32(msg, TIMERX_NL_A_CTX_ID, (__u32)ctx_id);
	r->fn = nlt_keep_all;
	r->arg = l;
	return nlt_exec(n, msg, r);
}

/* Put the settings present in @c, each with its documented width. */
static inline int nlt_put_config(struct nl_msg *msg, const struct nlt_config *c)
{
	struct nlattr *nest = nla_nest_start(msg, TIMERX_NL_A_CONFIG | NLA_F_NESTED);
	int t, ret = 0;

	if (!nest)
		return -ENOMEM;
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX && !ret; t++) {
		if (!nlt_cfg_has(c, t))
			continue;
		switch (nlt_cfg_kind[t]) {
		case NLT_U8:
			ret = nla_put_u8(msg, t, (__u8)c->v[t]);
			break;
		case NLT_U32:
			ret = nla_put_u32(msg, t, (__u32)c->v[t]);
			break;
		default:
			ret = nla_put_u64(msg, t, c->v[t]);
			break;
		}
	}
	nla_nest_end(msg, nest);
	return ret ? -ENOMEM : 0;
}

static inline void nlt_cfg_set(struct nlt_config *c, int attr, __u64 v)
{
	c->present |= 1U << attr;
	c->v[attr] = v;
}

static inline int nlt_config_get(struct nlt *n, struct nlt_config *out,
				 struct nlt_reply *r)
{
	struct nlt_one one;
	int ret = nlt_do(n, TIMERX_NL_CMD_CONFIG_GET, NLT_NONE_ID, NLT_NONE_ID, &one, r);

	if (!ret && out)
		*out = one.obj.cfg;
	return ret;
}

static inline int nlt_config_set(struct nlt *n, const struct nlt_config *in,
				 struct nlt_config *out, struct nlt_reply *r)
{
	struct nl_msg *msg = nlt_msg(n, TIMERX_NL_CMD_CONFIG_SET, 0);
	struct nlt_reply local;
	struct nlt_one one;
	int ret;

	if (!r)
		r = &local;
	memset(&one, 0, sizeof(one));
	if (msg && nlt_put_config(msg, in)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	r->fn = nlt_keep_first;
	r->arg = &one;
	ret = nlt_exec(n, msg, r);
	if (!ret && out)
		*out = one.obj.cfg;
	return ret;
}

/* Set one setting; returns 0 or -errno. */
static inline int nlt_config_set1(struct nlt *n, int attr, __u64 v)
{
	struct nlt_config c = { 0 };

	nlt_cfg_set(&c, attr, v);
	return nlt_config_set(n, &c, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Monitor sockets                                                    */
/* ------------------------------------------------------------------ */

struct nlt_mon {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	int group;
	struct nlt_list ev;	/* notifications received */
	unsigned int bad;	/* notifications that did not parse cleanly */
	char why[200];
};

static inline int nlt_mon_valid(struct nl_msg *msg, void *arg)
{
	struct nlt_mon *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	static __thread struct nlt_obj o;

	if (nlh->nlmsg_type != m->family)
		return NL_SKIP;
	nlt_parse(nlh, &o);
	if (o.bad && !m->bad++)
		snprintf(m->why, sizeof(m->why), "cmd %u: %s", o.cmd, o.why);
	nlt_keep_all(&o, &m->ev);
	return NL_OK;
}

/*
 * Connect without joining (@join false) or joined to the monitor group.
 * Returns 0 or -errno; joining without the privilege gives the errno of
 * setsockopt(NETLINK_ADD_MEMBERSHIP) (EPERM).
 */
static inline int nlt_mon_open(struct nlt_mon *m, bool join)
{
	memset(m, 0, sizeof(*m));
	m->sk = nl_socket_alloc();
	m->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!m->sk || !m->cb)
		return -ENOMEM;
	nl_socket_disable_seq_check(m->sk);
	if (genl_connect(m->sk))
		return -ECONNREFUSED;
	m->family = genl_ctrl_resolve(m->sk, TIMERX_GENL_NAME);
	if (m->family < 0)
		return -ENOENT;
	m->group = genl_ctrl_resolve_grp(m->sk, TIMERX_GENL_NAME, TIMERX_GENL_MCGRP_MONITOR);
	if (m->group < 0)
		return -ENOENT;
	nl_cb_set(m->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, nlt_cb_ok, m);
	nl_cb_set(m->cb, NL_CB_VALID, NL_CB_CUSTOM, nlt_mon_valid, m);
	if (nl_socket_set_nonblocking(m->sk))
		return -EIO;
	/* A large buffer: alarm storms must not overflow it while we sleep. */
	nl_socket_set_buffer_size(m->sk, 1 << 20, 0);
	if (!join)
		return 0;
	if (setsockopt(nl_socket_get_fd(m->sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &m->group, sizeof(m->group)))
		return -errno;
	return 0;
}

static inline void nlt_mon_close(struct nlt_mon *m)
{
	if (m->cb)
		nl_cb_put(m->cb);
	if (m->sk)
		nl_socket_free(m->sk);
	nlt_list_free(&m->ev);
	m->cb = NULL;
	m->sk = NULL;
}

/* Read whatever has arrived, waiting at most @ms for the first. */
static inline int nlt_mon_read(struct nlt_mon *m, int ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(m->sk), .events = POLLIN };
	int ret, err = 0;

	while (poll(&pfd, 1, ms) > 0) {
		ret = nl_recvmsgs(m->sk, m->cb);
		if (ret < 0 && ret != -NLE_AGAIN) {
			/* ENOBUFS (notifications lost) is -NLE_NOMEM here. */
			fprintf(stderr, "# monitor nl_recvmsgs: %s\n", nl_geterror(ret));
			err = -EPROTO;
		}
		ms = 0;
	}
	return err;
}

/* Notifications of @cmd for @ctx_id received so far. */
static inline unsigned int nlt_mon_count(const struct nlt_mon *m, __u8 cmd, __u32 ctx_id)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < m->ev.n; i++)
		n += m->ev.v[i].cmd == cmd && nlt_has(&m->ev.v[i], TIMERX_NL_A_CTX_ID) &&
		     m->ev.v[i].v[TIMERX_NL_A_CTX_ID] == ctx_id;
	return n;
}

/* The first such notification, or NULL. */
static inline const struct nlt_obj *nlt_mon_find(const struct nlt_mon *m, __u8 cmd,
						 __u32 ctx_id)
{
	size_t i;

	for (i = 0; i < m->ev.n; i++)
		if (m->ev.v[i].cmd == cmd && nlt_has(&m->ev.v[i], TIMERX_NL_A_CTX_ID) &&
		    m->ev.v[i].v[TIMERX_NL_A_CTX_ID] == ctx_id)
			return &m->ev.v[i];
	return NULL;
}

/* Read until @want notifications of @cmd for @ctx_id arrived, or @ms passed. */
static inline unsigned int nlt_mon_wait(struct nlt_mon *m, __u8 cmd, __u32 ctx_id,
					unsigned int want, int ms)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	unsigned int n;

	while ((n = nlt_mon_count(m, cmd, ctx_id)) < want && tx_ms_since(start) < ms)
		nlt_mon_read(m, 50);
	return n;
}

/* ------------------------------------------------------------------ */
/* Small things                                                       */
/* ------------------------------------------------------------------ */

static inline __u32 tx_ctx_id(int fd)
{
	struct timerx_ctx_info ci;

	return tx_ctx_info(fd, &ci) ? NLT_BAD_ID : ci.ctx_id;
}

static inline void tx_comm(char *out, size_t size)
{
	char buf[17] = "";

	prctl(PR_GET_NAME, buf, 0, 0, 0);
	snprintf(out, size, "%s", buf);
}

/* A module parameter; bool ones read as Y/N. Returns 0 or -errno. */
static inline int nlt_param_read(const char *name, unsigned long long *val)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TX_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (buf[0] == 'Y' || buf[0] == 'N') {
		*val = buf[0] == 'Y';
		return 0;
	}
	errno = 0;
	*val = strtoull(buf, NULL, 0);
	return errno ? -errno : 0;
}

static inline bool tx_param_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), TX_PARAM_DIR "%s", name);
	return access(path, F_OK) == 0;
}

static inline int nlt_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ */
/* For the test process only: these ASSERT, never call them after fork() */
/* ------------------------------------------------------------------ */

static inline const char *nlt_cmd_name(unsigned int cmd)
{
	static const char *const names[] = {
		[TIMERX_NL_CMD_UNSPEC]		= "UNSPEC",
		[TIMERX_NL_CMD_CTX_GET]		= "CTX_GET",
		[TIMERX_NL_CMD_TIMER_GET]	= "TIMER_GET",
		[TIMERX_NL_CMD_STATS_GET]	= "STATS_GET",
		[TIMERX_NL_CMD_CONFIG_GET]	= "CONFIG_GET",
		[TIMERX_NL_CMD_CONFIG_SET]	= "CONFIG_SET",
		[TIMERX_NL_CMD_CTX_NEW]		= "CTX_NEW",
		[TIMERX_NL_CMD_CTX_DEL]		= "CTX_DEL",
		[TIMERX_NL_CMD_OVERFLOW]	= "OVERFLOW",
		[TIMERX_NL_CMD_LATENESS_ALARM]	= "LATENESS_ALARM",
	};

	return cmd <= TIMERX_NL_CMD_MAX ? names[cmd] : "(unknown)";
}

static inline const char *nlt_strerr(int ret)
{
	return ret ? strerror(-ret) : "success";
}

/* Connect; the family must be registered (the module is loaded). */
#define nlt_connect(n) __nlt_connect(_metadata, n)
static inline void __nlt_connect(struct __test_metadata *_metadata, struct nlt *n)
{
	int ret = nlt_open(n);

	ASSERT_EQ(0, ret) TH_LOG("generic netlink family \"%s\": %s", TIMERX_GENL_NAME,
				 ret == -ENOENT ? "not registered" : strerror(-ret));
}

/* A do request that must succeed with exactly one clean reply of @cmd. */
#define nlt_get(n, cmd, ctx, timer, o) __nlt_get(_metadata, n, cmd, ctx, timer, o)
static inline void __nlt_get(struct __test_metadata *_metadata, struct nlt *n, __u8 cmd,
			     __s64 ctx, __s64 timer, struct nlt_obj *o)
{
	struct nlt_reply r;
	struct nlt_one one;
	int ret = nlt_do(n, cmd, ctx, timer, &one, &r);

	ASSERT_EQ(0, ret) TH_LOG("%s (ctx %lld timer %lld): %s, extack \"%s\"",
				 nlt_cmd_name(cmd), (long long)ctx, (long long)timer,
				 nlt_strerr(ret), r.extack);
	ASSERT_EQ(1U, one.n) TH_LOG("%s: %u reply messages, expected 1",
				    nlt_cmd_name(cmd), one.n);
	ASSERT_EQ(0U, one.obj.bad) TH_LOG("%s reply: %s", nlt_cmd_name(cmd), one.obj.why);
	ASSERT_EQ(cmd, one.obj.cmd) TH_LOG("%s answered with command %u",
					   nlt_cmd_name(cmd), one.obj.cmd);
	*o = one.obj;
}

/*
 * Send @msg (consumed); it must fail with @err (a positive errno). With
 * @need_extack, an EINVAL must carry an extack message ("rejected
 * (EINVAL, with an extack message)").
 */
#define nlt_expect_err(n, msg, err, need_extack, what) \
	__nlt_expect_err(_metadata, n, msg, err, need_extack, what)
static inline void __nlt_expect_err(struct __test_metadata *_metadata, struct nlt *n,
				    struct nl_msg *msg, int err, bool need_extack,
				    const char *what)
{
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	int ret;

	r.fn = nlt_keep_all;
	r.arg = &l;
	ret = nlt_exec(n, msg, &r);
	EXPECT_EQ(-err, ret) {
		TH_LOG("%s: got %s (%d), expected %s; %u reply message(s), extack \"%s\"",
		       what, nlt_strerr(ret), ret, strerror(err), r.msgs, r.extack);
	}
	if (ret == -err && need_extack) {
		EXPECT_NE('\0', r.extack[0]) TH_LOG("%s: %s without an extack message",
						    what, strerror(err));
	}
	nlt_list_free(&l);
}

#endif /* TIMERX_NETLINK_UTIL_H */
