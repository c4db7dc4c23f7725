// SPDX-License-Identifier: GPL-2.0
/*
 * timerx ioctl contract: every command rejects what the header says it
 * rejects, with exactly the errno it promises, and a rejected command has
 * no side effect that the header would let userspace observe.
 */
#include "timerx_util.h"

#include <sys/syscall.h>

/* Every known command, as (direction, number, size). */
struct tx_cmd {
	const char *name;
	unsigned int dir;
	unsigned int nr;
	unsigned int size;
	unsigned long cmd;	/* the header's macro, for a sanity check */
};

#define RW	(_IOC_READ | _IOC_WRITE)
static const struct tx_cmd tx_cmds[] = {
	{ "SETUP_RING", RW, TIMERX_CMD_SETUP_RING,
	  sizeof(struct timerx_ring_params), TIMERX_IOC_SETUP_RING },
	{ "CREATE", RW, TIMERX_CMD_CREATE,
	  sizeof(struct timerx_create), TIMERX_IOC_CREATE },
	{ "ARM", _IOC_WRITE, TIMERX_CMD_ARM,
	  sizeof(struct timerx_arm), TIMERX_IOC_ARM },
	{ "CANCEL", _IOC_WRITE, TIMERX_CMD_CANCEL,
	  sizeof(struct timerx_timer_ref), TIMERX_IOC_CANCEL },
	{ "DELETE", _IOC_WRITE, TIMERX_CMD_DELETE,
	  sizeof(struct timerx_timer_ref), TIMERX_IOC_DELETE },
	{ "GET", RW, TIMERX_CMD_GET,
	  sizeof(struct timerx_timer_info), TIMERX_IOC_GET },
	{ "FLUSH", _IOC_NONE, TIMERX_CMD_FLUSH, 0, TIMERX_IOC_FLUSH },
	{ "CTX_INFO", _IOC_READ, TIMERX_CMD_CTX_INFO,
	  sizeof(struct timerx_ctx_info), TIMERX_IOC_CTX_INFO },
	{ "ARM_AT", _IOC_WRITE, TIMERX_CMD_ARM_AT,
	  sizeof(struct timerx_arm_oneshot), TIMERX_IOC_ARM_AT },
	{ "ARM_IN", _IOC_WRITE, TIMERX_CMD_ARM_IN,
	  sizeof(struct timerx_arm_oneshot), TIMERX_IOC_ARM_IN },
	{ "POSTPONE", _IOC_WRITE, TIMERX_CMD_POSTPONE,
	  sizeof(struct timerx_postpone), TIMERX_IOC_POSTPONE },
	{ "BATCH", _IOC_WRITE, TIMERX_CMD_BATCH,
	  sizeof(struct timerx_batch), TIMERX_IOC_BATCH },
};

/* A zeroed buffer larger than any struct, so only the number can be wrong. */
static union {
	char bytes[4096];
	__u64 align;
} tx_buf;

static unsigned long tx_mkcmd(unsigned int dir, unsigned int magic,
			      unsigned int nr, unsigned int size)
{
	return _IOC(dir, magic, nr, size);
}

static void open_ctx(struct __test_metadata *_metadata, int *fd, bool setup)
{
	*fd = tx_open();
	ASSERT_LE(0, *fd) TH_LOG("open: %s", strerror(-*fd));
	if (setup) {
		ASSERT_EQ(0, tx_setup(*fd, 16, NULL));
	}
}

static __u32 ring_entries_of(struct __test_metadata *_metadata, int fd)
{
	struct timerx_ctx_info ci;

	EXPECT_EQ(0, tx_ctx_info(fd, &ci));
	return ci.ring_entries;
}

static __u32 timers_of(struct __test_metadata *_metadata, int fd)
{
	struct timerx_ctx_info ci;

	EXPECT_EQ(0, tx_ctx_info(fd, &ci));
	return ci.timers;
}

static __u32 first_online_cpu(void)
{
	int cpus[TX_MAX_CPUS];

	return tx_online_cpus(cpus, TX_MAX_CPUS) > 0 ? (__u32)cpus[0] : 0;
}

TEST(header_numbers_match_table)
{
	unsigned int i;

	/* If this fails the table below is wrong, not the module. */
	for (i = 0; i < ARRAY_SIZE(tx_cmds); i++) {
		EXPECT_EQ(tx_cmds[i].cmd,
			  tx_mkcmd(tx_cmds[i].dir, TIMERX_IOC_MAGIC,
				   tx_cmds[i].nr, tx_cmds[i].size))
			TH_LOG("%s", tx_cmds[i].name);
	}
	EXPECT_EQ(TIMERX_CMD_BATCH, TIMERX_CMD_MAX);
}

