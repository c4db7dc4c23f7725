// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for timerx events: poll/epoll readiness, read(2) semantics,
 * wakeup suppression with TIMERX_CONSUMER_F_POLLING, and a consumer that
 * writes nonsense into hdr->head.
 */
#include "timerx_util.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/time.h>

TEST(poll_readiness)
{
	struct timerx_event e;
	struct tx_ring r;
	__u32 id;

	tx_ring_open(&r, 16, true);
	EXPECT_FALSE(tx_poll_in(r.fd, 0)) TH_LOG("POLLIN on an empty ring");
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 5 * NSEC_PER_MSEC, 0));
	/* Blocks until the callback wakes us (or 5 s). */
	ASSERT_TRUE(tx_poll_in(r.fd, TX_FIRE_TIMEOUT_MS)) TH_LOG("poll not woken by the event");
	EXPECT_EQ(1U, tx_tail(&r) - tx_head(&r));
	EXPECT_TRUE(tx_poll_in(r.fd, 0)) TH_LOG("POLLIN must stay while the event is unread");
	ASSERT_EQ(1U, tx_consume(&r, &e, 1));
	EXPECT_EQ(id, e.timer_id);
	EXPECT_LE(e.expected_ns, tx_now(CLOCK_MONOTONIC));
	EXPECT_FALSE(tx_poll_in(r.fd, 0)) TH_LOG("POLLIN after the ring was drained");
	tx_ring_close(&r);
}

TEST(epoll_readiness)
{
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct tx_ring r;
	__u32 id;
	int ep;

	tx_ring_open(&r, 16, true);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ee));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0)) TH_LOG("EPOLLIN on an empty ring");
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_REALTIME, TIMERX_CREATE_F_SOFT, 0, 2, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 5 * NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, TX_FIRE_TIMEOUT_MS)) TH_LOG("epoll not woken");
	EXPECT_NE(0U, out.events & EPOLLIN);
	/* Level-triggered: still ready until consumed. */
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(1U, tx_consume(&r, NULL, 16));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0)) TH_LOG("EPOLLIN after the ring was drained");

	/* A second event wakes a blocked epoll_wait again. */
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 5 * NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, TX_FIRE_TIMEOUT_MS)) TH_LOG("second wakeup missing");
	ASSERT_EQ(1U, tx_consume(&r, NULL, 16));
	close(ep);
	tx_ring_close(&r);
}

TEST(read_blocks)
{
	struct timerx_event e;
	struct tx_ring r;
	__s64 t0, seen;
	__u32 id;

	tx_ring_open(&r, 16, false);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_TAI, 0, 0, 3, &id));
	t0 = tx_now(CLOCK_TAI);
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 20 * NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_read_events(r.fd, &e, 1));
	seen = tx_now(CLOCK_TAI);
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(3ULL, e.user_data);
	EXPECT_LE(t0 + 20 * NSEC_PER_MSEC, e.expected_ns);
	EXPECT_LE(e.expected_ns, e.actual_ns);
	EXPECT_LE(e.actual_ns, seen) TH_LOG("read returned before the event happened");
	tx_ring_close(&r);
}

TEST(read_nonblock_eagain)
{
	struct timerx_event e;
	struct tx_ring r;
	int fd;

	tx_ring_open(&r, 16, false);
	ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, tx_read_events(r.fd, &e, 1));
	EXPECT_EQ(-EAGAIN, tx_read_events(r.fd, &e, 1));
	tx_ring_close(&r);

	/* O_NONBLOCK given at open time works the same. */
	fd = tx_open_flags(O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 2, NULL));
	EXPECT_EQ(-EAGAIN, tx_read_events(fd, &e, 1));
	close(fd);
}

/* Buffers smaller than one event: EINVAL, and the event is not consumed. */
TEST(read_small_buffer_einval)
{
	struct timerx_event e[2];
	struct tx_ring r;
	__u32 id;
	char small[sizeof(struct timerx_event)];

	tx_ring_open(&r, 16, false);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 4, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 0, 0));
	tx_wait_delivered(r.fd, &id, 1);
	ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(r.fd, small, sizeof(struct timerx_event) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(r.fd, small, 1));
	EXPECT_EQ(EINVAL, errno);
	/* The event is still there for a proper read. */
	ASSERT_EQ(1, tx_read_events(r.fd, e, 2));
	EXPECT_EQ(id, e[0].timer_id);
	tx_ring_close(&r);
}

