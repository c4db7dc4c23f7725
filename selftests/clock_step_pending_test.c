// SPDX-License-Identifier: GPL-2.0
/*
 * Regression test for 4ee611f ("kmod/ring.c: a folded event's actual_ns is
 * never before its expected_ns"), which the soak found. The header
 * promises that an event's actual_ns is "never earlier than expected_ns".
 *
 * The sequence that broke it, on a periodic REALTIME or TAI timer:
 *   1. the ring fills: the timer's next expiry E stays pending and the
 *      timer parks, its pending event set to report E (actual >= E);
 *   2. REALTIME is stepped back (TAI moves with it);
 *   3. the timer is re-armed: the new arming fires, still finds the ring
 *      full, its expirations are counted behind E and it parks again;
 *   4. a period later it is re-armed or cancelled: timerx_ring_unpark()
 *      counts the periods elapsed while parked, behind E.
 * Step 4 used to overwrite the pending actual time with the stepped-back
 * clock, STEP_NS before E, while the folded event still reports E.
 *
 * Nothing may be consumed or flushed before step 4 (poll, read and the
 * io_uring WAIT flush too): the test only watches with GET. The fixture
 * puts REALTIME back at MONOTONIC + the offset the two had at setup, from
 * the parent, so a crashed test does not leave the clock wrong either.
 */
#include "timerx_util.h"

#define ENTRIES		TIMERX_RING_MIN_ENTRIES
#define PERIOD		(10 * NSEC_PER_MSEC)
#define STEP_NS		(10 * NSEC_PER_SEC)
#define MAX_EVENTS	16
#define USER_DATA	0x5ebULL

FIXTURE(step_pending)
{
	__s64 rt_offset;	/* REALTIME - MONOTONIC at setup */
	bool stepped;
	struct tx_ring r;
	__u32 id;
};

FIXTURE_VARIANT(step_pending)
{
	clockid_t clockid;
	bool cancel;		/* end the parked state by CANCEL, else by ARM */
};

FIXTURE_VARIANT_ADD(step_pending, realtime_rearm) {
	.clockid = CLOCK_REALTIME, .cancel = false,
};

FIXTURE_VARIANT_ADD(step_pending, realtime_cancel) {
	.clockid = CLOCK_REALTIME, .cancel = true,
};

FIXTURE_VARIANT_ADD(step_pending, tai_rearm) {
	.clockid = CLOCK_TAI, .cancel = false,
};

FIXTURE_VARIANT_ADD(step_pending, tai_cancel) {
	.clockid = CLOCK_TAI, .cancel = true,
};

static int set_realtime_ns(__s64 ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

	return clock_settime(CLOCK_REALTIME, &ts) ? -errno : 0;
}

FIXTURE_SETUP(step_pending)
{
	self->stepped = false;
	self->r.fd = -1;
	if (!tx_has_cap(CAP_SYS_TIME))
		SKIP(return, "needs CAP_SYS_TIME to step CLOCK_REALTIME");
	self->rt_offset = tx_now(CLOCK_REALTIME) - tx_now(CLOCK_MONOTONIC);
	tx_ring_open(&self->r, ENTRIES, true);
	ASSERT_EQ(0, tx_create(self->r.fd, variant->clockid, 0, 0, USER_DATA, &self->id));
}

/* In the parent: runs even when the test died of a signal. */
FIXTURE_TEARDOWN_PARENT(step_pending)
{
	if (self->stepped)
		set_realtime_ns(tx_now(CLOCK_MONOTONIC) + self->rt_offset);
}

/* GET until @done says so, or fail after TX_FIRE_TIMEOUT_MS. */
static void wait_get(struct __test_metadata *_metadata, int fd, __u32 id,
		     bool (*done)(const struct timerx_timer_info *, __u64),
		     __u64 arg, struct timerx_timer_info *ti, const char *what)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);

	for (;;) {
		ASSERT_EQ(0, tx_get(fd, id, ti));
		if (done(ti, arg))
			return;
		ASSERT_GT(TX_FIRE_TIMEOUT_MS, tx_ms_since(start)) {
			TH_LOG("timer %u: %s within %d ms (expirations %llu, pending %llu)",
			       id, what, TX_FIRE_TIMEOUT_MS,
			       (unsigned long long)ti->expirations,
			       (unsigned long long)ti->pending);
		}
		tx_sleep_ms(1);
	}
}

static bool has_pending(const struct timerx_timer_info *ti, __u64 unused)
{
	return ti->pending > 0;
}

static bool expired_past(const struct timerx_timer_info *ti, __u64 before)
{
	return ti->expirations > before;
}

