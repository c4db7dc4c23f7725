// SPDX-License-Identifier: MIT
/*
 * Waiting: busy-polling with the wakeup-suppression flag, poll_fd(), the
 * hybrid helper, and the flag protocol against a producer that behaves as
 * the kernel does (publish tail, then look at the flag to decide whether
 * to wake) -- no wakeup may be lost.
 */
#include <timerx/testing.hpp>
#include <timerx/wait.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

namespace {

using timerx_test::rc;

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using timerx::Event;
using timerx::testing::FakeRing;

Event event(std::uint64_t seq)
{
	Event e{};
	e.timer_id = 1;
	e.user_data = seq;
	return e;
}

TEST(SpinWait, TimesOutWithTheFlagClear)
{
	FakeRing ring(8);
	timerx::RingReader r = ring.reader();
	const auto t0 = clock_type::now();
	EXPECT_FALSE(timerx::spin_for(r, 3ms));
	EXPECT_GE(clock_type::now() - t0, 3ms);
	EXPECT_FALSE(r.polling()) << "after a timeout the caller is about to block";
}

TEST(SpinWait, ReturnsAtOnceWhenReadyAndKeepsPolling)
{
	FakeRing ring(8);
	timerx::RingReader r = ring.reader();
	ring.deliver(event(1));
	EXPECT_TRUE(timerx::spin_for(r, 10s));
	EXPECT_TRUE(r.polling()) << "keep suppressing wakeups while we consume";
}

TEST(SpinWait, OverflowCountsAsWork)
{
	FakeRing ring(2);
	for (std::uint32_t i = 0; i < 4; ++i) {
		Event e = event(i);
		e.timer_id = i + 1;
		ring.deliver(e);
	}
	timerx::RingReader r = ring.reader();
	r.set_flush_rounds(0);
	(void)r.consume([](const Event &) {});
	ASSERT_EQ(0U, r.ready());
	EXPECT_TRUE(timerx::spin_for(r, 10s));
}

TEST(SpinWait, SeesAnEventFromAnotherThread)
{
	FakeRing ring(8);
	timerx::RingReader r = ring.reader();
	std::atomic<bool> saw_flag{false};
	std::thread producer([&] {
		std::this_thread::sleep_for(5ms);
		saw_flag = (timerx::detail::load_relaxed(&ring.hdr()->consumer_flags) &
			    TIMERX_CONSUMER_F_POLLING) != 0;
		ring.deliver(event(7));
	});
	EXPECT_TRUE(timerx::spin_for(r, 10s));
	producer.join();
	EXPECT_TRUE(saw_flag) << "TIMERX_CONSUMER_F_POLLING set while spinning";
	std::uint64_t got = 0;
	EXPECT_EQ(1U, r.consume([&](const Event &e) { got = e.user_data; })->events);
	EXPECT_EQ(7U, got);
}

TEST(PollFd, ReadinessTimeoutAndErrors)
{
	const int efd = ::eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-ETIMEDOUT, rc(timerx::poll_fd(efd, 0ns)));
	EXPECT_EQ(-ETIMEDOUT, rc(timerx::poll_fd(efd, -5ms))) << "a deadline that passed";
	const auto t0 = clock_type::now();
	EXPECT_EQ(-ETIMEDOUT, rc(timerx::poll_fd(efd, 10ms)));
	EXPECT_GE(clock_type::now() - t0, 10ms);
	const std::uint64_t one = 1;
	ASSERT_EQ(static_cast<ssize_t>(sizeof(one)), ::write(efd, &one, sizeof(one)));
	EXPECT_EQ(0, rc(timerx::poll_fd(efd, 0ns)));
	EXPECT_EQ(0, rc(timerx::poll_fd(efd, timerx::forever)));
	::close(efd);
	EXPECT_EQ(-EBADF, rc(timerx::poll_fd(efd, 0ns)));
}

TEST(WaitHybrid, BlocksOnlyWhenSpinningFoundNothing)
{
	FakeRing ring(8);
	timerx::RingReader r = ring.reader();
	int blocked = 0;
	const auto block = [&]() -> timerx::Result<void> {
		++blocked;
		EXPECT_FALSE(r.polling()) << "the flag is clear before blocking";
		return timerx::Error{ETIMEDOUT};
	};
	EXPECT_EQ(-ETIMEDOUT, rc(timerx::wait_hybrid(r, 1ms, block))) << "the block's result";
	EXPECT_EQ(1, blocked);

	ring.deliver(event(1));
	EXPECT_EQ(0, rc(timerx::wait_hybrid(r, 1ms, block)));
	EXPECT_EQ(0, rc(timerx::wait_hybrid(r, 0ns, block)));
	EXPECT_EQ(1, blocked) << "work was ready: no blocking";
}

/*
 * The wakeup-suppression protocol end to end. The producer acts as the
 * module: publish tail (store-release), then read consumer_flags and wake
 * (here: write an eventfd) only when the polling flag is clear. The
 * consumer spins (long in the first half, not at all in the second), then
 * clears the flag, re-checks and blocks.
 * Every event must be seen without ever waiting for the safety timeout,
 * and wakeups must be suppressed while the consumer spins.
 */
TEST(WakeupSuppression, NoLostWakeups)
{
	constexpr std::uint64_t total = 3000;
	FakeRing ring(16);
	timerx::RingReader r = ring.reader();
	const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	std::atomic<std::uint64_t> wakeups{0};
	std::atomic<bool> stop{false};

	std::thread producer([&] {
		std::mt19937 rng(12345);
		for (std::uint64_t seq = 0; seq < total && !stop; ++seq) {
			while (ring.tail() - ring.head() >= 16 && !stop)
				std::this_thread::yield();
			ring.deliver(event(seq));
			/*
			 * The module orders its flag read after publishing tail (under
			 * ring->lock); here a seq_cst RMW of tail (+0) is that barrier.
			 */
			std::atomic_ref<std::uint32_t>(ring.hdr()->tail)
				.fetch_add(0, std::memory_order_seq_cst);
			if (!(timerx::detail::load_seq_cst(&ring.hdr()->consumer_flags) &
			      TIMERX_CONSUMER_F_POLLING)) {
				const std::uint64_t one = 1;
				(void)!::write(efd, &one, sizeof(one));
				++wakeups;
			}
			if (rng() % 4 == 0)
				std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
		}
	});

	std::uint64_t seen = 0;
	unsigned lost = 0;
	while (seen < total) {
		const auto res = r.consume([&](const Event &e) {
			EXPECT_EQ(seen, e.user_data);
			++seen;
		});
		ASSERT_TRUE(res.ok());
		if (res->events != 0 || seen == total)
			continue;
		/* First half: spin long (suppression); second half: block at once. */
		if (timerx::spin_for(r, seen < total / 2 ? 1ms : 0us))
			continue;
		/* Flag clear, ring re-checked and empty: block (2 s = "lost"). */
		if (!timerx::poll_fd(efd, 2s)) {
			++lost;
			if (lost > 2)
				break;
		}
		std::uint64_t drain;
		(void)!::read(efd, &drain, sizeof(drain));
	}
	stop = true;
	producer.join();
	::close(efd);
	EXPECT_EQ(total, seen);
	EXPECT_EQ(0U, lost) << "blocked with an event ready: a wakeup was lost";
	EXPECT_LT(wakeups.load(), total) << "no wakeup was ever suppressed";
}

} // namespace
