/* SPDX-License-Identifier: MIT */
/*
 * Round trips with the "timerx" family over a transport: one request,
 * its replies read to the end, dumps restarted when the kernel marks them
 * interrupted. The transport is the libmnl socket (netlink_socket.hpp) or,
 * in the unit tests, a fake that answers with hand-built messages, so
 * everything but the system calls is tested on the host.
 */
#ifndef TIMERX_SRC_NETLINK_SESSION_HPP
#define TIMERX_SRC_NETLINK_SESSION_HPP

#include "netlink_codec.hpp"

#include <timerx/control.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace timerx::detail {

/* Where requests go and replies come from. */
class NlTransport {
public:
	NlTransport() = default;
	NlTransport(const NlTransport &) = delete;
	NlTransport &operator=(const NlTransport &) = delete;
	virtual ~NlTransport() = default;

	/* Sends one request: 0 or -errno. */
	virtual int send(const void *buf, std::size_t len) noexcept = 0;
	/*
	 * One datagram into @buf: its length, -ETIMEDOUT when nothing came
	 * for @timeout_ms (< 0: wait forever), -EINTR on a signal, or -errno.
	 */
	virtual long recv(void *buf, std::size_t len, int timeout_ms) noexcept = 0;
	/*
	 * Throws away whatever is queued: the rest of an exchange that was
	 * abandoned (an error or timeout midway). A dump left running would
	 * make the next one fail with EBUSY.
	 */
	virtual void drain() noexcept {}
	/* Our netlink port id: replies are addressed to it. */
	[[nodiscard]] virtual std::uint32_t portid() const noexcept = 0;
};

class NlSession {
public:
	NlSession(NlTransport &transport, const ControlOptions &opts);

	/* CTRL_CMD_GETFAMILY: -ENOENT when no such family is registered. */
	int resolve(const char *name, const char *group, nl::FamilyInfo &out);
	void set_family(std::uint16_t id) noexcept { family_ = id; }
	[[nodiscard]] std::uint16_t family() const noexcept { return family_; }

	/* As Control's; @out is only written on success. */
	int stats(Stats &out);
	int contexts(std::vector<ContextStatus> &out);
	int context(std::uint32_t ctx_id, ContextStatus &out);
	int timers(std::vector<TimerStatus> &out, std::optional<std::uint32_t> ctx_id);
	int timer(std::uint32_t ctx_id, std::uint32_t timer_id, TimerStatus &out);
	int config(Config &out);
	int set_config(const Config &changes, Config *result);

	/* The extack message of the last failed request, or "". */
	[[nodiscard]] const std::string &error_message() const noexcept { return errmsg_; }
	/* Requests sent so far (restarts of interrupted dumps included). */
	[[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }

private:
	using Build = std::function<nlmsghdr *(void *buf, std::uint32_t seq)>;

	/*
	 * Sends what @build makes and feeds the replies to @on_message.
	 * @reset runs before every attempt: a restarted dump starts over.
	 */
	int run(const Build &build, std::uint16_t type, std::uint8_t reply_cmd, bool dump,
		const nl::ReplyStream::MessageFn &on_message, const std::function<void()> &reset);
	int once(const Build &build, std::uint16_t type, std::uint8_t reply_cmd, bool dump,
		 const nl::ReplyStream::MessageFn &on_message);
	std::uint32_t next_seq() noexcept;

	NlTransport &transport_;
	ControlOptions opts_;
	std::uint16_t family_ = 0;
	std::uint32_t seq_;
	std::uint64_t requests_ = 0;
	std::vector<char> rx_;
	std::string errmsg_;
};

} // namespace timerx::detail

#endif /* TIMERX_SRC_NETLINK_SESSION_HPP */