/* Known numbers with a wrong size encoded: ENOTTY, fresh or set up. */
TEST(wrong_size_enotty)
{
	static const int deltas[] = { -8, -4, -1, 1, 4, 8, 64 };
	unsigned int i, j, pass;
	int fd;

	for (pass = 0; pass < 2; pass++) {
		open_ctx(_metadata, &fd, pass == 1);
		for (i = 0; i < ARRAY_SIZE(tx_cmds); i++) {
			const struct tx_cmd *c = &tx_cmds[i];

			for (j = 0; j < ARRAY_SIZE(deltas); j++) {
				int size = (int)c->size + deltas[j];

				if (size < 0 || size >= (1 << _IOC_SIZEBITS))
					continue;
				EXPECT_EQ(-ENOTTY,
					  tx_ioctl(fd, tx_mkcmd(c->dir, TIMERX_IOC_MAGIC,
								c->nr, size), &tx_buf)) {
					TH_LOG("%s with size %d instead of %u (%s ctx)",
					       c->name, size, c->size,
					       pass ? "set-up" : "fresh");
				}
			}
			/* Size 0 with the real direction, for the sized ones. */
			if (c->size) {
				EXPECT_EQ(-ENOTTY,
					  tx_ioctl(fd, tx_mkcmd(c->dir, TIMERX_IOC_MAGIC,
								c->nr, 0), &tx_buf))
					TH_LOG("%s with size 0", c->name);
			}
		}
		/* A rejected SETUP_RING must not have set up the ring. */
		if (pass == 0) {
			EXPECT_EQ(0U, ring_entries_of(_metadata, fd))
				TH_LOG("wrong-size SETUP_RING set up a ring");
		}
		close(fd);
	}
}

/* Known numbers and sizes with the wrong direction bits: ENOTTY. */
TEST(wrong_direction_enotty)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	unsigned int i, j;
	int fd;

	open_ctx(_metadata, &fd, true);
	for (i = 0; i < ARRAY_SIZE(tx_cmds); i++) {
		for (j = 0; j < ARRAY_SIZE(dirs); j++) {
			if (dirs[j] == tx_cmds[i].dir)
				continue;
			EXPECT_EQ(-ENOTTY,
				  tx_ioctl(fd, tx_mkcmd(dirs[j], TIMERX_IOC_MAGIC,
							tx_cmds[i].nr, tx_cmds[i].size),
					   &tx_buf))
				TH_LOG("%s with direction %u instead of %u",
				       tx_cmds[i].name, dirs[j], tx_cmds[i].dir);
		}
	}
	close(fd);
}

/*
 * Command numbers beyond the table: ENOTTY. The kernel indexes a table
 * by the number, so sweep all of them with every struct size we know,
 * which also catches a missing bounds check (KASAN would report it).
 */
TEST(unknown_cmd_enotty)
{
	static const unsigned int sizes[] = { 0, 8, 16, 32, 40, 80, 96, 128 };
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	unsigned int nr, i, j, bad = 0;
	int fd, ret;

	open_ctx(_metadata, &fd, true);
	EXPECT_EQ(-ENOTTY, tx_ioctl(fd, TIMERX_URING_CMD_WAIT, NULL))
		TH_LOG("TIMERX_URING_CMD_WAIT is io_uring only: as an ioctl it is unknown");
	EXPECT_EQ(-ENOTTY, tx_ioctl(fd, _IO(TIMERX_IOC_MAGIC, __TIMERX_CMD_LAST), NULL));
	EXPECT_EQ(-ENOTTY, tx_ioctl(fd, _IOWR(TIMERX_IOC_MAGIC, __TIMERX_CMD_LAST,
					      struct timerx_timer_info), &tx_buf));
	for (nr = __TIMERX_CMD_LAST; nr < (1U << _IOC_NRBITS); nr++) {
		for (i = 0; i < ARRAY_SIZE(dirs); i++) {
			for (j = 0; j < ARRAY_SIZE(sizes); j++) {
				ret = tx_ioctl(fd, tx_mkcmd(dirs[i], TIMERX_IOC_MAGIC,
							    nr, sizes[j]), &tx_buf);
				if (ret == -ENOTTY)
					continue;
				if (bad++ < 10)
					TH_LOG("nr %u dir %u size %u: got %d, want -ENOTTY",
					       nr, dirs[i], sizes[j], ret);
			}
		}
	}
	EXPECT_EQ(0U, bad);
	close(fd);
}

/* The right number, size and direction under another magic: ENOTTY. */
TEST(wrong_magic_enotty)
{
	/* Not 0x00, 'T', 'f', 'X', 0x94: the VFS handles some of those. */
	static const unsigned int magics[] = { 0xE6, 0xE8, 0x7E, 0xFF };
	unsigned int i, j;
	int fd;

	open_ctx(_metadata, &fd, true);
	for (i = 0; i < ARRAY_SIZE(tx_cmds); i++) {
		for (j = 0; j < ARRAY_SIZE(magics); j++) {
			EXPECT_EQ(-ENOTTY,
				  tx_ioctl(fd, tx_mkcmd(tx_cmds[i].dir, magics[j],
							tx_cmds[i].nr, tx_cmds[i].size),
					   &tx_buf))
				TH_LOG("%s with magic 0x%x", tx_cmds[i].name, magics[j]);
		}
	}
	close(fd);
}

/*
 * Every flags word rejects unknown bits with EOPNOTSUPP, including the
 * ones whose comment says "must be 0" (ring_params.flags, timer_ref.flags,
 * timer_info.flags): the Versioning section is explicit that flag words
 * answer EOPNOTSUPP and only reserved fields answer EINVAL.
 */
