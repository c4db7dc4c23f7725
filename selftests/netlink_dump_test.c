// SPDX-License-Identifier: GPL-2.0
/*
 * timerx generic netlink dumps, through libnl-genl-3: CTX_GET and
 * TIMER_GET dump "in id order and resume where the last message ended";
 * "a dump that spans a change carries NLM_F_DUMP_INTR on its messages
 * (restart it for a consistent view)".
 *
 * Every dump here is checked for completeness (each expected id exactly
 * once), order (strictly ascending; (ctx, timer) for system-wide timer
 * dumps) and, while another thread keeps creating and deleting contexts
 * and timers, for termination, the NLM_F_DUMP_INTR marking and a
 * consistent restart.
 */
#include "netlink_util.h"

#include <stdatomic.h>

#define MAX_FDS		512
/* More than any dump here can legitimately return. */
#define MAX_DUMP_MSGS	200000

FIXTURE(dump)
{
	struct nlt n;
	struct nlt_config saved;
	bool have_saved;
	bool restore_cfg;
	int fds[MAX_FDS];
	int nfds;
	struct nlt_list l;
};

FIXTURE_SETUP(dump)
{
	int ret;

	self->nfds = 0;
	self->restore_cfg = false;
	memset(&self->l, 0, sizeof(self->l));
	nlt_connect(&self->n);
	self->n.max_msgs = MAX_DUMP_MSGS;
	ret = nlt_config_get(&self->n, &self->saved, NULL);
	self->have_saved = !ret && self->saved.present == NLT_CFG_ALL;
}

FIXTURE_TEARDOWN(dump)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	if (self->restore_cfg &&
	    nlt_config_set(&self->n, &self->saved, NULL, NULL)) {
		fprintf(stderr, "# teardown: CONFIG_SET restore failed; writing parameters\n");
		tx_param_write("max_timers_per_ctx",
			       self->saved.v[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX]);
	}
	nlt_list_free(&self->l);
	nlt_close(&self->n);
}

#define ctx_open(entries) __ctx_open(_metadata, self, entries)
static int __ctx_open(struct __test_metadata *_metadata, struct _test_data_dump *self,
		      __u32 entries)
{
	int fd = tx_open();

	ASSERT_LE(0, fd) TH_LOG("open(%s): %s", TIMERX_DEVICE_PATH, strerror(-fd));
	ASSERT_GT(MAX_FDS, self->nfds);
	self->fds[self->nfds++] = fd;
	if (entries) {
		ASSERT_EQ(0, tx_setup(fd, entries, NULL));
	}
	return fd;
}

static void ctx_close(struct _test_data_dump *self, int fd)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		if (self->fds[i] == fd)
			self->fds[i] = -1;
	close(fd);
}

#define ctx_id(fd) __ctx_id(_metadata, fd)
static __u32 __ctx_id(struct __test_metadata *_metadata, int fd)
{
	struct timerx_ctx_info ci;

	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	return ci.ctx_id;
}

/* Test failed already (stop a per-entry loop after the first report). */
#define HAS_FAILED()	(_metadata->exit_code == KSFT_FAIL)

/* A dump that must complete cleanly into self->l. */
#define dump_ok(cmd, ctx, r) __dump_ok(_metadata, self, cmd, ctx, r)
static void __dump_ok(struct __test_metadata *_metadata, struct _test_data_dump *self,
		      __u8 cmd, __s64 ctx, struct nlt_reply *r)
{
	int ret = nlt_dump(&self->n, cmd, ctx, &self->l, r);
	size_t i;

	ASSERT_EQ(0, ret) TH_LOG("%s dump (ctx %lld): %s, extack \"%s\"", nlt_cmd_name(cmd),
				 (long long)ctx, nlt_strerr(ret), r->extack);
	ASSERT_EQ((size_t)r->msgs, self->l.n);
	EXPECT_EQ(0U, r->bad) TH_LOG("%s dump: %s", nlt_cmd_name(cmd), r->why);
	for (i = 0; i < self->l.n; i++) {
		EXPECT_EQ(cmd, self->l.v[i].cmd) {
			TH_LOG("%s dump message %zu has command %u", nlt_cmd_name(cmd), i,
			       self->l.v[i].cmd);
		}
		EXPECT_TRUE(self->l.v[i].nlflags & NLM_F_MULTI) {
			TH_LOG("%s dump message %zu without NLM_F_MULTI", nlt_cmd_name(cmd), i);
		}
		if (HAS_FAILED())
			break;
	}
}

