/* SPDX-License-Identifier: MIT */
/*
 * The NETLINK_GENERIC socket behind Control and Monitor (libmnl), and
 * detail::NetlinkSocket, which <timerx/control.hpp> only forward-declares.
 */
#ifndef TIMERX_SRC_NETLINK_SOCKET_HPP
#define TIMERX_SRC_NETLINK_SOCKET_HPP

#include "netlink_codec.hpp"
#include "netlink_session.hpp"

#include <timerx/control.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

struct mnl_socket;

namespace timerx::detail {

class MnlSocket final : public NlTransport {
public:
	MnlSocket() = default;
	~MnlSocket() override;

	/*
	 * Opens and binds a NETLINK_GENERIC socket (close-on-exec). For
	 * requests (@requests) it asks for extack messages without the echoed
	 * request (NETLINK_EXT_ACK, NETLINK_CAP_ACK) and for strict checking
	 * of dump requests (NETLINK_GET_STRICT_CHK). 0 or -errno.
	 */
	int open(bool requests) noexcept;
	/* NETLINK_ADD_MEMBERSHIP: 0 or -errno (-EPERM: not allowed to listen). */
	int join(std::uint32_t group) noexcept;
	[[nodiscard]] int fd() const noexcept;

	int send(const void *buf, std::size_t len) noexcept override;
	long recv(void *buf, std::size_t len, int timeout_ms) noexcept override;
	void drain() noexcept override;
	[[nodiscard]] std::uint32_t portid() const noexcept override { return portid_; }

private:
	mnl_socket *nl_ = nullptr;
	std::uint32_t portid_ = 0;
};

struct NetlinkSocket {
	explicit NetlinkSocket(const ControlOptions &opts) : session(sock, opts) {}

	MnlSocket sock;
	NlSession session;
	nl::FamilyInfo family;
	std::vector<char> rx; /* a Monitor's datagrams (a Control's are the session's) */
};

} // namespace timerx::detail

#endif /* TIMERX_SRC_NETLINK_SOCKET_HPP */