TEST(unknown_flags_eopnotsupp)
{
	static const __u32 bad_ring[] = { 1U << 0, 1U << 1, 1U << 31 };
	static const __u32 bad_create[] = {
		1U << 3, 1U << 31, TIMERX_CREATE_F_ALL | (1U << 3),
	};
	static const __u32 bad_arm[] = { 1U << 1, 1U << 31, TIMERX_ARM_F_ALL | (1U << 5) };
	static const __u32 bad_ref[] = { 1U << 0, 1U << 31 };
	struct timerx_timer_info ti;
	unsigned int i;
	__u32 id;
	int fd;

	open_ctx(_metadata, &fd, false);
	for (i = 0; i < ARRAY_SIZE(bad_ring); i++) {
		struct timerx_ring_params p = { .entries = 16, .flags = bad_ring[i] };

		EXPECT_EQ(-EOPNOTSUPP, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, &p))
			TH_LOG("ring_params.flags 0x%x", bad_ring[i]);
	}
	EXPECT_EQ(0U, ring_entries_of(_metadata, fd))
		TH_LOG("a rejected SETUP_RING set up the ring");
	ASSERT_EQ(0, tx_setup(fd, 16, NULL))
		TH_LOG("a rejected SETUP_RING consumed the one allowed setup");

	for (i = 0; i < ARRAY_SIZE(bad_create); i++) {
		__u32 cpu = (bad_create[i] & TIMERX_CREATE_F_PINNED) ? first_online_cpu() : 0;

		EXPECT_EQ(-EOPNOTSUPP, tx_create(fd, CLOCK_MONOTONIC, bad_create[i],
						 cpu, 0, NULL))
			TH_LOG("create.flags 0x%x", bad_create[i]);
	}
	EXPECT_EQ(0U, timers_of(_metadata, fd)) TH_LOG("rejected CREATE made a timer");

	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	for (i = 0; i < ARRAY_SIZE(bad_arm); i++) {
		EXPECT_EQ(-EOPNOTSUPP, tx_arm(fd, id, bad_arm[i], NSEC_PER_SEC, 0))
			TH_LOG("arm.flags 0x%x", bad_arm[i]);
	}
	ASSERT_EQ(0, tx_get(fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("rejected ARM armed the timer");

	/* Arm it so that a CANCEL that wrongly succeeds is visible. */
	ASSERT_EQ(0, tx_arm(fd, id, 0, 60 * NSEC_PER_SEC, 0));
	for (i = 0; i < ARRAY_SIZE(bad_ref); i++) {
		struct timerx_timer_ref r = { .timer_id = id, .flags = bad_ref[i] };
		struct timerx_timer_info gi = { .timer_id = id, .flags = bad_ref[i] };

		EXPECT_EQ(-EOPNOTSUPP, tx_ioctl(fd, TIMERX_IOC_CANCEL, &r))
			TH_LOG("cancel.flags 0x%x", bad_ref[i]);
		EXPECT_EQ(-EOPNOTSUPP, tx_ioctl(fd, TIMERX_IOC_DELETE, &r))
			TH_LOG("delete.flags 0x%x", bad_ref[i]);
		EXPECT_EQ(-EOPNOTSUPP, tx_ioctl(fd, TIMERX_IOC_GET, &gi))
			TH_LOG("timer_info.flags 0x%x", bad_ref[i]);
	}
	ASSERT_EQ(0, tx_get(fd, id, &ti))
		TH_LOG("a DELETE with unknown flags deleted the timer");
	EXPECT_EQ(TX_ARMED, ti.state)
		TH_LOG("a CANCEL with unknown flags cancelled the timer");
	close(fd);
}

/* Non-zero reserved input fields: EINVAL, and nothing happens. */
TEST(reserved_nonzero_einval)
{
	struct timerx_create c = { .clockid = CLOCK_MONOTONIC };
	struct timerx_arm a = { .expires_ns = NSEC_PER_MSEC, .resv = 1 };
	struct timerx_timer_ref ref = { .resv = 1 };
	struct timerx_timer_info ti;
	__u32 id;
	int fd, i;

	open_ctx(_metadata, &fd, false);
	for (i = 0; i < 2; i++) {
		struct timerx_ring_params p = { .entries = 16 };

		p.resv[i] = i ? (1ULL << 63) : 1;
		EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, &p)) {
			TH_LOG("ring_params.resv[%d] != 0", i);
		}
	}
	EXPECT_EQ(0U, ring_entries_of(_metadata, fd));
	ASSERT_EQ(0, tx_setup(fd, 16, NULL)) {
		TH_LOG("a rejected SETUP_RING consumed the one allowed setup");
	}

	c.resv = 1;
	EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_CREATE, &c));
	c.resv = 1ULL << 63;
	EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_CREATE, &c));
	EXPECT_EQ(0U, timers_of(_metadata, fd)) TH_LOG("rejected CREATE made a timer");

	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	a.timer_id = id;
	EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_ARM, &a));
	ASSERT_EQ(0, tx_get(fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state) TH_LOG("rejected ARM armed the timer");

	ASSERT_EQ(0, tx_arm(fd, id, 0, 60 * NSEC_PER_SEC, 0));
	ref.timer_id = id;
	EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_CANCEL, &ref));
	EXPECT_EQ(-EINVAL, tx_ioctl(fd, TIMERX_IOC_DELETE, &ref));
	ASSERT_EQ(0, tx_get(fd, id, &ti)) TH_LOG("rejected DELETE deleted the timer");
	EXPECT_EQ(TX_ARMED, ti.state) TH_LOG("rejected CANCEL cancelled the timer");
	close(fd);
}

