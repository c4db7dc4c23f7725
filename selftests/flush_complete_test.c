// SPDX-License-Identifier: GPL-2.0
/*
 * A flush delivers everything that fits (finding F7, flush completeness).
 * The header: pending expirations are delivered "by TIMERX_IOC_FLUSH ...
 * The flag is cleared when nothing is pending any more". So when FLUSH
 * returns, either nothing is pending (no TIMERX_RING_F_OVERFLOW) or the
 * ring is full. The old flush wrote in batches of 64 events and went on
 * only when a batch came out at exactly 64: a timer whose pending
 * expirations need more than one event (overrun is a u32: more than 2^32
 * expirations) could push a batch past 64, and the flush stopped with
 * room in the ring and expirations still pending.
 *
 * Here ~70 timers with a period of 1 ns (root) fill a 128-entry ring and
 * wait ~5 s: ~5e9 expirations each, two events per timer. The ring is then
 * drained in uneven steps (so timers end up half delivered), checking the
 * invariant after every FLUSH, and every expiration must be accounted for:
 * once with the timers still armed for the first steps (a flush that
 * empties a parked timer restarts it), once with them all cancelled first
 * (cancelling keeps what is pending; nothing fires while it drains).
 */
#include "timerx_util.h"

#define NTIMERS		70
#define ENTRIES		128
#define SLEEP_MS	5000

FIXTURE(flush)
{
	struct tx_ring r;
	struct tx_acct a[NTIMERS];
	unsigned int flushes, violations, full;
};

FIXTURE_VARIANT(flush)
{
	bool cancel_first;
};

FIXTURE_VARIANT_ADD(flush, armed) { .cancel_first = false };
FIXTURE_VARIANT_ADD(flush, cancelled) { .cancel_first = true };

FIXTURE_SETUP(flush)
{
	unsigned int i;
	int ret;

	self->flushes = 0;
	self->violations = 0;
	self->full = 0;
	if (!tx_has_cap(CAP_SYS_NICE))
		SKIP(return, "a 1 ns period needs CAP_SYS_NICE");
	tx_ring_open(&self->r, ENTRIES, true);
	for (i = 0; i < NTIMERS; i++) {
		self->a[i] = (struct tx_acct){ .user_data = i, .period = 1 };
		ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, i, &self->a[i].id));
	}
	for (i = 0; i < NTIMERS; i++) {
		ret = tx_arm(self->r.fd, self->a[i].id, 0, 1000, 1);
		ASSERT_EQ(0, ret) TH_LOG("root: period 1 ns: %s", strerror(-ret));
	}
}

FIXTURE_TEARDOWN(flush)
{
	tx_ring_close(&self->r);
}

/* Consume up to @max events into the accounting; returns how many. */
static unsigned int eat(struct __test_metadata *_metadata, struct _test_data_flush *self,
			unsigned int max)
{
	struct timerx_event ev[ENTRIES];
	unsigned int n, i;

	n = tx_consume(&self->r, ev, max);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(tx_account(self->a, NTIMERS, &ev[i])) {
			TH_LOG("event of unknown timer %u", ev[i].timer_id);
		}
		self->full += ev[i].overrun == UINT32_MAX;
	}
	return n;
}

/* FLUSH, then: nothing pending, or the ring is full. */
static void flush_check(struct __test_metadata *_metadata, struct _test_data_flush *self,
			const char *when)
{
	int ret = tx_flush(self->r.fd);
	__u32 used;

	ASSERT_LE(0, ret) TH_LOG("FLUSH: %s", strerror(-ret));
	self->flushes++;
	used = tx_tail(&self->r) - tx_head(&self->r);
	if ((tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW) && used != ENTRIES) {
		if (!self->violations++)
			TH_LOG("%s: FLUSH %u returned %d: %u of %u slots used, OVERFLOW set",
			       when, self->flushes, ret, used, ENTRIES);
	}
}

TEST_F_TIMEOUT(flush, period_1ns_timers_flush_fills_ring, 120)
{
	struct timerx_timer_info ti;
	unsigned int i, rounds;

	/* Fill the ring, then let the expirations pile up. */
	tx_sleep_ms(SLEEP_MS);
	ASSERT_NE(0U, tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("ring never overflowed");

	if (!variant->cancel_first) {
		/* Armed: the flush restarts what it empties. */
		eat(_metadata, self, 37);
		flush_check(_metadata, self, "armed");
		eat(_metadata, self, ENTRIES);
		flush_check(_metadata, self, "armed");
	}
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_cancel(self->r.fd, self->a[i].id));
	}

	/*
	 * Nothing fires any more: drain in uneven steps (37 events, then
	 * all) so that timers end up half delivered, FLUSH after each.
	 */
	for (rounds = 0; rounds < 100000; rounds++) {
		if (!eat(_metadata, self, rounds & 1 ? ENTRIES : 37) &&
		    !(tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW))
			break;
		flush_check(_metadata, self, "cancelled");
	}
	EXPECT_EQ(0U, self->violations) {
		TH_LOG("%u of %u FLUSHes stopped with room in the ring and expirations pending",
		       self->violations, self->flushes);
	}
	tx_check_acct(self->r.fd, self->a, NTIMERS);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a[0].id, &ti));
	TH_LOG("%u FLUSHes, %u events of 2^32 expirations", self->flushes, self->full);
	TH_LOG("timer 0: %llu expirations in %llu events", (unsigned long long)ti.expirations,
	       (unsigned long long)self->a[0].events);
	/* ~5e9 pending expirations need a full event and another: else no test. */
	EXPECT_LE(NTIMERS / 2U, self->full) TH_LOG("few timers needed more than one event");
}

TEST_HARNESS_MAIN
