/* SPDX-License-Identifier: MIT */
/*
 * Timeouts: one convention for every call that can wait (poll_fd(),
 * Uring::wait(), Monitor::next(), ControlOptions::timeout).
 *
 * A Timeout is a std::chrono duration; any duration that converts to
 * nanoseconds without loss can be passed (10ms, 1s, 250us). zero (or less:
 * a deadline that already passed) only checks; `forever` waits without a
 * timeout. A wait that times out fails with Error ETIMEDOUT, the only
 * "timed out" result.
 */
#ifndef TIMERX_TIMEOUT_HPP
#define TIMERX_TIMEOUT_HPP

#include <time.h>

#include <chrono>
#include <cstdint>

namespace timerx {

using Timeout = std::chrono::nanoseconds;

/* No timeout. */
inline constexpr Timeout forever = Timeout::max();

namespace detail {

/* A Timeout as poll(2)'s milliseconds: -1 forever, rounded up so that no wait ends early. */
[[nodiscard]] constexpr int timeout_ms(Timeout t) noexcept
{
	if (t == forever)
		return -1;
	if (t.count() <= 0)
		return 0;
	const auto ms = std::chrono::ceil<std::chrono::milliseconds>(t).count();
	return ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
}

/* A Timeout (not forever) as a timespec; 0 for a deadline that passed. */
[[nodiscard]] constexpr timespec to_timespec(Timeout t) noexcept
{
	timespec ts{};
	if (t.count() > 0) {
		ts.tv_sec = static_cast<time_t>(t.count() / 1000000000);
		ts.tv_nsec = static_cast<long>(t.count() % 1000000000);
	}
	return ts;
}

} // namespace detail

} // namespace timerx

#endif /* TIMERX_TIMEOUT_HPP */