/* Reads copy whole events: 40 bytes hold one event, and several at once. */
TEST(read_whole_and_several_events)
{
	struct timerx_event e[8];
	__u32 ids[4];
	struct tx_ring r;
	bool seen[4] = { false };
	ssize_t n;
	int i, j, got;

	tx_ring_open(&r, 16, false);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 40 + i, &ids[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, tx_arm(r.fd, ids[i], 0, (i + 1) * NSEC_PER_MSEC, 0));
	}
	tx_wait_delivered(r.fd, ids, 4);
	ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));

	n = read(r.fd, e, sizeof(e[0]) + 8);
	EXPECT_EQ((ssize_t)sizeof(e[0]), n) TH_LOG("40-byte read must copy exactly one event");
	got = n > 0 ? 1 : 0;
	n = read(r.fd, &e[got], 8 * sizeof(e[0]));
	EXPECT_EQ((ssize_t)(3 * sizeof(e[0])), n)
		TH_LOG("read with room for 8 returned %zd bytes with 3 events ready", n);
	if (n > 0)
		got += n / sizeof(e[0]);
	EXPECT_EQ(4, got);
	for (i = 0; i < got; i++) {
		for (j = 0; j < 4; j++) {
			if (e[i].timer_id == ids[j]) {
				EXPECT_FALSE(seen[j]) TH_LOG("event read twice");
				EXPECT_EQ(40ULL + j, e[i].user_data);
				seen[j] = true;
			}
		}
	}
	EXPECT_EQ(-EAGAIN, tx_read_events(r.fd, e, 8));
	tx_ring_close(&r);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocked read(2) can be interrupted by a signal (EINTR). */
TEST(read_interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	struct timerx_event e;
	struct tx_ring r;

	tx_ring_open(&r, 16, false);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, tx_read_events(r.fd, &e, 1))
		TH_LOG("a blocked read must return EINTR on a signal without SA_RESTART");
	tx_ring_close(&r);
}

/* Before SETUP_RING there is nothing to wait for: no POLLIN, no data. */
TEST(wait_before_setup)
{
	struct timerx_event e;
	int fd, ret;

	fd = tx_open_flags(O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(tx_poll_in(fd, 0));
	ret = tx_read_events(fd, &e, 1);
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBADFD)
		TH_LOG("read before SETUP_RING returned %d (want -EAGAIN or -EBADFD)", ret);
	close(fd);
}

/*
 * TIMERX_CONSUMER_F_POLLING: with a waiter registered (epoll), the kernel
 * does no wakeup work per event while the flag is set (CTX_INFO.wakeups
 * stays put), and wakes again once it is cleared.
 */
TEST(polling_flag_suppresses_wakeups)
{
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct timerx_ctx_info ci;
	__u64 w0, w1, w2;
	struct tx_ring r;
	unsigned int got = 0;
	__s64 start;
	__u32 id;
	int ep;

	tx_ring_open(&r, 64, true);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ee));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 5, &id));

	tx_set_consumer_flags(&r, TIMERX_CONSUMER_F_POLLING);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	w0 = ci.wakeups;
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 2 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC));
	/* Busy-poll the ring (gently: TCG has only two vCPUs). */
	start = tx_now(CLOCK_MONOTONIC);
	while (got < 8 && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS) {
		got += tx_consume(&r, NULL, 64);
		tx_sleep_ns(200 * NSEC_PER_USEC);
	}
	ASSERT_LE(8U, got) TH_LOG("busy-polling consumer saw only %u events", got);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	w1 = ci.wakeups;
	EXPECT_EQ(w0, w1) TH_LOG("%llu wakeups while TIMERX_CONSUMER_F_POLLING was set",
				 (unsigned long long)(w1 - w0));

	/* Clear, re-check the ring, then block: as the header prescribes. */
	tx_set_consumer_flags(&r, 0);
	got = tx_consume(&r, NULL, 64);
	start = tx_now(CLOCK_MONOTONIC);
	while (got < 8 && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS) {
		if (epoll_wait(ep, &out, 1, 1000) == 1)
			got += tx_consume(&r, NULL, 64);
	}
	ASSERT_LE(8U, got) TH_LOG("blocking consumer saw only %u events", got);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	w2 = ci.wakeups;
	EXPECT_LT(w1, w2) TH_LOG("no wakeups with the flag cleared and a waiter registered");
	ASSERT_EQ(0, tx_cancel(r.fd, id));
	close(ep);
	tx_ring_close(&r);
}

