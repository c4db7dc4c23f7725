/* SPDX-License-Identifier: MIT */
/*
 * Synchronous timer commands: one ioctl(2) each on a /dev/timerx file
 * descriptor (Context has the same operations as members).
 *
 * All are noexcept and return a Result (see error.hpp); the errors:
 *   ENOENT   no such timer in this context
 *   EINVAL   bad clock, CPU not online, relative expiry < 0, period too big
 *   EOPNOTSUPP  a flag the module does not know
 *   ENOSPC   max_timers_per_ctx reached (create)
 *   EPERM    period below min_period_ns without CAP_SYS_NICE (arm)
 *   EBADFD   the ring is not set up yet
 *   ETIME    postpone: the timer is not armed any more (already expired,
 *            or cancelled; see already_expired())
 *
 * These send what they are given: an arm's seq is the caller's (0 unless
 * said), and no ArmingTable learns of it. Context's members are the same
 * commands with the seq bookkeeping that lets its reader drop stale
 * events.
 *
 * Thread safety: any thread may call these at any time, concurrently with
 * each other and with the ring consumer; the module serialises commands of
 * one context.
 */
#ifndef TIMERX_TIMER_HPP
#define TIMERX_TIMER_HPP

#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/types.hpp>

#include <cstdint>
#include <span>

namespace timerx {

/* TIMERX_IOC_CREATE: the new timer's id. */
[[nodiscard]] TIMERX_API Result<TimerId> create_timer(int fd, const TimerSpec &spec) noexcept;

/*
 * TIMERX_IOC_ARM, or TIMERX_IOC_ARM_AT / ARM_IN for a one-shot without
 * slack (the same arming in 16 bytes), with the arming's sequence number
 * @seq. EINVAL for an invalid spec (nothing sent).
 */
[[nodiscard]] TIMERX_API Result<void> arm_timer(int fd, const ArmSpec &spec,
						std::uint32_t seq = 0) noexcept;

/* TIMERX_IOC_POSTPONE: ETIME when the timer is not armed (see above). */
[[nodiscard]] TIMERX_API Result<void> postpone_timer(int fd, const PostponeSpec &spec) noexcept;

/*
 * TIMERX_IOC_BATCH over @entries in place (at most TIMERX_BATCH_MAX:
 * else E2BIG): the number of entries run, each one's result (0 or
 * -errno) written into it. Fewer than entries.size() only when an entry
 * could not be read or written (EFAULT if the first).
 */
[[nodiscard]] TIMERX_API Result<std::uint32_t>
run_batch(int fd, std::span<timerx_batch_entry> entries) noexcept;

/* TIMERX_IOC_CANCEL: stops the timer; expirations already pending are kept. */
[[nodiscard]] TIMERX_API Result<void> cancel_timer(int fd, TimerId id) noexcept;

/* TIMERX_IOC_DELETE: cancels and frees the timer; its pending expirations are dropped. */
[[nodiscard]] TIMERX_API Result<void> delete_timer(int fd, TimerId id) noexcept;

/* TIMERX_IOC_GET. */
[[nodiscard]] TIMERX_API Result<TimerInfo> get_timer(int fd, TimerId id) noexcept;

/* TIMERX_IOC_CTX_INFO. */
[[nodiscard]] TIMERX_API Result<ContextInfo> context_info(int fd) noexcept;

/* TIMERX_IOC_FLUSH: the number of events written into the ring. */
[[nodiscard]] TIMERX_API Result<std::uint32_t> flush(int fd) noexcept;

} // namespace timerx

#endif /* TIMERX_TIMER_HPP */
