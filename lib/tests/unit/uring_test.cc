// SPDX-License-Identifier: MIT
/*
 * Uring on the host, with a real io_uring and file descriptors every Linux
 * host has instead of /dev/timerx:
 *   - /dev/null takes any uring_cmd and completes it with 0, so it stands in
 *     for a module that supports the transport: the whole SQE128 batch path
 *     (chunking, one enter per chunk, user_data matching) runs for real;
 *   - an eventfd has no uring_cmd handler (-EOPNOTSUPP) and no ioctls
 *     (-ENOTTY): the fallback to ioctl, chosen automatically, and a
 *     readable fd to wait on. With the uring_cmd transport forced, its
 *     -EOPNOTSUPP to TIMERX_URING_CMD_WAIT is what a module on a kernel
 *     whose io_uring cannot cancel driver commands (6.1) answers: the
 *     switch to POLL_ADD waits.
 */
#include <timerx/uring.hpp>

#include <liburing.h>

#include "uring_sq.hpp"

#include <gtest/gtest.h>
#include <rc.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using timerx::Order;
using timerx::Transport;
using timerx::Uring;
using timerx::UringOptions;
using timerx_test::rc;

/* An SQE128 ring (creates through it too), as most tests here want. */
Uring open_uring(int fd, UringOptions opts = {})
{
	opts.sqe128 = true;
	auto u = Uring::open(fd, opts);
	EXPECT_TRUE(u.ok()) << u.error_code().message();
	return std::move(u).value();
}

/* The default ring: plain 64-byte SQEs. */
Uring open_plain(int fd, const UringOptions &opts = {})
{
	auto u = Uring::open(fd, opts);
	EXPECT_TRUE(u.ok()) << u.error_code().message();
	return std::move(u).value();
}

timerx::Batch make_batch(std::size_t n)
{
	auto b = timerx::Batch::with_capacity(n);
	EXPECT_TRUE(b.ok());
	return std::move(b).value();
}

TEST(ChooseTransport, Table)
{
	static_assert(timerx::choose_transport(0, 0) == Transport::uring_cmd);
	/* No io_uring at all, whatever a probe said. */
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(-ENOSYS, 0));
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(-EINVAL, 0)) << "no SQE128 (< 5.19)";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(-EPERM, 0)) << "io_uring_disabled";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(-ENOMEM, 0));
	/* The module ran the command. */
	EXPECT_EQ(Transport::uring_cmd, timerx::choose_transport(0, 0));
	EXPECT_EQ(Transport::uring_cmd, timerx::choose_transport(0, 17)) << "FLUSH wrote events";
	EXPECT_EQ(Transport::uring_cmd, timerx::choose_transport(0, -EBADFD)) << "ring not set up";
	/* It did not. */
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(0, -EOPNOTSUPP)) << "no .uring_cmd";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(0, -EINVAL)) << "no URING_CMD opcode";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(0, -ENOTTY)) << "foreign device";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(0, -EACCES)) << "LSM refuses";
	EXPECT_EQ(Transport::ioctl, timerx::choose_transport(0, -EPERM));
}

TEST(ChooseTransport, Names)
{
	EXPECT_STREQ("automatic", timerx::to_string(Transport::automatic));
	EXPECT_STREQ("uring_cmd", timerx::to_string(Transport::uring_cmd));
	EXPECT_STREQ("ioctl", timerx::to_string(Transport::ioctl));
}

