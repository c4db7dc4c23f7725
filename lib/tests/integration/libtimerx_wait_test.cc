// SPDX-License-Identifier: MIT
/*
 * Waiting against the real module: busy-polling with wakeup suppression,
 * poll(2), epoll, io_uring (TIMERX_URING_CMD_WAIT and POLL_ADD), and a
 * pending io_uring wait completed with -ECANCELED when the submitting
 * process closes a descriptor of the context (not when a forked child
 * closes its copy).
 *
 * On kernels whose io_uring cannot cancel driver commands (Debian's 6.1,
 * "stock" and "rt" in the harness) the module refuses the WAIT with
 * -EOPNOTSUPP and Uring::wait() polls instead (waits_with_poll()): the
 * tests of the WAIT's own semantics skip there, the others run on both.
 */
#include "itest.hpp"

#include <timerx/uring_prep.hpp>

#include <sys/epoll.h>
#include <sys/wait.h>

#include <cerrno>
#include <thread>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using timerx::ArmSpec;
using timerx::Context;
using timerx::Event;
using timerx::Transport;
using timerx::Uring;

class Wait : public ::testing::Test {
protected:
	void SetUp() override
	{
		ctx_.emplace(itest::open_context(256));
		/* Every event, also those of armings a test cancelled before draining. */
		reader_ = ctx_->reader(timerx::Stale::deliver);
		const auto id = ctx_->create_timer({.user_data = 5});
		ASSERT_TRUE(id.ok()) << std::strerror(id.error().code());
		id_ = *id;
	}

	/* Consume what is there; returns the number of events. */
	std::size_t drain()
	{
		std::size_t n = 0;
		const auto res = reader_.consume([&](const Event &e) {
			EXPECT_EQ(id_, e.timer_id);
			EXPECT_GE(e.actual_ns, e.expected_ns) << "fired early";
			++n;
		});
		EXPECT_TRUE(res.ok());
		return n;
	}

	std::optional<Context> ctx_;
	timerx::RingReader reader_;
	timerx::TimerId id_ = 0;
};

/*
 * What the module answers a TIMERX_URING_CMD_WAIT on @fd (a context with
 * nothing ready) in a ring of our own: -EOPNOTSUPP at once on kernels whose
 * io_uring cannot cancel driver commands; elsewhere the WAIT is queued,
 * and closing a dup of @fd ends it with -ECANCELED. -EIO: no answer.
 */
int raw_wait_result(int fd)
{
	io_uring ring{};
	if (io_uring_queue_init(4, &ring, 0) != 0)
		return -EIO;
	const int dup_fd = ::dup(fd);
	if (dup_fd < 0) {
		io_uring_queue_exit(&ring);
		return -EIO;
	}
	timerx::prep_wait(io_uring_get_sqe(&ring), dup_fd);
	int res = -EIO;
	io_uring_cqe *cqe = nullptr;
	__kernel_timespec ts{0, 20000000};
	__kernel_timespec limit{5, 0};
	if (io_uring_submit(&ring) == 1) {
		const bool at_once = io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == 0;
		::close(dup_fd); /* ends a queued WAIT */
		if (at_once || io_uring_wait_cqe_timeout(&ring, &cqe, &limit) == 0)
			res = cqe->res;
	} else {
		::close(dup_fd);
	}
	io_uring_queue_exit(&ring);
	return res;
}

TEST_F(Wait, TransportIsUringCmd)
{
	Uring u = itest::open_uring(*ctx_);
	EXPECT_EQ(Transport::uring_cmd, u.transport())
		<< "setup " << u.setup_result() << " probe " << u.probe_result();
	EXPECT_EQ(0, u.probe_result()) << "FLUSH with nothing pending writes 0 events";
}

/*
 * Uring::wait() never reports the module's refusal of the WAIT: it polls
 * instead, from the first wait() on, exactly when a raw WAIT is refused.
 */