static __u64 key_of(const struct nlt_obj *o, bool timers)
{
	__u64 ctx = o->v[TIMERX_NL_A_CTX_ID];

	return timers ? ctx << 32 | o->v[TIMERX_NL_A_TIMER_ID] : ctx;
}

struct order {
	unsigned int dups;	/* an entry equal to the one before */
	unsigned int back;	/* an entry below the one before */
	size_t first_bad;
};

static struct order check_order(const struct nlt_list *l, bool timers)
{
	struct order o = { 0, 0, 0 };
	size_t i;

	for (i = 1; i < l->n; i++) {
		__u64 a = key_of(&l->v[i - 1], timers), b = key_of(&l->v[i], timers);

		if (a < b)
			continue;
		if (!o.dups && !o.back)
			o.first_bad = i;
		if (a == b)
			o.dups++;
		else
			o.back++;
	}
	return o;
}

#define expect_ordered(l, timers, what) __expect_ordered(_metadata, l, timers, what)
static void __expect_ordered(struct __test_metadata *_metadata, const struct nlt_list *l,
			     bool timers, const char *what)
{
	struct order o = check_order(l, timers);

	EXPECT_EQ(0U, o.dups) {
		TH_LOG("%s: %u duplicate entries (first at %zu of %zu)", what, o.dups,
		       o.first_bad, l->n);
	}
	EXPECT_EQ(0U, o.back) {
		TH_LOG("%s: %u entries out of id order (first at %zu of %zu)", what, o.back,
		       o.first_bad, l->n);
	}
}

/*
 * Entries of @ctx in a dump, with their timer ids (or, for a context
 * dump, 1 if @ctx is listed). @ids receives the timer ids when not NULL.
 */
static size_t entries_of(const struct nlt_list *l, __u32 ctx, __u32 *ids, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].v[TIMERX_NL_A_CTX_ID] != ctx)
			continue;
		if (ids && n < max)
			ids[n] = (__u32)l->v[i].v[TIMERX_NL_A_TIMER_ID];
		n++;
	}
	return n;
}

/* The dump has exactly the timer ids @want (sorted) for @ctx. */
#define expect_timer_ids(l, ctx, want, nwant, what) \
	__expect_timer_ids(_metadata, l, ctx, want, nwant, what)
static void __expect_timer_ids(struct __test_metadata *_metadata, const struct nlt_list *l,
			       __u32 ctx, const __u32 *want, size_t nwant, const char *what)
{
	__u32 *got = calloc(nwant + 1, sizeof(*got));
	size_t n, i;

	ASSERT_NE(NULL, got);
	n = entries_of(l, ctx, got, nwant + 1);
	EXPECT_EQ(nwant, n) TH_LOG("%s: %zu timers of context %u, expected %zu", what, n, ctx,
				   nwant);
	for (i = 0; i < n && i < nwant; i++) {
		EXPECT_EQ(want[i], got[i]) {
			TH_LOG("%s: timer %zu of context %u is %u, expected %u", what, i, ctx,
			       got[i], want[i]);
		}
		if (HAS_FAILED())
			break;
	}
	free(got);
}

