/* SPDX-License-Identifier: MIT */
/*
 * RingView: where a ring laid out per the UAPI lives, and how big it is.
 *
 * The mapping (one shared mapping of exactly timerx_ring_params.mmap_len
 * bytes) starts with struct timerx_ring_hdr; `entries` struct timerx_event
 * slots start at timerx_ring_params.events_offset. The slot of the
 * free-running u32 counter c is c & (entries - 1).
 *
 * A RingView keeps its own copy of `entries`, taken from what SETUP_RING
 * was asked for: hdr->entries and hdr->mask are in writable memory and are
 * never trusted. Nothing here needs a device: any memory laid out this way
 * works (see timerx/testing.hpp), which is how the reader is tested.
 */
#ifndef TIMERX_RING_HPP
#define TIMERX_RING_HPP

#include <linux/timerx.h>

#include <timerx/error.hpp>
#include <timerx/types.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace timerx {

/* The layout the UAPI promises; checked here so that a mismatch cannot build. */
static_assert(sizeof(timerx_event) == 40, "struct timerx_event is 40 bytes");
static_assert(sizeof(timerx_ring_hdr) == 128, "struct timerx_ring_hdr is two cache lines");
static_assert(offsetof(timerx_ring_hdr, tail) == 0);
static_assert(offsetof(timerx_ring_hdr, head) == 64, "consumer fields on their own line");

struct RingView {
	timerx_ring_hdr *hdr = nullptr;
	Event *events = nullptr;
	std::uint32_t entries = 0; /* a power of two >= 2; our copy, not hdr->entries */

	[[nodiscard]] constexpr std::uint32_t mask() const noexcept { return entries - 1; }
	[[nodiscard]] constexpr bool valid() const noexcept { return hdr != nullptr; }
};

[[nodiscard]] constexpr bool is_valid_ring_size(std::uint32_t entries) noexcept
{
	return entries >= TIMERX_RING_MIN_ENTRIES && (entries & (entries - 1)) == 0;
}

/*
 * Check the layout SETUP_RING reported (@p, with p.entries the size asked
 * for) against what this library knows, for a mapping of @len bytes at
 * @base, and describe it. EPROTO if the module's layout differs (event
 * size, offsets outside the mapping, misalignment), EINVAL for a bad size
 * or a null base.
 */
[[nodiscard]] inline Result<RingView> make_ring_view(void *base, std::size_t len,
						     const timerx_ring_params &p) noexcept
{
	if (base == nullptr || reinterpret_cast<std::uintptr_t>(base) % alignof(timerx_ring_hdr) ||
	    !is_valid_ring_size(p.entries))
		return Error{EINVAL};
	if (p.event_size != sizeof(timerx_event) || p.mmap_len != len ||
	    p.events_offset < sizeof(timerx_ring_hdr) || p.events_offset % alignof(timerx_event))
		return Error{EPROTO};
	const std::uint64_t end =
		std::uint64_t{p.events_offset} + std::uint64_t{p.entries} * sizeof(timerx_event);
	if (end > len)
		return Error{EPROTO};

	auto *bytes = static_cast<unsigned char *>(base);
	RingView out;
	out.hdr = static_cast<timerx_ring_hdr *>(base);
	out.events = reinterpret_cast<Event *>(bytes + p.events_offset);
	out.entries = p.entries;
	return out;
}

} // namespace timerx

#endif /* TIMERX_RING_HPP */