/*
 * create.cpu is documented "with TIMERX_CREATE_F_PINNED, else 0": a
 * non-zero cpu without PINNED is treated like a non-zero reserved field.
 */
TEST(create_cpu_without_pinned_einval)
{
	int fd;

	open_ctx(_metadata, &fd, true);
	EXPECT_EQ(-EINVAL, tx_create(fd, CLOCK_MONOTONIC, 0, 1, 0, NULL))
		TH_LOG("create.cpu=1 without PINNED accepted (header: \"else 0\")");
	EXPECT_EQ(-EINVAL, tx_create(fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_SOFT,
				     0x80000000U, 0, NULL));
	EXPECT_EQ(0U, timers_of(_metadata, fd));
	close(fd);
}

/*
 * Fields documented as "out" carry no input: garbage in them is ignored,
 * and reserved output fields come back zero.
 */
TEST(out_fields_ignored_and_zeroed)
{
	struct timerx_ring_params p;
	struct timerx_create c;
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	int fd, i, ret;

	open_ctx(_metadata, &fd, false);
	memset(&p, 0, sizeof(p));
	p.entries = 8;
	p.event_size = 0xdeadbeef;
	p.events_offset = 0xdeadbeef;
	p.mmap_len = ~0ULL;
	ASSERT_EQ(0, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, &p))
		TH_LOG("SETUP_RING rejected garbage in its out fields");
	EXPECT_EQ(sizeof(struct timerx_event), p.event_size);
	EXPECT_NE(0xdeadbeefU, p.events_offset);
	EXPECT_NE(~0ULL, p.mmap_len);

	memset(&c, 0, sizeof(c));
	c.clockid = CLOCK_MONOTONIC;
	c.user_data = 0x1234;
	c.timer_id = 0xdeadbeef;
	ret = tx_ioctl(fd, TIMERX_IOC_CREATE, &c);
	ASSERT_LE(0, ret) TH_LOG("CREATE rejected garbage in timer_id (an out field)");
	EXPECT_EQ((__u32)ret, c.timer_id);

	memset(&ti, 0xff, sizeof(ti));
	ti.timer_id = c.timer_id;
	ti.flags = 0;
	ASSERT_EQ(0, tx_ioctl(fd, TIMERX_IOC_GET, &ti))
		TH_LOG("GET rejected garbage in its out fields");
	EXPECT_EQ(c.timer_id, ti.timer_id);
	EXPECT_EQ(0x1234ULL, ti.user_data);
	EXPECT_EQ(0U, ti.resv0) TH_LOG("timer_info.resv0 is documented out: 0");
	EXPECT_EQ(0ULL, ti.resv) TH_LOG("timer_info.resv is documented out: 0");
	EXPECT_EQ(0U, ti.seq) TH_LOG("never armed: seq 0");
	EXPECT_EQ(0U, ti.slack_ns) TH_LOG("never armed: slack 0");

	memset(&ci, 0xff, sizeof(ci));
	ASSERT_EQ(0, tx_ioctl(fd, TIMERX_IOC_CTX_INFO, &ci));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0ULL, ci.resv[i]) TH_LOG("ctx_info.resv[%d]", i);
	}
	close(fd);
}

/* Bad user pointers: EFAULT for every command that takes one. */
TEST(efault_bad_pointers)
{
	char *two;
	void *kernel = (void *)0xffff888000000000ULL;
	void *bad[4];
	unsigned int i, j;
	__u32 id;
	int fd;

	/* Two pages, the second removed: structs straddling into the hole. */
	two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(two + 4096, 4096));
	memset(two, 0, 4096);

	bad[0] = NULL;
	bad[1] = (void *)1;
	bad[2] = two + 4096;	/* unmapped */
	bad[3] = kernel;

	/* SETUP_RING on a fresh context; a failure must not consume it. */
	open_ctx(_metadata, &fd, false);
	for (j = 0; j < ARRAY_SIZE(bad); j++) {
		EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, bad[j]))
			TH_LOG("SETUP_RING arg %p", bad[j]);
	}
	{
		struct timerx_ring_params *p = (void *)(two + 4096 - sizeof(*p) + 4);

		p->entries = 16;
		EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, p))
			TH_LOG("SETUP_RING arg straddling an unmapped page");
	}
	EXPECT_EQ(0U, ring_entries_of(_metadata, fd));
	ASSERT_EQ(0, tx_setup(fd, 16, NULL))
		TH_LOG("a faulting SETUP_RING consumed the one allowed setup");
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));

	for (i = 0; i < ARRAY_SIZE(tx_cmds); i++) {
		const struct tx_cmd *c = &tx_cmds[i];
		char *straddle = two + 4096 - c->size + 4;

		if (!c->size || c->nr == TIMERX_CMD_SETUP_RING)
			continue;
		for (j = 0; j < ARRAY_SIZE(bad); j++) {
			EXPECT_EQ(-EFAULT, tx_ioctl(fd, c->cmd, bad[j]))
				TH_LOG("%s arg %p", c->name, bad[j]);
		}
		/* A valid first part (timer_id) so only the fault can fail it. */
		memset(straddle, 0, c->size - 4);
		if (c->nr != TIMERX_CMD_CTX_INFO && c->nr != TIMERX_CMD_CREATE)
			memcpy(straddle, &id, sizeof(id));
		EXPECT_EQ(-EFAULT, tx_ioctl(fd, c->cmd, straddle))
			TH_LOG("%s arg straddling an unmapped page", c->name);
	}
	EXPECT_EQ(1U, timers_of(_metadata, fd)) TH_LOG("a faulting CREATE made a timer");
	close(fd);
	munmap(two, 4096);
}

