// SPDX-License-Identifier: GPL-2.0
/*
 * timerx timers, for every clock and both expiry modes (hard irq and
 * softirq): one-shot and periodic, relative and absolute, re-arm, cancel,
 * delete, GET, and CPU pinning.
 *
 * Timing is never asserted beyond "not early" plus sanity bounds: under
 * TCG a timer is routinely milliseconds late. What is asserted exactly is
 * everything the header promises independent of latency: expected_ns is
 * the programmed expiry, periods advance by whole periods, user_data and
 * timer_id are copied, and the expiration counts add up.
 */
#include "timerx_util.h"

FIXTURE(timer)
{
	struct tx_ring r;
	struct tx_acct a;
	clockid_t clk;
};

FIXTURE_VARIANT(timer)
{
	clockid_t clk;
	__u32 flags;
};

FIXTURE_VARIANT_ADD(timer, mono_hard) { .clk = CLOCK_MONOTONIC, .flags = 0 };
FIXTURE_VARIANT_ADD(timer, mono_soft) { .clk = CLOCK_MONOTONIC, .flags = TIMERX_CREATE_F_SOFT };
FIXTURE_VARIANT_ADD(timer, real_hard) { .clk = CLOCK_REALTIME, .flags = 0 };
FIXTURE_VARIANT_ADD(timer, real_soft) { .clk = CLOCK_REALTIME, .flags = TIMERX_CREATE_F_SOFT };
FIXTURE_VARIANT_ADD(timer, boot_hard) { .clk = CLOCK_BOOTTIME, .flags = 0 };
FIXTURE_VARIANT_ADD(timer, boot_soft) { .clk = CLOCK_BOOTTIME, .flags = TIMERX_CREATE_F_SOFT };
FIXTURE_VARIANT_ADD(timer, tai_hard) { .clk = CLOCK_TAI, .flags = 0 };
FIXTURE_VARIANT_ADD(timer, tai_soft) { .clk = CLOCK_TAI, .flags = TIMERX_CREATE_F_SOFT };

FIXTURE_SETUP(timer)
{
	tx_ring_open(&self->r, 64, true);
	self->clk = variant->clk;
	memset(&self->a, 0, sizeof(self->a));
	self->a.user_data = 0xc0ffee0000ULL | (__u64)variant->clk << 8 | variant->flags;
	ASSERT_EQ(0, tx_create(self->r.fd, variant->clk, variant->flags, 0,
			       self->a.user_data, &self->a.id));
}

FIXTURE_TEARDOWN(timer)
{
	tx_ring_close(&self->r);
}

/* Wait for exactly one event and check everything "not early" covers. */
static void wait_one(struct __test_metadata *_metadata, struct tx_ring *r,
		     clockid_t clk, struct tx_acct *a, struct timerx_event *e)
{
	__s64 seen;

	ASSERT_EQ(1U, tx_collect(r, e, 1, TX_FIRE_TIMEOUT_MS))
		TH_LOG("timer %u (%s) did not fire within %d ms", a->id,
		       tx_clock_name(clk), TX_FIRE_TIMEOUT_MS);
	seen = tx_now(clk);
	EXPECT_EQ(a->id, e->timer_id);
	ASSERT_TRUE(tx_account(a, 1, e));
	EXPECT_LE(e->expected_ns + (__s64)(e->overrun * a->period), e->actual_ns)
		TH_LOG("callback ran before the last expiry folded into the event");
	EXPECT_LE(e->actual_ns, seen)
		TH_LOG("actual_ns %lld is in the future of %s (now %lld)",
		       (long long)e->actual_ns, tx_clock_name(clk), (long long)seen);
	EXPECT_LE(e->expected_ns, seen) TH_LOG("event seen before its expiry");
	/* Sanity only: a timer that fires minutes late is broken. */
	EXPECT_GT(e->expected_ns + 60 * NSEC_PER_SEC, seen);
}

