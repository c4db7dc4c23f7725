/* SPDX-License-Identifier: MIT */
/*
 * Context: one open of /dev/timerx with its ring sized and mapped.
 *
 * Context::open() opens the device (O_RDWR | O_CLOEXEC), sizes the ring
 * (TIMERX_IOC_SETUP_RING) and maps it (MAP_SHARED, exactly mmap_len bytes,
 * offset 0). Its errors: ENOENT (no device, or the module is not loaded),
 * EACCES (not in the device's group), EINVAL (a bad ring size: see
 * ring_entries_for()), EPROTO (a ring layout this library does not know),
 * EMFILE (the user holds max_contexts_per_user contexts), ENOMEM (the ring
 * is beyond the memory cgroup or RLIMIT_MEMLOCK). A default-constructed
 * Context is closed; its commands fail with EBADF.
 *
 * Closing it (destructor or close()) makes the module cancel and free every
 * timer of the context, and completes the TIMERX_URING_CMD_WAITs this
 * process has pending on it with -ECANCELED (a forked child closing its
 * copy ends none). A pending io_uring POLL_ADD (Uring::waits_with_poll())
 * keeps the file, and with it the context, until its io_uring cancels it.
 *
 * Armings (API 3): the Context gives every arming of a timer a sequence
 * number of its own (arming.hpp) and its reader() drops the events of an
 * arming that was replaced (re-armed) or ended (cancel(), delete_timer())
 * before they were read: after arm_timer() or cancel() returns, the
 * reader hands out no event of the timer's earlier armings. Commands sent
 * around the Context (the free functions of timer.hpp on fd(), your own
 * io_uring) bypass that: use armings() to take part (see
 * docs/libtimerx.md, "Stale events").
 *
 * Threading: the timer commands (create_timer() ...) may be called from
 * any thread concurrently (one timer's commands from one thread at a
 * time: see arming.hpp). The ring has one consumer (see RingReader).
 * Moving or closing a Context must not race with anything else using it.
 */
#ifndef TIMERX_CONTEXT_HPP
#define TIMERX_CONTEXT_HPP

#include <linux/timerx.h>

#include <timerx/arming.hpp>
#include <timerx/batch.hpp>
#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/ring.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/timer.hpp>
#include <timerx/types.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace timerx {

struct ContextOptions {
	const char *path = TIMERX_DEVICE_PATH;
	/* A power of two in [2, max_ring_entries]; 40 bytes each. */
	std::uint32_t ring_entries = 4096;
};

/*
 * The module's max_ring_entries as loaded (/sys/module/timerx/parameters),
 * or ENOENT when the module is not loaded.
 */
[[nodiscard]] TIMERX_API Result<std::uint32_t> max_ring_entries() noexcept;

/*
 * A ring size for @events events in flight: the smallest power of two
 * >= @events (at least 64), capped at the module's max_ring_entries
 * (its default, 65536, when that cannot be read).
 */
[[nodiscard]] TIMERX_API std::uint32_t ring_entries_for(std::uint64_t events) noexcept;

class TIMERX_API Context {
public:
	/* Open, size and map (see above). */
	[[nodiscard]] static Result<Context> open(const ContextOptions &opts = {}) noexcept;

	/* Closed. */
	Context() noexcept = default;
	~Context();

	Context(Context &&other) noexcept;
	Context &operator=(Context &&other) noexcept;
	Context(const Context &) = delete;
	Context &operator=(const Context &) = delete;

	/* Unmap and close (idempotent). Afterwards is_open() is false. */
	void close() noexcept;

