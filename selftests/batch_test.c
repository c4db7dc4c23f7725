// SPDX-License-Identifier: GPL-2.0
/*
 * TIMERX_IOC_BATCH: arrays of ARM, CANCEL and POSTPONE entries, each with
 * its own result, over ioctl and over a plain 64-byte io_uring SQE; and
 * arrays that are empty, too long, half invalid, unreadable or read-only.
 */
#include "timerx_util.h"
#include "uring_util.h"

#define MS	NSEC_PER_MSEC
#define NT	64

FIXTURE(batch)
{
	struct tx_ring r;
	__u32 id[NT];
};

FIXTURE_SETUP(batch)
{
	unsigned int i;

	tx_ring_open(&self->r, 1024, true);
	for (i = 0; i < NT; i++)
		ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, i, &self->id[i]));
}

FIXTURE_TEARDOWN(batch)
{
	tx_ring_close(&self->r);
}

static struct timerx_batch_entry arm_entry(__u32 id, __s64 expires, __u64 period, __u32 seq)
{
	return (struct timerx_batch_entry){
		.op = TIMERX_BATCH_ARM,
		.timer_id = id,
		.expires_ns = expires,
		.period_ns = period,
		.seq = seq,
	};
}

static __u32 state_of(int fd, __u32 id)
{
	struct timerx_timer_info ti;

	return tx_get(fd, id, &ti) ? 0xffffffffU : ti.state;
}

TEST_F(batch, arm_cancel_postpone)
{
	struct timerx_batch_entry e[NT + 2];
	struct timerx_timer_info ti;
	int fd = self->r.fd;
	unsigned int i;

	for (i = 0; i < NT; i++)
		e[i] = arm_entry(self->id[i], 10 * NSEC_PER_SEC, 0, 100 + i);
	ASSERT_EQ(NT, tx_batch(fd, e, NT));
	for (i = 0; i < NT; i++) {
		EXPECT_EQ(0, e[i].result);
		EXPECT_EQ(TX_ARMED, state_of(fd, self->id[i]));
	}

	/* Cancel the even ones, postpone timer 1 to 2 ms, in one batch. */
	for (i = 0; i < NT / 2; i++)
		e[i] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_CANCEL,
						    .timer_id = self->id[2 * i] };
	e[NT / 2] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_POSTPONE,
						 .timer_id = self->id[1],
						 .expires_ns = 300 * MS };
	ASSERT_EQ(NT / 2 + 1, tx_batch(fd, e, NT / 2 + 1));
	for (i = 0; i <= NT / 2; i++)
		EXPECT_EQ(0, e[i].result);
	for (i = 0; i < NT; i++)
		EXPECT_EQ(i % 2 ? TX_ARMED : TX_IDLE, state_of(fd, self->id[i]));

	{
		struct timerx_event ev;

		ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
		EXPECT_EQ(self->id[1], ev.timer_id);
		EXPECT_EQ(101U, ev.seq);
	}
	ASSERT_EQ(0, tx_get(fd, self->id[1], &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
}

/* Each entry has its own result; the valid ones take effect. */
TEST_F(batch, half_invalid)
{
	struct timerx_batch_entry e[9];
	int fd = self->r.fd;

	e[0] = arm_entry(self->id[0], NSEC_PER_SEC, 0, 1);
	e[1] = arm_entry(999, NSEC_PER_SEC, 0, 1);			/* ENOENT */
	e[2] = arm_entry(self->id[2], -5, 0, 1);			/* EINVAL */
	e[3] = arm_entry(self->id[3], NSEC_PER_SEC, 0, 1);
	e[3].slack_ns = TIMERX_SLACK_MAX_NS + 1;			/* EINVAL */
	e[4] = (struct timerx_batch_entry){ .op = 0, .timer_id = self->id[4] };
	e[5] = (struct timerx_batch_entry){ .op = 77, .timer_id = self->id[4] };
	e[6] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_CANCEL,
					    .timer_id = self->id[0], .seq = 1 };
	e[7] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_POSTPONE,
					    .timer_id = self->id[5], .expires_ns = 1 };
	e[8] = arm_entry(self->id[6], NSEC_PER_SEC, 0, 1);
	e[8].flags = 0x40;
	ASSERT_EQ(9, tx_batch(fd, e, 9));
	EXPECT_EQ(0, e[0].result);
	EXPECT_EQ(-ENOENT, e[1].result);
	EXPECT_EQ(-EINVAL, e[2].result);
	EXPECT_EQ(-EINVAL, e[3].result);
	EXPECT_EQ(-EOPNOTSUPP, e[4].result);
	EXPECT_EQ(-EOPNOTSUPP, e[5].result);
	EXPECT_EQ(-EINVAL, e[6].result);
	EXPECT_EQ(-ETIME, e[7].result);
	EXPECT_EQ(-EOPNOTSUPP, e[8].result);
	EXPECT_EQ(TX_ARMED, state_of(fd, self->id[0]));
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[2]));
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[3]));
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[6]));
}

TEST_F(batch, sizes_and_flags)
{
	struct timerx_batch b = { .nr = 0 };
	struct timerx_batch_entry e = arm_entry(self->id[0], NSEC_PER_SEC, 0, 0);
	int fd = self->r.fd;

	EXPECT_EQ(0, tx_batch(fd, NULL, 0));
	EXPECT_EQ(0, tx_batch(fd, &e, 0));
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[0]));
	EXPECT_EQ(-E2BIG, tx_batch(fd, &e, TIMERX_BATCH_MAX + 1));
	EXPECT_EQ(-E2BIG, tx_batch(fd, &e, 0xffffffffU));
	b.entries = (__u64)(uintptr_t)&e;
	b.nr = 1;
	b.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP, tx_ioctl(fd, TIMERX_IOC_BATCH, &b));
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[0]));
	EXPECT_EQ(-EFAULT, tx_batch(fd, NULL, 1));
	EXPECT_EQ(-EFAULT, tx_batch(fd, (void *)(uintptr_t)0xffffffffffff0000ULL, 4));
	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_BATCH, NULL));
}

