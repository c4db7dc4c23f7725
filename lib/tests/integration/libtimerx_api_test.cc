// SPDX-License-Identifier: MIT
/*
 * libtimerx against the real module: Context setup, the synchronous timer
 * commands on every clock and expiry mode, events through RingReader
 * (overflow and flush, a hostile head), the prep functions in the
 * application's own io_uring, and the error paths.
 */
#include "itest.hpp"

#include <timerx/uring_prep.hpp>

#include <sys/ioctl.h>

#include <cerrno>
#include <set>
#include <system_error>
#include <thread>

namespace {

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::Clock;
using timerx::Context;
using timerx::Event;
using timerx::Expiry;
using timerx::TimerId;
using timerx::TimerSpec;

int setup_errno(std::uint32_t entries)
{
	const auto ctx = Context::open(itest::options(entries));
	return ctx ? 0 : ctx.error().code();
}

TEST(Context, SetsUpAndMapsTheRing)
{
	Context ctx = itest::open_context(4096);
	ASSERT_TRUE(ctx.is_open());
	EXPECT_LE(0, ctx.fd());
	const timerx_ring_params &p = ctx.ring_params();
	EXPECT_EQ(4096U, p.entries);
	EXPECT_EQ(sizeof(Event), p.event_size);
	EXPECT_GE(p.events_offset, sizeof(timerx_ring_hdr));
	EXPECT_GE(p.mmap_len, p.events_offset + 4096ULL * sizeof(Event));
	EXPECT_EQ(4096U, ctx.ring().entries);
	EXPECT_EQ(4096U, ctx.ring().hdr->entries) << "the kernel's copy agrees";
	EXPECT_EQ(4095U, ctx.ring().hdr->mask);
	EXPECT_EQ(ctx.ring().hdr->tail, ctx.ring().hdr->head);

	const auto info = ctx.info();
	ASSERT_TRUE(info.ok()) << std::strerror(info.error().code());
	EXPECT_GE(info->api_version, timerx::api_version());
	EXPECT_EQ(4096U, info->ring_entries);
	EXPECT_EQ(0U, info->timers);
	EXPECT_GT(info->ctx_id, 0U);
}

TEST(Context, BadRingSizesAreEinval)
{
	EXPECT_EQ(EINVAL, setup_errno(0));
	EXPECT_EQ(EINVAL, setup_errno(1));
	EXPECT_EQ(EINVAL, setup_errno(3));
	EXPECT_EQ(EINVAL, setup_errno(1000));
	const auto max = itest::param_read("max_ring_entries");
	if (max) {
		EXPECT_EQ(EINVAL, setup_errno(static_cast<std::uint32_t>(*max) * 2));
	}
	EXPECT_EQ(0, setup_errno(2)) << "the smallest ring";
}

TEST(Context, MoveAndClose)
{
	Context a = itest::open_context(16);
	timerx::RingReader reader = a.reader();
	const int fd = a.fd();
	Context b(std::move(a));
	EXPECT_FALSE(a.is_open()); // NOLINT(bugprone-use-after-move)
	EXPECT_EQ(fd, b.fd());
	const auto id = b.create_timer({.user_data = 5});
	ASSERT_TRUE(id.ok());
	ASSERT_EQ(0, rc(b.arm_timer(ArmSpec::after(*id, 1ms))));
	/* A reader taken before the move still reads the same mapping. */
	const auto got = itest::collect(reader, b.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_EQ(5U, got[0].user_data);

	Context c = itest::open_context(16);
	c = std::move(b);
	EXPECT_EQ(fd, c.fd());
	c.close();
	EXPECT_FALSE(c.is_open());
	c.close(); /* idempotent */
	EXPECT_EQ(-EBADF, rc(timerx::flush(fd))) << "closed for real";
}

TEST(Timers, CreateArmGetCancelDelete)
{
	Context ctx = itest::open_context(64);
	const auto id = ctx.create_timer({.user_data = 0xABCDEF, .clock = Clock::boottime});
	ASSERT_TRUE(id.ok()) << std::strerror(id.error().code());
	EXPECT_GT(*id, 0U);

	auto info = ctx.get_timer(*id);
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(*id, info->timer_id);
	EXPECT_EQ(0xABCDEFU, info->user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_BOOTTIME), info->clockid);
	EXPECT_EQ(0U, info->create_flags);
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), info->state);
	EXPECT_EQ(-1, info->last_cpu);

	const std::int64_t before = timerx::now_ns(Clock::boottime);
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s, 1s))));
	info = ctx.get_timer(*id);
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), info->state);
	EXPECT_GE(info->next_expiry_ns, before + 3600LL * 1000000000);
	EXPECT_EQ(1000000000U, info->period_ns);
	EXPECT_EQ(1U, ctx.info()->timers);

	EXPECT_EQ(0, rc(ctx.cancel_timer(*id)));
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), ctx.get_timer(*id)->state);
	EXPECT_EQ(0, rc(ctx.cancel_timer(*id))) << "cancelling an idle timer is fine";
	EXPECT_EQ(0, rc(ctx.delete_timer(*id)));
	EXPECT_EQ(-ENOENT, -ctx.get_timer(*id).error().code());
	EXPECT_EQ(-ENOENT, rc(ctx.delete_timer(*id)));
	EXPECT_EQ(0U, ctx.info()->timers);
}

