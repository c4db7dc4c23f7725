// SPDX-License-Identifier: MIT
/*
 * RingReader against a ring in plain memory laid out exactly as the UAPI
 * says, with FakeRing (or these tests by hand) as the kernel producer.
 */
#include <timerx/ring_reader.hpp>
#include <timerx/testing.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using ConsumeResult = timerx::Result<timerx::Consumed>;
using timerx::Event;
using timerx::RingReader;
using timerx::testing::FakeRing;

Event make_event(std::uint32_t id, std::uint64_t seq, std::uint32_t overrun = 0)
{
	Event e{};
	e.timer_id = id;
	e.user_data = seq;
	e.expected_ns = static_cast<std::int64_t>(seq) * 1000;
	e.actual_ns = e.expected_ns + 7;
	e.overrun = overrun;
	return e;
}

/* Deliver events of distinct timers (id = seq + 1) until one does not fit. */
std::uint64_t fill(FakeRing &ring, std::uint64_t first_seq, std::uint64_t n)
{
	std::uint64_t sent = 0;
	for (; sent < n; ++sent)
		ring.deliver(make_event(static_cast<std::uint32_t>(first_seq + sent + 1),
					first_seq + sent));
	return sent;
}

TEST(RingReader, EmptyRingConsumesNothingAndDoesNotFlush)
{
	FakeRing ring(8);
	RingReader r = ring.reader();
	EXPECT_EQ(0U, r.ready());
	EXPECT_FALSE(r.has_work());
	int calls = 0;
	const ConsumeResult res = r.consume([&](const Event &) { ++calls; });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(0U, res->events);
	EXPECT_EQ(0U, res->flushes);
	EXPECT_EQ(0, calls);
	EXPECT_EQ(0U, ring.head());
	EXPECT_EQ(0U, ring.flushes());
}

TEST(RingReader, ConsumesOneBatchInOrder)
{
	FakeRing ring(16);
	fill(ring, 100, 5);
	RingReader r = ring.reader();
	EXPECT_EQ(5U, r.ready());
	std::vector<std::uint64_t> seen;
	const ConsumeResult res = r.consume([&](const Event &e) {
		seen.push_back(e.user_data);
		EXPECT_EQ(e.user_data + 1, e.timer_id);
		EXPECT_EQ(static_cast<std::int64_t>(e.user_data) * 1000, e.expected_ns);
		EXPECT_EQ(7, timerx::kernel_lateness_ns(e));
	});
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(5U, res->events);
	EXPECT_EQ((std::vector<std::uint64_t>{100, 101, 102, 103, 104}), seen);
	EXPECT_EQ(5U, ring.head());
	EXPECT_EQ(0U, r.ready());
}

/* head is published once, after the batch: the callback never sees it move. */
TEST(RingReader, PublishesHeadOnceAfterTheBatch)
{
	FakeRing ring(16, 1000);
	fill(ring, 0, 6);
	RingReader r = ring.reader();
	std::uint32_t calls = 0;
	const ConsumeResult res = r.consume([&](const Event &) {
		EXPECT_EQ(1000U, ring.head()) << "head moved during the batch";
		++calls;
	});
	EXPECT_EQ(6U, res->events);
	EXPECT_EQ(6U, calls);
	EXPECT_EQ(1006U, ring.head());
}

/* tail is loaded once per pass: events produced meanwhile wait for the next call. */
TEST(RingReader, LoadsTailOncePerPass)
{
	FakeRing ring(16);
	fill(ring, 0, 3);
	RingReader r = ring.reader();
	bool produced = false;
	const ConsumeResult res = r.consume([&](const Event &) {
		if (!produced) {
			ring.deliver(make_event(99, 99));
			produced = true;
		}
	});
	EXPECT_EQ(3U, res->events);
	EXPECT_EQ(1U, r.ready());
	std::uint64_t last = 0;
	EXPECT_EQ(1U, r.consume([&](const Event &e) { last = e.user_data; })->events);
	EXPECT_EQ(99U, last);
}

