// SPDX-License-Identifier: GPL-2.0
/*
 * Timer queues: a context's timers of one clock, mode and CPU share one
 * hrtimer over a heap. What a broken heap or a lost reprogramming would
 * show: events out of expiry order, a timer that never fires, one that
 * fires early or twice, a burst that loses or stalls expirations.
 */
#include "timerx_util.h"

#define MS	NSEC_PER_MSEC

static struct timerx_batch_entry entries[TIMERX_BATCH_MAX];

/* Arm timers @ids[0..n) at @at[i] (absolute) in batches. */
static void arm_all(struct __test_metadata *_metadata, int fd, const __u32 *ids,
		    const __s64 *at, unsigned int n)
{
	unsigned int done = 0, i, k;

	while (done < n) {
		k = n - done < TIMERX_BATCH_MAX ? n - done : TIMERX_BATCH_MAX;
		for (i = 0; i < k; i++)
			entries[i] = (struct timerx_batch_entry) {
				.op = TIMERX_BATCH_ARM,
				.timer_id = ids[done + i],
				.flags = TIMERX_ARM_F_ABS,
				.expires_ns = at[done + i],
			};
		ASSERT_EQ((int)k, tx_batch(fd, entries, k));
		for (i = 0; i < k; i++)
			ASSERT_EQ(0, entries[i].result);
		done += k;
	}
}

/*
 * Many timers at distinct random expiries, some cancelled, some moved
 * later or earlier: every survivor fires once, at or after its (last)
 * expiry, and one queue delivers them in expiry order.
 */
TEST(expiry_order_with_cancels_and_postpones)
{
	enum { N = 3000 };
	static __s64 at[N];
	static __u32 ids[N];
	static bool gone[N], seen[N];
	static struct timerx_event ev[N];
	unsigned int i, want = 0, got;
	struct tx_ring r;
	__s64 now;

	srandom(getpid());
	tx_ring_open(&r, 4096, true);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));

	now = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < N; i++)
		at[i] = now + 200 * MS + (__s64)(random() % (300 * MS));
	arm_all(_metadata, r.fd, ids, at, N);

	for (i = 0; i < N; i++) {
		switch (random() % 4) {
		case 0:
			ASSERT_EQ(0, tx_cancel(r.fd, ids[i]));
			gone[i] = true;
			break;
		case 1:	/* later or earlier, still ahead */
			at[i] = now + 150 * MS + (__s64)(random() % (400 * MS));
			ASSERT_EQ(0, tx_postpone(r.fd, ids[i], TIMERX_ARM_F_ABS, at[i]));
			break;
		}
		want += !gone[i];
	}

	got = tx_collect(&r, ev, want, 10 * TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(want, got);
	for (i = 0; i < got; i++) {
		__u64 k = ev[i].user_data;

		ASSERT_LT(k, (__u64)N);
		EXPECT_FALSE(gone[k]);
		EXPECT_FALSE(seen[k]);
		seen[k] = true;
		EXPECT_EQ(at[k], ev[i].expected_ns);
		EXPECT_LE(ev[i].expected_ns, ev[i].actual_ns);
		if (i)
			EXPECT_LE(ev[i - 1].expected_ns, ev[i].expected_ns);
	}
	/* Nothing more: no cancelled timer fires, no timer fires twice. */
	tx_sleep_ms(100);
	EXPECT_EQ(0U, tx_consume(&r, NULL, 1));
	tx_ring_close(&r);
}

