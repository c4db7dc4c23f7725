// SPDX-License-Identifier: GPL-2.0
/*
 * Time values at and beyond the edges of ARM (finding F1): absolute
 * expiries must be >= 0 on every clock (a negative one used to be accepted,
 * and a pinned periodic CLOCK_TAI timer armed at -1 locked its CPU up in
 * the hrtimer interrupt), the largest expiries and periods are accepted
 * and never fire, an expiry of 0 fires at once with every missed period
 * counted, and periodic REALTIME/TAI timers survive the clock being
 * stepped back and forth under them without re-queueing themselves in the
 * past (the callback must always move a periodic timer forward).
 *
 * The harmless cases run first: on a module with the bug, the negative
 * ones may take the VM down, and everything before them is reported.
 */
#include "timerx_util.h"

#define HOUR_NS		(3600 * NSEC_PER_SEC)

static const clockid_t all_clocks[] = {
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI,
};

/* The CPU pinned timers go to: the last online one (0 on a 1-CPU VM). */
static int pin_cpu(void)
{
	int cpus[TX_MAX_CPUS], n = tx_online_cpus(cpus, TX_MAX_CPUS);

	return n > 0 ? cpus[n - 1] : 0;
}

/* Wait (GET only) until timer @id has expired at least once. */
static void wait_fired(struct __test_metadata *_metadata, int fd, __u32 id)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	struct timerx_timer_info ti;

	do {
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		if (ti.expirations)
			return;
		tx_sleep_ms(2);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_NE(0ULL, ti.expirations) TH_LOG("timer %u did not fire within %d ms", id,
					       TX_FIRE_TIMEOUT_MS);
}

/* Consume everything ready into @acct; flush when expirations are pending. */
static void pump(struct __test_metadata *_metadata, struct tx_ring *r, struct tx_acct *acct,
		 unsigned int nacct)
{
	struct timerx_event ev[64];
	unsigned int n, i;

	do {
		n = tx_consume(r, ev, 64);
		for (i = 0; i < n; i++) {
			EXPECT_TRUE(tx_account(acct, nacct, &ev[i])) {
				TH_LOG("event for unknown timer %u", ev[i].timer_id);
			}
		}
	} while (n);
	if (tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW)
		tx_flush(r->fd);
}

/* ---------------------------------------------------------------- */
/* Periods                                                          */
/* ---------------------------------------------------------------- */

