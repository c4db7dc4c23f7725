// SPDX-License-Identifier: GPL-2.0
/*
 * What an arming carries since API 3: its seq comes back in every event
 * of that arming (and never in one of another arming's), its slack is
 * range-checked and never makes a timer early, ids are dense, and the
 * 16-byte one-shot arms (ARM_AT, ARM_IN) behave as ARM does.
 */
#include "timerx_util.h"

#define MS	NSEC_PER_MSEC

FIXTURE(arming)
{
	struct tx_ring r;
	__u32 id;
};

FIXTURE_SETUP(arming)
{
	tx_ring_open(&self->r, 64, true);
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0xabc, &self->id));
}

FIXTURE_TEARDOWN(arming)
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

/* The arming's seq is in its event, whatever its value. */
TEST_F(arming, seq_comes_back)
{
	static const __u32 seqs[] = { 0, 1, 0x7fffffff, 0x80000000U, 0xffffffffU };
	struct timerx_timer_info ti;
	struct timerx_event ev;
	unsigned int i;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		ASSERT_EQ(0, tx_arm_seq(self->r.fd, self->id, 0, 1 * MS, 0, seqs[i], 0));
		ASSERT_EQ(0, tx_get(self->r.fd, self->id, &ti));
		EXPECT_EQ(seqs[i], ti.seq);
		ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
		EXPECT_EQ(seqs[i], ev.seq);
		EXPECT_EQ(0U, ev.resv);
		EXPECT_EQ(0xabcULL, ev.user_data);
	}
}

/*
 * A periodic arming's expirations wait in a full ring; a re-arm with
 * another seq must not fold them into its own: the consumer sees the old
 * seq's events first, then only the new seq's, and every expiration is
 * accounted for.
 */
TEST_F(arming, armings_never_fold)
{
	struct timerx_event ev[64];
	struct timerx_timer_info ti;
	__u64 old_exp = 0, new_exp = 0;
	unsigned int n, i, k = 0;
	bool seen_new = false;
	int fd = self->r.fd;
	__u32 filler;

	/* Fill the 64-entry ring with another timer's events. */
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &filler));
	fill_ring(_metadata, &self->r, filler);
	ASSERT_EQ(64U, tx_tail(&self->r) - tx_head(&self->r));

	/* Seq 7: periodic, parks at once with its expirations waiting. */
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 0, 2 * MS, 7, 0));
	tx_sleep_ms(30);
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	ASSERT_LT(0ULL, ti.pending);

	/* Seq 8 re-arms it while seq 7's wait. */
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 0, 2 * MS, 8, 0));
	tx_sleep_ms(30);
	ASSERT_EQ(0, tx_cancel(fd, self->id));

	for (;;) {
		n = tx_consume(&self->r, ev, 64);
		for (i = 0; i < n; i++) {
			if (ev[i].timer_id != self->id)
				continue;
			k++;
			if (ev[i].seq == 7) {
				EXPECT_FALSE(seen_new) TH_LOG("seq 7 after seq 8");
				old_exp += 1ULL + ev[i].overrun;
			} else {
				EXPECT_EQ(8U, ev[i].seq);
				seen_new = true;
				new_exp += 1ULL + ev[i].overrun;
			}
		}
		if (tx_flush(fd) <= 0 && !n)
			break;
	}
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(0ULL, ti.pending);
	EXPECT_LT(0ULL, old_exp);
	EXPECT_LT(0ULL, new_exp);
	EXPECT_EQ(ti.expirations, old_exp + new_exp);
	EXPECT_LE(2U, k);
}

/* Ids are dense: the lowest free one, from 1, a deleted one reused. */
TEST_F(arming, dense_ids)
{
	__u32 a, b, c, d;
	int fd = self->r.fd;

	EXPECT_EQ(1U, self->id);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &a));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &b));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &c));
	EXPECT_EQ(2U, a);
	EXPECT_EQ(3U, b);
	EXPECT_EQ(4U, c);
	ASSERT_EQ(0, tx_delete(fd, a));
	EXPECT_EQ(-ENOENT, tx_arm(fd, a, 0, MS, 0));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &d));
	EXPECT_EQ(a, d);
	EXPECT_EQ(-ENOENT, tx_arm(fd, 0, 0, MS, 0));
	EXPECT_EQ(-ENOENT, tx_arm(fd, 5, 0, MS, 0));
	EXPECT_EQ(-ENOENT, tx_arm(fd, 0xffffffffU, 0, MS, 0));
	EXPECT_EQ(-ENOENT, tx_arm(fd, 1U << 20, 0, MS, 0));
}

