// SPDX-License-Identifier: MIT
/*
 * Limits through libtimerx: max_timers_per_ctx (ENOSPC) on every path,
 * max_ring_entries (EINVAL from Context), and min_period_ns for a caller
 * without CAP_SYS_NICE (EPERM), checked as nobody in a child process, as
 * is Expiry::hard_required (EPERM on PREEMPT_RT only).
 * Module parameters are changed for one test and restored.
 */
#include "itest.hpp"

#include <timerx/uring_prep.hpp>

#include <sched.h>
#include <sys/utsname.h>

#include <cerrno>
#include <system_error>

namespace {

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::Batch;
using timerx::Context;
using timerx::Expiry;
using timerx::Transport;
using timerx::Uring;
using timerx::UringOptions;

/* A PREEMPT_RT kernel: /sys/kernel/realtime, or "PREEMPT_RT" in uname -v. */
bool preempt_rt()
{
	std::ifstream f("/sys/kernel/realtime");
	int v = 0;
	if (f >> v)
		return v == 1;
	utsname u{};
	return ::uname(&u) == 0 && std::strstr(u.version, "PREEMPT_RT") != nullptr;
}

TEST(Limits, MaxTimersPerContextIsEnospc)
{
	if (!itest::is_root())
		GTEST_SKIP() << "needs root to change max_timers_per_ctx";
	itest::ParamGuard limit("max_timers_per_ctx", 8);
	if (!limit.ok())
		GTEST_SKIP() << "cannot write /sys/module/timerx/parameters/max_timers_per_ctx";

	Context ctx = itest::open_context(16);
	for (int i = 0; i < 8; ++i)
		ASSERT_TRUE(ctx.create_timer({}).ok()) << i;
	EXPECT_EQ(-ENOSPC, -ctx.create_timer({}).error().code());
	EXPECT_EQ(8U, ctx.info()->timers);

	/* The batch paths hit the same wall, with the same result. */
	for (Transport tr : {Transport::uring_cmd, Transport::ioctl}) {
		Context c2 = itest::open_context(16);
		Uring u = itest::open_uring(c2, UringOptions{.transport = tr});
		Batch b = itest::make_batch(10);
		for (int i = 0; i < 10; ++i)
			ASSERT_LE(0,
				  rc(b.create_timer({.user_data = static_cast<std::uint64_t>(i)})));
		ASSERT_EQ(10, rc(u.submit(b)));
		int ok = 0;
		int enospc = 0;
		for (std::size_t i = 0; i < b.size(); ++i) {
			ok += rc(b.result(i)) > 0;
			enospc += rc(b.result(i)) == -ENOSPC;
		}
		EXPECT_EQ(8, ok) << timerx::to_string(tr);
		EXPECT_EQ(2, enospc) << timerx::to_string(tr);
	}

	/* Deleting makes room again. */
	Context c3 = itest::open_context(16);
	auto first = c3.create_timer({});
	ASSERT_TRUE(first.ok());
	for (int i = 1; i < 8; ++i)
		ASSERT_TRUE(c3.create_timer({}).ok());
	EXPECT_EQ(-ENOSPC, -c3.create_timer({}).error().code());
	ASSERT_EQ(0, rc(c3.delete_timer(*first)));
	EXPECT_TRUE(c3.create_timer({}).ok());
}

TEST(Limits, RingLargerThanMaxRingEntriesIsEinval)
{
	const auto max = itest::param_read("max_ring_entries");
	if (!max)
		GTEST_SKIP() << "cannot read max_ring_entries";
	const auto twice = Context::open(itest::options(static_cast<std::uint32_t>(*max) * 2));
	EXPECT_EQ(timerx::Error{EINVAL}, twice.error()) << "a ring of twice max_ring_entries";
	EXPECT_TRUE(Context::open(itest::options(static_cast<std::uint32_t>(*max))).ok());
	EXPECT_EQ(static_cast<std::uint32_t>(*max), timerx::ring_entries_for(*max * 4))
		<< "ring_entries_for() stays within the module's limit";
}

/*
 * Without CAP_SYS_NICE a period below min_period_ns is EPERM, on every
 * path. The context is opened as root (the device is 0600), then the
 * child becomes nobody and uses the inherited descriptor.
 */
TEST(Limits, ShortPeriodAsNobodyIsEperm)
{
	if (!itest::is_root())
		GTEST_SKIP() << "needs root to switch to nobody";
	const auto min = itest::param_read("min_period_ns");
	if (!min || *min < 2)
		GTEST_SKIP() << "min_period_ns unreadable or too small to go below";
	const std::uint64_t min_period = *min;

	Context ctx = itest::open_context(16);
	const auto id = ctx.create_timer({});
	ASSERT_TRUE(id.ok());
	/* Root (CAP_SYS_NICE) may go below the minimum. */
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s,
						     std::chrono::nanoseconds(min_period / 2)))));
	ASSERT_EQ(0, rc(ctx.cancel_timer(*id)));

	const int failed = itest::run_as_nobody([&] {
		int f = 0;
		const ArmSpec too_short =
			ArmSpec::after(*id, 3600s, std::chrono::nanoseconds(min_period - 1));
		const ArmSpec fine =
			ArmSpec::after(*id, 3600s, std::chrono::nanoseconds(min_period));
		ITEST_CHECK(f, rc(ctx.arm_timer(too_short)) == -EPERM);
		ITEST_CHECK(f, rc(ctx.arm_timer(fine)) == 0);
		ITEST_CHECK(f, rc(ctx.cancel_timer(*id)) == 0);
		/* A one-shot has no period: no limit. */
		ITEST_CHECK(f, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s))) == 0);
		ITEST_CHECK(f, rc(ctx.cancel_timer(*id)) == 0);

		for (Transport tr : {Transport::uring_cmd, Transport::ioctl}) {
			try {
				Uring u = itest::open_uring(ctx, UringOptions{.transport = tr});
				Batch b = itest::make_batch(2);
				ITEST_CHECK(f, rc(b.arm_timer(too_short)) == 0);
				ITEST_CHECK(f, rc(b.arm_timer(fine)) == 1);
				ITEST_CHECK(f, rc(u.submit(b, timerx::Order::sequential)) == 2);
				ITEST_CHECK(f, rc(b.result(0)) == -EPERM);
				ITEST_CHECK(f, rc(b.result(1)) == 0);
				ITEST_CHECK(f, rc(ctx.cancel_timer(*id)) == 0);
			} catch (const std::exception &e) {
				std::fprintf(stderr, "Uring as nobody (%s): %s\n",
					     timerx::to_string(tr), e.what());
				++f;
			}
		}

		/* And in the application's own ring. */
		io_uring ring{};
		io_uring_params p{};
		p.flags = IORING_SETUP_SQE128;
		if (io_uring_queue_init_params(4, &ring, &p) == 0) {
			timerx::prep_arm(io_uring_get_sqe(&ring), ctx.fd(), too_short);
			io_uring_cqe *cqe = nullptr;
			ITEST_CHECK(f, io_uring_submit_and_wait(&ring, 1) == 1);
			ITEST_CHECK(f, io_uring_wait_cqe(&ring, &cqe) == 0);
			ITEST_CHECK(f, cqe != nullptr && cqe->res == -EPERM);
			io_uring_queue_exit(&ring);
		} else {
			std::fprintf(stderr, "no SQE128 io_uring as nobody\n");
			++f;
		}

		/* Opening the device as nobody is the device mode's business, not ours. */
		return f;
	});
	EXPECT_EQ(0, failed) << "checks failed as nobody (see the output above); -1: child died";
	const auto info = ctx.get_timer(*id);
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), info->state);
}

