// SPDX-License-Identifier: MIT
/*
 * Control types and their exact UAPI translation; Result; version; the
 * command numbers the transports rely on.
 */
#include <timerx/error.hpp>
#include <timerx/timer.hpp>
#include <timerx/types.hpp>
#include <timerx/version.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <memory>
#include <type_traits>
#include <utility>

#include <chrono>
#include <cstring>

namespace {

using timerx_test::rc;

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::Clock;
using timerx::Expiry;
using timerx::TimerSpec;

bool all_zero(const void *p, std::size_t n)
{
	const auto *b = static_cast<const unsigned char *>(p);
	for (std::size_t i = 0; i < n; ++i)
		if (b[i] != 0)
			return false;
	return true;
}

TEST(Types, ClockValuesAreTheKernels)
{
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_MONOTONIC),
		  static_cast<std::uint32_t>(Clock::monotonic));
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_REALTIME),
		  static_cast<std::uint32_t>(Clock::realtime));
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_BOOTTIME),
		  static_cast<std::uint32_t>(Clock::boottime));
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_TAI), static_cast<std::uint32_t>(Clock::tai));
}

TEST(Types, DefaultTimerSpecIsAHardMonotonicUnpinnedTimer)
{
	constexpr timerx_create c = TimerSpec{}.to_uapi();
	EXPECT_EQ(0U, c.user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_MONOTONIC), c.clockid);
	EXPECT_EQ(0U, c.flags);
	EXPECT_EQ(0U, c.cpu);
	EXPECT_EQ(0U, c.timer_id);
	EXPECT_EQ(0U, c.resv);
}

TEST(Types, TimerSpecFlags)
{
	timerx_create c = TimerSpec{.user_data = 0xDEADBEEFCAFEULL,
				    .clock = Clock::tai,
				    .expiry = Expiry::soft}
				  .to_uapi();
	EXPECT_EQ(0xDEADBEEFCAFEULL, c.user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_TAI), c.clockid);
	EXPECT_EQ(TIMERX_CREATE_F_SOFT, c.flags);
	EXPECT_EQ(0U, c.cpu);

	c = TimerSpec{.clock = Clock::boottime, .cpu = 3}.to_uapi();
	EXPECT_EQ(TIMERX_CREATE_F_PINNED, c.flags);
	EXPECT_EQ(3U, c.cpu);

	c = TimerSpec{.expiry = Expiry::soft, .cpu = 0}.to_uapi();
	EXPECT_EQ(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED, c.flags) << "CPU 0 is a CPU";
	EXPECT_EQ(0U, c.cpu);
	EXPECT_EQ(0U, c.flags & ~TIMERX_CREATE_F_ALL);
	EXPECT_EQ(0U, c.resv);
}

/*
 * Expiry::hard is the kernel's default (no flag: hard irq, soft on
 * PREEMPT_RT for unprivileged callers); hard_required demands hard irq
 * (TIMERX_CREATE_F_HARD, API 2). The existing values keep their numbers.
 */
TEST(Types, ExpiryFlags)
{
	static_assert(TIMERX_CREATE_F_SOFT == 1U && TIMERX_CREATE_F_PINNED == 2U &&
		      TIMERX_CREATE_F_HARD == 4U && TIMERX_CREATE_F_ALL == 7U);
	static_assert(static_cast<int>(Expiry::hard) == 0 && static_cast<int>(Expiry::soft) == 1 &&
		      static_cast<int>(Expiry::hard_required) == 2);
	static_assert(TimerSpec{}.expiry == Expiry::hard);
	EXPECT_EQ(0U, timerx::expiry_flags(Expiry::hard));
	EXPECT_EQ(TIMERX_CREATE_F_SOFT, timerx::expiry_flags(Expiry::soft));
	EXPECT_EQ(TIMERX_CREATE_F_HARD, timerx::expiry_flags(Expiry::hard_required));

	constexpr timerx_create hard = TimerSpec{.expiry = Expiry::hard}.to_uapi();
	EXPECT_EQ(0U, hard.flags);
	timerx_create c = TimerSpec{.expiry = Expiry::hard_required}.to_uapi();
	EXPECT_EQ(TIMERX_CREATE_F_HARD, c.flags);
	EXPECT_EQ(0U, c.flags & TIMERX_CREATE_F_SOFT) << "SOFT with HARD is EINVAL";
	c = TimerSpec{.expiry = Expiry::hard_required, .cpu = 1}.to_uapi();
	EXPECT_EQ(TIMERX_CREATE_F_HARD | TIMERX_CREATE_F_PINNED, c.flags);
	EXPECT_EQ(1U, c.cpu);
	EXPECT_EQ(0U, c.resv);
}

