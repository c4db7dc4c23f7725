// SPDX-License-Identifier: MIT
/*
 * UringAttachment against the real module: timerx's commands in an
 * io_uring the test owns as an engine would (plain SQEs; and SINGLE_ISSUER
 * with DEFER_TASKRUN, and COOP_TASKRUN, where the kernel has them), with
 * the engine's own SQEs in the same submissions. A run of 300 arms is one
 * BATCH SQE and a lone one-shot arm one ARM_AT SQE; their events carry the
 * seqs the Context's table gave them, and a re-arm through the engine's
 * ring makes the earlier arming's events stale; a wait queued in the
 * engine's ring completes when events are ready (WAIT, or POLL_ADD where
 * the module refuses the WAIT: 6.1).
 */
#include "itest.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::Batch;
using timerx::Context;
using timerx::Event;
using timerx::TimerId;
using timerx::UringAttachment;
using timerx_test::rc;

int engine_object;
const std::uint64_t engine_udata = reinterpret_cast<std::uintptr_t>(&engine_object);

/* The engine's ring, with its flags; skips where the kernel lacks them. */
class EngineRing {
public:
	explicit EngineRing(unsigned flags) : ret_(io_uring_queue_init(64, &ring_, flags)) {}
	~EngineRing()
	{
		if (ret_ == 0)
			io_uring_queue_exit(&ring_);
	}
	EngineRing(const EngineRing &) = delete;
	EngineRing &operator=(const EngineRing &) = delete;
	[[nodiscard]] int result() const { return ret_; }
	io_uring *get() { return &ring_; }

	void queue_nop()
	{
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		ASSERT_NE(nullptr, sqe);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, engine_udata);
	}

	/* Submit, wait up to @timeout for one CQE, hand every CQE to @a; the engine's own counted.
	 */
	unsigned run_once(UringAttachment &a, std::chrono::milliseconds timeout)
	{
		__kernel_timespec ts{0, std::chrono::nanoseconds(timeout).count()};
		io_uring_cqe *first = nullptr;
		const int ret = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &ts, nullptr);
		EXPECT_TRUE(ret >= 0 || ret == -ETIME) << std::strerror(-ret);
		unsigned head;
		unsigned n = 0;
		unsigned own = 0;
		io_uring_cqe *cqe;
		io_uring_for_each_cqe(&ring_, head, cqe)
		{
			++n;
			if (!a.handle(cqe)) {
				EXPECT_EQ(engine_udata, cqe->user_data);
				++own;
			}
		}
		io_uring_cq_advance(&ring_, n);
		return own;
	}

	/* Until @a's batch is done. */
	void complete(UringAttachment &a)
	{
		const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
		while (!a.done() && std::chrono::steady_clock::now() < deadline)
			(void)run_once(a, 100ms);
		EXPECT_TRUE(a.done()) << a.pending() << " CQEs never came";
	}

private:
	io_uring ring_{};
	int ret_;
};

const unsigned engine_flags[] = {
	0,
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
};

