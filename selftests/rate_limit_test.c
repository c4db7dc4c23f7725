// SPDX-License-Identifier: GPL-2.0
/*
 * The per-user expiration rate budget (finding F6a). The header: callers
 * without CAP_SYS_NICE cannot "arm periodic timers beyond their user's
 * expiration-rate budget, max_user_rate expirations per second summed over
 * every armed periodic timer of the user (EDQUOT; a timer's rate is
 * 10^9 / period_ns, rounded up)". min_period_ns alone bounds one timer,
 * not the number of them: the old module let one user arm as many 100 us
 * timers as it had memory for, an interrupt storm of its choosing.
 *
 * Every periodic timer here starts an hour from now: the budget counts
 * armed timers, so nothing needs to fire (and nothing does, under TCG).
 * The budget is lowered to 1000/s for the test; a module without the
 * parameter is tested against its documented default (100000/s).
 */
#include "timerx_util.h"

#define RATE_LIMIT	1000
#define RATE_DEFAULT	100000
#define HOUR_NS		(3600 * NSEC_PER_SEC)
#define NTIMERS		10	/* each at a tenth of the budget */

FIXTURE(rate)
{
	struct tx_devmode dev;
	struct tx_param rate, min_period;
	__u64 period;		/* a tenth of the budget each */
};

FIXTURE_SETUP(rate)
{
	unsigned long long min;
	int ret;

	memset(self, 0, sizeof(*self));
	if (geteuid() != 0)
		SKIP(return, "needs root to change limits and switch users");
	ret = tx_param_set(&self->rate, "max_user_rate", RATE_LIMIT, RATE_DEFAULT);
	ASSERT_EQ(0, ret) TH_LOG("max_user_rate: %s", strerror(-ret));
	self->period = NTIMERS * NSEC_PER_SEC / self->rate.value;
	ASSERT_EQ(0, tx_param_read("min_period_ns", &min));
	if (min > self->period) {
		ret = tx_param_set(&self->min_period, "min_period_ns", self->period, 0);
		ASSERT_EQ(0, ret) TH_LOG("min_period_ns: %s", strerror(-ret));
	}
	TH_LOG("max_user_rate %llu/s%s: %d timers of period %llu ns fill it",
	       self->rate.value, self->rate.exists ? "" : " (no such parameter: default)",
	       NTIMERS, (unsigned long long)self->period);
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
}

FIXTURE_TEARDOWN(rate)
{
	tx_dev_restore(&self->dev);
	tx_param_restore(&self->rate);
	tx_param_restore(&self->min_period);
}

struct rate_args {
	__u64 period;
	unsigned long long limit;
	bool exact;		/* the budget is ours (RATE_LIMIT) */
};

static int become_nobody(struct __test_metadata *_metadata)
{
	if (tx_drop_to_nobody() || geteuid() != TX_NOBODY) {
		EXPECT_TRUE(0) TH_LOG("cannot become nobody");
		return -1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_SYS_NICE)) TH_LOG("nobody has CAP_SYS_NICE");
	return 0;
}

static int ctx_with_timers(__u32 *ids, int n)
{
	int fd = tx_open(), i;

	if (fd < 0 || tx_setup(fd, 16, NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]))
			return -1;
	return fd;
}

static int periodic(int fd, __u32 id, __u64 period)
{
	return tx_arm(fd, id, 0, HOUR_NS, period);
}

