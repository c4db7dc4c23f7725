// SPDX-License-Identifier: MIT
/*
 * FakeRing is the kernel in every other host test, so it has to behave
 * like kmod/ring.c: exact layout, full-ring handling, per-timer folding in
 * order, the overflow flag, u32 overrun chunking, hostile heads.
 */
#include <timerx/testing.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

using timerx::Event;
using timerx::testing::FakeRing;

Event ev(std::uint32_t id, std::int64_t expected, std::uint32_t overrun = 0)
{
	Event e{};
	e.timer_id = id;
	e.user_data = 1000 + id;
	e.expected_ns = expected;
	e.actual_ns = expected + 5;
	e.overrun = overrun;
	return e;
}

std::vector<Event> drain(FakeRing &ring)
{
	std::vector<Event> out;
	(void)ring.reader().consume([&](const Event &e) { out.push_back(e); });
	return out;
}

TEST(FakeRing, LayoutIsTheKernels)
{
	FakeRing ring(16, 77);
	const timerx_ring_params &p = ring.params();
	EXPECT_EQ(16U, p.entries);
	EXPECT_EQ(40U, p.event_size);
	EXPECT_EQ(128U, p.events_offset);
	EXPECT_EQ(128U + 16 * 40, p.mmap_len);
	EXPECT_EQ(16U, ring.hdr()->entries);
	EXPECT_EQ(15U, ring.hdr()->mask);
	EXPECT_EQ(77U, ring.hdr()->tail);
	EXPECT_EQ(77U, ring.hdr()->head);
	EXPECT_EQ(0U, ring.hdr()->flags);
	EXPECT_EQ(ring.memory(), static_cast<void *>(ring.view().hdr));
	EXPECT_THROW(FakeRing(3), std::invalid_argument);
}

TEST(FakeRing, FullRingKeepsExpirationsPendingAndFlags)
{
	FakeRing ring(2);
	EXPECT_TRUE(ring.deliver(ev(1, 10)));
	EXPECT_TRUE(ring.deliver(ev(2, 20)));
	EXPECT_FALSE(ring.deliver(ev(3, 30)));
	EXPECT_EQ(TIMERX_RING_F_OVERFLOW, ring.hdr()->flags);
	EXPECT_EQ(1U, ring.ring_full());
	EXPECT_EQ(1U, ring.hdr()->ring_full);
	EXPECT_EQ(0, ring.flush()) << "still full";
	EXPECT_EQ(3U, drain(ring).size()) << "the reader flushed the third";
	EXPECT_EQ(0U, ring.hdr()->flags);
}

TEST(FakeRing, FoldsPendingExpirationsOfATimerInOrder)
{
	FakeRing ring(2);
	ring.deliver(ev(9, 0));
	ring.deliver(ev(9, 100));
	/* Full: the next three callbacks of timer 9 fold into one pending entry. */
	EXPECT_FALSE(ring.deliver(ev(9, 200), 100));
	EXPECT_FALSE(ring.deliver(ev(9, 300, 2), 100));
	EXPECT_FALSE(ring.deliver(ev(9, 600), 100));
	EXPECT_EQ(5U, ring.pending());
	std::vector<Event> got = drain(ring);
	ASSERT_EQ(3U, got.size());
	EXPECT_EQ(0, got[0].expected_ns);
	EXPECT_EQ(100, got[1].expected_ns);
	EXPECT_EQ(200, got[2].expected_ns) << "the first folded expiry is reported";
	EXPECT_EQ(205, got[2].actual_ns);
	EXPECT_EQ(4U, got[2].overrun);
	EXPECT_EQ(0U, ring.pending());
}

/* More than 2^32 expirations in one go: several events, expected_ns advanced. */
TEST(FakeRing, SplitsOverrunsAboveU32)
{
	FakeRing ring(2);
	ring.deliver(ev(1, 0));
	ring.deliver(ev(1, 1));
	EXPECT_FALSE(ring.deliver(ev(4, 1000, UINT32_MAX), 10)); /* 2^32 expirations */
	EXPECT_FALSE(ring.deliver(ev(4, 0), 10));                /* +1 */
	std::vector<Event> got = drain(ring);
	ASSERT_EQ(4U, got.size());
	EXPECT_EQ(UINT32_MAX, got[2].overrun);
	EXPECT_EQ(1000, got[2].expected_ns);
	EXPECT_EQ(0U, got[3].overrun);
	EXPECT_EQ(1000 + 10 * (std::int64_t{1} << 32), got[3].expected_ns);
	std::uint64_t sum = 0;
	for (std::size_t i = 2; i < got.size(); ++i)
		sum += timerx::expirations(got[i]);
	EXPECT_EQ((std::uint64_t{1} << 32) + 1, sum);
}

TEST(FakeRing, HostileHeadMeansFull)
{
	FakeRing ring(8);
	ring.set_head(ring.tail() + 1);
	EXPECT_FALSE(ring.deliver(ev(1, 1)));
	EXPECT_EQ(0U, ring.tail()) << "nothing written";
	EXPECT_EQ(1U, ring.pending());
}

} // namespace
