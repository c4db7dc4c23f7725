// SPDX-License-Identifier: GPL-2.0
/*
 * Closing a context while its timers have expirations pending (finding
 * F9b): the ring is full, periodic timers are parked or still firing,
 * one-shots wait for room, some timers are cancelled with their pending
 * kept. Closing must free everything without touching freed memory
 * (KASAN), leaking (kmemleak) or leaving a timer armed: checked on the
 * debug kernel by the harness, and here by the kernel log and by the
 * module's use count coming back.
 */
#include "timerx_util.h"

#define ROUNDS	40

FIXTURE(closing)
{
	int kmsg;
	long refcnt;
};

FIXTURE_SETUP(closing)
{
	self->kmsg = tx_kmsg_open();
	self->refcnt = tx_module_refcnt();
}

FIXTURE_TEARDOWN(closing)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* A full 4-entry ring with pending expirations of every kind. */
static void fill(struct __test_metadata *_metadata, struct tx_ring *r, int round)
{
	struct timerx_timer_info ti;
	__u32 ids[6];
	__s64 start;
	int i;

	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, tx_create(r->fd, i & 1 ? CLOCK_REALTIME : CLOCK_MONOTONIC,
				       i == 5 ? TIMERX_CREATE_F_SOFT : 0, 0, i, &ids[i]));
	}
	/* periodic 1 ms x3, one-shots x3 */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_arm(r->fd, ids[i], 0, NSEC_PER_MSEC, NSEC_PER_MSEC));
	}
	for (i = 3; i < 6; i++) {
		ASSERT_EQ(0, tx_arm(r->fd, ids[i], 0, 2 * NSEC_PER_MSEC, 0));
	}
	start = tx_now(CLOCK_MONOTONIC);
	do {
		tx_sleep_ms(2);
		ASSERT_EQ(0, tx_get(r->fd, ids[5], &ti));
	} while ((!(tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW) || !ti.expirations) &&
		 tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_NE(0U, tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW) TH_LOG("ring never overflowed");
	/* Some rounds: a periodic timer cancelled with its pending kept. */
	if (round & 1) {
		ASSERT_EQ(0, tx_cancel(r->fd, ids[0]));
	}
	/* Some rounds: one deleted (its pending discarded). */
	if (round & 2) {
		ASSERT_EQ(0, tx_delete(r->fd, ids[1]));
	}
}

TEST_F_TIMEOUT(closing, close_with_pending_expirations, 120)
{
	long after;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		struct tx_ring r;

		tx_ring_open(&r, 4, true);
		fill(_metadata, &r, i);
		switch (i % 3) {
		case 0:		/* descriptor, then mapping (the last reference) */
			close(r.fd);
			r.fd = -1;
			tx_sleep_ms(3);	/* the timers go on meanwhile */
			munmap(r.map, r.p.mmap_len);
			break;
		case 1:		/* mapping, then descriptor */
			munmap(r.map, r.p.mmap_len);
			close(r.fd);
			break;
		default:	/* a child holds a copy and exits after us */
			if (fork() == 0) {
				tx_sleep_ms(5);
				_exit(0);
			}
			tx_ring_close(&r);
			while (wait(NULL) > 0)
				;
			break;
		}
		tx_expect_no_splat(self->kmsg, "closing a context with pending expirations");
	}
	if (self->refcnt >= 0) {
		after = tx_wait_refcnt_le(self->refcnt, 5000);
		EXPECT_GE(self->refcnt, after) {
			TH_LOG("module use count %ld before, %ld after closing every context",
			       self->refcnt, after);
		}
	}
	tx_sleep_ms(100);
	tx_expect_no_splat(self->kmsg, "after closing contexts with pending expirations");
}

TEST_HARNESS_MAIN
