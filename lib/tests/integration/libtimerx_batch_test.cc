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
#include <span>
#include <thread>
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
		ctx,
		UringOptions{.sq_entries = sq_entries, .transport = transport, .sqe128 = true});
	ASSERT_EQ(transport, u.transport());
	/* Unfiltered: step 4 cancels, and every expiration the module counted is accounted. */
	timerx::RingReader r = ctx.reader(timerx::Stale::deliver);
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

/* ------------------------------------------------ API 3: BATCH, ARM_AT, fixed files */

/* Context::submit(): a run of arms, postpones and cancels is one BATCH ioctl, in order. */
TEST(BatchCommand, OneIoctlRunsTheRunInOrder)
{
	Context ctx = itest::open_context(64);
	std::vector<TimerId> ids;
	for (int i = 0; i < 50; ++i)
		ids.push_back(*ctx.create_timer({.user_data = static_cast<std::uint64_t>(i)}));
	Batch b = itest::make_batch(200);
	for (TimerId id : ids)
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 3600s, 1s))));
	for (TimerId id : ids)
		ASSERT_LE(0, rc(b.postpone_timer(timerx::PostponeSpec::after(id, 7200s))));
	ASSERT_LE(0, rc(b.cancel_timer(ids[0])));
	ASSERT_LE(0, rc(b.postpone_timer(timerx::PostponeSpec::after(ids[0], 1s)))); /* ETIME */
	ASSERT_LE(0, rc(b.cancel_timer(ids.back() + 1000)));                         /* ENOENT */
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(ids[1], -1ns))));                 /* EINVAL */
	ASSERT_EQ(static_cast<int>(b.size()), rc(ctx.submit(b)));
	for (std::size_t i = 0; i < 100; ++i)
		EXPECT_EQ(0, rc(b.result(i))) << i;
	EXPECT_EQ(0, rc(b.result(100)));
	EXPECT_EQ(-ETIME, rc(b.result(101))) << "cancelled by the entry before it";
	EXPECT_EQ(-ENOENT, rc(b.result(102)));
	EXPECT_EQ(-EINVAL, rc(b.result(103)));
	EXPECT_EQ(3U, b.failures());
	const auto now = timerx::now_ns(timerx::Clock::monotonic);
	for (std::size_t i = 1; i < ids.size(); ++i) {
		const auto info = ctx.get_timer(ids[i]);
		ASSERT_TRUE(info.ok());
		EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), info->state) << i;
		EXPECT_GT(info->next_expiry_ns, now + 3600LL * 1000000000) << "postponed";
		EXPECT_EQ(ctx.armings()->floor(ids[i]), info->seq) << "the seq the batch sent";
	}
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), ctx.get_timer(ids[0])->state);

	/* Over a Uring forced to ioctl: the same run is one ioctl(2). */
	Uring u = itest::open_uring(ctx, UringOptions{.transport = Transport::ioctl});
	b.clear();
	for (TimerId id : ids)
		ASSERT_LE(0, rc(b.cancel_timer(id)));
	ASSERT_EQ(50, rc(u.submit(b)));
	EXPECT_EQ(0U, b.failures());
	EXPECT_EQ(1U, u.stats().ioctls) << "50 cancels, one system call";

	/* The module's own limits: more than TIMERX_BATCH_MAX, a non-zero flags. */
	std::vector<timerx_batch_entry> huge(TIMERX_BATCH_MAX + 1,
					     timerx::make_cancel_entry(ids[0]));
	EXPECT_EQ(-E2BIG, rc(timerx::run_batch(ctx.fd(), huge)));
	EXPECT_EQ(0, rc(timerx::run_batch(ctx.fd(), std::span<timerx_batch_entry>())))
		<< "an empty batch";
}

