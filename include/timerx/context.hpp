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
 * Threading: the timer commands (create_timer() ...) may be called from
 * any thread concurrently. The ring has one consumer (see RingReader).
 * Moving or closing a Context must not race with anything else using it.
 */
#ifndef TIMERX_CONTEXT_HPP
#define TIMERX_CONTEXT_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/ring.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/timer.hpp>
#include <timerx/types.hpp>

#include <cstddef>
#include <cstdint>

namespace timerx {

struct ContextOptions {
	const char *path = TIMERX_DEVICE_PATH;
	/* A power of two in [2, max_ring_entries]; 32 bytes each. */
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

	/* A reader of this context's ring that flushes with TIMERX_IOC_FLUSH. */
	[[nodiscard]] RingReader reader() const noexcept { return RingReader(view_, fd_); }

	[[nodiscard]] Result<TimerId> create_timer(const TimerSpec &spec) const noexcept
	{
		return timerx::create_timer(fd_, spec);
	}
	[[nodiscard]] Result<void> arm_timer(const ArmSpec &spec) const noexcept
	{
		return timerx::arm_timer(fd_, spec);
	}
	[[nodiscard]] Result<void> cancel_timer(TimerId id) const noexcept
	{
		return timerx::cancel_timer(fd_, id);
	}
	[[nodiscard]] Result<void> delete_timer(TimerId id) const noexcept
	{
		return timerx::delete_timer(fd_, id);
	}
	[[nodiscard]] Result<TimerInfo> get_timer(TimerId id) const noexcept
	{
		return timerx::get_timer(fd_, id);
	}
	[[nodiscard]] Result<ContextInfo> info() const noexcept
	{
		return timerx::context_info(fd_);
	}
	[[nodiscard]] Result<std::uint32_t> flush() const noexcept { return timerx::flush(fd_); }

private:
	int fd_ = -1;
	void *map_ = nullptr;
	std::size_t map_len_ = 0;
	timerx_ring_params params_{};
	RingView view_{};
};

} // namespace timerx

#endif /* TIMERX_CONTEXT_HPP */
