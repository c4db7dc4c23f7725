// SPDX-License-Identifier: MIT
/*
 * Monitor: a socket of its own in the family's monitor group. One
 * datagram may carry several notifications; they are queued and handed
 * out one per next().
 */
#include "netlink_socket.hpp"

#include <timerx/control.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <new>
#include <utility>

namespace timerx {

namespace {

/*
 * Notifications come in bursts (a process opening many contexts): a
 * larger receive buffer makes -ENOBUFS rarer. The kernel caps it at
 * net.core.rmem_max; failing to get it is harmless.
 */
constexpr int monitor_rcvbuf = 1 << 20;

} // namespace

Monitor::Monitor() noexcept = default;
Monitor::~Monitor() = default;
Monitor::Monitor(Monitor &&) noexcept = default;
Monitor &Monitor::operator=(Monitor &&) noexcept = default;

Result<Monitor> Monitor::open() noexcept
{
	try {
		auto sock = std::make_unique<detail::NetlinkSocket>(ControlOptions{});
		int ret = sock->sock.open(true);
		if (ret == 0)
			ret = sock->session.resolve(TIMERX_GENL_NAME, TIMERX_GENL_MCGRP_MONITOR,
						    sock->family);
		if (ret < 0)
			return Error{ret};
		/* A family without the group is not the one <linux/timerx.h> describes. */
		if (!sock->family.monitor_group)
			return Error{EPROTO};
		ret = sock->sock.join(*sock->family.monitor_group);
		if (ret < 0)
			return Error{ret};
		(void)::setsockopt(sock->sock.fd(), SOL_SOCKET, SO_RCVBUF, &monitor_rcvbuf,
				   sizeof(monitor_rcvbuf));
		sock->rx.resize(detail::nl::recv_buffer_size);
		Monitor m;
		m.sock_ = std::move(sock);
		return m;
	} catch (const std::bad_alloc &) {
		return Error{ENOMEM};
	}
}

int Monitor::fd() const noexcept
{
	return sock_ ? sock_->sock.fd() : -1;
}

Result<Notification> Monitor::next(Timeout timeout) noexcept
{
	if (!sock_)
		return Error{EBADF};
	using clock = std::chrono::steady_clock;
	const bool no_timeout = timeout == forever;
	const auto deadline = clock::now() + (no_timeout ? clock::duration{} : timeout);
	try {
		for (;;) {
			if (next_queued_ < queued_.size()) {
				Notification out = std::move(queued_[next_queued_++]);
				if (next_queued_ == queued_.size()) {
					queued_.clear();
					next_queued_ = 0;
				}
				return out;
			}
			const int wait =
				no_timeout ? -1 : detail::timeout_ms(deadline - clock::now());
			const long n = sock_->sock.recv(sock_->rx.data(), sock_->rx.size(), wait);
			if (n < 0)
				return Error{static_cast<int>(n)}; /* ENOBUFS: lost some; goes on */
			/* Well-formed ones are queued even when another one is not. */
			const int ret = detail::nl::parse_notifications(sock_->rx.data(),
									static_cast<std::size_t>(n),
									sock_->family.id, queued_);
			if (ret < 0)
				return Error{ret};
			/* Nothing we know in it (another family's, a newer command): wait on. */
		}
	} catch (const std::bad_alloc &) {
		return Error{ENOMEM};
	}
}

} // namespace timerx
