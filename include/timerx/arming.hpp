/* SPDX-License-Identifier: MIT */
/*
 * ArmingTable: which arming of each timer is current, so that a reader
 * can drop the events of an arming that was replaced or cancelled
 * (UAPI 3: every arming carries a sequence number, timerx_arm.seq, copied
 * into each of its events; re-arming and cancelling cannot take back
 * events already in the ring).
 *
 * One slot per timer id (ids are dense, from 1): the seq the next arming
 * gets, and the floor, the seq of the current arming. An event is current
 * when its seq is not older than its timer's floor, in serial-number
 * arithmetic (wraparound is normal: 2^31 armings of one timer may be in
 * the ring at once before it misreads). Arming takes a fresh seq, sends
 * it, and moves the floor to it once the module accepted it; cancelling
 * or deleting moves the floor past every seq handed out, so that nothing
 * of that timer is current until it is armed again. An arming that failed
 * moves nothing: the arming it meant to replace is still the module's.
 * A deleted timer's id is reused by the next create, which inherits the
 * slot: the new timer's seqs are newer than every event of the old one.
 *
 * Memory: the slots come in chunks of 1024 timers (8 KiB), allocated when
 * a timer of the chunk is created (reserve()); the table itself is an
 * array of chunk pointers for every id the module can hand out (2^20, the
 * largest max_timers_per_ctx), 8 KiB. Arming, cancelling and reading
 * allocate nothing once the timer's chunk exists.
 *
 * Threading: any thread may arm, cancel and reserve while the consumer
 * reads. Commands on one timer from several threads at once leave the
 * current arming to whichever returns last; keep each timer's commands on
 * one thread at a time (they race in the module anyway). Context owns
 * one; a RingReader from Context::reader() consults it. Header-only.
 */
#ifndef TIMERX_ARMING_HPP
#define TIMERX_ARMING_HPP

#include <timerx/error.hpp>
#include <timerx/types.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <new>

namespace timerx {

class ArmingTable {
public:
	/* Timer ids the table covers: 1 .. max_timers. */
	static constexpr std::uint32_t max_timers = std::uint32_t{1} << 20;
	static constexpr std::uint32_t chunk_timers = 1024;

	ArmingTable() noexcept = default;
	~ArmingTable()
	{
		for (std::atomic<Chunk *> &c : chunks_)
			delete c.load(std::memory_order_relaxed);
	}
	ArmingTable(const ArmingTable &) = delete;
	ArmingTable &operator=(const ArmingTable &) = delete;

	/*
	 * Make @id's slot exist: allocates its chunk the first time (ENOMEM),
	 * EINVAL for 0 or an id above max_timers. Context::create_timer()
	 * does it; a timer created elsewhere gets its slot at its first arming.
	 */
	[[nodiscard]] Result<void> reserve(TimerId id) noexcept
	{
		if (id == 0 || id > max_timers)
			return Error{EINVAL};
		std::atomic<Chunk *> &c = chunks_[(id - 1) / chunk_timers];
		if (c.load(std::memory_order_acquire) != nullptr)
			return {};
		Chunk *fresh = new (std::nothrow) Chunk();
		if (fresh == nullptr)
			return Error{ENOMEM};
		Chunk *expected = nullptr;
		if (!c.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel,
					       std::memory_order_acquire))
			delete fresh; /* another thread's came first */
		return {};
	}

	/* A fresh seq for a new arming of @id (reserve()s its slot: ENOMEM, EINVAL). */
	[[nodiscard]] Result<std::uint32_t> next_seq(TimerId id) noexcept
	{
		Slot *s = slot(id);
		if (s == nullptr) {
			if (const Result<void> r = reserve(id); !r)
				return r.error();
			s = slot(id);
		}
		return s->next.fetch_add(1, std::memory_order_relaxed);
	}

	/*
	 * The module accepted the arming @seq of @id: from now on events of
	 * earlier armings are stale. A seq older than the floor (a concurrent
	 * command on the same timer got there first) leaves it.
	 */
	void commit(TimerId id, std::uint32_t seq) noexcept
	{
		if (Slot *s = slot(id))
			raise_floor(*s, seq);
	}

	/* @id was cancelled or deleted: every event of its armings so far is stale. */
	void retire(TimerId id) noexcept
	{
		if (Slot *s = slot(id))
			raise_floor(*s, s->next.fetch_add(1, std::memory_order_relaxed));
	}

	/*
	 * Whether @e belongs to its timer's current arming (or to one being
	 * armed right now). true for a timer the table has no slot for: it
	 * knows nothing against it.
	 */
	[[nodiscard]] bool current(const Event &e) const noexcept
	{
		const Slot *s = slot(e.timer_id);
		if (s == nullptr)
			return true;
		return !older(e.seq, s->floor.load(std::memory_order_acquire));
	}

	/* The seq of @id's current arming (its floor); 0 without a slot. */
	[[nodiscard]] std::uint32_t floor(TimerId id) const noexcept
	{
		const Slot *s = slot(id);
		return s != nullptr ? s->floor.load(std::memory_order_acquire) : 0U;
	}

	[[nodiscard]] bool has_slot(TimerId id) const noexcept { return slot(id) != nullptr; }

	/* @a is older than @b in serial-number arithmetic (RFC 1982, 32 bits). */
	[[nodiscard]] static constexpr bool older(std::uint32_t a, std::uint32_t b) noexcept
	{
		return static_cast<std::int32_t>(a - b) < 0;
	}

private:
	struct Slot {
		std::atomic<std::uint32_t> next{0};  /* the seq the next arming gets */
		std::atomic<std::uint32_t> floor{0}; /* the current arming's */
	};
	struct Chunk {
		std::array<Slot, chunk_timers> slots{};
	};

	[[nodiscard]] Slot *slot(TimerId id) const noexcept
	{
		if (id == 0 || id > max_timers)
			return nullptr;
		Chunk *c = chunks_[(id - 1) / chunk_timers].load(std::memory_order_acquire);
		return c != nullptr ? &c->slots[(id - 1) % chunk_timers] : nullptr;
	}

	static void raise_floor(Slot &s, std::uint32_t seq) noexcept
	{
		std::uint32_t cur = s.floor.load(std::memory_order_relaxed);
		while (older(cur, seq) &&
		       !s.floor.compare_exchange_weak(cur, seq, std::memory_order_release,
						      std::memory_order_relaxed)) {
		}
	}

	std::array<std::atomic<Chunk *>, max_timers / chunk_timers> chunks_{};
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

} // namespace timerx

#endif /* TIMERX_ARMING_HPP */
