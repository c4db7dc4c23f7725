/* SPDX-License-Identifier: MIT */
/*
 * Control types: what a timer is (TimerSpec), how it is armed (ArmSpec),
 * and what it delivers (Event), with their exact translation to the UAPI
 * structs. Header-only, constexpr. Times are std::chrono types on the
 * timer's clock (clock.hpp).
 */
#ifndef TIMERX_TYPES_HPP
#define TIMERX_TYPES_HPP

#include <linux/timerx.h>

#include <timerx/clock.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace timerx {

/* Timer ids are allocated by the module, per context; never 0. */
using TimerId = std::uint32_t;

/* The UAPI structs, under shorter names. */
using TimerInfo = timerx_timer_info;
using ContextInfo = timerx_ctx_info;

/*
 * One ring slot: struct timerx_event, field for field (the ring is read
 * as an array of these), with the times typed. The times are on the
 * timer's clock: e.expected<std::chrono::steady_clock>() for a
 * Clock::monotonic timer, and so on (clock.hpp).
 */
struct Event {
	std::uint64_t user_data;  /* TimerSpec::user_data */
	std::int64_t expected_ns; /* when the (first) expiration was due */
	std::int64_t actual_ns;   /* when the module's callback ran */
	std::uint32_t timer_id;
	std::uint32_t overrun; /* expirations folded into this event */
	std::uint32_t seq;     /* of the arming these expirations belong to */
	std::uint32_t resv;

	template <TimerClock C>
	[[nodiscard]] constexpr TimePoint<C> expected() const noexcept
	{
		return TimePoint<C>(std::chrono::nanoseconds(expected_ns));
	}
	template <TimerClock C>
	[[nodiscard]] constexpr TimePoint<C> actual() const noexcept
	{
		return TimePoint<C>(std::chrono::nanoseconds(actual_ns));
	}
	/* The kernel's part of the lateness: when the callback ran minus when it was due. */
	[[nodiscard]] constexpr std::chrono::nanoseconds kernel_lateness() const noexcept
	{
		return std::chrono::nanoseconds(actual_ns - expected_ns);
	}
	/* Expirations this event stands for: the first plus the folded ones. */
	[[nodiscard]] constexpr std::uint64_t expirations() const noexcept
	{
		return std::uint64_t{1} + overrun;
	}
};

static_assert(sizeof(Event) == sizeof(timerx_event) && alignof(Event) == alignof(timerx_event));
static_assert(offsetof(Event, user_data) == offsetof(timerx_event, user_data));
static_assert(offsetof(Event, expected_ns) == offsetof(timerx_event, expected_ns));
static_assert(offsetof(Event, actual_ns) == offsetof(timerx_event, actual_ns));
static_assert(offsetof(Event, timer_id) == offsetof(timerx_event, timer_id));
static_assert(offsetof(Event, overrun) == offsetof(timerx_event, overrun));
static_assert(offsetof(Event, seq) == offsetof(timerx_event, seq));
static_assert(std::is_trivially_copyable_v<Event> && std::is_standard_layout_v<Event>);

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

/* How ArmSpec::expires is read. */
enum class When : std::uint8_t { relative, absolute };

namespace detail {
/* Not constexpr: calling it in a constant expression is the compile-time error. */
inline void negative_period_is_invalid() noexcept {}
} // namespace detail

/*
 * A timer's period: a whole, non-negative number of nanoseconds (zero: a
 * one-shot). Any std::chrono duration that converts to nanoseconds without
 * loss converts to a Period; a floating-point one does not compile. A
 * negative period cannot be armed: in a constant expression it does not
 * compile, at run time it makes the ArmSpec invalid (arming it fails with
 * EINVAL before anything is sent) instead of becoming a huge unsigned one.
 */
class Period {
public:
	constexpr Period() noexcept = default;