/* No event, and no new expiration, during a settle time. */
static void expect_quiet(struct __test_metadata *_metadata, struct tx_ring *r,
			 __u32 id, const char *why)
{
	struct timerx_timer_info before, after;
	__u32 tail = tx_tail(r);

	ASSERT_EQ(0, tx_get(r->fd, id, &before));
	tx_sleep_ms(TX_SETTLE_MS);
	ASSERT_EQ(0, tx_get(r->fd, id, &after));
	EXPECT_EQ(tail, tx_tail(r)) TH_LOG("%s: %u new events", why, tx_tail(r) - tail);
	EXPECT_EQ(before.expirations, after.expirations)
		TH_LOG("%s: timer still expiring", why);
}

TEST_F(timer, oneshot_relative_once)
{
	const __s64 rel = 2 * NSEC_PER_MSEC;
	struct timerx_timer_info ti;
	struct timerx_event e;
	__s64 t0, t1;

	t0 = tx_now(self->clk);
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, rel, 0));
	t1 = tx_now(self->clk);

	/* Relative expiries are taken from the timer's clock at arm time. */
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	if (ti.state == TX_ARMED) {
		EXPECT_LE(t0 + rel, ti.next_expiry_ns);
		EXPECT_GE(t1 + rel, ti.next_expiry_ns);
	} else {
		/* Only acceptable if it already fired (slow host). */
		EXPECT_EQ(1ULL, ti.expirations);
	}
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	EXPECT_LE(t0 + rel, e.expected_ns) TH_LOG("expected_ns before arm time + relative");
	EXPECT_GE(t1 + rel, e.expected_ns) TH_LOG("expected_ns after arm time + relative");
	EXPECT_EQ(0U, e.overrun);

	/* Exactly once. */
	expect_quiet(_metadata, &self->r, self->a.id, "one-shot after firing");
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ(0, ti.next_expiry_ns) TH_LOG("next_expiry_ns must be 0 when not armed");
	EXPECT_EQ(1ULL, ti.expirations);
	EXPECT_EQ(1ULL, ti.events);
	EXPECT_EQ(0ULL, ti.pending);
}

TEST_F(timer, oneshot_absolute)
{
	struct timerx_timer_info ti;
	struct timerx_event e;
	__s64 abs;

	abs = tx_now(self->clk) + 3 * NSEC_PER_MSEC;
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, TIMERX_ARM_F_ABS, abs, 0));
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	if (ti.state == TX_ARMED) {
		EXPECT_EQ(abs, ti.next_expiry_ns);
	}
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	EXPECT_EQ(abs, e.expected_ns) TH_LOG("absolute expiry not reported as expected_ns");
	EXPECT_LE(abs, e.actual_ns);
	expect_quiet(_metadata, &self->r, self->a.id, "absolute one-shot after firing");
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(1ULL, ti.expirations);
}

/* "absolute ones in the past fire at once" */
TEST_F(timer, absolute_past_fires_at_once)
{
	struct timerx_event e;
	__s64 abs;

	abs = tx_now(self->clk) - NSEC_PER_SEC;
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, TIMERX_ARM_F_ABS, abs, 0));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	EXPECT_EQ(abs, e.expected_ns);
	EXPECT_EQ(0U, e.overrun);
	expect_quiet(_metadata, &self->r, self->a.id, "past one-shot after firing");
}

/*
 * A periodic timer armed 10.5 periods in the past has 11 expirations
 * behind it when its first callback runs: they are folded into the first
 * event (overrun >= 10), and the sequence continues on whole periods.
 */
