/* SPDX-License-Identifier: MIT */
/*
 * RingReader: the consumer side of the event ring.
 *
 * Three ways to read, all without allocation or system call:
 *   consume(fn)   every ready event to a callback, then flushes an
 *                 overflow (below);
 *   events()      a range for a for statement, consumed when the range
 *                 is destroyed;
 *   peek()/advance(n)  look, then consume n (like liburing's
 *                 io_uring_peek_batch_cqe() and io_uring_cq_advance()).
 * Each is one load-acquire of hdr->tail and one store-release of hdr->head.
 *
 * consume() hands every ready event to a callback in one batch: one
 * load-acquire of hdr->tail, the callback per event (a template argument,
 * inlined), one store-release of hdr->head. When the kernel has set
 * TIMERX_RING_F_OVERFLOW (expirations waiting for room), it flushes them
 * into the ring (TIMERX_IOC_FLUSH, or a FlushHook) and drains again. No
 * allocation, no exception of its own, no system call unless it flushes.
 *
 * A head that claims more than `entries` events were consumed (written by
 * a bug or a hostile thread: the mapping is writable) is reported as
 * Error EIO without reading the ring, as read(2) does; the result is
 * [[nodiscard]], so that a loop cannot spin on it unawares. resync()
 * recovers from it.
 *
 * Stale events (API 3): a reader made by Context::reader() drops the
 * events of an arming that was replaced or cancelled (their seq is older
 * than the timer's current arming in the Context's ArmingTable, see
 * arming.hpp): consume() and events() skip them, stale_events() counts
 * them. set_stale(Stale::deliver) hands them out too (is_current() tells
 * them apart); peek() always shows every slot. A reader without a table
 * (FakeRing's, one built from a RingView) drops nothing.
 *
 * Threading: one consumer. A RingReader (and every copy of it) must be used
 * by one thread at a time, and only one reader may consume a given ring.
 * Do not mix it with read(2) on the same context. Timer commands may be
 * issued from any thread meanwhile.
 *
 * Lifetime: a RingReader holds pointers into the mapping and the context's
 * file descriptor, not the Context: it stays valid when the Context is
 * moved, and must not be used once the Context is closed or destroyed.
 */
#ifndef TIMERX_RING_READER_HPP
#define TIMERX_RING_READER_HPP

#include <timerx/arming.hpp>
#include <timerx/detail/atomic.hpp>
#include <timerx/error.hpp>
#include <timerx/ring.hpp>
#include <timerx/timer.hpp>
#include <timerx/types.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <type_traits>
#include <utility>

namespace timerx {

/*
 * How the reader delivers pending expirations when the ring overflowed:
 * fn(arg) returns the number of events it wrote into the ring, or -errno.
 * The default (fn == nullptr) is TIMERX_IOC_FLUSH on the context's fd;
 * tests on plain memory install the fake producer's flush here.
 */
struct FlushHook {
	int (*fn)(void *arg) noexcept = nullptr;
	void *arg = nullptr;
};

/* What a consume() did. Its errors: EIO (corrupt head), EBADFD, or the flush's. */
struct Consumed {
	std::uint32_t events = 0;  /* events handed to the callback */
	std::uint32_t flushes = 0; /* flushes done for TIMERX_RING_F_OVERFLOW */
	std::uint32_t stale = 0;   /* events of an earlier arming, dropped */
};

/* What a reader does with the events of a replaced or cancelled arming. */
enum class Stale : std::uint8_t {
	drop,    /* skip them (counted in stale_events()): the default */
	deliver, /* hand them out like any other (is_current() tells) */
};

namespace detail {
/* The filter a reader applies: none without a table or with Stale::deliver. */
struct StaleFilter {
	const ArmingTable *table = nullptr;
	std::uint64_t *dropped = nullptr;

	[[nodiscard]] bool drops(const Event &e) const noexcept
	{
		if (table == nullptr || table->current(e))
			return false;
		++*dropped;
		return true;
	}
};
} // namespace detail

/*
 * Ready events in the ring, in order: slots head .. head + size() - 1
 * (wrapping). A view into the mapping: valid until they are consumed.
 */
class EventSpan {
public:
	class iterator {
	public:
		using iterator_category = std::forward_iterator_tag;
		using value_type = Event;
		using difference_type = std::ptrdiff_t;
		using pointer = const Event *;
		using reference = const Event &;

