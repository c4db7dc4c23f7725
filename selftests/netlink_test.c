// SPDX-License-Identifier: GPL-2.0
/*
 * timerx generic netlink family ("timerx" v1), through libnl-genl-3: family
 * and group resolution, STATS/CTX/TIMER/CONFIG commands, strict validation,
 * visibility for unprivileged users, and the monitor group's notifications.
 * Dumps are in netlink_dump_test.c.
 *
 * Everything is checked against include/uapi/linux/timerx.h ("Control
 * plane" and the netlink enums). Settings are changed only through the
 * fixture, which restores them (and the device's mode) in its teardown.
 */
#include "netlink_util.h"

#define MAX_FDS		32

FIXTURE(nl)
{
	struct nlt n;
	struct nlt_config saved;	/* settings at setup */
	bool have_saved;
	bool restore_cfg;
	int fds[MAX_FDS];
	int nfds;
	struct nlt_mon mon;
	bool mon_open;
	mode_t mode;
	bool chmodded;
};

FIXTURE_SETUP(nl)
{
	struct nlt_reply r;
	int ret;

	self->nfds = 0;
	self->restore_cfg = false;
	self->mon_open = false;
	self->chmodded = false;
	nlt_connect(&self->n);
	ret = nlt_config_get(&self->n, &self->saved, &r);
	self->have_saved = !ret && self->saved.present == NLT_CFG_ALL;
	if (!self->have_saved)
		TH_LOG("CONFIG_GET at setup: %s (settings 0x%x of 0x%x), extack \"%s\"",
		       nlt_strerr(ret), self->saved.present, NLT_CFG_ALL, r.extack);
}

/* Put every setting back: netlink first, module parameters if that fails. */
static void restore_config(struct _test_data_nl *self)
{
	struct nlt_config now;
	int ret, t;

	ret = nlt_config_set(&self->n, &self->saved, NULL, NULL);
	if (!ret && !nlt_config_get(&self->n, &now, NULL) &&
	    !memcmp(now.v, self->saved.v, sizeof(now.v)))
		return;
	fprintf(stderr, "# teardown: CONFIG_SET restore: %s; writing parameters\n",
		nlt_strerr(ret));
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++)
		if (tx_param_exists(nlt_cfg_name[t]))
			tx_param_write(nlt_cfg_name[t], self->saved.v[t]);
}

FIXTURE_TEARDOWN(nl)
{
	int i;

	for (i = 0; i < self->nfds; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	if (self->mon_open)
		nlt_mon_close(&self->mon);
	if (self->restore_cfg)
		restore_config(self);
	if (self->chmodded)
		chmod(TIMERX_DEVICE_PATH, self->mode);
	nlt_close(&self->n);
}

/* ------------------------------------------------------------------ */
/* Helpers (test process only)                                        */
/* ------------------------------------------------------------------ */

/* Open a context (SETUP_RING unless @entries is 0), closed by the teardown. */
#define ctx_open(entries) __ctx_open(_metadata, self, entries)
static int __ctx_open(struct __test_metadata *_metadata, struct _test_data_nl *self,
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

static void ctx_close(struct _test_data_nl *self, int fd)
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

/* Change settings (restored by the teardown); must succeed. */
#define change_cfg(c) __change_cfg(_metadata, self, c)
static void __change_cfg(struct __test_metadata *_metadata, struct _test_data_nl *self,
			 const struct nlt_config *c)
{
	struct nlt_reply r;
	int ret;

	ASSERT_TRUE(self->have_saved) TH_LOG("no CONFIG_GET at setup: cannot restore");
	self->restore_cfg = true;
	ret = nlt_config_set(&self->n, c, NULL, &r);
	ASSERT_EQ(0, ret) TH_LOG("CONFIG_SET: %s, extack \"%s\"", nlt_strerr(ret), r.extack);
}

#define change_cfg1(attr, v) __change_cfg1(_metadata, self, attr, v)
static void __change_cfg1(struct __test_metadata *_metadata, struct _test_data_nl *self,
			  int attr, __u64 v)
{
	struct nlt_config c = { 0 };

	nlt_cfg_set(&c, attr, v);
	__change_cfg(_metadata, self, &c);
}

#define get_cfg(c) __get_cfg(_metadata, self, c)
static void __get_cfg(struct __test_metadata *_metadata, struct _test_data_nl *self,
		      struct nlt_config *c)
{
	struct nlt_obj o;

	nlt_get(&self->n, TIMERX_NL_CMD_CONFIG_GET, NLT_NONE_ID, NLT_NONE_ID, &o);
	ASSERT_EQ(NLT_CFG_ALL, o.cfg.present) TH_LOG("CONFIG_GET reply lacks settings");
	*c = o.cfg;
}

/* The settings must still be the ones saved at setup. */
#define expect_cfg_saved(what) __expect_cfg_saved(_metadata, self, what)
static void __expect_cfg_saved(struct __test_metadata *_metadata,
			       struct _test_data_nl *self, const char *what)
{
	struct nlt_config now;
	unsigned long long p = 0;
	int t;

	get_cfg(&now);
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		EXPECT_EQ(self->saved.v[t], now.v[t]) {
			TH_LOG("%s changed %s from %llu to %llu", what, nlt_cfg_name[t],
			       (unsigned long long)self->saved.v[t],
			       (unsigned long long)now.v[t]);
		}
		if (!nlt_param_read(nlt_cfg_name[t], &p)) {
			EXPECT_EQ(self->saved.v[t], (__u64)p) {
				TH_LOG("%s changed parameter %s to %llu", what,
				       nlt_cfg_name[t], p);
			}
		}
	}
}

/* A request with optional CTX_ID / TIMER_ID. */
static struct nl_msg *req(const struct nlt *n, __u8 cmd, __s64 ctx, __s64 timer)
{
	struct nl_msg *msg = nlt_msg_size(n, cmd, 0, 1 << 18);

	if (msg && ctx >= 0)
		nla_put_u32(msg, TIMERX_NL_A_CTX_ID, (__u32)ctx);
	if (msg && timer >= 0)
		nla_put_u32(msg, TIMERX_NL_A_TIMER_ID, (__u32)timer);
	return msg;
}

static void read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Attributes a reply must carry. */
#define expect_attrs(o, what, ...) __expect_attrs(_metadata, o, what, \
	(const int[]){ __VA_ARGS__ }, sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))
static void __expect_attrs(struct __test_metadata *_metadata, const struct nlt_obj *o,
			   const char *what, const int *attrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(nlt_has(o, attrs[i])) {
			TH_LOG("%s: attribute %d missing", what, attrs[i]);
		}
	}
}

/* Layout of any LATENESS nest (a snapshot: no exact sums). */
#define check_hist_layout(h, what) __check_hist_layout(_metadata, h, what)
static void __check_hist_layout(struct __test_metadata *_metadata, const struct nlt_hist *h,
				const char *what)
{
	EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_SUB_BITS)) TH_LOG("%s: no SUB_BITS", what);
	EXPECT_EQ((__u32)TIMERX_HIST_SUB_BITS, h->sub_bits) TH_LOG("%s: SUB_BITS", what);
	EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_NR_BUCKETS)) TH_LOG("%s: no NR_BUCKETS", what);
	EXPECT_EQ((__u32)TIMERX_HIST_BUCKETS, h->nr_buckets) TH_LOG("%s: NR_BUCKETS", what);
	EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_COUNT)) TH_LOG("%s: no COUNT", what);
	EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_SUM_NS)) TH_LOG("%s: no SUM_NS", what);
	EXPECT_EQ(0U, h->buckets_len % sizeof(struct timerx_hist_bucket)) {
		TH_LOG("%s: BUCKETS of %u bytes", what, h->buckets_len);
	}
	EXPECT_STREQ("", h->bad) TH_LOG("%s: bucket array", what);
	if (h->count) {
		EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_MIN_NS)) TH_LOG("%s: no MIN_NS", what);
		EXPECT_TRUE(nlt_hist_has(h, TIMERX_NL_HIST_A_MAX_NS)) TH_LOG("%s: no MAX_NS", what);
		EXPECT_LE(h->min_ns, h->max_ns) TH_LOG("%s: MIN > MAX", what);
		EXPECT_LT(0U, h->nbuckets) TH_LOG("%s: COUNT %llu but no bucket", what,
						  (unsigned long long)h->count);
	} else {
		EXPECT_FALSE(nlt_hist_has(h, TIMERX_NL_HIST_A_MIN_NS)) {
			TH_LOG("%s: MIN_NS with COUNT 0", what);
		}
		EXPECT_FALSE(nlt_hist_has(h, TIMERX_NL_HIST_A_MAX_NS)) {
			TH_LOG("%s: MAX_NS with COUNT 0", what);
		}
		EXPECT_EQ(0U, h->nbuckets) TH_LOG("%s: buckets with COUNT 0", what);
	}
}

/* A histogram nothing writes to any more: everything adds up exactly. */
#define check_hist_exact(h, what) __check_hist_exact(_metadata, h, what)
static void __check_hist_exact(struct __test_metadata *_metadata, const struct nlt_hist *h,
			       const char *what)
{
	__check_hist_layout(_metadata, h, what);
	EXPECT_EQ(h->count, h->bucket_sum) TH_LOG("%s: sum of bucket counts != COUNT", what);
	if (!h->count || !h->nbuckets)
		return;
	EXPECT_EQ(nlt_bucket_of(h->min_ns, h->sub_bits, h->nr_buckets), h->first_index) {
		TH_LOG("%s: first bucket %u does not hold MIN_NS %llu", what, h->first_index,
		       (unsigned long long)h->min_ns);
	}
	EXPECT_EQ(nlt_bucket_of(h->max_ns, h->sub_bits, h->nr_buckets), h->last_index) {
		TH_LOG("%s: last bucket %u does not hold MAX_NS %llu", what, h->last_index,
		       (unsigned long long)h->max_ns);
	}
	EXPECT_LE(h->count * h->min_ns, h->sum_ns) TH_LOG("%s: SUM_NS < COUNT * MIN_NS", what);
	EXPECT_GE(h->count * h->max_ns, h->sum_ns) TH_LOG("%s: SUM_NS > COUNT * MAX_NS", what);
}

static void expect_owner(struct __test_metadata *_metadata, const struct nlt_obj *o,
			 pid_t pid, uid_t uid, const char *what)
{
	char comm[32];

	tx_comm(comm, sizeof(comm));
	EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_OWNER_UID)) TH_LOG("%s: no OWNER_UID", what);
	EXPECT_EQ((__u64)uid, o->v[TIMERX_NL_A_OWNER_UID]) TH_LOG("%s: OWNER_UID", what);
	if (pid) {
		EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_OWNER_PID)) TH_LOG("%s: no OWNER_PID", what);
		EXPECT_EQ((__u64)pid, o->v[TIMERX_NL_A_OWNER_PID]) TH_LOG("%s: OWNER_PID", what);
		EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_OWNER_COMM)) TH_LOG("%s: no OWNER_COMM", what);
		EXPECT_STREQ(comm, o->comm) TH_LOG("%s: OWNER_COMM", what);
	}
}

/* Wait (by GET only: nothing is consumed) for @n expirations of @id. */
#define wait_expirations(fd, id, n) __wait_expirations(_metadata, fd, id, n)
static void __wait_expirations(struct __test_metadata *_metadata, int fd, __u32 id, __u64 n)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	struct timerx_timer_info ti;

	do {
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		if (ti.expirations >= n)
			return;
		tx_sleep_ms(2);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_LE(n, ti.expirations) TH_LOG("timer %u: %llu expirations in %d ms", id,
					    (unsigned long long)ti.expirations,
					    TX_FIRE_TIMEOUT_MS);
}

