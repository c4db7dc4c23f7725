/* SPDX-License-Identifier: MIT */
/*
 * UringAttachment: timerx's commands in an io_uring that the engine owns.
 *
 * An engine that already runs an io_uring (its sockets and files, set up
 * with its own flags: SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN, SQPOLL,
 * SQE128 or not) wants its timer commands in that ring, not in a second
 * one that needs its own io_uring_enter(2). An attachment borrows the
 * engine's struct io_uring and never submits, waits on, reaps or tears it
 * down: the engine does all of that as it always does.
 *
 *   queue(batch)   puts the batch's commands into the ring's SQ, as Uring
 *                  would send them (a BATCH per run of arms, postpones and
 *                  cancels, ARM_AT / ARM_IN for a lone one-shot arm: 16
 *                  bytes, a plain SQE), each SQE's user_data carrying the
 *                  attachment's tag in bits 63..56;
 *                  the engine's next io_uring_submit*() sends them;
 *   handle(cqe)    the engine's CQ loop hands every CQE to it first (or
 *                  only those owns() / is_tagged() claims): true when the
 *                  CQE was timerx's, whose result went into the batch;
 *   done()         every command of the queued batch completed: its
 *                  results are final and the Context's ArmingTable has
 *                  learnt them, so that the reader drops replaced armings.
 *
 * Engines whose user_data are pointers collide with no tag: user-space
 * pointers have their top byte 0 on every 64-bit Linux ABI. One batch is
 * in flight per attachment; several attachments with different tags give
 * several. Keep the Batch, and the attachment, until done() (the module
 * reads and writes a BATCH's entries while it runs).
 *
 * Nothing is probed: the engine's ring is not ours to submit and wait on.
 * Where the module cannot take a command over io_uring, its result is the
 * CQE's -errno (-EOPNOTSUPP, -EINVAL); Uring::open() is the way to find
 * out beforehand. Waits: queue_wait() queues TIMERX_URING_CMD_WAIT, and
 * its refusal on kernels whose io_uring cannot cancel driver commands
 * (-EOPNOTSUPP, Debian's 6.1) becomes a POLL_ADD of the fd inside
 * handle(), as Uring::wait() does; the engine's next submit sends it.
 *
 * No allocation after attach(); queue() and handle() make no system call.
 * Threading: that of the engine's ring (liburing: one thread at a time).
 */
#ifndef TIMERX_URING_ATTACH_HPP
#define TIMERX_URING_ATTACH_HPP

#include <timerx/batch.hpp>
#include <timerx/context.hpp>
#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/uring.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

/* liburing's, in the engine's translation units; no <liburing.h> needed here. */
struct io_uring;
struct io_uring_cqe;

namespace timerx {

struct AttachOptions {
	/* Bits 63..56 of the user_data of every SQE queued: what the engine routes CQEs by. */
	std::uint8_t tag = 0x7E;
	/*
	 * The context's fd as registered in the engine's ring
	 * (io_uring_register_files(): its index, IOSQE_FIXED_FILE), or -1:
	 * SQEs carry the fd.
	 */
	int file_index = -1;
};

class TIMERX_API UringAttachment {
public:
	/*
	 * For @ctx in the engine's @ring (not owned; it must outlive the
	 * attachment), with the Context's ArmingTable: arms get their seqs
	 * from it and it learns what they did. EINVAL: no ring, or a tag of 0
	 * (what pointers and small integers look like); ENOMEM.
	 */
	[[nodiscard]] static Result<UringAttachment>
	attach(io_uring *ring, const Context &ctx, const AttachOptions &opts = {}) noexcept;
	/* The same for a bare fd: no ArmingTable, arms carry seq 0. */
	[[nodiscard]] static Result<UringAttachment>
	attach(io_uring *ring, int fd, const AttachOptions &opts = {}) noexcept;

	/* Not attached (also what a moved-from one is): queue() fails with EBADF. */
	UringAttachment() noexcept;
	/* Leaves the ring as it is: SQEs queued stay queued, CQEs still due go unclaimed. */
	~UringAttachment();
	UringAttachment(UringAttachment &&other) noexcept;
	UringAttachment &operator=(UringAttachment &&other) noexcept;
	UringAttachment(const UringAttachment &) = delete;
	UringAttachment &operator=(const UringAttachment &) = delete;

