// SPDX-License-Identifier: GPL-2.0
/*
 * Hard-irq expiry on PREEMPT_RT (finding F7). The header: on PREEMPT_RT
 * "hard-irq expiry is, as for the kernel's own sleepers, for callers with
 * CAP_SYS_NICE or a real-time scheduling policy ... at CREATE time:
 * anybody else's default timer expires soft (GET reports
 * TIMERX_CREATE_F_SOFT in create_flags), and TIMERX_CREATE_F_HARD, which
 * demands hard-irq expiry, fails with EPERM. SOFT together with HARD:
 * EINVAL." On RT, hard-irq context is where nothing may preempt; the old
 * module put every user's callbacks there.
 *
 * RT is detected from /sys/kernel/realtime or uname -v. Tests that only
 * mean something on one kind of kernel skip on the other.
 */
#include "timerx_util.h"

FIXTURE(hard)
{
	struct tx_devmode dev;
	bool rt;
};

FIXTURE_SETUP(hard)
{
	self->dev.changed = false;
	self->rt = tx_kernel_is_rt();
	TH_LOG("%s kernel", self->rt ? "PREEMPT_RT" : "non-RT");
	if (geteuid() != 0)
		SKIP(return, "needs root to chmod the device and switch users");
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
}

FIXTURE_TEARDOWN(hard)
{
	tx_dev_restore(&self->dev);
}

static int ring_fd(void)
{
	int fd = tx_open();

	if (fd >= 0 && tx_setup(fd, 8, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* CREATE with @flags; on success the timer's create_flags into @cf. */
static int create_get(int fd, __u32 flags, __u32 *cf, __u32 *id_out)
{
	struct timerx_timer_info ti;
	__u32 id;
	int ret = tx_create(fd, CLOCK_MONOTONIC, flags, 0, 3, &id);

	if (ret)
		return ret;
	ret = tx_get(fd, id, &ti);
	*cf = ti.create_flags;
	if (id_out)
		*id_out = id;
	return ret;
}

TEST_F(hard, soft_with_hard_einval)
{
	int fd = ring_fd();
	__u32 cf;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, create_get(fd, TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_HARD, &cf, NULL))
		TH_LOG("TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_HARD not refused with EINVAL");
	EXPECT_EQ(-EINVAL, create_get(fd, TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_HARD |
				      TIMERX_CREATE_F_PINNED, &cf, NULL));
	close(fd);
}

TEST_F(hard, unknown_flag_eopnotsupp)
{
	int fd = ring_fd();
	__u32 cf;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, create_get(fd, 1U << 3, &cf, NULL));
	EXPECT_EQ(-EOPNOTSUPP, create_get(fd, TIMERX_CREATE_F_HARD | (1U << 31), &cf, NULL));
	close(fd);
}

/* An F_HARD timer is a timer: it fires (as root, on any kernel). */
TEST_F(hard, hard_timer_fires)
{
	struct timerx_event e;
	struct tx_ring r;
	__u32 id, cf;

	tx_ring_open(&r, 8, true);
	ASSERT_EQ(0, create_get(r.fd, TIMERX_CREATE_F_HARD, &cf, &id));
	EXPECT_EQ(0U, cf & TIMERX_CREATE_F_SOFT);
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1U, tx_collect(&r, &e, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(id, e.timer_id);
	tx_ring_close(&r);
}

/*
 * As nobody (optionally SCHED_FIFO): 0 if it could, create_flags of a
 * default timer in cf[0], the F_HARD result in *hard_ret, its flags cf[1].
 */
static int as_nobody(struct __test_metadata *_metadata, bool fifo, __u32 cf[2], int *hard_ret)
{
	struct sched_param sp = { .sched_priority = 1 };
	int fd, ret;

	if (fifo && tx_set_rlimit(RLIMIT_RTPRIO, 1)) {
		EXPECT_TRUE(0) TH_LOG("RLIMIT_RTPRIO: %s", strerror(errno));
		return -1;
	}
	if (tx_drop_to_nobody()) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return -1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_SYS_NICE)) TH_LOG("nobody has CAP_SYS_NICE");
	if (fifo) {
		ret = sched_setscheduler(0, SCHED_FIFO, &sp);
		if (ret) {
			EXPECT_EQ(0, ret) TH_LOG("nobody: SCHED_FIFO 1 with RLIMIT_RTPRIO 1: %s",
						 strerror(errno));
			return -1;
		}
	} else {
		EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	}
	fd = ring_fd();
	if (fd < 0) {
		EXPECT_LE(0, fd) TH_LOG("nobody cannot open %s", TIMERX_DEVICE_PATH);
		return -1;
	}
	cf[0] = 0;
	cf[1] = 0;
	ret = create_get(fd, 0, &cf[0], NULL);
	EXPECT_EQ(0, ret) TH_LOG("nobody: CREATE with flags 0: %s", strerror(-ret));
	*hard_ret = create_get(fd, TIMERX_CREATE_F_HARD, &cf[1], NULL);
	close(fd);
	return ret ? -1 : 0;
}