TEST(RingReader, MaxLimitsTheBatch)
{
	FakeRing ring(8);
	fill(ring, 0, 8);
	RingReader r = ring.reader();
	std::vector<std::uint64_t> seen;
	auto cb = [&](const Event &e) { seen.push_back(e.user_data); };
	EXPECT_EQ(3U, r.consume(cb, 3)->events);
	EXPECT_EQ(3U, ring.head());
	EXPECT_EQ(5U, r.ready());
	EXPECT_EQ(0U, r.consume(cb, 0)->events);
	EXPECT_EQ(5U, r.consume(cb)->events);
	EXPECT_EQ((std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}), seen);
}

/* A completely full ring (tail - head == entries) is valid, not corrupt. */
TEST(RingReader, FullRingIsNotCorrupt)
{
	FakeRing ring(4);
	EXPECT_EQ(4U, fill(ring, 0, 4));
	RingReader r = ring.reader();
	EXPECT_EQ(4U, r.ready());
	EXPECT_FALSE(r.corrupt());
	EXPECT_FALSE(r.overflow());
	EXPECT_EQ(4U, r.consume([](const Event &) {})->events);
}

/* The u32 counters wrap: start just below UINT32_MAX and go round many times. */
TEST(RingReader, CountersWrapAroundUint32)
{
	constexpr std::uint32_t start = UINT32_MAX - 5;
	FakeRing ring(8, start);
	RingReader r = ring.reader();
	std::uint64_t next_sent = 0;
	std::uint64_t next_seen = 0;
	for (unsigned round = 0; round < 200; ++round) {
		const std::uint64_t n = 1 + (round * 7) % 8; /* 1..8: every batch size */
		for (std::uint64_t i = 0; i < n; ++i, ++next_sent)
			ASSERT_TRUE(ring.deliver(make_event(1, next_sent)));
		const ConsumeResult res = r.consume([&](const Event &e) {
			EXPECT_EQ(next_seen, e.user_data);
			++next_seen;
		});
		ASSERT_TRUE(res.ok());
		ASSERT_EQ(n, res->events);
	}
	EXPECT_EQ(next_sent, next_seen);
	EXPECT_EQ(static_cast<std::uint32_t>(start + next_sent), ring.head());
	EXPECT_LT(ring.head(), start) << "the counters did not wrap";
}

/* Events straddling the end of the array are read from both ends, in order. */
TEST(RingReader, BatchAcrossTheArrayEnd)
{
	FakeRing ring(8, 5);
	fill(ring, 0, 7); /* slots 5,6,7,0,1,2,3 */
	std::vector<std::uint64_t> seen;
	EXPECT_EQ(7U, ring.reader()
			      .consume([&](const Event &e) { seen.push_back(e.user_data); })
			      ->events);
	EXPECT_EQ((std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6}), seen);
}

/* Overflow: the reader flushes through the hook and drains until nothing is pending. */
TEST(RingReader, OverflowFlushesAndDrainsAgain)
{
	FakeRing ring(4);
	fill(ring, 0, 10); /* 4 in the ring, 6 pending (6 timers) */
	RingReader r = ring.reader();
	EXPECT_TRUE(r.overflow());
	EXPECT_EQ(6U, ring.pending());
	std::vector<std::uint64_t> seen;
	const ConsumeResult res = r.consume([&](const Event &e) { seen.push_back(e.user_data); });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(10U, res->events);
	EXPECT_EQ(2U, res->flushes); /* 4 + flush 4 + flush 2 (the flag clears) */
	EXPECT_FALSE(r.overflow());
	EXPECT_EQ(0U, ring.pending());
	EXPECT_EQ((std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), seen);
}