	/* Whether @user_data carries @tag (bits 63..56): for routing before handle(). */
	[[nodiscard]] static constexpr bool is_tagged(std::uint64_t user_data,
						      std::uint8_t tag) noexcept
	{
		return (user_data >> 56) == tag;
	}

	[[nodiscard]] bool is_attached() const noexcept { return impl_ != nullptr; }
	[[nodiscard]] std::uint8_t tag() const noexcept;
	/* Whether @cqe is one of this attachment's (its tag). */
	[[nodiscard]] bool owns(const io_uring_cqe *cqe) const noexcept;

	/* SQEs queue(@batch) takes: one per module command (a BATCH is one). */
	[[nodiscard]] std::size_t sqes_needed(const Batch &batch) const noexcept;

	/*
	 * Queue every command of @batch in the ring's SQ; nothing is
	 * submitted. All or nothing: EBUSY when the SQ has less room than
	 * sqes_needed() (nothing queued: submit what is there, reap, queue
	 * again), EALREADY while the previous batch is not done(), EINVAL for
	 * a create in a ring without IORING_SETUP_SQE128 (32 bytes: create
	 * with Context, by ioctl(2)), EBADF when not attached. The number of
	 * SQEs queued; the batch's results are EINPROGRESS until their CQEs
	 * are handled. Order::sequential links them with IOSQE_IO_HARDLINK.
	 */
	[[nodiscard]] Result<std::size_t> queue(Batch &batch, Order order = Order::any) noexcept;

	/*
	 * A CQE of the engine's ring: true when it is this attachment's
	 * (consumed here: the engine still advances the CQ over it), false
	 * when it is somebody else's. A CQE of a batch given up with
	 * abandon() is dropped (stats().stale_cqes).
	 */
	bool handle(const io_uring_cqe *cqe) noexcept;

	/* Every command of the last batch queued has completed (true when none was). */
	[[nodiscard]] bool done() const noexcept;
	/* CQEs of the batch still to come. */
	[[nodiscard]] std::size_t pending() const noexcept;
	/*
	 * Give up on the batch in flight (the engine tears its ring down, or
	 * stops waiting): commands whose CQE has not come keep EINPROGRESS
	 * (outcome unknown), what completed is learnt, and later CQEs of it
	 * are dropped as stale. The Batch may be reused at once only when the
	 * ring is gone; else its entries may still be written by a BATCH.
	 */
	void abandon() noexcept;

	/*
	 * Queue a wait: TIMERX_URING_CMD_WAIT (completes when events are
	 * ready), or a POLL_ADD of the fd once the module refused a WAIT.
	 * Nothing to do when one is queued already. EBUSY: no free SQE.
	 * Call RingReader::prepare_wait() first, then submit and wait on the
	 * ring as the engine does.
	 */
	[[nodiscard]] Result<void> queue_wait() noexcept;
	/* A wait is queued (or submitted) and its CQE has not been handled. */
	[[nodiscard]] bool wait_queued() const noexcept;
	/*
	 * The completed wait's outcome, once: the number of events ready
	 * (WAIT), 1 (POLL_ADD: readable), ECANCELED (this process closed a
	 * descriptor of the context), ...; EAGAIN when no wait has completed
	 * since the last call.
	 */
	[[nodiscard]] Result<std::uint32_t> take_wait() noexcept;
	/* Waits are POLL_ADDs: the module refused TIMERX_URING_CMD_WAIT. */
	[[nodiscard]] bool waits_with_poll() const noexcept;

	/* Whether the ring has 128-byte SQEs (creates can go in it). */
	[[nodiscard]] bool sqe128() const noexcept;
	[[nodiscard]] int fd() const noexcept;
	/* sqes, batches, waits, stale_cqes (enters and ioctls stay 0: the engine enters). */
	[[nodiscard]] const UringStats &stats() const noexcept;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace timerx

#endif /* TIMERX_URING_ATTACH_HPP */
