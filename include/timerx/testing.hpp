/* SPDX-License-Identifier: MIT */
/*
 * timerx::testing::FakeRing: a ring in plain memory, laid out exactly as
 * the module lays out its mapping, with a producer that follows the
 * module's rules (include/uapi/linux/timerx.h, kmod/ring.c): write the
 * slot, store-release tail; never write a slot the consumer has not
 * released (load-acquire head); a head that claims more than `entries`
 * consumed events means "full"; expirations that do not fit stay pending
 * per timer and arming (Event::seq), folded, with TIMERX_RING_F_OVERFLOW
 * set until a flush has delivered them all.
 *
 * For testing consumers (RingReader, your own event loop) without the
 * device. It allocates and locks a mutex: it is test code, not a hot path.
 * The memory is exactly the header plus the events, so an out-of-bounds
 * read shows up under AddressSanitizer.
 */
#ifndef TIMERX_TESTING_HPP
#define TIMERX_TESTING_HPP

#include <linux/timerx.h>

#include <timerx/detail/atomic.hpp>
#include <timerx/ring.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/types.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace timerx::testing {

class FakeRing {
public:
	/* @start: the initial value of both counters (e.g. near UINT32_MAX to test wraparound). */
	explicit FakeRing(std::uint32_t entries, std::uint32_t start = 0)
	{
		if (!is_valid_ring_size(entries))
			throw std::invalid_argument(
				"FakeRing: entries must be a power of two >= 2");
		params_.entries = entries;
		params_.event_size = sizeof(timerx_event);
		params_.events_offset = sizeof(timerx_ring_hdr);
		params_.mmap_len =
			sizeof(timerx_ring_hdr) + std::size_t{entries} * sizeof(timerx_event);
		mem_ = ::operator new (params_.mmap_len, std::align_val_t{64});
		std::memset(mem_, 0, params_.mmap_len);
		const Result<RingView> view = make_ring_view(mem_, params_.mmap_len, params_);
		if (!view) {
			::operator delete (mem_, std::align_val_t{64});
			throw std::logic_error("FakeRing: layout rejected");
		}
		view_ = *view;
		view_.hdr->entries = entries;
		view_.hdr->mask = entries - 1;
		view_.hdr->tail = start;
		view_.hdr->head = start;
		tail_ = start;
	}

	~FakeRing() { ::operator delete (mem_, std::align_val_t{64}); }

	FakeRing(const FakeRing &) = delete;
	FakeRing &operator=(const FakeRing &) = delete;

	[[nodiscard]] const RingView &view() const noexcept { return view_; }
	/* As SETUP_RING reports it (mmap_len is exact here, not page-rounded). */
	[[nodiscard]] const timerx_ring_params &params() const noexcept { return params_; }
	[[nodiscard]] void *memory() const noexcept { return mem_; }
	[[nodiscard]] timerx_ring_hdr *hdr() const noexcept { return view_.hdr; }

	/* A reader whose flushes go to this fake. */
	[[nodiscard]] RingReader reader() noexcept { return RingReader(view_, flush_hook()); }

	[[nodiscard]] FlushHook flush_hook() noexcept
	{
		return FlushHook{
			[](void *self) noexcept { return static_cast<FakeRing *>(self)->flush(); },
			this};
	}

	/*
	 * One callback of timer @ev.timer_id: 1 + @ev.overrun expirations of
	 * the arming @ev.seq, the first expected at ev.expected_ns, @period_ns
	 * apart. Pending ones of the same timer go first: those of the same
	 * arming folded in, those of earlier armings before them as events of
	 * their own (the module never folds across armings). true if nothing
	 * stays pending.
	 */
	bool deliver(const Event &ev, std::uint64_t period_ns = 0)
	{
		std::lock_guard<std::mutex> lock(mu_);
		Pending cur{ev, expirations(ev), period_ns};
		bool blocked = false;
		for (auto it = pending_.begin(); it != pending_.end();) {
			if (it->first.timer_id != ev.timer_id) {
				++it;
			} else if (it->first.seq == ev.seq) {
				cur.first = it->first;
				cur.n += it->n;
				it = pending_.erase(it);
			} else if (!blocked && (emit(*it), it->n == 0)) {
				it = pending_.erase(it);
			} else {
				blocked = true;
				++it;
			}
		}
		if (!blocked)
			emit(cur);
		const bool all = cur.n == 0;
		if (!all) {
			pending_.push_back(cur);
			++ring_full_;
		}
		publish();
		return all;
	}