/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(dump, ctx_dump_every_context, 120)
{
	enum { NCTX = 40 };
	struct nlt_reply r;
	struct nlt_obj s;
	__u32 ids[NCTX];
	int fds[NCTX], i;
	char what[64];

	for (i = 0; i < NCTX; i++) {
		fds[i] = ctx_open(i % 2 ? 16 : 0);
		ids[i] = ctx_id(fds[i]);
		if (i % 4 == 1) {
			ASSERT_EQ(0, tx_create(fds[i], CLOCK_MONOTONIC, 0, 0, 0, NULL));
		}
	}
	dump_ok(TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &r);
	expect_ordered(&self->l, false, "CTX_GET dump");
	for (i = 0; i < NCTX; i++) {
		size_t k;

		EXPECT_EQ(1U, entries_of(&self->l, ids[i], NULL, 0)) {
			TH_LOG("context %u listed %zu times", ids[i],
			       entries_of(&self->l, ids[i], NULL, 0));
		}
		for (k = 0; k < self->l.n; k++) {
			const struct nlt_obj *o = &self->l.v[k];

			if (o->v[TIMERX_NL_A_CTX_ID] != ids[i])
				continue;
			EXPECT_EQ((__u64)getpid(), o->v[TIMERX_NL_A_OWNER_PID]);
			EXPECT_EQ(0ULL, o->v[TIMERX_NL_A_OWNER_UID]);
			EXPECT_EQ(i % 2 ? 16ULL : 0ULL, o->v[TIMERX_NL_A_RING_ENTRIES]);
			EXPECT_EQ(i % 4 == 1 ? 1ULL : 0ULL, o->v[TIMERX_NL_A_TIMERS]);
			EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_LATENESS));
		}
		if (HAS_FAILED())
			break;
	}
	/* Root sees every context: the dump has as many as STATS counts. */
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s);
	EXPECT_EQ(s.v[TIMERX_NL_A_CONTEXTS], (__u64)self->l.n) {
		TH_LOG("CTX_GET dump has %zu contexts, STATS_GET CONTEXTS %llu", self->l.n,
		       (unsigned long long)s.v[TIMERX_NL_A_CONTEXTS]);
	}
	TH_LOG("%zu contexts in %u recv batches", self->l.n, r.recvs);

	/* Closed ones go, the others stay, once each. */
	for (i = 0; i < NCTX; i += 3)
		ctx_close(self, fds[i]);
	dump_ok(TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &r);
	expect_ordered(&self->l, false, "CTX_GET dump after closing some");
	for (i = 0; i < NCTX; i++) {
		snprintf(what, sizeof(what), "context %u (%s)", ids[i], i % 3 ? "open" : "closed");
		EXPECT_EQ(i % 3 ? 1U : 0U, entries_of(&self->l, ids[i], NULL, 0)) {
			TH_LOG("%s", what);
		}
	}
}

TEST_F_TIMEOUT(dump, timer_dump_5000, 180)
{
	enum { NT = 5000 };
	__u32 *ids = calloc(NT, sizeof(*ids)), *left;
	struct nlt_reply r;
	size_t i, k, nleft;
	__u32 ctx;
	int fd, ret;

	ASSERT_NE(NULL, ids);
	ASSERT_TRUE(self->have_saved);
	if (self->saved.v[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX] < NT) {
		self->restore_cfg = true;
		ret = nlt_config_set1(&self->n, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, NT);
		ASSERT_EQ(0, ret) TH_LOG("raising max_timers_per_ctx: %s", nlt_strerr(ret));
	}
	fd = ctx_open(16);
	ctx = ctx_id(fd);
	for (i = 0; i < NT; i++) {
		ret = tx_create(fd, i % 3 ? CLOCK_MONOTONIC : CLOCK_BOOTTIME,
				i % 2 ? TIMERX_CREATE_F_SOFT : 0, 0, i, &ids[i]);
		ASSERT_EQ(0, ret) TH_LOG("timer %zu: %s", i, strerror(-ret));
	}
	qsort(ids, NT, sizeof(*ids), nlt_cmp_u32);

	dump_ok(TIMERX_NL_CMD_TIMER_GET, ctx, &r);
	TH_LOG("%zu timers in %u messages, %u recv batches", self->l.n, r.msgs, r.recvs);
	EXPECT_EQ(0U, r.intr) TH_LOG("NLM_F_DUMP_INTR while nothing changed");
	EXPECT_LT(1U, r.recvs) TH_LOG("5000 timers in a single recv: the dump never resumed");
	expect_ordered(&self->l, true, "TIMER_GET dump of 5000 timers");
	expect_timer_ids(&self->l, ctx, ids, NT, "TIMER_GET dump of 5000 timers");
	for (i = 0; i < self->l.n; i++) {
		const struct nlt_obj *o = &self->l.v[i];

		EXPECT_EQ((__u64)ctx, o->v[TIMERX_NL_A_CTX_ID]);
		EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_STATE) && nlt_has(o, TIMERX_NL_A_USER_DATA) &&
			    nlt_has(o, TIMERX_NL_A_CLOCKID) && nlt_has(o, TIMERX_NL_A_FIRES)) {
			TH_LOG("timer %llu: attributes missing",
			       (unsigned long long)o->v[TIMERX_NL_A_TIMER_ID]);
		}
		if (HAS_FAILED())
			break;
	}

	/* Holes: delete every 10th; the dump skips exactly those. */
	left = calloc(NT, sizeof(*left));
	ASSERT_NE(NULL, left);
	for (i = 0, nleft = 0; i < NT; i++) {
		if (i % 10 == 3) {
			ASSERT_EQ(0, tx_delete(fd, ids[i]));
		} else {
			left[nleft++] = ids[i];
		}
	}
	dump_ok(TIMERX_NL_CMD_TIMER_GET, ctx, &r);
	expect_ordered(&self->l, true, "TIMER_GET dump after deleting 500");
	expect_timer_ids(&self->l, ctx, left, nleft, "TIMER_GET dump after deleting 500");
	for (k = 0; k < self->l.n; k++)
		EXPECT_EQ((__u64)ctx, self->l.v[k].v[TIMERX_NL_A_CTX_ID]);
	free(left);
	free(ids);
}

