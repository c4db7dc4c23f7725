// SPDX-License-Identifier: MIT
#include "batch_exec.hpp"

#include <timerx/arming.hpp>
#include <timerx/batch.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

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
	Batch b = make(4);
	EXPECT_EQ(4U, b.capacity());
	EXPECT_TRUE(b.empty());
	EXPECT_EQ(0, rc(b.create_timer({.user_data = 10})));
	EXPECT_EQ(1, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms, 2ms))));
	EXPECT_EQ(2, rc(b.cancel_timer(8)));
	EXPECT_EQ(3, rc(b.postpone_timer(timerx::PostponeSpec::after(7, 5ms))));
	EXPECT_TRUE(b.full());
	EXPECT_EQ(-ENOBUFS, rc(b.delete_timer(9)));
	EXPECT_EQ(-EINVAL, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms, -2ms))))
		<< "a negative period is refused before the capacity is looked at";
	EXPECT_EQ(-EINVAL, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms).with_slack(-1us))))
		<< "so is a negative slack";
	EXPECT_EQ(-EINVAL, rc(b.arm_timer(timerx::ArmSpec::after(7, 1ms).with_slack(2s))))
		<< "and one above TIMERX_SLACK_MAX_NS";
	EXPECT_EQ(4U, b.size());
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-EINPROGRESS, rc(b.result(i))) << "not submitted yet";
	EXPECT_EQ(4U, b.failures());
	ASSERT_TRUE(b.first_failure());
	EXPECT_EQ(0U, b.first_failure()->index);
	EXPECT_EQ(timerx::Error{EINPROGRESS}, b.status().error());
	EXPECT_EQ(Op::create_timer, b.op(0));
	EXPECT_EQ(Op::arm_timer, b.op(1));
	EXPECT_EQ(Op::cancel_timer, b.op(2));
	EXPECT_EQ(Op::postpone_timer, b.op(3));
}

/* Batch encoding: the entries are struct timerx_batch_entry as TIMERX_IOC_BATCH reads them. */
TEST(Batch, EntriesAreTheUapiLayout)
{
	static_assert(sizeof(timerx_batch_entry) == 40);
	static_assert(sizeof(timerx_batch) == 16);
	Batch b = make(5);
	ASSERT_EQ(0, rc(b.create_timer({.user_data = 0xF000000000000005ULL,
					.clock = timerx::Clock::tai,
					.expiry = timerx::Expiry::soft,
					.cpu = 3})));
	ASSERT_EQ(1, rc(b.arm_timer(
			     timerx::ArmSpec::at_since_epoch(6, std::chrono::nanoseconds(99), 1s)
				     .with_slack(20us))));
	ASSERT_EQ(2, rc(b.cancel_timer(7)));
	ASSERT_EQ(3, rc(b.postpone_timer(timerx::PostponeSpec::at(
			     6, timerx::TimePoint<std::chrono::steady_clock>(1234ns)))));
	ASSERT_EQ(4, rc(b.delete_timer(8)));
	const auto e = b.entries();
	ASSERT_EQ(5U, e.size());

	EXPECT_EQ(timerx::op_create, e[0].op);
	EXPECT_FALSE(timerx::batchable(e[0]));
	const timerx_create c = timerx::create_of(e[0]);
	EXPECT_EQ(0xF000000000000005ULL, c.user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_TAI), c.clockid);
	EXPECT_EQ(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED, c.flags);
	EXPECT_EQ(3U, c.cpu);
	EXPECT_EQ(0U, c.resv);

	EXPECT_EQ(static_cast<__u32>(TIMERX_BATCH_ARM), e[1].op);
	EXPECT_TRUE(timerx::batchable(e[1]));
	EXPECT_EQ(6U, e[1].timer_id);
	EXPECT_EQ(TIMERX_ARM_F_ABS, e[1].flags);
	EXPECT_EQ(99, e[1].expires_ns);
	EXPECT_EQ(1000000000U, e[1].period_ns);
	EXPECT_EQ(20000U, e[1].slack_ns);
	EXPECT_EQ(0U, e[1].seq) << "filled in at submission";

	EXPECT_EQ(static_cast<__u32>(TIMERX_BATCH_CANCEL), e[2].op);
	EXPECT_EQ(7U, e[2].timer_id);
	EXPECT_EQ(0U, e[2].flags);
	EXPECT_EQ(0, e[2].expires_ns) << "fields CANCEL does not use are 0 (EINVAL otherwise)";
	EXPECT_EQ(0U, e[2].period_ns);
	EXPECT_EQ(0U, e[2].seq);
	EXPECT_EQ(0U, e[2].slack_ns);

	EXPECT_EQ(static_cast<__u32>(TIMERX_BATCH_POSTPONE), e[3].op);
	EXPECT_EQ(6U, e[3].timer_id);
	EXPECT_EQ(TIMERX_ARM_F_ABS, e[3].flags);
	EXPECT_EQ(1234, e[3].expires_ns);
	EXPECT_EQ(0U, e[3].period_ns) << "POSTPONE: timer_id, flags, expires_ns only";
	EXPECT_EQ(0U, e[3].seq);
	EXPECT_EQ(0U, e[3].slack_ns);

	EXPECT_EQ(timerx::op_delete, e[4].op);
	EXPECT_EQ(8U, e[4].timer_id);
	for (const auto &x : e)
		EXPECT_EQ(-EINPROGRESS, x.result);
}

