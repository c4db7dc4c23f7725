/* SPDX-License-Identifier: MIT */
/*
 * Uring: an io_uring bound to one context, for batched timer commands and
 * blocking waits.
 *
 * It owns a ring of plain 64-byte SQEs set up with
 * IORING_SETUP_SUBMIT_ALL, and registers the context's fd in it
 * (io_uring_register_files(); every SQE then names it with
 * IOSQE_FIXED_FILE, sparing io_uring the fd lookup) unless the kernel
 * refuses, in which case SQEs carry the fd. submit() sends a Batch as
 * the module commands batch.hpp describes: each run of arms, postpones
 * and cancels is one TIMERX_IOC_BATCH uring_cmd (its 16-byte payload
 * points at the batch's entries: a plain SQE), a lone one-shot arm is
 * ARM_AT / ARM_IN (16 bytes), creates need 32 bytes and go through
 * ioctl(2) unless the ring was made with UringOptions::sqe128. One
 * io_uring_enter(2) per sq_entries commands (one for a batch that fits
 * the SQ) submits and waits for the completions, matched back to their
 * commands through sqe->user_data. No allocation after open().
 *
 * Transport. The constructor decides once whether the module takes
 * commands over io_uring: with Transport::automatic it submits a
 * TIMERX_IOC_FLUSH uring_cmd and looks at the CQE (choose_transport()).
 * If io_uring cannot be set up (old kernel, io_uring disabled, seccomp) or
 * the command is refused (-EOPNOTSUPP, -EINVAL, -ENOTTY, ...), commands go
 * through ioctl(2) instead, one per command, with the same results. The
 * choice is observable (transport(), probe_result()) and can be forced
 * (UringOptions::transport) for tests.
 *
 * Waiting. wait() blocks until events are ready: with TIMERX_URING_CMD_WAIT
 * on the uring_cmd transport, with a POLL_ADD of the fd when only plain
 * io_uring works, with poll(2) when there is no io_uring. Kernels whose
 * io_uring cannot cancel driver commands (before 6.7: Debian's 6.1) refuse
 * the WAIT at once with -EOPNOTSUPP; the first wait() that sees it queues
 * a POLL_ADD instead, in the same call, and every later wait() does the
 * same (waits_with_poll()): the caller never sees the refusal. A wait that
 * times out stays queued in the kernel and is reused by the next wait().
 * Like poll, wait() may report readiness that a busy-polling consumer
 * already took: consume, and wait again.
 *
 * Lifetime: a Uring uses the context's fd but does not own it; destroy it
 * before the Context (a registered fd, like a pending POLL_ADD, holds the
 * context open until then). A queued WAIT completes with -ECANCELED (reported by
 * the next wait()) when the process that submitted it closes a descriptor
 * of the context (a forked child closing its copy does not end it), and
 * when the Uring is destroyed. A queued POLL_ADD is not ended by closing
 * the context (io_uring holds a reference to the file, so the context
 * lives on until then): destroying the Uring (io_uring's exit) cancels it.
 *
 * Threading: one thread at a time (like liburing's struct io_uring).
 */
#ifndef TIMERX_URING_HPP
#define TIMERX_URING_HPP

#include <timerx/batch.hpp>
#include <timerx/context.hpp>
#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/timeout.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>

namespace timerx {

enum class Transport : std::uint8_t {
	automatic, /* probe at construction (UringOptions only) */
	uring_cmd, /* IORING_OP_URING_CMD */
	ioctl,     /* ioctl(2), one per command */
};

[[nodiscard]] TIMERX_API const char *to_string(Transport t) noexcept;

/*
 * The fallback decision. @setup_result: what io_uring_queue_init_params()
 * returned (0 or -errno). @probe_result: the CQE res of
 * a TIMERX_IOC_FLUSH uring_cmd on the context (or the -errno of submitting
 * it). uring_cmd only when the ring exists and the module ran the command
 * (res >= 0, or -EBADFD: a context whose ring is not set up yet).
 */
[[nodiscard]] constexpr Transport choose_transport(int setup_result, int probe_result) noexcept
{
	if (setup_result < 0)
		return Transport::ioctl;
	if (probe_result >= 0 || probe_result == -EBADFD)
		return Transport::uring_cmd;
	return Transport::ioctl;
}

/* Commands of one submission: any order (fastest), or one after the other. */
enum class Order : std::uint8_t {
	any,
	sequential, /* IOSQE_IO_HARDLINK chains: each runs after the previous completed */
};

struct UringOptions {
	/* SQ size: commands per io_uring_enter(2). The CQ is twice as big. */
	unsigned sq_entries = 256;
	/*
	 * IORING_SETUP_* flags to add: SINGLE_ISSUER, DEFER_TASKRUN (with
	 * SINGLE_ISSUER), COOP_TASKRUN, TASKRUN_FLAG; anything else is EINVAL
	 * (SQPOLL in particular: submit() takes back SQEs the kernel did not
	 * consume, which a polling thread would race). With SINGLE_ISSUER the
	 * Uring must be used by the thread that opened it. A kernel that does
	 * not know a flag fails the setup (setup_result()), and the Uring
	 * falls back as without io_uring.
	 */
	unsigned setup_flags = 0;
	/* automatic, or forced: uring_cmd (open() fails if io_uring is unusable) or ioctl. */
	Transport transport = Transport::automatic;
	/*
	 * IORING_SETUP_SQE128, so that creates (32 bytes) go through the ring
	 * too; twice the SQ memory. A kernel without it: a plain ring, creates
	 * by ioctl(2).
	 */
	bool sqe128 = false;
	/* Register the context's fd with the ring (IOSQE_FIXED_FILE) when the kernel lets us. */
	bool register_file = true;
};

struct UringStats {
	std::uint64_t enters = 0;     /* io_uring_enter(2) calls that submitted commands */
	std::uint64_t sqes = 0;       /* module commands sent as uring_cmd (a BATCH is one) */
	std::uint64_t ioctls = 0;     /* module commands sent as ioctl(2) (a BATCH is one) */
	std::uint64_t batches = 0;    /* of those, TIMERX_IOC_BATCH commands */
	std::uint64_t waits = 0;      /* wait() calls that blocked or polled */
	std::uint64_t stale_cqes = 0; /* completions of an earlier, failed submission */
	std::uint64_t unsent = 0;     /* commands a failed submit() took back (ECANCELED) */
};

class TIMERX_API Uring {
public:
	/*
	 * For the context open on @fd (not owned). Fails only with EINVAL
	 * (sq_entries 0), ENOMEM, or io_uring's setup error when
	 * Transport::uring_cmd is forced.
	 */
	[[nodiscard]] static Result<Uring> open(int fd, const UringOptions &opts = {}) noexcept;
	/*
	 * The same for @ctx, and with its ArmingTable: arms get their seqs
	 * from it, and it learns what submit() armed and cancelled, so that
	 * ctx.reader() drops the events of the armings replaced. A Uring
	 * opened on a bare fd sends the seqs as queued (0).
	 */
	[[nodiscard]] static Result<Uring> open(const Context &ctx,
						const UringOptions &opts = {}) noexcept;