TEST_F_TIMEOUT(dump, timer_dump_all_contexts, 120)
{
	enum { NC = 3 };
	static const int per_ctx[NC] = { 10, 20, 30 };
	__u32 ctx[NC], ids[NC][30], empty_ctx, gone_ctx;
	struct nlt_reply r;
	int fd, empty, i, k, ret;

	for (i = 0; i < NC; i++) {
		fd = ctx_open(16);
		ctx[i] = ctx_id(fd);
		for (k = 0; k < per_ctx[i]; k++) {
			ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, k, &ids[i][k]));
		}
		qsort(ids[i], per_ctx[i], sizeof(__u32), nlt_cmp_u32);
	}
	empty = ctx_open(16);
	empty_ctx = ctx_id(empty);
	fd = ctx_open(16);
	gone_ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, NULL));
	ctx_close(self, fd);

	/* Without CTX_ID: every visible context's timers, in (ctx, timer) order. */
	dump_ok(TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, &r);
	expect_ordered(&self->l, true, "system-wide TIMER_GET dump");
	for (i = 0; i < NC; i++)
		expect_timer_ids(&self->l, ctx[i], ids[i], per_ctx[i], "system-wide dump");
	EXPECT_EQ(0U, entries_of(&self->l, empty_ctx, NULL, 0));
	EXPECT_EQ(0U, entries_of(&self->l, gone_ctx, NULL, 0)) TH_LOG("timers of a closed context");

	/* With CTX_ID: that context only. */
	for (i = 0; i < NC; i++) {
		dump_ok(TIMERX_NL_CMD_TIMER_GET, ctx[i], &r);
		EXPECT_EQ((size_t)per_ctx[i], self->l.n);
		expect_timer_ids(&self->l, ctx[i], ids[i], per_ctx[i], "one context's dump");
	}
	dump_ok(TIMERX_NL_CMD_TIMER_GET, empty_ctx, &r);
	EXPECT_EQ(0U, self->l.n) TH_LOG("timers in a context without any");

	/* A context that is gone: nothing (ENOENT, or an empty dump). */
	ret = nlt_dump(&self->n, TIMERX_NL_CMD_TIMER_GET, gone_ctx, &self->l, &r);
	EXPECT_TRUE(ret == -ENOENT || (!ret && !self->l.n)) {
		TH_LOG("TIMER_GET dump of a closed context: %s, %zu timers", nlt_strerr(ret),
		       self->l.n);
	}
	TH_LOG("TIMER_GET dump of a closed context: %s, %zu timers", nlt_strerr(ret), self->l.n);
	ret = nlt_dump(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_BAD_ID, &self->l, &r);
	EXPECT_TRUE(ret == -ENOENT || (!ret && !self->l.n)) {
		TH_LOG("TIMER_GET dump of context %u: %s, %zu timers", NLT_BAD_ID,
		       nlt_strerr(ret), self->l.n);
	}
}

/* ------------------------------------------------------------------ */
/* Dumps while contexts and timers come and go                        */
/* ------------------------------------------------------------------ */

