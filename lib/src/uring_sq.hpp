/* SPDX-License-Identifier: MIT */
/*
 * Taking back SQEs that io_uring_enter(2) did not consume.
 *
 * liburing's io_uring_submit*() publishes every queued SQE (it stores the
 * SQ tail) before it enters the kernel. When the enter fails, or consumes
 * only some of them (-EAGAIN, -EBUSY, a short count), the rest stay in the
 * SQ, visible to the kernel, and the next io_uring_enter(2) of any caller
 * submits them: a submission reported as failed would still run, later.
 * liburing has no call to withdraw them, so this moves the tail back to
 * the kernel's head (and liburing's own view of the SQ with it), which is
 * safe only where nothing else reads the SQ between enters: no SQPOLL
 * thread (Uring refuses IORING_SETUP_SQPOLL) and one thread at a time.
 */
#ifndef TIMERX_SRC_URING_SQ_HPP
#define TIMERX_SRC_URING_SQ_HPP

#include <liburing.h>

namespace timerx::detail {

/*
 * Drop the SQEs published to the kernel but not consumed by it, and any
 * prepared but not yet published. Returns how many were dropped (the
 * newest ones: the SQ is FIFO).
 */
inline unsigned rewind_unsubmitted(io_uring *ring) noexcept
{
	io_uring_sq *sq = &ring->sq;
	/* Without SQPOLL only io_uring_enter() moves khead: nobody races this read. */
	const unsigned khead = __atomic_load_n(sq->khead, __ATOMIC_ACQUIRE);
	const unsigned dropped = sq->sqe_tail - khead;
	sq->sqe_tail = khead;
	sq->sqe_head = khead;
	__atomic_store_n(sq->ktail, khead, __ATOMIC_RELEASE);
	return dropped;
}

} // namespace timerx::detail

#endif /* TIMERX_SRC_URING_SQ_HPP */
