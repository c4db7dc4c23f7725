// SPDX-License-Identifier: MIT
#include <timerx/batch.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <chrono>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace {

using namespace std::chrono_literals;
using timerx::Batch;
using timerx::Op;
using timerx_test::rc;

Batch make(std::size_t capacity)
{
	auto b = Batch::with_capacity(capacity);
	EXPECT_TRUE(b.ok());
	return std::move(b).value();
}

TEST(Batch, QueuesUpToCapacity)
{
	Batch b = make(3);
	EXPECT_EQ(3U, b.capacity());
	EXPECT_TRUE(b.empty());
	EXPECT_EQ(0, rc(b.create_timer({.user_data = 10})));
	EXPECT_EQ(1, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms, 2ms))));
	EXPECT_EQ(2, rc(b.cancel_timer(8)));
	EXPECT_TRUE(b.full());
	EXPECT_EQ(-ENOBUFS, rc(b.delete_timer(9)));
	EXPECT_EQ(-EINVAL, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms, -2ms))))
		<< "a negative period is refused before the capacity is looked at";
	EXPECT_EQ(3U, b.size());
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-EINPROGRESS, rc(b.result(i))) << "not submitted yet";
	EXPECT_EQ(3U, b.failures());
	ASSERT_TRUE(b.first_failure());
	EXPECT_EQ(0U, b.first_failure()->index);
	EXPECT_EQ(timerx::Error{EINPROGRESS}, b.status().error());
	EXPECT_EQ(Op::create_timer, b.op(0));
	EXPECT_EQ(Op::arm_timer, b.op(1));
	EXPECT_EQ(Op::cancel_timer, b.op(2));
}

TEST(Batch, PayloadsAreTheUapiStructs)
{
	Batch b = make(4);
	ASSERT_EQ(0, rc(b.create_timer({.user_data = 5, .clock = timerx::Clock::tai})));
	ASSERT_EQ(1, rc(b.arm_timer(timerx::ArmSpec::at_since_epoch(6, std::chrono::nanoseconds(99),
								    1s))));
	ASSERT_EQ(2, rc(b.cancel_timer(7)));
	ASSERT_EQ(3, rc(b.delete_timer(8)));
	const auto cmds = b.commands();

	EXPECT_EQ(TIMERX_IOC_CREATE, cmds[0].cmd_op());
	EXPECT_EQ(sizeof(timerx_create), cmds[0].size());
	EXPECT_EQ(5U, cmds[0].payload.create.user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_TAI), cmds[0].payload.create.clockid);

	EXPECT_EQ(TIMERX_IOC_ARM, cmds[1].cmd_op());
	EXPECT_EQ(sizeof(timerx_arm), cmds[1].size());
	EXPECT_EQ(6U, cmds[1].payload.arm.timer_id);
	EXPECT_EQ(TIMERX_ARM_F_ABS, cmds[1].payload.arm.flags);
	EXPECT_EQ(1000000000U, cmds[1].payload.arm.period_ns);

	EXPECT_EQ(TIMERX_IOC_CANCEL, cmds[2].cmd_op());
	EXPECT_EQ(TIMERX_IOC_DELETE, cmds[3].cmd_op());
	for (int i : {2, 3}) {
		EXPECT_EQ(sizeof(timerx_timer_ref), cmds[i].size());
		EXPECT_EQ(static_cast<__u32>(5 + i), cmds[i].payload.ref.timer_id);
		EXPECT_EQ(0U, cmds[i].payload.ref.flags);
		EXPECT_EQ(0U, cmds[i].payload.ref.resv);
	}
	EXPECT_EQ(static_cast<const void *>(&cmds[0].payload), cmds[0].data());
}

/* A reused slot is cleared: no stale bytes of a bigger payload leak into a smaller one. */
TEST(Batch, ClearKeepsMemoryAndResetsPayloads)
{
	Batch b = make(1);
	ASSERT_EQ(0, rc(b.arm_timer({.timer = 1, .expires = -1ns, .period = 1h})));
	const void *mem = b.commands().data();
	b.clear();
	EXPECT_TRUE(b.empty());
	ASSERT_EQ(0, rc(b.cancel_timer(2)));
	EXPECT_EQ(mem, static_cast<const void *>(b.commands().data())) << "no reallocation";
	timerx_arm as_arm;
	std::memcpy(&as_arm, b.commands()[0].data(), sizeof(as_arm));
	EXPECT_EQ(2U, as_arm.timer_id);
	EXPECT_EQ(0, as_arm.expires_ns) << "bytes past the 16-byte ref must be zero";
	EXPECT_EQ(0U, as_arm.period_ns);
}

TEST(Batch, MoveTransfersTheCommands)
{
	static_assert(!std::is_copy_constructible_v<Batch>);
	static_assert(std::is_nothrow_move_constructible_v<Batch>);
	Batch a = make(2);
	ASSERT_EQ(0, rc(a.cancel_timer(3)));
	Batch b(std::move(a));
	EXPECT_EQ(1U, b.size());
	EXPECT_EQ(2U, b.capacity());
	EXPECT_EQ(0U, a.capacity()); // NOLINT(bugprone-use-after-move): moved-from is empty
	EXPECT_EQ(-ENOBUFS, rc(a.cancel_timer(1)));
	Batch c = make(1);
	c = std::move(b);
	EXPECT_EQ(3U, c.commands()[0].payload.ref.timer_id);
}

TEST(Batch, ZeroCapacityIsAlwaysFull)
{
	Batch b = make(0);
	EXPECT_TRUE(b.full());
	EXPECT_EQ(-ENOBUFS, rc(b.cancel_timer(1)));
}

TEST(Batch, CapacityAboveIntMaxIsRefused)
{
	EXPECT_EQ(EINVAL,
		  Batch::with_capacity(static_cast<std::size_t>(INT_MAX) + 1).error().code());
}

TEST(Batch, FirstFailureNamesTheCommand)
{
	Batch b = make(3);
	ASSERT_EQ(0, rc(b.cancel_timer(1)));
	ASSERT_EQ(1, rc(b.cancel_timer(2)));
	ASSERT_EQ(2, rc(b.cancel_timer(3)));
	auto cmds = b.commands();
	cmds[0].result = 0;
	cmds[1].result = -ENOENT;
	cmds[2].result = -EINVAL;
	EXPECT_EQ(2U, b.failures());
	const auto f = b.first_failure();
	ASSERT_TRUE(f);
	EXPECT_EQ(1U, f->index);
	EXPECT_EQ(timerx::Error{ENOENT}, f->error);
	EXPECT_EQ(timerx::Error{ENOENT}, b.status().error());
	EXPECT_EQ(0, rc(b.result(0)));
	cmds[1].result = cmds[2].result = 7;
	EXPECT_FALSE(b.first_failure());
	EXPECT_TRUE(b.status().ok());
	EXPECT_EQ(7, rc(b.result(2)));
}

TEST(Batch, DefaultConstructedHasNoRoom)
{
	Batch b;
	EXPECT_TRUE(b.full());
	EXPECT_EQ(-ENOBUFS, rc(b.create_timer({})));
}

} // namespace