/* Output that cannot be written back is EFAULT too (read-only page). */
TEST(efault_readonly_output)
{
	struct timerx_timer_info *ti;
	struct timerx_create *c;
	char *ro;
	__u32 id;
	int fd;

	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	open_ctx(_metadata, &fd, true);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));

	c = (void *)ro;
	c->clockid = CLOCK_MONOTONIC;
	ti = (void *)(ro + 1024);
	ti->timer_id = id;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));

	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_GET, ti));
	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_CTX_INFO, ro + 2048));
	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_CREATE, c))
		TH_LOG("CREATE could not return timer_id but did not fail");
	close(fd);

	/* Last: whether a ring exists after this is not specified. */
	open_ctx(_metadata, &fd, false);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	memset(ro, 0, 4096);
	((struct timerx_ring_params *)ro)->entries = 16;
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, tx_ioctl(fd, TIMERX_IOC_SETUP_RING, ro));
	close(fd);
	munmap(ro, 4096);
}

/*
 * Only the four documented clocks. The header names no errno for an
 * unsupported clock; EINVAL is what every other clock API answers.
 */
TEST(bad_clockid_einval)
{
	static const __u32 bad[] = {
		CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
		CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
		CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_ALARM,
		CLOCK_BOOTTIME_ALARM, 10, 12, 15, 16, 64, 0x7fffffff,
		0x80000000U, 0xffffffffU, (__u32)-6 /* a CPU clock id of pid 0 */,
	};
	static const __u32 good[] = {
		CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI,
	};
	unsigned int i;
	int fd;

	open_ctx(_metadata, &fd, true);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, tx_create(fd, bad[i], 0, 0, 0, NULL))
			TH_LOG("clockid %d accepted or wrong errno", (int)bad[i]);
	}
	EXPECT_EQ(0U, timers_of(_metadata, fd));
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, tx_create(fd, good[i], 0, 0, 0, NULL))
			TH_LOG("clock %s rejected", tx_clock_name(good[i]));
		EXPECT_EQ(0, tx_create(fd, good[i], TIMERX_CREATE_F_SOFT, 0, 0, NULL))
			TH_LOG("soft clock %s rejected", tx_clock_name(good[i]));
	}
	EXPECT_EQ(ARRAY_SIZE(good) * 2, timers_of(_metadata, fd));
	close(fd);
}