/*
 * Every clock, every expiry (hard, soft, hard demanded: root has
 * CAP_SYS_NICE, so hard stays hard also on PREEMPT_RT), relative and
 * absolute: one event each, never early.
 */
TEST(Timers, EveryClockAndExpiryDelivers)
{
	Context ctx = itest::open_context(64);
	timerx::RingReader r = ctx.reader();
	std::uint64_t tag = 0;
	/* Without root (CAP_SYS_NICE) PREEMPT_RT may refuse hard_required. */
	const bool root = itest::is_root();
	std::vector<Expiry> expiries{Expiry::hard, Expiry::soft};
	if (root)
		expiries.push_back(Expiry::hard_required);
	for (Clock clock : {Clock::monotonic, Clock::realtime, Clock::boottime, Clock::tai}) {
		for (Expiry expiry : expiries) {
			for (bool absolute : {false, true}) {
				SCOPED_TRACE(testing::Message()
					     << "clock " << static_cast<unsigned>(clock)
					     << " expiry " << static_cast<unsigned>(expiry)
					     << " abs " << absolute);
				++tag;
				const auto id = ctx.create_timer(
					{.user_data = tag, .clock = clock, .expiry = expiry});
				ASSERT_TRUE(id.ok()) << std::strerror(id.error().code());
				const std::int64_t t0 = timerx::now_ns(clock);
				const std::int64_t due = t0 + 2000000;
				ASSERT_EQ(0,
					  rc(ctx.arm_timer(
						  absolute ? ArmSpec::at_since_epoch(
								     *id,
								     std::chrono::nanoseconds(due))
							   : ArmSpec::after(*id, 2ms))));
				const auto got = itest::collect(r, ctx.fd(), 1);
				const std::int64_t seen = timerx::now_ns(clock);
				ASSERT_EQ(1U, got.size());
				const Event &e = got[0];
				EXPECT_EQ(*id, e.timer_id);
				EXPECT_EQ(tag, e.user_data);
				EXPECT_EQ(0U, e.overrun);
				EXPECT_GE(e.expected_ns, due) << "expiry before it was due";
				EXPECT_GE(e.actual_ns, e.expected_ns) << "fired early";
				EXPECT_LE(e.actual_ns, seen) << "an event from the future";
				const auto info = ctx.get_timer(*id);
				ASSERT_TRUE(info.ok());
				if (root) {
					EXPECT_EQ(expiry == Expiry::soft,
						  (info->create_flags & TIMERX_CREATE_F_SOFT) != 0)
						<< "create_flags " << info->create_flags;
				}
				EXPECT_EQ(1U, info->expirations);
				EXPECT_EQ(1U, info->events);
				EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), info->state);
				EXPECT_EQ(0, rc(ctx.delete_timer(*id)));
			}
		}
	}
}

TEST(Timers, PinnedTimerRunsOnItsCpu)
{
	Context ctx = itest::open_context(16);
	const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
	ASSERT_GE(cpus, 1);
	const int cpu = static_cast<int>(cpus - 1);
	const auto id = ctx.create_timer({.user_data = 1, .cpu = cpu});
	ASSERT_TRUE(id.ok()) << std::strerror(id.error().code());
	EXPECT_EQ(TIMERX_CREATE_F_PINNED, ctx.get_timer(*id)->create_flags);
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 1ms))));
	timerx::RingReader r = ctx.reader();
	ASSERT_EQ(1U, itest::collect(r, ctx.fd(), 1).size());
	EXPECT_EQ(cpu, ctx.get_timer(*id)->last_cpu);

	EXPECT_EQ(-EINVAL, -ctx.create_timer({.cpu = 100000}).error().code()) << "no such CPU";
}

