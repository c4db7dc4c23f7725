// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user limits on contexts and timers (finding F5c/d). The header: "A
 * context belongs to the effective uid that opened it"; open() fails with
 * EMFILE past max_contexts_per_user, CREATE with ENOSPC past
 * max_timers_per_user (all contexts of the uid together); "Callers with
 * CAP_SYS_RESOURCE are not held to the per-user counts of contexts and
 * timers". The old module had neither: one user could open contexts and
 * create timers until the kernel ran out of memory.
 *
 * The limits are lowered (as root) for the test and restored by the
 * fixture. A module without the parameters is tested against the
 * documented defaults (1024 contexts, 65536 timers), which is slower but
 * shows the same thing.
 */
#include "timerx_util.h"

#define CTX_LIMIT	4
#define CTX_DEFAULT	1024
#define TIMER_LIMIT	8
#define TIMER_DEFAULT	65536

FIXTURE(users)
{
	struct tx_devmode dev;
	struct tx_param ctxs, timers, hist, per_ctx;
};

FIXTURE_SETUP(users)
{
	int ret;

	memset(self, 0, sizeof(*self));
	if (geteuid() != 0)
		SKIP(return, "needs root to change limits and switch users");
	ret = tx_param_set(&self->ctxs, "max_contexts_per_user", CTX_LIMIT, CTX_DEFAULT);
	ASSERT_EQ(0, ret) TH_LOG("max_contexts_per_user: %s", strerror(-ret));
	ret = tx_param_set(&self->timers, "max_timers_per_user", TIMER_LIMIT, TIMER_DEFAULT);
	ASSERT_EQ(0, ret) TH_LOG("max_timers_per_user: %s", strerror(-ret));
	if (!self->timers.exists) {
		/* 65536 timers: without their histograms (3.7 KiB each). */
		ASSERT_EQ(0, tx_param_set(&self->hist, "histograms", 0, 0));
		ASSERT_EQ(0, tx_param_set(&self->per_ctx, "max_timers_per_ctx", TIMER_DEFAULT,
					  TIMER_DEFAULT));
	}
	TH_LOG("max_contexts_per_user %llu%s, max_timers_per_user %llu%s",
	       self->ctxs.value, self->ctxs.exists ? "" : " (no such parameter: default)",
	       self->timers.value, self->timers.exists ? "" : " (no such parameter: default)");
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
	/* Enough descriptors for the documented defaults. */
	ASSERT_EQ(0, tx_set_rlimit(RLIMIT_NOFILE, 4096));
}

FIXTURE_TEARDOWN(users)
{
	tx_dev_restore(&self->dev);
	tx_param_restore(&self->ctxs);
	tx_param_restore(&self->timers);
	tx_param_restore(&self->hist);
	tx_param_restore(&self->per_ctx);
}

static int become_nobody(struct __test_metadata *_metadata)
{
	if (tx_drop_to_nobody() || geteuid() != TX_NOBODY) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return -1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_SYS_RESOURCE)) TH_LOG("nobody has CAP_SYS_RESOURCE");
	return 0;
}

/* ---------------------------------------------------------------- */

