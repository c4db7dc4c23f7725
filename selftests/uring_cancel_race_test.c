// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring tearing a TIMERX_URING_CMD_WAIT down while it is being issued
 * (finding F2). A WAIT sent with IOSQE_ASYNC is issued from an io-wq
 * worker; exiting the ring at once races that issue against io_uring's
 * cancellation (IO_URING_F_CANCEL) of the same command. The old code could
 * be cancelled before it had queued the command, and then queued a
 * completed request (use-after-free, list corruption: KASAN and
 * DEBUG_LIST catch it on the debug kernel). Repeated many times, bounded
 * by time, from the test process and from children that exit instead.
 *
 * What must hold: no kernel splat (also checked here, through /dev/kmsg,
 * to name the step), and the context works normally afterwards. On
 * kernels where WAIT fails with EOPNOTSUPP (see the header) the same
 * loops run, and the asynchronous WAIT must fail the same way.
 */
#include "uring_util.h"

#define ITERATIONS	2000
#define FORKS		300
#define LOOP_MS		20000

FIXTURE(race)
{
	struct tx_ring r;
	int supported;		/* tx_uring_wait_supported() */
	int kmsg;
};

FIXTURE_SETUP(race)
{
	struct tx_uring u;
	int ret = tx_uring_init(&u, 4, 0);

	self->kmsg = -1;
	self->r.fd = -1;
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	tx_uring_exit(&u);
	self->supported = tx_uring_wait_supported();
	ASSERT_LE(0, self->supported) TH_LOG("WAIT probe: %s", strerror(-self->supported));
	TH_LOG("WAIT %s on this kernel", self->supported ? "supported" : "fails with EOPNOTSUPP");
	self->kmsg = tx_kmsg_open();
	tx_ring_open(&self->r, 16, true);
}

FIXTURE_TEARDOWN(race)
{
	tx_ring_close(&self->r);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* The context after the storm: events arrive, WAIT (if any) completes. */
static void context_still_works(struct __test_metadata *_metadata, struct tx_ring *r,
				int supported)
{
	struct timerx_ctx_info ci;
	struct io_uring_cqe cqe;
	struct timerx_event e;
	struct tx_uring u;
	__u32 id;

	ASSERT_EQ(0, tx_ctx_info(r->fd, &ci)) TH_LOG("CTX_INFO after the loop");
	/* Earlier WAITs may have left nothing behind: start from an empty ring. */
	while (tx_consume(r, NULL, 64))
		;
	ASSERT_EQ(0, tx_create(r->fd, CLOCK_MONOTONIC, 0, 0, 77, &id));
	ASSERT_EQ(0, tx_uring_init(&u, 4, 0));
	ASSERT_NE(NULL, tx_uring_prep_wait(&u, r->fd, 0, 5));
	ASSERT_EQ(1, tx_uring_submit(&u));
	ASSERT_EQ(0, tx_arm(r->fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_uring_wait_cqe(&u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("a WAIT on the context did not complete after the loop");
	if (supported) {
		EXPECT_EQ(1, cqe.res) TH_LOG("WAIT after the loop: res %d", cqe.res);
	} else {
		EXPECT_EQ(-EOPNOTSUPP, cqe.res) TH_LOG("WAIT after the loop: res %d", cqe.res);
	}
	tx_uring_exit(&u);
	ASSERT_EQ(1U, tx_collect(r, &e, 1, TX_FIRE_TIMEOUT_MS))
		TH_LOG("the context delivers no event after the loop");
	EXPECT_EQ(77ULL, e.user_data);
	EXPECT_EQ(0, tx_delete(r->fd, id));
}

TEST_F_TIMEOUT(race, async_wait_then_ring_exit, 120)
{
	struct io_uring_cqe cqe;
	struct tx_uring u;
	__s64 start;
	unsigned int i;

	if (!self->supported) {
		/* The io-wq path answers the same. */
		ASSERT_EQ(0, tx_uring_init(&u, 4, 0));
		ASSERT_NE(NULL, tx_uring_prep_wait(&u, self->r.fd, IOSQE_ASYNC, 1));
		ASSERT_EQ(1, tx_uring_submit(&u));
		ASSERT_EQ(1, tx_uring_wait_cqe(&u, &cqe, TX_FIRE_TIMEOUT_MS))
			TH_LOG("async WAIT stayed pending on a kernel that cannot cancel it");
		EXPECT_EQ(-EOPNOTSUPP, cqe.res) TH_LOG("async WAIT: res %d", cqe.res);
		tx_uring_exit(&u);
	}
	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < ITERATIONS && tx_ms_since(start) < LOOP_MS; i++) {
		int ret = tx_uring_init(&u, 4, 0);

		ASSERT_EQ(0, ret) TH_LOG("iteration %u: io_uring_setup: %s", i, strerror(-ret));
		ASSERT_NE(NULL, tx_uring_prep_wait(&u, self->r.fd, IOSQE_ASYNC, i));
		ASSERT_EQ(1, tx_uring_submit(&u));
		tx_uring_exit(&u);
		if (!(i % 100)) {
			tx_expect_no_splat(self->kmsg, "an async WAIT, then ring exit");
		}
	}
	TH_LOG("%u iterations in %lld ms", i, (long long)tx_ms_since(start));
	EXPECT_LE(100U, i) TH_LOG("too few iterations to mean anything");
	tx_sleep_ms(100);	/* let io_uring's exit work finish */
	tx_expect_no_splat(self->kmsg, "submitting an async WAIT and exiting the ring");
	context_still_works(_metadata, &self->r, self->supported);
	tx_expect_no_splat(self->kmsg, "using the context after the loop");
}

/* The same, but the submitter is a child that exits instead. */
TEST_F_TIMEOUT(race, async_wait_then_child_exit, 120)
{
	unsigned int i, bad = 0;
	__s64 start;

	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < FORKS && tx_ms_since(start) < LOOP_MS; i++) {
		int status = 0;
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct tx_uring u;

			if (tx_uring_init(&u, 4, 0) ||
			    !tx_uring_prep_wait(&u, self->r.fd, IOSQE_ASYNC, 1) ||
			    tx_uring_submit(&u) != 1)
				_exit(2);
			_exit(0);	/* no cleanup: exit has to do it */
		}
		ASSERT_EQ(pid, tx_waitpid_timeout(pid, &status, 10000)) {
			TH_LOG("iteration %u: a child with an async WAIT did not exit in 10 s", i);
		}
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
		if (!(i % 50)) {
			tx_expect_no_splat(self->kmsg, "a child exiting with an async WAIT");
		}
	}
	TH_LOG("%u children in %lld ms", i, (long long)tx_ms_since(start));
	EXPECT_EQ(0U, bad) TH_LOG("%u children could not submit their WAIT", bad);
	EXPECT_LE(20U, i) TH_LOG("too few iterations to mean anything");
	tx_sleep_ms(100);
	tx_expect_no_splat(self->kmsg, "children exiting with an async WAIT");
	context_still_works(_metadata, &self->r, self->supported);
	tx_expect_no_splat(self->kmsg, "using the context after the children");
}

TEST_HARNESS_MAIN