/* The largest batch: TIMERX_BATCH_MAX entries, all executed. */
TEST_F(batch, largest)
{
	struct timerx_batch_entry *e = calloc(TIMERX_BATCH_MAX, sizeof(*e));
	int fd = self->r.fd;
	unsigned int i;

	ASSERT_NE(NULL, e);
	for (i = 0; i < TIMERX_BATCH_MAX; i++)
		e[i] = i % 2 ? (struct timerx_batch_entry){ .op = TIMERX_BATCH_CANCEL,
							    .timer_id = self->id[i % NT] } :
			       arm_entry(self->id[i % NT], NSEC_PER_SEC, 0, i);
	ASSERT_EQ(TIMERX_BATCH_MAX, tx_batch(fd, e, TIMERX_BATCH_MAX));
	for (i = 0; i < TIMERX_BATCH_MAX; i++)
		ASSERT_EQ(0, e[i].result) TH_LOG("entry %u", i);
	free(e);
}

/*
 * Entry k unreadable (the page after the array's first page unmapped):
 * the batch runs the k before it and returns k. A read-only array runs
 * nothing: its results could not be written.
 */
TEST_F(batch, fault_midway_and_read_only)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int per_page = page / sizeof(struct timerx_batch_entry), k, i;
	struct timerx_batch_entry *e;
	int fd = self->r.fd;
	char *m;

	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	/* The array ends 3 entries into the second page, which goes away. */
	k = per_page > NT - 3 ? NT - 3 : per_page;
	e = (struct timerx_batch_entry *)(m + page) - k;
	for (i = 0; i < k + 3; i++)
		if ((char *)&e[i + 1] <= m + page)
			e[i] = arm_entry(self->id[i], NSEC_PER_SEC, 0, 0);
	ASSERT_EQ(0, munmap(m + page, page));
	EXPECT_EQ((int)k, tx_batch(fd, e, k + 3));
	for (i = 0; i < k; i++) {
		EXPECT_EQ(0, e[i].result);
		EXPECT_EQ(TX_ARMED, state_of(fd, self->id[i]));
	}
	EXPECT_EQ(TX_IDLE, state_of(fd, self->id[k]));

	/* Read-only: nothing runs, EFAULT. */
	e = (struct timerx_batch_entry *)m;
	e[0] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_CANCEL, .timer_id = self->id[0] };
	ASSERT_EQ(0, mprotect(m, page, PROT_READ));
	EXPECT_EQ(-EFAULT, tx_batch(fd, e, 1));
	EXPECT_EQ(TX_ARMED, state_of(fd, self->id[0]));
	munmap(m, page);
}

/* BATCH, ARM_AT and ARM_IN fit a plain SQE: no SQE128 needed. */
TEST_F(batch, uring_plain_sqe)
{
	struct timerx_batch_entry e[3];
	struct timerx_batch b = { .entries = (__u64)(uintptr_t)e, .nr = 3 };
	struct timerx_arm_oneshot at = { .timer_id = self->id[3], .seq = 7 };
	struct timerx_event ev;
	struct tx_uring u;
	int fd = self->r.fd;

	ASSERT_EQ(0, tx_uring_init(&u, 8, 0));
	ASSERT_EQ(16U, tx_uring_cmd_room(&u));
	e[0] = arm_entry(self->id[0], NSEC_PER_SEC, 0, 0);
	e[1] = arm_entry(self->id[1], NSEC_PER_SEC, 0, 0);
	e[2] = (struct timerx_batch_entry){ .op = TIMERX_BATCH_CANCEL, .timer_id = 4242 };
	EXPECT_EQ(3, tx_uring_sync(&u, fd, TIMERX_IOC_BATCH, &b, sizeof(b)));
	EXPECT_EQ(0, e[0].result);
	EXPECT_EQ(0, e[1].result);
	EXPECT_EQ(-ENOENT, e[2].result);
	EXPECT_EQ(TX_ARMED, state_of(fd, self->id[1]));

	at.expires_ns = tx_now(CLOCK_MONOTONIC) + MS;
	EXPECT_EQ(0, tx_uring_sync(&u, fd, TIMERX_IOC_ARM_AT, &at, sizeof(at)));
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(self->id[3], ev.timer_id);
	EXPECT_EQ(7U, ev.seq);
	EXPECT_EQ(at.expires_ns, ev.expected_ns);

	at.expires_ns = MS;
	at.seq = 8;
	EXPECT_EQ(0, tx_uring_sync(&u, fd, TIMERX_IOC_ARM_IN, &at, sizeof(at)));
	ASSERT_EQ(1U, tx_collect(&self->r, &ev, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(8U, ev.seq);

	/* BATCH over io_uring: the same checks as ioctl's. */
	b.flags = 2;
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&u, fd, TIMERX_IOC_BATCH, &b, sizeof(b)));
	b.flags = 0;
	b.nr = TIMERX_BATCH_MAX + 1;
	EXPECT_EQ(-E2BIG, tx_uring_sync(&u, fd, TIMERX_IOC_BATCH, &b, sizeof(b)));
	b.nr = 1;
	b.entries = 0;
	EXPECT_EQ(-EFAULT, tx_uring_sync(&u, fd, TIMERX_IOC_BATCH, &b, sizeof(b)));
	tx_uring_exit(&u);
}

TEST(batch_before_ring)
{
	int fd = tx_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, tx_batch(fd, NULL, 0));
	close(fd);
}

TEST_HARNESS_MAIN