/* A reused slot is overwritten whole: nothing of an earlier command stays. */
TEST(Batch, ClearKeepsMemoryAndResetsEntries)
{
	Batch b = make(1);
	ASSERT_EQ(0, rc(b.arm_timer({.timer = 1, .expires = 9ns, .period = 1h})));
	const void *mem = b.entries().data();
	b.clear();
	EXPECT_TRUE(b.empty());
	ASSERT_EQ(0, rc(b.cancel_timer(2)));
	EXPECT_EQ(mem, static_cast<const void *>(b.entries().data())) << "no reallocation";
	EXPECT_EQ(2U, b.entries()[0].timer_id);
	EXPECT_EQ(0, b.entries()[0].expires_ns);
	EXPECT_EQ(0U, b.entries()[0].period_ns);
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
	EXPECT_EQ(3U, c.entries()[0].timer_id);
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
	timerx_batch_entry *e = timerx::detail::BatchAccess::entries(b);
	e[0].result = 0;
	e[1].result = -ENOENT;
	e[2].result = -EINVAL;
	EXPECT_EQ(2U, b.failures());
	const auto f = b.first_failure();
	ASSERT_TRUE(f);
	EXPECT_EQ(1U, f->index);
	EXPECT_EQ(timerx::Error{ENOENT}, f->error);
	EXPECT_EQ(timerx::Error{ENOENT}, b.status().error());
	EXPECT_EQ(0, rc(b.result(0)));
	e[1].result = e[2].result = 7;
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

/* ---------------------------------------------------------------- commands */

using timerx::detail::Segment;
using timerx::detail::segment_at;

std::vector<Segment> segments(Batch &b)
{
	std::vector<Segment> out;
	const timerx_batch_entry *e = timerx::detail::BatchAccess::entries(b);
	for (std::size_t i = 0; i < b.size(); i += out.back().n)
		out.push_back(segment_at(e, i, b.size()));
	return out;
}

/* Runs of arms, postpones and cancels are one BATCH; creates and deletes stand alone. */
TEST(BatchCommands, RunsBecomeOneBatchEach)
{
	Batch b = make(16);
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 1ms)).ok());
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(2, 1ms, 1ms)).ok());
	ASSERT_TRUE(b.cancel_timer(3).ok());
	ASSERT_TRUE(b.create_timer({}).ok());
	ASSERT_TRUE(b.postpone_timer(timerx::PostponeSpec::after(1, 2ms)).ok());
	ASSERT_TRUE(b.delete_timer(4).ok());
	ASSERT_TRUE(b.postpone_timer(timerx::PostponeSpec::after(1, 2ms)).ok());
	ASSERT_TRUE(b.cancel_timer(2).ok());
	ASSERT_TRUE(b.create_timer({}).ok());
	const std::vector<Segment> s = segments(b);
	ASSERT_EQ(6U, s.size());
	const unsigned ops[] = {TIMERX_IOC_BATCH,  TIMERX_IOC_CREATE, TIMERX_IOC_POSTPONE,
				TIMERX_IOC_DELETE, TIMERX_IOC_BATCH,  TIMERX_IOC_CREATE};
	const std::uint32_t lens[] = {3, 1, 1, 1, 2, 1};
	const std::size_t firsts[] = {0, 3, 4, 5, 6, 8};
	for (std::size_t i = 0; i < s.size(); ++i) {
		EXPECT_EQ(ops[i], s[i].cmd_op) << i;
		EXPECT_EQ(lens[i], s[i].n) << i;
		EXPECT_EQ(firsts[i], s[i].first) << i;
	}
}