/* Expirations of one timer that found the ring full are folded: sum(1 + overrun) holds. */
TEST(RingReader, OverflowFoldsPerTimerAndLosesNothing)
{
	FakeRing ring(2);
	std::uint64_t expirations = 0;
	for (int i = 0; i < 10; ++i) {
		ring.deliver(make_event(7, static_cast<std::uint64_t>(i), i % 3), 1000);
		expirations += 1 + static_cast<std::uint64_t>(i % 3);
	}
	for (int i = 0; i < 5; ++i) {
		ring.deliver(make_event(8, 100, 0), 1000);
		++expirations;
	}
	EXPECT_GT(ring.ring_full(), 0U);
	std::uint64_t sum = 0;
	RingReader r = ring.reader();
	const ConsumeResult res = r.consume([&](const Event &e) { sum += timerx::expirations(e); });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(expirations, sum);
	EXPECT_FALSE(r.overflow());
}

TEST(RingReader, FlushRoundsBoundOneCall)
{
	FakeRing ring(2);
	fill(ring, 0, 9); /* 2 in the ring, 7 timers pending */
	RingReader r = ring.reader();
	r.set_flush_rounds(1);
	std::uint64_t total = 0;
	auto count = [&](const Event &) { ++total; };
	ConsumeResult res = r.consume(count);
	EXPECT_EQ(1U, res->flushes);
	EXPECT_EQ(4U, res->events); /* 2, flush, 2 */
	EXPECT_TRUE(r.overflow()) << "more is pending than one round can bring";
	while (r.has_work())
		ASSERT_TRUE(r.consume(count).ok());
	EXPECT_EQ(9U, total);
}

TEST(RingReader, ZeroFlushRoundsLeavesOverflowToTheCaller)
{
	FakeRing ring(2);
	fill(ring, 0, 5);
	RingReader r = ring.reader();
	r.set_flush_rounds(0);
	const ConsumeResult res = r.consume([](const Event &) {});
	EXPECT_EQ(2U, res->events);
	EXPECT_EQ(0U, res->flushes);
	EXPECT_EQ(0U, ring.flushes());
	EXPECT_TRUE(r.overflow());
	EXPECT_EQ(2U, r.flush().value());
}

TEST(RingReader, FlushErrorIsReportedWithTheEventsSoFar)
{
	FakeRing ring(4);
	fill(ring, 0, 6);
	timerx::FlushHook failing{[](void *) noexcept { return -ENOTTY; }, nullptr};
	RingReader r(ring.view(), failing);
	int seen = 0;
	const ConsumeResult res = r.consume([&](const Event &) { ++seen; });
	EXPECT_EQ(4, seen) << "the events before the failed flush are handed out";
	EXPECT_EQ(timerx::Error{ENOTTY}, res.error());
	EXPECT_FALSE(res.ok());
}

/* A hostile head: never read outside the ring, report -EIO, leave head alone. */
TEST(RingReader, HostileHeadIsReportedNotFollowed)
{
	FakeRing ring(8, 50);
	fill(ring, 0, 3);
	RingReader r = ring.reader();
	const std::uint32_t tail = ring.tail();
	for (const std::uint32_t bad :
	     {tail + 1, tail + 1000, tail - 9, tail - 0x80000000U, tail + 0x7FFFFFFFU}) {
		ring.set_head(bad);
		EXPECT_TRUE(r.corrupt()) << "head " << bad;
		EXPECT_TRUE(r.has_work());
		int calls = 0;
		const ConsumeResult res = r.consume([&](const Event &) { ++calls; });
		EXPECT_EQ(-EIO, -res.error().code());
		EXPECT_EQ(0U, res->events);
		EXPECT_EQ(0, calls);
		EXPECT_EQ(bad, ring.head()) << "a corrupt head must not be rewritten by consume()";
	}
}

/* A corrupt head means "full" to the producer; resync() recovers and nothing after is lost. */
TEST(RingReader, ResyncAfterCorruptHead)
{
	FakeRing ring(8);
	fill(ring, 0, 2);
	ring.set_head(ring.tail() + 3);
	EXPECT_FALSE(ring.deliver(make_event(50, 50))) << "the producer must treat it as full";
	RingReader r = ring.reader();
	EXPECT_TRUE(r.overflow());
	EXPECT_EQ(8U, r.resync());
	EXPECT_FALSE(r.corrupt());
	EXPECT_EQ(ring.tail(), ring.head());
	std::vector<std::uint64_t> seen;
	const ConsumeResult res = r.consume([&](const Event &e) { seen.push_back(e.user_data); });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ((std::vector<std::uint64_t>{50}), seen) << "the pending event came by flush";
}