TEST_F(Wait, UringPollsExactlyWhenTheKernelRefusesTheWait)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	const int raw = raw_wait_result(ctx_->fd());
	ASSERT_TRUE(raw == -EOPNOTSUPP || raw == -ECANCELED) << "raw WAIT: " << raw;
	EXPECT_FALSE(u.waits_with_poll()) << "not known before a wait";
	ASSERT_TRUE(reader_.prepare_wait());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(10ms))) << "nothing ready: a timeout, never -EOPNOTSUPP";
	EXPECT_TRUE(u.wait_queued());
	EXPECT_EQ(raw == -EOPNOTSUPP, u.waits_with_poll()) << "raw WAIT: " << raw;
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 5ms))));
	EXPECT_GE(rc(u.wait(itest::fire_timeout)), 1);
	EXPECT_EQ(1U, drain());
	EXPECT_EQ(raw == -EOPNOTSUPP, u.waits_with_poll()) << "decided once";
}

TEST_F(Wait, BusyPollSeesTheEvent)
{
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 5ms))));
	const auto t0 = clock_type::now();
	ASSERT_TRUE(timerx::spin_until(reader_, t0 + itest::fire_timeout));
	EXPECT_TRUE(reader_.polling());
	EXPECT_EQ(1U, drain());
	EXPECT_FALSE(timerx::spin_for(reader_, 1ms)) << "one-shot: nothing more";
	EXPECT_FALSE(reader_.polling());
}

/*
 * With TIMERX_CONSUMER_F_POLLING set the module does no wakeup work even
 * though an epoll registration keeps its waitqueue busy; once the flag is
 * clear, events wake the waiter again.
 */
TEST_F(Wait, PollingFlagSuppressesWakeups)
{
	const int ep = ::epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	epoll_event ee{};
	ee.events = EPOLLIN;
	ASSERT_EQ(0, ::epoll_ctl(ep, EPOLL_CTL_ADD, ctx_->fd(), &ee));

	reader_.set_polling(true);
	const std::uint64_t w0 = ctx_->info()->wakeups;
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 2ms, 2ms))));
	std::size_t got = 0;
	while (got < 10) {
		ASSERT_TRUE(timerx::spin_until(reader_, clock_type::now() + itest::fire_timeout));
		got += drain();
	}
	ASSERT_EQ(0, rc(ctx_->cancel_timer(id_)));
	EXPECT_EQ(w0, ctx_->info()->wakeups) << "woken while busy-polling";

	/* Flag clear: the next event wakes epoll_wait(). */
	got += drain();
	ASSERT_TRUE(reader_.prepare_wait());
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 5ms))));
	epoll_event out{};
	EXPECT_EQ(1, ::epoll_wait(ep, &out, 1, 5000));
	EXPECT_TRUE(out.events & EPOLLIN);
	EXPECT_EQ(1U, drain());
	EXPECT_GT(ctx_->info()->wakeups, w0);
	::close(ep);
}

TEST_F(Wait, PollFdWakesOnTheEvent)
{
	ASSERT_TRUE(reader_.prepare_wait());
	EXPECT_EQ(-ETIMEDOUT, rc(timerx::poll_fd(ctx_->fd(), 0ns))) << "nothing yet";
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 10ms))));
	EXPECT_EQ(0, rc(timerx::poll_fd(ctx_->fd(), itest::fire_timeout)));
	EXPECT_EQ(1U, drain());
}

TEST_F(Wait, EpollWakesOnTheEvent)
{
	const int ep = ::epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	epoll_event ee{};
	ee.events = EPOLLIN;
	ee.data.u64 = 99;
	ASSERT_EQ(0, ::epoll_ctl(ep, EPOLL_CTL_ADD, ctx_->fd(), &ee));
	epoll_event out{};
	EXPECT_EQ(0, ::epoll_wait(ep, &out, 1, 0));
	ASSERT_TRUE(reader_.prepare_wait());
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 10ms))));
	ASSERT_EQ(1, ::epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(99U, out.data.u64);
	EXPECT_EQ(1, ::epoll_wait(ep, &out, 1, 0)) << "level-triggered until consumed";
	EXPECT_EQ(1U, drain());
	EXPECT_EQ(0, ::epoll_wait(ep, &out, 1, 0));
	::close(ep);
}