TEST_F(timer, absolute_past_periodic_folds)
{
	const __u64 period = 10 * NSEC_PER_MSEC;
	struct timerx_event e1, e2;
	__s64 abs;

	self->a.period = period;
	abs = tx_now(self->clk) - 10 * (__s64)period - (__s64)period / 2;
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, TIMERX_ARM_F_ABS, abs, period));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e1);
	EXPECT_EQ(abs, e1.expected_ns) TH_LOG("first event must report the first expiry");
	EXPECT_LE(10U, e1.overrun) TH_LOG("elapsed periods not folded into the first event");
	wait_one(_metadata, &self->r, self->clk, &self->a, &e2);
	ASSERT_EQ(0, tx_cancel(self->r.fd, self->a.id));
	tx_drain_all(&self->r, &self->a, 1);
	tx_check_acct(self->r.fd, &self->a, 1);
}

TEST_F(timer, periodic_sequence)
{
	const __u64 period = 3 * NSEC_PER_MSEC;
	const __s64 rel = 2 * NSEC_PER_MSEC;
	struct timerx_timer_info ti;
	struct timerx_event e;
	__s64 t0, t1;
	int i;

	self->a.period = period;
	t0 = tx_now(self->clk);
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, rel, period));
	t1 = tx_now(self->clk);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ(period, ti.period_ns);

	for (i = 0; i < 8; i++) {
		wait_one(_metadata, &self->r, self->clk, &self->a, &e);
		if (i == 0) {
			EXPECT_LE(t0 + rel, e.expected_ns);
			EXPECT_GE(t1 + rel, e.expected_ns);
		}
	}
	/* Armed periodic: next_expiry is on the same grid, in the future of the last. */
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_LT(e.expected_ns, ti.next_expiry_ns);
	EXPECT_EQ(0, (ti.next_expiry_ns - e.expected_ns) % (__s64)period)
		TH_LOG("next_expiry_ns %lld not whole periods after expected %lld",
		       (long long)ti.next_expiry_ns, (long long)e.expected_ns);

	ASSERT_EQ(0, tx_cancel(self->r.fd, self->a.id));
	tx_drain_all(&self->r, &self->a, 1);
	tx_check_acct(self->r.fd, &self->a, 1);
	expect_quiet(_metadata, &self->r, self->a.id, "cancelled periodic");
}

/* Arming an armed timer re-arms it: the old expiry never fires. */
TEST_F(timer, rearm)
{
	const __s64 rel = 30 * NSEC_PER_MSEC;
	struct timerx_timer_info ti;
	struct timerx_event ev[64];
	unsigned int n, i, fresh = 0;
	__s64 t0, t1, start;

	/* Far one-shot re-armed to a near one. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, 3600 * NSEC_PER_SEC, 0));
	t0 = tx_now(self->clk);
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, 2 * NSEC_PER_MSEC, 0));
	t1 = tx_now(self->clk);
	ASSERT_EQ(1U, tx_collect(&self->r, ev, 1, TX_FIRE_TIMEOUT_MS))
		TH_LOG("re-armed timer did not fire at the new expiry");
	EXPECT_LE(t0 + 2 * NSEC_PER_MSEC, ev[0].expected_ns);
	EXPECT_GE(t1 + 2 * NSEC_PER_MSEC, ev[0].expected_ns);

	/* Periodic, then re-armed (while armed) as a one-shot. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, 2 * NSEC_PER_MSEC));
	ASSERT_LE(2U, tx_collect(&self->r, ev, 2, TX_FIRE_TIMEOUT_MS));
	t0 = tx_now(self->clk);
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, rel, 0));
	t1 = tx_now(self->clk);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(0ULL, ti.period_ns) TH_LOG("re-arm as one-shot kept the period");
	if (t1 - t0 >= rel) {
		SKIP(return, "re-arm took longer than %lld ns; cannot tell events apart",
		     (long long)rel);
	}

	/*
	 * Events of the old periodic arming have expected_ns <= t1 (they
	 * fired before ARM returned); the new one-shot's is >= t0 + rel.
	 */
	start = tx_now(CLOCK_MONOTONIC);
	while (!fresh && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS) {
		n = __tx_collect(_metadata, &self->r, ev, 1, 64, 100);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(self->a.id, ev[i].timer_id);
			if (ev[i].expected_ns >= t0 + rel) {
				fresh++;
				EXPECT_GE(t1 + rel, ev[i].expected_ns);
				EXPECT_EQ(0U, ev[i].overrun);
			} else {
				EXPECT_GE(t1, ev[i].expected_ns) {
					TH_LOG("event of the old arming expected after the re-arm");
				}
			}
		}
	}
	EXPECT_EQ(1U, fresh) TH_LOG("re-armed one-shot fired %u times", fresh);
	expect_quiet(_metadata, &self->r, self->a.id, "re-armed one-shot after firing");
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
}