/* ------------------------------------------------------------------ */
/* Family                                                             */
/* ------------------------------------------------------------------ */

TEST_F(nl, family_and_group)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;
	int grp, ret;

	ASSERT_LT(0, self->n.family);
	ret = genl_ctrl_alloc_cache(self->n.sk, &cache);
	ASSERT_EQ(0, ret) TH_LOG("controller dump: %s", nl_geterror(ret));
	fam = genl_ctrl_search_by_name(cache, TIMERX_GENL_NAME);
	ASSERT_NE(NULL, fam) TH_LOG("\"%s\" not in the controller's family list",
				    TIMERX_GENL_NAME);
	EXPECT_EQ(self->n.family, (int)genl_family_get_id(fam));
	EXPECT_EQ((unsigned int)TIMERX_GENL_VERSION, genl_family_get_version(fam));
	TH_LOG("family %d version %u maxattr %u", genl_family_get_id(fam),
	       genl_family_get_version(fam), genl_family_get_maxattr(fam));
	genl_family_put(fam);
	nl_cache_free(cache);

	grp = genl_ctrl_resolve_grp(self->n.sk, TIMERX_GENL_NAME, TIMERX_GENL_MCGRP_MONITOR);
	EXPECT_LT(0, grp) TH_LOG("group \"%s\": %s", TIMERX_GENL_MCGRP_MONITOR,
				 nl_geterror(grp));
	EXPECT_GT(0, genl_ctrl_resolve_grp(self->n.sk, TIMERX_GENL_NAME, "no-such-group"));
}

/* ------------------------------------------------------------------ */
/* STATS_GET                                                          */
/* ------------------------------------------------------------------ */

TEST_F(nl, stats_get)
{
	char ver[64];
	struct nlt_obj s;

	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s);
	expect_attrs(&s, "STATS_GET", TIMERX_NL_A_API_VERSION, TIMERX_NL_A_MODULE_VERSION,
		     TIMERX_NL_A_CONTEXTS, TIMERX_NL_A_TIMERS, TIMERX_NL_A_FIRES,
		     TIMERX_NL_A_EXPIRATIONS, TIMERX_NL_A_EVENTS, TIMERX_NL_A_RING_FULL,
		     TIMERX_NL_A_LATENESS);
	EXPECT_EQ((__u8)TIMERX_GENL_VERSION, s.version) TH_LOG("genlmsghdr.version of the reply");
	EXPECT_EQ((__u64)TIMERX_API_VERSION, s.v[TIMERX_NL_A_API_VERSION]);
	EXPECT_NE('\0', s.modver[0]) TH_LOG("empty MODULE_VERSION");
	read_text("/sys/module/timerx/version", ver, sizeof(ver));
	if (ver[0]) {
		EXPECT_STREQ(ver, s.modver) TH_LOG("MODULE_VERSION != /sys/module/timerx/version");
	}
	EXPECT_LE(s.v[TIMERX_NL_A_FIRES], s.v[TIMERX_NL_A_EXPIRATIONS]);
	check_hist_layout(&s.hist, "STATS_GET LATENESS");
	TH_LOG("module %s: %llu contexts, %llu timers, %llu fires", s.modver,
	       (unsigned long long)s.v[TIMERX_NL_A_CONTEXTS],
	       (unsigned long long)s.v[TIMERX_NL_A_TIMERS],
	       (unsigned long long)s.v[TIMERX_NL_A_FIRES]);
}

TEST_F(nl, stats_counts)
{
	struct nlt_obj s0, s1, s2, s3;
	__u32 ids[3];
	int fd, i;

	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s0);
	fd = ctx_open(16);
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s1);
	EXPECT_EQ(s0.v[TIMERX_NL_A_CONTEXTS] + 1, s1.v[TIMERX_NL_A_CONTEXTS]) {
		TH_LOG("an open of %s is not counted in CONTEXTS", TIMERX_DEVICE_PATH);
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
	}
	ASSERT_EQ(0, tx_arm(fd, ids[0], 0, NSEC_PER_MSEC, 0));
	tx_wait_delivered(fd, ids, 1);
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s2);
	EXPECT_EQ(s0.v[TIMERX_NL_A_TIMERS] + 3, s2.v[TIMERX_NL_A_TIMERS]) {
		TH_LOG("3 new timers not counted in TIMERS");
	}
	EXPECT_LE(s0.v[TIMERX_NL_A_FIRES] + 1, s2.v[TIMERX_NL_A_FIRES]);
	EXPECT_LE(s0.v[TIMERX_NL_A_EXPIRATIONS] + 1, s2.v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_LE(s0.v[TIMERX_NL_A_EVENTS] + 1, s2.v[TIMERX_NL_A_EVENTS]);
	EXPECT_LE(s0.hist.count + 1, s2.hist.count) TH_LOG("global LATENESS missed a callback");

	ctx_close(self, fd);
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s3);
	EXPECT_EQ(s0.v[TIMERX_NL_A_CONTEXTS], s3.v[TIMERX_NL_A_CONTEXTS]) {
		TH_LOG("a closed context is still counted in CONTEXTS");
	}
	EXPECT_EQ(s0.v[TIMERX_NL_A_TIMERS], s3.v[TIMERX_NL_A_TIMERS]) {
		TH_LOG("timers of a closed context still counted as live");
	}
	/* Totals keep what closed contexts did. */
	EXPECT_LE(s2.v[TIMERX_NL_A_FIRES], s3.v[TIMERX_NL_A_FIRES]);
	EXPECT_LE(s2.v[TIMERX_NL_A_EXPIRATIONS], s3.v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_LE(s2.v[TIMERX_NL_A_EVENTS], s3.v[TIMERX_NL_A_EVENTS]);
	EXPECT_LE(s2.hist.count, s3.hist.count);
}

/* ------------------------------------------------------------------ */
/* CTX_GET                                                            */
/* ------------------------------------------------------------------ */

TEST_F(nl, ctx_get_do)
{
	struct timerx_ctx_info ci;
	struct timerx_event e;
	struct nlt_obj o;
	__u32 ids[3], ctx;
	int fd, fd0, i;

	fd = ctx_open(64);
	ctx = ctx_id(fd);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
	}
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &o);
	expect_attrs(&o, "CTX_GET", TIMERX_NL_A_CTX_ID, TIMERX_NL_A_OWNER_PID,
		     TIMERX_NL_A_OWNER_UID, TIMERX_NL_A_OWNER_COMM, TIMERX_NL_A_TIMERS,
		     TIMERX_NL_A_RING_ENTRIES, TIMERX_NL_A_RING_USED, TIMERX_NL_A_EVENTS,
		     TIMERX_NL_A_EXPIRATIONS, TIMERX_NL_A_RING_FULL, TIMERX_NL_A_WAKEUPS,
		     TIMERX_NL_A_PENDING, TIMERX_NL_A_LATENESS);
	EXPECT_EQ((__u64)ctx, o.v[TIMERX_NL_A_CTX_ID]);
	expect_owner(_metadata, &o, getpid(), 0, "CTX_GET");
	EXPECT_EQ(3ULL, o.v[TIMERX_NL_A_TIMERS]);
	EXPECT_EQ(64ULL, o.v[TIMERX_NL_A_RING_ENTRIES]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_RING_USED]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_EVENTS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_RING_FULL]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_PENDING]);
	EXPECT_EQ(0ULL, o.hist.count) TH_LOG("lateness of a context where nothing fired");
	check_hist_exact(&o.hist, "CTX_GET LATENESS (no fires)");

	/* One expiry, delivered and not consumed. */
	ASSERT_EQ(0, tx_arm(fd, ids[1], 0, NSEC_PER_MSEC, 0));
	tx_wait_delivered(fd, &ids[1], 1);
	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &o);
	EXPECT_EQ(1ULL, o.v[TIMERX_NL_A_RING_USED]) TH_LOG("unread event not in RING_USED");
	EXPECT_EQ(1ULL, o.v[TIMERX_NL_A_EVENTS]);
	EXPECT_EQ(1ULL, o.v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_RING_FULL]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_PENDING]);
	EXPECT_EQ(ci.events, o.v[TIMERX_NL_A_EVENTS]) TH_LOG("EVENTS != CTX_INFO.events");
	EXPECT_EQ(ci.wakeups, o.v[TIMERX_NL_A_WAKEUPS]) TH_LOG("WAKEUPS != CTX_INFO.wakeups");
	EXPECT_EQ(1ULL, o.hist.count) TH_LOG("one callback, context LATENESS COUNT");
	EXPECT_EQ(o.hist.min_ns, o.hist.max_ns);
	check_hist_exact(&o.hist, "CTX_GET LATENESS (one fire)");

	/* Consumed: the ring is empty, the totals stay. */
	ASSERT_EQ(1, tx_read_events(fd, &e, 1));
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &o);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_RING_USED]) TH_LOG("RING_USED after read(2)");
	EXPECT_EQ(1ULL, o.v[TIMERX_NL_A_EVENTS]);

	/* Before SETUP_RING. */
	fd0 = ctx_open(0);
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx_id(fd0), NLT_NONE_ID, &o);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_RING_ENTRIES]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_TIMERS]);
}

TEST_F(nl, ctx_get_errors)
{
	__u32 ctx;
	int fd;

	fd = ctx_open(0);
	ctx = ctx_id(fd);
	ctx_close(self, fd);
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID),
		       ENOENT, false, "CTX_GET of a closed context");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CTX_GET, NLT_BAD_ID, NLT_NONE_ID),
		       ENOENT, false, "CTX_GET of an id never handed out");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CTX_GET, 0, NLT_NONE_ID),
		       ENOENT, false, "CTX_GET of id 0");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, NLT_NONE_ID),
		       EINVAL, false, "CTX_GET do without CTX_ID");
}

/* ------------------------------------------------------------------ */
/* TIMER_GET                                                          */
/* ------------------------------------------------------------------ */

struct bucket_count {
	__u32 index;
	__u64 count;
};

/*
 * Fold the lateness of @n events (one callback each) into buckets, as
 * the header's formula says, and compare with what the kernel sent: the
 * histograms count only what is later than expiry + @slack.
 */
static void expect_hist_matches_events(struct __test_metadata *_metadata,
				       const struct nlt_hist *h,
				       const struct timerx_event *ev, int n,
				       __u64 slack)
{
	static struct bucket_count bc[TIMERX_HIST_BUCKETS];
	__u64 min = UINT64_MAX, max = 0, sum = 0;
	unsigned int nb = 0, i;
	int k;

	memset(bc, 0, sizeof(bc));
	for (k = 0; k < n; k++) {
		__u64 used = (__u64)(ev[k].actual_ns - ev[k].expected_ns);
		__u64 late = used > slack ? used - slack : 0;
		__u32 b = nlt_bucket_of(late, TIMERX_HIST_SUB_BITS, TIMERX_HIST_BUCKETS);

		min = late < min ? late : min;
		max = late > max ? late : max;
		sum += late;
		bc[b].count++;
	}
	EXPECT_EQ(min, h->min_ns) TH_LOG("MIN_NS != min(actual_ns - expected_ns) of the events");
	EXPECT_EQ(max, h->max_ns) TH_LOG("MAX_NS != max(actual_ns - expected_ns) of the events");
	EXPECT_EQ(sum, h->sum_ns) TH_LOG("SUM_NS != sum(actual_ns - expected_ns) of the events");
	for (i = 0; i < TIMERX_HIST_BUCKETS; i++)
		if (bc[i].count)
			bc[nb++] = (struct bucket_count){ i, bc[i].count };
	EXPECT_EQ(nb, h->nbuckets) TH_LOG("non-empty buckets: events say %u", nb);
	for (i = 0; i < nb && i < h->nbuckets && i < NLT_KEEP_BUCKETS; i++) {
		EXPECT_EQ(bc[i].index, h->b[i].index) {
			TH_LOG("bucket %u: index %u, the events' lateness says %u",
			       i, h->b[i].index, bc[i].index);
		}
		EXPECT_EQ(bc[i].count, h->b[i].count) {
			TH_LOG("bucket index %u: count %llu, the events say %llu", bc[i].index,
			       (unsigned long long)h->b[i].count,
			       (unsigned long long)bc[i].count);
		}
	}
}

