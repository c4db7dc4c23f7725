// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved part of an SQE's command area (finding F9c). The header: a
 * struct that does not fit fails with EINVAL, "and so does a non-zero byte
 * of the area after the command's struct (all of it for FLUSH and WAIT):
 * it is reserved". The old module ignored those bytes (FLUSH all of them,
 * WAIT those past 16), so they could never be given a meaning later.
 *
 * Each byte of each command's reserved area is set on its own, in 64- and
 * 128-byte SQE rings; with everything zero the commands work.
 */
#include "uring_util.h"

#define ROOM128		80

FIXTURE(resv)
{
	struct tx_ring r;
	struct tx_uring big;	/* SQE128 */
	struct tx_uring small;
	int wait_supported;
};

FIXTURE_SETUP(resv)
{
	int ret;

	self->big.fd = -1;
	self->small.fd = -1;
	self->r.fd = -1;
	ret = tx_uring_init(&self->big, 8, IORING_SETUP_SQE128);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("io_uring_setup(SQE128): %s", strerror(-ret));
	ASSERT_EQ(0, tx_uring_init(&self->small, 8, 0));
	self->wait_supported = tx_uring_wait_supported();
	ASSERT_LE(0, self->wait_supported);
	tx_ring_open(&self->r, 8, true);
}

FIXTURE_TEARDOWN(resv)
{
	tx_uring_exit(&self->small);
	tx_uring_exit(&self->big);
	tx_ring_close(&self->r);
}

/* Submit @op with the @len bytes of @area, wait for its CQE (bounded). */
static int submit(struct __test_metadata *_metadata, struct tx_uring *u, int fd, __u32 op,
		  const void *area, size_t len, bool *pending)
{
	static __u64 seq = 0xa5ea000000000000ULL;
	struct io_uring_cqe cqe;
	__u64 ud = ++seq;
	int ret;

	*pending = false;
	if (!tx_uring_prep_cmd(u, fd, op, area, len, ud) || tx_uring_submit(u) != 1) {
		EXPECT_TRUE(0) TH_LOG("io_uring: cmd_op 0x%x not submitted", op);
		return -EIO;
	}
	ret = tx_uring_wait_cqe(u, &cqe, op == TIMERX_URING_CMD_WAIT ? 200 : TX_FIRE_TIMEOUT_MS);
	if (ret != 1) {
		*pending = true;
		return 1;
	}
	EXPECT_EQ(ud, cqe.user_data);
	return cqe.res;
}

/* A WAIT that stayed pending: end it by closing a dup of the context. */
static void end_pending_wait(struct __test_metadata *_metadata, struct tx_uring *u, int fd)
{
	struct io_uring_cqe cqe;
	int d = dup(fd);

	ASSERT_LE(0, d);
	close(d);
	EXPECT_EQ(1, tx_uring_wait_cqe(u, &cqe, TX_FIRE_TIMEOUT_MS));
}

static void flush_and_wait(struct __test_metadata *_metadata, struct _test_data_resv *self,
			   struct tx_uring *u)
{
	size_t room = tx_uring_cmd_room(u), i;
	unsigned char area[ROOM128];
	bool pending;
	int res;

	for (i = 0; i < room; i++) {
		memset(area, 0, sizeof(area));
		area[i] = 0x01 << (i % 8);
		res = submit(_metadata, u, self->r.fd, TIMERX_IOC_FLUSH, area, room, &pending);
		EXPECT_EQ(-EINVAL, res) {
			TH_LOG("FLUSH, %zu-byte area, byte %zu non-zero: res %d", room, i, res);
		}

		res = submit(_metadata, u, self->r.fd, TIMERX_URING_CMD_WAIT, area, room, &pending);
		if (pending) {
			EXPECT_FALSE(pending) {
				TH_LOG("WAIT, %zu-byte area, byte %zu non-zero: accepted (pending)",
				       room, i);
			}
			end_pending_wait(_metadata, u, self->r.fd);
		} else if (self->wait_supported) {
			EXPECT_EQ(-EINVAL, res) {
				TH_LOG("WAIT, %zu-byte area, byte %zu non-zero: res %d",
				       room, i, res);
			}
		} else {
			/* Unsupported anyway: either error says no. */
			EXPECT_TRUE(res == -EINVAL || res == -EOPNOTSUPP) {
				TH_LOG("WAIT, %zu-byte area, byte %zu non-zero: res %d",
				       room, i, res);
			}
		}
	}
	/* All zero: FLUSH works (nothing pending: 0 events). */
	memset(area, 0, sizeof(area));
	res = submit(_metadata, u, self->r.fd, TIMERX_IOC_FLUSH, area, room, &pending);
	EXPECT_EQ(0, res) TH_LOG("FLUSH with a zero %zu-byte area: res %d", room, res);
}

