// SPDX-License-Identifier: MIT
/*
 * Context setup: open, SETUP_RING, mmap. Every failure is an Error and
 * leaves nothing behind.
 */
#include "batch_exec.hpp"

#include <timerx/context.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <utility>

namespace timerx {

namespace {

/* Closes the fd unless released: open()'s error paths. */
struct FdGuard {
	int fd;
	~FdGuard()
	{
		if (fd >= 0)
			::close(fd);
	}
	int release() noexcept { return std::exchange(fd, -1); }
};

/* The module's default max_ring_entries, for when sysfs cannot tell. */
constexpr std::uint32_t default_max_ring_entries = 65536;

} // namespace

Result<std::uint32_t> max_ring_entries() noexcept
{
	FdGuard fd{::open("/sys/module/timerx/parameters/max_ring_entries", O_RDONLY | O_CLOEXEC)};
	if (fd.fd < 0)
		return Error{errno};
	char buf[32];
	const ssize_t n = ::read(fd.fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return Error{errno};
	buf[n] = '\0';
	char *end = nullptr;
	errno = 0;
	const unsigned long long v = std::strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || v < TIMERX_RING_MIN_ENTRIES ||
	    v > std::numeric_limits<std::uint32_t>::max())
		return Error{EPROTO};
	return static_cast<std::uint32_t>(v);
}

std::uint32_t ring_entries_for(std::uint64_t events) noexcept
{
	const std::uint32_t limit = max_ring_entries().value_or(default_max_ring_entries);
	std::uint32_t e = 64;
	while (e < events && e < limit)
		e *= 2;
	/* A limit that is not a power of two (the module refuses one): the largest below it. */
	while (e > limit && e > TIMERX_RING_MIN_ENTRIES)
		e /= 2;
	return e;
}

Result<Context> Context::open(const ContextOptions &opts) noexcept
{
	const char *path = opts.path != nullptr ? opts.path : TIMERX_DEVICE_PATH;
	FdGuard fd{::open(path, O_RDWR | O_CLOEXEC)};
	if (fd.fd < 0)
		return Error{errno};

	timerx_ring_params p{};
	p.entries = opts.ring_entries;
	if (::ioctl(fd.fd, TIMERX_IOC_SETUP_RING, &p) < 0)
		return Error{errno};
	/* The kernel does not change `entries`; make sure of what we rely on. */
	p.entries = opts.ring_entries;
	if (p.mmap_len == 0 || p.mmap_len > std::numeric_limits<std::size_t>::max())
		return Error{EPROTO};

	const auto len = static_cast<std::size_t>(p.mmap_len);
	void *map = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd,
			   static_cast<off_t>(TIMERX_MMAP_OFF_RING));
	if (map == MAP_FAILED)
		return Error{errno};

	const Result<RingView> view = make_ring_view(map, len, p);
	if (!view) {
		::munmap(map, len);
		return view.error();
	}

	/* The table of armings: 8 KiB of chunk pointers, chunks come with timers. */
	std::unique_ptr<ArmingTable> armings(new (std::nothrow) ArmingTable());
	if (!armings) {
		::munmap(map, len);
		return Error{ENOMEM};
	}

	Context ctx;
	ctx.armings_ = std::move(armings);
	ctx.fd_ = fd.release();
	ctx.map_ = map;
	ctx.map_len_ = len;
	ctx.params_ = p;
	ctx.view_ = *view;
	return ctx;
}

Context::~Context()
{
	close();
}

Context::Context(Context &&other) noexcept
	: fd_(std::exchange(other.fd_, -1)), map_(std::exchange(other.map_, nullptr)),
	  map_len_(std::exchange(other.map_len_, 0)), params_(std::exchange(other.params_, {})),
	  view_(std::exchange(other.view_, {})), armings_(std::move(other.armings_))
{}

Context &Context::operator=(Context &&other) noexcept
{
	if (this != &other) {
		close();
		fd_ = std::exchange(other.fd_, -1);
		map_ = std::exchange(other.map_, nullptr);
		map_len_ = std::exchange(other.map_len_, 0);
		params_ = std::exchange(other.params_, {});
		view_ = std::exchange(other.view_, {});
		armings_ = std::move(other.armings_);
	}
	return *this;
}

void Context::close() noexcept
{
	/* The mapping holds the file too: the context dies with the last of both. */
	if (map_ != nullptr)
		::munmap(map_, map_len_);
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
	map_ = nullptr;
	map_len_ = 0;
	params_ = {};
	view_ = {};
	armings_.reset();
}

Result<TimerId> Context::create_timer(const TimerSpec &spec) const noexcept
{
	const Result<TimerId> id = timerx::create_timer(fd_, spec);
	if (!id || !armings_)
		return id;
	/* Its slot now, so that arming it never allocates. */
	if (const Result<void> r = armings_->reserve(*id); !r) {
		(void)timerx::delete_timer(fd_, *id);
		return r.error();
	}
	return id;
}

Result<void> Context::arm_timer(const ArmSpec &spec) const noexcept
{
	if (!spec.valid())
		return Error{EINVAL};
	if (!armings_)
		return Error{EBADF};
	const Result<std::uint32_t> seq = armings_->next_seq(spec.timer);
	/* No slot (an id the module cannot have, or ENOMEM): the module answers for it. */
	const Result<void> r = timerx::arm_timer(fd_, spec, seq.value_or(0));
	if (r && seq)
		armings_->commit(spec.timer, *seq);
	return r;
}

Result<void> Context::postpone(const PostponeSpec &spec) const noexcept
{
	return timerx::postpone_timer(fd_, spec);
}

Result<void> Context::cancel(TimerId id) const noexcept
{
	const Result<void> r = timerx::cancel_timer(fd_, id);
	if (r && armings_)
		armings_->retire(id);
	return r;
}

Result<void> Context::delete_timer(TimerId id) const noexcept
{
	const Result<void> r = timerx::delete_timer(fd_, id);
	if (r && armings_)
		armings_->retire(id);
	return r;
}

Result<std::size_t> Context::submit(Batch &batch) const noexcept
{
	if (fd_ < 0)
		return Error{EBADF};
	std::uint64_t ioctls = 0;
	detail::exec_ioctl(fd_, batch, armings_.get(), &ioctls);
	return batch.size();
}

} // namespace timerx