/* A periodic timer: events on the grid first + k * period, sum(1 + overrun) exact. */
TEST(Timers, PeriodicStaysOnTheGridAndCountsEverything)
{
	Context ctx = itest::open_context(256);
	timerx::RingReader r = ctx.reader();
	const auto id = ctx.create_timer({.user_data = 9});
	ASSERT_TRUE(id.ok());
	constexpr std::int64_t period = 5000000;
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 5ms, std::chrono::nanoseconds(period)))));
	std::vector<Event> got = itest::collect(r, ctx.fd(), 8);
	ASSERT_EQ(0, rc(ctx.cancel_timer(*id)));
	/* Whatever fired after collect() returned, cancel keeps it: drain it too. */
	(void)r.consume([&](const Event &e) { got.push_back(e); });
	ASSERT_GE(got.size(), 8U);
	std::uint64_t sum = 0;
	for (const Event &e : got) {
		EXPECT_EQ(0, (e.expected_ns - got[0].expected_ns) % period) << "off the grid";
		EXPECT_GE(e.actual_ns, e.expected_ns);
		sum += timerx::expirations(e);
	}
	for (std::size_t i = 1; i < got.size(); ++i)
		EXPECT_EQ(got[i - 1].expected_ns + period * timerx::expirations(got[i - 1]),
			  got[i].expected_ns)
			<< "expirations missing between events " << i - 1 << " and " << i;
	const auto info = ctx.get_timer(*id);
	EXPECT_EQ(info->expirations, sum);
	EXPECT_EQ(0U, info->pending);
}

TEST(Errors, BadIdsAreEnoent)
{
	Context ctx = itest::open_context(16);
	constexpr TimerId nope = 123456;
	EXPECT_EQ(-ENOENT, rc(ctx.arm_timer(ArmSpec::after(nope, 1ms))));
	EXPECT_EQ(-ENOENT, rc(ctx.cancel_timer(nope)));
	EXPECT_EQ(-ENOENT, rc(ctx.delete_timer(nope)));
	EXPECT_EQ(-ENOENT, -ctx.get_timer(nope).error().code());
	EXPECT_EQ(-ENOENT, -ctx.get_timer(0).error().code()) << "ids start at 1";
}

TEST(Errors, WrongClockAndBadArgumentsAreEinval)
{
	Context ctx = itest::open_context(16);
	for (clockid_t bad : {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
			      CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, 99}) {
		const TimerSpec spec{.clock = static_cast<Clock>(bad)};
		EXPECT_EQ(-EINVAL, -ctx.create_timer(spec).error().code()) << "clock " << bad;
	}
	const auto id = ctx.create_timer({});
	ASSERT_TRUE(id.ok());
	EXPECT_EQ(-EINVAL, rc(ctx.arm_timer(ArmSpec::after(*id, -1ns))))
		<< "negative relative expiry";
	EXPECT_EQ(-EINVAL, rc(ctx.arm_timer(ArmSpec::after(*id, 1ms, -1ns))))
		<< "period > KTIME_MAX";
	EXPECT_EQ(0, rc(ctx.arm_timer(ArmSpec::at_since_epoch(*id, std::chrono::nanoseconds(1)))))
		<< "absolute in the past fires at once";
	timerx::RingReader r = ctx.reader();
	EXPECT_EQ(1U, itest::collect(r, ctx.fd(), 1).size());
}