	template <class Rep, class P>
	constexpr Period(std::chrono::duration<Rep, P> d) noexcept // NOLINT: implicit on purpose
	{
		static_assert(!std::chrono::treat_as_floating_point_v<Rep>,
			      "a period is whole nanoseconds: duration_cast it");
		const std::chrono::nanoseconds n = d;
		if (n.count() < 0) {
			if (std::is_constant_evaluated())
				detail::negative_period_is_invalid(); /* a negative period */
			ns_ = invalid;
		} else {
			ns_ = n.count();
		}
	}

	[[nodiscard]] constexpr bool valid() const noexcept { return ns_ != invalid; }
	/* The period; only when valid(). */
	[[nodiscard]] constexpr std::chrono::nanoseconds get() const noexcept
	{
		return std::chrono::nanoseconds(valid() ? ns_ : 0);
	}
	[[nodiscard]] constexpr bool one_shot() const noexcept { return ns_ == 0; }

	friend constexpr bool operator==(Period a, Period b) noexcept = default;

private:
	static constexpr std::int64_t invalid = -1;
	std::int64_t ns_ = 0;
};

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
 * A period of zero is a one-shot; periodic timers stay on the grid
 * first + k * period.
 */
struct ArmSpec {
	TimerId timer = 0;
	/* Relative (>= 0), or since the epoch of the timer's clock. */
	std::chrono::nanoseconds expires{};
	Period period{};
	When when = When::relative;

	/* First expiry @delay from now (on the timer's clock, at arm time). */
	[[nodiscard]] static constexpr ArmSpec after(TimerId id, std::chrono::nanoseconds delay,
						     Period period = {}) noexcept
	{
		return {id, delay, period, When::relative};
	}

	/*
	 * First expiry at @t, a time point on the timer's clock:
	 * ArmSpec::at(id, std::chrono::steady_clock::now() + 1ms) for a
	 * Clock::monotonic timer (clock.hpp names the other three).
	 */
	template <TimerClock C, class D>
	[[nodiscard]] static constexpr ArmSpec at(TimerId id, std::chrono::time_point<C, D> t,
						  Period period = {}) noexcept
	{
		const std::chrono::nanoseconds since_epoch = t.time_since_epoch();
		return {id, since_epoch, period, When::absolute};
	}

	/*
	 * The same for a clock chosen at run time (TimerSpec::clock):
	 * @since_epoch on the timer's clock, as now(Clock) reports it.
	 */
	[[nodiscard]] static constexpr ArmSpec at_since_epoch(TimerId id,
							      std::chrono::nanoseconds since_epoch,
							      Period period = {}) noexcept
	{
		return {id, since_epoch, period, When::absolute};
	}

	/* False for a negative period (see Period): arming it fails with EINVAL. */
	[[nodiscard]] constexpr bool valid() const noexcept { return period.valid(); }

	/*
	 * The UAPI struct. An invalid spec (see valid()) gets a period the
	 * module refuses (EINVAL): what the library sends itself is checked
	 * before, this only keeps a raw prep_arm() from arming it.
	 */
	[[nodiscard]] constexpr timerx_arm to_uapi() const noexcept
	{
		timerx_arm a{};
		a.timer_id = timer;
		a.flags = when == When::absolute ? TIMERX_ARM_F_ABS : 0U;
		a.expires_ns = expires.count();
		a.period_ns = valid() ? static_cast<std::uint64_t>(period.get().count())
				      : std::numeric_limits<std::uint64_t>::max();
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

/* Expirations an event stands for: the first plus the folded ones. */
[[nodiscard]] constexpr std::uint64_t expirations(const Event &ev) noexcept
{
	return ev.expirations();
}

/* The kernel's part of the lateness, in nanoseconds (Event::kernel_lateness()). */
[[nodiscard]] constexpr std::int64_t kernel_lateness_ns(const Event &ev) noexcept
{
	return ev.kernel_lateness().count();
}

} // namespace timerx

#endif /* TIMERX_TYPES_HPP */