/* Relative expiries are ">= 0": negative ones are invalid (EINVAL). */
TEST(negative_relative_einval)
{
	static const __s64 bad[] = { -1, -NSEC_PER_MSEC, -NSEC_PER_SEC, INT64_MIN };
	struct timerx_timer_info ti;
	unsigned int i;
	__u32 id;
	int fd;

	open_ctx(_metadata, &fd, true);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, tx_arm(fd, id, 0, bad[i], 0))
			TH_LOG("relative expiry %lld", (long long)bad[i]);
		EXPECT_EQ(-EINVAL, tx_arm(fd, id, 0, bad[i], NSEC_PER_MSEC))
			TH_LOG("periodic, relative expiry %lld", (long long)bad[i]);
	}
	ASSERT_EQ(0, tx_get(fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	/* Relative 0 is valid (fires at once). */
	EXPECT_EQ(0, tx_arm(fd, id, 0, 0, 0));
	close(fd);
}

static void expect_enoent_all(struct __test_metadata *_metadata, int fd,
			      __u32 id, const char *why)
{
	struct timerx_timer_info ti;

	EXPECT_EQ(-ENOENT, tx_arm(fd, id, 0, NSEC_PER_SEC, 0)) TH_LOG("ARM %s %u", why, id);
	EXPECT_EQ(-ENOENT, tx_cancel(fd, id)) TH_LOG("CANCEL %s %u", why, id);
	EXPECT_EQ(-ENOENT, tx_get(fd, id, &ti)) TH_LOG("GET %s %u", why, id);
	EXPECT_EQ(-ENOENT, tx_delete(fd, id)) TH_LOG("DELETE %s %u", why, id);
}

TEST(enoent_unknown_ids)
{
	struct timerx_timer_info ti;
	__u32 id, cand[8];
	unsigned int i;
	int fd;

	open_ctx(_metadata, &fd, true);
	/* No timers at all. */
	expect_enoent_all(_metadata, fd, 0, "no timers, id");
	expect_enoent_all(_metadata, fd, 1, "no timers, id");

	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	cand[0] = id + 1;
	cand[1] = id - 1;
	cand[2] = id + 1000;
	cand[3] = 0xffffffffU;
	cand[4] = 0x7fffffffU;
	cand[5] = id ^ 0x80000000U;
	cand[6] = 0;
	cand[7] = id + 0x10000;
	for (i = 0; i < ARRAY_SIZE(cand); i++)
		if (cand[i] != id)
			expect_enoent_all(_metadata, fd, cand[i], "unknown id");
	ASSERT_EQ(0, tx_get(fd, id, &ti)) TH_LOG("the real timer got lost");
	close(fd);
}

/* Timer ids of another context are not visible: ENOENT, no effect. */
TEST(enoent_foreign_ctx)
{
	struct timerx_timer_info ti;
	__u32 a_ids[3], b_id;
	int a, b, empty, i;

	open_ctx(_metadata, &a, true);
	open_ctx(_metadata, &b, true);
	open_ctx(_metadata, &empty, true);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_create(a, CLOCK_MONOTONIC, 0, 0, 0xa0 + i, &a_ids[i]));
	}
	ASSERT_EQ(0, tx_create(b, CLOCK_MONOTONIC, 0, 0, 0xb0, &b_id));
	ASSERT_EQ(0, tx_arm(a, a_ids[0], 0, 60 * NSEC_PER_SEC, 0));

	for (i = 0; i < 3; i++) {
		expect_enoent_all(_metadata, empty, a_ids[i], "foreign id (empty ctx)");
		/* Ids may be per-context numbers: only test ones b lacks. */
		if (a_ids[i] != b_id)
			expect_enoent_all(_metadata, b, a_ids[i], "foreign id");
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_get(a, a_ids[i], &ti))
			TH_LOG("another context deleted timer %u", a_ids[i]);
		EXPECT_EQ(0xa0ULL + i, ti.user_data);
		EXPECT_EQ(i == 0 ? TX_ARMED : TX_IDLE, ti.state)
			TH_LOG("another context changed timer %u", a_ids[i]);
	}
	ASSERT_EQ(0, tx_get(b, b_id, &ti));
	EXPECT_EQ(0xb0ULL, ti.user_data);
	close(empty);
	close(b);
	close(a);
}

/* Timer commands before SETUP_RING: EBADFD. */
TEST(ebadfd_before_setup)
{
	struct timerx_timer_info ti;
	int fd;

	open_ctx(_metadata, &fd, false);
	EXPECT_EQ(-EBADFD, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, NULL));
	EXPECT_EQ(-EBADFD, tx_arm(fd, 0, 0, NSEC_PER_MSEC, 0));
	EXPECT_EQ(-EBADFD, tx_cancel(fd, 0));
	EXPECT_EQ(-EBADFD, tx_delete(fd, 0));
	EXPECT_EQ(-EBADFD, tx_get(fd, 0, &ti));
	/* CTX_INFO is not a timer command and reports ring_entries 0. */
	EXPECT_EQ(0U, ring_entries_of(_metadata, fd));
	close(fd);
}

/*
 * FLUSH is not in the header's list of timer commands, so before
 * SETUP_RING it may either fail with EBADFD or flush nothing (0).
 */
TEST(flush_before_setup)
{
	int fd, ret;

	open_ctx(_metadata, &fd, false);
	ret = tx_flush(fd);
	EXPECT_TRUE(ret == 0 || ret == -EBADFD)
		TH_LOG("FLUSH before SETUP_RING returned %d (want 0 or -EBADFD)", ret);
	close(fd);
}

TEST(setup_twice_ebusy)
{
	int fd;

	open_ctx(_metadata, &fd, false);
	ASSERT_EQ(0, tx_setup(fd, 8, NULL));
	EXPECT_EQ(-EBUSY, tx_setup(fd, 8, NULL));
	EXPECT_EQ(-EBUSY, tx_setup(fd, 16, NULL));
	EXPECT_EQ(-EBUSY, tx_setup(fd, 2, NULL));
	EXPECT_EQ(8U, ring_entries_of(_metadata, fd)) TH_LOG("second SETUP_RING resized");
	close(fd);
}

static __u32 max_ring_entries(struct __test_metadata *_metadata)
{
	unsigned long long v = 0;

	ASSERT_EQ(0, tx_param_read("max_ring_entries", &v))
		TH_LOG("cannot read " TX_PARAM_DIR "max_ring_entries");
	return (__u32)v;
}

