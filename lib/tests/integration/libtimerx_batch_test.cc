// SPDX-License-Identifier: MIT
/*
 * Batched commands against the real module: 10 000 timers created and
 * armed with one Uring::submit() each (a few io_uring_enter(2) calls),
 * every expiration delivered (sum of 1 + overrun per timer equals the
 * module's count), on the uring_cmd transport and forced to ioctl with the
 * same results; per-command errors; ordered submission.
 */
#include "itest.hpp"

#include <cerrno>
#include <cstdio>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using timerx::ArmSpec;
using timerx::Batch;
using timerx::Context;
using timerx::Event;
using timerx::TimerId;
using timerx::Transport;
using timerx::Uring;
using timerx::UringOptions;

constexpr std::size_t many = 10000;
constexpr unsigned sq_entries = 4096;

struct Totals {
	std::vector<std::uint64_t> per_timer; /* sum of 1 + overrun, by user_data */
	std::uint64_t events = 0;
	std::uint64_t flushes = 0;
};

void account(Totals &t, const Event &e)
{
	++t.events;
	if (e.user_data < t.per_timer.size())
		t.per_timer[e.user_data] += timerx::expirations(e);
	else
		ADD_FAILURE() << "event with user_data " << e.user_data;
	EXPECT_GE(e.actual_ns, e.expected_ns) << "fired early";
}

/* The whole life of @many periodic timers over @transport. */
void run_many(Transport transport)
{
	/* A ring smaller than the timer count: overflow and flush are part of the run. */
	Context ctx = itest::open_context(4096);
	/* SQE128: the creates go through the ring too (32 bytes). */
	Uring u = itest::open_uring(
		ctx, UringOptions{.sq_entries = sq_entries, .transport = transport, .sqe128 = true});
	ASSERT_EQ(transport, u.transport());
	timerx::RingReader r = ctx.reader();
	Batch batch = itest::make_batch(many);

	/* 1. Create them all: one submit. */
	for (std::size_t i = 0; i < many; ++i)
		ASSERT_EQ(static_cast<int>(i), rc(batch.create_timer({.user_data = i})));
	const std::uint64_t enters0 = u.stats().enters;
	ASSERT_EQ(static_cast<int>(many), rc(u.submit(batch)));
	ASSERT_EQ(0U, batch.failures()) << "first error " << batch.status().error_code().message();
	std::vector<TimerId> ids(many);
	for (std::size_t i = 0; i < many; ++i) {
		ASSERT_GT(rc(batch.result(i)), 0);
		ids[i] = *batch.result(i);
	}
	if (transport == Transport::uring_cmd) {
		const std::uint64_t chunks = (many + sq_entries - 1) / sq_entries;
		EXPECT_EQ(enters0 + chunks, u.stats().enters)
			<< "one io_uring_enter per " << sq_entries << " commands";
	} else {
		EXPECT_EQ(enters0, u.stats().enters);
	}
	EXPECT_EQ(many, ctx.info()->timers);

	/* 2. Arm them all, periodic 100 ms, spread over the first period: one submit. */
	batch.clear();
	for (std::size_t i = 0; i < many; ++i) {
		const auto first = std::chrono::microseconds(1000 + (i % 100) * 1000);
		ASSERT_LE(0, rc(batch.arm_timer(ArmSpec::after(ids[i], first, 100ms))));
	}
	ASSERT_EQ(static_cast<int>(many), rc(u.submit(batch)));
	ASSERT_EQ(0U, batch.failures());

	/* 3. Consume for a while: spin a little, block in Uring::wait(). */
	Totals t;
	t.per_timer.assign(many, 0);
	const auto stop = clock_type::now() + 350ms;
	while (clock_type::now() < stop) {
		const auto res = r.consume([&](const Event &e) { account(t, e); });
		ASSERT_TRUE(res.ok()) << std::strerror(res.error().code());
		t.flushes += res->flushes;
		const auto ret = timerx::wait_hybrid(r, 20us, [&] { return u.wait(10ms); });
		ASSERT_TRUE(ret || ret.error().code() == ETIMEDOUT) << ret.error_code().message();
	}

	/* 4. Cancel them all (pending expirations are kept), then drain everything. */
	batch.clear();
	for (std::size_t i = 0; i < many; ++i)
		ASSERT_LE(0, rc(batch.cancel_timer(ids[i])));
	ASSERT_EQ(static_cast<int>(many), rc(u.submit(batch)));
	ASSERT_EQ(0U, batch.failures());
	for (int round = 0; round < 1000 && (r.has_work() || ctx.info()->events != t.events);
	     ++round) {
		const auto res = r.consume([&](const Event &e) { account(t, e); });
		ASSERT_TRUE(res.ok());
		t.flushes += res->flushes;
		if (!res->events)
			(void)ctx.flush();
	}

	/* 5. Nothing lost: per timer and in total. */
	const auto info = ctx.info();
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(info->events, t.events);
	std::uint64_t total = 0;
	std::size_t never = 0;
	std::size_t mismatched = 0;
	for (std::size_t i = 0; i < many; ++i) {
		total += t.per_timer[i];
		never += t.per_timer[i] == 0;
		const auto ti = ctx.get_timer(ids[i]);
		ASSERT_TRUE(ti.ok());
		if (ti->expirations != t.per_timer[i] || ti->pending != 0) {
			if (mismatched++ < 5)
				ADD_FAILURE() << "timer " << i << ": module counted "
					      << ti->expirations << " expirations (" << ti->pending
					      << " pending), events carried " << t.per_timer[i];
		}
	}
	EXPECT_EQ(info->expirations, total);
	EXPECT_EQ(0U, never) << "timers that never delivered";
	EXPECT_EQ(0U, mismatched);
	std::printf("# %s: %zu timers, %llu expirations in %llu events, ring_full %llu, "
		    "%llu flushes, %llu wakeups, %llu io_uring_enter, %llu ioctls\n",
		    timerx::to_string(transport), many, static_cast<unsigned long long>(total),
		    static_cast<unsigned long long>(t.events),
		    static_cast<unsigned long long>(info->ring_full),
		    static_cast<unsigned long long>(t.flushes),
		    static_cast<unsigned long long>(info->wakeups),
		    static_cast<unsigned long long>(u.stats().enters),
		    static_cast<unsigned long long>(u.stats().ioctls));

	/* 6. Delete them all: one submit; the context is empty again. */
	batch.clear();
	for (std::size_t i = 0; i < many; ++i)
		ASSERT_LE(0, rc(batch.delete_timer(ids[i])));
	ASSERT_EQ(static_cast<int>(many), rc(u.submit(batch)));
	EXPECT_EQ(0U, batch.failures());
	EXPECT_EQ(0U, ctx.info()->timers);
}

