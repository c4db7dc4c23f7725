// SPDX-License-Identifier: MIT
#include <timerx/wait.hpp>

#include <poll.h>

#include <cerrno>
#include <ctime>

namespace timerx {

int poll_fd(int fd, std::chrono::nanoseconds timeout) noexcept
{
	pollfd pfd{};
	pfd.fd = fd;
	pfd.events = POLLIN;
	timespec ts{};
	const timespec *tsp = nullptr;
	if (timeout.count() >= 0) {
		ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
		ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
		tsp = &ts;
	}
	const int ret = ::ppoll(&pfd, 1, tsp, nullptr);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	return 1;
}

} // namespace timerx
