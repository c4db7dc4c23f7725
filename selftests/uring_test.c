// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring transport: IORING_OP_URING_CMD on the /dev/timerx fd with
 * cmd_op = the ioctl number and the struct inline in the SQE (16 bytes, or
 * 80 with IORING_SETUP_SQE128), and TIMERX_URING_CMD_WAIT.
 *
 * Where the header leaves the order of two errors open (a struct that
 * returns data AND does not fit), either documented errno is accepted.
 */
#include "uring_util.h"

#include <sys/wait.h>

FIXTURE(uring)
{
	struct tx_ring r;
	struct tx_uring u;	/* SQE128 */
	struct tx_uring small;	/* 64-byte SQEs */
};

FIXTURE_SETUP(uring)
{
	int ret;

	self->u.fd = -1;
	self->small.fd = -1;
	ret = tx_uring_init(&self->u, 16, IORING_SETUP_SQE128);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("io_uring_setup(SQE128): %s", strerror(-ret));
	ASSERT_EQ(0, tx_uring_init(&self->small, 16, 0));
	tx_ring_open(&self->r, 8, true);
}

FIXTURE_TEARDOWN(uring)
{
	tx_uring_exit(&self->small);
	tx_uring_exit(&self->u);
	tx_ring_close(&self->r);
}

static void create_via_uring(struct __test_metadata *_metadata, struct tx_uring *u, int fd,
			     __u64 user_data, __u32 *id)
{
	struct timerx_create c = { .user_data = user_data, .clockid = CLOCK_MONOTONIC };
	int res = tx_uring_sync(u, fd, TIMERX_IOC_CREATE, &c, sizeof(c));

	ASSERT_LE(0, res) TH_LOG("CREATE via io_uring: %s", strerror(-res));
	*id = res;
}

/* Every timer command works through io_uring, CREATE's res is the id. */
TEST_F(uring, timer_commands)
{
	struct timerx_timer_info ti;
	struct timerx_arm a = { .expires_ns = NSEC_PER_MSEC };
	struct timerx_timer_ref ref = { 0 };
	struct timerx_ctx_info ci;
	struct timerx_event e;
	__u32 id;

	create_via_uring(_metadata, &self->u, self->r.fd, 0xabc, &id);
	ASSERT_EQ(0, tx_get(self->r.fd, id, &ti)) TH_LOG("CQE res %u is not a timer id", id);
	EXPECT_EQ(0xabcULL, ti.user_data);
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_EQ(1U, ci.timers);

	a.timer_id = id;
	ASSERT_EQ(0, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_ARM, &a, sizeof(a)));
	ASSERT_EQ(1U, tx_collect(&self->r, &e, 1, TX_FIRE_TIMEOUT_MS))
		TH_LOG("timer armed through io_uring did not fire");
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(0xabcULL, e.user_data);

	/* Periodic, then CANCEL and DELETE, both with 64-byte SQEs (16 bytes fit). */
	a.expires_ns = 60 * NSEC_PER_SEC;
	a.period_ns = NSEC_PER_SEC;
	ASSERT_EQ(0, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_ARM, &a, sizeof(a)));
	ASSERT_EQ(0, tx_get(self->r.fd, id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	ref.timer_id = id;
	EXPECT_EQ(0, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_CANCEL, &ref,
				   sizeof(ref)));
	ASSERT_EQ(0, tx_get(self->r.fd, id, &ti));
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ(0, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_DELETE, &ref,
				   sizeof(ref)));
	EXPECT_EQ(-ENOENT, tx_get(self->r.fd, id, &ti));
	EXPECT_EQ(0, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_FLUSH, NULL, 0));
}

