// SPDX-License-Identifier: GPL-2.0
/*
 * TIMERX_URING_CMD_WAIT where io_uring cannot cancel driver commands
 * (finding F3). Before IO_URING_F_CANCEL (mainline 6.7; Debian's 6.1 has
 * none) nothing but the context itself can end a WAIT: one sent through a
 * registered (fixed) file whose descriptor is gone then pins the ring, the
 * ring pins the file, and the context is never freed (io_uring WARNs after
 * five minutes). The header: on such kernels WAIT "fails at once with
 * EOPNOTSUPP".
 *
 * Which kind of kernel this is, is probed (a WAIT on an idle context: does
 * it stay pending?). The decisive test runs on both: a child registers a
 * context as a fixed file, closes its descriptor, WAITs through the fixed
 * file and exits; the context must then really be freed, which the
 * module's use count (/sys/module/timerx/refcnt, one per open file) shows.
 */
#include "uring_util.h"

FIXTURE(support)
{
	int supported;
};

FIXTURE_SETUP(support)
{
	struct tx_uring u;
	int ret = tx_uring_init(&u, 4, 0), kv = tx_kernel_version();

	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	tx_uring_exit(&u);
	self->supported = tx_uring_wait_supported();
	ASSERT_LE(0, self->supported) TH_LOG("WAIT probe: %s", strerror(-self->supported));
	TH_LOG("kernel %d.%02d: WAIT %s", kv / 100, kv % 100,
	       self->supported ? "stays pending (supported)" : "fails with EOPNOTSUPP");
}

FIXTURE_TEARDOWN(support)
{
}

/* Every kernel from 6.8 on can cancel driver commands: WAIT must work there. */
TEST_F(support, wait_supported_where_io_uring_can_cancel)
{
	if (tx_kernel_version() < 608)
		SKIP(return, "kernel older than 6.8: either answer may be right");
	EXPECT_EQ(1, self->supported) TH_LOG("WAIT fails with EOPNOTSUPP on a kernel >= 6.8");
}

/* Kernels without cancellation: WAIT on an ordinary descriptor. */
TEST_F(support, no_cancel_kernel_wait_eopnotsupp)
{
	struct io_uring_cqe cqe;
	struct tx_uring u;
	struct tx_ring r;

	if (self->supported)
		SKIP(return, "WAIT is supported on this kernel");
	tx_ring_open(&r, 4, true);
	ASSERT_EQ(0, tx_uring_init(&u, 4, 0));
	ASSERT_NE(NULL, tx_uring_prep_wait(&u, r.fd, 0, 1));
	ASSERT_EQ(1, tx_uring_submit(&u));
	ASSERT_EQ(1, tx_uring_wait_cqe(&u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT did not complete at once");
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
	tx_uring_exit(&u);
	tx_ring_close(&r);
}

/* Kernels without cancellation: WAIT through a fixed file, descriptor closed. */
TEST_F(support, no_cancel_kernel_fixed_file_wait_eopnotsupp)
{
	struct io_uring_cqe cqe;
	struct tx_uring u;
	int fd, ret;

	if (self->supported)
		SKIP(return, "WAIT is supported on this kernel");
	fd = tx_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 4, NULL));
	ASSERT_EQ(0, tx_uring_init(&u, 4, 0));
	ret = tx_uring_register_files(&u, &fd, 1);
	ASSERT_EQ(0, ret) TH_LOG("IORING_REGISTER_FILES: %s", strerror(-ret));
	ASSERT_EQ(0, close(fd));
	ASSERT_NE(NULL, tx_uring_prep_wait(&u, 0, IOSQE_FIXED_FILE, 2));
	ASSERT_EQ(1, tx_uring_submit(&u));
	ASSERT_EQ(1, tx_uring_wait_cqe(&u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT through a fixed file did not complete at once");
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
	tx_uring_exit(&u);
}

/*
 * Child: open, set up, register as fixed file 0, close the descriptor,
 * WAIT through the fixed file (nothing will ever be ready), exit.
 */
static int fixed_file_child(struct __test_metadata *_metadata, void *arg)
{
	struct io_uring_cqe cqe;
	struct tx_uring u;
	int fd, ret;

	(void)arg;
	fd = tx_open();
	if (fd < 0 || tx_setup(fd, 4, NULL)) {
		EXPECT_LE(0, fd) TH_LOG("child: open/SETUP_RING failed");
		return 1;
	}
	ret = tx_uring_init(&u, 4, 0);
	if (!ret)
		ret = tx_uring_register_files(&u, &fd, 1);
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("child: io_uring/REGISTER_FILES: %s", strerror(-ret));
		return 1;
	}
	close(fd);
	if (!tx_uring_prep_wait(&u, 0, IOSQE_FIXED_FILE, 3) || tx_uring_submit(&u) != 1) {
		EXPECT_TRUE(0) TH_LOG("child: cannot submit the WAIT");
		return 1;
	}
	/* Pending (supported), or EOPNOTSUPP at once: either way, exit now. */
	if (tx_uring_wait_cqe(&u, &cqe, 50) == 1) {
		EXPECT_EQ(-EOPNOTSUPP, cqe.res) TH_LOG("child: WAIT completed with %d", cqe.res);
	}
	return 0;	/* no cleanup: exit has to do it */
}

TEST_F_TIMEOUT(support, fixed_file_wait_child_exit_frees_context, 60)
{
	long before, after;
	int ret;

	before = tx_module_refcnt();
	if (before < 0)
		SKIP(return, "/sys/module/timerx/refcnt: %s", strerror(-before));
	ret = tx_in_child(fixed_file_child, NULL, 10000, "fixed-file WAIT child");
	ASSERT_EQ(0, ret) TH_LOG("the child did not exit cleanly within 10 s");
	after = tx_wait_refcnt_le(before, 10000);
	EXPECT_GE(before, after) {
		TH_LOG("module use count %ld before the child, %ld 10 s after it exited:", before,
		       after);
		TH_LOG("the context of a WAIT sent through a fixed file was never freed");
	}
}

TEST_HARNESS_MAIN