TEST_F_TIMEOUT(nl, timer_get_periodic, 60)
{
	const __u64 period = 5 * NSEC_PER_MSEC;
	static struct timerx_event ev[1024];
	const __u32 slack = 1000;
	struct timerx_timer_info ti, ti2;
	struct nlt_obj o, c;
	__u64 fires, exp;
	__u32 id, ctx;
	int fd, n, k;
	bool folded = false;

	change_cfg1(TIMERX_NL_CONFIG_A_HISTOGRAMS, 1);
	fd = ctx_open(1024);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0xabcdef, &id));
	ASSERT_EQ(0, tx_arm_seq(fd, id, 0, period, period, 0xfeedf00dU, slack));
	wait_expirations(fd, id, 5);

	/* Armed and firing: a snapshot. */
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id, &o);
	ASSERT_EQ(0, tx_get(fd, id, &ti));
	expect_attrs(&o, "TIMER_GET", TIMERX_NL_A_CTX_ID, TIMERX_NL_A_TIMER_ID,
		     TIMERX_NL_A_USER_DATA, TIMERX_NL_A_CLOCKID, TIMERX_NL_A_FLAGS,
		     TIMERX_NL_A_LAST_CPU, TIMERX_NL_A_STATE, TIMERX_NL_A_PERIOD_NS,
		     TIMERX_NL_A_NEXT_EXPIRY_NS, TIMERX_NL_A_FIRES, TIMERX_NL_A_EXPIRATIONS,
		     TIMERX_NL_A_OVERRUNS, TIMERX_NL_A_EVENTS, TIMERX_NL_A_PENDING,
		     TIMERX_NL_A_SEQ, TIMERX_NL_A_SLACK_NS, TIMERX_NL_A_LATENESS);
	EXPECT_EQ(0xfeedf00dULL, o.v[TIMERX_NL_A_SEQ]);
	EXPECT_EQ((__u64)slack, o.v[TIMERX_NL_A_SLACK_NS]);
	fires = o.v[TIMERX_NL_A_FIRES];
	exp = o.v[TIMERX_NL_A_EXPIRATIONS];
	EXPECT_EQ((__u64)ctx, o.v[TIMERX_NL_A_CTX_ID]);
	EXPECT_EQ((__u64)id, o.v[TIMERX_NL_A_TIMER_ID]);
	EXPECT_EQ(0xabcdefULL, o.v[TIMERX_NL_A_USER_DATA]);
	EXPECT_EQ((__u64)CLOCK_MONOTONIC, o.v[TIMERX_NL_A_CLOCKID]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_FLAGS]);
	EXPECT_EQ((__u64)TX_ARMED, o.v[TIMERX_NL_A_STATE]);
	EXPECT_EQ(period, o.v[TIMERX_NL_A_PERIOD_NS]);
	EXPECT_LE(1ULL, fires);
	EXPECT_LE(fires, exp);
	EXPECT_EQ(exp - fires, o.v[TIMERX_NL_A_OVERRUNS]) TH_LOG("OVERRUNS != EXPIRATIONS - FIRES");
	EXPECT_LE(0LL, (__s64)o.v[TIMERX_NL_A_LAST_CPU]) TH_LOG("LAST_CPU after callbacks ran");
	/* Expiries are whole periods from the first: same grid as GET's. */
	EXPECT_EQ(0LL, ((__s64)o.v[TIMERX_NL_A_NEXT_EXPIRY_NS] - ti.next_expiry_ns) %
		       (__s64)period) {
		TH_LOG("NEXT_EXPIRY_NS %lld is off GET's period grid (%lld)",
		       (long long)o.v[TIMERX_NL_A_NEXT_EXPIRY_NS], (long long)ti.next_expiry_ns);
	}
	EXPECT_GE(3ULL, o.hist.count > fires ? o.hist.count - fires : fires - o.hist.count) {
		TH_LOG("LATENESS COUNT %llu vs FIRES %llu in one snapshot",
		       (unsigned long long)o.hist.count, (unsigned long long)fires);
	}
	check_hist_layout(&o.hist, "TIMER_GET LATENESS (armed)");

	/* Cancelled: nothing changes any more, everything adds up. */
	ASSERT_EQ(0, tx_cancel(fd, id));
	ASSERT_EQ(0, tx_get(fd, id, &ti));
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id, &o);
	fires = o.v[TIMERX_NL_A_FIRES];
	exp = o.v[TIMERX_NL_A_EXPIRATIONS];
	EXPECT_EQ((__u64)TX_IDLE, o.v[TIMERX_NL_A_STATE]);
	EXPECT_FALSE(nlt_has(&o, TIMERX_NL_A_NEXT_EXPIRY_NS)) TH_LOG("NEXT_EXPIRY_NS when idle");
	EXPECT_EQ(ti.expirations, exp) TH_LOG("EXPIRATIONS != GET.expirations");
	EXPECT_EQ(ti.events, o.v[TIMERX_NL_A_EVENTS]) TH_LOG("EVENTS != GET.events");
	EXPECT_EQ(ti.pending, o.v[TIMERX_NL_A_PENDING]) TH_LOG("PENDING != GET.pending");
	EXPECT_EQ((__s64)ti.last_cpu, (__s64)o.v[TIMERX_NL_A_LAST_CPU]);
	EXPECT_EQ(exp - fires, o.v[TIMERX_NL_A_OVERRUNS]) TH_LOG("OVERRUNS != EXPIRATIONS - FIRES");
	EXPECT_LE(5ULL, exp);
	EXPECT_EQ(fires, o.v[TIMERX_NL_A_EVENTS]) {
		TH_LOG("one event per callback (the ring was never full)");
	}
	EXPECT_EQ(fires, o.hist.count) TH_LOG("LATENESS COUNT != FIRES after cancel");
	check_hist_exact(&o.hist, "TIMER_GET LATENESS (cancelled)");

	/* The context's histogram has this timer's callbacks only. */
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &c);
	EXPECT_EQ(o.hist.count, c.hist.count) TH_LOG("context LATENESS COUNT != its timer's");
	EXPECT_EQ(o.hist.sum_ns, c.hist.sum_ns) TH_LOG("context LATENESS SUM != its timer's");
	EXPECT_EQ(exp, c.v[TIMERX_NL_A_EXPIRATIONS]);

	/* The events tell the same story. */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	n = tx_read_events(fd, ev, 1024);
	ASSERT_LE(0, n);
	EXPECT_EQ((__u64)n, fires);
	for (k = 0, exp = 0; k < n; k++) {
		exp += 1 + (__u64)ev[k].overrun;
		folded |= ev[k].overrun != 0;
	}
	EXPECT_EQ(ti.expirations, exp);
	if (!folded && (__u64)n == o.hist.count)
		expect_hist_matches_events(_metadata, &o.hist, ev, n, slack);
	else
		TH_LOG("folded events: per-event lateness not compared");
	ASSERT_EQ(0, tx_get(fd, id, &ti2));
	EXPECT_EQ(ti.expirations, ti2.expirations) TH_LOG("expired after cancel");
}

TEST_F(nl, timer_get_oneshot)
{
	struct timerx_timer_info ti;
	int cpus[TX_MAX_CPUS], fd;
	struct nlt_obj o;
	__u32 a, b, ctx, cpu;

	ASSERT_LT(0, tx_online_cpus(cpus, TX_MAX_CPUS));
	cpu = (__u32)cpus[tx_online_cpus(cpus, TX_MAX_CPUS) - 1];
	fd = ctx_open(16);
	ctx = ctx_id(fd);
	change_cfg1(TIMERX_NL_CONFIG_A_HISTOGRAMS, 0);
	ASSERT_EQ(0, tx_create(fd, CLOCK_REALTIME, 0, 0, 5, &a));
	change_cfg1(TIMERX_NL_CONFIG_A_HISTOGRAMS, 1);
	ASSERT_EQ(0, tx_create(fd, CLOCK_BOOTTIME, TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED,
			       cpu, 6, &b));

	/* Never armed, created with histograms off. */
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, a, &o);
	EXPECT_EQ((__u64)TX_IDLE, o.v[TIMERX_NL_A_STATE]);
	EXPECT_FALSE(nlt_has(&o, TIMERX_NL_A_NEXT_EXPIRY_NS)) TH_LOG("NEXT_EXPIRY_NS when idle");
	EXPECT_FALSE(nlt_has(&o, TIMERX_NL_A_LATENESS)) {
		TH_LOG("LATENESS for a timer created with histograms off");
	}
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_FIRES]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_OVERRUNS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_PERIOD_NS]);
	EXPECT_EQ(-1LL, (__s64)o.v[TIMERX_NL_A_LAST_CPU]) TH_LOG("LAST_CPU before any callback");
	EXPECT_EQ((__u64)CLOCK_REALTIME, o.v[TIMERX_NL_A_CLOCKID]);
	EXPECT_EQ(5ULL, o.v[TIMERX_NL_A_USER_DATA]);

	/* Soft, pinned, histograms on. */
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, b, &o);
	EXPECT_EQ((__u64)(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED),
		  o.v[TIMERX_NL_A_FLAGS]);
	EXPECT_TRUE(nlt_has(&o, TIMERX_NL_A_CPU)) TH_LOG("no CPU for a pinned timer");
	EXPECT_EQ((__u64)cpu, o.v[TIMERX_NL_A_CPU]);
	EXPECT_EQ((__u64)CLOCK_BOOTTIME, o.v[TIMERX_NL_A_CLOCKID]);
	EXPECT_TRUE(nlt_has(&o, TIMERX_NL_A_LATENESS)) {
		TH_LOG("no LATENESS for a timer created with histograms on");
	}
	EXPECT_EQ(0ULL, o.hist.count);
	check_hist_exact(&o.hist, "TIMER_GET LATENESS (never fired)");

	/* Armed an hour out: NEXT_EXPIRY_NS is GET's absolute expiry. */
	ASSERT_EQ(0, tx_arm(fd, b, 0, 3600 * NSEC_PER_SEC, 0));
	ASSERT_EQ(0, tx_get(fd, b, &ti));
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, b, &o);
	EXPECT_EQ((__u64)TX_ARMED, o.v[TIMERX_NL_A_STATE]);
	EXPECT_TRUE(nlt_has(&o, TIMERX_NL_A_NEXT_EXPIRY_NS)) TH_LOG("armed, no NEXT_EXPIRY_NS");
	EXPECT_EQ(ti.next_expiry_ns, (__s64)o.v[TIMERX_NL_A_NEXT_EXPIRY_NS]);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_PERIOD_NS]);

	ASSERT_EQ(0, tx_cancel(fd, b));
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, b, &o);
	EXPECT_EQ((__u64)TX_IDLE, o.v[TIMERX_NL_A_STATE]);
	EXPECT_FALSE(nlt_has(&o, TIMERX_NL_A_NEXT_EXPIRY_NS)) TH_LOG("cancelled, NEXT_EXPIRY_NS");
}

