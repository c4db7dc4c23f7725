// SPDX-License-Identifier: MIT
/*
 * Control: a NETLINK_GENERIC socket bound to the "timerx" family. The
 * requests themselves are NlSession's (netlink_session.hpp).
 */
#include "netlink_socket.hpp"

#include <timerx/control.hpp>

#include <cerrno>
#include <new>
#include <utility>

namespace timerx {

Control::Control() noexcept = default;
Control::~Control() = default;
Control::Control(Control &&) noexcept = default;
Control &Control::operator=(Control &&) noexcept = default;

int Control::open(Control &out, const ControlOptions &opts) noexcept
{
	try {
		auto sock = std::make_unique<detail::NetlinkSocket>(opts);
		int ret = sock->sock.open(true);
		if (ret == 0)
			ret = sock->session.resolve(TIMERX_GENL_NAME, TIMERX_GENL_MCGRP_MONITOR,
						    sock->family);
		if (ret < 0)
			return ret;
		sock->session.set_family(sock->family.id);
		out.sock_ = std::move(sock);
		out.opts_ = opts;
		out.errmsg_.clear();
		return 0;
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
}

namespace {

/*
 * Every request: -EBADF without a socket, and the extack message of a
 * failure kept for last_error_message().
 */
template <class F>
int call(const std::unique_ptr<detail::NetlinkSocket> &sock, std::string &errmsg, F &&request)
{
	if (!sock)
		return -EBADF;
	const int ret = request(sock->session);
	errmsg = sock->session.error_message();
	return ret;
}

} // namespace

int Control::stats(Stats &out)
{
	return call(sock_, errmsg_, [&](detail::NlSession &s) { return s.stats(out); });
}

int Control::contexts(std::vector<ContextStatus> &out)
{
	return call(sock_, errmsg_, [&](detail::NlSession &s) { return s.contexts(out); });
}

int Control::context(std::uint32_t ctx_id, ContextStatus &out)
{
	return call(sock_, errmsg_, [&](detail::NlSession &s) { return s.context(ctx_id, out); });
}

int Control::timers(std::vector<TimerStatus> &out, std::optional<std::uint32_t> ctx_id)
{
	return call(sock_, errmsg_, [&](detail::NlSession &s) { return s.timers(out, ctx_id); });
}

int Control::timer(std::uint32_t ctx_id, std::uint32_t timer_id, TimerStatus &out)
{
	return call(sock_, errmsg_,
		    [&](detail::NlSession &s) { return s.timer(ctx_id, timer_id, out); });
}

int Control::config(Config &out)
{
	return call(sock_, errmsg_, [&](detail::NlSession &s) { return s.config(out); });
}

int Control::set_config(const Config &changes, Config *result)
{
	return call(sock_, errmsg_,
		    [&](detail::NlSession &s) { return s.set_config(changes, result); });
}

} // namespace timerx