	[[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }

	/* For your own epoll set, io_uring, or the free functions of timer.hpp. */
	[[nodiscard]] int fd() const noexcept { return fd_; }

	[[nodiscard]] const RingView &ring() const noexcept { return view_; }

	/* What SETUP_RING reported. */
	[[nodiscard]] const timerx_ring_params &ring_params() const noexcept { return params_; }

	/*
	 * A reader of this context's ring that flushes with TIMERX_IOC_FLUSH
	 * and drops stale events (Stale::deliver: hands them out too).
	 */
	[[nodiscard]] RingReader reader(Stale stale = Stale::drop) const noexcept
	{
		RingReader r(view_, fd_, armings_.get());
		r.set_stale(stale);
		return r;
	}

	/*
	 * The table of current armings (arming.hpp): for sending arms
	 * yourself (next_seq() before, commit() once the module accepted it).
	 * nullptr when closed.
	 */
	[[nodiscard]] ArmingTable *armings() const noexcept { return armings_.get(); }

	/* TIMERX_IOC_CREATE, and the timer's slot in armings() (ENOMEM: not created). */
	[[nodiscard]] Result<TimerId> create_timer(const TimerSpec &spec) const noexcept;

	/*
	 * Arm (or re-arm) with a fresh seq: TIMERX_IOC_ARM_AT / ARM_IN for a
	 * one-shot without slack, TIMERX_IOC_ARM otherwise. From its return,
	 * events of the timer's earlier armings are stale. EINVAL for an
	 * invalid spec (nothing sent).
	 */
	[[nodiscard]] Result<void> arm_timer(const ArmSpec &spec) const noexcept;

	/*
	 * Move the next expiry of an armed timer (TIMERX_IOC_POSTPONE), later
	 * or earlier; period, slack and arming stay. A duration is from now,
	 * a time point on the timer's clock is absolute. Error ETIME
	 * (already_expired()): the timer is not armed any more: a one-shot
	 * whose event is in the ring (read it), or a cancelled one. A later
	 * module may do this without a system call through a shared table:
	 * the call stays the same.
	 */
	[[nodiscard]] Result<void> postpone(const PostponeSpec &spec) const noexcept;
	template <class Rep, class P>
	[[nodiscard]] Result<void> postpone(TimerId id,
					    std::chrono::duration<Rep, P> delay) const noexcept
	{
		return postpone(PostponeSpec::after(id, delay));
	}
	template <TimerClock C, class D>
	[[nodiscard]] Result<void> postpone(TimerId id,
					    std::chrono::time_point<C, D> t) const noexcept
	{
		return postpone(PostponeSpec::at(id, t));
	}

	/*
	 * Stop the timer (TIMERX_IOC_CANCEL): from its return the reader
	 * drops every event of its armings so far, also those already in the
	 * ring or pending in the module. Cancelling an idle timer is fine.
	 */
	[[nodiscard]] Result<void> cancel(TimerId id) const noexcept;
	/* The same as cancel(). */
	[[nodiscard]] Result<void> cancel_timer(TimerId id) const noexcept { return cancel(id); }

	/* TIMERX_IOC_DELETE: its events still in the ring are stale from now on. */
	[[nodiscard]] Result<void> delete_timer(TimerId id) const noexcept;

	[[nodiscard]] Result<TimerInfo> get_timer(TimerId id) const noexcept
	{
		return timerx::get_timer(fd_, id);
	}
	[[nodiscard]] Result<ContextInfo> info() const noexcept
	{
		return timerx::context_info(fd_);
	}
	[[nodiscard]] Result<std::uint32_t> flush() const noexcept { return timerx::flush(fd_); }

	/*
	 * Run every command of @batch through ioctl(2): its arms, cancels and
	 * postpones as TIMERX_IOC_BATCH (one system call for up to
	 * TIMERX_BATCH_MAX of them in a row), creates and deletes one ioctl
	 * each, in the batch's order, with seqs from armings(). Returns the
	 * number of commands run (batch.size()); each command's result is in
	 * the batch (batch.hpp). EBADF when closed.
	 */
	[[nodiscard]] Result<std::size_t> submit(Batch &batch) const noexcept;

private:
	int fd_ = -1;
	void *map_ = nullptr;
	std::size_t map_len_ = 0;
	timerx_ring_params params_{};
	RingView view_{};
	std::unique_ptr<ArmingTable> armings_;
};

} // namespace timerx

#endif /* TIMERX_CONTEXT_HPP */