/* hdr->entries and hdr->mask are writable: the reader uses its own copy. */
TEST(RingReader, IgnoresEntriesAndMaskInTheMapping)
{
	FakeRing ring(4);
	fill(ring, 0, 4);
	ring.hdr()->entries = 0x10000;
	ring.hdr()->mask = 0xFFFFFFFF;
	std::uint64_t sum = 0;
	const ConsumeResult res =
		ring.reader().consume([&](const Event &e) { sum += e.user_data; });
	EXPECT_TRUE(res.ok());
	EXPECT_EQ(4U, res->events);
	EXPECT_EQ(0U + 1 + 2 + 3, sum);
}

TEST(RingReader, ThrowingCallbackConsumesOnlyWhatItFinished)
{
	FakeRing ring(8, 10);
	fill(ring, 0, 5);
	RingReader r = ring.reader();
	int calls = 0;
	EXPECT_THROW((void)r.consume([&](const Event &e) {
		++calls;
		if (e.user_data == 2)
			throw std::runtime_error("boom");
	}),
		     std::runtime_error);
	EXPECT_EQ(3, calls);
	EXPECT_EQ(12U, ring.head()) << "events 0 and 1 consumed, 2 not";
	std::vector<std::uint64_t> seen;
	EXPECT_EQ(3U, r.consume([&](const Event &e) { seen.push_back(e.user_data); })->events);
	EXPECT_EQ((std::vector<std::uint64_t>{2, 3, 4}), seen);
}

TEST(RingReader, NoexceptFollowsTheCallback)
{
	RingReader r;
	auto quiet = [](const Event &) noexcept {};
	auto loud = [](const Event &) {};
	static_assert(noexcept(r.consume(quiet)));
	static_assert(!noexcept(r.consume(loud)));
	static_assert(noexcept(r.consume_once(quiet)));
	SUCCEED();
}

TEST(RingReader, UnboundReaderReportsEbadfd)
{
	RingReader r;
	EXPECT_FALSE(r.valid());
	EXPECT_EQ(-EBADFD, -r.consume([](const Event &) {}).error().code());
}

TEST(RingReader, PollingFlagKeepsOtherBits)
{
	FakeRing ring(4);
	RingReader r = ring.reader();
	ring.hdr()->consumer_flags = 0x40;
	EXPECT_FALSE(r.polling());
	r.set_polling(true);
	EXPECT_EQ(0x40U | TIMERX_CONSUMER_F_POLLING, ring.hdr()->consumer_flags);
	EXPECT_TRUE(r.polling());
	r.set_polling(false);
	EXPECT_EQ(0x40U, ring.hdr()->consumer_flags);
}

TEST(RingReader, PrepareWaitClearsTheFlagAndRechecks)
{
	FakeRing ring(4);
	RingReader r = ring.reader();
	r.set_polling(true);
	EXPECT_TRUE(r.prepare_wait()) << "empty ring: safe to block";
	EXPECT_FALSE(r.polling());

	r.set_polling(true);
	ring.deliver(make_event(1, 1));
	EXPECT_FALSE(r.prepare_wait()) << "an event is ready: do not block";
	EXPECT_FALSE(r.polling());
	EXPECT_EQ(1U, r.consume([](const Event &) {})->events);

	fill(ring, 10, 6); /* overflow */
	r.set_flush_rounds(0);
	(void)r.consume([](const Event &) {});
	EXPECT_EQ(0U, r.ready());
	EXPECT_FALSE(r.prepare_wait()) << "expirations pending: flush instead of blocking";
}

/*
 * A producer thread as the kernel: write the slot, store-release tail,
 * never overwrite an unconsumed slot. The consumer must see every event
 * exactly once, in order, across u32 wraparound.
 */
