// SPDX-License-Identifier: MIT
#include <timerx/wait.hpp>

#include <poll.h>

#include <cerrno>
#include <ctime>

namespace timerx {

Result<void> poll_fd(int fd, Timeout timeout) noexcept
{
	pollfd pfd{};
	pfd.fd = fd;
	pfd.events = POLLIN;
	const timespec ts = detail::to_timespec(timeout);
	const int ret = ::ppoll(&pfd, 1, timeout == forever ? nullptr : &ts, nullptr);
	if (ret < 0)
		return Error{errno};
	if (ret == 0)
		return Error{ETIMEDOUT};
	if (pfd.revents & POLLNVAL)
		return Error{EBADF};
	return {};
}

} // namespace timerx