TEST(Batch, TenThousandTimersOverUringCmd)
{
	{
		Context probe = itest::open_context(16);
		if (itest::open_uring(probe).transport() != Transport::uring_cmd)
			GTEST_SKIP() << "no uring_cmd transport";
	}
	run_many(Transport::uring_cmd);
}

TEST(Batch, TenThousandTimersForcedToIoctl)
{
	run_many(Transport::ioctl);
}

/* Per-command errors, the same on both transports. */
TEST(Batch, ErrorsAreTheSameOnBothTransports)
{
	std::vector<int> results[2];
	for (int k = 0; k < 2; ++k) {
		const Transport tr = k == 0 ? Transport::uring_cmd : Transport::ioctl;
		Context ctx = itest::open_context(16);
		Uring u = itest::open_uring(ctx, UringOptions{.transport = tr});
		const auto id = ctx.create_timer({});
		ASSERT_TRUE(id.ok());
		Batch b = itest::make_batch(16);
		ASSERT_LE(0, rc(b.create_timer(
				     {.clock = static_cast<timerx::Clock>(99)}))); /* EINVAL */
		ASSERT_LE(0, rc(b.create_timer({.cpu = 100000})));                 /* EINVAL */
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id + 1000, 1ms))));    /* ENOENT */
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, -1ns))));          /* EINVAL */
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 3600s))));         /* 0 */
		ASSERT_LE(0, rc(b.cancel_timer(*id + 1000)));                      /* ENOENT */
		ASSERT_LE(0, rc(b.cancel_timer(*id)));                             /* 0 */
		ASSERT_LE(0, rc(b.delete_timer(*id)));                             /* 0 */
		ASSERT_LE(0, rc(b.delete_timer(*id))); /* ENOENT (ordered) */
		ASSERT_EQ(static_cast<int>(b.size()), rc(u.submit(b, timerx::Order::sequential)));
		for (std::size_t i = 0; i < b.size(); ++i)
			results[k].push_back(static_cast<int>(rc(b.result(i))));
	}
	const std::vector<int> expected{-EINVAL, -EINVAL, -ENOENT, -EINVAL, 0,
					-ENOENT, 0,       0,       -ENOENT};
	EXPECT_EQ(expected, results[0]) << "uring_cmd";
	EXPECT_EQ(expected, results[1]) << "ioctl";
}

/* Order::sequential: each command runs after the previous one completed. */
TEST(Batch, SequentialOrderIsKept)
{
	Context ctx = itest::open_context(16);
	Uring u = itest::open_uring(ctx);
	constexpr int timers = 8;
	std::vector<TimerId> ids;
	for (int i = 0; i < timers; ++i)
		ids.push_back(*ctx.create_timer({}));
	for (int rep = 0; rep < 20; ++rep) {
		Batch b = itest::make_batch(4 * timers);
		for (TimerId id : ids) {
			ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 3600s))));
			ASSERT_LE(0, rc(b.cancel_timer(id)));
			ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 7200s))));
		}
		ASSERT_EQ(static_cast<int>(b.size()), rc(u.submit(b, timerx::Order::sequential)));
		ASSERT_EQ(0U, b.failures());
		for (TimerId id : ids) {
			const auto info = ctx.get_timer(id);
			ASSERT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), info->state)
				<< "rep " << rep;
			EXPECT_GT(info->next_expiry_ns,
				  timerx::now_ns(timerx::Clock::monotonic) + 3600LL * 1000000000);
		}
		Batch c = itest::make_batch(timers);
		for (TimerId id : ids)
			ASSERT_LE(0, rc(c.cancel_timer(id)));
		ASSERT_EQ(timers, rc(u.submit(c)));
	}
}

/* A batch bigger than the SQ is chunked; results still match their commands. */
TEST(Batch, ChunkedResultsMatchTheirCommands)
{
	Context ctx = itest::open_context(16);
	Uring u = itest::open_uring(ctx, UringOptions{.sq_entries = 8});
	Batch b = itest::make_batch(100);
	for (std::uint64_t i = 0; i < 100; ++i)
		ASSERT_LE(0, rc(b.create_timer({.user_data = 5000 + i})));
	ASSERT_EQ(100, rc(u.submit(b)));
	ASSERT_EQ(0U, b.failures());
	for (std::size_t i = 0; i < 100; ++i) {
		const auto info = ctx.get_timer(*b.result(i));
		ASSERT_TRUE(info.ok());
		EXPECT_EQ(5000 + i, info->user_data)
			<< "result " << i << " belongs to another command";
	}
}

} // namespace
