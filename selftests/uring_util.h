/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal io_uring for the timerx selftests, on raw syscalls (the test
 * binaries are static and should not need liburing): one ring, submit
 * IORING_OP_URING_CMD / IORING_OP_ASYNC_CANCEL, reap CQEs with a timeout.
 * Not thread-safe; one ring per test.
 */
#ifndef TIMERX_URING_UTIL_H
#define TIMERX_URING_UTIL_H

/* First: it defines _GNU_SOURCE before any system header. */
#include "timerx_util.h"

#include <linux/io_uring.h>
#include <sys/utsname.h>

struct tx_uring {
	int fd;
	unsigned int sqe_size;		/* 64, or 128 with IORING_SETUP_SQE128 */
	void *sq_ring, *cq_ring;
	size_t sq_ring_len, cq_ring_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	unsigned int sq_pending;	/* filled, not yet submitted */
};

/* Bytes of command payload an SQE carries (the header's 16 or 80). */
static inline size_t tx_uring_cmd_room(const struct tx_uring *u)
{
	return u->sqe_size == 128 ? 80 : 16;
}

/* 0, or -errno (ENOSYS/EPERM when io_uring is unavailable). */
static inline int tx_uring_init(struct tx_uring *u, unsigned int entries, unsigned int flags)
{
	struct io_uring_params p;
	int fd;

	memset(u, 0, sizeof(*u));
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	fd = syscall(__NR_io_uring_setup, entries, &p);
	if (fd < 0)
		return -errno;
	u->fd = fd;
	u->sqe_size = (flags & IORING_SETUP_SQE128) ? 128 : 64;
	u->sq_ring_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	u->cq_ring_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_ring_len > u->sq_ring_len)
			u->sq_ring_len = u->cq_ring_len;
		u->cq_ring_len = u->sq_ring_len;
	}
	u->sq_ring = mmap(NULL, u->sq_ring_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	if (u->sq_ring == MAP_FAILED)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq_ring = u->sq_ring;
	} else {
		u->cq_ring = mmap(NULL, u->cq_ring_len, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (u->cq_ring == MAP_FAILED)
			goto fail;
	}
	u->sqes_len = p.sq_entries * u->sqe_size;
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED)
		goto fail;
	u->sq_head = (unsigned int *)((char *)u->sq_ring + p.sq_off.head);
	u->sq_tail = (unsigned int *)((char *)u->sq_ring + p.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)u->sq_ring + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)u->sq_ring + p.sq_off.array);
	u->cq_head = (unsigned int *)((char *)u->cq_ring + p.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)u->cq_ring + p.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)u->cq_ring + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)u->cq_ring + p.cq_off.cqes);
	return 0;
fail:
	fd = -errno;
	close(u->fd);
	u->fd = -1;
	return fd;
}

static inline void tx_uring_exit(struct tx_uring *u)
{
	if (u->sqes && u->sqes != MAP_FAILED)
		munmap(u->sqes, u->sqes_len);
	if (u->cq_ring && u->cq_ring != MAP_FAILED && u->cq_ring != u->sq_ring)
		munmap(u->cq_ring, u->cq_ring_len);
	if (u->sq_ring && u->sq_ring != MAP_FAILED)
		munmap(u->sq_ring, u->sq_ring_len);
	if (u->fd >= 0)
		close(u->fd);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

/* Next free SQE, zeroed (NULL if the SQ is full). */
static inline struct io_uring_sqe *tx_uring_get_sqe(struct tx_uring *u)
{
	unsigned int head = __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
	unsigned int tail = *u->sq_tail + u->sq_pending;
	unsigned int idx;
	struct io_uring_sqe *sqe;

	if (tail - head > *u->sq_mask)
		return NULL;
	idx = tail & *u->sq_mask;
	sqe = (struct io_uring_sqe *)((char *)u->sqes + (size_t)idx * u->sqe_size);
	memset(sqe, 0, u->sqe_size);
	u->sq_array[idx] = idx;
	u->sq_pending++;
	return sqe;
}

/* Submit everything filled so far; returns the number submitted or -errno. */
static inline int tx_uring_submit(struct tx_uring *u)
{
	unsigned int n = u->sq_pending;
	int ret;

	__atomic_store_n(u->sq_tail, *u->sq_tail + n, __ATOMIC_RELEASE);
	u->sq_pending = 0;
	ret = syscall(__NR_io_uring_enter, u->fd, n, 0, 0, NULL, 0);
	return ret < 0 ? -errno : ret;
}

/* Queue one URING_CMD carrying @len bytes of @payload. */
static inline struct io_uring_sqe *tx_uring_prep_cmd(struct tx_uring *u, int fd, __u32 cmd_op,
						     const void *payload, size_t len,
						     __u64 user_data)
{
	struct io_uring_sqe *sqe = tx_uring_get_sqe(u);

	if (!sqe)
		return NULL;
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	if (len > tx_uring_cmd_room(u))
		len = tx_uring_cmd_room(u);
	if (payload && len)
		memcpy(sqe->cmd, payload, len);
	return sqe;
}

/*
 * Reap one CQE, waiting up to @timeout_ms (0: just look). Returns 1 and
 * fills @cqe, 0 on timeout, or -errno. Entering the kernel also runs any
 * task work, which is how deferred uring_cmd completions get posted.
 */
static inline int tx_uring_wait_cqe(struct tx_uring *u, struct io_uring_cqe *cqe, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * NSEC_PER_MSEC,
	};
	struct io_uring_getevents_arg arg = {
		.sigmask_sz = _NSIG / 8,
		.ts = (__u64)(uintptr_t)&ts,
	};
	unsigned int head;
	int ret;

	for (;;) {
		head = *u->cq_head;
		if (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE)) {
			*cqe = u->cqes[head & *u->cq_mask];
			__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
			return 1;
		}
		if (timeout_ms < 0)
			return 0;
		ret = syscall(__NR_io_uring_enter, u->fd, 0, timeout_ms ? 1 : 0,
			      IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
		if (ret < 0 && errno != ETIME && errno != EINTR)
			return -errno;
		/* One more look after the wait (or after running task work). */
		if (!timeout_ms || (ret < 0 && errno == ETIME))
			timeout_ms = -1;
	}
}