/* "periods are at most KTIME_MAX (EINVAL)" */
TEST(period_int64_max_accepted_above_einval)
{
	struct timerx_timer_info ti;
	struct tx_ring r;
	__u32 id;

	tx_ring_open(&r, 16, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	EXPECT_EQ(0, tx_arm(r.fd, id, 0, HOUR_NS, (__u64)INT64_MAX))
		TH_LOG("period_ns = INT64_MAX (KTIME_MAX) refused");
	ASSERT_EQ(0, tx_get(r.fd, id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ((__u64)INT64_MAX, ti.period_ns);
	ASSERT_EQ(0, tx_cancel(r.fd, id));

	EXPECT_EQ(-EINVAL, tx_arm(r.fd, id, 0, HOUR_NS, (__u64)INT64_MAX + 1))
		TH_LOG("period_ns = INT64_MAX + 1 (above KTIME_MAX) accepted");
	EXPECT_EQ(-EINVAL, tx_arm(r.fd, id, 0, HOUR_NS, UINT64_MAX))
		TH_LOG("period_ns = UINT64_MAX accepted");
	ASSERT_EQ(0, tx_get(r.fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("a refused ARM armed the timer");
	tx_ring_close(&r);
}

/* Absolute 0 with the longest period: one expiry now, the next never. */
TEST(abs_zero_period_int64_max_fires_once)
{
	struct tx_acct a = { .user_data = 2, .period = (__u64)INT64_MAX };
	struct timerx_timer_info ti;
	struct tx_ring r;

	tx_ring_open(&r, 16, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, TIMERX_ARM_F_ABS, 0, a.period));
	wait_fired(_metadata, r.fd, a.id);
	tx_sleep_ms(100);
	ASSERT_EQ(0, tx_get(r.fd, a.id, &ti));
	EXPECT_EQ(1ULL, ti.expirations) TH_LOG("a period of KTIME_MAX expired again");
	EXPECT_EQ(TX_ARMED, ti.state) TH_LOG("a periodic timer must stay armed");
	EXPECT_LT(HOUR_NS, ti.next_expiry_ns) TH_LOG("next expiry %lld: not ~KTIME_MAX",
						     (long long)ti.next_expiry_ns);
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	tx_drain_all(&r, &a, 1);
	tx_check_acct(r.fd, &a, 1);
	EXPECT_EQ(1ULL, a.events);
	tx_ring_close(&r);
}

/* ---------------------------------------------------------------- */
/* The largest expiries                                             */
/* ---------------------------------------------------------------- */

/*
 * Absolute INT64_MAX and INT64_MAX - 1, one-shot and periodic, pinned and
 * not, on every clock: ARMED, next expiry as given, never fires, cancels.
 */
TEST(abs_int64_max_armed_never_fires)
{
	static const __s64 values[] = { INT64_MAX, INT64_MAX - 1 };
	struct timerx_timer_info ti;
	struct { __u32 id; __s64 v; } t[64];
	unsigned int n = 0, i, c, v, per, pin;
	struct tx_ring r;
	int cpu = pin_cpu();

	tx_ring_open(&r, 64, true);
	for (c = 0; c < ARRAY_SIZE(all_clocks); c++) {
		for (v = 0; v < ARRAY_SIZE(values); v++) {
			for (per = 0; per < 2; per++) {
				for (pin = 0; pin < 2; pin++) {
					__u32 f = pin ? TIMERX_CREATE_F_PINNED : 0;
					int ret;

					ASSERT_EQ(0, tx_create(r.fd, all_clocks[c], f,
							       pin ? cpu : 0, n, &t[n].id));
					ret = tx_arm(r.fd, t[n].id, TIMERX_ARM_F_ABS, values[v],
						     per ? NSEC_PER_MSEC : 0);
					EXPECT_EQ(0, ret) {
						TH_LOG("%s abs %lld %s%s: %s",
						       tx_clock_name(all_clocks[c]),
						       (long long)values[v],
						       per ? "periodic" : "one-shot",
						       pin ? " pinned" : "", strerror(-ret));
					}
					t[n++].v = values[v];
				}
			}
		}
	}
	tx_sleep_ms(100);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, tx_get(r.fd, t[i].id, &ti));
		EXPECT_EQ(TX_ARMED, ti.state) {
			TH_LOG("%s timer at abs %lld: not ARMED", tx_clock_name(ti.clockid),
			       (long long)t[i].v);
		}
		EXPECT_EQ(t[i].v, ti.next_expiry_ns) {
			TH_LOG("%s timer at abs %lld: next_expiry_ns %lld",
			       tx_clock_name(ti.clockid), (long long)t[i].v,
			       (long long)ti.next_expiry_ns);
		}
		EXPECT_EQ(0ULL, ti.expirations) {
			TH_LOG("%s timer at abs %lld expired %llu times",
			       tx_clock_name(ti.clockid), (long long)t[i].v,
			       (unsigned long long)ti.expirations);
		}
		EXPECT_EQ(0, tx_cancel(r.fd, t[i].id));
		ASSERT_EQ(0, tx_get(r.fd, t[i].id, &ti));
		EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("CANCEL left the timer armed");
	}
	EXPECT_EQ(tx_head(&r), tx_tail(&r)) TH_LOG("events in the ring");
	tx_ring_close(&r);
}

/* Relative INT64_MAX: accepted (saturated), never fires. */
TEST(rel_int64_max_never_fires)
{
	struct timerx_timer_info ti;
	__u32 ids[8];
	unsigned int c, per, n = 0, i;
	struct tx_ring r;
	__s64 now;

	tx_ring_open(&r, 16, true);
	for (c = 0; c < ARRAY_SIZE(all_clocks); c++) {
		for (per = 0; per < 2; per++) {
			int ret;

			ASSERT_EQ(0, tx_create(r.fd, all_clocks[c], 0, 0, n, &ids[n]));
			ret = tx_arm(r.fd, ids[n], 0, INT64_MAX, per ? NSEC_PER_MSEC : 0);
			EXPECT_EQ(0, ret) TH_LOG("%s relative INT64_MAX %s: %s",
						 tx_clock_name(all_clocks[c]),
						 per ? "periodic" : "one-shot", strerror(-ret));
			n++;
		}
	}
	tx_sleep_ms(100);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, tx_get(r.fd, ids[i], &ti));
		now = tx_now(ti.clockid);
		EXPECT_EQ(TX_ARMED, ti.state);
		EXPECT_LT(now + HOUR_NS, ti.next_expiry_ns) {
			TH_LOG("%s: relative INT64_MAX expires at %lld (now %lld): wrapped?",
			       tx_clock_name(ti.clockid), (long long)ti.next_expiry_ns,
			       (long long)now);
		}
		EXPECT_EQ(0ULL, ti.expirations) TH_LOG("%s: relative INT64_MAX expired",
						       tx_clock_name(ti.clockid));
		EXPECT_EQ(0, tx_cancel(r.fd, ids[i]));
	}
	EXPECT_EQ(tx_head(&r), tx_tail(&r));
	tx_ring_close(&r);
}

