// SPDX-License-Identifier: GPL-2.0
/*
 * TIMERX_IOC_POSTPONE moves an armed timer's next expiry, later or
 * earlier, keeping its period, slack and seq; a timer that is not armed
 * answers ETIME (it expired: its event says so).
 */
#include "timerx_util.h"

#define MS	NSEC_PER_MSEC

FIXTURE(postpone)
{
	struct tx_ring r;
	__u32 id;
};

FIXTURE_SETUP(postpone)
{
	tx_ring_open(&self->r, 64, true);
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 5, &self->id));
}

FIXTURE_TEARDOWN(postpone)
{
	tx_ring_close(&self->r);
}

/* Fill the ring with @filler's events (periodic, then cancelled). */
static void fill_ring(struct __test_metadata *_metadata, struct tx_ring *r, __u32 filler)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);

	ASSERT_EQ(0, tx_arm(r->fd, filler, 0, 0, MS));
	while (tx_tail(r) - tx_head(r) < r->p.entries) {
		ASSERT_GT(TX_FIRE_TIMEOUT_MS, tx_ms_since(start));
		tx_sleep_ms(1);
	}
	ASSERT_EQ(0, tx_cancel(r->fd, filler));
}

/* Later: no event at the old expiry, one at the new, with the same seq. */
TEST_F(postpone, later)
{
	__s64 now = tx_now(CLOCK_MONOTONIC);
	struct timerx_timer_info ti;
	struct timerx_event ev;
	int fd = self->r.fd;

	ASSERT_EQ(0, tx_arm_seq(fd, self->id, TIMERX_ARM_F_ABS, now + 50 * MS, 0, 9, 0));
	ASSERT_EQ(0, tx_postpone(fd, self->id, TIMERX_ARM_F_ABS, now + 300 * MS));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ(now + 300 * MS, ti.next_expiry_ns);
	EXPECT_EQ(9U, ti.seq);
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(now + 300 * MS, ev.expected_ns);
	EXPECT_LE(now + 300 * MS, ev.actual_ns);
	EXPECT_EQ(9U, ev.seq);
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(1ULL, ti.expirations);
}

/* Earlier, relative: fires at the new expiry, well before the old one. */
TEST_F(postpone, earlier_relative)
{
	struct timerx_event ev;
	int fd = self->r.fd;
	__s64 start;

	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 100 * NSEC_PER_SEC, 0, 1, 0));
	start = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_postpone(fd, self->id, 0, 5 * MS));
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_LE(start + 5 * MS, ev.expected_ns);
	EXPECT_GT(start + 10 * NSEC_PER_SEC, ev.expected_ns);
	EXPECT_EQ(1U, ev.seq);
}

/* A periodic timer continues from the new expiry with its period. */
TEST_F(postpone, periodic_new_grid)
{
	const __s64 period = 4 * MS;
	__s64 now = tx_now(CLOCK_MONOTONIC), next = now + 100 * MS;
	struct timerx_event ev[5];
	int fd = self->r.fd;
	unsigned int i;

	ASSERT_EQ(0, tx_arm_seq(fd, self->id, TIMERX_ARM_F_ABS, now + 10 * NSEC_PER_SEC,
				period, 2, 0));
	ASSERT_EQ(0, tx_postpone(fd, self->id, TIMERX_ARM_F_ABS, next));
	ASSERT_EQ(5U, tx_collect(&self->r, ev, 5, TX_FIRE_TIMEOUT_MS));
	ASSERT_EQ(0, tx_cancel(fd, self->id));
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(next, ev[i].expected_ns);
		EXPECT_EQ(2U, ev[i].seq);
		next += (1 + (__s64)ev[i].overrun) * period;
	}
}

/* Not armed: never armed, fired, cancelled. */
TEST_F(postpone, not_armed_is_etime)
{
	struct timerx_timer_info ti;
	struct timerx_event ev;
	int fd = self->r.fd;

	EXPECT_EQ(-ETIME, tx_postpone(fd, self->id, 0, MS));
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 0, 0, 1, 0));
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(-ETIME, tx_postpone(fd, self->id, 0, MS));
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, NSEC_PER_SEC, MS * 10, 1, 0));
	ASSERT_EQ(0, tx_cancel(fd, self->id));
	EXPECT_EQ(-ETIME, tx_postpone(fd, self->id, 0, MS));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	/* And nothing was started by the refusals. */
	tx_sleep_ms(TX_SETTLE_MS);
	EXPECT_EQ(0U, tx_consume(&self->r, NULL, 64));
}

/* A parked periodic timer (ring full) is armed: postponing it works. */
TEST_F(postpone, parked)
{
	struct timerx_timer_info ti;
	int fd = self->r.fd;
	__u32 filler;
	__s64 at;

	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &filler));
	fill_ring(_metadata, &self->r, filler);
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 0, 2 * MS, 4, 0));
	tx_sleep_ms(20);
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	ASSERT_LT(0ULL, ti.pending);
	at = tx_now(CLOCK_MONOTONIC) + 10 * NSEC_PER_SEC;
	ASSERT_EQ(0, tx_postpone(fd, self->id, TIMERX_ARM_F_ABS, at));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ(at, ti.next_expiry_ns);
	EXPECT_EQ(4U, ti.seq);
	ASSERT_EQ(0, tx_cancel(fd, self->id));
}

TEST_F(postpone, bad_input)
{
	struct timerx_postpone p = { .timer_id = self->id, .expires_ns = MS };
	int fd = self->r.fd;

	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, NSEC_PER_SEC, 0, 1, 0));
	EXPECT_EQ(-EOPNOTSUPP, tx_postpone(fd, self->id, 2, MS));
	EXPECT_EQ(-EOPNOTSUPP, tx_postpone(fd, self->id, 0x80000000U, MS));
	EXPECT_EQ(-EINVAL, tx_postpone(fd, self->id, 0, -1));
	EXPECT_EQ(-EINVAL, tx_postpone(fd, self->id, TIMERX_ARM_F_ABS, INT64_MIN));
	EXPECT_EQ(-ENOENT, tx_postpone(fd, 0, 0, MS));
	EXPECT_EQ(-ENOENT, tx_postpone(fd, 99, 0, MS));
	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_POSTPONE, NULL));
	/* Near KTIME_MAX, relative: saturates, stays armed, never fires. */
	EXPECT_EQ(0, tx_postpone(fd, self->id, 0, INT64_MAX));
	EXPECT_EQ(0, tx_ioctl(fd, TIMERX_IOC_POSTPONE, &p));
	ASSERT_EQ(0, tx_cancel(fd, self->id));
}

/* Before SETUP_RING, as every timer command. */
TEST(postpone_before_ring)
{
	int fd = tx_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, tx_postpone(fd, 1, 0, 0));
	close(fd);
}

TEST_HARNESS_MAIN