/* Uring: a run goes as one BATCH in one plain SQE; no SQE128 ring needed. */
TEST(BatchCommand, UringSendsOneBatchInAPlainSqe)
{
	Context ctx = itest::open_context(64);
	Uring u = itest::open_uring(ctx);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	EXPECT_FALSE(u.sqe128());
	std::vector<TimerId> ids;
	for (int i = 0; i < 300; ++i)
		ids.push_back(*ctx.create_timer({}));
	Batch b = itest::make_batch(600);
	for (TimerId id : ids) {
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 3600s))));
		ASSERT_LE(0, rc(b.postpone_timer(timerx::PostponeSpec::after(id, 7200s))));
	}
	const auto sqes = u.stats().sqes;
	ASSERT_EQ(600, rc(u.submit(b)));
	EXPECT_EQ(0U, b.failures()) << b.status().error_code().message();
	EXPECT_EQ(sqes + 1, u.stats().sqes) << "600 commands, one SQE";
	EXPECT_EQ(1U, u.stats().batches);
	for (TimerId id : ids)
		EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), ctx.get_timer(id)->state);
	/* Creates do not fit a plain SQE: they go by ioctl, with the same results. */
	b.clear();
	ASSERT_LE(0, rc(b.create_timer({.user_data = 99})));
	ASSERT_EQ(1, rc(u.submit(b)));
	ASSERT_GT(rc(b.result(0)), 0);
	EXPECT_EQ(99U, ctx.get_timer(*b.result(0))->user_data);
	EXPECT_EQ(1U, u.stats().ioctls);
}

/* A lone one-shot arm is ARM_AT / ARM_IN over io_uring; its event carries the seq. */
TEST(BatchCommand, ArmAtOverUring)
{
	Context ctx = itest::open_context(64);
	Uring u = itest::open_uring(ctx);
	if (u.transport() != Transport::uring_cmd)
		GTEST_SKIP() << "no uring_cmd transport";
	const auto id = ctx.create_timer({.user_data = 12});
	ASSERT_TRUE(id.ok());
	const auto at = std::chrono::steady_clock::now() + 3ms;
	Batch b = itest::make_batch(1);
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::at(*id, at))));
	const auto sqes = u.stats().sqes;
	ASSERT_EQ(1, rc(u.submit(b)));
	ASSERT_EQ(0, rc(b.result(0)));
	EXPECT_EQ(sqes + 1, u.stats().sqes);
	EXPECT_EQ(0U, u.stats().batches) << "ARM_AT, not a BATCH of one";
	timerx::RingReader r = ctx.reader();
	const auto got = itest::collect(r, ctx.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_EQ(
		std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count(),
		got[0].expected_ns);
	EXPECT_EQ(b.entries()[0].seq, got[0].seq);
	EXPECT_EQ(ctx.armings()->floor(*id), got[0].seq);

	/* Re-armed through the Uring before it fires: the earlier arming's event is stale. */
	b.clear();
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 1ms))));
	ASSERT_EQ(1, rc(u.submit(b)));
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (r.ready() == 0 && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(1ms);
	b.clear();
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 3600s))));
	ASSERT_EQ(1, rc(u.submit(b)));
	const auto res = r.consume([](const Event &) { ADD_FAILURE() << "stale event"; });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(1U, res->stale);
}

/* The fd is registered with the ring; commands and waits go through the fixed file. */
TEST(BatchCommand, FixedFileRegistration)
{
	for (const bool reg : {true, false}) {
		Context ctx = itest::open_context(64);
		Uring u = itest::open_uring(ctx, UringOptions{.register_file = reg});
		if (u.transport() != Transport::uring_cmd)
			GTEST_SKIP() << "no uring_cmd transport";
		EXPECT_EQ(reg, u.fixed_file()) << "register_result " << u.register_result();
		const auto id = ctx.create_timer({.user_data = 5});
		ASSERT_TRUE(id.ok());
		Batch b = itest::make_batch(2);
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 2ms))));
		ASSERT_EQ(1, rc(u.submit(b)));
		ASSERT_EQ(0, rc(b.result(0)));
		timerx::RingReader r = ctx.reader();
		std::vector<Event> got;
		const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
		while (got.empty() && std::chrono::steady_clock::now() < deadline) {
			if (r.prepare_wait()) {
				const auto w = u.wait(100ms);
				ASSERT_TRUE(w || w.error().code() == ETIMEDOUT)
					<< w.error_code().message();
			}
			ASSERT_TRUE(r.consume([&](const Event &e) { got.push_back(e); }).ok());
		}
		ASSERT_EQ(1U, got.size()) << "registered " << reg;
		EXPECT_EQ(5U, got[0].user_data);
	}
}

} // namespace