class HostUring : public ::testing::Test {
protected:
	void SetUp() override
	{
		null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, null_fd_);
		efd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, efd_);
		/* Can this host make an SQE128 ring, and does /dev/null take uring_cmds? */
		Uring probe = open_uring(null_fd_);
		if (probe.setup_result() < 0)
			GTEST_SKIP()
				<< "no SQE128 io_uring: " << std::strerror(-probe.setup_result());
		if (probe.transport() != Transport::uring_cmd)
			GTEST_SKIP() << "/dev/null has no uring_cmd here (probe "
				     << probe.probe_result() << ")";
	}
	void TearDown() override
	{
		if (null_fd_ >= 0)
			::close(null_fd_);
		if (efd_ >= 0)
			::close(efd_);
	}

	/*
	 * @n commands of every kind, each a module command of its own (no two
	 * arms, postpones or cancels in a row, which would be one BATCH): one
	 * SQE each.
	 */
	static void queue_mixed(timerx::Batch &b, std::size_t n)
	{
		for (std::size_t i = 0; i < n; ++i) {
			timerx::Result<std::size_t> idx = timerx::Error{EINVAL};
			switch (i % 4) {
			case 0:
				idx = b.create_timer({.user_data = i});
				break;
			case 1:
				idx = b.arm_timer(timerx::ArmSpec::after(
					static_cast<timerx::TimerId>(i), 1ms, 1ms));
				break;
			case 2:
				idx = b.delete_timer(static_cast<timerx::TimerId>(i));
				break;
			default:
				idx = b.cancel_timer(static_cast<timerx::TimerId>(i));
				break;
			}
			ASSERT_EQ(static_cast<long long>(i), rc(idx));
		}
	}

	int null_fd_ = -1;
	int efd_ = -1;
};

TEST_F(HostUring, AutomaticPicksUringCmdWhenTheDeviceTakesIt)
{
	Uring u = open_uring(null_fd_);
	EXPECT_EQ(Transport::uring_cmd, u.transport());
	EXPECT_EQ(0, u.setup_result());
	EXPECT_EQ(0, u.probe_result());
	EXPECT_TRUE(u.has_ring());
	EXPECT_LE(0, u.ring_fd());
	EXPECT_EQ(null_fd_, u.fd());
	EXPECT_EQ(256U, u.sq_entries());
}

TEST_F(HostUring, AutomaticFallsBackToIoctlWithoutUringCmd)
{
	Uring u = open_uring(efd_);
	EXPECT_EQ(Transport::ioctl, u.transport());
	EXPECT_EQ(0, u.setup_result());
	EXPECT_EQ(-EOPNOTSUPP, u.probe_result());
	EXPECT_TRUE(u.has_ring()) << "kept for POLL_ADD waits";

	/* Commands now go through ioctl(2): an eventfd has none. */
	EXPECT_EQ(1U, u.stats().enters) << "the probe";
	timerx::Batch b = make_batch(8);
	queue_mixed(b, 8);
	EXPECT_EQ(8, rc(u.submit(b)));
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-ENOTTY, rc(b.result(i))) << i;
	EXPECT_EQ(8U, u.stats().ioctls);
	EXPECT_EQ(0U, u.stats().sqes);
	EXPECT_EQ(1U, u.stats().enters) << "no io_uring_enter for ioctl commands";
}

TEST_F(HostUring, ForcedIoctlDoesNotProbe)
{
	Uring u = open_uring(null_fd_, UringOptions{.transport = Transport::ioctl});
	EXPECT_EQ(Transport::ioctl, u.transport());
	EXPECT_EQ(0, u.probe_result());
	timerx::Batch b = make_batch(4);
	queue_mixed(b, 4);
	EXPECT_EQ(4, rc(u.submit(b)));
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-ENOTTY, rc(b.result(i))) << "/dev/null has no timerx ioctls";
	EXPECT_EQ(4U, u.stats().ioctls);
}

TEST_F(HostUring, ForcedUringCmdReportsPerCommandErrors)
{
	Uring u = open_uring(efd_, UringOptions{.transport = Transport::uring_cmd});
	EXPECT_EQ(Transport::uring_cmd, u.transport());
	EXPECT_EQ(0, u.probe_result()) << "forced: not probed";
	timerx::Batch b = make_batch(6);
	queue_mixed(b, 6);
	EXPECT_EQ(6, rc(u.submit(b)));
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-EOPNOTSUPP, rc(b.result(i))) << i;
	EXPECT_EQ(1U, u.stats().enters);
}