/*
 * "Clear the flag, then re-check the ring, before blocking ...: a wakeup
 * cannot be missed." Alternate between busy-polling and blocking many
 * times while a timer fires: a lost wakeup shows up as epoll_wait()
 * running into its timeout although the timer kept firing.
 */
TEST(polling_flag_no_missed_wakeup)
{
	struct epoll_event ee = { .events = EPOLLIN }, out;
	struct tx_ring r;
	int ep, i, blocked = 0, missed = 0;
	__s64 start;
	__u32 id;

	tx_ring_open(&r, 64, true);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ee));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 8, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 2 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC));
	for (i = 0; i < 100; i++) {
		tx_set_consumer_flags(&r, TIMERX_CONSUMER_F_POLLING);
		start = tx_now(CLOCK_MONOTONIC);
		while (!tx_consume(&r, NULL, 64) && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS)
			tx_sleep_ns(100 * NSEC_PER_USEC);
		tx_set_consumer_flags(&r, 0);
		if (tx_consume(&r, NULL, 64))
			continue;	/* the re-check found one: no need to block */
		blocked++;
		if (epoll_wait(ep, &out, 1, 2000) != 1) {
			missed++;
			TH_LOG("round %d: epoll_wait timed out; %u events ready", i,
			       tx_tail(&r) - tx_head(&r));
		}
	}
	EXPECT_EQ(0, missed);
	TH_LOG("blocked %d times out of 100", blocked);
	ASSERT_EQ(0, tx_cancel(r.fd, id));
	close(ep);
	tx_ring_close(&r);
}

/*
 * Unknown consumer_flags bits cannot be rejected (it is shared memory), so
 * they must not break anything: events keep arriving.
 */
TEST(consumer_flags_unknown_bits)
{
	struct timerx_event e;
	struct tx_ring r;
	__u32 id;

	tx_ring_open(&r, 16, true);
	tx_set_consumer_flags(&r, ~TIMERX_CONSUMER_F_ALL);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 6, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 2 * NSEC_PER_MSEC, 0));
	/* tx_collect polls with a 100 ms cap, so it does not rely on wakeups. */
	ASSERT_EQ(1U, tx_collect(&r, &e, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(id, e.timer_id);
	tx_set_consumer_flags(&r, 0);
	tx_ring_close(&r);
}

/*
 * A hostile head: "treated as ring full" - no event is written into the
 * ring (tail and the slots stay untouched), expirations pile up as
 * pending, the kernel keeps working, and once head is sane again a flush
 * delivers every expiration.
 */
FIXTURE(hostile)
{
	struct tx_ring r;
	struct tx_acct a;
};

FIXTURE_VARIANT(hostile)
{
	__s64 delta;		/* head = tail + delta ... */
	__s64 entries_mult;	/* ... + entries_mult * entries */
};

FIXTURE_VARIANT_ADD(hostile, ahead_12345) { .delta = 12345 };
FIXTURE_VARIANT_ADD(hostile, ahead_1) { .delta = 1 };
FIXTURE_VARIANT_ADD(hostile, ahead_2g) { .delta = 0x80000000LL };
FIXTURE_VARIANT_ADD(hostile, behind_5x_entries) { .entries_mult = -5 };
/* Sane but full: every slot unconsumed. Same observable behaviour. */
FIXTURE_VARIANT_ADD(hostile, behind_exactly_full) { .entries_mult = -1 };

#define HOSTILE_ENTRIES 8

FIXTURE_SETUP(hostile)
{
	tx_ring_open(&self->r, HOSTILE_ENTRIES, true);
	memset(&self->a, 0, sizeof(self->a));
	self->a.user_data = 0xbad;
	self->a.period = 2 * NSEC_PER_MSEC;
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, self->a.user_data,
			       &self->a.id));
}

FIXTURE_TEARDOWN(hostile)
{
	tx_ring_close(&self->r);
}

/* GET.pending once it exceeds @above (or whatever it is after 5 s). */
static __u64 wait_pending_above(struct __test_metadata *_metadata, int fd, __u32 id,
				__u64 above)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	struct timerx_timer_info ti;

	do {
		tx_sleep_ms(5);
		ASSERT_EQ(0, tx_get(fd, id, &ti));
	} while (ti.pending <= above && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	return ti.pending;
}