TEST(Errors, CommandsBeforeTheRingAreEbadfd)
{
	/* Context always sets the ring up; use the free functions on a bare open. */
	const int fd = ::open(itest::device_path(), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(timerx::Error{EBADFD}, timerx::create_timer(fd, {}).error());
	EXPECT_EQ(-EBADFD, rc(timerx::flush(fd)));
	::close(fd);
}

/* A ring smaller than the burst: the reader flushes until everything came. */
TEST(Ring, OverflowIsFlushedByTheReader)
{
	Context ctx = itest::open_context(4);
	constexpr int n = 24;
	std::vector<TimerId> ids;
	const std::int64_t due = timerx::now_ns(Clock::monotonic) + 2000000;
	for (int i = 0; i < n; ++i) {
		const auto id = ctx.create_timer({.user_data = static_cast<std::uint64_t>(i)});
		ASSERT_TRUE(id.ok());
		ids.push_back(*id);
		ASSERT_EQ(0, rc(ctx.arm_timer(
				     ArmSpec::at_since_epoch(*id, std::chrono::nanoseconds(due)))));
	}
	/* Wait (without consuming) until all fired: 4 in the ring, 20 pending. */
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (ctx.info()->expirations < n && std::chrono::steady_clock::now() < deadline)
		::usleep(1000);
	ASSERT_EQ(static_cast<std::uint64_t>(n), ctx.info()->expirations);
	timerx::RingReader r = ctx.reader();
	EXPECT_TRUE(r.overflow());
	EXPECT_GT(ctx.info()->ring_full, 0U);
	EXPECT_EQ(4U, r.ready());

	std::set<std::uint64_t> seen;
	for (int round = 0; round < 10 && seen.size() < n; ++round) {
		const auto res = r.consume(
			[&](const Event &e) { EXPECT_TRUE(seen.insert(e.user_data).second); });
		ASSERT_TRUE(res.ok()) << std::strerror(res.error().code());
	}
	EXPECT_EQ(static_cast<std::size_t>(n), seen.size());
	EXPECT_FALSE(r.overflow());
	EXPECT_EQ(static_cast<std::uint64_t>(n), ctx.info()->events);
}

/* A hostile head: the reader says -EIO; after resync the module delivers again. */
TEST(Ring, HostileHeadThenResync)
{
	Context ctx = itest::open_context(8);
	timerx::RingReader r = ctx.reader();
	const auto id = ctx.create_timer({.user_data = 77});
	ASSERT_TRUE(id.ok());
	ctx.ring().hdr->head = ctx.ring().hdr->tail + 1000;
	EXPECT_TRUE(r.corrupt());
	EXPECT_EQ(timerx::Error{EIO}, r.consume([](const Event &) {}).error());

	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 1ms))));
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (ctx.get_timer(*id)->expirations == 0 && std::chrono::steady_clock::now() < deadline)
		::usleep(1000);
	const auto info = ctx.get_timer(*id);
	EXPECT_EQ(1U, info->expirations);
	EXPECT_EQ(1U, info->pending) << "a corrupt head means a full ring: the expiry waits";

	(void)r.resync();
	const auto got = itest::collect(r, ctx.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_EQ(77U, got[0].user_data);
}

/* ------------------------------------------------ prep_*() in the application's own io_uring */

class OwnRing : public ::testing::Test {
protected:
	void SetUp() override
	{
		ctx_.emplace(itest::open_context(64));
		io_uring_params p{};
		p.flags = IORING_SETUP_SQE128;
		const int ret = io_uring_queue_init_params(16, &ring_, &p);
		ASSERT_EQ(0, ret) << "SQE128 io_uring: " << std::strerror(-ret);
		have_ring_ = true;
	}
	void TearDown() override
	{
		if (have_ring_)
			io_uring_queue_exit(&ring_);
	}

	/* Submit one prepared SQE and return its CQE res. */
	int run(io_uring *ring)
	{
		if (io_uring_submit_and_wait(ring, 1) != 1)
			return -EIO;
		io_uring_cqe *cqe = nullptr;
		if (io_uring_wait_cqe(ring, &cqe) != 0)
			return -EIO;
		const int res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		return res;
	}

	std::optional<Context> ctx_;
	io_uring ring_{};
	bool have_ring_ = false;
};