struct churn {
	pthread_t thread;
	atomic_bool stop;
	atomic_ulong rounds;
	atomic_uint errors;
	int fd;			/* a context whose timers come and go */
	bool timers_only;	/* no contexts opened and closed */
	int last_err;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	__u32 id;
	int fd, ret;

	while (!atomic_load(&c->stop)) {
		/* A whole context, opened and closed. */
		fd = c->timers_only ? -1 : tx_open();
		if (!c->timers_only &&
		    (fd < 0 || tx_setup(fd, 2, NULL) ||
		     tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, NULL) ||
		     tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id) || tx_delete(fd, id))) {
			atomic_fetch_add(&c->errors, 1);
			c->last_err = errno;
		}
		if (fd >= 0)
			close(fd);
		/* A timer of a long-lived context, created and deleted. */
		ret = tx_create(c->fd, CLOCK_MONOTONIC, 0, 0, 0, &id);
		if (ret || tx_delete(c->fd, id)) {
			atomic_fetch_add(&c->errors, 1);
			c->last_err = -ret;
		}
		atomic_fetch_add(&c->rounds, 1);
		usleep(200);
	}
	return NULL;
}

static int churn_start(struct churn *c, int fd, bool timers_only)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->timers_only = timers_only;
	atomic_init(&c->stop, false);
	return pthread_create(&c->thread, NULL, churn_main, c);
}

static void churn_stop(struct churn *c)
{
	atomic_store(&c->stop, true);
	pthread_join(c->thread, NULL);
}

struct churn_stats {
	unsigned int passes;
	unsigned int interrupted;
	unsigned int clean;		/* uninterrupted passes */
	unsigned int multi;		/* passes over more than one recv */
	unsigned int intr_dups;		/* duplicates in interrupted passes (allowed) */
};

/*
 * One dump pass under churn, paced so that changes land between its
 * messages. An uninterrupted pass must be a consistent view: strictly
 * ordered and with every entry of @stable (sorted ids of @stable_ctx; for
 * context dumps, @stable lists context ids).
 */
#define churn_pass(cmd, stable_ctx, stable, nstable, st) \
	__churn_pass(_metadata, self, cmd, stable_ctx, stable, nstable, st)
static void __churn_pass(struct __test_metadata *_metadata, struct _test_data_dump *self,
			 __u8 cmd, __u32 stable_ctx, const __u32 *stable, size_t nstable,
			 struct churn_stats *st)
{
	bool timers = cmd == TIMERX_NL_CMD_TIMER_GET;
	struct nlt_reply r;
	struct order o;
	size_t i;
	int ret;

	nlt_set_recv_delay_us(3000);
	ret = nlt_dump(&self->n, cmd, NLT_NONE_ID, &self->l, &r);
	nlt_set_recv_delay_us(0);
	ASSERT_EQ(0, ret) TH_LOG("%s dump under churn: %s, extack \"%s\"", nlt_cmd_name(cmd),
				 nlt_strerr(ret), r.extack);
	EXPECT_EQ(0U, r.bad) TH_LOG("%s", r.why);
	st->passes++;
	st->multi += r.recvs > 1;
	o = check_order(&self->l, timers);
	if (r.intr) {
		st->interrupted++;
		st->intr_dups += o.dups;
		return;
	}
	st->clean++;
	EXPECT_EQ(0U, o.dups + o.back) {
		TH_LOG("uninterrupted %s dump: %u duplicates, %u out of order (first at %zu)",
		       nlt_cmd_name(cmd), o.dups, o.back, o.first_bad);
	}
	if (timers) {
		expect_timer_ids(&self->l, stable_ctx, stable, nstable,
				 "uninterrupted TIMER_GET dump under churn");
		return;
	}
	for (i = 0; i < nstable; i++) {
		EXPECT_EQ(1U, entries_of(&self->l, stable[i], NULL, 0)) {
			TH_LOG("uninterrupted CTX_GET dump under churn: context %u %zu times",
			       stable[i], entries_of(&self->l, stable[i], NULL, 0));
		}
		if (HAS_FAILED())
			break;
	}
}

