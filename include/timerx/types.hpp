/* SPDX-License-Identifier: MIT */
/*
 * Control types: what a timer is (TimerSpec) and how it is armed (ArmSpec),
 * with their exact translation to the UAPI structs. Header-only, constexpr,
 * no system calls except now_ns().
 */
#ifndef TIMERX_TYPES_HPP
#define TIMERX_TYPES_HPP

#include <linux/timerx.h>
#include <time.h>

#include <chrono>
#include <cstdint>

namespace timerx {

/* Timer ids are allocated by the module, per context; never 0. */
using TimerId = std::uint32_t;

/* The UAPI structs, under shorter names. */
using Event = timerx_event;
using TimerInfo = timerx_timer_info;
using ContextInfo = timerx_ctx_info;

/* The clocks the module accepts; times are nanoseconds on the timer's clock. */
enum class Clock : std::uint32_t {
	monotonic = CLOCK_MONOTONIC,
	realtime = CLOCK_REALTIME,
	boottime = CLOCK_BOOTTIME,
	tai = CLOCK_TAI,
};

/*
 * Where the expiry runs.
 *   hard           the kernel's default (no flag): hard irq, the lowest
 *                  latency. On PREEMPT_RT only for callers with
 *                  CAP_SYS_NICE or a real-time policy (SCHED_FIFO, SCHED_RR,
 *                  SCHED_DEADLINE) at create time; anybody else's timer
 *                  expires in softirq (TimerStatus/get_timer() then report
 *                  TIMERX_CREATE_F_SOFT).
 *   soft           softirq (TIMERX_CREATE_F_SOFT).
 *   hard_required  hard irq or nothing (TIMERX_CREATE_F_HARD, API 2): where
 *                  hard would quietly become soft (PREEMPT_RT, unprivileged
 *                  caller), create fails with -EPERM; a module older than
 *                  API 2 refuses the flag (-EOPNOTSUPP).
 */
enum class Expiry : std::uint8_t { hard, soft, hard_required };

/* The TIMERX_CREATE_F_* bits of an Expiry. */
[[nodiscard]] constexpr std::uint32_t expiry_flags(Expiry e) noexcept
{
	switch (e) {
	case Expiry::soft:
		return TIMERX_CREATE_F_SOFT;
	case Expiry::hard_required:
		return TIMERX_CREATE_F_HARD;
	case Expiry::hard:
		break;
	}
	return 0;
}

/* How ArmSpec::expires_ns is read. */
enum class When : std::uint8_t { relative, absolute };

/* TimerSpec::cpu for "not pinned". */
inline constexpr int any_cpu = -1;

/* A timer to create (TIMERX_IOC_CREATE). An aggregate: use designated initializers. */
struct TimerSpec {
	std::uint64_t user_data = 0; /* copied into every event */
	Clock clock = Clock::monotonic;
	Expiry expiry = Expiry::hard;
	int cpu = any_cpu; /* >= 0: pinned to this (online) CPU */

	[[nodiscard]] constexpr timerx_create to_uapi() const noexcept
	{
		timerx_create c{};
		c.user_data = user_data;
		c.clockid = static_cast<__u32>(clock);
		c.flags = expiry_flags(expiry) | (cpu >= 0 ? TIMERX_CREATE_F_PINNED : 0U);
		c.cpu = cpu >= 0 ? static_cast<__u32>(cpu) : 0U;
		return c;
	}
};

/*
 * How to arm a timer (TIMERX_IOC_ARM). Arming an armed timer re-arms it.
 * A period of 0 is a one-shot; periodic timers stay on the grid
 * first + k * period. A negative period from the chrono helpers becomes a
 * huge unsigned one, which the module refuses (EINVAL).
 */
struct ArmSpec {
	TimerId timer = 0;
	std::int64_t expires_ns = 0; /* relative (>= 0) or absolute on the timer's clock */
	std::uint64_t period_ns = 0; /* 0: one-shot */
	When when = When::relative;

	/* First expiry @delay from now (on the timer's clock, at arm time). */
	[[nodiscard]] static constexpr ArmSpec after(TimerId id, std::chrono::nanoseconds delay,
						     std::chrono::nanoseconds period = {}) noexcept
	{
		return {id, delay.count(), static_cast<std::uint64_t>(period.count()),
			When::relative};
	}

	/* First expiry at @time_ns, absolute on the timer's clock (see now_ns()). */
	[[nodiscard]] static constexpr ArmSpec at(TimerId id, std::int64_t time_ns,
						  std::chrono::nanoseconds period = {}) noexcept
	{
		return {id, time_ns, static_cast<std::uint64_t>(period.count()), When::absolute};
	}

	[[nodiscard]] constexpr timerx_arm to_uapi() const noexcept
	{
		timerx_arm a{};
		a.timer_id = timer;
		a.flags = when == When::absolute ? TIMERX_ARM_F_ABS : 0U;
		a.expires_ns = expires_ns;
		a.period_ns = period_ns;
		return a;
	}
};

/* The payload of CANCEL and DELETE. */
[[nodiscard]] constexpr timerx_timer_ref make_timer_ref(TimerId id) noexcept
{
	timerx_timer_ref r{};
	r.timer_id = id;
	return r;
}

/* Now on @clock, in nanoseconds: the time base of absolute expiries and of events. */
[[nodiscard]] inline std::int64_t now_ns(Clock clock) noexcept
{
	timespec ts{};
	clock_gettime(static_cast<clockid_t>(clock), &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/* Expirations an event stands for: the first plus the folded ones. */
[[nodiscard]] constexpr std::uint64_t expirations(const Event &ev) noexcept
{
	return std::uint64_t{1} + ev.overrun;
}

/* The kernel's part of the lateness: when the callback ran minus when it was due. */
[[nodiscard]] constexpr std::int64_t kernel_lateness_ns(const Event &ev) noexcept
{
	return ev.actual_ns - ev.expected_ns;
}

} // namespace timerx

#endif /* TIMERX_TYPES_HPP */