/* A batch that fits the SQ is one io_uring_enter(2): submit and wait together. */
TEST_F(HostUring, OneEnterForABatchThatFits)
{
	Uring u = open_uring(null_fd_, UringOptions{.sq_entries = 64});
	ASSERT_EQ(64U, u.sq_entries());
	timerx::Batch b = make_batch(64);
	queue_mixed(b, 64);
	const std::uint64_t enters = u.stats().enters;
	EXPECT_EQ(64, rc(u.submit(b)));
	EXPECT_EQ(enters + 1, u.stats().enters);
	EXPECT_EQ(64U, u.stats().sqes);
	EXPECT_EQ(0U, b.failures());
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(0, rc(b.result(i)));
}

/* Bigger than the SQ: chunks of sq_entries, one enter each. */
TEST_F(HostUring, ChunksABatchBiggerThanTheSq)
{
	Uring u = open_uring(null_fd_, UringOptions{.sq_entries = 32});
	ASSERT_EQ(32U, u.sq_entries());
	constexpr std::size_t n = 3 * 32 + 5;
	timerx::Batch b = make_batch(n);
	queue_mixed(b, n);
	const std::uint64_t enters = u.stats().enters;
	EXPECT_EQ(static_cast<int>(n), rc(u.submit(b)));
	EXPECT_EQ(enters + 4, u.stats().enters);
	EXPECT_EQ(0U, b.failures());
	EXPECT_EQ(0U, u.stats().stale_cqes);

	/* The same batch again (results are reset), then a bigger-than-SQ one in order. */
	EXPECT_EQ(static_cast<int>(n), rc(u.submit(b)));
	EXPECT_EQ(0U, b.failures());
	EXPECT_EQ(static_cast<int>(n), rc(u.submit(b, Order::sequential)));
	EXPECT_EQ(0U, b.failures());
	EXPECT_EQ(enters + 12, u.stats().enters);
}

TEST_F(HostUring, TenThousandCommandsFewEnters)
{
	Uring u = open_uring(null_fd_, UringOptions{.sq_entries = 4096});
	timerx::Batch b = make_batch(10000);
	queue_mixed(b, 10000);
	const std::uint64_t enters = u.stats().enters;
	EXPECT_EQ(10000, rc(u.submit(b)));
	EXPECT_EQ(0U, b.failures());
	EXPECT_EQ(enters + 3, u.stats().enters) << "4096 + 4096 + 1808";
	EXPECT_EQ(10000U, u.stats().sqes);
}

TEST_F(HostUring, EmptyBatchDoesNothing)
{
	Uring u = open_uring(null_fd_);
	timerx::Batch b = make_batch(4);
	const std::uint64_t enters = u.stats().enters;
	EXPECT_EQ(0, rc(u.submit(b)));
	EXPECT_EQ(enters, u.stats().enters);
}

/* POLL_ADD wait: a timed-out wait stays queued and is reused; readiness completes it. */
TEST_F(HostUring, PollWaitTimesOutThenCompletes)
{
	Uring u = open_uring(efd_);
	ASSERT_EQ(Transport::ioctl, u.transport());
	const auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(20ms)));
	EXPECT_GE(std::chrono::steady_clock::now() - t0, 15ms);
	EXPECT_TRUE(u.wait_queued());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(0ns))) << "just a check";
	EXPECT_TRUE(u.wait_queued());

	const std::uint64_t one = 1;
	ASSERT_EQ(static_cast<ssize_t>(sizeof(one)), ::write(efd_, &one, sizeof(one)));
	EXPECT_EQ(1, rc(u.wait(2s)));
	EXPECT_FALSE(u.wait_queued());
	EXPECT_EQ(1, rc(u.wait(timerx::forever))) << "still readable: a new poll completes at once";
}

/* The WAIT uring_cmd plumbing (/dev/null completes it with 0: "nothing ready"). */
TEST_F(HostUring, WaitCommandCompletes)
{
	Uring u = open_uring(null_fd_);
	ASSERT_EQ(Transport::uring_cmd, u.transport());
	EXPECT_EQ(0, rc(u.wait(1s)));
	EXPECT_FALSE(u.wait_queued());
	EXPECT_GE(u.stats().waits, 1U);
}

