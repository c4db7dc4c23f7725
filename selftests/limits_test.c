// SPDX-License-Identifier: GPL-2.0
/*
 * timerx limits: max_timers_per_ctx (ENOSPC), max_ring_entries, and
 * min_period_ns for callers without CAP_SYS_NICE (EPERM), including a
 * real unprivileged user opening the device.
 *
 * Module parameters that are too large to exhaust quickly under TCG are
 * lowered temporarily (as root) and restored in the fixture teardown.
 */
#include "timerx_util.h"

#include <sys/stat.h>

/* ---------------------------------------------------------------- */

FIXTURE(max_timers)
{
	unsigned long long saved;
	unsigned long long limit;
	bool restore;
};

FIXTURE_SETUP(max_timers)
{
	int ret = tx_param_read("max_timers_per_ctx", &self->saved);

	self->restore = false;
	if (ret)
		SKIP(return, "cannot read max_timers_per_ctx: %s", strerror(-ret));
	self->limit = self->saved;
	if (self->saved > 256) {
		/* Exhausting thousands of timers under TCG+KASAN is slow. */
		if (!tx_param_write("max_timers_per_ctx", 64)) {
			self->restore = true;
			self->limit = 64;
		} else if (self->saved > 4096) {
			SKIP(return, "max_timers_per_ctx=%llu is read-only and too large",
			     self->saved);
		}
	}
}

FIXTURE_TEARDOWN(max_timers)
{
	if (self->restore)
		tx_param_write("max_timers_per_ctx", self->saved);
}

TEST_F_TIMEOUT(max_timers, enospc, 120)
{
	struct timerx_ctx_info ci;
	__u32 id, first = 0, last = 0;
	unsigned long long i;
	int a, b, ret;

	if (self->limit == 0)
		SKIP(return, "max_timers_per_ctx is 0");
	TH_LOG("max_timers_per_ctx %llu (was %llu)", self->limit, self->saved);
	/* Open after changing the parameter, whichever moment it is read at. */
	a = tx_open();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, tx_setup(a, 16, NULL));
	for (i = 0; i < self->limit; i++) {
		ret = tx_create(a, CLOCK_MONOTONIC, i & 1 ? TIMERX_CREATE_F_SOFT : 0,
				0, i, &id);
		ASSERT_EQ(0, ret) TH_LOG("timer %llu of %llu: %s", i + 1, self->limit,
					 strerror(-ret));
		if (!i)
			first = id;
		last = id;
	}
	EXPECT_EQ(-ENOSPC, tx_create(a, CLOCK_MONOTONIC, 0, 0, 0, NULL));
	EXPECT_EQ(-ENOSPC, tx_create(a, CLOCK_TAI, TIMERX_CREATE_F_SOFT, 0, 0, NULL));
	ASSERT_EQ(0, tx_ctx_info(a, &ci));
	EXPECT_EQ(self->limit, (unsigned long long)ci.timers);

	/* The limit is per context. */
	b = tx_open();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, tx_setup(b, 2, NULL));
	EXPECT_EQ(0, tx_create(b, CLOCK_MONOTONIC, 0, 0, 0, NULL))
		TH_LOG("a full context blocks timers in another context");
	close(b);

	/* Deleting frees a slot; the full context still works. */
	ASSERT_EQ(0, tx_delete(a, first));
	EXPECT_EQ(0, tx_create(a, CLOCK_MONOTONIC, 0, 0, 0, NULL));
	EXPECT_EQ(-ENOSPC, tx_create(a, CLOCK_MONOTONIC, 0, 0, 0, NULL));
	EXPECT_EQ(0, tx_arm(a, last, 0, 3600 * NSEC_PER_SEC, 0));
	close(a);
}

/* ---------------------------------------------------------------- */

FIXTURE(max_ring)
{
	unsigned long long saved;
	unsigned long long max;
	bool restore;
};

FIXTURE_SETUP(max_ring)
{
	int ret = tx_param_read("max_ring_entries", &self->saved);

	self->restore = false;
	if (ret)
		SKIP(return, "cannot read max_ring_entries: %s", strerror(-ret));
	self->max = self->saved;
	/* Keep the largest ring small enough to allocate in a small VM. */
	if (self->saved > 65536 && !tx_param_write("max_ring_entries", 4096)) {
		self->restore = true;
		self->max = 4096;
	}
}

FIXTURE_TEARDOWN(max_ring)
{
	if (self->restore)
		tx_param_write("max_ring_entries", self->saved);
}

TEST_F(max_ring, largest_and_above)
{
	unsigned long long p2 = 1, above;
	struct timerx_ring_params p;
	struct tx_ring r;
	int fd;

	while (p2 * 2 <= self->max)
		p2 *= 2;
	above = p2 * 2;
	TH_LOG("max_ring_entries %llu: largest ring %llu", self->max, p2);
	ASSERT_LE(2ULL, p2) TH_LOG("max_ring_entries below TIMERX_RING_MIN_ENTRIES");

	if (above <= 0xffffffffULL) {
		fd = tx_open();
		ASSERT_LE(0, fd);
		EXPECT_EQ(-EINVAL, tx_setup(fd, (__u32)above, NULL))
			TH_LOG("%llu entries accepted above max_ring_entries %llu",
			       above, self->max);
		close(fd);
	}
	if (p2 > (1ULL << 20))
		SKIP(return, "largest ring (%llu entries) too big to map here", p2);
	tx_ring_open(&r, (__u32)p2, true);
	p = r.p;
	EXPECT_EQ((__u32)p2, r.hdr->entries);
	EXPECT_EQ((__u32)p2 - 1, r.hdr->mask);
	EXPECT_LE((__u64)p.events_offset + p2 * p.event_size, p.mmap_len);
	/* Touch the last slot: the whole array is really there. */
	EXPECT_EQ(0U, r.ev[p2 - 1].overrun);
	tx_ring_close(&r);
}