TEST(Types, ArmSpecAfterAndAt)
{
	constexpr timerx_arm rel = ArmSpec::after(5, 1500us, 1ms).to_uapi();
	EXPECT_EQ(5U, rel.timer_id);
	EXPECT_EQ(0U, rel.flags);
	EXPECT_EQ(1500000, rel.expires_ns);
	EXPECT_EQ(1000000U, rel.period_ns);
	EXPECT_EQ(0U, rel.resv);

	const timerx_arm abs =
		ArmSpec::at_since_epoch(9, std::chrono::nanoseconds(123456789012345), 2s).to_uapi();
	EXPECT_EQ(9U, abs.timer_id);
	EXPECT_EQ(TIMERX_ARM_F_ABS, abs.flags);
	EXPECT_EQ(123456789012345, abs.expires_ns);
	EXPECT_EQ(2000000000U, abs.period_ns);

	const timerx_arm once = ArmSpec::after(1, 0ns).to_uapi();
	EXPECT_EQ(0U, once.period_ns) << "no period: one-shot";
	EXPECT_EQ(0, once.expires_ns);

	/* A negative period makes the spec invalid; raw, it is one the module refuses. */
	const std::chrono::milliseconds negative{-1};
	const ArmSpec bad = ArmSpec::after(1, 1ms, negative);
	EXPECT_FALSE(bad.valid());
	EXPECT_EQ(UINT64_MAX, bad.to_uapi().period_ns);
	EXPECT_TRUE(ArmSpec::after(1, 1ms, 0ns).valid());
	EXPECT_EQ(-EINVAL, rc(timerx::arm_timer(-1, bad)))
		<< "refused before the ioctl (not EBADF)";
}

/* Typed time points on the timer's clock, any duration that converts losslessly. */
TEST(Types, ArmSpecAtATimePoint)
{
	using std::chrono::steady_clock;
	using std::chrono::system_clock;
	const auto t = steady_clock::now() + 1ms;
	const timerx_arm a = ArmSpec::at(3, t, 10ms).to_uapi();
	EXPECT_EQ(TIMERX_ARM_F_ABS, a.flags);
	EXPECT_EQ(
		std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
		a.expires_ns);
	EXPECT_EQ(10000000U, a.period_ns);

	/* A coarser time point converts exactly. */
	const auto s = std::chrono::time_point_cast<std::chrono::seconds>(system_clock::now());
	EXPECT_EQ(s.time_since_epoch().count() * 1000000000,
		  ArmSpec::at(1, s).to_uapi().expires_ns);

	/* steady_clock is CLOCK_MONOTONIC, boot_clock BOOTTIME, tai_clock TAI. */
	static_assert(timerx::clock_of<steady_clock> == timerx::Clock::monotonic);
	static_assert(timerx::clock_of<system_clock> == timerx::Clock::realtime);
	static_assert(timerx::clock_of<timerx::boot_clock> == timerx::Clock::boottime);
	static_assert(timerx::clock_of<timerx::tai_clock> == timerx::Clock::tai);
	static_assert(!timerx::TimerClock<std::chrono::high_resolution_clock> ||
		      std::is_same_v<std::chrono::high_resolution_clock, system_clock> ||
		      std::is_same_v<std::chrono::high_resolution_clock, steady_clock>);
	const auto before = steady_clock::now().time_since_epoch();
	const auto mono = timerx::now(timerx::Clock::monotonic);
	EXPECT_LE(before, mono) << "steady_clock and CLOCK_MONOTONIC are one clock";
	EXPECT_LE(mono, steady_clock::now().time_since_epoch());
	const auto boot0 = timerx::boot_clock::now();
	EXPECT_LE(boot0, timerx::boot_clock::now());
	const auto boot1 = timerx::now(timerx::Clock::boottime);
	EXPECT_LE(boot0.time_since_epoch(), boot1) << "boot_clock is CLOCK_BOOTTIME";
	EXPECT_LE(boot1, timerx::boot_clock::now().time_since_epoch());

	/* Periods: any whole duration; compile-time checked where it is a constant. */
	constexpr timerx::Period p = std::chrono::microseconds(250);
	static_assert(p.valid() && p.get() == 250us);
	static_assert(std::is_convertible_v<std::chrono::duration<std::uint32_t, std::milli>,
					    timerx::Period>);
}