TEST_F(nl, timer_get_errors)
{
	__u32 ctx, other, id, id2;
	int fd, fd2;

	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id2));
	fd2 = ctx_open(16);
	other = ctx_id(fd2);

	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, NLT_BAD_ID),
		       ENOENT, false, "TIMER_GET of a timer id never handed out");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_BAD_ID, id),
		       ENOENT, false, "TIMER_GET in a context that does not exist");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, other, id),
		       ENOENT, false, "TIMER_GET of a timer of another context");
	ASSERT_EQ(0, tx_delete(fd, id2));
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id2),
		       ENOENT, false, "TIMER_GET of a deleted timer");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, id),
		       EINVAL, false, "TIMER_GET do without CTX_ID");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, NLT_NONE_ID),
		       EINVAL, false, "TIMER_GET do without TIMER_ID");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, NLT_NONE_ID),
		       EINVAL, false, "TIMER_GET do without attributes");
	ctx_close(self, fd);
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id),
		       ENOENT, false, "TIMER_GET in a closed context");
}

/* ------------------------------------------------------------------ */
/* Strict validation                                                  */
/* ------------------------------------------------------------------ */

TEST_F(nl, unknown_command)
{
	static const __u8 cmds[] = {
		TIMERX_NL_CMD_UNSPEC, TIMERX_NL_CMD_CTX_NEW, TIMERX_NL_CMD_CTX_DEL,
		TIMERX_NL_CMD_OVERFLOW, TIMERX_NL_CMD_LATENESS_ALARM,
		TIMERX_NL_CMD_MAX + 1, 100, 255,
	};
	static const __u8 do_only[] = {
		TIMERX_NL_CMD_STATS_GET, TIMERX_NL_CMD_CONFIG_GET, TIMERX_NL_CMD_CONFIG_SET,
	};
	char what[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(what, sizeof(what), "request with command %u (%s)", cmds[i],
			 nlt_cmd_name(cmds[i]));
		nlt_expect_err(&self->n, nlt_msg(&self->n, cmds[i], 0), EOPNOTSUPP, false, what);
		snprintf(what, sizeof(what), "dump of command %u (%s)", cmds[i],
			 nlt_cmd_name(cmds[i]));
		nlt_expect_err(&self->n, nlt_msg(&self->n, cmds[i], NLM_F_DUMP), EOPNOTSUPP,
			       false, what);
	}
	/* "do" only: no dump of them. */
	for (i = 0; i < ARRAY_SIZE(do_only); i++) {
		snprintf(what, sizeof(what), "dump of %s (documented as do only)",
			 nlt_cmd_name(do_only[i]));
		nlt_expect_err(&self->n, nlt_msg(&self->n, do_only[i], NLM_F_DUMP), EOPNOTSUPP,
			       false, what);
	}
}

/* CTX_GET of a real context plus one extra attribute of @type/@len. */
static struct nl_msg *ctx_get_plus(const struct nlt *n, __u32 ctx, int type,
				   const void *data, int len)
{
	struct nl_msg *msg = req(n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID);

	if (msg && nla_put(msg, type, len, data)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

TEST_F(nl, unknown_attribute)
{
	const __u32 one = 1;
	struct nlt_config c = { 0 };
	struct nl_msg *msg;
	struct nlattr *nest;
	__u32 ctx, id;
	int fd;

	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	nlt_expect_err(&self->n, ctx_get_plus(&self->n, ctx, TIMERX_NL_A_MAX + 1, &one, 4),
		       EINVAL, true, "CTX_GET with attribute TIMERX_NL_A_MAX + 1");
	nlt_expect_err(&self->n, ctx_get_plus(&self->n, ctx, 1000, &one, 4),
		       EINVAL, true, "CTX_GET with attribute 1000");
	nlt_expect_err(&self->n, ctx_get_plus(&self->n, ctx, TIMERX_NL_A_UNSPEC, &one, 4),
		       EINVAL, true, "CTX_GET with attribute 0 (UNSPEC)");

	msg = req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_MAX + 1, 1));
	nlt_expect_err(&self->n, msg, EINVAL, true, "TIMER_GET with attribute TIMERX_NL_A_MAX + 1");

	msg = nlt_msg(&self->n, TIMERX_NL_CMD_STATS_GET, 0);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_MAX + 1, 1));
	nlt_expect_err(&self->n, msg, EINVAL, true, "STATS_GET with attribute TIMERX_NL_A_MAX + 1");

	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_GET, 0);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_MAX + 1, 1));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CONFIG_GET with attribute TIMERX_NL_A_MAX + 1");

	/* Inside CONFIG, next to a valid setting that must not be applied. */
	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);
	nest = nla_nest_start(msg, TIMERX_NL_A_CONFIG | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put_u8(msg, TIMERX_NL_CONFIG_A_HISTOGRAMS,
				!self->saved.v[TIMERX_NL_CONFIG_A_HISTOGRAMS]));
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_CONFIG_A_MAX + 1, 1));
	nla_nest_end(msg, nest);
	nlt_expect_err(&self->n, msg, EINVAL, true,
		       "CONFIG_SET with CONFIG attribute TIMERX_NL_CONFIG_A_MAX + 1");

	/* Next to CONFIG at the top level. */
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_HISTOGRAMS,
		    !self->saved.v[TIMERX_NL_CONFIG_A_HISTOGRAMS]);
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);
	ASSERT_EQ(0, nlt_put_config(msg, &c));
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_MAX + 1, 1));
	nlt_expect_err(&self->n, msg, EINVAL, true,
		       "CONFIG_SET with attribute TIMERX_NL_A_MAX + 1 next to CONFIG");
	expect_cfg_saved("a rejected CONFIG_SET");
}

/* CONFIG_SET with one raw attribute inside CONFIG. */
static struct nl_msg *config_set_raw(const struct nlt *n, int type, const void *data, int len)
{
	struct nl_msg *msg = nlt_msg_size(n, TIMERX_NL_CMD_CONFIG_SET, 0, 1 << 18);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, TIMERX_NL_A_CONFIG | NLA_F_NESTED);
	if (!nest || nla_put(msg, type, len, data)) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

TEST_F(nl, attribute_length)
{
	const __u64 v64 = 0;
	const __u8 v8 = 1;
	const __u16 v16 = 1;
	__u64 ctx64, id64;
	__u32 ctx, id, v32;
	struct nl_msg *msg;
	char what[96];
	int fd, t;

	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	ctx64 = ctx;
	id64 = id;

	/* CTX_ID as u8, u16, u64, empty. */
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put_u8(msg, TIMERX_NL_A_CTX_ID, (__u8)ctx));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CTX_ID as u8");
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put_u16(msg, TIMERX_NL_A_CTX_ID, (__u16)ctx));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CTX_ID as u16");
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_CTX_ID, 8, &ctx64));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CTX_ID as u64");
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_CTX_ID, 0, NULL));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with an empty CTX_ID");

	/* TIMER_ID as u64, CTX_ID as u8 next to a good TIMER_ID. */
	msg = req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, NLT_NONE_ID);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_TIMER_ID, 8, &id64));
	nlt_expect_err(&self->n, msg, EINVAL, true, "TIMER_GET with TIMER_ID as u64");
	msg = req(&self->n, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, id);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_CTX_ID, 1, &v8));
	nlt_expect_err(&self->n, msg, EINVAL, true, "TIMER_GET with CTX_ID as u8");

	/* Every setting with each wrong width; nothing may change. */
	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		static const int widths[] = { 1, 2, 4, 8, 0 };
		unsigned int w;

		for (w = 0; w < ARRAY_SIZE(widths); w++) {
			const void *p = widths[w] == 1 ? (const void *)&v8 :
					widths[w] == 2 ? (const void *)&v16 :
					widths[w] == 4 ? (const void *)&v32 : (const void *)&v64;

			if (widths[w] == nlt_kind_len(nlt_cfg_kind[t]))
				continue;
			/* A value that would be valid at the right width. */
			v32 = t == TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS ||
			      t == TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX ? 64 :
			      t == TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES ? 64 : 1;
			snprintf(what, sizeof(what), "CONFIG_SET with %s as %d bytes",
				 nlt_cfg_name[t], widths[w]);
			nlt_expect_err(&self->n, config_set_raw(&self->n, t, p, widths[w]),
				       EINVAL, true, what);
		}
	}
	/* CONFIG that is not a nest. */
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_CONFIG, 64));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CONFIG_SET with CONFIG as u32");
	expect_cfg_saved("CONFIG_SET with wrong widths");
}

TEST_F(nl, string_for_u32)
{
	struct nl_msg *msg;
	__u32 ctx, id;
	int fd;

	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	/*
	 * The wire has no types: a 4-byte string ("abc\0") is a u32. These
	 * are strings of other lengths, which a u32 policy must refuse.
	 */
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put_string(msg, TIMERX_NL_A_CTX_ID, "12345"));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CTX_ID as string \"12345\"");
	msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, 0);
	ASSERT_EQ(0, nla_put_string(msg, TIMERX_NL_A_CTX_ID, "1"));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CTX_ID as string \"1\"");
	msg = req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, NLT_NONE_ID);
	ASSERT_EQ(0, nla_put_string(msg, TIMERX_NL_A_TIMER_ID, "timer"));
	nlt_expect_err(&self->n, msg, EINVAL, true, "TIMER_GET with TIMER_ID as a string");

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	nlt_expect_err(&self->n, config_set_raw(&self->n, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX,
						"1024", 5),
		       EINVAL, true, "CONFIG_SET with max_timers_per_ctx as string \"1024\"");
	nlt_expect_err(&self->n, config_set_raw(&self->n, TIMERX_NL_CONFIG_A_MIN_PERIOD_NS,
						"100000", 7),
		       EINVAL, true, "CONFIG_SET with min_period_ns as string \"100000\"");
	expect_cfg_saved("CONFIG_SET with strings");
}

/*
 * "Every command has a strict policy": attributes that the command does
 * not take are rejected, even ones valid for other commands.
 */
TEST_F(nl, attribute_not_in_policy)
{
	struct nlt_config c = { 0 };
	struct nl_msg *msg;
	__u32 ctx, id;
	int fd;

	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));

	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, id),
		       EINVAL, true, "STATS_GET with TIMER_ID");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_STATS_GET, ctx, NLT_NONE_ID),
		       EINVAL, true, "STATS_GET with CTX_ID");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CONFIG_GET, ctx, NLT_NONE_ID),
		       EINVAL, true, "CONFIG_GET with CTX_ID");
	nlt_expect_err(&self->n, req(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, id),
		       EINVAL, true, "CTX_GET do with TIMER_ID");
	nlt_expect_err(&self->n, ctx_get_plus(&self->n, ctx, TIMERX_NL_A_OWNER_PID, &id, 4),
		       EINVAL, true, "CTX_GET with OWNER_PID (a reply attribute)");
	nlt_expect_err(&self->n, ctx_get_plus(&self->n, ctx, TIMERX_NL_A_OWNER_COMM, "x", 2),
		       EINVAL, true, "CTX_GET with OWNER_COMM (a reply attribute)");

	msg = req(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_STATE, 1));
	nlt_expect_err(&self->n, msg, EINVAL, true, "TIMER_GET with STATE (a reply attribute)");

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_HISTOGRAMS,
		    !self->saved.v[TIMERX_NL_CONFIG_A_HISTOGRAMS]);
	msg = req(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID);
	ASSERT_EQ(0, nlt_put_config(msg, &c));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with CONFIG");
	msg = req(&self->n, TIMERX_NL_CMD_CONFIG_SET, ctx, NLT_NONE_ID);
	ASSERT_EQ(0, nlt_put_config(msg, &c));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CONFIG_SET with CTX_ID next to CONFIG");
	expect_cfg_saved("CONFIG_SET with CTX_ID");
}