TEST_F_TIMEOUT(dump, dump_under_churn, 200)
{
	enum { NT = 1500, NCTX = 150, MAX_PASSES = 40, MIN_PASSES = 6 };
	struct churn_stats ts = { 0 }, cs = { 0 };
	__u32 *tids = calloc(NT, sizeof(*tids)), cids[NCTX + 2], churn_ctx, sctx;
	struct churn c;
	struct nlt_reply r;
	__s64 start;
	int fd, cfd, i, ret, restarts_clean = 0;

	ASSERT_NE(NULL, tids);
	ASSERT_TRUE(self->have_saved);
	if (self->saved.v[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX] < NT) {
		self->restore_cfg = true;
		ret = nlt_config_set1(&self->n, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, NT);
		ASSERT_EQ(0, ret) TH_LOG("raising max_timers_per_ctx: %s", nlt_strerr(ret));
	}
	/* A stable context with many timers, and many idle contexts. */
	fd = ctx_open(16);
	sctx = ctx_id(fd);
	cids[0] = sctx;
	for (i = 0; i < NT; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &tids[i]));
	}
	qsort(tids, NT, sizeof(*tids), nlt_cmp_u32);
	for (i = 1; i <= NCTX; i++)
		cids[i] = ctx_id(ctx_open(0));
	cfd = ctx_open(16);
	churn_ctx = ctx_id(cfd);
	cids[NCTX + 1] = churn_ctx;
	qsort(cids, NCTX + 2, sizeof(*cids), nlt_cmp_u32);

	ASSERT_EQ(0, churn_start(&c, cfd, false));
	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < MAX_PASSES && !HAS_FAILED(); i++) {
		churn_pass(TIMERX_NL_CMD_TIMER_GET, sctx, tids, NT, &ts);
		if (HAS_FAILED())
			break;
		/* CTX_GET passes too, over the idle contexts. */
		churn_pass(TIMERX_NL_CMD_CTX_GET, 0, cids, NCTX + 2, &cs);
		if (i + 1 >= MIN_PASSES && ts.interrupted && cs.interrupted)
			break;
		if (tx_ms_since(start) > 60000)
			break;
	}
	/*
	 * What a client does: restart an interrupted dump, unpaced. Under
	 * constant churn a clean pass is luck; count how often it came.
	 */
	for (i = 0; i < 10 && !HAS_FAILED(); i++) {
		ret = nlt_dump(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, &self->l, &r);
		ASSERT_EQ(0, ret) TH_LOG("restarted dump: %s", nlt_strerr(ret));
		if (r.intr)
			continue;
		restarts_clean++;
		expect_ordered(&self->l, true, "uninterrupted restart under churn");
		expect_timer_ids(&self->l, sctx, tids, NT, "uninterrupted restart under churn");
	}
	churn_stop(&c);
	TH_LOG("unpaced restarts under churn: %d of %d uninterrupted", restarts_clean, i);
	TH_LOG("churn: %lu rounds, %u errors (last %s)", (unsigned long)atomic_load(&c.rounds),
	       atomic_load(&c.errors), strerror(c.last_err));
	TH_LOG("TIMER_GET: %u passes, %u interrupted, %u clean, %u multi-recv, %u dups if intr",
	       ts.passes, ts.interrupted, ts.clean, ts.multi, ts.intr_dups);
	TH_LOG("CTX_GET: %u passes, %u interrupted, %u clean, %u multi-recv, %u dups if intr",
	       cs.passes, cs.interrupted, cs.clean, cs.multi, cs.intr_dups);
	EXPECT_EQ(0U, atomic_load(&c.errors)) TH_LOG("the churn thread's ioctls failed");
	EXPECT_LT(0UL, (unsigned long)atomic_load(&c.rounds));
	EXPECT_LT(0U, ts.multi) TH_LOG("no TIMER_GET dump spanned more than one recv");
	EXPECT_LT(0U, ts.interrupted) {
		TH_LOG("no TIMER_GET dump under churn was marked NLM_F_DUMP_INTR");
	}
	if (cs.multi) {
		EXPECT_LT(0U, cs.interrupted) {
			TH_LOG("no CTX_GET dump under churn was marked NLM_F_DUMP_INTR");
		}
	}

	/* Quiet again: the restarted dumps are complete and consistent. */
	dump_ok(TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, &r);
	EXPECT_EQ(0U, r.intr) TH_LOG("TIMER_GET dump interrupted with nothing changing");
	expect_ordered(&self->l, true, "TIMER_GET dump after the churn");
	expect_timer_ids(&self->l, sctx, tids, NT, "TIMER_GET dump after the churn");
	EXPECT_EQ(0U, entries_of(&self->l, churn_ctx, NULL, 0)) {
		TH_LOG("timers the churn thread deleted are still listed");
	}
	EXPECT_EQ((size_t)NT, self->l.n) TH_LOG("timers of closed contexts still listed");

	dump_ok(TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &r);
	EXPECT_EQ(0U, r.intr);
	expect_ordered(&self->l, false, "CTX_GET dump after the churn");
	EXPECT_EQ((size_t)NCTX + 2, self->l.n) TH_LOG("contexts the churn thread closed listed");
	for (i = 0; i < NCTX + 2; i++) {
		EXPECT_EQ(1U, entries_of(&self->l, cids[i], NULL, 0)) {
			TH_LOG("context %u after the churn", cids[i]);
		}
	}
	free(tids);
}