TEST_F(HostUring, WaitsWithPollOnlyWhereTheWaitCommandIsNotUsed)
{
	Uring cmd = open_uring(null_fd_);
	EXPECT_FALSE(cmd.waits_with_poll());
	EXPECT_EQ(0, rc(cmd.wait(0ns)));
	EXPECT_FALSE(cmd.waits_with_poll()) << "/dev/null ran the WAIT";

	Uring forced = open_uring(null_fd_, UringOptions{.transport = Transport::ioctl});
	EXPECT_TRUE(forced.waits_with_poll());
	Uring fallback = open_uring(efd_);
	ASSERT_EQ(Transport::ioctl, fallback.transport());
	EXPECT_TRUE(fallback.waits_with_poll());
}

/*
 * A WAIT refused with -EOPNOTSUPP (6.1) is never reported: the same wait()
 * goes on with a POLL_ADD, which behaves as on the ioctl transport (times
 * out and stays queued, then completes with 1), and so do later waits.
 */
TEST_F(HostUring, RefusedWaitCommandBecomesPollAdd)
{
	Uring u = open_uring(efd_, UringOptions{.transport = Transport::uring_cmd});
	ASSERT_EQ(Transport::uring_cmd, u.transport());
	EXPECT_FALSE(u.waits_with_poll()) << "not known before the first wait";
	const auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(20ms))) << "the POLL_ADD timed out, not -EOPNOTSUPP";
	EXPECT_GE(std::chrono::steady_clock::now() - t0, 15ms) << "blocked in the POLL_ADD";
	EXPECT_TRUE(u.waits_with_poll());
	EXPECT_TRUE(u.wait_queued());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(0ns)));

	const std::uint64_t one = 1;
	ASSERT_EQ(static_cast<ssize_t>(sizeof(one)), ::write(efd_, &one, sizeof(one)));
	EXPECT_EQ(1, rc(u.wait(2s)));
	EXPECT_FALSE(u.wait_queued());
	EXPECT_EQ(1, rc(u.wait(timerx::forever))) << "still readable";
	EXPECT_TRUE(u.waits_with_poll());
	EXPECT_EQ(Transport::uring_cmd, u.transport()) << "commands still go as uring_cmd";
	timerx::Batch b = make_batch(2);
	queue_mixed(b, 2);
	EXPECT_EQ(2, rc(u.submit(b)));
	EXPECT_EQ(-EOPNOTSUPP, rc(b.result(0)));
}

/* The switch within one call: ready at once, no timeout, no blocking. */
TEST_F(HostUring, RefusedWaitCommandOnAReadyFdCompletesInTheSameCall)
{
	const std::uint64_t one = 1;
	ASSERT_EQ(static_cast<ssize_t>(sizeof(one)), ::write(efd_, &one, sizeof(one)));
	for (const auto timeout : {0ns, timerx::forever}) {
		Uring u = open_uring(efd_, UringOptions{.transport = Transport::uring_cmd});
		EXPECT_EQ(1, rc(u.wait(timeout))) << timeout.count();
		EXPECT_TRUE(u.waits_with_poll());
		EXPECT_FALSE(u.wait_queued());
		EXPECT_EQ(1U, u.stats().waits);
	}
}

TEST_F(HostUring, MoveKeepsTheRing)
{
	static_assert(!std::is_copy_constructible_v<Uring>);
	static_assert(std::is_nothrow_move_constructible_v<Uring>);
	Uring a = open_uring(null_fd_);
	const int ring_fd = a.ring_fd();
	Uring b(std::move(a));
	EXPECT_EQ(ring_fd, b.ring_fd());
	timerx::Batch batch = make_batch(2);
	queue_mixed(batch, 2);
	EXPECT_EQ(2, rc(b.submit(batch)));
	EXPECT_EQ(0U, batch.failures());
}

TEST(Uring, ZeroSqEntriesIsRefused)
{
	EXPECT_EQ(EINVAL, Uring::open(0, UringOptions{.sq_entries = 0}).error().code());
}