/* entries must be a power of two in [2, max_ring_entries]: else EINVAL. */
TEST(ring_entries_invalid)
{
	__u32 bad[16], max = max_ring_entries(_metadata), above = 2;
	unsigned int i, n = 0;
	int fd;

	while (above && above <= max)
		above <<= 1;
	bad[n++] = 0;
	bad[n++] = 1;
	bad[n++] = 3;
	bad[n++] = 5;
	bad[n++] = 6;
	bad[n++] = 12;
	bad[n++] = 100;
	bad[n++] = 1000;
	bad[n++] = 0x80000001U;
	bad[n++] = 0xffffffffU;
	if (above)
		bad[n++] = above;
	if (max < 0x80000000U)
		bad[n++] = 0x80000000U;
	if (max > 4)
		bad[n++] = max - 1;	/* not a power of two (max is >= 8 here) */

	open_ctx(_metadata, &fd, false);
	for (i = 0; i < n; i++) {
		if (bad[i] == max)
			continue;
		EXPECT_EQ(-EINVAL, tx_setup(fd, bad[i], NULL))
			TH_LOG("entries %u (max_ring_entries %u)", bad[i], max);
	}
	EXPECT_EQ(0U, ring_entries_of(_metadata, fd));
	/* The smallest ring is valid, and failures did not consume setup. */
	EXPECT_EQ(0, tx_setup(fd, TIMERX_RING_MIN_ENTRIES, NULL));
	EXPECT_EQ((__u32)TIMERX_RING_MIN_ENTRIES, ring_entries_of(_metadata, fd));
	close(fd);
}

/* PINNED to a CPU that is not online (or does not exist): EINVAL. */
TEST(pinned_offline_cpu_einval)
{
	static bool possible[TX_MAX_CPUS], offline[TX_MAX_CPUS];
	int cpus[TX_MAX_CPUS], n, i, nposs, maxposs = -1, fd;
	__u32 bad[8 + TX_MAX_CPUS];
	unsigned int nbad = 0, j;

	nposs = tx_parse_cpulist("/sys/devices/system/cpu/possible", possible, TX_MAX_CPUS);
	for (i = 0; i < TX_MAX_CPUS; i++)
		if (possible[i])
			maxposs = i;
	n = tx_online_cpus(cpus, TX_MAX_CPUS);
	ASSERT_LT(0, n);
	if (maxposs < cpus[n - 1])
		maxposs = cpus[n - 1];

	bad[nbad++] = maxposs + 1;		/* first nonexistent (nr_cpu_ids) */
	bad[nbad++] = maxposs + 2;
	bad[nbad++] = 4096;
	bad[nbad++] = 0x7fffffffU;
	bad[nbad++] = 0x80000000U;
	bad[nbad++] = 0xffffffffU;
	if (tx_parse_cpulist("/sys/devices/system/cpu/offline", offline, TX_MAX_CPUS) > 0)
		for (i = 0; i < TX_MAX_CPUS; i++)
			if (offline[i] && i <= maxposs)
				bad[nbad++] = i;
	TH_LOG("%d online, %d possible, testing %u bad CPUs", n, nposs, nbad);

	open_ctx(_metadata, &fd, true);
	for (j = 0; j < nbad; j++) {
		EXPECT_EQ(-EINVAL, tx_create(fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_PINNED,
					     bad[j], 0, NULL))
			TH_LOG("pinned to cpu %u", bad[j]);
	}
	EXPECT_EQ(0U, timers_of(_metadata, fd));
	for (i = 0; i < n; i++) {
		struct timerx_timer_info ti;
		__u32 id;

		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_PINNED,
				       cpus[i], 0, &id))
			TH_LOG("pinned to online cpu %d rejected", cpus[i]);
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		EXPECT_EQ((__u32)cpus[i], ti.cpu);
		EXPECT_EQ((__u32)TIMERX_CREATE_F_PINNED, ti.create_flags);
	}
	close(fd);
}

TEST(ctx_info_fresh)
{
	struct timerx_ctx_info ci;
	int fd, i;

	open_ctx(_metadata, &fd, false);
	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	EXPECT_EQ((__u32)TIMERX_API_VERSION, ci.api_version)
		TH_LOG("module API version %u, header %u", ci.api_version,
		       TIMERX_API_VERSION);
	EXPECT_EQ(0U, ci.timers);
	EXPECT_EQ(0U, ci.ring_entries) TH_LOG("ring_entries must be 0 before SETUP_RING");
	EXPECT_EQ(0ULL, ci.events);
	EXPECT_EQ(0ULL, ci.expirations);
	EXPECT_EQ(0ULL, ci.ring_full);
	EXPECT_EQ(0ULL, ci.wakeups);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0ULL, ci.resv[i]);
	}

	ASSERT_EQ(0, tx_setup(fd, 32, NULL));
	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	EXPECT_EQ(32U, ci.ring_entries);
	close(fd);
}

TEST(ctx_info_counts_timers)
{
	__u32 ids[5];
	int fd, i;

	open_ctx(_metadata, &fd, true);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
		EXPECT_EQ((__u32)i + 1, timers_of(_metadata, fd));
	}
	/* Ids are unique within the context. */
	for (i = 1; i < 5; i++) {
		EXPECT_NE(ids[i - 1], ids[i]);
	}
	EXPECT_EQ(-EINVAL, tx_create(fd, 0x12345, 0, 0, 0, NULL));
	EXPECT_EQ(5U, timers_of(_metadata, fd)) TH_LOG("failed CREATE counted");
	ASSERT_EQ(0, tx_delete(fd, ids[1]));
	ASSERT_EQ(0, tx_delete(fd, ids[3]));
	EXPECT_EQ(3U, timers_of(_metadata, fd));
	EXPECT_EQ(-ENOENT, tx_delete(fd, ids[3]));
	EXPECT_EQ(3U, timers_of(_metadata, fd));
	close(fd);
}