TEST(Types, EventTimesAreTyped)
{
	timerx::Event e{};
	e.expected_ns = 1000;
	e.actual_ns = 1500;
	e.overrun = 2;
	EXPECT_EQ(std::chrono::nanoseconds(1000),
		  e.expected<std::chrono::steady_clock>().time_since_epoch());
	EXPECT_EQ(std::chrono::nanoseconds(1500), e.actual<timerx::tai_clock>().time_since_epoch());
	EXPECT_EQ(500ns, e.kernel_lateness());
	EXPECT_EQ(3U, e.expirations());
	EXPECT_EQ(500, timerx::kernel_lateness_ns(e));
	static_assert(std::is_same_v<decltype(e.expected<std::chrono::system_clock>()),
				     std::chrono::time_point<std::chrono::system_clock,
							     std::chrono::nanoseconds>>);
}

TEST(Types, TimerRef)
{
	constexpr timerx_timer_ref r = timerx::make_timer_ref(77);
	EXPECT_EQ(77U, r.timer_id);
	EXPECT_EQ(0U, r.flags);
	EXPECT_EQ(0U, r.resv);
	EXPECT_EQ(16U, sizeof(r));
}

TEST(Types, EventHelpers)
{
	timerx::Event e{};
	e.expected_ns = 1000;
	e.actual_ns = 1250;
	e.overrun = 4;
	EXPECT_EQ(5U, timerx::expirations(e));
	EXPECT_EQ(250, timerx::kernel_lateness_ns(e));
	e.overrun = UINT32_MAX;
	EXPECT_EQ(std::uint64_t{1} << 32, timerx::expirations(e)) << "no u32 overflow";
}

TEST(Types, NowNsFollowsTheClock)
{
	for (Clock c : {Clock::monotonic, Clock::realtime, Clock::boottime, Clock::tai}) {
		timespec ts{};
		ASSERT_EQ(0, clock_gettime(static_cast<clockid_t>(c), &ts));
		const std::int64_t before = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		const std::int64_t now = timerx::now_ns(c);
		EXPECT_LE(before, now);
		EXPECT_LT(now - before, 1000000000LL);
	}
}

TEST(Types, CommandNumbersEncodeThePayloads)
{
	EXPECT_EQ(sizeof(timerx_create), _IOC_SIZE(TIMERX_IOC_CREATE));
	EXPECT_EQ(sizeof(timerx_arm), _IOC_SIZE(TIMERX_IOC_ARM));
	EXPECT_EQ(sizeof(timerx_timer_ref), _IOC_SIZE(TIMERX_IOC_CANCEL));
	EXPECT_EQ(sizeof(timerx_timer_ref), _IOC_SIZE(TIMERX_IOC_DELETE));
	EXPECT_EQ(0U, _IOC_SIZE(TIMERX_IOC_FLUSH));
	EXPECT_EQ(0U, _IOC_SIZE(TIMERX_URING_CMD_WAIT));
	EXPECT_EQ(32U, sizeof(timerx_create));
	EXPECT_EQ(40U, sizeof(timerx_arm));
	EXPECT_EQ(16U, _IOC_SIZE(TIMERX_IOC_ARM_AT));
	EXPECT_EQ(16U, _IOC_SIZE(TIMERX_IOC_ARM_IN));
	EXPECT_EQ(16U, _IOC_SIZE(TIMERX_IOC_POSTPONE));
	EXPECT_EQ(16U, _IOC_SIZE(TIMERX_IOC_BATCH));
	EXPECT_EQ(static_cast<unsigned>(TIMERX_CMD_BATCH), _IOC_NR(TIMERX_IOC_BATCH));
	EXPECT_EQ(static_cast<unsigned>(TIMERX_CMD_ARM), _IOC_NR(TIMERX_IOC_ARM));
	EXPECT_EQ(0xE7U, _IOC_TYPE(TIMERX_URING_CMD_WAIT));
	EXPECT_EQ(0x80U, _IOC_NR(TIMERX_URING_CMD_WAIT));
}