TEST_F(Wait, UringWaitIsWokenByTheKernel)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	ASSERT_TRUE(reader_.prepare_wait());
	const std::int64_t t0 = timerx::now_ns(timerx::Clock::monotonic);
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 20ms))));
	const long long ret = rc(u.wait(itest::fire_timeout));
	const std::int64_t t1 = timerx::now_ns(timerx::Clock::monotonic);
	EXPECT_GE(ret, 1) << "res = events ready: " << ret;
	EXPECT_GE(t1 - t0, 20000000) << "woken before the timer was due";
	EXPECT_EQ(1U, drain());
}

TEST_F(Wait, UringWaitTimesOutStaysQueuedThenCompletes)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(20ms)));
	EXPECT_TRUE(u.wait_queued());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(0ns)));
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 5ms))));
	EXPECT_GE(rc(u.wait(itest::fire_timeout)), 1);
	EXPECT_FALSE(u.wait_queued());
	EXPECT_EQ(1U, drain());
}

/* Events already ready: the WAIT completes at once with their number. */
TEST_F(Wait, UringWaitWithEventsReadyCompletesAtOnce)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 1ms, 1ms))));
	while (reader_.ready() < 3)
		ASSERT_EQ(0, rc(timerx::poll_fd(ctx_->fd(), itest::fire_timeout)));
	ASSERT_EQ(0, rc(ctx_->cancel_timer(id_)));
	const long long ret = rc(u.wait(0ns));
	if (u.waits_with_poll())
		EXPECT_EQ(1, ret) << "POLL_ADD (the kernel refuses the WAIT): readable";
	else
		EXPECT_GE(ret, 3) << "the WAIT: the number of events ready";
	EXPECT_GE(drain(), 3U);
}

TEST_F(Wait, UringWaitCancelledWhenTheContextIsClosed)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(10ms)));
	ASSERT_TRUE(u.wait_queued());
	if (u.waits_with_poll())
		GTEST_SKIP() << "the kernel refuses TIMERX_URING_CMD_WAIT: poll waits";
	ctx_->close();
	EXPECT_EQ(-ECANCELED, rc(u.wait(itest::fire_timeout)));
	EXPECT_FALSE(u.wait_queued());
}

/*
 * Only the submitting process's close ends a WAIT: a forked child that
 * closes its copy of the descriptor (and exits) leaves it queued.
 */
TEST_F(Wait, UringWaitSurvivesAForkedChildClosingItsCopy)
{
	Uring u = itest::open_uring(*ctx_);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	ASSERT_TRUE(reader_.prepare_wait());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(10ms)));
	ASSERT_TRUE(u.wait_queued());
	if (u.waits_with_poll())
		GTEST_SKIP() << "the kernel refuses TIMERX_URING_CMD_WAIT: poll waits";
	std::fflush(stdout);
	std::fflush(stderr);
	const pid_t pid = ::fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		::_exit(::close(ctx_->fd()) == 0 ? 0 : 1);
	int status = 0;
	ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child: " << status;
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(50ms))) << "ended by the child's close";
	EXPECT_TRUE(u.wait_queued());
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 5ms))));
	EXPECT_GE(rc(u.wait(itest::fire_timeout)), 1) << "the same WAIT completes with the event";
	EXPECT_EQ(1U, drain());
}

/*
 * A POLL_ADD wait (the ioctl transport; every wait where the kernel
 * refuses the WAIT) is not ended by closing the context: io_uring holds
 * the file until the Uring goes.
 */
