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
inline void negative_slack_is_invalid() noexcept {}
inline void slack_above_one_second_is_invalid() noexcept {}
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

/*
 * How late a timer may fire (API 3): anywhere in [expiry, expiry + slack],
 * so that timers within each other's slack share one interrupt. Zero, the
 * default, is "as precisely as possible"; at most TIMERX_SLACK_MAX_NS
 * (one second). Like Period: any std::chrono duration that converts to
 * nanoseconds without loss; a floating-point one does not compile; a
 * negative one or one above a second does not compile in a constant
 * expression and at run time makes the ArmSpec invalid (arming it fails
 * with EINVAL before anything is sent).
 */
class Slack {
public:
	static constexpr std::chrono::nanoseconds max{TIMERX_SLACK_MAX_NS};

	constexpr Slack() noexcept = default;

	template <class Rep, class P>
	constexpr Slack(std::chrono::duration<Rep, P> d) noexcept // NOLINT: implicit on purpose
	{
		static_assert(!std::chrono::treat_as_floating_point_v<Rep>,
			      "a slack is whole nanoseconds: duration_cast it");
		const std::chrono::nanoseconds n = d;
		if (n.count() < 0) {
			if (std::is_constant_evaluated())
				detail::negative_slack_is_invalid(); /* a negative slack */
			ns_ = invalid;
		} else if (n > max) {
			if (std::is_constant_evaluated())
				detail::slack_above_one_second_is_invalid(); /* >
										TIMERX_SLACK_MAX_NS
									      */
			ns_ = invalid;
		} else {
			ns_ = static_cast<std::int32_t>(n.count());
		}
	}

	[[nodiscard]] constexpr bool valid() const noexcept { return ns_ != invalid; }
	/* The slack; only when valid(). */
	[[nodiscard]] constexpr std::chrono::nanoseconds get() const noexcept
	{
		return std::chrono::nanoseconds(valid() ? ns_ : 0);
	}
	/* As timerx_arm.slack_ns; 0 when invalid (the spec is refused before it is sent). */
	[[nodiscard]] constexpr std::uint32_t ns() const noexcept
	{
		return valid() ? static_cast<std::uint32_t>(ns_) : 0U;
	}

	friend constexpr bool operator==(Slack a, Slack b) noexcept = default;

private:
	static constexpr std::int32_t invalid = -1;
	std::int32_t ns_ = 0;
};

static_assert(TIMERX_SLACK_MAX_NS <= 0x7fffffff, "Slack keeps it in an int32_t");

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
 * first + k * period. slack (API 3) lets it fire up to that much late.
 *
 * The arming's sequence number (timerx_arm.seq, copied into each of its
 * events) is not part of the spec: a Context assigns it per timer (see
 * arming.hpp) so that its reader can drop the events of an arming that was
 * replaced or cancelled. to_uapi(seq) is for those who send the struct
 * themselves.
 */
struct ArmSpec {
	TimerId timer = 0;
	/* Relative (>= 0), or since the epoch of the timer's clock. */
	std::chrono::nanoseconds expires{};
	Period period{};
	When when = When::relative;
	Slack slack{};

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

	/* This spec with @s of slack: ArmSpec::after(id, 10ms).with_slack(50us). */
	[[nodiscard]] constexpr ArmSpec with_slack(Slack s) const noexcept
	{
		ArmSpec a = *this;
		a.slack = s;
		return a;
	}

	/*
	 * False for a negative period or a slack that is negative or above
	 * TIMERX_SLACK_MAX_NS (see Period, Slack): arming it fails with EINVAL.
	 */
	[[nodiscard]] constexpr bool valid() const noexcept
	{
		return period.valid() && slack.valid();
	}

	/*
	 * A one-shot arm without slack: what TIMERX_IOC_ARM_AT / ARM_IN carry
	 * in 16 bytes (a plain SQE).
	 */
	[[nodiscard]] constexpr bool one_shot_exact() const noexcept
	{
		return valid() && period.one_shot() && slack.ns() == 0;
	}

	/*
	 * The UAPI struct, with the arming's sequence number @seq. An invalid
	 * spec (see valid()) gets a period the module refuses (EINVAL): what
	 * the library sends itself is checked before, this only keeps a raw
	 * prep_arm() from arming it.
	 */
	[[nodiscard]] constexpr timerx_arm to_uapi(std::uint32_t seq = 0) const noexcept
	{
		timerx_arm a{};
		a.timer_id = timer;
		a.flags = when == When::absolute ? TIMERX_ARM_F_ABS : 0U;
		a.expires_ns = expires.count();
		a.period_ns = valid() ? static_cast<std::uint64_t>(period.get().count())
				      : std::numeric_limits<std::uint64_t>::max();
		a.seq = seq;
		a.slack_ns = slack.ns();
		return a;
	}

	/*
	 * The 16-byte one-shot form (TIMERX_IOC_ARM_AT when absolute, ARM_IN
	 * when relative); only for one_shot_exact() specs.
	 */
	[[nodiscard]] constexpr timerx_arm_oneshot
	to_uapi_oneshot(std::uint32_t seq = 0) const noexcept
	{
		timerx_arm_oneshot a{};
		a.timer_id = timer;
		a.seq = seq;
		a.expires_ns = expires.count();
		return a;
	}

	/* TIMERX_IOC_ARM_AT or TIMERX_IOC_ARM_IN, as to_uapi_oneshot() needs. */
	[[nodiscard]] constexpr unsigned oneshot_cmd_op() const noexcept
	{
		return when == When::absolute ? TIMERX_IOC_ARM_AT : TIMERX_IOC_ARM_IN;
	}
};

/*
 * Where POSTPONE moves an armed timer's next expiry (API 3): @expires
 * from now, or since the epoch of the timer's clock. Period, slack and
 * the arming's seq stay.
 */
struct PostponeSpec {
	TimerId timer = 0;
	std::chrono::nanoseconds expires{};
	When when = When::relative;

	[[nodiscard]] static constexpr PostponeSpec after(TimerId id,
							  std::chrono::nanoseconds delay) noexcept
	{
		return {id, delay, When::relative};
	}
	template <TimerClock C, class D>
	[[nodiscard]] static constexpr PostponeSpec at(TimerId id,
						       std::chrono::time_point<C, D> t) noexcept
	{
		const std::chrono::nanoseconds since_epoch = t.time_since_epoch();
		return {id, since_epoch, When::absolute};
	}
	[[nodiscard]] static constexpr PostponeSpec
	at_since_epoch(TimerId id, std::chrono::nanoseconds since_epoch) noexcept
	{
		return {id, since_epoch, When::absolute};
	}

	[[nodiscard]] constexpr timerx_postpone to_uapi() const noexcept
	{
		timerx_postpone p{};
		p.timer_id = timer;
		p.flags = when == When::absolute ? TIMERX_ARM_F_ABS : 0U;
		p.expires_ns = expires.count();
		return p;
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