/* ---------------------------------------------------------------- */
/* Absolute 0: valid, in the past, every missed period counted       */
/* ---------------------------------------------------------------- */

FIXTURE(abs_zero)
{
	struct tx_ring r;
};

FIXTURE_VARIANT(abs_zero)
{
	clockid_t clockid;
};

FIXTURE_VARIANT_ADD(abs_zero, monotonic) { .clockid = CLOCK_MONOTONIC };
FIXTURE_VARIANT_ADD(abs_zero, realtime) { .clockid = CLOCK_REALTIME };
FIXTURE_VARIANT_ADD(abs_zero, boottime) { .clockid = CLOCK_BOOTTIME };
FIXTURE_VARIANT_ADD(abs_zero, tai) { .clockid = CLOCK_TAI };

FIXTURE_SETUP(abs_zero)
{
	/* REALTIME/TAI: ~1.7e12 missed 1 ms periods, ~400 events of 2^32. */
	tx_ring_open(&self->r, 1024, true);
}

FIXTURE_TEARDOWN(abs_zero)
{
	tx_ring_close(&self->r);
}

TEST_F(abs_zero, periodic_1ms_fires_at_once_overruns_counted)
{
	struct tx_acct a = { .user_data = 7, .period = NSEC_PER_MSEC };
	struct timerx_timer_info ti;
	__s64 at_arm;

	ASSERT_EQ(0, tx_create(self->r.fd, variant->clockid, 0, 0, a.user_data, &a.id));
	at_arm = tx_now(variant->clockid);
	ASSERT_EQ(0, tx_arm(self->r.fd, a.id, TIMERX_ARM_F_ABS, 0, a.period))
		TH_LOG("%s: absolute 0 with a 1 ms period refused",
		       tx_clock_name(variant->clockid));
	wait_fired(_metadata, self->r.fd, a.id);
	tx_sleep_ms(20);
	ASSERT_EQ(0, tx_cancel(self->r.fd, a.id));
	tx_drain_all(&self->r, &a, 1);
	tx_check_acct(self->r.fd, &a, 1);
	ASSERT_EQ(0, tx_get(self->r.fd, a.id, &ti));
	/* Every period from 0 to the moment of arming has elapsed. */
	EXPECT_LE((__u64)(at_arm / NSEC_PER_MSEC), ti.expirations) {
		TH_LOG("%s: %llu expirations for %lld elapsed periods",
		       tx_clock_name(variant->clockid), (unsigned long long)ti.expirations,
		       (long long)(at_arm / NSEC_PER_MSEC));
	}
	TH_LOG("%s: %llu expirations in %llu events", tx_clock_name(variant->clockid),
	       (unsigned long long)ti.expirations, (unsigned long long)a.events);
}

