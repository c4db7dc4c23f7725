// SPDX-License-Identifier: GPL-2.0
/*
 * "No expiration is lost": with a slow or stalled consumer and a full
 * ring, expirations are folded into overruns and kept as per-timer
 * pending counts, then delivered by the next callback with room, by
 * TIMERX_IOC_FLUSH, or implicitly by poll() and read(). Whatever path
 * they take, sum(1 + overrun) over a timer's events must equal
 * GET.expirations exactly.
 *
 * These tests avoid poll()/read() while building up an overflow, since
 * both flush implicitly and would change what is being measured.
 */
#include "timerx_util.h"

/* Wait (without poll/read, which flush) until @id has something pending. */
static __u64 wait_pending(struct __test_metadata *_metadata, int fd, __u32 id)
{
	struct timerx_timer_info ti;
	__s64 start = tx_now(CLOCK_MONOTONIC);

	do {
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		if (ti.pending)
			return ti.pending;
		tx_sleep_ms(2);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_TRUE(0) TH_LOG("timer %u never had pending expirations with a full ring", id);
	return 0;
}

/* Wait (without poll/read) until every one-shot in @ids has expired. */
static void check_ctx_totals(struct __test_metadata *_metadata, struct tx_ring *r,
			     const struct tx_acct *acct, int n)
{
	struct timerx_ctx_info ci;
	__u64 sum = 0, events = 0;
	int i;

	for (i = 0; i < n; i++) {
		sum += acct[i].sum;
		events += acct[i].events;
	}
	ASSERT_EQ(0, tx_ctx_info(r->fd, &ci));
	EXPECT_EQ(sum, ci.expirations) TH_LOG("CTX_INFO.expirations != all expirations seen");
	EXPECT_EQ(events, ci.events) TH_LOG("CTX_INFO.events != events seen");
	if (r->hdr) {
		EXPECT_EQ(tx_ring_full(r), ci.ring_full)
			TH_LOG("hdr->ring_full and CTX_INFO.ring_full disagree");
		EXPECT_EQ(0U, tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW)
			TH_LOG("OVERFLOW still set with nothing pending");
	}
}

/*
 * A periodic timer and a consumer that sleeps: the callback folds late
 * periods into overruns and the small ring fills up, yet every expiration
 * is accounted, and their number matches elapsed time / period.
 */
TEST(stalled_consumer_exact)
{
	const __u64 period = NSEC_PER_MSEC;
	struct tx_acct a = { .user_data = 1, .period = period };
	struct timerx_timer_info ti;
	__s64 t_arm0, t_arm1, t_c0, t_c1, first;
	__u64 upper, lower;
	struct tx_ring r;

	tx_ring_open(&r, 8, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	t_arm0 = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, period, period));
	t_arm1 = tx_now(CLOCK_MONOTONIC);
	tx_sleep_ms(150);
	t_c0 = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	t_c1 = tx_now(CLOCK_MONOTONIC);

	ASSERT_EQ(0, tx_get(r.fd, a.id, &ti));
	TH_LOG("expirations %llu events %llu pending %llu ring_full %llu",
	       (unsigned long long)ti.expirations, (unsigned long long)ti.events,
	       (unsigned long long)ti.pending, (unsigned long long)tx_ring_full(&r));
	if (ti.pending) {
		EXPECT_NE(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW)
			TH_LOG("expirations pending but OVERFLOW not set");
		EXPECT_LT(0ULL, tx_ring_full(&r)) TH_LOG("pending but ring_full not counted");
	}
	tx_drain_all(&r, &a, 1);
	tx_check_acct(r.fd, &a, 1);
	check_ctx_totals(_metadata, &r, &a, 1);

	/* Sanity bounds only: the counting itself was checked exactly above. */
	ASSERT_TRUE(a.seen);
	first = a.next_expected - (__s64)(a.sum * period);	/* first expiry */
	EXPECT_LE(t_arm0 + (__s64)period, first);
	EXPECT_GE(t_arm1 + (__s64)period, first);
	upper = (__u64)(t_c1 - first) / period + 1;
	lower = (__u64)(t_c0 - t_arm1) / period / 4;
	EXPECT_GE(upper, a.sum) TH_LOG("more expirations than periods elapsed (%llu > %llu)",
				       (unsigned long long)a.sum, (unsigned long long)upper);
	EXPECT_LE(lower, a.sum) TH_LOG("far fewer expirations than periods elapsed (%llu < %llu)",
				       (unsigned long long)a.sum, (unsigned long long)lower);
	tx_ring_close(&r);
}