TEST(RingReader, ConcurrentProducerNoLossNoDuplicates)
{
	constexpr std::uint64_t total = 200000;
	FakeRing ring(64, UINT32_MAX - 1000);
	RingReader r = ring.reader();
	std::atomic<bool> failed{false};
	std::thread producer([&] {
		for (std::uint64_t seq = 0; seq < total;) {
			if (ring.tail() - ring.head() >= 64) { /* full: let the consumer run */
				std::this_thread::yield();
				continue;
			}
			if (!ring.deliver(make_event(1, seq))) {
				failed = true; /* cannot happen: we checked for room */
				return;
			}
			++seq;
		}
	});
	std::uint64_t expect = 0;
	std::uint64_t batches = 0;
	while (expect < total && !failed) {
		const ConsumeResult res = r.consume([&](const Event &e) {
			if (e.user_data != expect || e.timer_id != 1)
				failed = true;
			++expect;
		});
		ASSERT_TRUE(res.ok());
		batches += res->events != 0;
	}
	producer.join();
	EXPECT_FALSE(failed);
	EXPECT_EQ(total, expect);
	EXPECT_EQ(0U, ring.pending());
	EXPECT_LT(batches, total) << "batches should carry several events";
}

/* A for statement over the ready events; the head moves once, when the range ends. */
TEST(RingReaderEvents, RangeForConsumesTheBatchWhenItEnds)
{
	FakeRing ring(8, UINT32_MAX - 2); /* the counters wrap inside the batch */
	fill(ring, 0, 6);
	RingReader r = ring.reader();
	std::vector<std::uint64_t> seen;
	for (const Event &e : r.events()) {
		seen.push_back(e.user_data);
		EXPECT_EQ(UINT32_MAX - 2, ring.head()) << "not committed while iterating";
	}
	EXPECT_EQ((std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5}), seen);
	EXPECT_EQ(ring.tail(), ring.head()) << "committed when the range ended";
	EXPECT_EQ(0U, r.ready());
	EXPECT_TRUE(r.events().empty());
	EXPECT_EQ(0U, ring.flushes()) << "events() never flushes";
}

TEST(RingReaderEvents, MaxLeavesTheRest)
{
	FakeRing ring(8);
	fill(ring, 0, 5);
	RingReader r = ring.reader();
	{
		auto batch = r.events(2);
		ASSERT_TRUE(batch.status().ok());
		ASSERT_EQ(2U, batch.size());
		EXPECT_EQ(1U, batch[1].user_data);
		EXPECT_EQ(5U, r.ready()) << "nothing consumed before the batch ends";
	}
	EXPECT_EQ(3U, r.ready());
	auto rest = r.events();
	EXPECT_EQ(2U, rest.begin()->user_data);
	EXPECT_EQ(3, std::distance(rest.begin(), rest.end()));
	rest.commit();
	EXPECT_EQ(0U, r.ready()) << "commit() before the end";
}

TEST(RingReaderEvents, CorruptHeadIsAnEmptyBatchWithEio)
{
	FakeRing ring(8, 10);
	fill(ring, 0, 3);
	ring.set_head(ring.tail() + 100);
	RingReader r = ring.reader();
	auto batch = r.events();
	EXPECT_TRUE(batch.empty());
	EXPECT_EQ(timerx::Error{EIO}, batch.status().error());
	EXPECT_EQ(timerx::Error{EIO}, r.peek().error());
	EXPECT_EQ(timerx::Error{EBADFD}, RingReader{}.events().status().error());
	EXPECT_EQ(ring.tail() + 100, ring.head()) << "left alone";
}