/*
 * Timers coming and going in one context interrupt a dump that is in the
 * middle of that context, and only that: an engine's churn must not make
 * every other context's dump fail.
 */
TEST_F_TIMEOUT(dump, timer_churn_interrupts_only_its_context, 200)
{
	enum { NT = 1500, PASSES = 4 };
	__u32 *tids = calloc(NT, sizeof(*tids)), sctx;
	struct churn_stats other = { 0 }, own = { 0 };
	int fd, cfd, i, ret;
	struct churn c;

	ASSERT_NE(NULL, tids);
	ASSERT_TRUE(self->have_saved);
	if (self->saved.v[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX] < NT + 16) {
		self->restore_cfg = true;
		ret = nlt_config_set1(&self->n, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, NT + 16);
		ASSERT_EQ(0, ret) TH_LOG("raising max_timers_per_ctx: %s", nlt_strerr(ret));
	}
	fd = ctx_open(16);
	sctx = ctx_id(fd);
	for (i = 0; i < NT; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &tids[i]));
	}
	qsort(tids, NT, sizeof(*tids), nlt_cmp_u32);
	cfd = ctx_open(16);

	/* Churn in another context: dumps of this one stay clean. */
	ASSERT_EQ(0, churn_start(&c, cfd, true));
	for (i = 0; i < PASSES && !HAS_FAILED(); i++) {
		struct nlt_reply r;

		nlt_set_recv_delay_us(3000);
		ret = nlt_dump(&self->n, TIMERX_NL_CMD_TIMER_GET, sctx, &self->l, &r);
		nlt_set_recv_delay_us(0);
		ASSERT_EQ(0, ret) TH_LOG("dump: %s", nlt_strerr(ret));
		other.passes++;
		other.multi += r.recvs > 1;
		other.interrupted += r.intr;
		expect_ordered(&self->l, true, "dump beside another context's churn");
		expect_timer_ids(&self->l, sctx, tids, NT, "dump beside another context's churn");
	}
	churn_stop(&c);
	EXPECT_EQ(0U, atomic_load(&c.errors));
	EXPECT_LT(0U, other.multi) TH_LOG("no dump spanned more than one recv");
	EXPECT_EQ(0U, other.interrupted) {
		TH_LOG("%u of %u dumps interrupted by another context's timers",
		       other.interrupted, other.passes);
	}

	/*
	 * Churn in the dumped context itself: its dumps are marked. (A clean
	 * pass may list a churn timer, so only the marking is checked.)
	 */
	ASSERT_EQ(0, churn_start(&c, fd, true));
	for (i = 0; i < PASSES && !HAS_FAILED(); i++) {
		struct nlt_reply r;

		nlt_set_recv_delay_us(3000);
		ret = nlt_dump(&self->n, TIMERX_NL_CMD_TIMER_GET, sctx, &self->l, &r);
		nlt_set_recv_delay_us(0);
		ASSERT_EQ(0, ret) TH_LOG("dump: %s", nlt_strerr(ret));
		own.passes++;
		own.interrupted += r.intr;
	}
	churn_stop(&c);
	EXPECT_EQ(0U, atomic_load(&c.errors));
	EXPECT_LT(0U, own.interrupted) {
		TH_LOG("none of %u dumps with the context's own timers changing was marked",
		       own.passes);
	}
	free(tids);
}

TEST_HARNESS_MAIN