TEST_F(timer, cancel_stops)
{
	struct timerx_timer_info ti;
	struct timerx_event e;

	self->a.period = 2 * NSEC_PER_MSEC;
	/* Cancelling an idle timer is harmless. */
	EXPECT_EQ(0, tx_cancel(self->r.fd, self->a.id));

	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, self->a.period));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	ASSERT_EQ(0, tx_cancel(self->r.fd, self->a.id));
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ(0, ti.next_expiry_ns);
	expect_quiet(_metadata, &self->r, self->a.id, "after cancel (before drain)");
	tx_drain_all(&self->r, &self->a, 1);
	expect_quiet(_metadata, &self->r, self->a.id, "after cancel and drain");
	tx_check_acct(self->r.fd, &self->a, 1);
	/* Cancel again, still fine; and it can be armed again. */
	EXPECT_EQ(0, tx_cancel(self->r.fd, self->a.id));
	self->a.period = 0;
	self->a.seen = false;
	self->a.events = 0;
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, 0));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
}

TEST_F(timer, delete_then_enoent)
{
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	struct timerx_event e;

	self->a.period = 2 * NSEC_PER_MSEC;
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, self->a.period));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	ASSERT_EQ(0, tx_delete(self->r.fd, self->a.id));
	EXPECT_EQ(-ENOENT, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(-ENOENT, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, 0));
	EXPECT_EQ(-ENOENT, tx_cancel(self->r.fd, self->a.id));
	EXPECT_EQ(-ENOENT, tx_delete(self->r.fd, self->a.id));
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_EQ(0U, ci.timers);

	/* Events written before DELETE stay in the ring; none after. */
	tx_consume(&self->r, NULL, 64);
	{
		__u32 tail = tx_tail(&self->r);

		tx_sleep_ms(TX_SETTLE_MS);
		EXPECT_EQ(0, tx_flush(self->r.fd));
		EXPECT_EQ(tail, tx_tail(&self->r)) TH_LOG("events after DELETE returned");
	}
}

TEST_F(timer, get_fields)
{
	struct timerx_timer_info ti;
	struct timerx_event e;
	int cpus[TX_MAX_CPUS], n, i;
	bool online = false;
	__s64 t0, t1;

	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(self->a.id, ti.timer_id);
	EXPECT_EQ(self->a.user_data, ti.user_data);
	EXPECT_EQ((__u32)variant->clk, ti.clockid);
	EXPECT_EQ(variant->flags, ti.create_flags);
	EXPECT_EQ(0U, ti.cpu);
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ(0, ti.next_expiry_ns);
	EXPECT_EQ(0ULL, ti.period_ns);
	EXPECT_EQ(0ULL, ti.expirations);
	EXPECT_EQ(0ULL, ti.events);
	EXPECT_EQ(0ULL, ti.pending);
	EXPECT_EQ(-1, ti.last_cpu) TH_LOG("last_cpu must be -1 before any callback");
	EXPECT_EQ(0U, ti.resv0);
	EXPECT_EQ(0ULL, ti.resv);
	EXPECT_EQ(0U, ti.seq);
	EXPECT_EQ(0U, ti.slack_ns);

	t0 = tx_now(self->clk);
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, 3600 * NSEC_PER_SEC, 7 * NSEC_PER_MSEC));
	t1 = tx_now(self->clk);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_LE(t0 + 3600 * NSEC_PER_SEC, ti.next_expiry_ns);
	EXPECT_GE(t1 + 3600 * NSEC_PER_SEC, ti.next_expiry_ns);
	EXPECT_EQ(7ULL * NSEC_PER_MSEC, ti.period_ns);
	EXPECT_EQ(-1, ti.last_cpu);

	/* Re-arm as a near one-shot and let it fire. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, NSEC_PER_MSEC, 0));
	wait_one(_metadata, &self->r, self->clk, &self->a, &e);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ(0, ti.next_expiry_ns);
	EXPECT_EQ(1ULL, ti.expirations);
	EXPECT_EQ(1ULL, ti.events);
	EXPECT_EQ(0ULL, ti.pending);
	n = tx_online_cpus(cpus, TX_MAX_CPUS);
	for (i = 0; i < n; i++)
		online |= cpus[i] == ti.last_cpu;
	EXPECT_TRUE(online) TH_LOG("last_cpu %d is not an online CPU", ti.last_cpu);
	/* Identity fields unchanged by arming. */
	EXPECT_EQ(self->a.user_data, ti.user_data);
	EXPECT_EQ((__u32)variant->clk, ti.clockid);
	EXPECT_EQ(variant->flags, ti.create_flags);
}

