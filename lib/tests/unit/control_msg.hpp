/* SPDX-License-Identifier: MIT */
/*
 * Hand-built netlink messages for the control-plane unit tests, made with
 * libmnl the way the kernel lays them out (attributes padded to 4 bytes,
 * nests flagged NLA_F_NESTED), plus raw escapes for malformed ones.
 */
#ifndef TIMERX_TESTS_CONTROL_MSG_HPP
#define TIMERX_TESTS_CONTROL_MSG_HPP

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/timerx.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace ctltest {

/* The family id the tests pretend the kernel gave "timerx". */
inline constexpr std::uint16_t family = 0x1d;
inline constexpr std::uint32_t portid = 4242;

/* One message under construction. */
class Msg {
public:
	/* A genl data message of @type (a family id) with @cmd. */
	Msg(std::uint16_t type, std::uint8_t cmd, std::uint32_t seq = 0, std::uint16_t flags = 0,
	    std::uint32_t pid = 0)
	{
		nlh_ = mnl_nlmsg_put_header(buf_.data());
		nlh_->nlmsg_type = type;
		nlh_->nlmsg_flags = flags;
		nlh_->nlmsg_seq = seq;
		nlh_->nlmsg_pid = pid;
		auto *g = static_cast<genlmsghdr *>(
			mnl_nlmsg_put_extra_header(nlh_, sizeof(genlmsghdr)));
		g->cmd = cmd;
		g->version = TIMERX_GENL_VERSION;
	}

	/* A control message (NLMSG_ERROR, NLMSG_DONE, ...) with a raw payload. */
	static Msg control(std::uint16_t type, const void *payload, std::size_t len,
			   std::uint32_t seq = 0, std::uint16_t flags = 0, std::uint32_t pid = 0)
	{
		Msg m;
		m.nlh_ = mnl_nlmsg_put_header(m.buf_.data());
		m.nlh_->nlmsg_type = type;
		m.nlh_->nlmsg_flags = flags;
		m.nlh_->nlmsg_seq = seq;
		m.nlh_->nlmsg_pid = pid;
		if (len > 0)
			std::memcpy(mnl_nlmsg_put_extra_header(m.nlh_, len), payload, len);
		return m;
	}

	Msg(Msg &&) noexcept = default;
	Msg &operator=(Msg &&) noexcept = default;
	Msg(const Msg &) = delete;
	Msg &operator=(const Msg &) = delete;

	Msg &u8(std::uint16_t type, std::uint8_t v)
	{
		mnl_attr_put_u8(nlh_, type, v);
		return *this;
	}
	Msg &u16(std::uint16_t type, std::uint16_t v)
	{
		mnl_attr_put_u16(nlh_, type, v);
		return *this;
	}
	Msg &u32(std::uint16_t type, std::uint32_t v)
	{
		mnl_attr_put_u32(nlh_, type, v);
		return *this;
	}
	Msg &u64(std::uint16_t type, std::uint64_t v)
	{
		mnl_attr_put_u64(nlh_, type, v);
		return *this;
	}
	Msg &str(std::uint16_t type, const char *s)
	{
		mnl_attr_put_strz(nlh_, type, s);
		return *this;
	}
	Msg &raw(std::uint16_t type, const void *data, std::size_t len)
	{
		mnl_attr_put(nlh_, type, len, data);
		return *this;
	}
	Msg &nest(std::uint16_t type)
	{
		nests_.push_back(mnl_attr_nest_start(nlh_, type));
		return *this;
	}
	Msg &end()
	{
		mnl_attr_nest_end(nlh_, nests_.back());
		nests_.pop_back();
		return *this;
	}
	/* Appends raw bytes to the message (for broken framing). */
	Msg &bytes(const void *data, std::size_t len)
	{
		std::memcpy(mnl_nlmsg_get_payload_tail(nlh_), data, len);
		nlh_->nlmsg_len += static_cast<std::uint32_t>(len);
		return *this;
	}
	Msg &flags(std::uint16_t f)
	{
		nlh_->nlmsg_flags = f;
		return *this;
	}

	[[nodiscard]] nlmsghdr *nlh() const { return nlh_; }
	[[nodiscard]] std::size_t len() const { return nlh_->nlmsg_len; }
	[[nodiscard]] std::vector<char> wire() const
	{
		const char *p = buf_.data();
		return {p, p + MNL_ALIGN(nlh_->nlmsg_len)};
	}

private:
	Msg() = default;

	/* Heap memory: its address survives moves, so nlh_ stays valid. */
	std::vector<char> buf_ = std::vector<char>(16384);
	nlmsghdr *nlh_ = nullptr;
	std::vector<nlattr *> nests_;
};

/* Several messages in one datagram. */
inline std::vector<char> datagram(std::initializer_list<const Msg *> msgs)
{
	std::vector<char> out;
	for (const Msg *m : msgs) {
		const std::vector<char> w = m->wire();
		out.insert(out.end(), w.begin(), w.end());
	}
	return out;
}

/* NLMSG_ERROR for a request, with NETLINK_CAP_ACK's layout and an optional extack message. */
inline Msg error_msg(int err, std::uint32_t seq, std::uint32_t pid, const char *extack = nullptr)
{
	nlmsgerr e{};
	e.error = err;
	e.msg.nlmsg_len = sizeof(nlmsghdr) + GENL_HDRLEN;
	e.msg.nlmsg_seq = seq;
	e.msg.nlmsg_pid = pid;
	std::uint16_t flags = NLM_F_CAPPED;
	if (extack != nullptr)
		flags |= NLM_F_ACK_TLVS;
	Msg m = Msg::control(NLMSG_ERROR, &e, sizeof(e), seq, flags, pid);
	if (extack != nullptr)
		m.str(NLMSGERR_ATTR_MSG, extack);
	return m;
}

inline Msg done_msg(int err, std::uint32_t seq, std::uint32_t pid, const char *extack = nullptr)
{
	Msg m = Msg::control(
		NLMSG_DONE, &err, sizeof(err), seq,
		static_cast<std::uint16_t>(NLM_F_MULTI | (extack != nullptr ? NLM_F_ACK_TLVS : 0)),
		pid);
	if (extack != nullptr)
		m.str(NLMSGERR_ATTR_MSG, extack);
	return m;
}

/* The attributes of a request, in order: (type with flags, payload bytes). */
struct Attr {
	std::uint16_t type;
	std::vector<unsigned char> payload;
};

inline std::vector<Attr> attrs_of(const void *start, std::size_t len)
{
	std::vector<Attr> out;
	const char *p = static_cast<const char *>(start);
	std::size_t off = 0;
	while (off + sizeof(nlattr) <= len) {
		const auto *a = reinterpret_cast<const nlattr *>(p + off);
		const auto *d = reinterpret_cast<const unsigned char *>(mnl_attr_get_payload(a));
		out.push_back({a->nla_type, {d, d + mnl_attr_get_payload_len(a)}});
		off += MNL_ALIGN(a->nla_len);
	}
	return out;
}

inline std::vector<unsigned char> le32(std::uint32_t v)
{
	std::vector<unsigned char> b(4);
	std::memcpy(b.data(), &v, 4);
	return b;
}

inline std::vector<unsigned char> le64(std::uint64_t v)
{
	std::vector<unsigned char> b(8);
	std::memcpy(b.data(), &v, 8);
	return b;
}

} // namespace ctltest

#endif /* TIMERX_TESTS_CONTROL_MSG_HPP */
