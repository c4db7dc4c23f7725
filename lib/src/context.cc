// SPDX-License-Identifier: MIT
/*
 * Context setup: open, SETUP_RING, mmap. Every failure throws
 * std::system_error and leaves nothing behind.
 */
#include <timerx/context.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

namespace timerx {

namespace {

[[noreturn]] void fail(int err, const std::string &what)
{
	throw std::system_error(err, std::system_category(), "timerx: " + what);
}

/* Closes the fd unless released: the constructor's error paths. */
struct FdGuard {
	int fd;
	~FdGuard()
	{
		if (fd >= 0)
			::close(fd);
	}
	int release() noexcept { return std::exchange(fd, -1); }
};

} // namespace

Context::Context() : Context(ContextOptions{}) {}

Context::Context(const ContextOptions &opts)
{
	const char *path = opts.path != nullptr ? opts.path : TIMERX_DEVICE_PATH;
	FdGuard fd{::open(path, O_RDWR | O_CLOEXEC)};
	if (fd.fd < 0)
		fail(errno, std::string("open ") + path);

	timerx_ring_params p{};
	p.entries = opts.ring_entries;
	if (::ioctl(fd.fd, TIMERX_IOC_SETUP_RING, &p) < 0)
		fail(errno, "TIMERX_IOC_SETUP_RING (" + std::to_string(opts.ring_entries) +
				    " entries) on " + path);
	/* The kernel does not change `entries`; make sure of what we rely on. */
	p.entries = opts.ring_entries;
	if (p.mmap_len == 0 || p.mmap_len > std::numeric_limits<std::size_t>::max())
		fail(EPROTO,
		     "TIMERX_IOC_SETUP_RING reported mmap_len " + std::to_string(p.mmap_len));

	const auto len = static_cast<std::size_t>(p.mmap_len);
	void *map = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd,
			   static_cast<off_t>(TIMERX_MMAP_OFF_RING));
	if (map == MAP_FAILED)
		fail(errno, "mmap of the ring (" + std::to_string(len) + " bytes)");

	RingView view;
	const int ret = make_ring_view(map, len, p, view);
	if (ret < 0) {
		::munmap(map, len);
		fail(-ret, "unexpected ring layout (event_size " + std::to_string(p.event_size) +
				   ", events_offset " + std::to_string(p.events_offset) + ")");
	}

	fd_ = fd.release();
	map_ = map;
	map_len_ = len;
	params_ = p;
	view_ = view;
}

Context::~Context()
{
	close();
}

Context::Context(Context &&other) noexcept
	: fd_(std::exchange(other.fd_, -1)), map_(std::exchange(other.map_, nullptr)),
	  map_len_(std::exchange(other.map_len_, 0)), params_(std::exchange(other.params_, {})),
	  view_(std::exchange(other.view_, {}))
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
}

} // namespace timerx