/* Many timers: the table grows past its first sizes and stays right. */
TEST_F(arming, dense_ids_grow)
{
	struct timerx_timer_info ti;
	int fd = self->r.fd;
	__u32 id, i;

	for (i = 2; i <= 300; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &id));
		ASSERT_EQ(i, id);
	}
	for (i = 1; i <= 300; i += 7) {
		ASSERT_EQ(0, tx_get(fd, i, &ti));
		EXPECT_EQ(i == 1 ? 0xabcULL : i, ti.user_data);
	}
	for (i = 300; i >= 2; i--)
		ASSERT_EQ(0, tx_delete(fd, i));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	EXPECT_EQ(2U, id);
}

TEST_F(arming, slack_range)
{
	struct timerx_timer_info ti;
	int fd = self->r.fd;

	EXPECT_EQ(-EINVAL, tx_arm_seq(fd, self->id, 0, MS, 0, 0, TIMERX_SLACK_MAX_NS + 1));
	EXPECT_EQ(-EINVAL, tx_arm_seq(fd, self->id, 0, MS, 0, 0, 0xffffffffU));
	/* Periodic: the slack must be below the period. */
	EXPECT_EQ(-EINVAL, tx_arm_seq(fd, self->id, 0, MS, 10 * MS, 0, 10 * MS));
	EXPECT_EQ(-EINVAL, tx_arm_seq(fd, self->id, 0, MS, 10 * MS, 0, 11 * MS));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	ASSERT_EQ(0, tx_arm_seq(fd, self->id, 0, 10 * NSEC_PER_SEC, 0, 3,
				TIMERX_SLACK_MAX_NS));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ(TIMERX_SLACK_MAX_NS, ti.slack_ns);
	EXPECT_EQ(3U, ti.seq);
	ASSERT_EQ(0, tx_cancel(fd, self->id));
}

/*
 * Slack never makes a timer early, and a periodic one stays on the grid
 * of its expiries: every event's expected_ns is first + k * period.
 */
TEST_F(arming, slack_never_early_keeps_grid)
{
	const __s64 period = 5 * MS, slack = 3 * MS;
	__s64 first = tx_now(CLOCK_MONOTONIC) + 10 * MS, next = first;
	struct timerx_event ev[8];
	unsigned int n, i;

	ASSERT_EQ(0, tx_arm_seq(self->r.fd, self->id, TIMERX_ARM_F_ABS, first, period, 1,
				slack));
	n = tx_collect(&self->r, ev, 8, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(8U, n);
	ASSERT_EQ(0, tx_cancel(self->r.fd, self->id));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(next, ev[i].expected_ns);
		EXPECT_LE(ev[i].expected_ns, ev[i].actual_ns);
		next += (1 + (__s64)ev[i].overrun) * period;
	}
}

/* ARM_AT and ARM_IN: one-shot, as ARM; bad input as ARM's. */
TEST_F(arming, oneshot_arms)
{
	struct timerx_timer_info ti;
	struct timerx_event ev;
	int fd = self->r.fd;
	__s64 at = tx_now(CLOCK_MONOTONIC) + 2 * MS;

	ASSERT_EQ(0, tx_arm_oneshot(fd, self->id, true, at, 41));
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(at, ev.expected_ns);
	EXPECT_EQ(41U, ev.seq);
	EXPECT_EQ(0U, ev.overrun);

	at = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_arm_oneshot(fd, self->id, false, 2 * MS, 42));
	ASSERT_EQ(0, tx_get(fd, self->id, &ti));
	EXPECT_EQ(0ULL, ti.period_ns);
	EXPECT_EQ(0U, ti.slack_ns);
	EXPECT_EQ(42U, ti.seq);
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_LE(at + 2 * MS, ev.expected_ns);
	EXPECT_EQ(42U, ev.seq);

	EXPECT_EQ(-EINVAL, tx_arm_oneshot(fd, self->id, true, -1, 0));
	EXPECT_EQ(-EINVAL, tx_arm_oneshot(fd, self->id, false, INT64_MIN, 0));
	EXPECT_EQ(-ENOENT, tx_arm_oneshot(fd, 77, true, 0, 0));
	/* A struct of the old or another size is another ioctl number. */
	EXPECT_EQ(-ENOTTY, tx_ioctl(fd, _IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM_AT, __u64), &at));
	EXPECT_EQ(-ENOTTY, tx_ioctl(fd, _IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM, char[32]), &ti));
}

TEST_HARNESS_MAIN