TEST_F(nl, reserved_nonzero)
{
	static const __u16 values[] = { 1, 0x8000 };
	struct nl_msg *msg;
	char what[96];
	unsigned int i;
	__u32 ctx;
	int fd;

	fd = ctx_open(0);
	ctx = ctx_id(fd);
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		static const __u8 cmds[] = {
			TIMERX_NL_CMD_STATS_GET, TIMERX_NL_CMD_CONFIG_GET, TIMERX_NL_CMD_CTX_GET,
		};
		unsigned int k;

		for (k = 0; k < ARRAY_SIZE(cmds); k++) {
			msg = req(&self->n, cmds[k],
				  cmds[k] == TIMERX_NL_CMD_CTX_GET ? ctx : NLT_NONE_ID,
				  NLT_NONE_ID);
			((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->reserved = values[i];
			snprintf(what, sizeof(what), "%s with genlmsghdr.reserved 0x%x",
				 nlt_cmd_name(cmds[k]), values[i]);
			nlt_expect_err(&self->n, msg, EINVAL, true, what);
		}
		msg = nlt_msg(&self->n, TIMERX_NL_CMD_CTX_GET, NLM_F_DUMP);
		((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->reserved = values[i];
		snprintf(what, sizeof(what), "CTX_GET dump with genlmsghdr.reserved 0x%x",
			 values[i]);
		nlt_expect_err(&self->n, msg, EINVAL, true, what);
	}
}

/* Attributes that do not parse at all, and a message without a genlmsghdr. */
TEST_F(nl, malformed_messages)
{
	struct nlattr *a;
	struct nl_msg *msg;
	__u32 ctx;
	int fd;

	fd = ctx_open(0);
	ctx = ctx_id(fd);

	/* nla_len below the attribute header. */
	msg = req(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID);
	a = nlmsg_reserve(msg, 8, NLMSG_ALIGNTO);
	ASSERT_NE(NULL, a);
	a->nla_len = 2;
	a->nla_type = TIMERX_NL_A_TIMER_ID;
	nlt_expect_err(&self->n, msg, EINVAL, false, "CTX_GET with an attribute of nla_len 2");

	/* nla_len past the end of the message. */
	msg = req(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID);
	a = nlmsg_reserve(msg, 8, NLMSG_ALIGNTO);
	ASSERT_NE(NULL, a);
	a->nla_len = 200;
	a->nla_type = TIMERX_NL_A_TIMER_ID;
	nlt_expect_err(&self->n, msg, EINVAL, false,
		       "CTX_GET with an attribute longer than the message");

	/* Two bytes of payload: not even a genlmsghdr. */
	msg = nlmsg_alloc();
	ASSERT_NE(NULL, msg);
	ASSERT_NE(NULL, nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, self->n.family, 4, 0));
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN + 2;	/* nlmsg_put pads to 4 */
	nlt_expect_err(&self->n, msg, EINVAL, false, "a message shorter than a genlmsghdr");

	/* Still answering. */
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &(struct nlt_obj){ 0 });
}

TEST_F(nl, oversized_attributes)
{
	const int big = 65535 - NLA_HDRLEN;	/* the largest nla_len allows */
	struct nl_msg *msg;
	struct nlt_obj s;
	struct nlattr *nest;
	char *buf;
	__u32 ctx;
	int fd;

	fd = ctx_open(0);
	ctx = ctx_id(fd);
	buf = malloc(big);
	ASSERT_NE(NULL, buf);
	memset(buf, 'a', big);
	buf[big - 1] = '\0';

	msg = nlt_msg_size(&self->n, TIMERX_NL_CMD_CTX_GET, 0, 1 << 18);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_CTX_ID, big, buf));
	nlt_expect_err(&self->n, msg, EINVAL, true, "CTX_GET with a 64 KiB CTX_ID");

	msg = nlt_msg_size(&self->n, TIMERX_NL_CMD_CTX_GET, 0, 1 << 18);
	ASSERT_EQ(0, nla_put_u32(msg, TIMERX_NL_A_CTX_ID, ctx));
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_OWNER_COMM, big, buf));
	nlt_expect_err(&self->n, msg, EINVAL, false, "CTX_GET with a 64 KiB OWNER_COMM string");

	msg = nlt_msg_size(&self->n, TIMERX_NL_CMD_STATS_GET, 0, 1 << 18);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_MAX + 1, big, buf));
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_A_MAX + 1, big, buf));
	nlt_expect_err(&self->n, msg, EINVAL, false, "STATS_GET with two 64 KiB attributes");

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	msg = nlt_msg_size(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0, 1 << 18);
	nest = nla_nest_start(msg, TIMERX_NL_A_CONFIG | NLA_F_NESTED);
	ASSERT_EQ(0, nla_put(msg, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, big - 16, buf));
	nla_nest_end(msg, nest);
	nlt_expect_err(&self->n, msg, EINVAL, false, "CONFIG_SET with a 64 KiB setting");
	free(buf);

	/* The family still works. */
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &s);
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &s);
	expect_cfg_saved("an oversized CONFIG_SET");
}

/* ------------------------------------------------------------------ */
/* CONFIG_GET / CONFIG_SET                                            */
/* ------------------------------------------------------------------ */

/* Documented ranges, inclusive. */
static bool cfg_valid(int t, __u64 v)
{
	switch (t) {
	case TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX:
		return v >= 1 && v <= (1U << 20);
	case TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES:
		return v >= 2 && v <= (1U << 20) && !(v & (v - 1));
	case TIMERX_NL_CONFIG_A_MIN_PERIOD_NS:
		return v <= NSEC_PER_SEC;
	case TIMERX_NL_CONFIG_A_HISTOGRAMS:
		return v <= 1;
	case TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS:
		return v <= 10 * NSEC_PER_SEC;
	case TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS:
		return v >= 1 && v <= 3600000;
	case TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER:
		return v >= 1 && v <= (1U << 20);
	case TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER:
		return v >= 1 && v <= (1U << 24);
	case TIMERX_NL_CONFIG_A_MAX_USER_RATE:
		return v >= 1 && v <= 10000000000ULL;
	}
	return false;
}

/* A valid value different from @old. */
static __u64 cfg_other(int t, __u64 old)
{
	static const __u64 pick[TIMERX_NL_CONFIG_A_MAX + 1] = {
		[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX]	= 777,
		[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES]	= 4096,
		[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS]	= 123456,
		[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS]	= 7000000,
		[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]	= 250,
		[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER] = 333,
		[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER] = 54321,
		[TIMERX_NL_CONFIG_A_MAX_USER_RATE]	= 77777,
	};

	if (t == TIMERX_NL_CONFIG_A_HISTOGRAMS)
		return !old;
	if (old != pick[t])
		return pick[t];
	/* 4096 * 2 is still a power of two; the others just need to differ. */
	return t == TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES ? 2 * pick[t] : pick[t] + 1;
}

#define expect_cfg_is(c, want, what) __expect_cfg_is(_metadata, c, want, what)
static void __expect_cfg_is(struct __test_metadata *_metadata, const struct nlt_config *c,
			    const struct nlt_config *want, const char *what)
{
	int t;

	EXPECT_EQ(NLT_CFG_ALL, c->present) TH_LOG("%s: settings 0x%x, not all", what, c->present);
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		EXPECT_EQ(want->v[t], c->v[t]) {
			TH_LOG("%s: %s is %llu, expected %llu", what, nlt_cfg_name[t],
			       (unsigned long long)c->v[t], (unsigned long long)want->v[t]);
		}
	}
}

/* Module parameters that exist must agree with @c. */
#define expect_params_are(c, what) __expect_params_are(_metadata, c, what)
static void __expect_params_are(struct __test_metadata *_metadata, const struct nlt_config *c,
				const char *what)
{
	unsigned long long p = 0;
	int t;

	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		if (nlt_param_read(nlt_cfg_name[t], &p))
			continue;
		EXPECT_EQ(c->v[t], (__u64)p) {
			TH_LOG("%s: /sys/module/timerx/parameters/%s is %llu, CONFIG says %llu",
			       what, nlt_cfg_name[t], p, (unsigned long long)c->v[t]);
		}
	}
}

TEST_F(nl, config_get)
{
	struct nlt_config c;
	int t;

	get_cfg(&c);
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		EXPECT_TRUE(cfg_valid(t, c.v[t])) {
			TH_LOG("%s = %llu is outside its documented range", nlt_cfg_name[t],
			       (unsigned long long)c.v[t]);
		}
		/* "Each is also a module parameter of the same name." */
		EXPECT_TRUE(tx_param_exists(nlt_cfg_name[t])) {
			TH_LOG("no module parameter %s", nlt_cfg_name[t]);
		}
		TH_LOG("%s = %llu", nlt_cfg_name[t], (unsigned long long)c.v[t]);
	}
	expect_params_are(&c, "CONFIG_GET");
}

TEST_F(nl, config_set_roundtrip)
{
	struct nlt_config want, got, now, one;
	struct nlt_reply r;
	char what[96];
	int t, ret;

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	want = self->saved;

	/* One setting at a time: the reply has all of them. */
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		memset(&one, 0, sizeof(one));
		nlt_cfg_set(&one, t, cfg_other(t, self->saved.v[t]));
		want.v[t] = one.v[t];
		ret = nlt_config_set(&self->n, &one, &got, &r);
		ASSERT_EQ(0, ret) TH_LOG("CONFIG_SET %s=%llu: %s, extack \"%s\"", nlt_cfg_name[t],
					 (unsigned long long)one.v[t], nlt_strerr(ret), r.extack);
		snprintf(what, sizeof(what), "CONFIG_SET %s reply", nlt_cfg_name[t]);
		expect_cfg_is(&got, &want, what);
		get_cfg(&now);
		snprintf(what, sizeof(what), "CONFIG_GET after setting %s", nlt_cfg_name[t]);
		expect_cfg_is(&now, &want, what);
		expect_params_are(&now, what);
	}

	/* All at once back, then all at once to the new values. */
	ret = nlt_config_set(&self->n, &self->saved, &got, &r);
	ASSERT_EQ(0, ret) TH_LOG("CONFIG_SET of all: %s, extack \"%s\"", nlt_strerr(ret), r.extack);
	expect_cfg_is(&got, &self->saved, "CONFIG_SET (all, restore) reply");
	get_cfg(&now);
	expect_cfg_is(&now, &self->saved, "CONFIG_GET after restoring all");
	expect_params_are(&now, "after restoring all");

	ret = nlt_config_set(&self->n, &want, &got, &r);
	ASSERT_EQ(0, ret) TH_LOG("CONFIG_SET of all: %s, extack \"%s\"", nlt_strerr(ret), r.extack);
	expect_cfg_is(&got, &want, "CONFIG_SET (all) reply");
	get_cfg(&now);
	expect_cfg_is(&now, &want, "CONFIG_GET after setting all");
	expect_params_are(&now, "after setting all");

	/* CONFIG is what CONFIG_SET takes: without it, nothing to do. */
	nlt_expect_err(&self->n, nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0), EINVAL, false,
		       "CONFIG_SET without CONFIG");
	get_cfg(&now);
	expect_cfg_is(&now, &want, "CONFIG_GET after CONFIG_SET without CONFIG");
}