/* Submit one command and wait for its completion: the CQE's res. */
static inline int __tx_uring_sync(struct __test_metadata *_metadata, struct tx_uring *u,
				  int fd, __u32 cmd_op, const void *payload, size_t len)
{
	struct io_uring_cqe cqe;
	static __u64 seq = 0x5e90000000000000ULL;
	__u64 ud = ++seq;

	ASSERT_NE(NULL, tx_uring_prep_cmd(u, fd, cmd_op, payload, len, ud));
	ASSERT_EQ(1, tx_uring_submit(u));
	ASSERT_EQ(1, tx_uring_wait_cqe(u, &cqe, TX_FIRE_TIMEOUT_MS))
		TH_LOG("no completion for cmd_op 0x%x within %d ms", cmd_op, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(ud, cqe.user_data);
	return cqe.res;
}

#define tx_uring_sync(u, fd, op, payload, len) \
	__tx_uring_sync(_metadata, u, fd, op, payload, len)

/* Kernel version as major * 100 + minor (e.g. 601, 612). */
static inline int tx_kernel_version(void)
{
	struct utsname un;
	int major = 0, minor = 0;

	if (uname(&un) || sscanf(un.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 100 + minor;
}

/* IORING_REGISTER_FILES: 0 or -errno. */
static inline int tx_uring_register_files(struct tx_uring *u, const int *fds, unsigned int n)
{
	int ret = syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_FILES, fds, n);

	return ret < 0 ? -errno : 0;
}

static const char tx_wait_payload[16];

/* Queue a TIMERX_URING_CMD_WAIT (zero payload) with extra SQE @flags. */
static inline struct io_uring_sqe *tx_uring_prep_wait(struct tx_uring *u, int fd,
						      __u8 sqe_flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = tx_uring_prep_cmd(u, fd, TIMERX_URING_CMD_WAIT,
						     tx_wait_payload,
						     sizeof(tx_wait_payload), user_data);

	if (sqe)
		sqe->flags |= sqe_flags;
	return sqe;
}

/*
 * Can this kernel's timerx WAIT at all? The header: on kernels whose
 * io_uring cannot cancel driver commands it "fails at once with
 * EOPNOTSUPP". Probed on a throwaway context and ring with nothing ready:
 * returns 1 (the WAIT stayed pending: supported; it is cancelled again by
 * closing the context), 0 (-EOPNOTSUPP at once), or -errno (something else
 * went wrong, or the WAIT completed with another result; logged).
 */
static inline int tx_uring_wait_supported(void)
{
	struct io_uring_cqe cqe;
	struct tx_uring u;
	int fd, ret;

	ret = tx_uring_init(&u, 4, 0);
	if (ret)
		return ret;
	fd = tx_open();
	if (fd < 0 || tx_setup(fd, 4, NULL)) {
		ret = fd < 0 ? fd : -errno;
		goto out;
	}
	if (!tx_uring_prep_wait(&u, fd, 0, 0x9406e) || tx_uring_submit(&u) != 1) {
		ret = -EIO;
		goto out;
	}
	ret = tx_uring_wait_cqe(&u, &cqe, 200);
	if (ret == 1) {
		if (cqe.res == -EOPNOTSUPP) {
			ret = 0;
		} else {
			fprintf(stderr, "# WAIT probe: completed at once with res %d\n", cqe.res);
			ret = cqe.res < 0 ? cqe.res : -EPROTO;
		}
		goto out;
	}
	if (ret < 0)
		goto out;
	/* Pending: closing the (only) descriptor ends it with -ECANCELED. */
	close(fd);
	fd = -1;
	if (tx_uring_wait_cqe(&u, &cqe, TX_FIRE_TIMEOUT_MS) != 1)
		fprintf(stderr, "# WAIT probe: close did not complete the pending WAIT\n");
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	tx_uring_exit(&u);
	return ret;
}

#endif /* TIMERX_URING_UTIL_H */