static int contexts_child(struct __test_metadata *_metadata, void *arg)
{
	unsigned long long limit = *(unsigned long long *)arg, i;
	int *fds = calloc(limit + 1, sizeof(int));
	int fd, ret = 0;

	if (!fds || become_nobody(_metadata))
		return 1;
	for (i = 0; i < limit; i++) {
		fds[i] = tx_open();
		if (fds[i] < 0) {
			EXPECT_LE(0, fds[i]) TH_LOG("nobody's context %llu of %llu: %s", i + 1,
						    limit, strerror(-fds[i]));
			return 1;
		}
	}
	fd = tx_open();
	EXPECT_EQ(-EMFILE, fd) {
		TH_LOG("nobody's context %llu, past max_contexts_per_user %llu: %s", limit + 1,
		       limit, fd >= 0 ? "opened" : strerror(-fd));
	}
	if (fd >= 0)
		close(fd);

	/* Closing one gives its place back. */
	close(fds[0]);
	for (i = 0; i < 50; i++) {
		fds[0] = tx_open();
		if (fds[0] >= 0 || fds[0] != -EMFILE)
			break;
		tx_sleep_ms(20);	/* release runs from fput's task work */
	}
	EXPECT_LE(0, fds[0]) TH_LOG("after closing one of %llu, open: %s", limit,
				    strerror(-fds[0]));
	fd = tx_open();
	EXPECT_EQ(-EMFILE, fd) TH_LOG("the limit is gone after a close and an open");
	if (fd >= 0)
		close(fd);

	/* A mapping keeps the context, so it still counts. */
	if (fds[0] >= 0) {
		struct timerx_ring_params p;
		void *map = MAP_FAILED;

		if (!tx_setup(fds[0], 2, &p))
			map = mmap(NULL, p.mmap_len, PROT_READ, MAP_SHARED, fds[0], 0);
		EXPECT_NE(MAP_FAILED, map) TH_LOG("nobody: SETUP_RING + mmap");
		if (map != MAP_FAILED) {
			close(fds[0]);
			fd = tx_open();
			EXPECT_EQ(-EMFILE, fd) TH_LOG("a mapped ring's context did not count");
			if (fd >= 0)
				close(fd);
			munmap(map, p.mmap_len);
			for (i = 0; i < 50; i++) {
				fds[0] = tx_open();
				if (fds[0] != -EMFILE)
					break;
				tx_sleep_ms(20);
			}
			EXPECT_LE(0, fds[0]) TH_LOG("after munmap of the last mapping: %s",
						    strerror(-fds[0]));
		}
	}
	for (i = 0; i < limit; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return ret;
}

TEST_F_TIMEOUT(users, nobody_contexts_emfile, 60)
{
	tx_child_result(tx_in_child(contexts_child, &self->ctxs.value, 45000,
				    "nobody opening contexts"), "nobody opening contexts");
}

/* Root's own contexts do not count against nobody, and root has no limit. */
TEST_F(users, root_contexts_exempt)
{
	int fds[CTX_LIMIT * 2], i, n;

	if (!self->ctxs.exists)
		SKIP(return, "no max_contexts_per_user parameter");
	if (!tx_has_cap(CAP_SYS_RESOURCE))
		SKIP(return, "needs CAP_SYS_RESOURCE");
	n = (int)self->ctxs.value * 2;
	for (i = 0; i < n; i++) {
		fds[i] = tx_open();
		EXPECT_LE(0, fds[i]) {
			TH_LOG("root's context %d (limit %llu): %s", i + 1, self->ctxs.value,
			       strerror(-fds[i]));
		}
	}
	/* Nobody can still open its own while root holds twice the limit. */
	tx_child_result(tx_in_child(contexts_child, &self->ctxs.value, 20000,
				    "nobody next to root's contexts"),
			"nobody next to root's contexts");
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* ---------------------------------------------------------------- */

/* Create until the per-user limit, spread over two contexts. */
static int timers_child(struct __test_metadata *_metadata, void *arg)
{
	unsigned long long limit = *(unsigned long long *)arg, i, in_a;
	int a, b, c, ret;
	__u32 id, first_a = 0;

	if (become_nobody(_metadata))
		return 1;
	a = tx_open();
	b = tx_open();
	if (a < 0 || b < 0 || tx_setup(a, 2, NULL) || tx_setup(b, 2, NULL)) {
		EXPECT_TRUE(0) TH_LOG("nobody: two contexts");
		return 1;
	}
	/* Most in A, the rest (at least one) in B. */
	in_a = limit > 3 ? limit - 3 : limit - 1;
	for (i = 0; i < limit; i++) {
		ret = tx_create(i < in_a ? a : b, CLOCK_MONOTONIC, 0, 0, i, &id);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("nobody's timer %llu of %llu: %s", i + 1, limit,
						 strerror(-ret));
			return 1;
		}
		if (!i)
			first_a = id;
	}
	ret = tx_create(a, CLOCK_MONOTONIC, 0, 0, 0, NULL);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("nobody's timer %llu, past max_timers_per_user %llu: %s",
				       limit + 1, limit, ret ? strerror(-ret) : "created");
	ret = tx_create(b, CLOCK_MONOTONIC, 0, 0, 0, NULL);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("... and in the other context: %s",
				       ret ? strerror(-ret) : "created");
	c = tx_open();
	if (c >= 0 && !tx_setup(c, 2, NULL)) {
		ret = tx_create(c, CLOCK_MONOTONIC, 0, 0, 0, NULL);
		EXPECT_EQ(-ENOSPC, ret) TH_LOG("... and in a third, new context: %s",
					       ret ? strerror(-ret) : "created");
		close(c);
	}

	/* DELETE gives one back. */
	EXPECT_EQ(0, tx_delete(a, first_a));
	ret = tx_create(b, CLOCK_MONOTONIC, 0, 0, 0, NULL);
	EXPECT_EQ(0, ret) TH_LOG("after DELETE, CREATE: %s", strerror(-ret));
	ret = tx_create(b, CLOCK_MONOTONIC, 0, 0, 0, NULL);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("DELETE gave back more than one timer");

	/* Closing B gives back its timers (4 or fewer). */
	close(b);
	for (i = 0; i < 50; i++) {
		ret = tx_create(a, CLOCK_MONOTONIC, 0, 0, 0, NULL);
		if (ret != -ENOSPC)
			break;
		tx_sleep_ms(20);
	}
	EXPECT_EQ(0, ret) TH_LOG("after closing a context with timers, CREATE: %s",
				 strerror(-ret));
	close(a);
	return 0;
}

TEST_F_TIMEOUT(users, nobody_timers_enospc, 120)
{
	tx_child_result(tx_in_child(timers_child, &self->timers.value, 100000,
				    "nobody creating timers"), "nobody creating timers");
}

TEST_F(users, root_timers_exempt)
{
	unsigned long long i;
	int fd, ret;

	if (!self->timers.exists)
		SKIP(return, "no max_timers_per_user parameter");
	if (!tx_has_cap(CAP_SYS_RESOURCE))
		SKIP(return, "needs CAP_SYS_RESOURCE");
	fd = tx_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 2, NULL));
	for (i = 0; i < self->timers.value * 2; i++) {
		ret = tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, NULL);
		EXPECT_EQ(0, ret) TH_LOG("root's timer %llu (limit %llu): %s", i + 1,
					 self->timers.value, strerror(-ret));
	}
	/* Root's timers are not nobody's. */
	tx_child_result(tx_in_child(timers_child, &self->timers.value, 20000,
				    "nobody next to root's timers"),
			"nobody next to root's timers");
	close(fd);
}

TEST_HARNESS_MAIN
