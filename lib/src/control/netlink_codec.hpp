/* SPDX-License-Identifier: MIT */
/*
 * The "timerx" generic netlink family on the wire: building requests and
 * parsing replies and notifications, with no socket. Private to
 * libtimerx; the host unit tests call it directly with hand-built
 * messages.
 *
 * Parsing is strict about form and lenient about content: every attribute
 * this library knows is checked (type, exact length, nests, the bucket
 * array) and anything malformed is -EPROTO; attributes it does not know
 * (a newer module) are skipped, and so are absent optional ones.
 */
#ifndef TIMERX_SRC_NETLINK_CODEC_HPP
#define TIMERX_SRC_NETLINK_CODEC_HPP

#include <timerx/control.hpp>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace timerx::detail::nl {

/*
 * Receive buffer: the kernel sizes dump skbs by the largest recvmsg()
 * buffer seen, capped at 32 KiB (libmnl >= 1.0.5 calls that
 * MNL_SOCKET_DUMP_SIZE); twice that leaves room for any single message.
 */
inline constexpr std::size_t recv_buffer_size = 65536;
/* Every request fits: a header and at most a few attributes. */
inline constexpr std::size_t request_buffer_size = 512;

/* What CTRL_CMD_GETFAMILY told about a family. */
struct FamilyInfo {
	std::uint16_t id = 0;
	std::uint32_t version = 0;
	std::optional<std::uint32_t> monitor_group; /* TIMERX_GENL_MCGRP_MONITOR */
};

/* ------------------------------------------------------------ requests */
/*
 * Each builds one request into @buf (request_buffer_size bytes) and
 * returns it; nlmsg_len is its length. Single requests ask for an ACK so
 * that the end of the exchange is explicit; dumps end with NLMSG_DONE.
 */
nlmsghdr *build_get_family(void *buf, std::uint32_t seq, const char *name);
nlmsghdr *build_stats_get(void *buf, std::uint16_t family, std::uint32_t seq);
/* CTX_GET: do with @ctx_id, dump without. */
nlmsghdr *build_ctx_get(void *buf, std::uint16_t family, std::uint32_t seq,
			std::optional<std::uint32_t> ctx_id);
/* TIMER_GET do: one timer. */
nlmsghdr *build_timer_get(void *buf, std::uint16_t family, std::uint32_t seq,
			  std::uint32_t ctx_id, std::uint32_t timer_id);
/* TIMER_GET dump: the timers of @ctx_id, or of every visible context. */
nlmsghdr *build_timer_dump(void *buf, std::uint16_t family, std::uint32_t seq,
			   std::optional<std::uint32_t> ctx_id);
nlmsghdr *build_config_get(void *buf, std::uint16_t family, std::uint32_t seq);
/* CONFIG_SET with the engaged settings of @changes in one CONFIG nest. */
nlmsghdr *build_config_set(void *buf, std::uint16_t family, std::uint32_t seq,
			   const Config &changes);

/* ------------------------------------------------------------ replies */
/*
 * One data message each (genlmsghdr + attributes). 0, or -EPROTO when the
 * message does not parse or lacks its identifying attributes.
 */
int parse_family(const nlmsghdr *nlh, const char *group, FamilyInfo &out);
int parse_context(const nlmsghdr *nlh, ContextStatus &out);
int parse_timer(const nlmsghdr *nlh, TimerStatus &out);
int parse_stats(const nlmsghdr *nlh, Stats &out);
int parse_config(const nlmsghdr *nlh, Config &out);
/* A TIMERX_NL_A_LATENESS nest. */
int parse_histogram(const nlattr *nest, Histogram &out);
/*
 * A monitor-group message: 1 and @out filled, 0 for a command this
 * library does not know (skip it), -EPROTO.
 */
int parse_notification(const nlmsghdr *nlh, Notification &out);

/*
 * The extack message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or NLMSG_DONE
 * message, or "" when there is none or it does not parse: the errno is
 * what matters, the message only explains it.
 */
std::string extack_message(const nlmsghdr *nlh);

/* genlmsghdr.cmd of a data message, or -EPROTO if it has no genl header. */
int genl_cmd(const nlmsghdr *nlh);

/*
 * The replies to one request, fed one datagram at a time.
 *
 * Checks what libmnl's mnl_cb_run2() checks (sequence number and port id
 * of every message) plus that the messages fill the datagram exactly, that
 * data messages are of @family with the expected command, and for a
 * single request that exactly one reply precedes the ACK. Data messages go
 * to @on_message. NLMSG_ERROR and the errno of NLMSG_DONE end the
 * exchange with -errno and the extack message.
 *
 * A dump whose messages carry NLM_F_DUMP_INTR is not parsed any further:
 * the rest of it is read and dropped until it ends, then feed() returns
 * interrupted so that the caller restarts it.
 */
class ReplyStream {
public:
	enum Status : int { done = 0, more = 1, interrupted = 2 };
	using MessageFn = std::function<int(const nlmsghdr *)>;

	ReplyStream(std::uint32_t seq, std::uint32_t portid, std::uint16_t family,
		    std::uint8_t cmd, bool dump, MessageFn on_message);

	/* done, more (feed the next datagram), interrupted, or -errno. */
	int feed(const void *buf, std::size_t len);

	/* The extack message of the error that ended the exchange. */
	[[nodiscard]] const std::string &error_message() const noexcept { return errmsg_; }
	[[nodiscard]] std::size_t messages() const noexcept { return messages_; }

private:
	int fail(int err);
	int on_data(const nlmsghdr *nlh);
	int on_error(const nlmsghdr *nlh);
	int on_done(const nlmsghdr *nlh);
	static int data_cb(const nlmsghdr *nlh, void *self);
	static int error_cb(const nlmsghdr *nlh, void *self);
	static int done_cb(const nlmsghdr *nlh, void *self);
	static int noop_cb(const nlmsghdr *nlh, void *self);

	std::uint32_t seq_;
	std::uint32_t portid_;
	std::uint16_t family_;
	std::uint8_t cmd_;
	bool dump_;
	MessageFn on_message_;
	bool interrupted_ = false;
	bool finished_ = false;
	int result_ = 0;
	std::size_t messages_ = 0;
	std::string errmsg_;
};

/*
 * The notifications in one datagram of the monitor socket, appended to
 * @out. Messages of other families and unknown commands are skipped.
 * 0, or -EPROTO if any message did not parse (the others are still
 * appended).
 */
int parse_notifications(const void *buf, std::size_t len, std::uint16_t family,
			std::vector<Notification> &out);

} // namespace timerx::detail::nl

#endif /* TIMERX_SRC_NETLINK_CODEC_HPP */
