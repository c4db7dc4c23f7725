// SPDX-License-Identifier: GPL-2.0
/*
 * Whose close() ends a pending TIMERX_URING_CMD_WAIT (finding F4). The
 * header: it completes with -ECANCELED when "the process that submitted it
 * (its file table: its threads, io-wq and SQPOLL threads included) closes a
 * descriptor of the context (a forked child or an exec'd copy closing
 * theirs does not end it)". The old code ended every WAIT of the context
 * on any close, so that any child that exits, or a posix_spawn()/system()
 * that closes its O_CLOEXEC copy, cancelled the parent's waits.
 *
 * Only on kernels where WAIT is supported (probed; see
 * uring_wait_support_test).
 */
#include "uring_util.h"

#include <pthread.h>
#include <spawn.h>

extern char **environ;

FIXTURE(owner)
{
	struct tx_ring r;
	struct tx_uring u;
	__u32 id;
};

FIXTURE_SETUP(owner)
{
	int ret = tx_uring_init(&self->u, 8, 0);

	self->r.fd = -1;
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	ret = tx_uring_wait_supported();
	ASSERT_LE(0, ret) TH_LOG("WAIT probe: %s", strerror(-ret));
	if (!ret)
		SKIP(return, "WAIT fails with EOPNOTSUPP on this kernel");
	tx_ring_open(&self->r, 8, true);
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 5, &self->id));
}

FIXTURE_TEARDOWN(owner)
{
	tx_uring_exit(&self->u);
	tx_ring_close(&self->r);
}

static void submit_wait(struct __test_metadata *_metadata, struct tx_uring *u, int fd,
			__u64 ud)
{
	struct io_uring_cqe cqe;

	ASSERT_NE(NULL, tx_uring_prep_wait(u, fd, 0, ud));
	ASSERT_EQ(1, tx_uring_submit(u));
	ASSERT_EQ(0, tx_uring_wait_cqe(u, &cqe, TX_SETTLE_MS))
		TH_LOG("WAIT completed (res %d) with nothing ready", cqe.res);
}

/* After @what: still pending for 200 ms, then an event completes it. */
static void still_pending_then_event(struct __test_metadata *_metadata,
				     struct _test_data_owner *self, __u64 ud,
				     const char *what)
{
	struct io_uring_cqe cqe;
	int ret;

	ret = tx_uring_wait_cqe(&self->u, &cqe, 200);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s ended the parent's WAIT: res %d (%s)", what, cqe.res,
		       cqe.res < 0 ? strerror(-cqe.res) : "events");
	}
	ASSERT_EQ(0, tx_arm(self->r.fd, self->id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("after %s, an event did not complete the WAIT", what);
	EXPECT_EQ(ud, cqe.user_data);
	EXPECT_LE(1, cqe.res) TH_LOG("after %s: WAIT res %d, want >= 1", what, cqe.res);
}

static void wait_child(struct __test_metadata *_metadata, pid_t pid)
{
	int status = 0;

	ASSERT_EQ(pid, tx_waitpid_timeout(pid, &status, 10000));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("child: status 0x%x", status);
	}
}

TEST_F(owner, forked_child_close_keeps_parent_wait)
{
	pid_t pid;

	submit_wait(_metadata, &self->u, self->r.fd, 11);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(close(self->r.fd) ? 1 : 0);
	wait_child(_metadata, pid);
	still_pending_then_event(_metadata, self, 11, "a forked child's close()");
}

TEST_F(owner, forked_child_exit_keeps_parent_wait)
{
	pid_t pid;

	submit_wait(_metadata, &self->u, self->r.fd, 12);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);	/* exit closes the inherited copy */
	wait_child(_metadata, pid);
	still_pending_then_event(_metadata, self, 12, "a forked child's exit");
}

TEST_F(owner, exec_closes_cloexec_copy_keeps_parent_wait)
{
	char *const argv_true[] = { "true", NULL };
	char *const argv_sh[] = { "sh", "-c", "true", NULL };
	const char *path = "/bin/true";
	char *const *argv = argv_true;
	int flags, status;
	pid_t pid;

	flags = fcntl(self->r.fd, F_GETFD);
	ASSERT_TRUE(flags >= 0 && (flags & FD_CLOEXEC)) TH_LOG("tx_open() is O_CLOEXEC");
	if (access(path, X_OK)) {
		path = "/bin/sh";
		argv = argv_sh;
	}
	submit_wait(_metadata, &self->u, self->r.fd, 13);
	ASSERT_EQ(0, posix_spawn(&pid, path, NULL, NULL, argv, environ));
	wait_child(_metadata, pid);
	still_pending_then_event(_metadata, self, 13, "posix_spawn() of true");

	/* Consume that event so the next WAIT has nothing ready. */
	while (tx_consume(&self->r, NULL, 8))
		;
	submit_wait(_metadata, &self->u, self->r.fd, 14);
	status = system("true");
	EXPECT_EQ(0, status) TH_LOG("system(\"true\"): status 0x%x", status);
	still_pending_then_event(_metadata, self, 14, "system(\"true\")");
}

/* The submitter's own close, of a dup or of the descriptor: -ECANCELED. */
TEST_F(owner, own_close_cancels)
{
	struct io_uring_cqe cqe;
	int dupfd = dup(self->r.fd);

	ASSERT_LE(0, dupfd);
	submit_wait(_metadata, &self->u, self->r.fd, 21);
	ASSERT_EQ(0, close(dupfd));
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("closing a dup in the submitting process did not end the WAIT");
	EXPECT_EQ(21ULL, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.res);

	submit_wait(_metadata, &self->u, self->r.fd, 22);
	ASSERT_EQ(0, close(self->r.fd));
	self->r.fd = -1;
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("closing the descriptor in the submitting process did not end the WAIT");
	EXPECT_EQ(22ULL, cqe.user_data);
	EXPECT_EQ(-ECANCELED, cqe.res);
}

static void *close_fd_thread(void *arg)
{
	return (void *)(intptr_t)close((int)(intptr_t)arg);
}

/* A thread of the submitter shares its file table: its close counts. */
TEST_F(owner, thread_close_cancels)
{
	struct io_uring_cqe cqe;
	pthread_t th;
	void *ret;
	int dupfd = dup(self->r.fd);

	ASSERT_LE(0, dupfd);
	submit_wait(_metadata, &self->u, self->r.fd, 31);
	ASSERT_EQ(0, pthread_create(&th, NULL, close_fd_thread, (void *)(intptr_t)dupfd));
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	ASSERT_EQ(1, tx_uring_wait_cqe(&self->u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("a thread of the submitter closing a dup did not end the WAIT");
	EXPECT_EQ(-ECANCELED, cqe.res);
}

TEST_HARNESS_MAIN