/* A run of one is the command itself: ARM_AT / ARM_IN when it fits 16 bytes. */
TEST(BatchCommands, LoneCommandsAreSentAsThemselves)
{
	const std::pair<timerx::ArmSpec, unsigned> arms[] = {
		{timerx::ArmSpec::after(1, 1ms), TIMERX_IOC_ARM_IN},
		{timerx::ArmSpec::at_since_epoch(1, 5ms), TIMERX_IOC_ARM_AT},
		{timerx::ArmSpec::after(1, 1ms, 1ms), TIMERX_IOC_ARM},
		{timerx::ArmSpec::after(1, 1ms).with_slack(1ns), TIMERX_IOC_ARM},
	};
	for (const auto &[spec, op] : arms) {
		Batch b = make(1);
		ASSERT_TRUE(b.arm_timer(spec).ok());
		const std::vector<Segment> s = segments(b);
		ASSERT_EQ(1U, s.size());
		EXPECT_EQ(op, s[0].cmd_op);
		timerx::detail::Payload p;
		const std::size_t len = timerx::detail::make_payload(
			s[0], timerx::detail::BatchAccess::entries(b), p);
		EXPECT_EQ(_IOC_SIZE(op), len);
		if (op == TIMERX_IOC_ARM) {
			EXPECT_EQ(spec.to_uapi().period_ns, p.arm.period_ns);
			EXPECT_EQ(spec.slack.ns(), p.arm.slack_ns);
			EXPECT_EQ(0U, p.arm.resv);
		} else {
			EXPECT_EQ(1U, p.oneshot.timer_id);
			EXPECT_EQ(spec.expires.count(), p.oneshot.expires_ns);
		}
	}
	Batch c = make(1);
	ASSERT_TRUE(c.cancel_timer(5).ok());
	EXPECT_EQ(TIMERX_IOC_CANCEL, segments(c)[0].cmd_op);
}

TEST(BatchCommands, RunsAreCutAtBatchMax)
{
	constexpr std::size_t n = TIMERX_BATCH_MAX + 904;
	Batch b = make(n);
	for (std::size_t i = 0; i < n; ++i)
		ASSERT_TRUE(b.cancel_timer(static_cast<timerx::TimerId>(i + 1)).ok());
	const std::vector<Segment> s = segments(b);
	ASSERT_EQ(2U, s.size());
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_BATCH_MAX), s[0].n);
	EXPECT_EQ(904U, s[1].n);
	timerx::detail::Payload p;
	timerx_batch_entry *e = timerx::detail::BatchAccess::entries(b);
	EXPECT_EQ(16U, timerx::detail::make_payload(s[1], e, p));
	EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&e[TIMERX_BATCH_MAX]), p.batch.entries);
	EXPECT_EQ(904U, p.batch.nr);
	EXPECT_EQ(0U, p.batch.flags);
}