/* peek/advance: look at a batch, consume part of it. */
TEST(RingReaderPeek, AdvanceConsumesWhatWasHandled)
{
	FakeRing ring(4, UINT32_MAX - 1);
	fill(ring, 0, 4);
	RingReader r = ring.reader();
	const auto span = r.peek();
	ASSERT_TRUE(span.ok());
	ASSERT_EQ(4U, span->size());
	EXPECT_EQ(3U, (*span)[3].user_data);
	std::uint64_t sum = 0;
	for (const Event &e : *span)
		sum += e.user_data;
	EXPECT_EQ(6U, sum);
	EXPECT_EQ(4U, r.ready()) << "peek() consumes nothing";
	r.advance(3);
	EXPECT_EQ(1U, r.ready());
	const auto last = r.peek();
	ASSERT_EQ(1U, last->size());
	EXPECT_EQ(3U, last->begin()->user_data);
	r.advance(0);
	EXPECT_EQ(1U, r.ready());
	EXPECT_EQ(1U, r.peek(1)->size());
	EXPECT_TRUE(r.peek(0)->empty());
	r.advance(1);
	EXPECT_EQ(0U, r.ready());
	EXPECT_TRUE(r.peek()->empty());
}

TEST(RingReaderPeek, TheSlotsAreFreedByAdvance)
{
	FakeRing ring(2);
	RingReader r = ring.reader();
	EXPECT_TRUE(ring.deliver(make_event(1, 0)));
	EXPECT_TRUE(ring.deliver(make_event(2, 1)));
	EXPECT_FALSE(ring.deliver(make_event(3, 2))) << "full: pending";
	ASSERT_EQ(2U, r.peek()->size());
	r.advance(2);
	EXPECT_EQ(1, ring.flush()) << "room again after advance()";
	EXPECT_EQ(2U, r.peek()->begin()->user_data);
}

/* ---------------------------------------------------------------- stale events (API 3) */

using timerx::ArmingTable;
using timerx::Stale;

/* An event of timer @id's arming @seq (user_data @tag, to tell them apart). */
Event armed_event(std::uint32_t id, std::uint32_t seq, std::uint64_t tag)
{
	Event e = make_event(id, tag);
	e.seq = seq;
	return e;
}

/* Arm @id in @table as a Context does: a fresh seq, committed. */
std::uint32_t arm(ArmingTable &table, timerx::TimerId id)
{
	const auto seq = table.next_seq(id);
	EXPECT_TRUE(seq.ok());
	table.commit(id, *seq);
	return *seq;
}

TEST(ArmingTable, SeqsPerTimerAndTheFloor)
{
	auto t = std::make_unique<ArmingTable>();
	EXPECT_EQ(EINVAL, t->reserve(0).error().code()) << "ids start at 1";
	EXPECT_EQ(EINVAL, t->reserve(ArmingTable::max_timers + 1).error().code());
	EXPECT_TRUE(t->reserve(ArmingTable::max_timers).ok()) << "the largest id the module gives";
	EXPECT_FALSE(t->has_slot(5));
	EXPECT_TRUE(t->current(armed_event(5, 123, 0))) << "no slot: nothing to judge by";

	EXPECT_EQ(0U, arm(*t, 5));
	EXPECT_TRUE(t->has_slot(5)) << "next_seq() made the slot";
	EXPECT_TRUE(t->has_slot(1024)) << "chunks of 1024 ids";
	EXPECT_FALSE(t->has_slot(1025));
	EXPECT_EQ(1U, arm(*t, 5));
	EXPECT_EQ(0U, arm(*t, 6)) << "seqs are per timer";
	EXPECT_EQ(1U, t->floor(5));
	EXPECT_FALSE(t->current(armed_event(5, 0, 0)));
	EXPECT_TRUE(t->current(armed_event(5, 1, 0)));
	EXPECT_TRUE(t->current(armed_event(5, 2, 0))) << "an arming in flight is not stale";

	/* A seq taken but not committed (the arm failed) replaces nothing. */
	ASSERT_EQ(2U, *t->next_seq(5));
	EXPECT_TRUE(t->current(armed_event(5, 1, 0)));

	t->retire(5);
	EXPECT_FALSE(t->current(armed_event(5, 1, 0))) << "cancelled";
	EXPECT_FALSE(t->current(armed_event(5, 2, 0))) << "also the failed arming's seq";
	EXPECT_EQ(4U, arm(*t, 5)) << "the next arming is newer than the cancel";
	EXPECT_TRUE(t->current(armed_event(5, 4, 0)));

	/* A late commit of an older seq (a racing command) does not move the floor back. */
	t->commit(5, 1);
	EXPECT_EQ(4U, t->floor(5));
}

