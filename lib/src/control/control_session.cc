// SPDX-License-Identifier: MIT
/*
 * NlSession: request, replies to the end, restart of interrupted dumps.
 */
#include "netlink_session.hpp"

#include <linux/timerx.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <utility>

namespace timerx::detail {

NlSession::NlSession(NlTransport &transport, const ControlOptions &opts)
	: transport_(transport), opts_(opts),
	  /* Like libmnl's examples: unlikely to match a stale reply of an earlier process. */
	  seq_(static_cast<std::uint32_t>(std::time(nullptr))), rx_(nl::recv_buffer_size)
{}

std::uint32_t NlSession::next_seq() noexcept
{
	/* 0 would turn libmnl's sequence check off. */
	if (++seq_ == 0)
		++seq_;
	return seq_;
}

int NlSession::once(const Build &build, std::uint16_t type, std::uint8_t reply_cmd, bool dump,
		    const nl::ReplyStream::MessageFn &on_message)
{
	alignas(nlmsghdr) char req[nl::request_buffer_size];
	const std::uint32_t seq = next_seq();
	const nlmsghdr *nlh = build(req, seq);

	transport_.drain();
	++requests_;
	int ret = transport_.send(nlh, nlh->nlmsg_len);
	if (ret < 0)
		return ret;

	nl::ReplyStream replies(seq, transport_.portid(), type, reply_cmd, dump, on_message);
	using clock = std::chrono::steady_clock;
	const bool no_timeout = opts_.timeout == forever;
	const auto deadline = clock::now() + (no_timeout ? clock::duration{} : opts_.timeout);
	for (;;) {
		const int timeout = no_timeout ? -1 : detail::timeout_ms(deadline - clock::now());
		const long n = transport_.recv(rx_.data(), rx_.size(), timeout);
		if (n == -EINTR)
			continue; /* the deadline still holds */
		if (n < 0)
			return static_cast<int>(n);
		ret = replies.feed(rx_.data(), static_cast<std::size_t>(n));
		if (ret == nl::ReplyStream::more)
			continue;
		if (ret < 0)
			errmsg_ = replies.error_message();
		return ret;
	}
}

int NlSession::run(const Build &build, std::uint16_t type, std::uint8_t reply_cmd, bool dump,
		   const nl::ReplyStream::MessageFn &on_message, const std::function<void()> &reset)
{
	errmsg_.clear();
	for (unsigned attempt = 0; attempt <= opts_.dump_retries; ++attempt) {
		reset();
		const int ret = once(build, type, reply_cmd, dump, on_message);
		if (ret != nl::ReplyStream::interrupted)
			return ret;
	}
	return -EAGAIN;
}

int NlSession::resolve(const char *name, const char *group, nl::FamilyInfo &out)
{
	nl::FamilyInfo info;
	const int ret = run(
		[&](void *buf, std::uint32_t seq) { return nl::build_get_family(buf, seq, name); },
		GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, false,
		[&](const nlmsghdr *nlh) { return nl::parse_family(nlh, group, info); }, [] {});
	if (ret == 0)
		out = info;
	return ret;
}

int NlSession::stats(Stats &out)
{
	Stats s;
	const int ret =
		run([&](void *buf,
			std::uint32_t seq) { return nl::build_stats_get(buf, family_, seq); },
		    family_, TIMERX_NL_CMD_STATS_GET, false,
		    [&](const nlmsghdr *nlh) { return nl::parse_stats(nlh, s); }, [] {});
	if (ret == 0)
		out = std::move(s);
	return ret;
}

int NlSession::contexts(std::vector<ContextStatus> &out)
{
	std::vector<ContextStatus> all;
	const int ret = run(
		[&](void *buf, std::uint32_t seq) {
			return nl::build_ctx_get(buf, family_, seq, std::nullopt);
		},
		family_, TIMERX_NL_CMD_CTX_GET, true,
		[&](const nlmsghdr *nlh) {
			ContextStatus c;
			const int r = nl::parse_context(nlh, c);
			if (r == 0)
				all.push_back(std::move(c));
			return r;
		},
		[&] { all.clear(); });
	if (ret == 0)
		out = std::move(all);
	return ret;
}

int NlSession::context(std::uint32_t ctx_id, ContextStatus &out)
{
	ContextStatus c;
	const int ret =
		run([&](void *buf,
			std::uint32_t seq) { return nl::build_ctx_get(buf, family_, seq, ctx_id); },
		    family_, TIMERX_NL_CMD_CTX_GET, false,
		    [&](const nlmsghdr *nlh) { return nl::parse_context(nlh, c); }, [] {});
	if (ret == 0)
		out = std::move(c);
	return ret;
}

int NlSession::timers(std::vector<TimerStatus> &out, std::optional<std::uint32_t> ctx_id)
{
	std::vector<TimerStatus> all;
	const int ret = run(
		[&](void *buf, std::uint32_t seq) {
			return nl::build_timer_dump(buf, family_, seq, ctx_id);
		},
		family_, TIMERX_NL_CMD_TIMER_GET, true,
		[&](const nlmsghdr *nlh) {
			TimerStatus t;
			const int r = nl::parse_timer(nlh, t);
			if (r == 0)
				all.push_back(std::move(t));
			return r;
		},
		[&] { all.clear(); });
	if (ret == 0)
		out = std::move(all);
	return ret;
}

int NlSession::timer(std::uint32_t ctx_id, std::uint32_t timer_id, TimerStatus &out)
{
	TimerStatus t;
	const int ret = run(
		[&](void *buf, std::uint32_t seq) {
			return nl::build_timer_get(buf, family_, seq, ctx_id, timer_id);
		},
		family_, TIMERX_NL_CMD_TIMER_GET, false,
		[&](const nlmsghdr *nlh) { return nl::parse_timer(nlh, t); }, [] {});
	if (ret == 0)
		out = std::move(t);
	return ret;
}

int NlSession::config(Config &out)
{
	Config c;
	const int ret =
		run([&](void *buf,
			std::uint32_t seq) { return nl::build_config_get(buf, family_, seq); },
		    family_, TIMERX_NL_CMD_CONFIG_GET, false,
		    [&](const nlmsghdr *nlh) { return nl::parse_config(nlh, c); }, [] {});
	if (ret == 0)
		out = c;
	return ret;
}

int NlSession::set_config(const Config &changes, Config *result)
{
	Config c;
	const int ret = run(
		[&](void *buf, std::uint32_t seq) {
			return nl::build_config_set(buf, family_, seq, changes);
		},
		family_, TIMERX_NL_CMD_CONFIG_SET, false,
		[&](const nlmsghdr *nlh) { return nl::parse_config(nlh, c); }, [] {});
	if (ret == 0 && result != nullptr)
		*result = c;
	return ret;
}

} // namespace timerx::detail