TEST_F(HostUring, MovedFromIsNotOpen)
{
	Uring a = open_uring(null_fd_);
	Uring b(std::move(a));
	// NOLINTBEGIN(bugprone-use-after-move): a moved-from Uring is usable, and not open
	EXPECT_FALSE(a.has_ring());
	EXPECT_EQ(-1, a.ring_fd());
	EXPECT_EQ(-1, a.fd());
	EXPECT_EQ(0U, a.sq_entries());
	EXPECT_FALSE(a.wait_queued());
	EXPECT_EQ(0U, a.stats().enters);
	timerx::Batch batch = make_batch(2);
	queue_mixed(batch, 2);
	EXPECT_EQ(-EBADF, rc(a.submit(batch)));
	EXPECT_EQ(-EBADF, rc(a.wait(0ns)));
	EXPECT_EQ(-EBADF, rc(a.wait(timerx::forever)));
	/* Every accessor answers "not open"; none dereferences the missing state. */
	EXPECT_EQ(Transport::ioctl, a.transport());
	EXPECT_EQ(-EBADF, a.setup_result());
	EXPECT_EQ(0, a.probe_result());
	EXPECT_FALSE(a.sqe128());
	EXPECT_FALSE(a.fixed_file());
	EXPECT_EQ(1, a.register_result()) << "not tried";
	EXPECT_FALSE(a.waits_with_poll());
	EXPECT_EQ(0U, a.stats().sqes);
	EXPECT_EQ(0U, a.stats().unsent);
	// NOLINTEND(bugprone-use-after-move)
	EXPECT_EQ(2, rc(b.submit(batch))) << "the ring went to b";
	a = std::move(b);
	EXPECT_TRUE(a.has_ring());
}

/* Destroying a moved-from Uring first leaves the ring with its new owner; assigning over an open
 * one frees its ring. */
TEST_F(HostUring, MovedFromIsSafeToDestroyAndAssignOver)
{
	timerx::Batch batch = make_batch(2);
	queue_mixed(batch, 2);
	std::optional<Uring> a(open_uring(null_fd_));
	Uring b(std::move(*a));
	a.reset();
	EXPECT_EQ(2, rc(b.submit(batch)));
	Uring c = open_uring(null_fd_);
	const int b_ring = b.ring_fd();
	c = std::move(b); // c's own ring is torn down here (ASan: nothing leaks)
	EXPECT_EQ(b_ring, c.ring_fd());
	EXPECT_EQ(2, rc(c.submit(batch)));
	Uring &self = c;
	c = std::move(self);
	EXPECT_TRUE(c.has_ring()) << "self-move keeps the ring";
}

TEST(Uring, DefaultConstructedIsNotOpen)
{
	Uring u;
	EXPECT_FALSE(u.has_ring());
	EXPECT_EQ(-EBADF, rc(u.wait(0ns)));
	timerx::Batch b = make_batch(1);
	EXPECT_EQ(-EBADF, rc(u.submit(b)));
}

TEST(Uring, SetupFlagsOutsideTheAllowedOnesAreEinval)
{
	EXPECT_EQ(EINVAL, Uring::open(0, {.setup_flags = IORING_SETUP_SQPOLL}).error().code());
	EXPECT_EQ(EINVAL, Uring::open(0, {.setup_flags = IORING_SETUP_SQE128 << 8}).error().code());
	EXPECT_EQ(EINVAL,
		  Uring::open(0, {.setup_flags = IORING_SETUP_DEFER_TASKRUN}).error().code())
		<< "DEFER_TASKRUN needs SINGLE_ISSUER";
}

/* The engine's usual flags: commands and waits work the same. */
TEST_F(HostUring, TakesSingleIssuerDeferAndCoopTaskrun)
{
	for (const unsigned flags :
	     {unsigned{IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN},
	      unsigned{IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG}}) {
		auto opened = Uring::open(null_fd_,
					  {.sq_entries = 16, .setup_flags = flags, .sqe128 = true});
		ASSERT_TRUE(opened.ok());
		Uring &u = *opened;
		if (u.setup_result() < 0) {
			std::printf("# setup flags %#x not taken here: %s\n", flags,
				    std::strerror(-u.setup_result()));
			continue;
		}
		ASSERT_EQ(Transport::uring_cmd, u.transport()) << flags;
		timerx::Batch b = make_batch(40);
		queue_mixed(b, 40);
		EXPECT_EQ(40, rc(u.submit(b))) << flags;
		EXPECT_EQ(0U, b.failures()) << "/dev/null completes every uring_cmd with 0";
		EXPECT_EQ(0, rc(u.wait(1s))) << "the WAIT plumbing";
	}
}