TEST_F(OwnRing, EveryCommandThroughUringCmd)
{
	const int fd = ctx_->fd();
	timerx::prep_create(io_uring_get_sqe(&ring_), fd, TimerSpec{.user_data = 31});
	const int id = run(&ring_);
	ASSERT_GT(id, 0) << "CREATE returns the id: " << std::strerror(-id);
	const auto info = ctx_->get_timer(static_cast<TimerId>(id));
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(31U, info->user_data);

	timerx::prep_arm(io_uring_get_sqe(&ring_), fd,
			 ArmSpec::after(static_cast<TimerId>(id), 3600s));
	EXPECT_EQ(0, run(&ring_));
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED),
		  ctx_->get_timer(static_cast<TimerId>(id))->state);

	timerx::prep_cancel(io_uring_get_sqe(&ring_), fd, static_cast<TimerId>(id));
	EXPECT_EQ(0, run(&ring_));
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE),
		  ctx_->get_timer(static_cast<TimerId>(id))->state);

	timerx::prep_flush(io_uring_get_sqe(&ring_), fd);
	EXPECT_EQ(0, run(&ring_)) << "nothing pending: 0 events written";

	timerx::prep_delete(io_uring_get_sqe(&ring_), fd, static_cast<TimerId>(id));
	EXPECT_EQ(0, run(&ring_));
	timerx::prep_delete(io_uring_get_sqe(&ring_), fd, static_cast<TimerId>(id));
	EXPECT_EQ(-ENOENT, run(&ring_));
}

TEST_F(OwnRing, StructCommandsAreIoctlOnlyAndUnknownOnesEnotty)
{
	const int fd = ctx_->fd();
	timerx_ctx_info ci{};
	timerx::prep_uring_cmd(io_uring_get_sqe(&ring_), fd, TIMERX_IOC_CTX_INFO, &ci, sizeof(ci));
	EXPECT_EQ(-EOPNOTSUPP, run(&ring_));
	timerx::prep_uring_cmd(io_uring_get_sqe(&ring_), fd, _IO(TIMERX_IOC_MAGIC, 0x7F), nullptr,
			       0);
	EXPECT_EQ(-ENOTTY, run(&ring_));
}

TEST_F(OwnRing, CreateAndArmNeedSqe128)
{
	io_uring small{};
	ASSERT_EQ(0, io_uring_queue_init(8, &small, 0));
	const int fd = ctx_->fd();
	/*
	 * prep_create()/prep_arm() would write 32 bytes into a 16-byte area
	 * here (that is why they need SQE128); send 16 bytes under their
	 * command numbers instead: the module goes by the number's size.
	 */
	const timerx_create c = TimerSpec{}.to_uapi();
	timerx::prep_uring_cmd(io_uring_get_sqe(&small), fd, TIMERX_IOC_CREATE, &c, 16);
	EXPECT_EQ(-EINVAL, run(&small)) << "32 bytes do not fit a 16-byte command area";
	const timerx_arm a = ArmSpec::after(1, 1ms).to_uapi();
	timerx::prep_uring_cmd(io_uring_get_sqe(&small), fd, TIMERX_IOC_ARM, &a, 16);
	EXPECT_EQ(-EINVAL, run(&small));
	/* 16-byte payloads fit. */
	timerx::prep_cancel(io_uring_get_sqe(&small), fd, 424242);
	EXPECT_EQ(-ENOENT, run(&small));
	timerx::prep_flush(io_uring_get_sqe(&small), fd);
	EXPECT_LE(0, run(&small));
	io_uring_queue_exit(&small);
}

/* In a plain ring (an engine's own): the API 3 commands of 16 bytes. */
TEST_F(OwnRing, PlainSqeCarriesArmAtPostponeAndBatch)
{
	io_uring small{};
	ASSERT_EQ(0, io_uring_queue_init(8, &small, 0));
	const int fd = ctx_->fd();
	timerx::ArmingTable *armings = ctx_->armings();
	ASSERT_NE(nullptr, armings);
	const auto id = ctx_->create_timer({.user_data = 77});
	ASSERT_TRUE(id.ok());

	/* ARM_AT, with a seq from the Context's table, committed on success. */
	const auto seq = armings->next_seq(*id);
	ASSERT_TRUE(seq.ok());
	const auto at = std::chrono::steady_clock::now() + 3600s;
	timerx::prep_arm_oneshot(io_uring_get_sqe(&small), fd, ArmSpec::at(*id, at), *seq);
	ASSERT_EQ(0, run(&small));
	armings->commit(*id, *seq);
	auto info = ctx_->get_timer(*id);
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), info->state);
	EXPECT_EQ(*seq, info->seq);
	EXPECT_EQ(
		std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count(),
		info->next_expiry_ns);

	/* POSTPONE to 2 ms from now: it fires, with that seq. */
	timerx::prep_postpone(io_uring_get_sqe(&small), fd, timerx::PostponeSpec::after(*id, 2ms));
	ASSERT_EQ(0, run(&small));
	timerx::RingReader r = ctx_->reader();
	const auto got = itest::collect(r, fd, 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_EQ(*seq, got[0].seq);
	EXPECT_EQ(77U, got[0].user_data);
	timerx::prep_postpone(io_uring_get_sqe(&small), fd, timerx::PostponeSpec::after(*id, 2ms));
	EXPECT_EQ(-ETIME, run(&small)) << "expired: nothing to postpone";

	/* BATCH: arm (ARM_IN's bigger sibling with a period) and cancel, in order. */
	timerx_batch_entry e[3] = {
		timerx::make_arm_entry(ArmSpec::after(*id, 3600s, 1s), 1000),
		timerx::make_cancel_entry(*id),
		timerx::make_cancel_entry(*id + 1000),
	};
	for (auto &x : e)
		x.result = 12345;
	timerx::prep_batch(io_uring_get_sqe(&small), fd, e);
	EXPECT_EQ(3, run(&small)) << "all three ran";
	EXPECT_EQ(0, e[0].result);
	EXPECT_EQ(0, e[1].result);
	EXPECT_EQ(-ENOENT, e[2].result);
	info = ctx_->get_timer(*id);
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_IDLE), info->state);
	EXPECT_EQ(1000U, info->seq) << "the batch's arm was the last arming";
	io_uring_queue_exit(&small);
}