/* The earliest cancelled: the hrtimer fires early once, with no event. */
TEST(cancel_earliest)
{
	struct timerx_event ev;
	struct tx_ring r;
	__u32 a, b;
	__s64 now;

	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &a));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 2, &b));
	now = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_arm(r.fd, a, TIMERX_ARM_F_ABS, now + 30 * MS, 0));
	ASSERT_EQ(0, tx_arm(r.fd, b, TIMERX_ARM_F_ABS, now + 120 * MS, 0));
	ASSERT_EQ(0, tx_cancel(r.fd, a));
	ASSERT_EQ(1U, tx_collect(&r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(2ULL, ev.user_data);
	EXPECT_EQ(now + 120 * MS, ev.expected_ns);
	EXPECT_LE(now + 120 * MS, ev.actual_ns);
	tx_sleep_ms(50);
	EXPECT_EQ(0U, tx_consume(&r, NULL, 1));
	tx_ring_close(&r);
}

/* An arm earlier than the queue's programmed expiry moves its hrtimer. */
TEST(arm_earlier_than_queued)
{
	struct timerx_event ev;
	struct tx_ring r;
	__u32 far, near;
	__s64 now;

	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &far));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 2, &near));
	now = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_arm(r.fd, far, TIMERX_ARM_F_ABS, now + 3600LL * NSEC_PER_SEC, 0));
	ASSERT_EQ(0, tx_arm(r.fd, near, TIMERX_ARM_F_ABS, now + 40 * MS, 0));
	ASSERT_EQ(1U, tx_collect(&r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(2ULL, ev.user_data);
	EXPECT_LE(now + 40 * MS, ev.actual_ns);
	tx_ring_close(&r);
}

/*
 * Thousands due at the same instant: passes of a bounded size drain
 * them all, each exactly once (a pass that lost its continuation would
 * leave the rest queued and never due again).
 */
TEST(burst_due_together)
{
	enum { N = 20000 };
	static __s64 at[N];
	static __u32 ids[N];
	static bool seen[N];
	static struct timerx_event ev[N];
	struct timerx_ring_params p;
	unsigned int i, got;
	struct tx_ring r;
	__s64 when;

	tx_ring_open(&r, 32768, true);
	p = r.p;
	ASSERT_LE((__u32)N, p.entries);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
	when = tx_now(CLOCK_MONOTONIC) + 300 * MS;
	for (i = 0; i < N; i++)
		at[i] = when;
	arm_all(_metadata, r.fd, ids, at, N);

	got = tx_collect(&r, ev, N, 12 * TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ((unsigned int)N, got);
	for (i = 0; i < got; i++) {
		__u64 k = ev[i].user_data;

		ASSERT_LT(k, (__u64)N);
		EXPECT_FALSE(seen[k]);
		seen[k] = true;
		EXPECT_EQ(when, ev[i].expected_ns);
		EXPECT_LE(when, ev[i].actual_ns);
		EXPECT_EQ(0U, ev[i].overrun);
	}
	tx_ring_close(&r);
}

/*
 * Periodic timers of different periods in one queue: each on its own
 * grid, and every expiration accounted (events + overruns + pending).
 */
TEST(periodic_grids_share_a_queue)
{
	enum { N = 64 };
	struct timerx_event ev[512];
	struct timerx_timer_info ti;
	__u64 counted[N] = { 0 };
	__s64 first[N], period[N];
	__u32 ids[N];
	unsigned int i, n;
	struct tx_ring r;
	__s64 now, start;

	tx_ring_open(&r, 4096, true);
	now = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
		period[i] = (2 + i % 7) * MS + i * 1000;
		first[i] = now + 20 * MS + i * 37000;
		ASSERT_EQ(0, tx_arm(r.fd, ids[i], TIMERX_ARM_F_ABS, first[i], period[i]));
	}
	start = tx_now(CLOCK_MONOTONIC);
	while (tx_ms_since(start) < 400) {
		n = tx_consume(&r, ev, 512);
		for (i = 0; i < n; i++) {
			__u64 k = ev[i].user_data;
			__s64 off;

			ASSERT_LT(k, (__u64)N);
			off = ev[i].expected_ns - first[k];
			EXPECT_EQ(0, off % period[k]);
			EXPECT_EQ((__s64)counted[k], off / period[k]);
			EXPECT_LE(ev[i].expected_ns, ev[i].actual_ns);
			counted[k] += 1 + ev[i].overrun;
		}
		tx_poll_in(r.fd, 20);
	}
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, tx_cancel(r.fd, ids[i]));
	n = tx_consume(&r, ev, 512);
	while (n) {
		unsigned int j;

		for (j = 0; j < n; j++)
			counted[ev[j].user_data] += 1 + ev[j].overrun;
		n = tx_consume(&r, ev, 512);
	}
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, tx_get(r.fd, ids[i], &ti));
		EXPECT_EQ(ti.expirations, counted[i] + ti.pending);
		EXPECT_LT(10ULL, ti.expirations);
	}
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