/*
 * Many fast timers into a tiny ring with no consumer: the ring overflows,
 * OVERFLOW and ring_full say so, and draining plus FLUSH (first while the
 * timers still run, then after cancelling them) delivers every single
 * expiration, per timer, in order.
 */
FIXTURE(tiny)
{
	struct tx_ring r;
};

FIXTURE_VARIANT(tiny)
{
	__u32 entries;
};

FIXTURE_VARIANT_ADD(tiny, e2) { .entries = 2 };
FIXTURE_VARIANT_ADD(tiny, e4) { .entries = 4 };

FIXTURE_SETUP(tiny)
{
	tx_ring_open(&self->r, variant->entries, true);
}

FIXTURE_TEARDOWN(tiny)
{
	tx_ring_close(&self->r);
}

#define NTIMERS 16

TEST_F(tiny, overflow_nothing_lost)
{
	struct tx_acct a[NTIMERS];
	struct timerx_event ev[16];
	struct timerx_ctx_info ci;
	__u64 pending = 0;
	int i, round;

	memset(a, 0, sizeof(a));
	for (i = 0; i < NTIMERS; i++) {
		a[i].user_data = 0x1000 + i;
		a[i].period = NSEC_PER_MSEC + i * 50 * NSEC_PER_USEC;
		ASSERT_EQ(0, tx_create(self->r.fd, i & 2 ? CLOCK_BOOTTIME : CLOCK_MONOTONIC,
				       i & 1 ? TIMERX_CREATE_F_SOFT : 0, 0,
				       a[i].user_data, &a[i].id));
	}
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_arm(self->r.fd, a[i].id, 0, NSEC_PER_MSEC, a[i].period));
	}
	tx_sleep_ms(60);

	EXPECT_NE(0U, tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("%d timers into %u slots, no consumer, and no OVERFLOW flag",
		       NTIMERS, variant->entries);
	EXPECT_LT(0ULL, tx_ring_full(&self->r)) TH_LOG("hdr->ring_full not counted");
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_LT(0ULL, ci.ring_full) TH_LOG("CTX_INFO.ring_full not counted");
	for (i = 0; i < NTIMERS; i++) {
		struct timerx_timer_info ti;

		ASSERT_EQ(0, tx_get(self->r.fd, a[i].id, &ti));
		pending += ti.pending;
	}
	EXPECT_LT(0ULL, pending) TH_LOG("no timer has pending expirations");

	/* Drain and flush while the timers keep firing. */
	for (round = 0; round < 20; round++) {
		unsigned int n = tx_consume(&self->r, ev, 16), k;

		for (k = 0; k < n; k++) {
			EXPECT_TRUE(tx_account(a, NTIMERS, &ev[k]));
		}
		EXPECT_LE(0, tx_flush(self->r.fd));
		tx_sleep_ms(1);
	}
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_cancel(self->r.fd, a[i].id));
	}
	tx_drain_all(&self->r, a, NTIMERS);
	tx_check_acct(self->r.fd, a, NTIMERS);
	check_ctx_totals(_metadata, &self->r, a, NTIMERS);
	for (i = 0; i < NTIMERS; i++) {
		EXPECT_TRUE(a[i].seen) TH_LOG("timer %d never delivered anything", i);
	}
}

/*
 * Five one-shots into a 2-slot ring: two land in the ring, three are
 * pending. FLUSH returns exactly how many events it wrote, and one-shots
 * whose only event went pending are still delivered.
 */