/*
 * TIMERX_CREATE_F_PINNED keeps the timer on `cpu`. Arm it from a
 * different CPU so a module that merely pins to the arming CPU fails.
 */
TEST_F(timer, pinned_each_cpu)
{
	int cpus[TX_MAX_CPUS], n, i;
	cpu_set_t saved;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(saved), &saved));
	n = tx_online_cpus(cpus, TX_MAX_CPUS);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		struct tx_acct a = { .user_data = 100 + i, .period = 2 * NSEC_PER_MSEC };
		struct timerx_timer_info ti;
		struct timerx_event e;
		int other = cpus[(i + 1) % n];

		if (n > 1) {
			ASSERT_EQ(0, tx_bind_cpu(other));
		}
		ASSERT_EQ(0, tx_create(self->r.fd, variant->clk,
				       variant->flags | TIMERX_CREATE_F_PINNED,
				       cpus[i], a.user_data, &a.id));
		ASSERT_EQ(0, tx_get(self->r.fd, a.id, &ti));
		EXPECT_EQ((__u32)cpus[i], ti.cpu);
		EXPECT_EQ(variant->flags | TIMERX_CREATE_F_PINNED, ti.create_flags);

		/* One-shot, then periodic: every callback on the pinned CPU. */
		a.period = 0;
		ASSERT_EQ(0, tx_arm(self->r.fd, a.id, 0, NSEC_PER_MSEC, 0));
		wait_one(_metadata, &self->r, self->clk, &a, &e);
		ASSERT_EQ(0, tx_get(self->r.fd, a.id, &ti));
		EXPECT_EQ(cpus[i], ti.last_cpu)
			TH_LOG("one-shot pinned to cpu %d ran on %d (armed from %d)",
			       cpus[i], ti.last_cpu, other);

		a.period = 2 * NSEC_PER_MSEC;
		a.seen = false;
		ASSERT_EQ(0, tx_arm(self->r.fd, a.id, 0, NSEC_PER_MSEC, a.period));
		wait_one(_metadata, &self->r, self->clk, &a, &e);
		wait_one(_metadata, &self->r, self->clk, &a, &e);
		ASSERT_EQ(0, tx_get(self->r.fd, a.id, &ti));
		EXPECT_EQ(cpus[i], ti.last_cpu)
			TH_LOG("periodic pinned to cpu %d ran on %d (armed from %d)",
			       cpus[i], ti.last_cpu, other);
		ASSERT_EQ(0, tx_delete(self->r.fd, a.id));
		tx_consume(&self->r, NULL, 64);
	}
	sched_setaffinity(0, sizeof(saved), &saved);
}

TEST_HARNESS_MAIN