/* "a struct that does not fit fails with EINVAL" (CREATE/ARM: 32 bytes > 16). */
TEST_F(uring, struct_does_not_fit_einval)
{
	struct timerx_create c = { .clockid = CLOCK_MONOTONIC };
	struct timerx_arm a = { .expires_ns = NSEC_PER_MSEC };
	struct timerx_ctx_info ci;
	__u32 id;

	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	a.timer_id = id;
	EXPECT_EQ(-EINVAL, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_CREATE,
					 &c, sizeof(c)));
	EXPECT_EQ(-EINVAL, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_ARM,
					 &a, sizeof(a)));
	ASSERT_EQ(0, tx_ctx_info(self->r.fd, &ci));
	EXPECT_EQ(1U, ci.timers) TH_LOG("a CREATE that did not fit created a timer");
}

/* SETUP_RING, GET and CTX_INFO return a struct: ioctl-only, EOPNOTSUPP. */
TEST_F(uring, struct_returning_eopnotsupp)
{
	struct timerx_ring_params p = { .entries = 8 };
	struct timerx_ctx_info ci = { 0 };
	struct timerx_timer_info ti = { 0 };
	struct tx_ring fresh;
	int fd, res;
	__u32 id;

	/* Both fit in 80 bytes, so only "ioctl-only" can reject them. */
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_SETUP_RING,
					     &p, sizeof(p)));
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_CTX_INFO,
					     &ci, sizeof(ci)));
	/* GET (96 bytes) returns a struct and does not fit: either errno. */
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	ti.timer_id = id;
	res = tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_GET, &ti, sizeof(ti));
	EXPECT_TRUE(res == -EOPNOTSUPP || res == -EINVAL)
		TH_LOG("GET via io_uring: %d (want -EOPNOTSUPP or -EINVAL)", res);

	/* On a fresh context SETUP_RING via io_uring does not set anything up. */
	fd = tx_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&self->u, fd, TIMERX_IOC_SETUP_RING,
					     &p, sizeof(p)));
	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	EXPECT_EQ(0U, ci.ring_entries);
	close(fd);
	tx_ring_open(&fresh, 8, false);	/* and ioctl SETUP_RING still works */
	tx_ring_close(&fresh);
}

/* Unknown cmd_op (including wrong sizes and magics): ENOTTY. */
TEST_F(uring, unknown_cmd_op_enotty)
{
	static const __u32 ops[] = {
		_IO(TIMERX_IOC_MAGIC, 0x81),
		_IO(TIMERX_IOC_MAGIC, __TIMERX_CMD_LAST),
		_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_CANCEL, __u64),
		_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM, struct timerx_timer_ref),
		_IOWR(TIMERX_IOC_MAGIC, TIMERX_CMD_CANCEL, struct timerx_timer_ref),
		_IOW(0xE6, TIMERX_CMD_CANCEL, struct timerx_timer_ref),
		_IO(0xE6, TIMERX_CMD_FLUSH),
		_IOW(TIMERX_IOC_MAGIC, 0x80, struct timerx_timer_ref),	/* WAIT, wrong size */
		0, 0xffffffffU,
	};
	char zero[80] = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		EXPECT_EQ(-ENOTTY, tx_uring_sync(&self->u, self->r.fd, ops[i], zero, 80)) {
			TH_LOG("cmd_op 0x%08x", ops[i]);
		}
	}
}

