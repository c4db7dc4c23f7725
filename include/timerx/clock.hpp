/* SPDX-License-Identifier: MIT */
/*
 * The four clocks a timer can run on, as std::chrono clocks, so that
 * absolute expiries and event times are typed time points:
 *
 *   Clock::monotonic  std::chrono::steady_clock  (CLOCK_MONOTONIC)
 *   Clock::realtime   std::chrono::system_clock  (CLOCK_REALTIME)
 *   Clock::boottime   timerx::boot_clock         (CLOCK_BOOTTIME)
 *   Clock::tai        timerx::tai_clock          (CLOCK_TAI)
 *
 * libstdc++ and libc++ implement steady_clock and system_clock with
 * CLOCK_MONOTONIC and CLOCK_REALTIME on Linux: their time points are the
 * kernel's nanoseconds on those clocks. Every time the module reports is
 * nanoseconds since the clock's epoch (TimePoint<C> below).
 */
#ifndef TIMERX_CLOCK_HPP
#define TIMERX_CLOCK_HPP

#include <time.h>

#include <chrono>
#include <cstdint>

namespace timerx {

/* The clocks the module accepts (TimerSpec::clock). */
enum class Clock : std::uint32_t {
	monotonic = CLOCK_MONOTONIC,
	realtime = CLOCK_REALTIME,
	boottime = CLOCK_BOOTTIME,
	tai = CLOCK_TAI,
};

namespace detail {

[[nodiscard]] inline std::int64_t clock_now_ns(clockid_t id) noexcept
{
	timespec ts{};
	clock_gettime(id, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/* A std::chrono clock on a POSIX clock id. */
template <clockid_t Id, bool Steady>
struct posix_clock {
	using rep = std::int64_t;
	using period = std::nano;
	using duration = std::chrono::nanoseconds;
	using time_point = std::chrono::time_point<posix_clock>;
	static constexpr bool is_steady = Steady;

	[[nodiscard]] static time_point now() noexcept
	{
		return time_point(duration(clock_now_ns(Id)));
	}
};

} // namespace detail

/* CLOCK_BOOTTIME: monotonic, and counts suspend. */
using boot_clock = detail::posix_clock<CLOCK_BOOTTIME, true>;
/* CLOCK_TAI: CLOCK_REALTIME plus the kernel's TAI offset (0 until NTP/PTP sets it). */
using tai_clock = detail::posix_clock<CLOCK_TAI, false>;

/* Which Clock a std::chrono clock is; only the four above have one. */
template <class C>
struct clock_traits;
template <>
struct clock_traits<std::chrono::steady_clock> {
	static constexpr Clock id = Clock::monotonic;
};
template <>
struct clock_traits<std::chrono::system_clock> {
	static constexpr Clock id = Clock::realtime;
};
template <>
struct clock_traits<boot_clock> {
	static constexpr Clock id = Clock::boottime;
};
template <>
struct clock_traits<tai_clock> {
	static constexpr Clock id = Clock::tai;
};

/* A std::chrono clock a timer can run on. */
template <class C>
concept TimerClock = requires
{
	clock_traits<C>::id;
};

template <TimerClock C>
inline constexpr Clock clock_of = clock_traits<C>::id;

/* A time on a timer's clock, as the module reports it: nanoseconds since its epoch. */
template <TimerClock C>
using TimePoint = std::chrono::time_point<C, std::chrono::nanoseconds>;

/* Now on @clock, since its epoch: the time base of absolute expiries and of events. */
[[nodiscard]] inline std::chrono::nanoseconds now(Clock clock) noexcept
{
	return std::chrono::nanoseconds(detail::clock_now_ns(static_cast<clockid_t>(clock)));
}

/* The same in plain nanoseconds (for logs and arithmetic on raw event fields). */
[[nodiscard]] inline std::int64_t now_ns(Clock clock) noexcept
{
	return detail::clock_now_ns(static_cast<clockid_t>(clock));
}

} // namespace timerx

#endif /* TIMERX_CLOCK_HPP */