TEST(Attach, BatchAndArmAtInTheEnginesRing)
{
	for (const unsigned flags : engine_flags) {
		EngineRing ring(flags);
		if (ring.result() < 0) {
			std::printf("# flags %#x: %s\n", flags, std::strerror(-ring.result()));
			continue;
		}
		Context ctx = itest::open_context(1024);
		auto attached = UringAttachment::attach(ring.get(), ctx);
		ASSERT_TRUE(attached.ok());
		UringAttachment &a = *attached;
		std::vector<TimerId> ids;
		for (int i = 0; i < 300; ++i)
			ids.push_back(
				*ctx.create_timer({.user_data = static_cast<std::uint64_t>(i)}));

		Batch b = itest::make_batch(300);
		for (TimerId id : ids)
			ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 3600s))));
		ASSERT_EQ(1, rc(a.queue(b))) << "300 arms, one BATCH SQE";
		ring.queue_nop();
		ring.complete(a);
		EXPECT_EQ(0U, b.failures()) << b.status().error_code().message();
		for (TimerId id : ids)
			ASSERT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), ctx.get_timer(id)->state)
				<< "flags " << flags;
		EXPECT_EQ(1U, a.stats().batches);

		/* A lone one-shot arm: ARM_AT, 16 bytes; its event has its seq. */
		const auto at = std::chrono::steady_clock::now() + 3ms;
		b.clear();
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::at(ids[0], at))));
		ASSERT_EQ(1, rc(a.queue(b)));
		ring.complete(a);
		ASSERT_EQ(0, rc(b.result(0)));
		EXPECT_EQ(ctx.armings()->floor(ids[0]), b.entries()[0].seq)
			<< "the table learnt it";
		timerx::RingReader r = ctx.reader();
		const auto got = itest::collect(r, ctx.fd(), 1);
		ASSERT_EQ(1U, got.size());
		EXPECT_EQ(ids[0], got[0].timer_id);
		EXPECT_EQ(b.entries()[0].seq, got[0].seq);
		EXPECT_EQ(
			std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch())
				.count(),
			got[0].expected_ns);
	}
}

/* A re-arm through the engine's ring: the earlier arming's unread event is dropped. */
TEST(Attach, RearmMakesEarlierEventsStale)
{
	EngineRing ring(0);
	ASSERT_EQ(0, ring.result());
	Context ctx = itest::open_context(64);
	auto attached = UringAttachment::attach(ring.get(), ctx);
	ASSERT_TRUE(attached.ok());
	UringAttachment &a = *attached;
	const auto id = ctx.create_timer({.user_data = 9});
	ASSERT_TRUE(id.ok());
	Batch b = itest::make_batch(1);
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 1ms))));
	ASSERT_EQ(1, rc(a.queue(b)));
	ring.complete(a);
	timerx::RingReader r = ctx.reader();
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (r.ready() == 0 && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(1ms);
	ASSERT_EQ(1U, r.ready());
	b.clear();
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 3600s))));
	ASSERT_EQ(1, rc(a.queue(b)));
	ring.complete(a);
	ASSERT_EQ(0, rc(b.result(0)));
	const auto res = r.consume([](const Event &) { ADD_FAILURE() << "stale event"; });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(1U, res->stale);
}

/* The engine waits on its own ring for the timer's event. */
TEST(Attach, WaitInTheEnginesRing)
{
	for (const unsigned flags : engine_flags) {
		EngineRing ring(flags);
		if (ring.result() < 0)
			continue;
		Context ctx = itest::open_context(64);
		auto attached = UringAttachment::attach(ring.get(), ctx);
		ASSERT_TRUE(attached.ok());
		UringAttachment &a = *attached;
		const auto id = ctx.create_timer({.user_data = 3});
		ASSERT_TRUE(id.ok());
		Batch b = itest::make_batch(1);
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(*id, 20ms))));
		ASSERT_EQ(1, rc(a.queue(b)));
		timerx::RingReader r = ctx.reader();
		ASSERT_TRUE(r.prepare_wait()) << "nothing ready yet";
		ASSERT_EQ(0, rc(a.queue_wait()));
		std::vector<Event> got;
		const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
		while (got.empty() && std::chrono::steady_clock::now() < deadline) {
			(void)ring.run_once(a, 100ms);
			const auto w = a.take_wait();
			if (!w) {
				ASSERT_EQ(EAGAIN, w.error().code()) << w.error_code().message();
				continue;
			}
			EXPECT_GE(*w, 1U) << "woken with events ready";
			ASSERT_TRUE(r.consume([&](const Event &e) { got.push_back(e); }).ok());
		}
		ASSERT_EQ(1U, got.size()) << "flags " << flags << ", poll " << a.waits_with_poll();
		EXPECT_EQ(3U, got[0].user_data);
		EXPECT_TRUE(a.done());
		std::printf("# flags %#x: waits with %s\n", flags,
			    a.waits_with_poll() ? "POLL_ADD (the WAIT was refused)" : "WAIT");
	}
}

} // namespace
