// SPDX-License-Identifier: GPL-2.0
/*
 * Parking (finding F6b). The header: "A periodic timer whose expirations
 * found the ring full is parked: its hrtimer stops, so a consumer that
 * does not read costs no interrupts. When a flush has delivered what it
 * had pending, the periods that elapsed while it was parked are counted
 * and written ... It still reads as ARMED. Nothing is lost". The old
 * module kept every such timer firing, a callback per period that only
 * counted, for as long as the consumer slept: a 100 us timer nobody reads
 * is 10000 interrupts a second forever.
 *
 * Parked means: GET.expirations, the netlink FIRES count and the ring's
 * ring_full all stand still while the ring stays full. Lost nothing means:
 * after the drain, every timer's events add up (sum of 1 + overrun) to
 * GET.expirations, which covers every period since the first expiry.
 */
#include "netlink_util.h"

#define NTIMERS		4
#define PERIOD		(2 * NSEC_PER_MSEC)
#define ENTRIES		16
#define WATCH_MS	300

FIXTURE(park)
{
	struct tx_ring r;
	struct tx_acct a[NTIMERS];
	__s64 t0;		/* first expiry of every timer */
	struct nlt n;
	bool have_nl;
	__u32 ctx;
};

FIXTURE_SETUP(park)
{
	int i;

	if (!tx_has_cap(CAP_SYS_NICE))
		TH_LOG("no CAP_SYS_NICE: the budget must allow %d timers of 2 ms", NTIMERS);
	tx_ring_open(&self->r, ENTRIES, true);
	self->have_nl = !nlt_open(&self->n);
	self->ctx = tx_ctx_id(self->r.fd);
	for (i = 0; i < NTIMERS; i++) {
		self->a[i] = (struct tx_acct){ .user_data = 100 + i, .period = PERIOD };
		ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, self->a[i].user_data,
				       &self->a[i].id));
	}
	self->t0 = tx_now(CLOCK_MONOTONIC) + PERIOD;
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_arm(self->r.fd, self->a[i].id, TIMERX_ARM_F_ABS, self->t0,
				    PERIOD));
	}
}

FIXTURE_TEARDOWN(park)
{
	if (self->have_nl)
		nlt_close(&self->n);
	tx_ring_close(&self->r);
}

/* Wait for OVERFLOW, then long enough for every timer to have found the ring full. */
static void wait_parked(struct __test_metadata *_metadata, struct tx_ring *r)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);

	while (!(tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW) &&
	       tx_ms_since(start) < TX_FIRE_TIMEOUT_MS)
		tx_sleep_ms(2);
	ASSERT_NE(0U, tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW)
		TH_LOG("the ring did not overflow within %d ms", TX_FIRE_TIMEOUT_MS);
	tx_sleep_ms(20 * PERIOD / NSEC_PER_MSEC);
}

struct snap {
	__u64 exp[NTIMERS];
	__u64 fires[NTIMERS];
	__u32 state[NTIMERS];
	__u64 ring_full;
};

static void take(struct __test_metadata *_metadata, struct _test_data_park *self,
		 struct snap *s)
{
	struct timerx_timer_info ti;
	struct nlt_reply rep;
	struct nlt_one one;
	int i, ret;

	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_get(self->r.fd, self->a[i].id, &ti));
		s->exp[i] = ti.expirations;
		s->state[i] = ti.state;
		s->fires[i] = 0;
		if (!self->have_nl)
			continue;
		ret = nlt_do(&self->n, TIMERX_NL_CMD_TIMER_GET, self->ctx, self->a[i].id, &one,
			     &rep);
		EXPECT_EQ(0, ret) TH_LOG("TIMER_GET: %s", nlt_strerr(ret));
		s->fires[i] = one.obj.v[TIMERX_NL_A_FIRES];
	}
	s->ring_full = tx_ring_full(&self->r);
}

/* Consume what is ready into the accounting; returns the number consumed. */
static unsigned int eat(struct __test_metadata *_metadata, struct _test_data_park *self)
{
	struct timerx_event ev[ENTRIES];
	unsigned int n, i, total = 0;

	while ((n = tx_consume(&self->r, ev, ENTRIES))) {
		for (i = 0; i < n; i++) {
			EXPECT_TRUE(tx_account(self->a, NTIMERS, &ev[i])) {
				TH_LOG("event of unknown timer %u", ev[i].timer_id);
			}
		}
		total += n;
	}
	return total;
}

/* Periods elapsed from t0 to @t: what a timer must have counted by then. */
static __u64 periods_until(const struct _test_data_park *self, __s64 t)
{
	return t < self->t0 ? 0 : (__u64)((t - self->t0) / PERIOD) + 1;
}

