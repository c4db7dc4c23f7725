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

Result<Control> Control::open(const ControlOptions &opts) noexcept
{
	try {
		auto sock = std::make_unique<detail::NetlinkSocket>(opts);
		int ret = sock->sock.open(true);
		if (ret == 0)
			ret = sock->session.resolve(TIMERX_GENL_NAME, TIMERX_GENL_MCGRP_MONITOR,
						    sock->family);
		if (ret < 0)
			return Error{ret};
		sock->session.set_family(sock->family.id);
		Control c;
		c.sock_ = std::move(sock);
		c.opts_ = opts;
		return c;
	} catch (const std::bad_alloc &) {
		return Error{ENOMEM};
	}
}

namespace {

/*
 * Every request: EBADF without a socket, ENOMEM when an allocation
 * fails, and the extack message of a failure kept for
 * last_error_message(). @request fills a T through NlSession's
 * out-parameter.
 */
template <class T, class F>
Result<T> call(const std::unique_ptr<detail::NetlinkSocket> &sock, std::string &errmsg,
	       F &&request) noexcept
{
	if (!sock)
		return Error{EBADF};
	try {
		T out{};
		const int ret = request(sock->session, out);
		errmsg = sock->session.error_message();
		if (ret < 0)
			return Error{ret};
		return out;
	} catch (const std::bad_alloc &) {
		return Error{ENOMEM};
	}
}

} // namespace

Result<Stats> Control::stats() noexcept
{
	return call<Stats>(sock_, errmsg_,
			   [&](detail::NlSession &s, Stats &out) { return s.stats(out); });
}

Result<std::vector<ContextStatus>> Control::contexts() noexcept
{
	return call<std::vector<ContextStatus>>(
		sock_, errmsg_, [&](detail::NlSession &s, std::vector<ContextStatus> &out) {
			return s.contexts(out);
		});
}

Result<ContextStatus> Control::context(std::uint32_t ctx_id) noexcept
{
	return call<ContextStatus>(sock_, errmsg_, [&](detail::NlSession &s, ContextStatus &out) {
		return s.context(ctx_id, out);
	});
}

Result<std::vector<TimerStatus>> Control::timers(std::optional<std::uint32_t> ctx_id) noexcept
{
	return call<std::vector<TimerStatus>>(
		sock_, errmsg_, [&](detail::NlSession &s, std::vector<TimerStatus> &out) {
			return s.timers(out, ctx_id);
		});
}

Result<TimerStatus> Control::timer(std::uint32_t ctx_id, std::uint32_t timer_id) noexcept
{
	return call<TimerStatus>(sock_, errmsg_, [&](detail::NlSession &s, TimerStatus &out) {
		return s.timer(ctx_id, timer_id, out);
	});
}

Result<Config> Control::config() noexcept
{
	return call<Config>(sock_, errmsg_,
			    [&](detail::NlSession &s, Config &out) { return s.config(out); });
}

Result<Config> Control::set_config(const Config &changes) noexcept
{
	return call<Config>(sock_, errmsg_, [&](detail::NlSession &s, Config &out) {
		return s.set_config(changes, &out);
	});
}

} // namespace timerx