/* BATCH's answer: the number run (their results the module's), the rest not run. */
TEST(BatchCommands, CompleteRecordsWhatRan)
{
	Batch b = make(4);
	for (timerx::TimerId id = 1; id <= 4; ++id)
		ASSERT_TRUE(b.cancel_timer(id).ok());
	timerx_batch_entry *e = timerx::detail::BatchAccess::entries(b);
	const Segment s = segment_at(e, 0, b.size());
	e[0].result = 0; /* as the module writes them */
	e[1].result = -ENOENT;
	timerx::detail::complete(s, e, 2);
	EXPECT_EQ(0, rc(b.result(0)));
	EXPECT_EQ(-ENOENT, rc(b.result(1)));
	EXPECT_EQ(-ECANCELED, rc(b.result(2))) << "not run";
	EXPECT_EQ(-ECANCELED, rc(b.result(3)));
	timerx::detail::complete(s, e, -EBADFD);
	for (std::size_t i = 0; i < 4; ++i)
		EXPECT_EQ(-EBADFD, rc(b.result(i))) << "an error that ran none is each one's";

	Batch one = make(1);
	ASSERT_TRUE(one.create_timer({}).ok());
	timerx::detail::complete(segment_at(timerx::detail::BatchAccess::entries(one), 0, 1),
				 timerx::detail::BatchAccess::entries(one), 17);
	EXPECT_EQ(17, rc(one.result(0))) << "a create's result is the new id";
}

/* Arms get fresh seqs from the table; the table learns what succeeded. */
TEST(BatchCommands, PrepareAndLearnKeepTheArmingTable)
{
	auto table = std::make_unique<timerx::ArmingTable>();
	ASSERT_TRUE(table->reserve(1).ok());
	ASSERT_TRUE(table->reserve(2).ok());
	Batch b = make(5);
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 1ms)).ok());
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 2ms)).ok());
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(2, 2ms)).ok());
	ASSERT_TRUE(b.cancel_timer(2).ok());
	ASSERT_TRUE(b.create_timer({}).ok());
	timerx::detail::prepare(b, table.get());
	timerx_batch_entry *e = timerx::detail::BatchAccess::entries(b);
	EXPECT_EQ(0U, e[0].seq);
	EXPECT_EQ(1U, e[1].seq) << "a fresh seq per arming of the timer";
	EXPECT_EQ(0U, e[2].seq) << "per timer";
	for (std::size_t i = 0; i < 5; ++i)
		EXPECT_EQ(-EINPROGRESS, e[i].result);

	/* As if the module ran them: the second arm of timer 1 failed. */
	e[0].result = 0;
	e[1].result = -EPERM;
	e[2].result = 0;
	e[3].result = 0;
	e[4].result = 3000; /* a new timer, in a chunk of its own */
	timerx::detail::learn(b, table.get());
	timerx::Event ev{};
	ev.timer_id = 1;
	ev.seq = 0;
	EXPECT_TRUE(table->current(ev)) << "the arming that failed replaced nothing";
	ev.timer_id = 2;
	EXPECT_FALSE(table->current(ev)) << "cancelled after its arming";
	EXPECT_TRUE(table->has_slot(3000)) << "the created timer's slot";

	/* Without a table (a Uring on a bare fd) the seqs stay as queued. */
	Batch c = make(1);
	ASSERT_TRUE(c.arm_timer(timerx::ArmSpec::after(1, 1ms)).ok());
	timerx::detail::prepare(c, nullptr);
	EXPECT_EQ(0U, c.entries()[0].seq);
	timerx::detail::learn(c, nullptr);
}

/* Through ioctl(2): one call per command; a device without them answers each. */
TEST(BatchCommands, IoctlSendsOneCallPerCommand)
{
	const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	Batch b = make(8);
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 1ms)).ok());
	ASSERT_TRUE(b.cancel_timer(1).ok());
	ASSERT_TRUE(b.create_timer({}).ok());
	ASSERT_TRUE(b.postpone_timer(timerx::PostponeSpec::after(1, 1ms)).ok());
	std::uint64_t ioctls = 0;
	timerx::detail::exec_ioctl(fd, b, nullptr, &ioctls);
	EXPECT_EQ(3U, ioctls) << "BATCH, CREATE, POSTPONE";
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-ENOTTY, rc(b.result(i))) << i;
	::close(fd);
}

} // namespace