static int rt_nobody_child(struct __test_metadata *_metadata, void *arg)
{
	__u32 cf[2];
	int hard;

	(void)arg;
	if (as_nobody(_metadata, false, cf, &hard))
		return 1;
	EXPECT_NE(0U, cf[0] & TIMERX_CREATE_F_SOFT) {
		TH_LOG("RT, nobody, SCHED_OTHER: a default timer must expire soft;");
		TH_LOG("GET.create_flags 0x%x lacks TIMERX_CREATE_F_SOFT", cf[0]);
	}
	EXPECT_EQ(-EPERM, hard) {
		TH_LOG("RT, nobody, SCHED_OTHER: TIMERX_CREATE_F_HARD: %s, want EPERM",
		       hard ? strerror(-hard) : "created");
	}
	return 0;
}

TEST_F(hard, rt_nobody_default_soft_hard_eperm)
{
	if (!self->rt)
		SKIP(return, "not a PREEMPT_RT kernel");
	tx_child_result(tx_in_child(rt_nobody_child, NULL, 20000, "nobody on RT"),
			"nobody on RT");
}

static int rt_fifo_child(struct __test_metadata *_metadata, void *arg)
{
	__u32 cf[2];
	int hard;

	(void)arg;
	if (as_nobody(_metadata, true, cf, &hard))
		return 1;
	EXPECT_EQ(0U, cf[0] & TIMERX_CREATE_F_SOFT) {
		TH_LOG("RT, nobody with SCHED_FIFO: a default timer became soft (0x%x)", cf[0]);
	}
	EXPECT_EQ(0, hard) TH_LOG("RT, nobody with SCHED_FIFO: TIMERX_CREATE_F_HARD: %s",
				  strerror(-hard));
	EXPECT_EQ(0U, cf[1] & TIMERX_CREATE_F_SOFT) {
		TH_LOG("RT, SCHED_FIFO: an F_HARD timer reports F_SOFT (0x%x)", cf[1]);
	}
	return 0;
}

TEST_F(hard, rt_sched_fifo_may_use_hard)
{
	if (!self->rt)
		SKIP(return, "not a PREEMPT_RT kernel");
	tx_child_result(tx_in_child(rt_fifo_child, NULL, 20000, "SCHED_FIFO nobody on RT"),
			"SCHED_FIFO nobody on RT");
}

/* Root (CAP_SYS_NICE) on RT: default stays hard, F_HARD works. */
TEST_F(hard, rt_root_stays_hard)
{
	__u32 cf;
	int fd;

	if (!self->rt)
		SKIP(return, "not a PREEMPT_RT kernel");
	if (!tx_has_cap(CAP_SYS_NICE))
		SKIP(return, "needs CAP_SYS_NICE");
	fd = ring_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, create_get(fd, 0, &cf, NULL));
	EXPECT_EQ(0U, cf & TIMERX_CREATE_F_SOFT) TH_LOG("root's default timer became soft");
	EXPECT_EQ(0, create_get(fd, TIMERX_CREATE_F_HARD, &cf, NULL));
	close(fd);
}

static int nonrt_child(struct __test_metadata *_metadata, void *arg)
{
	__u32 cf[2];
	int hard;

	(void)arg;
	if (as_nobody(_metadata, false, cf, &hard))
		return 1;
	EXPECT_EQ(0U, cf[0] & TIMERX_CREATE_F_SOFT) {
		TH_LOG("non-RT: nobody's default timer reports F_SOFT (0x%x)", cf[0]);
	}
	EXPECT_EQ(0, hard) TH_LOG("non-RT: nobody's TIMERX_CREATE_F_HARD: %s",
				  hard ? strerror(-hard) : "");
	EXPECT_EQ(0U, cf[1] & TIMERX_CREATE_F_SOFT);
	return 0;
}

TEST_F(hard, non_rt_nobody_may_use_hard)
{
	if (self->rt)
		SKIP(return, "a PREEMPT_RT kernel");
	tx_child_result(tx_in_child(nonrt_child, NULL, 20000, "nobody on non-RT"),
			"nobody on non-RT");
}

TEST_HARNESS_MAIN