TEST_F_TIMEOUT(park, full_ring_parks_timers_nothing_lost, 60)
{
	struct snap s1, s2;
	struct timerx_timer_info ti;
	__s64 t, start;
	__u64 want;
	int i;

	wait_parked(_metadata, &self->r);
	take(_metadata, self, &s1);
	tx_sleep_ms(WATCH_MS);
	take(_metadata, self, &s2);
	for (i = 0; i < NTIMERS; i++) {
		EXPECT_EQ(TX_ARMED, s2.state[i]) TH_LOG("a parked timer must read as ARMED");
		EXPECT_EQ(s1.exp[i], s2.exp[i]) {
			TH_LOG("timer %u: GET.expirations %llu -> %llu in %d ms, ring full:",
			       self->a[i].id, (unsigned long long)s1.exp[i],
			       (unsigned long long)s2.exp[i], WATCH_MS);
			TH_LOG("its hrtimer kept firing (not parked)");
		}
		EXPECT_EQ(s1.fires[i], s2.fires[i]) {
			TH_LOG("timer %u: netlink FIRES %llu -> %llu in %d ms with the ring full",
			       self->a[i].id, (unsigned long long)s1.fires[i],
			       (unsigned long long)s2.fires[i], WATCH_MS);
		}
	}
	EXPECT_EQ(s1.ring_full, s2.ring_full) {
		TH_LOG("ring_full %llu -> %llu while parked: callbacks still ran",
		       (unsigned long long)s1.ring_full, (unsigned long long)s2.ring_full);
	}
	if (!self->have_nl)
		TH_LOG("no netlink: FIRES not checked");

	/* A drain unparks them, and the parked periods are counted then. */
	eat(_metadata, self);
	t = tx_now(CLOCK_MONOTONIC);
	ASSERT_LE(0, tx_flush(self->r.fd));
	want = periods_until(self, t);
	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < NTIMERS; i++) {
		do {
			eat(_metadata, self);
			if (tx_ring_flags(&self->r) & TIMERX_RING_F_OVERFLOW)
				tx_flush(self->r.fd);
			ASSERT_EQ(0, tx_get(self->r.fd, self->a[i].id, &ti));
			if (ti.expirations + 2 >= want)
				break;
			tx_sleep_ms(2);
		} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
		EXPECT_LE(want, ti.expirations + 2) {
			TH_LOG("timer %u: %llu expirations after the drain, %llu periods elapsed:",
			       self->a[i].id, (unsigned long long)ti.expirations,
			       (unsigned long long)want);
			TH_LOG("the periods it was parked for were not counted");
		}
	}

	/* Park them again, then cancel: that counts the parked periods too. */
	wait_parked(_metadata, &self->r);
	t = tx_now(CLOCK_MONOTONIC);
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_cancel(self->r.fd, self->a[i].id));
	}
	want = periods_until(self, t);
	tx_drain_all(&self->r, self->a, NTIMERS);
	tx_check_acct(self->r.fd, self->a, NTIMERS);
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_get(self->r.fd, self->a[i].id, &ti));
		EXPECT_LE(want, ti.expirations + 2) {
			TH_LOG("timer %u: %llu expirations, %llu periods elapsed before CANCEL",
			       self->a[i].id, (unsigned long long)ti.expirations,
			       (unsigned long long)want);
		}
		TH_LOG("timer %u: %llu expirations in %llu events", self->a[i].id,
		       (unsigned long long)self->a[i].sum, (unsigned long long)self->a[i].events);
	}
}

/* "re-arming or cancelling a parked timer counts them the same way" */
TEST_F(park, rearm_parked_timer_counts_elapsed)
{
	struct timerx_timer_info ti;
	__s64 t;
	__u64 want;
	int i;

	wait_parked(_metadata, &self->r);
	tx_sleep_ms(50);
	t = tx_now(CLOCK_MONOTONIC);
	/* Its next expiry an hour away: what it had is all on the old grid. */
	ASSERT_EQ(0, tx_arm(self->r.fd, self->a[0].id, 0, 3600 * NSEC_PER_SEC, PERIOD));
	want = periods_until(self, t);
	ASSERT_EQ(0, tx_get(self->r.fd, self->a[0].id, &ti));
	EXPECT_LE(want, ti.expirations + 2) {
		TH_LOG("re-armed parked timer: %llu expirations, %llu periods had elapsed",
		       (unsigned long long)ti.expirations, (unsigned long long)want);
	}
	for (i = 0; i < NTIMERS; i++) {
		ASSERT_EQ(0, tx_cancel(self->r.fd, self->a[i].id));
	}
	tx_drain_all(&self->r, self->a, NTIMERS);
	tx_check_acct(self->r.fd, self->a, NTIMERS);
}

TEST_HARNESS_MAIN