/* ---------------------------------------------------------------- */
/* Clock steps under periodic REALTIME/TAI timers                    */
/* ---------------------------------------------------------------- */

/*
 * The test steps CLOCK_REALTIME back by an hour and forward again, many
 * times, while 1 ms periodic absolute timers run on it (TAI follows
 * REALTIME). A callback that reads its clock after a step back finds it
 * earlier than the expiry it ran for; re-queueing the timer there without
 * moving it forward makes the hrtimer interrupt run it again at once,
 * forever. The teardown puts the real time back (start + monotonic time
 * elapsed) whatever happened.
 */
FIXTURE(clock_step)
{
	struct timespec rt0, mono0;
	bool stepped;
};

FIXTURE_VARIANT(clock_step)
{
	clockid_t clockid;
};

FIXTURE_VARIANT_ADD(clock_step, realtime) { .clockid = CLOCK_REALTIME };
FIXTURE_VARIANT_ADD(clock_step, tai) { .clockid = CLOCK_TAI };

static __s64 ts_ns(const struct timespec *ts)
{
	return (__s64)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static int set_realtime_ns(__s64 ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

	return clock_settime(CLOCK_REALTIME, &ts) ? -errno : 0;
}

/* What REALTIME should read now: its value at setup plus the time since. */
static __s64 true_realtime(const struct _test_data_clock_step *self)
{
	return ts_ns(&self->rt0) + tx_now(CLOCK_MONOTONIC) - ts_ns(&self->mono0);
}

FIXTURE_SETUP(clock_step)
{
	self->stepped = false;
	if (!tx_has_cap(CAP_SYS_TIME))
		SKIP(return, "needs CAP_SYS_TIME to step CLOCK_REALTIME");
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &self->mono0));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &self->rt0));
}

FIXTURE_TEARDOWN(clock_step)
{
	if (self->stepped)
		set_realtime_ns(true_realtime(self));
}

TEST_F_TIMEOUT(clock_step, periodic_abs_survives_steps, 90)
{
	struct tx_acct a[2] = {
		{ .user_data = 1, .period = NSEC_PER_MSEC },
		{ .user_data = 2, .period = NSEC_PER_MSEC },
	};
	struct timerx_timer_info ti;
	__u64 before[2];
	unsigned int nt = 1, i, steps = 0;
	int cpu = pin_cpu(), ret;
	struct tx_ring r;
	__s64 start, t0;

	tx_ring_open(&r, 4096, true);
	ASSERT_EQ(0, tx_create(r.fd, variant->clockid, 0, 0, a[0].user_data, &a[0].id));
	if (cpu != 0) {
		/* The other timer on the other CPU: its callback races the step. */
		ASSERT_EQ(0, tx_bind_cpu(0));
		ASSERT_EQ(0, tx_create(r.fd, variant->clockid, TIMERX_CREATE_F_PINNED, cpu,
				       a[1].user_data, &a[1].id));
		nt = 2;
	}
	t0 = tx_now(variant->clockid) + 5 * NSEC_PER_MSEC;
	for (i = 0; i < nt; i++) {
		ASSERT_EQ(0, tx_arm(r.fd, a[i].id, TIMERX_ARM_F_ABS, t0, a[i].period));
	}
	wait_fired(_metadata, r.fd, a[0].id);

	self->stepped = true;
	start = tx_now(CLOCK_MONOTONIC);
	while (steps < 200 && tx_ms_since(start) < 10000) {
		ret = set_realtime_ns(true_realtime(self) - HOUR_NS);
		ASSERT_EQ(0, ret) TH_LOG("clock_settime(REALTIME, -1 h): %s", strerror(-ret));
		tx_sleep_ms(2);
		pump(_metadata, &r, a, nt);
		ret = set_realtime_ns(true_realtime(self));
		ASSERT_EQ(0, ret) TH_LOG("clock_settime(REALTIME, +1 h): %s", strerror(-ret));
		tx_sleep_ms(2);
		pump(_metadata, &r, a, nt);
		steps++;
	}
	TH_LOG("%u steps back and forward in %lld ms", steps, (long long)tx_ms_since(start));

	/* Back on the real time: the timers go on firing. */
	for (i = 0; i < nt; i++) {
		ASSERT_EQ(0, tx_get(r.fd, a[i].id, &ti));
		EXPECT_EQ(TX_ARMED, ti.state);
		before[i] = ti.expirations;
	}
	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < nt; i++) {
		do {
			pump(_metadata, &r, a, nt);
			ASSERT_EQ(0, tx_get(r.fd, a[i].id, &ti));
			if (ti.expirations > before[i])
				break;
			tx_sleep_ms(5);
		} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
		EXPECT_LT(before[i], ti.expirations) {
			TH_LOG("timer %u stopped firing after the clock steps", a[i].id);
		}
	}
	for (i = 0; i < nt; i++) {
		ASSERT_EQ(0, tx_cancel(r.fd, a[i].id));
	}
	tx_drain_all(&r, a, nt);
	tx_check_acct(r.fd, a, nt);
	for (i = 0; i < nt; i++) {
		/* The grid: every expected_ns is t0 + k * period. */
		EXPECT_EQ(0, (a[i].last_expected - t0) % (__s64)a[i].period) {
			TH_LOG("timer %u left its grid: last expected %lld, t0 %lld",
			       a[i].id, (long long)a[i].last_expected, (long long)t0);
		}
		TH_LOG("timer %u: %llu events, %llu expirations", a[i].id,
		       (unsigned long long)a[i].events, (unsigned long long)a[i].sum);
	}
	tx_ring_close(&r);
}