TEST_F(Wait, PollWaitOutlivesCloseUntilTheUringGoes)
{
	Uring u = itest::open_uring(*ctx_, timerx::UringOptions{.transport = Transport::ioctl});
	ASSERT_TRUE(u.has_ring());
	ASSERT_TRUE(u.waits_with_poll());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(10ms)));
	ASSERT_TRUE(u.wait_queued());
	ctx_->close();
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(50ms))) << "a POLL_ADD is not ended by close()";
	EXPECT_TRUE(u.wait_queued());
	/* ~Uring: io_uring's exit cancels it and drops the file. */
}

/* Closing any descriptor of the context (a dup) in this process ends the waits too. */
TEST_F(Wait, OwnRingWaitsCancelledByClosingADup)
{
	io_uring ring{};
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	const int dup_fd = ::dup(ctx_->fd());
	ASSERT_LE(0, dup_fd);
	for (int i = 0; i < 2; ++i) { /* several may be pending */
		io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		timerx::prep_wait(sqe, dup_fd);
		sqe->user_data = static_cast<__u64>(i);
	}
	ASSERT_EQ(2, io_uring_submit(&ring));
	io_uring_cqe *cqe = nullptr;
	__kernel_timespec ts{0, 20000000};
	const int first = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (first == 0 && cqe->res == -EOPNOTSUPP) {
		::close(dup_fd);
		io_uring_queue_exit(&ring);
		GTEST_SKIP()
			<< "the kernel refuses TIMERX_URING_CMD_WAIT (no driver-command cancel)";
	}
	EXPECT_EQ(-ETIME, first) << "nothing ready";
	::close(dup_fd);
	for (int i = 0; i < 2; ++i) {
		__kernel_timespec limit{5, 0};
		ASSERT_EQ(0, io_uring_wait_cqe_timeout(&ring, &cqe, &limit));
		EXPECT_EQ(-ECANCELED, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	/* The context itself lives on. */
	EXPECT_TRUE(ctx_->info().ok());
}

/* Without uring_cmd, Uring::wait() polls the fd through io_uring (POLL_ADD). */
TEST_F(Wait, ForcedIoctlWaitsWithPollAdd)
{
	Uring u = itest::open_uring(*ctx_, timerx::UringOptions{.transport = Transport::ioctl});
	ASSERT_EQ(Transport::ioctl, u.transport());
	ASSERT_TRUE(u.has_ring());
	ASSERT_TRUE(reader_.prepare_wait());
	EXPECT_EQ(-ETIMEDOUT, rc(u.wait(10ms)));
	ASSERT_EQ(0, rc(ctx_->arm_timer(ArmSpec::after(id_, 10ms))));
	EXPECT_EQ(1, rc(u.wait(itest::fire_timeout)));
	EXPECT_EQ(1U, drain());
}

/* Spin a little, then block in io_uring: the engine loop of the examples. */
TEST_F(Wait, HybridLoopGetsEveryPeriod)
{
	Uring u = itest::open_uring(*ctx_);
	constexpr std::int64_t period = 3000000;
	ASSERT_EQ(0,
		  rc(ctx_->arm_timer(ArmSpec::after(id_, 3ms, std::chrono::nanoseconds(period)))));
	std::uint64_t expirations = 0;
	const auto deadline = clock_type::now() + itest::fire_timeout;
	while (expirations < 20 && clock_type::now() < deadline) {
		(void)reader_.consume(
			[&](const Event &e) { expirations += timerx::expirations(e); });
		const auto ret = timerx::wait_hybrid(reader_, 50us, [&] { return u.wait(1s); });
		ASSERT_TRUE(ret || ret.error().code() == ETIMEDOUT) << ret.error_code().message();
	}
	ASSERT_EQ(0, rc(ctx_->cancel_timer(id_)));
	(void)reader_.consume([&](const Event &e) { expirations += timerx::expirations(e); });
	EXPECT_GE(expirations, 20U);
	EXPECT_EQ(ctx_->get_timer(id_)->expirations, expirations);
}

} // namespace