/* The commands' own errors come back as CQE res. */
TEST_F(uring, errors_pass_through)
{
	struct timerx_timer_ref ref = { .timer_id = 12345 };
	struct timerx_arm a = { .expires_ns = NSEC_PER_MSEC };
	struct timerx_create c = { .clockid = CLOCK_PROCESS_CPUTIME_ID };
	int fresh;
	__u32 id;

	fresh = tx_open();
	ASSERT_LE(0, fresh);
	EXPECT_EQ(-EBADFD, tx_uring_sync(&self->small, fresh, TIMERX_IOC_CANCEL, &ref,
					 sizeof(ref))) TH_LOG("CANCEL before SETUP_RING");
	close(fresh);

	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	if (id == ref.timer_id)
		ref.timer_id++;
	EXPECT_EQ(-ENOENT, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_CANCEL, &ref,
					 sizeof(ref)));
	ref.timer_id = id;
	ref.flags = 1U << 31;
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_DELETE, &ref,
					     sizeof(ref)));
	ref.flags = 0;
	ref.resv = 1;
	EXPECT_EQ(-EINVAL, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_DELETE, &ref,
					 sizeof(ref)));
	a.timer_id = id;
	a.flags = 1U << 7;
	EXPECT_EQ(-EOPNOTSUPP, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_ARM, &a, sizeof(a)));
	a.flags = 0;
	a.expires_ns = -1;
	EXPECT_EQ(-EINVAL, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_ARM, &a, sizeof(a)));
	EXPECT_EQ(-EINVAL, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_CREATE, &c, sizeof(c)));
	/* The timer survived all of it. */
	ref.resv = 0;
	EXPECT_EQ(0, tx_uring_sync(&self->small, self->r.fd, TIMERX_IOC_CANCEL, &ref,
				   sizeof(ref)));
}

/* Fill a 2-slot ring with 3 one-shots: 2 ready, 1 pending. */
static void three_oneshots(struct __test_metadata *_metadata, struct tx_ring *r)
{
	struct timerx_timer_info ti;
	__s64 abs = tx_now(CLOCK_MONOTONIC) + NSEC_PER_MSEC, start;
	__u32 ids[3];
	int i, done;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_create(r->fd, CLOCK_MONOTONIC, 0, 0, i, &ids[i]));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_arm(r->fd, ids[i], TIMERX_ARM_F_ABS, abs, 0));
	}
	start = tx_now(CLOCK_MONOTONIC);
	do {
		tx_sleep_ms(2);
		for (i = 0, done = 0; i < 3; i++) {
			ASSERT_EQ(0, tx_get(r->fd, ids[i], &ti));
			done += ti.expirations == 1;
		}
	} while (done < 3 && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(3, done);
}

/* FLUSH via io_uring: res is the number of events written. */
FIXTURE(uring2)
{
	struct tx_ring r;
	struct tx_uring u;
	int wait_supported;
};

FIXTURE_SETUP(uring2)
{
	int ret;

	self->u.fd = -1;
	ret = tx_uring_init(&self->u, 16, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	self->wait_supported = tx_uring_wait_supported();
	ASSERT_LE(0, self->wait_supported);
	tx_ring_open(&self->r, 2, true);
}

/* The header: WAIT fails at once with EOPNOTSUPP where io_uring cannot cancel it. */
#define NEED_WAIT()							\
	do {								\
		if (!self->wait_supported)				\
			SKIP(return, "WAIT refused here (io_uring cannot cancel driver commands)"); \
	} while (0)

FIXTURE_TEARDOWN(uring2)
{
	tx_uring_exit(&self->u);
	tx_ring_close(&self->r);
}

TEST_F(uring2, flush_count)
{
	three_oneshots(_metadata, &self->r);
	EXPECT_EQ(2U, tx_consume(&self->r, NULL, 8));
	EXPECT_EQ(1, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_FLUSH, NULL, 0));
	EXPECT_EQ(1U, tx_consume(&self->r, NULL, 8));
	EXPECT_EQ(0, tx_uring_sync(&self->u, self->r.fd, TIMERX_IOC_FLUSH, NULL, 0));
}

static const char wait_payload[16];

static void submit_wait(struct __test_metadata *_metadata, struct tx_uring *u, int fd,
			__u64 ud)
{
	ASSERT_NE(NULL, tx_uring_prep_cmd(u, fd, TIMERX_URING_CMD_WAIT, wait_payload,
					  sizeof(wait_payload), ud));
	ASSERT_EQ(1, tx_uring_submit(u));
}

