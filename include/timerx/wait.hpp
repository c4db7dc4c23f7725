/* SPDX-License-Identifier: MIT */
/*
 * Waiting for events, three ways:
 *
 *   1. Busy-polling: spin_until()/spin_for() spin on the ring with
 *      TIMERX_CONSUMER_F_POLLING set, so the kernel does no wakeup work
 *      per event. Lowest latency, one CPU.
 *   2. Blocking on the file descriptor: poll_fd() here, or the fd in your
 *      own epoll set (EPOLLIN, level-triggered; call
 *      RingReader::prepare_wait() first and skip epoll_wait() if it says
 *      work arrived).
 *   3. Blocking through io_uring: Uring::wait() (TIMERX_URING_CMD_WAIT,
 *      or POLL_ADD where uring_cmd is unavailable or the kernel refuses
 *      the WAIT, as 6.1 does), or prep_wait() in your own ring.
 *
 * wait_hybrid() combines them: spin a while, then block.
 *
 * Threading: the consumer thread only (they use its RingReader).
 */
#ifndef TIMERX_WAIT_HPP
#define TIMERX_WAIT_HPP

#include <timerx/detail/atomic.hpp>
#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/timeout.hpp>

#include <chrono>
#include <type_traits>

namespace timerx {

/*
 * Spin until the reader has work or @deadline passes.
 *
 * true: work is ready; TIMERX_CONSUMER_F_POLLING stays set (keep
 * consuming and spinning without wakeups).
 * false: deadline passed; the flag has been cleared and the ring
 * re-checked (RingReader::prepare_wait()): it is safe to block now.
 */
[[nodiscard]] inline bool spin_until(RingReader &reader,
				     std::chrono::steady_clock::time_point deadline) noexcept
{
	reader.set_polling(true);
	for (unsigned i = 0;; ++i) {
		if (reader.has_work())
			return true;
		/* The clock costs more than a ring check: read it every 64 spins. */
		if ((i & 63) == 0 && std::chrono::steady_clock::now() >= deadline)
			break;
		detail::cpu_relax();
	}
	return !reader.prepare_wait();
}

[[nodiscard]] inline bool spin_for(RingReader &reader, std::chrono::nanoseconds budget) noexcept
{
	return spin_until(reader, std::chrono::steady_clock::now() + budget);
}

/*
 * ppoll(2) the context's fd for POLLIN (which also flushes pending
 * expirations), for up to @timeout (see timeout.hpp). Success: readable;
 * ETIMEDOUT; EINTR on a signal; EBADF. Call RingReader::prepare_wait()
 * first.
 */
[[nodiscard]] TIMERX_API Result<void> poll_fd(int fd, Timeout timeout) noexcept;

/*
 * Spin for @spin, then, if nothing came, call @block() (which must block
 * and return a Result: poll_fd(), Uring::wait() ...). Success without
 * blocking when work arrived while spinning; else the block's error, if
 * any (ETIMEDOUT ...). noexcept exactly when @block() is (an exception
 * from it passes through).
 */
template <class Block>
[[nodiscard]] Result<void>
wait_hybrid(RingReader &reader, std::chrono::nanoseconds spin,
	    Block &&block) noexcept(std::is_nothrow_invocable_v<Block &&>)
{
	if (spin.count() > 0 ? spin_for(reader, spin) : !reader.prepare_wait())
		return {};
	const auto r = static_cast<Block &&>(block)();
	if (!r)
		return r.error();
	return {};
}

} // namespace timerx

#endif /* TIMERX_WAIT_HPP */