	/*
	 * Not open (also what a moved-from Uring is): submit() and wait()
	 * fail with EBADF, the accessors report no ring.
	 */
	Uring() noexcept;
	~Uring();
	Uring(Uring &&other) noexcept;
	Uring &operator=(Uring &&other) noexcept;
	Uring(const Uring &) = delete;
	Uring &operator=(const Uring &) = delete;

	/* uring_cmd or ioctl: how submit() sends commands. */
	[[nodiscard]] Transport transport() const noexcept;
	/* io_uring_queue_init_params()'s result (0 or -errno). */
	[[nodiscard]] int setup_result() const noexcept;
	/* The probe's CQE res (0 when not probed: forced transport, or no ring). */
	[[nodiscard]] int probe_result() const noexcept;
	/* Whether an io_uring exists (also on the ioctl transport, for waits). */
	[[nodiscard]] bool has_ring() const noexcept;
	[[nodiscard]] int ring_fd() const noexcept;
	/* Whether the ring has 128-byte SQEs (UringOptions::sqe128 granted). */
	[[nodiscard]] bool sqe128() const noexcept;
	/* Whether the context's fd is registered with the ring (IOSQE_FIXED_FILE). */
	[[nodiscard]] bool fixed_file() const noexcept;
	/* io_uring_register_files()'s result: 0, -errno, or 1 when not tried. */
	[[nodiscard]] int register_result() const noexcept;
	[[nodiscard]] unsigned sq_entries() const noexcept;
	[[nodiscard]] int fd() const noexcept;

	/*
	 * Send every command of @batch (see above: BATCH, ARM_AT / ARM_IN,
	 * ...) and fill in their results. Returns the
	 * number of commands completed (batch.size()), or the Error of
	 * io_uring itself (after retrying -EAGAIN/-EBUSY with a backoff of a
	 * few ms); then each command's result says what happened to it (see
	 * batch.hpp): its outcome; ECANCELED: not sent, and taken back out of
	 * the SQ (liburing leaves unconsumed SQEs there for the next enter;
	 * submit() rewinds the SQ tail instead), so resending it does not
	 * double it; EINPROGRESS: the kernel took it but its completion had
	 * not come (it may have run; its completion is dropped as stale).
	 */
	[[nodiscard]] Result<std::size_t> submit(Batch &batch, Order order = Order::any) noexcept;

	/*
	 * Block until events are ready or @timeout passes (see timeout.hpp:
	 * zero just checks, `forever` has no timeout). The number of events
	 * ready with TIMERX_URING_CMD_WAIT, 1 with poll waits (0: woken with
	 * nothing ready any more); ETIMEDOUT; ECANCELED: this process closed
	 * a descriptor of the context (WAIT only, see above); EINTR. Call
	 * RingReader::prepare_wait() first.
	 */
	[[nodiscard]] Result<std::uint32_t> wait(Timeout timeout) noexcept;

	/* A wait is queued in the kernel (a previous wait() timed out). */
	[[nodiscard]] bool wait_queued() const noexcept;

	/*
	 * Whether wait() polls the fd (POLL_ADD, or poll(2) without io_uring)
	 * instead of sending TIMERX_URING_CMD_WAIT: on the ioctl transport,
	 * and for the rest of the Uring's life once the module refused a WAIT
	 * (-EOPNOTSUPP; decided by the first wait(), since a WAIT cannot be
	 * probed without blocking). With poll waits, closing the context does
	 * not complete a pending wait with -ECANCELED; io_uring's exit
	 * (destroying the Uring) cancels it.
	 */
	[[nodiscard]] bool waits_with_poll() const noexcept;

	[[nodiscard]] const UringStats &stats() const noexcept;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace timerx

#endif /* TIMERX_URING_HPP */