static int budget_child(struct __test_metadata *_metadata, void *arg)
{
	const struct rate_args *a = arg;
	struct timerx_timer_info ti;
	__u32 ids[NTIMERS + 2], more[NTIMERS];
	int fd, fd2, i, ret;

	if (become_nobody(_metadata))
		return 1;
	fd = ctx_with_timers(ids, NTIMERS + 2);
	if (fd < 0) {
		EXPECT_LE(0, fd) TH_LOG("nobody: context with timers");
		return 1;
	}
	for (i = 0; i < NTIMERS; i++) {
		ret = periodic(fd, ids[i], a->period);
		EXPECT_EQ(0, ret) TH_LOG("periodic timer %d of %d (%llu ns): %s", i + 1, NTIMERS,
					 (unsigned long long)a->period, strerror(-ret));
	}
	ret = periodic(fd, ids[NTIMERS], a->period);
	EXPECT_EQ(-EDQUOT, ret) {
		TH_LOG("periodic timer %d: %llu expirations/s past max_user_rate %llu: %s",
		       NTIMERS + 1, (NTIMERS + 1) * (NSEC_PER_SEC / a->period), a->limit,
		       ret ? strerror(-ret) : "armed");
	}
	if (ret && !tx_get(fd, ids[NTIMERS], &ti)) {
		EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("a refused ARM armed the timer");
	}
	/* One-shots cost no rate. */
	ret = tx_arm(fd, ids[NTIMERS], 0, HOUR_NS, 0);
	EXPECT_EQ(0, ret) TH_LOG("a one-shot with the budget full: %s", strerror(-ret));
	EXPECT_EQ(0, tx_cancel(fd, ids[NTIMERS]));

	/* Re-arming releases the timer's old rate first. */
	ret = periodic(fd, ids[0], a->period);
	EXPECT_EQ(0, ret) TH_LOG("re-arming with the same period: %s", strerror(-ret));
	ret = periodic(fd, ids[0], 2 * a->period);
	EXPECT_EQ(0, ret) TH_LOG("re-arming with a longer period: %s", strerror(-ret));
	ret = periodic(fd, ids[0], a->period);
	EXPECT_EQ(0, ret) TH_LOG("re-arming back to the period it had: %s", strerror(-ret));
	if (a->exact) {
		/* (With the default budget, half the period is below min_period_ns.) */
		ret = periodic(fd, ids[0], a->period / 2);
		EXPECT_EQ(-EDQUOT, ret) {
			TH_LOG("re-arming with half the period (over budget): %s",
			       ret ? strerror(-ret) : "armed");
		}
		/* Re-arm it as it was, whatever the refusal did to it. */
		EXPECT_EQ(0, periodic(fd, ids[0], a->period));
	}

	/* CANCEL frees room. */
	EXPECT_EQ(0, tx_cancel(fd, ids[1]));
	ret = periodic(fd, ids[NTIMERS], a->period);
	EXPECT_EQ(0, ret) TH_LOG("after CANCEL of one, another: %s", strerror(-ret));
	ret = periodic(fd, ids[1], a->period);
	EXPECT_EQ(-EDQUOT, ret) TH_LOG("CANCEL freed more than its rate");

	/* DELETE frees room. */
	EXPECT_EQ(0, tx_delete(fd, ids[2]));
	ret = periodic(fd, ids[1], a->period);
	EXPECT_EQ(0, ret) TH_LOG("after DELETE of one, another: %s", strerror(-ret));
	ret = periodic(fd, ids[NTIMERS + 1], a->period);
	EXPECT_EQ(-EDQUOT, ret) TH_LOG("DELETE freed more than its rate");

	/* The budget is the user's: another context of it is full too. */
	fd2 = ctx_with_timers(more, NTIMERS);
	if (fd2 >= 0) {
		ret = periodic(fd2, more[0], a->period);
		EXPECT_EQ(-EDQUOT, ret) TH_LOG("a second context of the user: %s",
					       ret ? strerror(-ret) : "armed");
	}

	/* Closing the context frees all of it: the second one gets it all. */
	close(fd);
	for (i = 0; i < NTIMERS && fd2 >= 0; i++) {
		int tries;

		for (tries = 0; tries < 50; tries++) {
			ret = periodic(fd2, more[i], a->period);
			if (ret != -EDQUOT)
				break;
			tx_sleep_ms(20);	/* release runs from fput's task work */
		}
		EXPECT_EQ(0, ret) TH_LOG("after closing the full context, timer %d: %s", i + 1,
					 strerror(-ret));
	}
	if (fd2 >= 0)
		close(fd2);
	return 0;
}

TEST_F_TIMEOUT(rate, nobody_budget_edquot, 60)
{
	struct rate_args a = { self->period, self->rate.value, self->rate.exists };

	tx_child_result(tx_in_child(budget_child, &a, 45000, "nobody arming periodic timers"),
			"nobody arming periodic timers");
}

static int rounding_child(struct __test_metadata *_metadata, void *arg)
{
	__u32 ids[3];
	int fd, ret, i;

	(void)arg;
	if (become_nobody(_metadata))
		return 1;
	fd = ctx_with_timers(ids, 3);
	if (fd < 0)
		return 1;
	/* 3 ms: 333.3/s, counted as 334. Two: 668. A third: 1002 > 1000. */
	for (i = 0; i < 2; i++) {
		ret = periodic(fd, ids[i], 3 * NSEC_PER_MSEC);
		EXPECT_EQ(0, ret) TH_LOG("3 ms timer %d: %s", i + 1, strerror(-ret));
	}
	ret = periodic(fd, ids[2], 3 * NSEC_PER_MSEC);
	EXPECT_EQ(-EDQUOT, ret) {
		TH_LOG("a third 3 ms timer (3 x ceil(10^9/3000000) = 1002 > %d): %s", RATE_LIMIT,
		       ret ? strerror(-ret) : "armed: rate rounded down?");
	}
	close(fd);
	return 0;
}

/* "a timer's rate is 10^9 / period_ns, rounded up" */
TEST_F(rate, rate_rounds_up)
{
	if (!self->rate.exists)
		SKIP(return, "no max_user_rate parameter");
	tx_child_result(tx_in_child(rounding_child, NULL, 20000, "nobody, 3 ms periods"),
			"nobody, 3 ms periods");
}

/* "callers with CAP_SYS_NICE not to min_period_ns and max_user_rate" */
TEST_F(rate, root_exempt)
{
	__u32 ids[2 * NTIMERS];
	int fd, i, ret;

	if (!tx_has_cap(CAP_SYS_NICE))
		SKIP(return, "needs CAP_SYS_NICE");
	fd = ctx_with_timers(ids, 2 * NTIMERS);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2 * NTIMERS; i++) {
		ret = periodic(fd, ids[i], self->period);
		EXPECT_EQ(0, ret) TH_LOG("root's periodic timer %d (budget %llu/s): %s", i + 1,
					 self->rate.value, strerror(-ret));
	}
	close(fd);
}

TEST_HARNESS_MAIN