/* API 3: slack as a duration, checked like a period; seq only where the library says. */
TEST(Types, SlackIsCheckedAndSent)
{
	constexpr ArmSpec plain = ArmSpec::after(3, 1ms, 1ms);
	static_assert(plain.slack.ns() == 0 && plain.valid());
	constexpr ArmSpec slack = plain.with_slack(50us);
	static_assert(slack.to_uapi().slack_ns == 50000 && slack.to_uapi(9).seq == 9);
	static_assert(ArmSpec::after(1, 1ms).with_slack(timerx::Slack::max).valid());
	static_assert(timerx::Slack::max == std::chrono::nanoseconds(TIMERX_SLACK_MAX_NS));

	/* At run time an out-of-range slack makes the spec invalid; it is never sent. */
	std::chrono::nanoseconds d = -1ns;
	const ArmSpec negative = plain.with_slack(d);
	EXPECT_FALSE(negative.slack.valid());
	EXPECT_FALSE(negative.valid());
	EXPECT_EQ(0U, negative.slack.ns());
	d = 1s + 1ns;
	EXPECT_FALSE(plain.with_slack(d).valid()) << "above TIMERX_SLACK_MAX_NS";
	d = 1s;
	EXPECT_TRUE(plain.with_slack(d).valid());

	const timerx_arm a = ArmSpec::after(4, 2ms).with_slack(1ms).to_uapi(0xFFFFFFFFU);
	EXPECT_EQ(4U, a.timer_id);
	EXPECT_EQ(0xFFFFFFFFU, a.seq);
	EXPECT_EQ(1000000U, a.slack_ns);
	EXPECT_EQ(0U, a.resv);
	EXPECT_EQ(40U, sizeof(a));
	/* A designated initializer names it too. */
	const ArmSpec d2{.timer = 1, .expires = 1ms, .slack = 3us};
	EXPECT_EQ(3000U, d2.to_uapi().slack_ns);
}

TEST(Types, OneShotForm)
{
	constexpr ArmSpec rel = ArmSpec::after(8, 5ms);
	static_assert(rel.one_shot_exact() && rel.oneshot_cmd_op() == TIMERX_IOC_ARM_IN);
	const ArmSpec abs = ArmSpec::at(8, std::chrono::steady_clock::time_point(7s));
	EXPECT_TRUE(abs.one_shot_exact());
	EXPECT_EQ(TIMERX_IOC_ARM_AT, abs.oneshot_cmd_op());
	const timerx_arm_oneshot o = abs.to_uapi_oneshot(12);
	EXPECT_EQ(8U, o.timer_id);
	EXPECT_EQ(12U, o.seq);
	EXPECT_EQ(7000000000LL, o.expires_ns);
	EXPECT_EQ(16U, sizeof(o));
	EXPECT_FALSE(ArmSpec::after(8, 5ms, 1ms).one_shot_exact());
	EXPECT_FALSE(rel.with_slack(1ns).one_shot_exact());
}

