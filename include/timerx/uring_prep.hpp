/* SPDX-License-Identifier: MIT */
/*
 * liburing-style helpers for applications that own their io_uring: each
 * prepares one SQE as IORING_OP_URING_CMD on a /dev/timerx fd, with
 * sqe->cmd_op = the command's ioctl number and its UAPI struct copied into
 * the SQE's command area (sqe->cmd). Like liburing's io_uring_prep_*(),
 * they leave sqe->user_data alone and clear everything else the kernel
 * reads.
 *
 * The command area holds 16 bytes in a normal SQE and 80 with
 * IORING_SETUP_SQE128. struct timerx_create (32 bytes) and struct
 * timerx_arm (40) need a ring set up with IORING_SETUP_SQE128:
 * prep_create() and prep_arm() (the module fails them with -EINVAL
 * otherwise; needs_sqe128() tells). Everything else fits a plain 64-byte
 * SQE, an engine's own ring included (API 3): a one-shot arm without
 * slack (prep_arm_oneshot(): ARM_AT / ARM_IN, 16 bytes), postpone,
 * cancel, delete, flush, wait, and BATCH (prep_batch(): a pointer to any
 * number of arm, cancel and postpone entries, up to TIMERX_BATCH_MAX).
 * The
 * bytes of the area after the payload are reserved and must be zero
 * (-EINVAL): these helpers clear the first 16 bytes of the area, as
 * liburing does, but not the 64 an SQE128 ring adds after the SQE (they
 * would be the next SQE in a normal ring). In an SQE128 ring whose slots
 * carried a create or arm before, call clear_sqe128_tail() first.
 *
 * CQE res: 0, the new timer id (create), the number of events written
 * (flush), the number of events ready (wait), the number of entries run
 * (batch), or -errno (-ETIME: a postpone of a timer that is not armed).
 * The payload is copied when the SQE is issued: the struct passed here
 * may be reused at once; a BATCH's entries are read and written while it
 * runs and must stay until its CQE.
 *
 * Sequence numbers: an arm carries the arming's seq. To have a Context's
 * reader drop the events of the armings yours replace, take it from the
 * Context's table and tell the table when the CQE says the arm took:
 *     const auto seq = ctx.armings()->next_seq(id);     // before
 *     prep_arm_oneshot(sqe, ctx.fd(), spec, *seq);
 *     ctx.armings()->commit(id, *seq);                 // on res == 0
 * and ctx.armings()->retire(id) when a cancel or delete completes. TIMERX_URING_CMD_WAIT completes
 * when events are ready, or with -ECANCELED when the process that submitted it closes a file
 * descriptor of the context (a forked child closing its copy does not end it), and at io_uring ring
 * or task exit; IORING_OP_ASYNC_CANCEL does not reach driver commands. Kernels whose io_uring
 * cannot cancel driver commands (before 6.7, such as Debian's 6.1) fail it at once with
 * -EOPNOTSUPP: wait with io_uring_prep_poll_add(sqe, fd, POLLIN) there (Uring::wait() switches by
 * itself).
 *
 * Requires liburing (Requires.private in libtimerx.pc); these are inline
 * and need no symbol from libtimerx.
 */
#ifndef TIMERX_URING_PREP_HPP
#define TIMERX_URING_PREP_HPP

#include <liburing.h>
#include <linux/timerx.h>

#include <timerx/batch.hpp>
#include <timerx/types.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace timerx {

/* Bytes of command payload in a normal SQE and in an IORING_SETUP_SQE128 one. */
inline constexpr std::size_t sqe_cmd_bytes = 16;
inline constexpr std::size_t sqe128_cmd_bytes = 80;

static_assert(sizeof(io_uring_sqe) == 64);
static_assert(offsetof(io_uring_sqe, cmd) == 64 - sqe_cmd_bytes);
static_assert(sizeof(timerx_create) <= sqe128_cmd_bytes && sizeof(timerx_arm) <= sqe128_cmd_bytes);
static_assert(sizeof(timerx_timer_ref) <= sqe_cmd_bytes);
/* API 3: the hot commands fit a plain SQE. */
static_assert(sizeof(timerx_arm_oneshot) == sqe_cmd_bytes);
static_assert(sizeof(timerx_postpone) == sqe_cmd_bytes);
static_assert(sizeof(timerx_batch) == sqe_cmd_bytes);

/* The payload size of a command number (its ioctl size field). */
[[nodiscard]] constexpr std::size_t cmd_payload_size(unsigned cmd_op) noexcept
{
	return _IOC_SIZE(cmd_op);
}

/* Whether a command only fits an IORING_SETUP_SQE128 ring. */
[[nodiscard]] constexpr bool needs_sqe128(unsigned cmd_op) noexcept
{
	return cmd_payload_size(cmd_op) > sqe_cmd_bytes;
}

/*
 * Zero the second half of an SQE of an IORING_SETUP_SQE128 ring: bytes
 * 16..79 of its command area. Only for such rings (in a normal ring that
 * is the next SQE).
 */