/* WAIT stays pending while the ring is empty and completes on an event. */
TEST_F(uring2, wait_completes_on_event)
{
	struct io_uring_cqe cqe;
	__u32 id;

	NEED_WAIT();
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	submit_wait(_metadata, &self->u, self->r.fd, 1);
	EXPECT_EQ(0, tx_uring_wait_cqe(&self->u, &cqe, TX_SETTLE_MS))
		TH_LOG("WAIT completed (res %d) with nothing ready", cqe.res);
	ASSERT_EQ(0, tx_arm(self->r.fd, id, 0, 2 * NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT not completed by the event");
	EXPECT_EQ(1ULL, cqe.user_data);
	EXPECT_EQ(1, cqe.res) TH_LOG("res must be the number of events ready");
	EXPECT_EQ(1U, tx_tail(&self->r) - tx_head(&self->r));
}

/* Events already ready: WAIT completes at once with their number. */
TEST_F(uring2, wait_when_ready)
{
	struct io_uring_cqe cqe;

	NEED_WAIT();
	three_oneshots(_metadata, &self->r);	/* 2 in the ring, 1 pending */
	submit_wait(_metadata, &self->u, self->r.fd, 2);
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(2, cqe.res);
	/* Drained, 1 pending: the implicit flush makes it ready. */
	EXPECT_EQ(2U, tx_consume(&self->r, NULL, 8));
	submit_wait(_metadata, &self->u, self->r.fd, 3);
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT did not flush the pending expiration");
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ(1U, tx_consume(&self->r, NULL, 8));
}

/* "Several may be pending": one event completes them all. */
TEST_F(uring2, several_waits)
{
	struct io_uring_cqe cqe;
	bool seen[3] = { false };
	__u32 id;
	int i;

	NEED_WAIT();
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	for (i = 0; i < 3; i++)
		submit_wait(_metadata, &self->u, self->r.fd, 10 + i);
	EXPECT_EQ(0, tx_uring_wait_cqe(&self->u, &cqe, TX_SETTLE_MS));
	ASSERT_EQ(0, tx_arm(self->r.fd, id, 0, 2 * NSEC_PER_MSEC, 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
			TH_LOG("only %d of 3 pending WAITs completed", i);
		ASSERT_LE(10ULL, cqe.user_data);
		ASSERT_GT(13ULL, cqe.user_data);
		EXPECT_FALSE(seen[cqe.user_data - 10]);
		seen[cqe.user_data - 10] = true;
		EXPECT_EQ(1, cqe.res);
	}
}

/* WAIT's payload is 16 zero bytes; anything else is rejected. */
/* Where WAIT cannot be cancelled by io_uring, it is refused at once. */
TEST_F(uring2, wait_refused_without_cancellation)
{
	struct io_uring_cqe cqe;

	if (self->wait_supported)
		SKIP(return, "this kernel's io_uring cancels WAIT: it is allowed");
	submit_wait(_metadata, &self->u, self->r.fd, 71);
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT neither refused nor completed");
	EXPECT_EQ(-EOPNOTSUPP, cqe.res);
}

TEST_F(uring2, wait_payload_must_be_zero)
{
	char bad[16] = { 0 };
	struct io_uring_cqe cqe;

	bad[15] = 1;
	ASSERT_NE(NULL, tx_uring_prep_cmd(&self->u, self->r.fd, TIMERX_URING_CMD_WAIT, bad,
					  sizeof(bad), 7));
	ASSERT_EQ(1, tx_uring_submit(&self->u));
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT with a non-zero payload stayed pending");
	EXPECT_EQ(-EINVAL, cqe.res) TH_LOG("non-zero WAIT payload: %d", cqe.res);
}

/* Closing a file descriptor of the context cancels pending WAITs. */
TEST_F(uring2, wait_cancelled_by_close)
{
	struct io_uring_cqe cqe;
	struct timerx_ctx_info ci;
	int dupfd = dup(self->r.fd);

	NEED_WAIT();
	ASSERT_LE(0, dupfd);
	submit_wait(_metadata, &self->u, self->r.fd, 21);
	EXPECT_EQ(0, tx_uring_wait_cqe(&self->u, &cqe, TX_SETTLE_MS));
	/* A dup: not the last reference, but a file descriptor of the context. */
	ASSERT_EQ(0, close(dupfd));
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("WAIT not cancelled when a descriptor of the context was closed");
	EXPECT_EQ(21ULL, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.res);
	/* The context itself lives on. */
	EXPECT_EQ(0, tx_ctx_info(self->r.fd, &ci));

	/* Same with the original (only) descriptor; the mapping stays. */
	submit_wait(_metadata, &self->u, self->r.fd, 22);
	EXPECT_EQ(0, tx_uring_wait_cqe(&self->u, &cqe, TX_SETTLE_MS));
	ASSERT_EQ(0, close(self->r.fd));
	self->r.fd = -1;
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(22ULL, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.res);
}

/*
 * IORING_OP_ASYNC_CANCEL cancels a WAIT (kernels >= 6.8). Whether the
 * cancel reaches the module at all is up to the io_uring core: when it
 * answers -ENOENT it never asked the module (6.12's io_try_cancel() does
 * not look at cancelable uring_cmds), so that is a skip, not a failure.
 */
TEST_F(uring2, wait_async_cancel)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	int wait_res = 1, cancel_res = 1;

	NEED_WAIT();
	if (tx_kernel_version() < 608)
		SKIP(return, "uring_cmd cancellation needs kernel >= 6.8");
	submit_wait(_metadata, &self->u, self->r.fd, 31);
	sqe = tx_uring_get_sqe(&self->u);
	ASSERT_NE(NULL, sqe);
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->fd = -1;
	sqe->addr = 31;
	sqe->user_data = 32;
	ASSERT_EQ(1, tx_uring_submit(&self->u));
	while (wait_res == 1 || cancel_res == 1) {
		ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS)) {
			TH_LOG("missing completion: WAIT res %d, ASYNC_CANCEL res %d",
			       wait_res, cancel_res);
		}
		if (cqe.user_data == 31)
			wait_res = cqe.res;
		else if (cqe.user_data == 32)
			cancel_res = cqe.res;
		if (cancel_res == -ENOENT && wait_res == 1)
			SKIP(return, "this kernel's ASYNC_CANCEL does not cancel uring_cmd");
	}
	EXPECT_EQ(-ECANCELED, wait_res);
	EXPECT_EQ(0, cancel_res);
}