TEST_F(step_pending, folded_actual_not_before_expected)
{
	struct timerx_timer_info parked, reparked, ended, drained;
	struct timerx_event ev[MAX_EVENTS];
	unsigned int n = 0, i;
	__u64 sum = 0;
	int ret;

	/* 1. Fill the ring: the third expiry stays pending, the timer parks. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->id, 0, PERIOD, PERIOD));
	wait_get(_metadata, self->r.fd, self->id, has_pending, 0, &parked,
		 "no expiration pending with the ring full");
	ASSERT_EQ((__u64)ENTRIES, parked.events);
	ASSERT_EQ(TX_ARMED, parked.state) TH_LOG("a parked timer reads as ARMED");

	/* 2. Step back. */
	self->stepped = true;
	ret = set_realtime_ns(tx_now(CLOCK_REALTIME) - STEP_NS);
	ASSERT_EQ(0, ret) TH_LOG("clock_settime(REALTIME, -10 s): %s", strerror(-ret));

	/* 3. A new arming, on the stepped clock, parks behind the old expiry. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->id, 0, PERIOD, PERIOD));
	wait_get(_metadata, self->r.fd, self->id, expired_past, parked.expirations,
		 &reparked, "the re-armed timer did not fire");
	ASSERT_EQ(parked.events, reparked.events) TH_LOG("the ring was full");
	ASSERT_LT(parked.pending, reparked.pending);
	/* Past its next expiry, so that ending the parked state counts some. */
	tx_sleep_ns(3 * PERIOD);

	/* 4. End the parked state: the elapsed periods are counted too. */
	if (variant->cancel) {
		ASSERT_EQ(0, tx_cancel(self->r.fd, self->id));
	} else {
		/* A one-shot an hour away: it adds nothing before the checks. */
		ASSERT_EQ(0, tx_arm(self->r.fd, self->id, 0, 3600 * NSEC_PER_SEC, 0));
	}
	ASSERT_EQ(0, tx_get(self->r.fd, self->id, &ended));
	ASSERT_LT(reparked.expirations, ended.expirations) {
		TH_LOG("%s counted no parked period: the sequence under test did not happen",
		       variant->cancel ? "CANCEL" : "ARM");
	}
	ASSERT_EQ(reparked.pending + (ended.expirations - reparked.expirations),
		  ended.pending);

	/* Drain: FLUSH delivers what is pending as the ring empties. */
	for (;;) {
		unsigned int got = tx_consume(&self->r, ev + n, MAX_EVENTS - n);

		n += got;
		if (got)
			continue;
		if (!(tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW) || n == MAX_EVENTS)
			break;
		ret = tx_flush(self->r.fd);
		ASSERT_LT(0, ret) TH_LOG("FLUSH with expirations pending: %d", ret);
	}

	for (i = 0; i < n; i++) {
		EXPECT_EQ(self->id, ev[i].timer_id);
		EXPECT_EQ(USER_DATA, ev[i].user_data);
		EXPECT_LE(ev[i].expected_ns, ev[i].actual_ns) {
			TH_LOG("event %u (overrun %u): actual_ns %lld, expected_ns %lld:",
			       i, ev[i].overrun, (long long)ev[i].actual_ns,
			       (long long)ev[i].expected_ns);
			TH_LOG("%lld ns before the expiry it reports",
			       (long long)(ev[i].expected_ns - ev[i].actual_ns));
		}
		sum += 1 + (__u64)ev[i].overrun;
	}

	/*
	 * The ring's two, then what was pending, one event per run: armings
	 * are never folded together, but every earlier arming's make one run
	 * (the one-shot re-arm joined the second arming's to the first's).
	 */
	ASSERT_EQ(ENTRIES + (variant->cancel ? 2U : 1U), n);
	EXPECT_EQ(ev[ENTRIES - 1].expected_ns + PERIOD, ev[ENTRIES].expected_ns) {
		TH_LOG("the folded event does not report the oldest pending expiry");
	}
	{
		__u64 waited = 0;

		for (i = ENTRIES; i < n; i++)
			waited += 1 + (__u64)ev[i].overrun;
		EXPECT_EQ(ended.pending, waited);
	}

	ASSERT_EQ(0, tx_get(self->r.fd, self->id, &drained));
	EXPECT_EQ(0ULL, drained.pending);
	EXPECT_EQ((__u64)n, drained.events);
	EXPECT_EQ(drained.expirations, sum + drained.pending) {
		TH_LOG("sum(1 + overrun) %llu + pending %llu != GET.expirations %llu",
		       (unsigned long long)sum, (unsigned long long)drained.pending,
		       (unsigned long long)drained.expirations);
	}
	EXPECT_EQ(variant->cancel ? TX_IDLE : TX_ARMED, drained.state);
	tx_ring_close(&self->r);
}

TEST_HARNESS_MAIN