/* ---------------------------------------------------------------- */

/*
 * Unprivileged callers. The device is made world-accessible for the test
 * and its mode restored by the parent (the test process itself has
 * become nobody by then and could not).
 */
FIXTURE(unpriv)
{
	mode_t mode;
	bool chmodded;
	bool have_min;
	unsigned long long min_period;
};

FIXTURE_SETUP(unpriv)
{
	struct stat st;

	self->chmodded = false;
	if (geteuid() != 0)
		SKIP(return, "needs root to chmod the device and switch users");
	ASSERT_EQ(0, stat(TIMERX_DEVICE_PATH, &st));
	self->mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod(TIMERX_DEVICE_PATH, 0666));
	self->chmodded = true;
	self->have_min = !tx_param_read("min_period_ns", &self->min_period);
}

FIXTURE_TEARDOWN_PARENT(unpriv)
{
	if (self->chmodded)
		chmod(TIMERX_DEVICE_PATH, self->mode);
}

static void become_nobody(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, tx_drop_to_nobody());
	ASSERT_EQ((uid_t)TX_NOBODY, geteuid());
	ASSERT_FALSE(tx_has_cap(CAP_SYS_NICE)) TH_LOG("nobody still has CAP_SYS_NICE");
}

TEST_F(unpriv, min_period_eperm)
{
	struct timerx_timer_info ti;
	struct timerx_event e;
	__u64 min, ok;
	__u32 id;
	int fd;

	if (!self->have_min)
		SKIP(return, "cannot read min_period_ns");
	min = self->min_period;
	TH_LOG("min_period_ns %llu", (unsigned long long)min);
	become_nobody(_metadata);

	fd = tx_open();
	ASSERT_LE(0, fd) TH_LOG("nobody cannot open a 0666 %s: %s", TIMERX_DEVICE_PATH,
				strerror(-fd));
	ASSERT_EQ(0, tx_setup(fd, 16, NULL));
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 1, &id));

	if (min > 1) {
		EXPECT_EQ(-EPERM, tx_arm(fd, id, 0, NSEC_PER_MSEC, min - 1))
			TH_LOG("period %llu below min_period_ns without CAP_SYS_NICE",
			       (unsigned long long)(min - 1));
		EXPECT_EQ(-EPERM, tx_arm(fd, id, 0, NSEC_PER_MSEC, 1));
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("refused ARM armed the timer");
	}

	/* At and above the minimum: fine. Start late and cancel at once. */
	ok = min ? min : NSEC_PER_MSEC;
	EXPECT_EQ(0, tx_arm(fd, id, 0, 10 * NSEC_PER_MSEC, ok))
		TH_LOG("period == min_period_ns refused");
	EXPECT_EQ(0, tx_cancel(fd, id));
	EXPECT_EQ(0, tx_arm(fd, id, 0, 10 * NSEC_PER_MSEC, 2 * ok));
	EXPECT_EQ(0, tx_cancel(fd, id));
	if (min > 1) {
		/* Re-arming an armed timer is subject to the same check. */
		ASSERT_EQ(0, tx_arm(fd, id, 0, 3600 * NSEC_PER_SEC, ok));
		EXPECT_EQ(-EPERM, tx_arm(fd, id, 0, NSEC_PER_MSEC, min / 2));
		EXPECT_EQ(0, tx_cancel(fd, id));
	}
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	while (tx_read_events(fd, &e, 1) > 0)
		;	/* drop whatever the short-lived periods produced */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, 0));

	/* One-shots have no period: any expiry is fine. */
	EXPECT_EQ(0, tx_arm(fd, id, 0, 1, 0));
	ASSERT_EQ(1, tx_read_events(fd, &e, 1));
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(0U, e.overrun);
	close(fd);
}

TEST_F(unpriv, nobody_uses_device)
{
	struct timerx_ctx_info ci;
	struct timerx_event e;
	struct tx_ring r;
	__u32 id;

	become_nobody(_metadata);
	tx_ring_open(&r, 8, true);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ((__u32)TIMERX_API_VERSION, ci.api_version);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_BOOTTIME, TIMERX_CREATE_F_SOFT, 0, 11, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, TIMERX_ARM_F_ABS,
			    tx_now(CLOCK_BOOTTIME) + 2 * NSEC_PER_MSEC, 0));
	ASSERT_EQ(1U, tx_collect(&r, &e, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(11ULL, e.user_data);
	ASSERT_EQ(0, tx_delete(r.fd, id));
	tx_ring_close(&r);
}

/*
 * "Callers without CAP_SYS_NICE cannot use a period below min_period_ns"
 * - and callers with it can, down to 1 us. Kept very short: a 1 us
 * period under TCG is an interrupt storm.
 */
TEST(root_may_use_1us)
{
	struct tx_acct a = { .user_data = 12, .period = 1000 };
	struct timerx_timer_info ti;
	struct tx_ring r;
	__s64 start;

	if (!tx_has_cap(CAP_SYS_NICE))
		SKIP(return, "needs CAP_SYS_NICE");
	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, 1000, a.period))
		TH_LOG("1 us period refused to a CAP_SYS_NICE caller");
	/* Cancel as soon as it has fired at all (TCG may delay the first). */
	start = tx_now(CLOCK_MONOTONIC);
	do {
		tx_sleep_ms(1);
		ASSERT_EQ(0, tx_get(r.fd, a.id, &ti));
	} while (!ti.expirations && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	EXPECT_LT(0ULL, ti.expirations);
	tx_drain_all(&r, &a, 1);
	tx_check_acct(r.fd, &a, 1);
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