TEST(ArmingTable, SerialArithmeticWraps)
{
	EXPECT_TRUE(ArmingTable::older(UINT32_MAX, 0));
	EXPECT_FALSE(ArmingTable::older(0, UINT32_MAX));
	EXPECT_TRUE(ArmingTable::older(0x7FFFFFF0U, 0x80000001U));
	EXPECT_FALSE(ArmingTable::older(5, 5));
	EXPECT_TRUE(ArmingTable::older(UINT32_MAX - 10, 3));
}

/* A re-armed timer's earlier events are dropped and counted; the current ones delivered. */
TEST(RingReaderStale, DropsEventsOfAReplacedArming)
{
	FakeRing ring(16);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t first = arm(*table, 1);
	const std::uint32_t other = arm(*table, 2);
	ring.deliver(armed_event(1, first, 10));
	ring.deliver(armed_event(2, other, 20));
	ring.deliver(armed_event(1, first, 11));
	const std::uint32_t second = arm(*table, 1); /* re-armed before they were read */
	ring.deliver(armed_event(1, second, 12));

	RingReader r(ring.view(), ring.flush_hook(), table.get());
	std::vector<std::uint64_t> seen;
	const ConsumeResult res = r.consume([&](const Event &e) { seen.push_back(e.user_data); });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ((std::vector<std::uint64_t>{20, 12}), seen);
	EXPECT_EQ(2U, res->events);
	EXPECT_EQ(2U, res->stale);
	EXPECT_EQ(2U, r.stale_events());
	EXPECT_EQ(4U, ring.head()) << "stale events are consumed too";
}

TEST(RingReaderStale, CancelMakesEverythingOfTheTimerStale)
{
	FakeRing ring(8);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t s = arm(*table, 3);
	ring.deliver(armed_event(3, s, 1), 1000);
	ring.deliver(armed_event(3, s, 2), 1000);
	table->retire(3);
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	int calls = 0;
	const ConsumeResult res = r.consume([&](const Event &) { ++calls; });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(0, calls);
	EXPECT_EQ(2U, res->stale);
}

/* Stale::deliver hands everything out; is_current() tells which is which. */
TEST(RingReaderStale, DeliverModeShowsThemUnfiltered)
{
	FakeRing ring(8);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t old = arm(*table, 1);
	ring.deliver(armed_event(1, old, 1));
	ring.deliver(armed_event(1, arm(*table, 1), 2));
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	r.set_stale(Stale::deliver);
	EXPECT_EQ(Stale::deliver, r.stale());
	std::vector<bool> current;
	const ConsumeResult res =
		r.consume([&](const Event &e) { current.push_back(r.is_current(e)); });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ((std::vector<bool>{false, true}), current);
	EXPECT_EQ(0U, res->stale);
	EXPECT_EQ(0U, r.stale_events());
}