/* "CREATE returns the new timer id (also stored in timer_id)." */
TEST(create_returns_id)
{
	struct timerx_create c;
	struct timerx_timer_info ti;
	__u32 ids[8];
	int fd, i, j, ret;

	open_ctx(_metadata, &fd, true);
	for (i = 0; i < 8; i++) {
		memset(&c, 0, sizeof(c));
		c.clockid = i & 1 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		c.user_data = 0x700 + i;
		ret = tx_ioctl(fd, TIMERX_IOC_CREATE, &c);
		ASSERT_LE(0, ret) TH_LOG("CREATE: %s", strerror(-ret));
		EXPECT_EQ((__u32)ret, c.timer_id) {
			TH_LOG("CREATE returned %d, timer_id says %u", ret, c.timer_id);
		}
		ids[i] = c.timer_id;
		for (j = 0; j < i; j++) {
			EXPECT_NE(ids[j], ids[i]);
		}
		ASSERT_EQ(0, tx_get(fd, ids[i], &ti));
		EXPECT_EQ(0x700ULL + i, ti.user_data);
	}
	close(fd);
}

/* ctx_id is system-wide: distinct for every open context. */
TEST(ctx_ids_distinct)
{
	struct timerx_ctx_info ci;
	__u32 ids[32];
	int fds[32], i, j;

	for (i = 0; i < 32; i++) {
		open_ctx(_metadata, &fds[i], i & 1);
		ASSERT_EQ(0, tx_ctx_info(fds[i], &ci));
		ids[i] = ci.ctx_id;
		for (j = 0; j < i; j++) {
			EXPECT_NE(ids[j], ids[i]) TH_LOG("contexts %d and %d share id %u",
							 j, i, ids[i]);
		}
	}
	for (i = 0; i < 32; i++)
		close(fds[i]);
}

/* A dup()ed fd is the same context; it lives until the last close. */
TEST(dup_shares_context)
{
	struct timerx_ctx_info c1, c2;
	struct timerx_event ev;
	struct timerx_timer_info ti;
	__u32 id;
	int fd, fd2, n;

	open_ctx(_metadata, &fd, true);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, tx_ctx_info(fd, &c1));
	ASSERT_EQ(0, tx_ctx_info(fd2, &c2));
	EXPECT_EQ(c1.ctx_id, c2.ctx_id);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 77, &id));
	ASSERT_EQ(0, tx_get(fd2, id, &ti));
	ASSERT_EQ(0, close(fd));
	/* Not the last reference: the context and its timer survive. */
	ASSERT_EQ(0, tx_get(fd2, id, &ti)) TH_LOG("close of a dup killed the context");
	ASSERT_EQ(0, tx_arm(fd2, id, 0, NSEC_PER_MSEC, 0));
	n = tx_read_events(fd2, &ev, 1);	/* blocking read */
	ASSERT_EQ(1, n);
	EXPECT_EQ(id, ev.timer_id);
	EXPECT_EQ(77ULL, ev.user_data);
	close(fd2);
}

/*
 * Values at the edge of the types must not overflow into "fire now" or
 * crash. The header does not say whether they are accepted, so accept
 * success or EINVAL, but an accepted far-future timer must stay armed.
 */
TEST(extreme_values)
{
	static const struct {
		__u32 flags;
		__s64 expires;
		__u64 period;
	} cases[] = {
		{ 0, INT64_MAX, 0 },
		{ TIMERX_ARM_F_ABS, INT64_MAX, 0 },
		{ 0, INT64_MAX - 1, NSEC_PER_SEC },
		{ TIMERX_ARM_F_ABS, INT64_MAX, UINT64_MAX },
		{ 0, 100 * NSEC_PER_SEC * 1000, (1ULL << 63) },
	};
	struct timerx_timer_info ti;
	struct timerx_event ev;
	unsigned int i;
	__u32 id;
	int fd, ret;

	open_ctx(_metadata, &fd, true);
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = tx_arm(fd, id, cases[i].flags, cases[i].expires, cases[i].period);
		EXPECT_TRUE(ret == 0 || ret == -EINVAL)
			TH_LOG("case %u: ARM returned %d", i, ret);
		if (ret)
			continue;
		tx_sleep_ms(TX_SETTLE_MS);
		ASSERT_EQ(0, tx_get(fd, id, &ti));
		EXPECT_EQ(TX_ARMED, ti.state) TH_LOG("case %u: far-future timer not armed", i);
		EXPECT_EQ(0ULL, ti.expirations) TH_LOG("case %u: far-future timer fired", i);
		EXPECT_EQ(-EAGAIN, tx_read_events(fd, &ev, 1))
			TH_LOG("case %u: far-future timer produced an event", i);
		EXPECT_EQ(0, tx_cancel(fd, id));
	}
	close(fd);
}

TEST_HARNESS_MAIN
