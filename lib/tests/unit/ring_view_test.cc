// SPDX-License-Identifier: MIT
/*
 * The ring layout: the UAPI structs are what the header documents, and
 * make_ring_view() accepts what the module reports and nothing else.
 */
#include <timerx/ring.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <cstddef>
#include <vector>

namespace {

/* What kmod/ring.c reports for @entries: events right after the header, page-rounded length. */
timerx_ring_params kernel_params(std::uint32_t entries)
{
	timerx_ring_params p{};
	p.entries = entries;
	p.event_size = sizeof(timerx_event);
	p.events_offset = sizeof(timerx_ring_hdr);
	const std::size_t raw =
		sizeof(timerx_ring_hdr) + std::size_t{entries} * sizeof(timerx_event);
	p.mmap_len = (raw + 4095) / 4096 * 4096;
	return p;
}

struct Buffer {
	explicit Buffer(std::size_t n) : bytes(n + 64) {}
	void *base()
	{
		return bytes.data() +
		       (64 - reinterpret_cast<std::uintptr_t>(bytes.data()) % 64) % 64;
	}
	std::vector<unsigned char> bytes;
};

TEST(RingLayout, HeaderMatchesTheUapiComments)
{
	EXPECT_EQ(128U, sizeof(timerx_ring_hdr));
	EXPECT_EQ(0U, offsetof(timerx_ring_hdr, tail));
	EXPECT_EQ(4U, offsetof(timerx_ring_hdr, flags));
	EXPECT_EQ(8U, offsetof(timerx_ring_hdr, entries));
	EXPECT_EQ(12U, offsetof(timerx_ring_hdr, mask));
	EXPECT_EQ(16U, offsetof(timerx_ring_hdr, ring_full));
	EXPECT_EQ(64U, offsetof(timerx_ring_hdr, head)) << "user fields on their own cache line";
	EXPECT_EQ(68U, offsetof(timerx_ring_hdr, consumer_flags));
}

TEST(RingLayout, EventIs40Bytes)
{
	EXPECT_EQ(40U, sizeof(timerx_event));
	EXPECT_EQ(0U, offsetof(timerx_event, user_data));
	EXPECT_EQ(8U, offsetof(timerx_event, expected_ns));
	EXPECT_EQ(16U, offsetof(timerx_event, actual_ns));
	EXPECT_EQ(24U, offsetof(timerx_event, timer_id));
	EXPECT_EQ(28U, offsetof(timerx_event, overrun));
}

TEST(RingLayout, ValidSizes)
{
	EXPECT_FALSE(timerx::is_valid_ring_size(0));
	EXPECT_FALSE(timerx::is_valid_ring_size(1));
	EXPECT_TRUE(timerx::is_valid_ring_size(2));
	EXPECT_FALSE(timerx::is_valid_ring_size(3));
	EXPECT_TRUE(timerx::is_valid_ring_size(1U << 20));
	EXPECT_FALSE(timerx::is_valid_ring_size((1U << 20) + 1));
	EXPECT_TRUE(timerx::is_valid_ring_size(1U << 31));
}

TEST(RingView, AcceptsTheKernelsLayout)
{
	for (std::uint32_t entries : {2U, 64U, 4096U}) {
		const timerx_ring_params p = kernel_params(entries);
		Buffer buf(p.mmap_len);
		const auto made = timerx::make_ring_view(buf.base(), p.mmap_len, p);
		ASSERT_TRUE(made.ok());
		const timerx::RingView v = *made;
		EXPECT_EQ(buf.base(), static_cast<void *>(v.hdr));
		EXPECT_EQ(static_cast<unsigned char *>(buf.base()) + 128,
			  reinterpret_cast<unsigned char *>(v.events));
		EXPECT_EQ(entries, v.entries);
		EXPECT_EQ(entries - 1, v.mask());
		EXPECT_TRUE(v.valid());
	}
}

TEST(RingView, RejectsWhatItDoesNotKnow)
{
	const timerx_ring_params good = kernel_params(64);
	Buffer buf(good.mmap_len + 4096);
	auto with = [&](auto change) {
		timerx_ring_params p = good;
		change(p);
		return timerx_test::status(timerx::make_ring_view(buf.base(), good.mmap_len, p));
	};
	EXPECT_EQ(-EPROTO, with([](auto &p) { p.event_size = 48; }));
	EXPECT_EQ(-EPROTO, with([](auto &p) { p.events_offset = 64; })) << "inside the header";
	EXPECT_EQ(-EPROTO, with([](auto &p) { p.events_offset = 132; })) << "misaligned";
	EXPECT_EQ(-EPROTO, with([](auto &p) { p.mmap_len += 4096; })) << "not the mapped length";
	EXPECT_EQ(-EPROTO, with([](auto &p) { p.events_offset = 4096; })) << "events past the end";
	EXPECT_EQ(-EINVAL, with([](auto &p) { p.entries = 48; }));
	EXPECT_EQ(-EINVAL, with([](auto &p) { p.entries = 1; }));
	EXPECT_EQ(-EINVAL,
		  timerx_test::status(timerx::make_ring_view(nullptr, good.mmap_len, good)));
	const auto misaligned = timerx::make_ring_view(static_cast<unsigned char *>(buf.base()) + 4,
						       good.mmap_len, good);
	EXPECT_EQ(timerx::Error{EINVAL}, misaligned.error());
	EXPECT_FALSE(misaligned->valid()) << "a failure holds no view";
}

TEST(RingView, EntriesTimesEventSizeDoesNotOverflow)
{
	timerx_ring_params p = kernel_params(2);
	p.entries = 1U << 31; /* 2^31 * 40 bytes would wrap a u32 */
	Buffer buf(p.mmap_len);
	EXPECT_EQ(-EPROTO, timerx_test::status(timerx::make_ring_view(buf.base(), p.mmap_len, p)));
}

} // namespace