/* Parameters written through sysfs show up in CONFIG_GET, and the reverse. */
TEST_F(nl, config_module_params)
{
	static const int limits[] = {
		TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES,
		TIMERX_NL_CONFIG_A_MIN_PERIOD_NS,
	};
	struct nlt_config now;
	unsigned long long p = 0;
	unsigned int i;
	int t, ret;

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		__u64 v;

		t = limits[i];
		/* netlink -> sysfs */
		v = cfg_other(t, self->saved.v[t]);
		change_cfg1(t, v);
		ASSERT_EQ(0, nlt_param_read(nlt_cfg_name[t], &p)) TH_LOG("%s", nlt_cfg_name[t]);
		EXPECT_EQ(v, (__u64)p) {
			TH_LOG("CONFIG_SET %s not visible in sysfs", nlt_cfg_name[t]);
		}

		/* sysfs -> netlink */
		v = cfg_other(t, v);
		ret = tx_param_write(nlt_cfg_name[t], v);
		ASSERT_EQ(0, ret) TH_LOG("write %s: %s", nlt_cfg_name[t], strerror(-ret));
		get_cfg(&now);
		EXPECT_EQ(v, now.v[t]) {
			TH_LOG("sysfs %s not visible in CONFIG_GET", nlt_cfg_name[t]);
		}
	}
	/* "Both ways of setting it check the same ranges." */
	ret = tx_param_write("max_timers_per_ctx", 0);
	EXPECT_NE(0, ret) TH_LOG("sysfs accepted max_timers_per_ctx=0");
	ret = tx_param_write("max_ring_entries", 3);
	EXPECT_NE(0, ret) TH_LOG("sysfs accepted max_ring_entries=3");
	ret = tx_param_write("min_period_ns", NSEC_PER_SEC + 1);
	EXPECT_NE(0, ret) TH_LOG("sysfs accepted min_period_ns=10^9+1");
	if (tx_param_exists("histograms")) {
		EXPECT_NE(0, tx_param_write("histograms", 2)) TH_LOG("sysfs accepted histograms=2");
	}
	if (tx_param_exists("alarm_interval_ms")) {
		EXPECT_NE(0, tx_param_write("alarm_interval_ms", 0)) {
			TH_LOG("sysfs accepted alarm_interval_ms=0");
		}
	}
	if (tx_param_exists("alarm_lateness_ns")) {
		EXPECT_NE(0, tx_param_write("alarm_lateness_ns", 10 * NSEC_PER_SEC + 1)) {
			TH_LOG("sysfs accepted alarm_lateness_ns=10^10+1");
		}
	}
	get_cfg(&now);
	expect_params_are(&now, "after refused sysfs writes");
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		EXPECT_TRUE(cfg_valid(t, now.v[t])) TH_LOG("%s out of range after refused writes",
							   nlt_cfg_name[t]);
	}
}

struct cfg_case {
	int attr;
	__u64 v;
};

static const struct cfg_case cfg_bad[] = {
	{ TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 0 },
	{ TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, (1U << 20) + 1 },
	{ TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 0xffffffffULL },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 0 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 3 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 4097 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1U << 21 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1U << 31 },
	{ TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, NSEC_PER_SEC + 1 },
	{ TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, UINT64_MAX },
	{ TIMERX_NL_CONFIG_A_HISTOGRAMS, 2 },
	{ TIMERX_NL_CONFIG_A_HISTOGRAMS, 255 },
	{ TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 10 * NSEC_PER_SEC + 1 },
	{ TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, UINT64_MAX },
	{ TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 0 },
	{ TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 3600001 },
	{ TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 0xffffffffULL },
};

/*
 * The policy's ranges fail with ERANGE (the netlink core's errno); a
 * max_ring_entries inside its range that is not a power of two, EINVAL.
 */
static int cfg_bad_errno(int attr, __u64 v)
{
	if (attr == TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES && v >= 2 && v <= (1U << 20))
		return EINVAL;
	return ERANGE;
}

static const struct cfg_case cfg_edges[] = {
	{ TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 1 },
	{ TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 1U << 20 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 2 },
	{ TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1U << 20 },
	{ TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, 0 },
	{ TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, NSEC_PER_SEC },
	{ TIMERX_NL_CONFIG_A_HISTOGRAMS, 0 },
	{ TIMERX_NL_CONFIG_A_HISTOGRAMS, 1 },
	{ TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 0 },
	{ TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 10 * NSEC_PER_SEC },
	{ TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 1 },
	{ TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 3600000 },
};

TEST_F(nl, config_set_out_of_range)
{
	struct nlt_config c, now;
	char what[96];
	unsigned int i;

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	for (i = 0; i < ARRAY_SIZE(cfg_bad); i++) {
		struct nl_msg *msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);

		memset(&c, 0, sizeof(c));
		nlt_cfg_set(&c, cfg_bad[i].attr, cfg_bad[i].v);
		ASSERT_EQ(0, nlt_put_config(msg, &c));
		snprintf(what, sizeof(what), "CONFIG_SET %s=%llu", nlt_cfg_name[cfg_bad[i].attr],
			 (unsigned long long)cfg_bad[i].v);
		nlt_expect_err(&self->n, msg, cfg_bad_errno(cfg_bad[i].attr, cfg_bad[i].v), true,
			       what);
	}
	expect_cfg_saved("a refused CONFIG_SET");

	/* The documented limits themselves are accepted. */
	for (i = 0; i < ARRAY_SIZE(cfg_edges); i++) {
		struct nlt_reply r;
		int ret;

		memset(&c, 0, sizeof(c));
		nlt_cfg_set(&c, cfg_edges[i].attr, cfg_edges[i].v);
		ret = nlt_config_set(&self->n, &c, &now, &r);
		EXPECT_EQ(0, ret) {
			TH_LOG("CONFIG_SET %s=%llu (in range): %s, extack \"%s\"",
			       nlt_cfg_name[cfg_edges[i].attr], (unsigned long long)cfg_edges[i].v,
			       nlt_strerr(ret), r.extack);
		}
		if (!ret) {
			EXPECT_EQ(cfg_edges[i].v, now.v[cfg_edges[i].attr]);
		}
	}
	restore_config(self);
	expect_cfg_saved("restoring after the edges");
}

/* "All are checked before any is applied." */
TEST_F(nl, config_set_all_or_nothing)
{
	static const struct {
		struct cfg_case good, bad;
	} pairs[] = {
		/* the valid one has the lower attribute number: parsed first */
		{ { TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 0 },
		  { TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 0 } },
		{ { TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 0 },
		  { TIMERX_NL_CONFIG_A_HISTOGRAMS, 2 } },
		{ { TIMERX_NL_CONFIG_A_HISTOGRAMS, 0 },
		  { TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, UINT64_MAX } },
		/* and the other way round */
		{ { TIMERX_NL_CONFIG_A_HISTOGRAMS, 0 },
		  { TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 3 } },
		{ { TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 0 },
		  { TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 0 } },
	};
	struct nlt_config c;
	char what[128];
	unsigned int i;
	int t;

	ASSERT_TRUE(self->have_saved);
	self->restore_cfg = true;
	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		struct nl_msg *msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);
		int g = pairs[i].good.attr, b = pairs[i].bad.attr;

		memset(&c, 0, sizeof(c));
		nlt_cfg_set(&c, g, cfg_other(g, self->saved.v[g]));
		nlt_cfg_set(&c, b, pairs[i].bad.v);
		ASSERT_EQ(0, nlt_put_config(msg, &c));
		snprintf(what, sizeof(what), "CONFIG_SET valid %s=%llu with invalid %s=%llu",
			 nlt_cfg_name[g], (unsigned long long)c.v[g], nlt_cfg_name[b],
			 (unsigned long long)c.v[b]);
		nlt_expect_err(&self->n, msg, cfg_bad_errno(b, pairs[i].bad.v), true, what);
		expect_cfg_saved(what);
	}

	/* Five valid settings and one invalid. */
	for (t = TIMERX_NL_CONFIG_A_PAD + 1; t <= TIMERX_NL_CONFIG_A_MAX; t++) {
		struct nl_msg *msg = nlt_msg(&self->n, TIMERX_NL_CMD_CONFIG_SET, 0);
		int u;

		memset(&c, 0, sizeof(c));
		for (u = TIMERX_NL_CONFIG_A_PAD + 1; u <= TIMERX_NL_CONFIG_A_MAX; u++)
			nlt_cfg_set(&c, u, cfg_other(u, self->saved.v[u]));
		c.v[t] = t == TIMERX_NL_CONFIG_A_HISTOGRAMS ? 2 :
			 t == TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES ? 3 :
			 t == TIMERX_NL_CONFIG_A_MIN_PERIOD_NS ? NSEC_PER_SEC + 1 :
			 t == TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS ? UINT64_MAX : 0;
		ASSERT_FALSE(cfg_valid(t, c.v[t]));
		ASSERT_EQ(0, nlt_put_config(msg, &c));
		snprintf(what, sizeof(what), "CONFIG_SET of all six with %s=%llu",
			 nlt_cfg_name[t], (unsigned long long)c.v[t]);
		nlt_expect_err(&self->n, msg, cfg_bad_errno(t, c.v[t]), true, what);
		expect_cfg_saved(what);
	}
}

/* ------------------------------------------------------------------ */
/* Unprivileged callers                                               */
/* ------------------------------------------------------------------ */

struct unpriv_args {
	__u32 root_ctx;
	__u32 root_timer;
	__u64 contexts;		/* STATS_GET CONTEXTS before the child opens one */
	struct nlt_config saved;
	int to_parent;		/* the child writes its context id here */
	int from_parent;	/* and waits for one byte before exiting */
};

/*
 * Runs as nobody in a child of the test: EXPECT_*() only (they do not
 * longjmp; _metadata is shared), _exit() when it cannot go on.
 */