	/* As TIMERX_IOC_FLUSH: pending expirations in order, while there is room. */
	int flush() noexcept
	{
		std::lock_guard<std::mutex> lock(mu_);
		++flushes_;
		int written = 0;
		while (!pending_.empty()) {
			Pending &p = pending_.front();
			written += emit(p);
			if (p.n != 0)
				break; /* full again */
			pending_.erase(pending_.begin());
		}
		publish();
		return written;
	}

	/* Write hdr->head as a buggy or hostile consumer would. */
	void set_head(std::uint32_t head) noexcept
	{
		detail::store_release(&view_.hdr->head, head);
	}

	[[nodiscard]] std::uint32_t head() const noexcept
	{
		return detail::load_acquire(&view_.hdr->head);
	}
	[[nodiscard]] std::uint32_t tail() const noexcept
	{
		return detail::load_acquire(&view_.hdr->tail);
	}

	/* Expirations waiting for room (all timers). */
	[[nodiscard]] std::uint64_t pending() const
	{
		std::lock_guard<std::mutex> lock(mu_);
		std::uint64_t n = 0;
		for (const Pending &p : pending_)
			n += p.n;
		return n;
	}

	[[nodiscard]] std::uint64_t ring_full() const
	{
		std::lock_guard<std::mutex> lock(mu_);
		return ring_full_;
	}

	[[nodiscard]] std::uint64_t flushes() const
	{
		std::lock_guard<std::mutex> lock(mu_);
		return flushes_;
	}

	[[nodiscard]] std::uint64_t events_written() const
	{
		std::lock_guard<std::mutex> lock(mu_);
		return events_written_;
	}

private:
	struct Pending {
		Event first; /* user_data, timer_id, and the first expiry's times */
		std::uint64_t n;
		std::uint64_t period;
	};

	bool has_room() const noexcept
	{
		/* Pairs with the consumer's store-release of head: it is done with the slot. */
		const std::uint32_t head = detail::load_acquire(&view_.hdr->head);
		return tail_ - head < view_.entries;
	}

	/* As timerx_ring_emit(): whole events while there is room; p keeps the rest. */
	int emit(Pending &p) noexcept
	{
		int written = 0;
		while (p.n != 0 && has_room()) {
			const std::uint64_t chunk =
				p.n < (std::uint64_t{1} << 32) ? p.n : (std::uint64_t{1} << 32);
			Event &slot = view_.events[tail_ & view_.mask()];
			slot = p.first;
			slot.overrun = static_cast<std::uint32_t>(chunk - 1);
			++tail_;
			p.first.expected_ns += static_cast<std::int64_t>(p.period * chunk);
			p.n -= chunk;
			++written;
			++events_written_;
		}
		return written;
	}

	void publish() noexcept
	{
		/* Pairs with the consumer's load-acquire of tail. */
		detail::store_release(&view_.hdr->tail, tail_);
		detail::store_relaxed(&view_.hdr->flags,
				      pending_.empty() ? 0U : TIMERX_RING_F_OVERFLOW);
		view_.hdr->ring_full = ring_full_;
	}

	mutable std::mutex mu_;
	void *mem_ = nullptr;
	timerx_ring_params params_{};
	RingView view_{};
	std::uint32_t tail_ = 0;
	std::vector<Pending> pending_;
	std::uint64_t ring_full_ = 0;
	std::uint64_t flushes_ = 0;
	std::uint64_t events_written_ = 0;
};

} // namespace timerx::testing

#endif /* TIMERX_TESTING_HPP */