/* ---------------------------------------------------------------- API 3 commands */

/* A run of arms, postpones and cancels is one BATCH in one plain SQE. */
TEST_F(HostUring, PlainRingSendsARunAsOneBatch)
{
	Uring u = open_plain(null_fd_);
	ASSERT_EQ(Transport::uring_cmd, u.transport());
	EXPECT_FALSE(u.sqe128()) << "plain 64-byte SQEs by default";
	timerx::Batch b = make_batch(300);
	for (timerx::TimerId id = 1; id <= 100; ++id) {
		ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(id, 1ms, 1ms)).ok());
		ASSERT_TRUE(b.postpone_timer(timerx::PostponeSpec::after(id, 2ms)).ok());
		ASSERT_TRUE(b.cancel_timer(id).ok());
	}
	const std::uint64_t enters = u.stats().enters;
	EXPECT_EQ(300, rc(u.submit(b)));
	EXPECT_EQ(enters + 1, u.stats().enters);
	EXPECT_EQ(1U, u.stats().sqes) << "300 commands, one SQE";
	EXPECT_EQ(1U, u.stats().batches);
	/* /dev/null completes the BATCH with 0: it ran none of them. */
	for (std::size_t i = 0; i < b.size(); ++i)
		EXPECT_EQ(-ECANCELED, rc(b.result(i))) << i;
}

/* More than TIMERX_BATCH_MAX in a row: several BATCHes, still one enter. */
TEST_F(HostUring, LongRunsAreSeveralBatches)
{
	Uring u = open_plain(null_fd_);
	timerx::Batch b = make_batch(10000);
	for (std::uint32_t i = 0; i < 10000; ++i)
		ASSERT_TRUE(b.cancel_timer(i + 1).ok());
	EXPECT_EQ(10000, rc(u.submit(b)));
	EXPECT_EQ(3U, u.stats().sqes) << "4096 + 4096 + 1808";
	EXPECT_EQ(3U, u.stats().batches);
}

/* A lone one-shot arm is ARM_IN / ARM_AT (16 bytes): a plain SQE, not a BATCH. */
TEST_F(HostUring, LoneOneShotArmIsItsOwnSqe)
{
	Uring u = open_plain(null_fd_);
	timerx::Batch b = make_batch(2);
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 1ms)).ok());
	EXPECT_EQ(1, rc(u.submit(b)));
	EXPECT_EQ(0, rc(b.result(0))) << "/dev/null took the ARM_IN";
	EXPECT_EQ(1U, u.stats().sqes);
	EXPECT_EQ(0U, u.stats().batches);
	/* A periodic one is 40 bytes: a BATCH of one in a plain ring. */
	b.clear();
	ASSERT_TRUE(b.arm_timer(timerx::ArmSpec::after(1, 1ms, 1ms)).ok());
	EXPECT_EQ(1, rc(u.submit(b)));
	EXPECT_EQ(2U, u.stats().sqes);
}

/* Creates do not fit a plain SQE: ioctl(2), where /dev/null has none. */
TEST_F(HostUring, PlainRingCreatesByIoctl)
{
	for (const Order order : {Order::any, Order::sequential}) {
		Uring u = open_plain(null_fd_);
		timerx::Batch b = make_batch(4);
		ASSERT_TRUE(b.cancel_timer(1).ok());
		ASSERT_TRUE(b.create_timer({}).ok());
		ASSERT_TRUE(b.cancel_timer(2).ok());
		EXPECT_EQ(3, rc(u.submit(b, order)));
		EXPECT_EQ(0, rc(b.result(0)));
		EXPECT_EQ(-ENOTTY, rc(b.result(1))) << "the create went by ioctl";
		EXPECT_EQ(0, rc(b.result(2)));
		EXPECT_EQ(1U, u.stats().ioctls);
		EXPECT_EQ(2U, u.stats().sqes);
	}
}