static int unpriv_child(struct __test_metadata *_metadata, const struct unpriv_args *a)
{
	struct nlt_reply r = { 0 };
	struct nlt_list l = { 0 };
	struct nlt_config c = { 0 };
	struct nlt_one one;
	struct nlt_mon m;
	struct nlt n;
	__u32 ids[3], own;
	size_t i;
	int fd, ret, k;

	if (tx_drop_to_nobody() || geteuid() != TX_NOBODY) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return 1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_SYS_ADMIN)) TH_LOG("nobody has CAP_SYS_ADMIN");
	ret = nlt_open(&n);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("nobody: netlink: %s", strerror(-ret));
		return 1;
	}
	fd = tx_open();
	if (fd < 0 || tx_setup(fd, 16, NULL)) {
		EXPECT_LE(0, fd) TH_LOG("nobody cannot open a 0666 %s", TIMERX_DEVICE_PATH);
		return 1;
	}
	own = tx_ctx_id(fd);
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, k, &ids[k]));
	}

	/* Settings: readable, not writable. */
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,
		    cfg_other(TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,
			      a->saved.v[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]));
	ret = nlt_config_set(&n, &c, NULL, &r);
	EXPECT_EQ(-EPERM, ret) TH_LOG("nobody: CONFIG_SET: %s (extack \"%s\")",
				      nlt_strerr(ret), r.extack);
	ret = nlt_config_get(&n, &c, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: CONFIG_GET: %s", nlt_strerr(ret));
	EXPECT_EQ(a->saved.v[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS],
		  c.v[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]) TH_LOG("nobody changed a setting");
	ret = nlt_do(&n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: STATS_GET: %s", nlt_strerr(ret));
	/* "The live counts of the contexts the caller cannot see are included." */
	EXPECT_EQ(a->contexts + 1, one.obj.v[TIMERX_NL_A_CONTEXTS]) {
		TH_LOG("nobody: STATS_GET CONTEXTS %llu, root saw %llu before nobody opened one",
		       (unsigned long long)one.obj.v[TIMERX_NL_A_CONTEXTS],
		       (unsigned long long)a->contexts);
	}

	/* Root's context does not exist for nobody. */
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, a->root_ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("nobody: CTX_GET of root's context: %s", nlt_strerr(ret));
	ret = nlt_do(&n, TIMERX_NL_CMD_TIMER_GET, a->root_ctx, a->root_timer, &one, &r);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("nobody: TIMER_GET of root's timer: %s", nlt_strerr(ret));

	ret = nlt_dump(&n, TIMERX_NL_CMD_CTX_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: CTX_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, a->root_ctx)) TH_LOG("nobody's dump lists root's context");
	EXPECT_TRUE(nlt_list_has_ctx(&l, own)) TH_LOG("nobody's dump lacks its own context");
	for (i = 0; i < l.n; i++) {
		EXPECT_EQ((__u64)TX_NOBODY, l.v[i].v[TIMERX_NL_A_OWNER_UID]) {
			TH_LOG("nobody sees context %llu of uid %llu",
			       (unsigned long long)l.v[i].v[TIMERX_NL_A_CTX_ID],
			       (unsigned long long)l.v[i].v[TIMERX_NL_A_OWNER_UID]);
		}
	}

	ret = nlt_dump(&n, TIMERX_NL_CMD_TIMER_GET, NLT_NONE_ID, &l, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: TIMER_GET dump: %s", nlt_strerr(ret));
	EXPECT_FALSE(nlt_list_has_ctx(&l, a->root_ctx)) TH_LOG("nobody's dump lists root's timers");
	for (k = 0; k < 3; k++) {
		bool found = false;

		for (i = 0; i < l.n; i++)
			found |= l.v[i].v[TIMERX_NL_A_CTX_ID] == own &&
				 l.v[i].v[TIMERX_NL_A_TIMER_ID] == ids[k];
		EXPECT_TRUE(found) TH_LOG("nobody's TIMER_GET dump lacks its timer %u", ids[k]);
	}
	ret = nlt_dump(&n, TIMERX_NL_CMD_TIMER_GET, a->root_ctx, &l, &r);
	EXPECT_TRUE(ret == -ENOENT || (!ret && !l.n)) {
		TH_LOG("nobody: TIMER_GET dump of root's context: %s, %zu timers",
		       nlt_strerr(ret), l.n);
	}
	TH_LOG("TIMER_GET dump of an invisible context: %s, %zu timers", nlt_strerr(ret), l.n);

	/* Its own context is there. */
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, own, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: CTX_GET of its own context: %s", nlt_strerr(ret));
	EXPECT_EQ((__u64)TX_NOBODY, one.obj.v[TIMERX_NL_A_OWNER_UID]);
	EXPECT_EQ((__u64)getpid(), one.obj.v[TIMERX_NL_A_OWNER_PID]);
	EXPECT_EQ(3ULL, one.obj.v[TIMERX_NL_A_TIMERS]);
	ret = nlt_do(&n, TIMERX_NL_CMD_TIMER_GET, own, ids[1], &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("nobody: TIMER_GET of its own timer: %s", nlt_strerr(ret));
	EXPECT_EQ(1ULL, one.obj.v[TIMERX_NL_A_USER_DATA]);

	/* The monitor group is for CAP_SYS_ADMIN. */
	ret = nlt_mon_open(&m, true);
	EXPECT_EQ(-EPERM, ret) TH_LOG("nobody joining the monitor group: %s", nlt_strerr(ret));
	if (m.sk && m.group > 0) {
		ret = nl_socket_add_membership(m.sk, m.group);
		EXPECT_NE(0, ret) TH_LOG("nl_socket_add_membership succeeded for nobody");
	}
	nlt_mon_close(&m);

	/* Let root look at our context, then go. */
	if (write(a->to_parent, &own, sizeof(own)) != sizeof(own) ||
	    read(a->from_parent, &k, 1) != 1) {
		EXPECT_TRUE(0) TH_LOG("nobody: pipe to the test");
	}
	nlt_list_free(&l);
	nlt_close(&n);
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(nl, unprivileged, 60)
{
	struct unpriv_args a = { 0 };
	int to_parent[2], from_parent[2], status, fd;
	struct pollfd pfd;
	struct stat st;
	struct nlt_obj o;
	__u32 child_ctx;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to chmod the device and switch users");
	ASSERT_TRUE(self->have_saved);
	fd = ctx_open(16);
	a.root_ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &a.root_timer));
	a.saved = self->saved;
	nlt_get(&self->n, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &o);
	a.contexts = o.v[TIMERX_NL_A_CONTEXTS];

	ASSERT_EQ(0, stat(TIMERX_DEVICE_PATH, &st));
	self->mode = st.st_mode & 07777;
	self->chmodded = true;
	ASSERT_EQ(0, chmod(TIMERX_DEVICE_PATH, 0666));
	ASSERT_EQ(0, nlt_mon_open(&self->mon, true));
	self->mon_open = true;

	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from_parent, O_CLOEXEC));
	a.to_parent = to_parent[1];
	a.from_parent = from_parent[0];
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unpriv_child(_metadata, &a));
	close(to_parent[1]);
	close(from_parent[0]);

	pfd = (struct pollfd){ .fd = to_parent[0], .events = POLLIN };
	if (poll(&pfd, 1, 30000) == 1 &&
	    read(to_parent[0], &child_ctx, sizeof(child_ctx)) == sizeof(child_ctx)) {
		/* Root sees nobody's context, with its owner. */
		nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, child_ctx, NLT_NONE_ID, &o);
		expect_owner(_metadata, &o, pid, TX_NOBODY, "nobody's context seen by root");
		EXPECT_EQ(3ULL, o.v[TIMERX_NL_A_TIMERS]);
		nlt_mon_wait(&self->mon, TIMERX_NL_CMD_CTX_NEW, child_ctx, 1, 2000);
		EXPECT_NE(NULL, nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_NEW, child_ctx)) {
			TH_LOG("no CTX_NEW for nobody's context");
		}
		if (nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_NEW, child_ctx)) {
			expect_owner(_metadata,
				     nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_NEW, child_ctx),
				     pid, TX_NOBODY, "CTX_NEW of nobody's context");
		}
	} else {
		EXPECT_TRUE(0) TH_LOG("the unprivileged child did not report its context");
	}
	if (write(from_parent[1], "x", 1) != 1)
		TH_LOG("cannot release the child");
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("unprivileged child: status 0x%x", status);
	}
	close(to_parent[0]);
	close(from_parent[1]);
	expect_cfg_saved("nobody's CONFIG_SET");
}

/* ------------------------------------------------------------------ */
/* Namespaces: ids and privileges are the reader's                    */
/* ------------------------------------------------------------------ */

/* Wait for a child that returns 0, 1 (failed: EXPECTs said why) or KSFT_SKIP. */
#define wait_child(pid, what) __wait_child(_metadata, pid, what)
static void __wait_child(struct __test_metadata *_metadata, pid_t pid, const char *what)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s: status 0x%x", what, status);
	if (WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "%s: namespace not available", what);
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s failed", what);
}

static unsigned long long overflow_uid(void)
{
	char buf[32];

	read_text("/proc/sys/kernel/overflowuid", buf, sizeof(buf));
	return buf[0] ? strtoull(buf, NULL, 10) : TX_NOBODY;
}

/*
 * Root in a new user namespace (no uid map): its kuid is still 0, so it
 * sees root's contexts, but OWNER_UID reads as the overflow uid and its
 * capabilities, which are only the new namespace's, do not allow
 * CONFIG_SET or the monitor group.
 */
static int userns_child(struct __test_metadata *_metadata, __u32 ctx,
			const struct nlt_config *saved)
{
	struct nlt_reply r = { 0 };
	struct nlt_config c = { 0 };
	struct nlt_one one;
	struct nlt_mon m;
	struct nlt n;
	int ret;

	if (unshare(CLONE_NEWUSER)) {
		fprintf(stderr, "# unshare(CLONE_NEWUSER): %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	if (nlt_open(&n)) {
		EXPECT_TRUE(0) TH_LOG("user namespace: no netlink");
		return 1;
	}
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("user namespace: CTX_GET of its own (kuid 0) context: %s",
				 nlt_strerr(ret));
	EXPECT_EQ((__u64)overflow_uid(), one.obj.v[TIMERX_NL_A_OWNER_UID]) {
		TH_LOG("user namespace without a uid map: OWNER_UID %llu",
		       (unsigned long long)one.obj.v[TIMERX_NL_A_OWNER_UID]);
	}
	EXPECT_EQ((__u64)getppid(), one.obj.v[TIMERX_NL_A_OWNER_PID]);

	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,
		    saved->v[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS]);
	ret = nlt_config_set(&n, &c, NULL, &r);
	EXPECT_EQ(-EPERM, ret) TH_LOG("CONFIG_SET with CAP_SYS_ADMIN of a child user namespace: %s",
				      nlt_strerr(ret));
	ret = nlt_mon_open(&m, true);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("monitor group with CAP_SYS_ADMIN of a child user namespace: %s",
		       nlt_strerr(ret));
	}
	nlt_mon_close(&m);
	nlt_close(&n);
	return 0;
}

TEST_F(nl, user_namespace)
{
	__u32 ctx;
	pid_t pid;
	int fd;

	ASSERT_TRUE(self->have_saved);
	fd = ctx_open(16);
	ctx = ctx_id(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(userns_child(_metadata, ctx, &self->saved));
	wait_child(pid, "user namespace child");
	expect_cfg_saved("CONFIG_SET from a child user namespace");
}

/* pid 1 of a new pid namespace: the test process is not in it. */
static int pidns_grandchild(struct __test_metadata *_metadata, __u32 outside_ctx)
{
	struct nlt_reply r = { 0 };
	struct nlt_one one;
	struct nlt n;
	int fd, ret;

	EXPECT_EQ(1, getpid());
	if (nlt_open(&n)) {
		EXPECT_TRUE(0) TH_LOG("pid namespace: no netlink");
		return 1;
	}
	ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, outside_ctx, NLT_NONE_ID, &one, &r);
	EXPECT_EQ(0, ret) TH_LOG("pid namespace: CTX_GET: %s", nlt_strerr(ret));
	EXPECT_TRUE(nlt_has(&one.obj, TIMERX_NL_A_OWNER_PID));
	EXPECT_EQ(0ULL, one.obj.v[TIMERX_NL_A_OWNER_PID]) {
		TH_LOG("OWNER_PID of an opener outside the reader's pid namespace: %llu",
		       (unsigned long long)one.obj.v[TIMERX_NL_A_OWNER_PID]);
	}
	fd = tx_open();
	EXPECT_LE(0, fd);
	if (fd >= 0) {
		ret = nlt_do(&n, TIMERX_NL_CMD_CTX_GET, tx_ctx_id(fd), NLT_NONE_ID, &one, &r);
		EXPECT_EQ(0, ret);
		EXPECT_EQ(1ULL, one.obj.v[TIMERX_NL_A_OWNER_PID]) {
			TH_LOG("OWNER_PID of pid 1 of the reader's namespace: %llu",
			       (unsigned long long)one.obj.v[TIMERX_NL_A_OWNER_PID]);
		}
		close(fd);
	}
	nlt_close(&n);
	return 0;
}

