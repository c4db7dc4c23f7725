// SPDX-License-Identifier: MIT
/*
 * MnlSocket: the NETLINK_GENERIC socket, through libmnl. Only system
 * calls here; what goes over it is netlink_codec's business.
 */
#include "netlink_socket.hpp"

#include <libmnl/libmnl.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

namespace timerx::detail {

MnlSocket::~MnlSocket()
{
	if (nl_ != nullptr)
		mnl_socket_close(nl_);
}

int MnlSocket::open(bool requests) noexcept
{
	if (nl_ != nullptr)
		return -EBUSY;
	nl_ = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (nl_ == nullptr)
		return -errno;
	if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	portid_ = mnl_socket_get_portid(nl_);
	if (requests) {
		int on = 1;
		for (int opt : {NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK})
			if (mnl_socket_setsockopt(nl_, opt, &on, sizeof(on)) < 0)
				return -errno;
	}
	return 0;
}

int MnlSocket::join(std::uint32_t group) noexcept
{
	if (mnl_socket_setsockopt(nl_, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return -errno;
	return 0;
}

int MnlSocket::fd() const noexcept
{
	return nl_ != nullptr ? mnl_socket_get_fd(nl_) : -1;
}

int MnlSocket::send(const void *buf, std::size_t len) noexcept
{
	const ssize_t n = mnl_socket_sendto(nl_, buf, len);
	if (n < 0)
		return -errno;
	return static_cast<std::size_t>(n) == len ? 0 : -EIO;
}

long MnlSocket::recv(void *buf, std::size_t len, int timeout_ms) noexcept
{
	using clock = std::chrono::steady_clock;
	const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			const auto left = std::chrono::ceil<std::chrono::milliseconds>(
				deadline - clock::now());
			wait = left.count() > 0 ? static_cast<int>(left.count()) : 0;
		}
		pollfd pfd{mnl_socket_get_fd(nl_), POLLIN, 0};
		const int ready = ::poll(&pfd, 1, wait);
		if (ready < 0)
			return -errno; /* -EINTR too: a Monitor's caller may want to see signals */
		if (ready == 0)
			return -ETIMEDOUT;

		sockaddr_nl from{};
		iovec iov{buf, len};
		msghdr msg{};
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		const ssize_t n = ::recvmsg(mnl_socket_get_fd(nl_), &msg, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -errno; /* -ENOBUFS: the socket overran, messages were lost */
		/* Only the kernel talks to us; anything else is dropped. */
		if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue;
		/* The buffer holds any datagram the kernel sends; a cut one is not ours to guess.
		 */
		if ((msg.msg_flags & MSG_TRUNC) != 0)
			return -EPROTO;
		return n;
	}
}

void MnlSocket::drain() noexcept
{
	/*
	 * Each receive also lets the kernel continue a dump left running;
	 * MSG_TRUNC discards a datagram whatever its size. Bounded, in case
	 * something keeps sending.
	 */
	char sink[16];
	for (int i = 0; i < 1000000; ++i) {
		const ssize_t n = ::recv(mnl_socket_get_fd(nl_), sink, sizeof(sink),
					 MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno != EINTR && errno != ENOBUFS)
			return;
	}
}

} // namespace timerx::detail