/*
 * Without CAP_SYS_NICE or a real-time policy, PREEMPT_RT makes a default
 * timer soft and refuses a demanded hard one (EPERM); elsewhere both are
 * hard. Soft is always allowed.
 */
TEST(Limits, HardRequiredAsNobody)
{
	if (!itest::is_root())
		GTEST_SKIP() << "needs root to switch to nobody";
	const bool rt = preempt_rt();
	Context ctx = itest::open_context(16);
	const int failed = itest::run_as_nobody([&] {
		int f = 0;
		sched_param sp{};
		ITEST_CHECK(f, ::sched_setscheduler(0, SCHED_OTHER, &sp) == 0);
		const auto required = ctx.create_timer({.expiry = Expiry::hard_required});
		if (rt) {
			ITEST_CHECK(f, required.error().code() == -(-EPERM));
		} else {
			ITEST_CHECK(f, required.ok());
		}
		const auto def = ctx.create_timer({.expiry = Expiry::hard});
		ITEST_CHECK(f, def.ok());
		if (def.ok()) {
			const auto info = ctx.get_timer(*def);
			ITEST_CHECK(f, info.ok());
			if (info.ok())
				ITEST_CHECK(f, ((info->create_flags & TIMERX_CREATE_F_SOFT) != 0) ==
						       rt);
		}
		ITEST_CHECK(f, ctx.create_timer({.expiry = Expiry::soft}).ok());
		return f;
	});
	EXPECT_EQ(0, failed) << "checks failed as nobody (see the output above); -1: child died; "
			     << (rt ? "PREEMPT_RT" : "not PREEMPT_RT");
}

} // namespace