/*
 * The ring goes away with a WAIT pending: nothing hangs, and the context
 * keeps working (and can be closed) afterwards.
 */
TEST_F(uring2, ring_exit_with_wait_pending)
{
	struct timerx_event e;
	__u32 id;

	NEED_WAIT();
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0, &id));
	submit_wait(_metadata, &self->u, self->r.fd, 41);
	tx_uring_exit(&self->u);
	tx_sleep_ms(TX_SETTLE_MS);
	ASSERT_EQ(0, tx_arm(self->r.fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1U, tx_collect(&self->r, &e, 1, TX_FIRE_TIMEOUT_MS));
	tx_ring_close(&self->r);
}

/* A task exits with a WAIT pending on its own ring and context. */
TEST_F(uring2, task_exit_with_wait_pending)
{
	__s64 start;
	int status = 0;
	pid_t pid, w;

	NEED_WAIT();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct tx_uring u;
		int fd = tx_open();

		if (fd < 0 || tx_setup(fd, 4, NULL) || tx_uring_init(&u, 4, 0))
			_exit(2);
		if (!tx_uring_prep_cmd(&u, fd, TIMERX_URING_CMD_WAIT, wait_payload,
				       sizeof(wait_payload), 1) || tx_uring_submit(&u) != 1)
			_exit(3);
		_exit(0);	/* no cleanup: exit has to do it */
	}
	start = tx_now(CLOCK_MONOTONIC);
	do {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		tx_sleep_ms(10);
	} while (tx_ms_since(start) < 10000);
	ASSERT_EQ(pid, w) TH_LOG("child with a pending WAIT did not finish exiting in 10 s");
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