/* ---------------------------------------------------------------- */
/* Negative absolute expiries: EINVAL, for every clock and kind      */
/* ---------------------------------------------------------------- */

FIXTURE(abs_negative)
{
	struct tx_ring r;
};

FIXTURE_VARIANT(abs_negative)
{
	clockid_t clockid;
	bool periodic;
	bool pinned;
	__s64 value;
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_oneshot_minus1) {
	.clockid = CLOCK_MONOTONIC, .periodic = false, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_oneshot_minus1) {
	.clockid = CLOCK_REALTIME, .periodic = false, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_oneshot_minus1) {
	.clockid = CLOCK_BOOTTIME, .periodic = false, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_oneshot_minus1) {
	.clockid = CLOCK_TAI, .periodic = false, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_oneshot_pinned_minus1) {
	.clockid = CLOCK_MONOTONIC, .periodic = false, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_oneshot_pinned_minus1) {
	.clockid = CLOCK_REALTIME, .periodic = false, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_oneshot_pinned_minus1) {
	.clockid = CLOCK_BOOTTIME, .periodic = false, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_oneshot_pinned_minus1) {
	.clockid = CLOCK_TAI, .periodic = false, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_periodic_minus1) {
	.clockid = CLOCK_MONOTONIC, .periodic = true, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_periodic_minus1) {
	.clockid = CLOCK_REALTIME, .periodic = true, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_periodic_minus1) {
	.clockid = CLOCK_BOOTTIME, .periodic = true, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_periodic_minus1) {
	.clockid = CLOCK_TAI, .periodic = true, .pinned = false, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_periodic_pinned_minus1) {
	.clockid = CLOCK_MONOTONIC, .periodic = true, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_periodic_pinned_minus1) {
	.clockid = CLOCK_REALTIME, .periodic = true, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_periodic_pinned_minus1) {
	.clockid = CLOCK_BOOTTIME, .periodic = true, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_periodic_pinned_minus1) {
	.clockid = CLOCK_TAI, .periodic = true, .pinned = true, .value = -1,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_oneshot_int64min) {
	.clockid = CLOCK_MONOTONIC, .periodic = false, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_oneshot_int64min) {
	.clockid = CLOCK_REALTIME, .periodic = false, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_oneshot_int64min) {
	.clockid = CLOCK_BOOTTIME, .periodic = false, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_oneshot_int64min) {
	.clockid = CLOCK_TAI, .periodic = false, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_oneshot_pinned_int64min) {
	.clockid = CLOCK_MONOTONIC, .periodic = false, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_oneshot_pinned_int64min) {
	.clockid = CLOCK_REALTIME, .periodic = false, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_oneshot_pinned_int64min) {
	.clockid = CLOCK_BOOTTIME, .periodic = false, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_oneshot_pinned_int64min) {
	.clockid = CLOCK_TAI, .periodic = false, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_periodic_int64min) {
	.clockid = CLOCK_MONOTONIC, .periodic = true, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_periodic_int64min) {
	.clockid = CLOCK_REALTIME, .periodic = true, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_periodic_int64min) {
	.clockid = CLOCK_BOOTTIME, .periodic = true, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_periodic_int64min) {
	.clockid = CLOCK_TAI, .periodic = true, .pinned = false, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, monotonic_periodic_pinned_int64min) {
	.clockid = CLOCK_MONOTONIC, .periodic = true, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, realtime_periodic_pinned_int64min) {
	.clockid = CLOCK_REALTIME, .periodic = true, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, boottime_periodic_pinned_int64min) {
	.clockid = CLOCK_BOOTTIME, .periodic = true, .pinned = true, .value = INT64_MIN,
};