TEST(Types, PostponeSpec)
{
	constexpr auto rel = timerx::PostponeSpec::after(5, 250us).to_uapi();
	static_assert(rel.timer_id == 5 && rel.flags == 0 && rel.expires_ns == 250000);
	const auto abs =
		timerx::PostponeSpec::at(6, timerx::TimePoint<timerx::tai_clock>(3s)).to_uapi();
	EXPECT_EQ(TIMERX_ARM_F_ABS, abs.flags);
	EXPECT_EQ(3000000000LL, abs.expires_ns);
	EXPECT_EQ(TIMERX_ARM_F_ABS, timerx::PostponeSpec::at_since_epoch(1, 1ns).to_uapi().flags);
	EXPECT_TRUE(timerx::already_expired(timerx::Error{ETIME}));
	EXPECT_FALSE(timerx::already_expired(timerx::Error{ETIMEDOUT}));
}

TEST(Result, ValueAndError)
{
	constexpr timerx::Result<std::uint32_t> ok{42U};
	static_assert(ok.ok() && ok.value() == 42U);
	EXPECT_TRUE(static_cast<bool>(ok));
	EXPECT_EQ(42U, *ok);
	EXPECT_FALSE(ok.error_code());

	const timerx::Result<std::uint32_t> bad = timerx::unexpected(ENOENT);
	EXPECT_FALSE(bad.ok());
	EXPECT_FALSE(static_cast<bool>(bad));
	EXPECT_EQ(timerx::Error{ENOENT}, bad.error());
	EXPECT_EQ(ENOENT, bad.error().code());
	EXPECT_EQ(0U, bad.value());
	EXPECT_EQ(7U, bad.value_or(7));
	EXPECT_EQ(std::errc::no_such_file_or_directory, bad.error_code());
	EXPECT_EQ(std::errc::invalid_argument, timerx::Error{EINVAL}.error_code());

	EXPECT_EQ(EINVAL, timerx::Error{0}.code()) << "an Error is never 0";
	EXPECT_EQ(ENOENT, timerx::Error{-ENOENT}.code()) << "the kernel's -errno is taken";
	EXPECT_EQ(timerx::Error{EIO}, std::errc::io_error);

	/* Only exactly a T is a value: an int is neither a TimerId nor an Error. */
	static_assert(!std::is_convertible_v<int, timerx::Result<timerx::TimerId>>);
	static_assert(!std::is_convertible_v<int, timerx::Result<void>>);
	static_assert(!std::is_convertible_v<int, timerx::Error>);
	static_assert(std::is_convertible_v<timerx::TimerId, timerx::Result<timerx::TimerId>>);
	static_assert(std::is_convertible_v<timerx::Error, timerx::Result<timerx::TimerId>>);

	constexpr timerx::Result<void> done{};
	static_assert(done.ok());
	const timerx::Result<void> failed = timerx::Error{EPERM};
	EXPECT_EQ(timerx::Error{EPERM}, failed.error());

	EXPECT_EQ(5U, *timerx::from_return<std::uint32_t>(5));
	EXPECT_EQ(timerx::Error{EBADF}, timerx::from_return<std::uint32_t>(-EBADF).error());
	EXPECT_TRUE(timerx::from_status(0).ok());
	EXPECT_EQ(timerx::Error{EIO}, timerx::from_status(-EIO).error());

	/* Move-only values move out. */
	timerx::Result<std::unique_ptr<int>> owned{std::make_unique<int>(3)};
	const std::unique_ptr<int> p = std::move(owned).value();
	EXPECT_EQ(3, *p);

	timerx::Result<timerx_timer_info> info{timerx_timer_info{}};
	EXPECT_EQ(0U, info->state);
	EXPECT_TRUE(all_zero(&info.value(), sizeof(timerx_timer_info)));
}

TEST(Version, LibraryMatchesHeaders)
{
	const timerx::Version v = timerx::version();
	EXPECT_EQ(timerx::header_version.major, v.major);
	EXPECT_EQ(timerx::header_version.minor, v.minor);
	EXPECT_EQ(timerx::header_version.patch, v.patch);
	EXPECT_EQ(static_cast<unsigned>(TIMERX_API_VERSION), timerx::api_version());
	EXPECT_EQ(timerx::header_api_version, timerx::api_version());
	/* API 3: per-arming seq in events, slack, ARM_AT/ARM_IN, POSTPONE, BATCH. */
	EXPECT_EQ(3U, timerx::api_version());
}

} // namespace