/* ------------------------------------------------ API 3: armings, postpone, slack, ids */

/* A periodic timer fires into the ring unread; re-armed, its events are stale. */
TEST(Armings, ReArmDropsTheEarlierArmingsEvents)
{
	Context ctx = itest::open_context(256);
	const auto id = ctx.create_timer({.user_data = 8});
	ASSERT_TRUE(id.ok());
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 1ms, 1ms))));
	timerx::RingReader r = ctx.reader();
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (r.ready() < 3 && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(2ms);
	ASSERT_GE(r.ready(), 3U);
	const std::uint32_t old_seq = ctx.armings()->floor(*id);

	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s)))); /* re-armed */
	const std::uint32_t new_seq = ctx.armings()->floor(*id);
	EXPECT_NE(old_seq, new_seq);
	EXPECT_EQ(new_seq, ctx.get_timer(*id)->seq) << "the kernel has the seq we sent";

	/* An unfiltered reader of the same ring sees the old arming's events. */
	timerx::RingReader raw = ctx.reader(timerx::Stale::deliver);
	const auto span = raw.peek();
	ASSERT_TRUE(span.ok());
	ASSERT_GE(span->size(), 3U);
	for (const Event &e : *span) {
		EXPECT_EQ(old_seq, e.seq);
		EXPECT_FALSE(raw.is_current(e));
	}

	const auto res = r.consume([](const Event &e) { ADD_FAILURE() << "stale: seq " << e.seq; });
	ASSERT_TRUE(res.ok());
	EXPECT_GE(res->stale, 3U);
	EXPECT_EQ(0U, res->events);
	EXPECT_GE(r.stale_events(), 3U);

	/* The new arming's events come through, with its seq. */
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 2ms))));
	const auto got = itest::collect(r, ctx.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_EQ(ctx.armings()->floor(*id), got[0].seq);
	EXPECT_EQ(8U, got[0].user_data);
}

TEST(Armings, CancelAndDeleteDropWhatIsInTheRing)
{
	Context ctx = itest::open_context(64);
	const auto a = ctx.create_timer({.user_data = 1});
	const auto b = ctx.create_timer({.user_data = 2});
	ASSERT_TRUE(a.ok() && b.ok());
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*a, 1ms))));
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*b, 1ms))));
	timerx::RingReader r = ctx.reader();
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (r.ready() < 2 && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(1ms);
	ASSERT_EQ(2U, r.ready());
	EXPECT_EQ(0, rc(ctx.cancel(*a))) << "cancelling an expired one-shot is fine";
	EXPECT_EQ(0, rc(ctx.delete_timer(*b)));
	const auto res = r.consume([](const Event &e) { ADD_FAILURE() << e.user_data; });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(2U, res->stale);

	/* Dense ids: b's id comes back, and b's old event would not pass for the new timer's. */
	const auto again = ctx.create_timer({.user_data = 3});
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(*b, *again) << "the lowest free id";
}