		constexpr iterator() noexcept = default;
		constexpr iterator(const Event *events, std::uint32_t mask,
				   std::uint32_t pos) noexcept
			: events_(events), mask_(mask), pos_(pos)
		{}
		[[nodiscard]] constexpr reference operator*() const noexcept
		{
			return events_[pos_ & mask_];
		}
		[[nodiscard]] constexpr pointer operator->() const noexcept
		{
			return &events_[pos_ & mask_];
		}
		constexpr iterator &operator++() noexcept
		{
			++pos_;
			return *this;
		}
		constexpr iterator operator++(int) noexcept
		{
			iterator old = *this;
			++pos_;
			return old;
		}
		[[nodiscard]] friend constexpr bool operator==(const iterator &a,
							       const iterator &b) noexcept
		{
			return a.pos_ == b.pos_;
		}

	private:
		const Event *events_ = nullptr;
		std::uint32_t mask_ = 0;
		std::uint32_t pos_ = 0; /* the free-running counter, wraps like head */
	};

	constexpr EventSpan() noexcept = default;
	constexpr EventSpan(const Event *events, std::uint32_t mask, std::uint32_t head,
			    std::uint32_t size) noexcept
		: events_(events), mask_(mask), head_(head), size_(size)
	{}

	[[nodiscard]] constexpr iterator begin() const noexcept { return {events_, mask_, head_}; }
	[[nodiscard]] constexpr iterator end() const noexcept
	{
		return {events_, mask_, head_ + size_};
	}
	[[nodiscard]] constexpr std::uint32_t size() const noexcept { return size_; }
	[[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
	/* The head counter of the first event (free-running, wraps). */
	[[nodiscard]] constexpr std::uint32_t head() const noexcept { return head_; }
	/* Event @i (< size()). */
	[[nodiscard]] constexpr const Event &operator[](std::uint32_t i) const noexcept
	{
		return events_[(head_ + i) & mask_];
	}

private:
	const Event *events_ = nullptr;
	std::uint32_t mask_ = 0;
	std::uint32_t head_ = 0;
	std::uint32_t size_ = 0;
};

/*
 * RingReader::events(): an EventSpan that consumes itself. Destroying it
 * publishes head past its events (one store-release). Move-only; error()
 * tells why it is empty when the ring could not be read.
 */
class EventBatch {
public:
	/*
	 * Walks the batch's slots, skipping (and counting) the events its
	 * reader drops as stale; each is judged when the walk reaches it, so
	 * that an event of an arming the loop body just replaced is skipped
	 * too. A second walk counts the stale ones again.
	 */
	class iterator {
	public:
		using iterator_category = std::forward_iterator_tag;
		using value_type = Event;
		using difference_type = std::ptrdiff_t;
		using pointer = const Event *;
		using reference = const Event &;

		iterator() noexcept = default;
		iterator(const EventSpan &span, std::uint32_t i,
			 detail::StaleFilter filter) noexcept
			: span_(&span), i_(i), filter_(filter)
		{
			skip();
		}
		[[nodiscard]] reference operator*() const noexcept { return (*span_)[i_]; }
		[[nodiscard]] pointer operator->() const noexcept { return &(*span_)[i_]; }
		iterator &operator++() noexcept
		{
			++i_;
			skip();
			return *this;
		}
		iterator operator++(int) noexcept
		{
			iterator old = *this;
			++*this;
			return old;
		}
		[[nodiscard]] friend bool operator==(const iterator &a, const iterator &b) noexcept
		{
			return a.i_ == b.i_;
		}

	private:
		void skip() noexcept
		{
			while (span_ != nullptr && i_ < span_->size() &&
			       filter_.drops((*span_)[i_]))
				++i_;
		}

		const EventSpan *span_ = nullptr;
		std::uint32_t i_ = 0;
		detail::StaleFilter filter_{};
	};

	EventBatch(const EventSpan &span, std::uint32_t *head,
		   detail::StaleFilter filter = {}) noexcept
		: span_(span), head_(head), filter_(filter)
	{}
	explicit EventBatch(Error e) noexcept : err_(e.code()) {}
	EventBatch(EventBatch &&other) noexcept
		: span_(other.span_), head_(std::exchange(other.head_, nullptr)),
		  filter_(other.filter_), err_(other.err_)
	{}
	EventBatch &operator=(EventBatch &&) = delete;
	EventBatch(const EventBatch &) = delete;
	EventBatch &operator=(const EventBatch &) = delete;
	~EventBatch() { commit(); }

	/* The events, stale ones skipped (see iterator). */
	[[nodiscard]] iterator begin() const noexcept { return {span_, 0, filter_}; }
	[[nodiscard]] iterator end() const noexcept { return {span_, span_.size(), {}}; }
	/* Every slot of the batch, stale events included: what commit() consumes. */
	[[nodiscard]] std::uint32_t size() const noexcept { return span_.size(); }
	[[nodiscard]] bool empty() const noexcept { return span_.empty(); }
	[[nodiscard]] const Event &operator[](std::uint32_t i) const noexcept { return span_[i]; }
	[[nodiscard]] const EventSpan &slots() const noexcept { return span_; }

	/* Success, or why nothing could be read: EIO (corrupt head), EBADFD. */
	[[nodiscard]] Result<void> status() const noexcept
	{
		if (err_ != 0)
			return Error{err_};
		return {};
	}

	/* Consume the events now instead of at destruction (idempotent). */
	void commit() noexcept
	{
		/* Pairs with the kernel's load-acquire of head: we are done with the slots. */
		if (head_ != nullptr && !span_.empty())
			detail::store_release(head_, detail::load_relaxed(head_) + span_.size());
		head_ = nullptr;
	}

private:
	EventSpan span_{};
	std::uint32_t *head_ = nullptr;
	detail::StaleFilter filter_{};
	int err_ = 0;
};

class RingReader {
public:
	/* Flush rounds per consume() call: bounds its time when the ring keeps overflowing. */
	static constexpr unsigned default_flush_rounds = 8;

	constexpr RingReader() noexcept = default;

	/*
	 * Flushes with TIMERX_IOC_FLUSH on @fd; drops the events that
	 * @armings (if any) says are stale (Context::reader() passes its own).
	 */
	RingReader(const RingView &ring, int fd, const ArmingTable *armings = nullptr) noexcept
		: ring_(ring), armings_(armings), fd_(fd)
	{}

	/* Flushes with @hook (fd-less: plain memory, tests). */
	RingReader(const RingView &ring, FlushHook hook,
		   const ArmingTable *armings = nullptr) noexcept
		: ring_(ring), hook_(hook), armings_(armings)
	{}

	[[nodiscard]] const RingView &view() const noexcept { return ring_; }
	[[nodiscard]] bool valid() const noexcept { return ring_.valid(); }

	/* The table stale events are judged by (nullptr: none, nothing is dropped). */
	[[nodiscard]] const ArmingTable *armings() const noexcept { return armings_; }

	/* Drop stale events (the default) or deliver them too. */
	void set_stale(Stale s) noexcept { stale_ = s; }
	[[nodiscard]] Stale stale() const noexcept { return stale_; }

	/* Events this reader (this copy of it) dropped as stale so far. */
	[[nodiscard]] std::uint64_t stale_events() const noexcept { return dropped_; }

	/*
	 * Whether @e belongs to its timer's current arming: what the filter
	 * asks. true without a table. For Stale::deliver and peek() users.
	 */
	[[nodiscard]] bool is_current(const Event &e) const noexcept
	{
		return armings_ == nullptr || armings_->current(e);
	}

	/*
	 * tail - head, with tail loaded with acquire semantics. More than the
	 * ring's entries only when the head is corrupt (see corrupt()).
	 */
	[[nodiscard]] std::uint32_t ready() const noexcept
	{
		return detail::load_acquire(&ring_.hdr->tail) -
		       detail::load_relaxed(&ring_.hdr->head);
	}

	[[nodiscard]] bool corrupt() const noexcept { return ready() > ring_.entries; }

	/* The kernel holds expirations that did not fit: consume() will flush. */
	[[nodiscard]] bool overflow() const noexcept
	{
		return detail::load_relaxed(&ring_.hdr->flags) & TIMERX_RING_F_OVERFLOW;
	}

	/* consume() has something to do: events, an overflow to flush, or an error to report. */
	[[nodiscard]] bool has_work() const noexcept { return ready() != 0 || overflow(); }

	/*
	 * Hand up to @max ready events to @fn(const Event &), then flush and
	 * drain again while the kernel reports an overflow (at most
	 * flush_rounds() times). Stale events are dropped, not handed out
	 * (see above); @max counts the slots consumed, dropped ones included.
	 * The reference passed to @fn points into the
	 * ring and is valid only during the call.
	 *
	 * If @fn throws, the events before the throwing one are consumed, the
	 * throwing one is not (it is handed out again next time), and the
	 * exception propagates. consume() is noexcept when @fn is.
	 */
	template <class F>
	[[nodiscard]] Result<Consumed>
	consume(F &&fn, std::uint32_t max = std::numeric_limits<std::uint32_t>::max()) noexcept(
		std::is_nothrow_invocable_v<F &, const Event &>)
	{
		Consumed total;
		std::uint32_t taken = 0;
		for (unsigned round = 0;; ++round) {
			const Result<Pass> r = consume_pass(fn, max - taken);
			if (!r)
				return r.error();
			taken += r->slots;
			total.events += r->delivered;
			total.stale += r->slots - r->delivered;
			if (taken >= max || round >= flush_rounds_ || !overflow())
				break;
			const Result<std::uint32_t> written = flush();
			++total.flushes;
			if (!written)
				return written.error();
			if (*written == 0 && ready() == 0)
				break; /* the flag was about to clear: nothing pending any more */
		}
		return total;
	}

	/*
	 * One pass of consume(): no flush, the overflow flag is left to the
	 * caller. The number of events handed to @fn (stale ones dropped are
	 * not among them, but count against @max).
	 */
	template <class F>
	[[nodiscard]] Result<std::uint32_t>
	consume_once(F &&fn,
		     std::uint32_t max = std::numeric_limits<std::uint32_t>::
			     max()) noexcept(std::is_nothrow_invocable_v<F &, const Event &>)
	{
		const Result<Pass> r = consume_pass(fn, max);
		if (!r)
			return r.error();
		return r->delivered;
	}

	/*
	 * The ready events as a range, without copying and without a system
	 * call: one load-acquire of tail now, one store-release of head when
	 * the range is destroyed (the end of the for statement), which
	 * consumes every event of the range, also when the loop is left
	 * early. At most @max events. No flush: when overflow() is set
	 * afterwards, flush() (or use consume(), which does). A corrupt head
	 * or an unbound reader gives an empty range whose error() says so:
	 *
	 *     for (const timerx::Event &e : reader.events())
	 *             handle(e);
	 */
	[[nodiscard]] EventBatch
	events(std::uint32_t max = std::numeric_limits<std::uint32_t>::max()) noexcept
	{
		const Result<EventSpan> span = peek(max);
		if (!span)
			return EventBatch(span.error());
		return EventBatch(*span, &ring_.hdr->head, filter());
	}

	/*
	 * The ready events (at most @max), without consuming them: what
	 * io_uring_peek_batch_cqe() is to a CQ. advance(n) consumes the
	 * first n. Every slot, stale events included (is_current() tells).
	 * EIO for a corrupt head, EBADFD for an unbound reader.
	 */
	[[nodiscard]] Result<EventSpan>
	peek(std::uint32_t max = std::numeric_limits<std::uint32_t>::max()) const noexcept
	{
		if (!ring_.valid())
			return Error{EBADFD};
		const std::uint32_t head = detail::load_relaxed(&ring_.hdr->head);
		/* Pairs with the kernel's store-release of tail: the events are visible. */
		const std::uint32_t avail = detail::load_acquire(&ring_.hdr->tail) - head;
		if (avail > ring_.entries)
			return Error{EIO};
		return EventSpan(ring_.events, ring_.mask(), head, avail < max ? avail : max);
	}

	/*
	 * Consume the first @n events of the last peek() (io_uring_cq_advance()):
	 * the kernel may reuse their slots from now on. @n must not exceed
	 * what peek() returned.
	 */
	void advance(std::uint32_t n) noexcept
	{
		if (n != 0)
			detail::store_release(&ring_.hdr->head,
					      detail::load_relaxed(&ring_.hdr->head) + n);
	}

	/* Deliver pending expirations into the ring: the number of events written. */
	[[nodiscard]] Result<std::uint32_t> flush() noexcept
	{
		if (hook_.fn != nullptr)
			return from_return<std::uint32_t>(hook_.fn(hook_.arg));
		return timerx::flush(fd_);
	}

	[[nodiscard]] unsigned flush_rounds() const noexcept { return flush_rounds_; }

	/* 0: never flush (the caller watches overflow() itself). */
	void set_flush_rounds(unsigned rounds) noexcept { flush_rounds_ = rounds; }

	/*
	 * Wakeup suppression: while TIMERX_CONSUMER_F_POLLING is set the
	 * kernel does no wakeup work per event. Set it while busy-polling;
	 * before blocking, use prepare_wait() (clear, then re-check).
	 */
	void set_polling(bool on) noexcept
	{
		std::uint32_t *f = &ring_.hdr->consumer_flags;
		const std::uint32_t old = detail::load_relaxed(f);
		const std::uint32_t v = on ? (old | TIMERX_CONSUMER_F_POLLING)
					   : (old & ~std::uint32_t{TIMERX_CONSUMER_F_POLLING});
		if (v != old)
			detail::store_relaxed(f, v);
	}

	[[nodiscard]] bool polling() const noexcept
	{
		return detail::load_relaxed(&ring_.hdr->consumer_flags) & TIMERX_CONSUMER_F_POLLING;
	}

	/*
	 * The step before blocking in poll/epoll/read/io_uring: clear the
	 * polling flag, then re-check the ring. true: nothing to do, block
	 * now (a wakeup cannot be missed: the kernel reads the flag after
	 * publishing tail, and re-checks under its lock after queueing the
	 * waiter). false: work arrived, consume instead of blocking.
	 */
	[[nodiscard]] bool prepare_wait() noexcept
	{
		/* A full barrier: the cleared flag is visible before we look again. */
		detail::clear_bits_seq_cst(&ring_.hdr->consumer_flags, TIMERX_CONSUMER_F_POLLING);
		const std::uint32_t tail = detail::load_seq_cst(&ring_.hdr->tail);
		return tail == detail::load_relaxed(&ring_.hdr->head) &&
		       !(detail::load_seq_cst(&ring_.hdr->flags) & TIMERX_RING_F_OVERFLOW);
	}

	/*
	 * After corrupt(): set head = tail, dropping whatever the ring held
	 * (the true head is unknown). Returns the number of slots skipped,
	 * capped at entries. The kernel delivers into the ring again from
	 * its next event or flush.
	 */
	std::uint32_t resync() noexcept
	{
		const std::uint32_t tail = detail::load_acquire(&ring_.hdr->tail);
		const std::uint32_t skipped = tail - detail::load_relaxed(&ring_.hdr->head);
		detail::store_release(&ring_.hdr->head, tail);
		return skipped > ring_.entries ? ring_.entries : skipped;
	}

private:
	struct Pass {
		std::uint32_t slots = 0;     /* consumed */
		std::uint32_t delivered = 0; /* handed to the callback */
	};

	[[nodiscard]] detail::StaleFilter filter() noexcept
	{
		if (stale_ == Stale::deliver)
			return {};
		return {armings_, &dropped_};
	}

	template <class F>
	[[nodiscard]] Result<Pass>
	consume_pass(F &fn,
		     std::uint32_t max) noexcept(std::is_nothrow_invocable_v<F &, const Event &>)
	{
		const Result<EventSpan> span = peek(max);
		if (!span)
			return span.error();
		const detail::StaleFilter f = filter();
		Pass pass;
		HeadCommit commit{&ring_.hdr->head, span->head()};
		for (; commit.done < span->size(); ++commit.done) {
			const Event &e = (*span)[commit.done];
			if (f.drops(e))
				continue;
			fn(e);
			++pass.delivered;
		}
		pass.slots = span->size();
		return pass; /* ~HeadCommit publishes the new head */
	}

	/* Publishes head + done on scope exit, also when the callback throws. */
	struct HeadCommit {
		std::uint32_t *head_ptr;
		std::uint32_t head;
		std::uint32_t done = 0;

		HeadCommit(std::uint32_t *p, std::uint32_t h) noexcept : head_ptr(p), head(h) {}
		HeadCommit(const HeadCommit &) = delete;
		HeadCommit &operator=(const HeadCommit &) = delete;
		~HeadCommit()
		{
			/* Pairs with the kernel's load-acquire of head: we are done with the slots.
			 */
			if (done != 0)
				detail::store_release(head_ptr, head + done);
		}
	};

	RingView ring_{};
	FlushHook hook_{};
	const ArmingTable *armings_ = nullptr;
	std::uint64_t dropped_ = 0;
	int fd_ = -1;
	unsigned flush_rounds_ = default_flush_rounds;
	Stale stale_ = Stale::drop;
};

} // namespace timerx

#endif /* TIMERX_RING_READER_HPP */