inline void clear_sqe128_tail(io_uring_sqe *sqe) noexcept
{
	std::memset(reinterpret_cast<unsigned char *>(sqe) + sizeof(io_uring_sqe), 0,
		    sqe128_cmd_bytes - sqe_cmd_bytes);
}

/*
 * The generic form: @len bytes of @payload (at most 80; more than 16
 * needs an SQE128 ring) as command @cmd_op.
 */
inline void prep_uring_cmd(io_uring_sqe *sqe, int fd, unsigned cmd_op, const void *payload,
			   std::size_t len) noexcept
{
	/* Zeroes everything the kernel checks, and the 16-byte command area. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, nullptr, 0, 0);
	sqe->cmd_op = cmd_op;
	sqe->__pad1 = 0;
	if (len != 0)
		std::memcpy(reinterpret_cast<unsigned char *>(sqe) + offsetof(io_uring_sqe, cmd),
			    payload, len);
}

/* TIMERX_IOC_CREATE (SQE128). */
inline void prep_create(io_uring_sqe *sqe, int fd, const timerx_create &c) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_CREATE, &c, sizeof(c));
}
inline void prep_create(io_uring_sqe *sqe, int fd, const TimerSpec &spec) noexcept
{
	const timerx_create c = spec.to_uapi();
	prep_create(sqe, fd, c);
}

/* TIMERX_IOC_ARM (SQE128), the arming's seq @seq. */
inline void prep_arm(io_uring_sqe *sqe, int fd, const timerx_arm &a) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_ARM, &a, sizeof(a));
}
inline void prep_arm(io_uring_sqe *sqe, int fd, const ArmSpec &spec, std::uint32_t seq = 0) noexcept
{
	const timerx_arm a = spec.to_uapi(seq);
	prep_arm(sqe, fd, a);
}

/* TIMERX_IOC_ARM_AT / TIMERX_IOC_ARM_IN: a one-shot without slack in a plain SQE. */
inline void prep_arm_at(io_uring_sqe *sqe, int fd, const timerx_arm_oneshot &a) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_ARM_AT, &a, sizeof(a));
}
inline void prep_arm_in(io_uring_sqe *sqe, int fd, const timerx_arm_oneshot &a) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_ARM_IN, &a, sizeof(a));
}
/*
 * @spec as ARM_AT (absolute) or ARM_IN (relative); its period and slack
 * must be zero (spec.one_shot_exact(): else use prep_arm() or a BATCH).
 */
inline void prep_arm_oneshot(io_uring_sqe *sqe, int fd, const ArmSpec &spec,
			     std::uint32_t seq = 0) noexcept
{
	const timerx_arm_oneshot a = spec.to_uapi_oneshot(seq);
	prep_uring_cmd(sqe, fd, spec.oneshot_cmd_op(), &a, sizeof(a));
}

/* TIMERX_IOC_POSTPONE (plain SQE): res -ETIME when the timer is not armed. */
inline void prep_postpone(io_uring_sqe *sqe, int fd, const timerx_postpone &p) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_POSTPONE, &p, sizeof(p));
}
inline void prep_postpone(io_uring_sqe *sqe, int fd, const PostponeSpec &spec) noexcept
{
	const timerx_postpone p = spec.to_uapi();
	prep_postpone(sqe, fd, p);
}

/*
 * TIMERX_IOC_BATCH (plain SQE) over @entries, which must stay valid until
 * the CQE: res = the number run, each one's result written into it.
 */
inline void prep_batch(io_uring_sqe *sqe, int fd, std::span<timerx_batch_entry> entries) noexcept
{
	timerx_batch b{};
	b.entries = reinterpret_cast<std::uintptr_t>(entries.data());
	b.nr = entries.size() > TIMERX_BATCH_MAX ? TIMERX_BATCH_MAX + 1U
						 : static_cast<std::uint32_t>(entries.size());
	prep_uring_cmd(sqe, fd, TIMERX_IOC_BATCH, &b, sizeof(b));
}

/* TIMERX_IOC_CANCEL. */
inline void prep_cancel(io_uring_sqe *sqe, int fd, const timerx_timer_ref &r) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_CANCEL, &r, sizeof(r));
}
inline void prep_cancel(io_uring_sqe *sqe, int fd, TimerId id) noexcept
{
	prep_cancel(sqe, fd, make_timer_ref(id));
}

/* TIMERX_IOC_DELETE. */
inline void prep_delete(io_uring_sqe *sqe, int fd, const timerx_timer_ref &r) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_DELETE, &r, sizeof(r));
}
inline void prep_delete(io_uring_sqe *sqe, int fd, TimerId id) noexcept
{
	prep_delete(sqe, fd, make_timer_ref(id));
}

/* TIMERX_IOC_FLUSH: res = the number of events written into the ring. */
inline void prep_flush(io_uring_sqe *sqe, int fd) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_IOC_FLUSH, nullptr, 0);
}

/* TIMERX_URING_CMD_WAIT: no payload (the area is zero); res = events ready. */
inline void prep_wait(io_uring_sqe *sqe, int fd) noexcept
{
	prep_uring_cmd(sqe, fd, TIMERX_URING_CMD_WAIT, nullptr, 0);
}

} // namespace timerx

#endif /* TIMERX_URING_PREP_HPP */