FIXTURE_VARIANT_ADD(abs_negative, tai_periodic_pinned_int64min) {
	.clockid = CLOCK_TAI, .periodic = true, .pinned = true, .value = INT64_MIN,
};

FIXTURE_SETUP(abs_negative)
{
	tx_ring_open(&self->r, 16, true);
}

FIXTURE_TEARDOWN(abs_negative)
{
	tx_ring_close(&self->r);
}

/* "absolute ones must be >= 0 (EINVAL, as for timerfd)" */
TEST_F(abs_negative, arm_einval)
{
	__u32 flags = variant->pinned ? TIMERX_CREATE_F_PINNED : 0;
	__u64 period = variant->periodic ? NSEC_PER_MSEC : 0;
	struct timerx_timer_info ti;
	int ret;
	__u32 id;

	ASSERT_EQ(0, tx_create(self->r.fd, variant->clockid, flags,
			       variant->pinned ? pin_cpu() : 0, 1, &id));
	ret = tx_arm(self->r.fd, id, TIMERX_ARM_F_ABS, variant->value, period);
	if (ret == 0) {
		/*
		 * Accepted: let it run a moment to show what it does. (A module
		 * that accepts a periodic one may lock this CPU up here: the
		 * timer's soft expiry stays negative while its hard expiry
		 * saturates, and a callback that does not move it is re-run
		 * by the hrtimer interrupt forever.)
		 */
		TH_LOG("accepted; letting it run for 100 ms");
		tx_sleep_ms(100);
		tx_cancel(self->r.fd, id);
		tx_get(self->r.fd, id, &ti);
		TH_LOG("after 100 ms and CANCEL: %llu expirations, state %u",
		       (unsigned long long)ti.expirations, ti.state);
	}
	EXPECT_EQ(-EINVAL, ret) {
		TH_LOG("%s %s%s ARM at absolute %lld: %s, want EINVAL",
		       tx_clock_name(variant->clockid),
		       variant->periodic ? "periodic" : "one-shot",
		       variant->pinned ? " pinned" : "", (long long)variant->value,
		       ret ? strerror(-ret) : "accepted");
	}
	ASSERT_EQ(0, tx_get(self->r.fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("a refused ARM left the timer armed");
	EXPECT_EQ(0ULL, ti.expirations);
	/* The timer itself is fine afterwards. */
	EXPECT_EQ(0, tx_arm(self->r.fd, id, 0, HOUR_NS, period));
	EXPECT_EQ(0, tx_cancel(self->r.fd, id));
}

TEST_HARNESS_MAIN