TEST_F(hostile, head_garbage)
{
	struct timerx_event ev[HOSTILE_ENTRIES], snap[HOSTILE_ENTRIES], e;
	__u64 p1, p2, expirations_parked;
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	__u32 tail0 = 0, bad = 0;
	__s64 parked_at;
	unsigned int n, k;
	struct tx_ring other;
	__u32 oid;
	int tries;

	ASSERT_EQ(0, tx_arm(self->r.fd, self->a.id, 0, self->a.period, self->a.period));
	n = tx_collect(&self->r, ev, 2, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(2U, n);
	for (k = 0; k < n; k++) {
		ASSERT_TRUE(tx_account(&self->a, 1, &ev[k]));
	}

	/*
	 * Install the bad head relative to a tail that did not move while
	 * we did it, so that the kernel cannot have seen a sane head since.
	 * tail0 is what we consumed up to (our head), not a fresh read of
	 * tail: an event published in between must not be skipped.
	 */
	for (tries = 0; tries < 50; tries++) {
		n = tx_consume(&self->r, ev, HOSTILE_ENTRIES);
		for (k = 0; k < n; k++) {
			ASSERT_TRUE(tx_account(&self->a, 1, &ev[k]));
		}
		tail0 = tx_head(&self->r);
		bad = tail0 + (__u32)variant->delta +
		      (__u32)(variant->entries_mult * HOSTILE_ENTRIES);
		tx_set_head(&self->r, bad);
		tx_sleep_ms(3);
		if (tx_tail(&self->r) == tail0)
			break;
		tx_set_head(&self->r, tail0);	/* raced with a callback: retry */
	}
	ASSERT_EQ(tail0, tx_tail(&self->r)) TH_LOG("could not install the bad head");
	memcpy(snap, self->r.ev, sizeof(snap));

	p1 = wait_pending_above(_metadata, self->r.fd, self->a.id, 0);
	EXPECT_LT(0ULL, p1) TH_LOG("expirations are not kept as pending");
	EXPECT_EQ(0, tx_flush(self->r.fd)) {
		TH_LOG("FLUSH wrote into a ring whose head is %u, tail %u", bad, tail0);
	}
	tx_poll_in(self->r.fd, 0);	/* implicit flush: must not write either */
	/*
	 * The timer is parked: a consumer whose ring is (or claims to be)
	 * full costs no interrupts, so nothing is counted until it flushes.
	 */
	tx_sleep_ns(5 * self->a.period);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	p2 = ti.pending;
	EXPECT_EQ(p1, p2) TH_LOG("a parked timer kept firing (pending %llu -> %llu)",
				 (unsigned long long)p1, (unsigned long long)p2);
	EXPECT_EQ(TX_ARMED, ti.state) TH_LOG("a parked timer must read as armed");
	parked_at = tx_now(CLOCK_MONOTONIC);
	expirations_parked = ti.expirations;
	EXPECT_EQ(tail0, tx_tail(&self->r)) TH_LOG("kernel published events past a bad head");
	EXPECT_EQ(0, memcmp(snap, self->r.ev, sizeof(snap)))
		TH_LOG("kernel wrote into the ring's slots past a bad head");
	EXPECT_EQ(bad, tx_head(&self->r)) TH_LOG("kernel wrote hdr->head");
	EXPECT_NE(0U, tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW);
	EXPECT_LT(0ULL, tx_ring_full(&self->r));
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_LT(0ULL, ci.ring_full);

	/* The rest of the system is unaffected: another context works. */
	tx_ring_open(&other, 2, false);
	ASSERT_EQ(0, tx_create(other.fd, CLOCK_MONOTONIC, 0, 0, 1, &oid));
	ASSERT_EQ(0, tx_arm(other.fd, oid, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_read_events(other.fd, &e, 1));
	EXPECT_EQ(oid, e.timer_id);
	tx_ring_close(&other);

	/*
	 * Sane again: everything up to tail0 consumed. Nothing was lost: the
	 * periods that passed while it was parked are counted at the cancel.
	 */
	tx_set_head(&self->r, tail0);
	tx_sleep_ns(3 * self->a.period);
	ASSERT_EQ(0, tx_cancel(self->r.fd, self->a.id));
	ASSERT_EQ(0, tx_get(self->r.fd, self->a.id, &ti));
	EXPECT_LE(expirations_parked +
		  (__u64)((tx_now(CLOCK_MONOTONIC) - parked_at) / self->a.period) - 1,
		  ti.expirations)
		TH_LOG("the periods that passed while parked were not all counted");
	tx_drain_all(&self->r, &self->a, 1);
	tx_check_acct(self->r.fd, &self->a, 1);
}

TEST_HARNESS_MAIN