static int pidns_child(struct __test_metadata *_metadata, __u32 outside_ctx)
{
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID)) {
		fprintf(stderr, "# unshare(CLONE_NEWPID): %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid)
		_exit(pidns_grandchild(_metadata, outside_ctx));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

TEST_F(nl, pid_namespace)
{
	struct nlt_obj o;
	__u32 ctx;
	pid_t pid;
	int fd;

	fd = ctx_open(0);
	ctx = ctx_id(fd);
	nlt_get(&self->n, TIMERX_NL_CMD_CTX_GET, ctx, NLT_NONE_ID, &o);
	EXPECT_EQ((__u64)getpid(), o.v[TIMERX_NL_A_OWNER_PID]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pidns_child(_metadata, ctx));
	wait_child(pid, "pid namespace child");
}

/* ------------------------------------------------------------------ */
/* Monitor                                                            */
/* ------------------------------------------------------------------ */

#define mon_join() __mon_join(_metadata, self)
static void __mon_join(struct __test_metadata *_metadata, struct _test_data_nl *self)
{
	int ret = nlt_mon_open(&self->mon, true);

	self->mon_open = true;
	ASSERT_EQ(0, ret) TH_LOG("joining \"%s\" as root: %s", TIMERX_GENL_MCGRP_MONITOR,
				 strerror(-ret));
}

static int index_of(const struct nlt_mon *m, const struct nlt_obj *o)
{
	return o ? (int)(o - m->ev.v) : -1;
}

TEST_F(nl, monitor_ctx_new_del)
{
	const struct nlt_obj *nw, *del;
	__u32 ctx, ctx0, id;
	int fd, fd0;

	mon_join();
	fd = ctx_open(16);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	ASSERT_EQ(0, tx_arm(fd, id, 0, NSEC_PER_MSEC, 0));
	tx_wait_delivered(fd, &id, 1);
	ctx_close(self, fd);
	fd0 = ctx_open(0);
	ctx0 = ctx_id(fd0);
	ctx_close(self, fd0);

	EXPECT_EQ(1U, nlt_mon_wait(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx, 1, 5000));
	EXPECT_EQ(1U, nlt_mon_wait(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx0, 1, 5000));
	nlt_mon_read(&self->mon, 100);
	EXPECT_EQ(0U, self->mon.bad) TH_LOG("notification: %s", self->mon.why);
	EXPECT_EQ(1U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_CTX_NEW, ctx));
	EXPECT_EQ(1U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx));
	EXPECT_EQ(1U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_CTX_NEW, ctx0));
	EXPECT_EQ(1U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx0));

	nw = nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_NEW, ctx);
	del = nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx);
	ASSERT_NE(NULL, nw) TH_LOG("no CTX_NEW for context %u", ctx);
	ASSERT_NE(NULL, del) TH_LOG("no CTX_DEL for context %u", ctx);
	EXPECT_LT(index_of(&self->mon, nw), index_of(&self->mon, del)) {
		TH_LOG("CTX_DEL before CTX_NEW");
	}
	expect_owner(_metadata, nw, getpid(), 0, "CTX_NEW");
	expect_attrs(del, "CTX_DEL", TIMERX_NL_A_CTX_ID, TIMERX_NL_A_OWNER_UID,
		     TIMERX_NL_A_EVENTS, TIMERX_NL_A_EXPIRATIONS, TIMERX_NL_A_RING_FULL);
	expect_owner(_metadata, del, 0, 0, "CTX_DEL");
	EXPECT_EQ(1ULL, del->v[TIMERX_NL_A_EVENTS]);
	EXPECT_EQ(1ULL, del->v[TIMERX_NL_A_EXPIRATIONS]);
	EXPECT_EQ(0ULL, del->v[TIMERX_NL_A_RING_FULL]);
	EXPECT_EQ((__u8)TIMERX_GENL_VERSION, nw->version);

	nw = nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_NEW, ctx0);
	del = nlt_mon_find(&self->mon, TIMERX_NL_CMD_CTX_DEL, ctx0);
	ASSERT_NE(NULL, nw);
	ASSERT_NE(NULL, del);
	EXPECT_LT(index_of(&self->mon, nw), index_of(&self->mon, del));
	EXPECT_EQ(0ULL, del->v[TIMERX_NL_A_EVENTS]);
}

/*
 * Run a periodic timer for @run_ms while reading notifications, cancel
 * it, read for another @settle_ms. Returns the window in ms (from before
 * ARM to the last read) and the timer's final TIMER_GET in @o.
 */
#define run_periodic(fd, ctx, id, period, run_ms, settle_ms, o) \
	__run_periodic(_metadata, self, fd, ctx, id, period, run_ms, settle_ms, o)
static __s64 __run_periodic(struct __test_metadata *_metadata, struct _test_data_nl *self,
			    int fd, __u32 ctx, __u32 id, __u64 period, int run_ms,
			    int settle_ms, struct nlt_obj *o)
{
	__s64 t0 = tx_now(CLOCK_MONOTONIC), t1;

	ASSERT_EQ(0, tx_arm(fd, id, 0, period, period));
	while (tx_ms_since(t0) < run_ms)
		nlt_mon_read(&self->mon, 20);
	ASSERT_EQ(0, tx_cancel(fd, id));
	t1 = tx_now(CLOCK_MONOTONIC);
	while ((tx_now(CLOCK_MONOTONIC) - t1) / NSEC_PER_MSEC < settle_ms)
		nlt_mon_read(&self->mon, 20);
	nlt_get(&self->n, TIMERX_NL_CMD_TIMER_GET, ctx, id, o);
	return tx_ms_since(t0);
}

TEST_F_TIMEOUT(nl, monitor_lateness_alarm, 60)
{
	const __u64 interval = 100;
	struct nlt_config c = { 0 };
	__u64 sum = 0, prev = 0;
	unsigned int n = 0;
	struct nlt_obj o;
	__s64 window;
	__u32 ctx, id;
	size_t i;
	int fd;

	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 1);
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, interval);
	change_cfg(&c);
	mon_join();
	fd = ctx_open(1024);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	window = run_periodic(fd, ctx, id, 2 * NSEC_PER_MSEC, 1000, 300, &o);

	EXPECT_EQ(0U, self->mon.bad) TH_LOG("notification: %s", self->mon.why);
	for (i = 0; i < self->mon.ev.n; i++) {
		const struct nlt_obj *e = &self->mon.ev.v[i];

		if (e->cmd != TIMERX_NL_CMD_LATENESS_ALARM || e->v[TIMERX_NL_A_CTX_ID] != ctx)
			continue;
		n++;
		expect_attrs(e, "LATENESS_ALARM", TIMERX_NL_A_CTX_ID, TIMERX_NL_A_OWNER_UID,
			     TIMERX_NL_A_TIMER_ID, TIMERX_NL_A_ALARM_COUNT,
			     TIMERX_NL_A_ALARM_MAX_NS);
		expect_owner(_metadata, e, 0, 0, "LATENESS_ALARM");
		EXPECT_EQ((__u64)id, e->v[TIMERX_NL_A_TIMER_ID]);
		EXPECT_LE(1ULL, e->v[TIMERX_NL_A_ALARM_COUNT]);
		EXPECT_LT(1ULL, e->v[TIMERX_NL_A_ALARM_MAX_NS]) {
			TH_LOG("ALARM_MAX_NS %llu not above ALARM_LATENESS_NS 1",
			       (unsigned long long)e->v[TIMERX_NL_A_ALARM_MAX_NS]);
		}
		sum += e->v[TIMERX_NL_A_ALARM_COUNT];
		prev = e->v[TIMERX_NL_A_ALARM_COUNT];
	}
	TH_LOG("%u LATENESS_ALARMs in %lld ms for %llu fires (alarm counts sum %llu, last %llu)",
	       n, (long long)window, (unsigned long long)o.v[TIMERX_NL_A_FIRES],
	       (unsigned long long)sum, (unsigned long long)prev);
	EXPECT_LE(1U, n) TH_LOG("no LATENESS_ALARM with ALARM_LATENESS_NS 1");
	EXPECT_GE((__u64)window / interval + 1, (__u64)n) {
		TH_LOG("more than one LATENESS_ALARM per %llu ms", (unsigned long long)interval);
	}
	EXPECT_GE(o.v[TIMERX_NL_A_FIRES], sum) TH_LOG("ALARM_COUNTs add up to more than FIRES");
	EXPECT_EQ(0U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_OVERFLOW, ctx)) {
		TH_LOG("OVERFLOW for a ring that never filled");
	}
}

TEST_F_TIMEOUT(nl, monitor_alarm_off, 60)
{
	struct nlt_config c = { 0 };
	struct nlt_obj o;
	__u32 ctx, id;
	int fd;

	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 0);
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 100);
	change_cfg(&c);
	mon_join();
	fd = ctx_open(1024);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	run_periodic(fd, ctx, id, 2 * NSEC_PER_MSEC, 500, 200, &o);
	EXPECT_LT(0ULL, o.v[TIMERX_NL_A_FIRES]);
	EXPECT_EQ(1U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_CTX_NEW, ctx)) {
		TH_LOG("no CTX_NEW: is the subscription working?");
	}
	EXPECT_EQ(0U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_LATENESS_ALARM, ctx)) {
		TH_LOG("LATENESS_ALARM with ALARM_LATENESS_NS 0 (off)");
	}
}

TEST_F_TIMEOUT(nl, monitor_overflow, 60)
{
	const __u64 interval = 100;
	struct nlt_config c = { 0 };
	struct timerx_ctx_info ci;
	__u64 sum = 0, last = 0;
	unsigned int n = 0;
	struct nlt_obj o;
	__s64 window;
	__u32 ctx, id;
	size_t i;
	int fd;

	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 0);
	nlt_cfg_set(&c, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, interval);
	change_cfg(&c);
	mon_join();
	fd = ctx_open(TIMERX_RING_MIN_ENTRIES);
	ctx = ctx_id(fd);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	window = run_periodic(fd, ctx, id, 2 * NSEC_PER_MSEC, 1000, 300, &o);
	ASSERT_EQ(0, tx_ctx_info(fd, &ci));

	EXPECT_EQ(0U, self->mon.bad) TH_LOG("notification: %s", self->mon.why);
	for (i = 0; i < self->mon.ev.n; i++) {
		const struct nlt_obj *e = &self->mon.ev.v[i];

		if (e->cmd != TIMERX_NL_CMD_OVERFLOW || e->v[TIMERX_NL_A_CTX_ID] != ctx)
			continue;
		n++;
		expect_attrs(e, "OVERFLOW", TIMERX_NL_A_CTX_ID, TIMERX_NL_A_OWNER_UID,
			     TIMERX_NL_A_RING_FULL, TIMERX_NL_A_ALARM_COUNT);
		expect_owner(_metadata, e, 0, 0, "OVERFLOW");
		EXPECT_LE(1ULL, e->v[TIMERX_NL_A_RING_FULL]);
		EXPECT_LE(1ULL, e->v[TIMERX_NL_A_ALARM_COUNT]);
		EXPECT_LE(last, e->v[TIMERX_NL_A_RING_FULL]) TH_LOG("RING_FULL went backwards");
		last = e->v[TIMERX_NL_A_RING_FULL];
		sum += e->v[TIMERX_NL_A_ALARM_COUNT];
	}
	TH_LOG("%u OVERFLOWs in %lld ms, ring_full %llu (counts sum %llu)", n, (long long)window,
	       (unsigned long long)ci.ring_full, (unsigned long long)sum);
	EXPECT_LE(1U, n) TH_LOG("no OVERFLOW for a 2-entry ring nobody reads");
	EXPECT_GE((__u64)window / interval + 1, (__u64)n) {
		TH_LOG("more than one OVERFLOW per %llu ms", (unsigned long long)interval);
	}
	EXPECT_LE(last, ci.ring_full) TH_LOG("RING_FULL above CTX_INFO.ring_full");
	EXPECT_LE(sum, ci.ring_full) TH_LOG("ALARM_COUNTs add up to more than ring_full");
	EXPECT_LE(1ULL, o.v[TIMERX_NL_A_PENDING]) {
		TH_LOG("nothing pending in a full ring after %llu expirations",
		       (unsigned long long)o.v[TIMERX_NL_A_EXPIRATIONS]);
	}
	EXPECT_EQ(0U, nlt_mon_count(&self->mon, TIMERX_NL_CMD_LATENESS_ALARM, ctx)) {
		TH_LOG("LATENESS_ALARM with alarms off");
	}
}

TEST_HARNESS_MAIN