TEST(Armings, IdsAreDenseFromOne)
{
	Context ctx = itest::open_context(16);
	std::vector<TimerId> ids;
	for (int i = 0; i < 4; ++i)
		ids.push_back(*ctx.create_timer({}));
	EXPECT_EQ((std::vector<TimerId>{1, 2, 3, 4}), ids);
	ASSERT_EQ(0, rc(ctx.delete_timer(2)));
	ASSERT_EQ(0, rc(ctx.delete_timer(3)));
	EXPECT_EQ(2U, *ctx.create_timer({}));
	EXPECT_EQ(3U, *ctx.create_timer({}));
	EXPECT_EQ(5U, *ctx.create_timer({}));
}

TEST(Postpone, MovesTheExpiryAndSaysWhenItExpired)
{
	Context ctx = itest::open_context(64);
	const auto id = ctx.create_timer({.user_data = 4});
	ASSERT_TRUE(id.ok());
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s))));
	const auto before = std::chrono::steady_clock::now();
	ASSERT_EQ(0, rc(ctx.postpone(*id, 3ms))) << "earlier is fine too";
	auto info = ctx.get_timer(*id);
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(static_cast<__u32>(TIMERX_TIMER_ARMED), info->state);
	const auto at_least = std::chrono::duration_cast<std::chrono::nanoseconds>(
		(before + 3ms).time_since_epoch());
	EXPECT_GE(info->next_expiry_ns, at_least.count());
	timerx::RingReader r = ctx.reader();
	const auto got = itest::collect(r, ctx.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_GE(got[0].expected_ns, at_least.count());
	EXPECT_EQ(info->seq, got[0].seq) << "postpone keeps the arming";

	/* Expired: ETIME, the "already expired" outcome. */
	const auto late = ctx.postpone(*id, 1ms);
	ASSERT_FALSE(late.ok());
	EXPECT_TRUE(timerx::already_expired(late.error()));
	EXPECT_EQ(-ETIME, rc(ctx.postpone(*id, std::chrono::steady_clock::now() + 1s)));

	/* Cancelled: ETIME too; no such timer: ENOENT. */
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s))));
	ASSERT_EQ(0, rc(ctx.cancel(*id)));
	EXPECT_EQ(-ETIME, rc(ctx.postpone(*id, 1ms)));
	EXPECT_EQ(-ENOENT, rc(ctx.postpone(*id + 100, 1ms)));
	EXPECT_EQ(-EINVAL, rc(ctx.postpone(*id, -1ms))) << "a negative relative expiry";

	/* Absolute, on the timer's clock; a periodic timer keeps its period. */
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s, 1s))));
	const auto t = std::chrono::steady_clock::now() + 7200s;
	ASSERT_EQ(0, rc(ctx.postpone(*id, t)));
	info = ctx.get_timer(*id);
	EXPECT_EQ(
		std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
		info->next_expiry_ns);
	EXPECT_EQ(1000000000U, info->period_ns);
	ASSERT_EQ(0, rc(ctx.cancel(*id)));
}

TEST(Slack, IsSentAndReported)
{
	Context ctx = itest::open_context(64);
	const auto id = ctx.create_timer({});
	ASSERT_TRUE(id.ok());
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 3600s, 1s).with_slack(250us))));
	const auto info = ctx.get_timer(*id);
	ASSERT_TRUE(info.ok());
	EXPECT_EQ(250000U, info->slack_ns);
	std::chrono::nanoseconds too_much = timerx::Slack::max + 1ns;
	EXPECT_EQ(-EINVAL, rc(ctx.arm_timer(ArmSpec::after(*id, 1ms).with_slack(too_much))));
	/* The module's own check, past the library's (a raw arm). */
	timerx_arm a = ArmSpec::after(*id, 1ms).to_uapi(0);
	a.slack_ns = TIMERX_SLACK_MAX_NS + 1;
	EXPECT_EQ(-1, ::ioctl(ctx.fd(), TIMERX_IOC_ARM, &a));
	EXPECT_EQ(EINVAL, errno);

	/* A one-shot with slack fires within [expiry, ...), never early. */
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*id, 2ms).with_slack(500us))));
	timerx::RingReader r = ctx.reader();
	const auto got = itest::collect(r, ctx.fd(), 1);
	ASSERT_EQ(1U, got.size());
	EXPECT_GE(got[0].actual_ns, got[0].expected_ns);
}

} // namespace