#define NONESHOT 5

static void arm_oneshots(struct __test_metadata *_metadata, int fd, __u32 *ids,
			 struct tx_acct *a, __s64 *abs)
{
	int i;

	*abs = tx_now(CLOCK_MONOTONIC) + 2 * NSEC_PER_MSEC;
	for (i = 0; i < NONESHOT; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].user_data = 0x500 + i;
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, i & 1 ? TIMERX_CREATE_F_SOFT : 0,
				       0, a[i].user_data, &ids[i]));
		a[i].id = ids[i];
	}
	/* Same absolute expiry: they all fire in (about) one go. */
	for (i = 0; i < NONESHOT; i++) {
		ASSERT_EQ(0, tx_arm(fd, ids[i], TIMERX_ARM_F_ABS, *abs, 0));
	}
	tx_wait_expired(fd, ids, NONESHOT);
}

static void account_all(struct __test_metadata *_metadata, struct tx_acct *a, int na,
			const struct timerx_event *ev, unsigned int n, __s64 abs)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		EXPECT_TRUE(tx_account(a, na, &ev[k]));
		EXPECT_EQ(abs, ev[k].expected_ns);
	}
}

TEST(flush_ioctl_counts)
{
	struct tx_acct a[NONESHOT];
	struct timerx_event ev[8];
	struct timerx_ctx_info ci;
	__u32 ids[NONESHOT];
	struct tx_ring r;
	__s64 abs;
	int i;

	tx_ring_open(&r, 2, true);
	arm_oneshots(_metadata, r.fd, ids, a, &abs);

	EXPECT_EQ(2U, tx_tail(&r) - tx_head(&r)) TH_LOG("ring of 2 not full");
	EXPECT_NE(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW);
	EXPECT_EQ(3ULL, tx_ring_full(&r))
		TH_LOG("3 expirations found the ring full; hdr->ring_full says %llu",
		       (unsigned long long)tx_ring_full(&r));
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ(3ULL, ci.ring_full);
	EXPECT_EQ(2ULL, ci.events);
	EXPECT_EQ(5ULL, ci.expirations);

	account_all(_metadata, a, NONESHOT, ev, tx_consume(&r, ev, 8), abs);
	EXPECT_EQ(2, tx_flush(r.fd)) TH_LOG("FLUSH into 2 free slots with 3 pending");
	EXPECT_NE(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("OVERFLOW cleared with 1 expiration still pending");
	account_all(_metadata, a, NONESHOT, ev, tx_consume(&r, ev, 8), abs);
	EXPECT_EQ(1, tx_flush(r.fd));
	EXPECT_EQ(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("OVERFLOW not cleared when nothing is pending");
	account_all(_metadata, a, NONESHOT, ev, tx_consume(&r, ev, 8), abs);
	EXPECT_EQ(0, tx_flush(r.fd));
	EXPECT_EQ(0U, tx_consume(&r, ev, 8));
	for (i = 0; i < NONESHOT; i++) {
		EXPECT_EQ(1ULL, a[i].events) {
			TH_LOG("one-shot %d delivered %llu times", i,
			       (unsigned long long)a[i].events);
		}
	}
	tx_check_acct(r.fd, a, NONESHOT);
	check_ctx_totals(_metadata, &r, a, NONESHOT);
	tx_ring_close(&r);
}

/* The same, but only poll() is called: it flushes implicitly. */
TEST(flush_via_poll)
{
	struct tx_acct a[NONESHOT];
	struct timerx_event ev[8];
	__u32 ids[NONESHOT];
	struct tx_ring r;
	unsigned int n, total;
	__s64 abs;
	int i;

	tx_ring_open(&r, 2, true);
	arm_oneshots(_metadata, r.fd, ids, a, &abs);
	total = tx_consume(&r, ev, 8);
	account_all(_metadata, a, NONESHOT, ev, total, abs);
	EXPECT_EQ(2U, total);

	for (i = 0; i < 4 && total < NONESHOT; i++) {
		EXPECT_TRUE(tx_poll_in(r.fd, 0))
			TH_LOG("poll: no POLLIN although %u expirations are pending",
			       NONESHOT - total);
		n = tx_consume(&r, ev, 8);
		EXPECT_LT(0U, n) TH_LOG("poll() did not flush pending expirations");
		account_all(_metadata, a, NONESHOT, ev, n, abs);
		total += n;
	}
	EXPECT_EQ((unsigned int)NONESHOT, total);
	EXPECT_FALSE(tx_poll_in(r.fd, 0)) TH_LOG("POLLIN with an empty ring, nothing pending");
	EXPECT_EQ(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW);
	tx_check_acct(r.fd, a, NONESHOT);
	tx_ring_close(&r);
}

/* The same through read(2) without a mapping: read flushes implicitly. */
TEST(flush_via_read)
{
	struct tx_acct a[NONESHOT];
	struct timerx_event ev[8];
	__u32 ids[NONESHOT];
	struct tx_ring r;
	int n, total = 0, i;
	__s64 abs;

	tx_ring_open(&r, 2, false);
	arm_oneshots(_metadata, r.fd, ids, a, &abs);
	ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 10; i++) {
		n = tx_read_events(r.fd, ev, 8);
		if (n == -EAGAIN)
			break;
		ASSERT_LT(0, n) TH_LOG("read: %s", strerror(-n));
		account_all(_metadata, a, NONESHOT, ev, n, abs);
		total += n;
	}
	EXPECT_EQ(NONESHOT, total) TH_LOG("read() returned EAGAIN with expirations pending");
	EXPECT_EQ(-EAGAIN, tx_read_events(r.fd, ev, 8));
	tx_check_acct(r.fd, a, NONESHOT);
	check_ctx_totals(_metadata, &r, a, NONESHOT);
	tx_ring_close(&r);
}

/* "Cancelling keeps expirations already pending" - and FLUSH folds them. */
TEST(cancel_keeps_pending)
{
	struct tx_acct a = { .user_data = 7, .period = NSEC_PER_MSEC };
	struct timerx_timer_info ti;
	struct timerx_event ev[8];
	struct tx_ring r;
	unsigned int n, k;
	__u64 p;

	tx_ring_open(&r, 2, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	wait_pending(_metadata, r.fd, a.id);
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	ASSERT_EQ(0, tx_get(r.fd, a.id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	p = ti.pending;
	ASSERT_LT(0ULL, p) TH_LOG("CANCEL dropped the pending expirations");

	n = tx_consume(&r, ev, 8);
	for (k = 0; k < n; k++) {
		EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	EXPECT_EQ(1, tx_flush(r.fd)) {
		TH_LOG("pending expirations of one timer are one folded event");
	}
	n = tx_consume(&r, ev, 8);
	ASSERT_EQ(1U, n);
	EXPECT_EQ(p - 1, (__u64)ev[0].overrun)
		TH_LOG("flushed event folds %llu pending expirations, overrun %u",
		       (unsigned long long)p, ev[0].overrun);
	EXPECT_TRUE(tx_account(&a, 1, &ev[0]));
	EXPECT_EQ(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW);
	tx_check_acct(r.fd, &a, 1);
	tx_ring_close(&r);
}

/* "deleting discards them": nothing of the deleted timer comes back. */
TEST(delete_discards_pending)
{
	struct tx_acct a = { .user_data = 8, .period = NSEC_PER_MSEC };
	struct timerx_ctx_info ci;
	struct timerx_event ev[8];
	struct tx_ring r;
	unsigned int n, k;

	tx_ring_open(&r, 2, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_SOFT, 0,
			       a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	wait_pending(_metadata, r.fd, a.id);
	ASSERT_EQ(0, tx_delete(r.fd, a.id));

	/* What was already in the ring stays there. */
	n = tx_consume(&r, ev, 8);
	EXPECT_EQ(2U, n);
	for (k = 0; k < n; k++) {
		EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	EXPECT_EQ(0, tx_flush(r.fd)) TH_LOG("FLUSH delivered expirations of a deleted timer");
	EXPECT_EQ(0U, tx_consume(&r, ev, 8));
	EXPECT_EQ(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("OVERFLOW still set although the only pending timer was deleted");
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ(0U, ci.timers);
	tx_sleep_ms(TX_SETTLE_MS);
	EXPECT_FALSE(tx_poll_in(r.fd, 0));
	EXPECT_EQ(0U, tx_consume(&r, ev, 8));
	tx_ring_close(&r);
}

/*
 * "Pending expirations are delivered ... when the timer next fires with
 * room in the ring": drain the ring but do not flush (no FLUSH, poll or
 * read); the next callback delivers them, in order.
 */
/*
 * A full ring parks a periodic timer: it stops firing (no interrupts for a
 * consumer that does not read). A flush with room delivers what was
 * pending, counts the periods that passed meanwhile, and the timer goes on
 * firing on its grid.
 */
TEST(flush_resumes_parked_timer)
{
	struct tx_acct a = { .user_data = 9, .period = 2 * NSEC_PER_MSEC };
	struct timerx_timer_info t1, t2;
	struct timerx_event ev[8];
	struct tx_ring r;
	unsigned int n, k, got;
	__u64 p, sum_before;
	__u32 tail;
	__s64 start, parked, end;

	tx_ring_open(&r, 2, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	p = wait_pending(_metadata, r.fd, a.id);
	parked = tx_now(CLOCK_MONOTONIC);

	ASSERT_EQ(0, tx_get(r.fd, a.id, &t1));
	tx_sleep_ns(10 * a.period);
	ASSERT_EQ(0, tx_get(r.fd, a.id, &t2));
	EXPECT_EQ(t1.expirations, t2.expirations)
		TH_LOG("a timer with a full ring kept firing: %llu -> %llu expirations",
		       (unsigned long long)t1.expirations,
		       (unsigned long long)t2.expirations);
	EXPECT_EQ(TX_ARMED, t2.state);
	EXPECT_LT(0, t2.next_expiry_ns);

	/* Room, but no flush: still parked, nothing written. */
	tail = tx_tail(&r);
	n = tx_consume(&r, ev, 8);
	for (k = 0; k < n; k++) {
		EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	sum_before = a.sum;
	tx_sleep_ns(5 * a.period);
	EXPECT_EQ(tail, tx_tail(&r)) TH_LOG("a parked timer fired without a flush");
	start = tx_now(CLOCK_MONOTONIC);

	/*
	 * The flush delivers the pending ones and what passed since; in a
	 * two-slot ring that can fill it again (the timer then stays
	 * parked): consume and flush until nothing waits.
	 */
	EXPECT_LT(0, tx_flush(r.fd));
	do {
		/* What is due by now is in the ring, bar the one in flight. */
		end = tx_now(CLOCK_MONOTONIC);
		n = tx_consume(&r, ev, 8);
		for (k = 0; k < n; k++) {
			EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
			EXPECT_LE(ev[k].expected_ns, ev[k].actual_ns);
		}
	} while ((tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW) && tx_flush(r.fd) >= 0 &&
		 tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	EXPECT_LE(sum_before + p + (__u64)((end - parked) / a.period) - 2, a.sum)
		TH_LOG("the periods that passed while parked were not delivered");

	/*
	 * And it fires again, on its own, on the same grid. It may have
	 * fired since the last consume, and even filled the ring and parked
	 * again: events found without another flush are what it wrote.
	 */
	start = tx_now(CLOCK_MONOTONIC);
	for (got = 0; !got && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS;) {
		n = tx_consume(&r, ev, 8);
		for (k = 0; k < n; k++)
			EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
		got += n;
		if (!n)
			tx_sleep_ms(1);
	}
	ASSERT_LT(0U, got) TH_LOG("the timer did not resume after the flush");
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	tx_drain_all(&r, &a, 1);
	tx_check_acct(r.fd, &a, 1);
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