/* events() skips them too, judged as the loop reaches them: a re-arm inside the loop counts. */
TEST(RingReaderStale, RangeSkipsStaleEventsAsItGoes)
{
	FakeRing ring(16);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t a = arm(*table, 1);
	const std::uint32_t b = arm(*table, 2);
	ring.deliver(armed_event(1, a, 1));
	ring.deliver(armed_event(2, b, 2));
	ring.deliver(armed_event(1, a, 3));
	ring.deliver(armed_event(2, b, 4));
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	std::vector<std::uint64_t> seen;
	{
		auto batch = r.events();
		ASSERT_TRUE(batch.status().ok());
		EXPECT_EQ(4U, batch.size()) << "size() counts every slot";
		for (const Event &e : batch) {
			seen.push_back(e.user_data);
			if (e.user_data == 2)
				(void)arm(*table,
					  1); /* timer 1 re-armed: its event 3 is stale now */
		}
	}
	EXPECT_EQ((std::vector<std::uint64_t>{1, 2, 4}), seen);
	EXPECT_EQ(1U, r.stale_events());
	EXPECT_EQ(4U, ring.head());

	/* peek() shows every slot. */
	ring.deliver(armed_event(2, 0, 5)); /* timer 2's first arming was seq 0: still current */
	ring.deliver(armed_event(1, a, 6));
	const auto span = r.peek();
	ASSERT_TRUE(span.ok());
	ASSERT_EQ(2U, span->size());
	EXPECT_TRUE(r.is_current((*span)[0]));
	EXPECT_FALSE(r.is_current((*span)[1]));
	r.advance(2);
}

/* A deleted timer's id is reused: the new timer's armings are newer than the old one's events. */
TEST(RingReaderStale, ReusedIdDoesNotInheritEvents)
{
	FakeRing ring(8);
	auto table = std::make_unique<ArmingTable>();
	ring.deliver(armed_event(7, arm(*table, 7), 1));
	table->retire(7);                    /* deleted */
	ASSERT_TRUE(table->reserve(7).ok()); /* created again: same id, same slot */
	ring.deliver(armed_event(7, arm(*table, 7), 2));
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	std::vector<std::uint64_t> seen;
	ASSERT_TRUE(r.consume([&](const Event &e) { seen.push_back(e.user_data); }).ok());
	EXPECT_EQ((std::vector<std::uint64_t>{2}), seen);
}

/* Without a table (FakeRing's own reader) nothing is dropped. */
TEST(RingReaderStale, NoTableNoFilter)
{
	FakeRing ring(8);
	ring.deliver(armed_event(1, 5, 1));
	ring.deliver(armed_event(1, 3, 2));
	RingReader r = ring.reader();
	EXPECT_EQ(nullptr, r.armings());
	EXPECT_TRUE(r.is_current(armed_event(1, 0, 0)));
	const ConsumeResult res = r.consume([](const Event &) {});
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(2U, res->events);
}

/* consume(fn, max) counts the slots it takes, dropped ones included. */
TEST(RingReaderStale, MaxCountsDroppedSlots)
{
	FakeRing ring(8);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t old = arm(*table, 1);
	ring.deliver(armed_event(1, old, 1));
	ring.deliver(armed_event(1, old, 2));
	ring.deliver(armed_event(1, arm(*table, 1), 3));
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	int calls = 0;
	const ConsumeResult res = r.consume([&](const Event &) { ++calls; }, 2);
	ASSERT_TRUE(res.ok());
	EXPECT_EQ(0, calls);
	EXPECT_EQ(2U, res->stale);
	EXPECT_EQ(2U, ring.head());
}

/* The module (and FakeRing) keep pending expirations per arming: never folded across. */
TEST(RingReaderStale, PendingExpirationsStayWithTheirArming)
{
	FakeRing ring(2);
	auto table = std::make_unique<ArmingTable>();
	const std::uint32_t old = arm(*table, 1);
	ring.deliver(armed_event(1, old, 1));
	ring.deliver(armed_event(1, old, 2));
	EXPECT_FALSE(ring.deliver(armed_event(1, old, 3))) << "full: pending";
	const std::uint32_t cur = arm(*table, 1);
	EXPECT_FALSE(ring.deliver(armed_event(1, cur, 4))) << "pending behind the old arming's";
	RingReader r(ring.view(), ring.flush_hook(), table.get());
	std::vector<std::uint64_t> seen;
	const ConsumeResult res = r.consume([&](const Event &e) { seen.push_back(e.user_data); });
	ASSERT_TRUE(res.ok());
	EXPECT_EQ((std::vector<std::uint64_t>{4}), seen) << "only the current arming's";
	EXPECT_EQ(3U, res->stale);
	EXPECT_EQ(0U, ring.pending());
}

} // namespace