/* The fd is registered (IOSQE_FIXED_FILE) unless told not to; both ways work. */
TEST_F(HostUring, RegistersTheFdWhenItCan)
{
	Uring fixed = open_plain(null_fd_);
	EXPECT_TRUE(fixed.fixed_file());
	EXPECT_EQ(0, fixed.register_result());
	Uring plain = open_plain(null_fd_, UringOptions{.register_file = false});
	EXPECT_FALSE(plain.fixed_file());
	EXPECT_EQ(1, plain.register_result()) << "not tried";
	for (Uring *u : {&fixed, &plain}) {
		EXPECT_EQ(Transport::uring_cmd, u->transport()) << "the probe went through";
		timerx::Batch b = make_batch(8);
		queue_mixed(b, 7);
		EXPECT_EQ(7, rc(u->submit(b)));
		for (std::size_t i = 0; i < b.size(); ++i)
			EXPECT_EQ(i % 4 == 0 ? -ENOTTY : 0, rc(b.result(i))) << i;
		EXPECT_EQ(0, rc(u->wait(1s))) << "a WAIT through the registered file";
	}
	/* POLL_ADD on the registered file. */
	Uring polled = open_plain(efd_);
	EXPECT_TRUE(polled.fixed_file());
	const std::uint64_t one = 1;
	ASSERT_EQ(static_cast<ssize_t>(sizeof(one)), ::write(efd_, &one, sizeof(one)));
	EXPECT_EQ(1, rc(polled.wait(1s)));
}

/*
 * What submit() does when it gives up: SQEs published to the kernel but
 * not consumed are taken back, so that no later io_uring_enter() runs
 * them. Set up as liburing leaves the SQ after a failed enter (tail
 * published, nothing consumed), on a real ring.
 */
TEST(UringSq, RewindTakesBackWhatTheKernelDidNotConsume)
{
	io_uring ring{};
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	const auto queue_nops = [&](unsigned n, std::uint64_t first) {
		for (unsigned i = 0; i < n; ++i) {
			io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			ASSERT_NE(nullptr, sqe);
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, first + i);
		}
	};
	const auto publish = [&] { /* what io_uring_submit() does before entering */
				   ring.sq.sqe_head = ring.sq.sqe_tail;
				   __atomic_store_n(ring.sq.ktail, ring.sq.sqe_tail,
						    __ATOMIC_RELEASE);
	};
	const auto completions = [&] {
		std::vector<std::uint64_t> got;
		__kernel_timespec ts{0, 20000000};
		io_uring_cqe *cqe = nullptr;
		while (io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == 0) {
			got.push_back(cqe->user_data);
			io_uring_cqe_seen(&ring, cqe);
		}
		return got;
	};

	queue_nops(2, 1);
	ASSERT_EQ(2, io_uring_submit(&ring));
	EXPECT_EQ((std::vector<std::uint64_t>{1, 2}), completions());

	queue_nops(3, 10);
	publish();
	EXPECT_EQ(3U, io_uring_sq_ready(&ring)) << "in the SQ, visible to the kernel";
	EXPECT_EQ(3U, timerx::detail::rewind_unsubmitted(&ring));
	EXPECT_EQ(0U, io_uring_sq_ready(&ring));
	EXPECT_EQ(0, io_uring_submit(&ring)) << "the next enter finds nothing to run";
	EXPECT_TRUE(completions().empty()) << "the taken-back NOPs never ran";

	queue_nops(1, 20); /* prepared, not published: taken back too */
	EXPECT_EQ(1U, timerx::detail::rewind_unsubmitted(&ring));
	queue_nops(2, 30);
	ASSERT_EQ(2, io_uring_submit(&ring)) << "the SQ works on after a rewind";
	EXPECT_EQ((std::vector<std::uint64_t>{30, 31}), completions());
	EXPECT_EQ(0U, timerx::detail::rewind_unsubmitted(&ring)) << "all consumed";
	io_uring_queue_exit(&ring);
}

} // namespace