TEST_F_TIMEOUT(resv, flush_wait_any_nonzero_byte_einval, 90)
{
	flush_and_wait(_metadata, self, &self->small);
	flush_and_wait(_metadata, self, &self->big);
}

/* A zero WAIT still works in both rings (a sanity check of the above). */
TEST_F(resv, zero_wait_works)
{
	unsigned char area[ROOM128] = { 0 };
	struct tx_uring *u[2] = { &self->small, &self->big };
	bool pending;
	int i, res;

	if (!self->wait_supported)
		SKIP(return, "WAIT fails with EOPNOTSUPP on this kernel");
	for (i = 0; i < 2; i++) {
		res = submit(_metadata, u[i], self->r.fd, TIMERX_URING_CMD_WAIT, area,
			     tx_uring_cmd_room(u[i]), &pending);
		EXPECT_TRUE(pending) TH_LOG("zero WAIT completed with %d, nothing ready", res);
		if (pending)
			end_pending_wait(_metadata, u[i], self->r.fd);
	}
}

/* Timer commands in an SQE128 ring: the 80-byte area past their struct. */
TEST_F_TIMEOUT(resv, timer_commands_trailing_byte_einval, 60)
{
	unsigned char area[ROOM128];
	struct timerx_create c = { .user_data = 9, .clockid = CLOCK_MONOTONIC };
	struct timerx_arm a = { .expires_ns = 3600 * NSEC_PER_SEC };
	struct timerx_timer_ref ref = { 0 };
	struct timerx_ctx_info ci;
	unsigned int before;
	size_t i;
	bool pending;
	__u32 id;
	int res;

	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	a.timer_id = id;
	ref.timer_id = id;
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	before = ci.timers;

	for (i = sizeof(c); i < ROOM128; i++) {
		memset(area, 0, sizeof(area));
		memcpy(area, &c, sizeof(c));
		area[i] = 0x80;
		res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_CREATE, area, ROOM128,
			     &pending);
		EXPECT_EQ(-EINVAL, res) TH_LOG("CREATE, byte %zu of 80 non-zero: res %d", i, res);
		if (res >= 0)
			tx_delete(self->r.fd, res);
	}
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_EQ(before, ci.timers);

	for (i = sizeof(a); i < ROOM128; i++) {
		memset(area, 0, sizeof(area));
		memcpy(area, &a, sizeof(a));
		area[i] = 0x80;
		res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_ARM, area, ROOM128,
			     &pending);
		EXPECT_EQ(-EINVAL, res) TH_LOG("ARM, byte %zu of 80 non-zero: res %d", i, res);
	}

	for (i = sizeof(ref); i < ROOM128; i++) {
		memset(area, 0, sizeof(area));
		memcpy(area, &ref, sizeof(ref));
		area[i] = 0x80;
		res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_CANCEL, area, ROOM128,
			     &pending);
		EXPECT_EQ(-EINVAL, res) TH_LOG("CANCEL, byte %zu of 80 non-zero: res %d", i, res);
		res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_DELETE, area, ROOM128,
			     &pending);
		EXPECT_EQ(-EINVAL, res) TH_LOG("DELETE, byte %zu of 80 non-zero: res %d", i, res);
		if (res == 0) {
			/* Deleted after all: bring the timer back for the next byte. */
			ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
			ref.timer_id = id;
			a.timer_id = id;
		}
	}

	/* All zero past the struct: every one of them works. */
	memset(area, 0, sizeof(area));
	memcpy(area, &c, sizeof(c));
	res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_CREATE, area, ROOM128, &pending);
	EXPECT_LE(0, res) TH_LOG("CREATE, zero tail: res %d", res);
	memset(area, 0, sizeof(area));
	memcpy(area, &a, sizeof(a));
	res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_ARM, area, ROOM128, &pending);
	EXPECT_EQ(0, res) TH_LOG("ARM, zero tail: res %d", res);
	memset(area, 0, sizeof(area));
	memcpy(area, &ref, sizeof(ref));
	res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_CANCEL, area, ROOM128, &pending);
	EXPECT_EQ(0, res) TH_LOG("CANCEL, zero tail: res %d", res);
	res = submit(_metadata, &self->big, self->r.fd, TIMERX_IOC_DELETE, area, ROOM128, &pending);
	EXPECT_EQ(0, res) TH_LOG("DELETE, zero tail: res %d", res);
	/* In 64-byte SQEs CANCEL/DELETE fill the area exactly: nothing reserved. */
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	ref.timer_id = id;
	res = submit(_metadata, &self->small, self->r.fd, TIMERX_IOC_DELETE, &ref, sizeof(ref),
		     &pending);
	EXPECT_EQ(0, res) TH_LOG("DELETE in a 64-byte SQE: res %d", res);
}

TEST_HARNESS_MAIN
