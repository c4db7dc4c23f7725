// SPDX-License-Identifier: MIT
/*
 * The exchange logic without a kernel: ReplyStream fed hand-built
 * datagrams (ACKs, errors with extack, dumps, NLM_F_DUMP_INTR, sequence
 * and port checks, broken framing), and NlSession over a fake transport
 * that answers each request (family resolution, errno and extack
 * propagation, dump restarts up to dump_retries, then -EAGAIN, timeouts).
 */
#include "control_msg.hpp"
#include "netlink_codec.hpp"
#include "netlink_session.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace ctltest;
namespace nl = timerx::detail::nl;
using timerx::detail::NlSession;
using timerx::detail::NlTransport;

constexpr std::uint32_t seq = 100;

/* A stream expecting replies of CTX_GET that records the ctx ids it was given. */
struct Collector {
	std::vector<std::uint32_t> ids;
	nl::ReplyStream stream(bool dump, std::uint8_t cmd = TIMERX_NL_CMD_CTX_GET)
	{
		return nl::ReplyStream(seq, portid, family, cmd, dump, [this](const nlmsghdr *nlh) {
			timerx::ContextStatus c;
			const int r = nl::parse_context(nlh, c);
			if (r == 0)
				ids.push_back(c.ctx_id);
			return r;
		});
	}
};

Msg ctx(std::uint32_t id, std::uint16_t flags = 0, std::uint32_t s = seq,
	std::uint32_t pid = portid)
{
	Msg m(family, TIMERX_NL_CMD_CTX_GET, s, flags, pid);
	m.u32(TIMERX_NL_A_CTX_ID, id);
	return m;
}

int feed(nl::ReplyStream &rs, const std::vector<char> &dg)
{
	/* An exact-size heap copy: ASan catches reads past the datagram. */
	auto buf = std::make_unique<char[]>(dg.size() + 1);
	if (!dg.empty())
		std::memcpy(buf.get(), dg.data(), dg.size());
	return rs.feed(buf.get(), dg.size());
}

/* ------------------------------------------------------------ ReplyStream */

TEST(ReplyStream, DoReplyThenAck)
{
	Collector c;
	auto rs = c.stream(false);
	const Msg reply = ctx(7);
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, reply.wire()));
	const Msg ack = error_msg(0, seq, portid);
	EXPECT_EQ(nl::ReplyStream::done, feed(rs, ack.wire()));
	EXPECT_EQ(std::vector<std::uint32_t>{7}, c.ids);
	EXPECT_EQ("", rs.error_message());
	/* Finished: anything more is a protocol error. */
	EXPECT_EQ(-EPROTO, feed(rs, ack.wire()));
}

TEST(ReplyStream, DoReplyAndAckInOneDatagram)
{
	Collector c;
	auto rs = c.stream(false);
	const Msg reply = ctx(7);
	const Msg ack = error_msg(0, seq, portid);
	EXPECT_EQ(nl::ReplyStream::done, feed(rs, datagram({&reply, &ack})));
	EXPECT_EQ(1U, rs.messages());
}

TEST(ReplyStream, AckWithoutReplyIsEproto)
{
	Collector c;
	auto rs = c.stream(false);
	EXPECT_EQ(-EPROTO, feed(rs, error_msg(0, seq, portid).wire()));
}

TEST(ReplyStream, TwoRepliesToOneRequestIsEproto)
{
	Collector c;
	auto rs = c.stream(false);
	const Msg a = ctx(1);
	const Msg b = ctx(2);
	EXPECT_EQ(-EPROTO, feed(rs, datagram({&a, &b})));
}

TEST(ReplyStream, ErrorWithExtack)
{
	Collector c;
	auto rs = c.stream(false);
	const Msg err = error_msg(-EINVAL, seq, portid, "alarm_interval_ms out of range");
	EXPECT_EQ(-EINVAL, feed(rs, err.wire()));
	EXPECT_EQ("alarm_interval_ms out of range", rs.error_message());
}

TEST(ReplyStream, ErrorWithoutExtackAndPositiveErrno)
{
	Collector c;
	auto rs = c.stream(false);
	EXPECT_EQ(-ENOENT, feed(rs, error_msg(-ENOENT, seq, portid).wire()));
	EXPECT_EQ("", rs.error_message());
	auto rs2 = c.stream(false);
	EXPECT_EQ(-EPERM, feed(rs2, error_msg(EPERM, seq, portid).wire()));
}

TEST(ReplyStream, ShortErrorIsEproto)
{
	Collector c;
	auto rs = c.stream(false);
	const int e = -EINVAL;
	EXPECT_EQ(-EPROTO, feed(rs, Msg::control(NLMSG_ERROR, &e, sizeof(e), seq).wire()));
}

TEST(ReplyStream, DumpOverSeveralDatagrams)
{
	Collector c;
	auto rs = c.stream(true);
	const Msg a = ctx(1, NLM_F_MULTI);
	const Msg b = ctx(2, NLM_F_MULTI);
	const Msg d = ctx(3, NLM_F_MULTI);
	const Msg done = done_msg(0, seq, portid);
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, datagram({&a, &b})));
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, d.wire()));
	EXPECT_EQ(nl::ReplyStream::done, feed(rs, done.wire()));
	EXPECT_EQ((std::vector<std::uint32_t>{1, 2, 3}), c.ids);
}

TEST(ReplyStream, EmptyDump)
{
	Collector c;
	auto rs = c.stream(true);
	EXPECT_EQ(nl::ReplyStream::done, feed(rs, done_msg(0, seq, portid).wire()));
	EXPECT_TRUE(c.ids.empty());
}

TEST(ReplyStream, DumpEndingInErrorCarriesErrnoAndExtack)
{
	Collector c;
	auto rs = c.stream(true);
	const Msg a = ctx(1, NLM_F_MULTI);
	const Msg done = done_msg(-ENOENT, seq, portid, "no such context");
	EXPECT_EQ(-ENOENT, feed(rs, datagram({&a, &done})));
	EXPECT_EQ("no such context", rs.error_message());
	/* And one refused at the start, with NLMSG_ERROR. */
	auto rs2 = c.stream(true);
	EXPECT_EQ(-EINVAL, feed(rs2, error_msg(-EINVAL, seq, portid, "bad attr").wire()));
	EXPECT_EQ("bad attr", rs2.error_message());
}

TEST(ReplyStream, DoneOnADoRequestIsEproto)
{
	Collector c;
	auto rs = c.stream(false);
	EXPECT_EQ(-EPROTO, feed(rs, done_msg(0, seq, portid).wire()));
}

TEST(ReplyStream, InterruptedDumpIsReadToItsEnd)
{
	Collector c;
	auto rs = c.stream(true);
	const Msg a = ctx(1, NLM_F_MULTI);
	const Msg b = ctx(2, NLM_F_MULTI | NLM_F_DUMP_INTR);
	const Msg d = ctx(3, NLM_F_MULTI);
	const Msg done = done_msg(0, seq, portid);
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, a.wire()));
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, b.wire()));
	/* Not parsed any more, even when malformed: it is thrown away. */
	Msg junk = ctx(4, NLM_F_MULTI);
	junk.raw(TIMERX_NL_A_EVENTS, "x", 1);
	EXPECT_EQ(nl::ReplyStream::more, feed(rs, datagram({&d, &junk})));
	EXPECT_EQ(nl::ReplyStream::interrupted, feed(rs, done.wire()));
}

TEST(ReplyStream, InterruptionAndEndInOneDatagram)
{
	Collector c;
	auto rs = c.stream(true);
	const Msg a = ctx(1, NLM_F_MULTI | NLM_F_DUMP_INTR);
	Msg done = done_msg(0, seq, portid);
	done.flags(NLM_F_MULTI | NLM_F_DUMP_INTR);
	EXPECT_EQ(nl::ReplyStream::interrupted, feed(rs, datagram({&a, &done})));
	/* The flag on the DONE alone counts too. */
	auto rs2 = c.stream(true);
	const Msg b = ctx(1, NLM_F_MULTI);
	EXPECT_EQ(nl::ReplyStream::interrupted, feed(rs2, datagram({&b, &done})));
}

TEST(ReplyStream, SequenceAndPortChecked)
{
	Collector c;
	auto rs = c.stream(true);
	EXPECT_EQ(-EPROTO, feed(rs, ctx(1, NLM_F_MULTI, seq + 1).wire()));
	auto rs2 = c.stream(true);
	EXPECT_EQ(-EPROTO, feed(rs2, ctx(1, NLM_F_MULTI, seq, portid + 1).wire()));
	/* A stale message ahead of good ones poisons the datagram. */
	auto rs3 = c.stream(true);
	const Msg stale = ctx(1, NLM_F_MULTI, seq - 1);
	const Msg good = ctx(2, NLM_F_MULTI);
	EXPECT_EQ(-EPROTO, feed(rs3, datagram({&good, &stale})));
	EXPECT_EQ(-EPROTO, feed(rs3, good.wire())); /* finished */
}

TEST(ReplyStream, WrongFamilyOrCommandIsEproto)
{
	Collector c;
	auto rs = c.stream(false);
	Msg other(family + 1, TIMERX_NL_CMD_CTX_GET, seq, 0, portid);
	other.u32(TIMERX_NL_A_CTX_ID, 1);
	EXPECT_EQ(-EPROTO, feed(rs, other.wire()));
	auto rs2 = c.stream(false);
	Msg cmd(family, TIMERX_NL_CMD_TIMER_GET, seq, 0, portid);
	cmd.u32(TIMERX_NL_A_CTX_ID, 1);
	EXPECT_EQ(-EPROTO, feed(rs2, cmd.wire()));
	auto rs3 = c.stream(false);
	const Msg bare = Msg::control(family, nullptr, 0, seq, 0, portid);
	EXPECT_EQ(-EPROTO, feed(rs3, bare.wire()));
}

TEST(ReplyStream, MalformedReplyIsEproto)
{
	Collector c;
	auto rs = c.stream(true);
	Msg bad = ctx(1, NLM_F_MULTI);
	bad.raw(TIMERX_NL_A_OWNER_COMM, "abc", 3);
	EXPECT_EQ(-EPROTO, feed(rs, bad.wire()));
}

TEST(ReplyStream, BrokenFramingIsEproto)
{
	const Msg a = ctx(1, NLM_F_MULTI);
	const Msg done = done_msg(0, seq, portid);
	const auto whole = datagram({&a, &done});
	/* Every cut of the datagram except the one between the two messages. */
	for (std::size_t cut = 0; cut < whole.size(); ++cut) {
		Collector c;
		auto rs = c.stream(true);
		const std::vector<char> part(whole.begin(), whole.begin() + static_cast<long>(cut));
		const int ret = feed(rs, part);
		if (cut == a.wire().size())
			EXPECT_EQ(nl::ReplyStream::more, ret);
		else
			EXPECT_EQ(-EPROTO, ret) << "cut at " << cut;
	}
	/* A header claiming less than a header. */
	Collector c;
	auto rs = c.stream(true);
	auto dg = a.wire();
	reinterpret_cast<nlmsghdr *>(dg.data())->nlmsg_len = 4;
	EXPECT_EQ(-EPROTO, feed(rs, dg));
}

TEST(ReplyStream, NoopAndOverrunAreSkipped)
{
	Collector c;
	auto rs = c.stream(true);
	const Msg noop = Msg::control(NLMSG_NOOP, nullptr, 0, seq, 0, portid);
	const Msg overrun = Msg::control(NLMSG_OVERRUN, nullptr, 0, seq, 0, portid);
	const Msg a = ctx(5, NLM_F_MULTI);
	const Msg done = done_msg(0, seq, portid);
	EXPECT_EQ(nl::ReplyStream::done, feed(rs, datagram({&noop, &a, &overrun, &done})));
	EXPECT_EQ(std::vector<std::uint32_t>{5}, c.ids);
}

/* ------------------------------------------------------------ NlSession */

/*
 * Answers each request with what @respond returns (datagrams), queued for
 * recv(). Records the requests; counts drains.
 */
class FakeTransport final : public NlTransport {
public:
	using Respond = std::function<std::vector<std::vector<char>>(const nlmsghdr *req)>;

	int send(const void *buf, std::size_t len) noexcept override
	{
		const char *p = static_cast<const char *>(buf);
		sent.emplace_back(p, p + len);
		if (send_error != 0)
			return send_error;
		const auto *req = reinterpret_cast<const nlmsghdr *>(sent.back().data());
		EXPECT_EQ(len, req->nlmsg_len);
		for (auto &d : respond(req))
			queue.push_back(std::move(d));
		return 0;
	}

	long recv(void *buf, std::size_t len, int timeout_ms) noexcept override
	{
		last_timeout = timeout_ms;
		if (interrupts > 0) {
			--interrupts;
			return -EINTR;
		}
		if (queue.empty())
			return -ETIMEDOUT;
		std::vector<char> d = std::move(queue.front());
		queue.pop_front();
		if (d.size() > len)
			return -EMSGSIZE;
		std::memcpy(buf, d.data(), d.size());
		return static_cast<long>(d.size());
	}

	void drain() noexcept override
	{
		++drains;
		queue.clear();
	}

	[[nodiscard]] std::uint32_t portid() const noexcept override { return ctltest::portid; }

	Respond respond = [](const nlmsghdr *) { return std::vector<std::vector<char>>{}; };
	std::vector<std::vector<char>> sent;
	std::deque<std::vector<char>> queue;
	int send_error = 0;
	int interrupts = 0;
	int drains = 0;
	int last_timeout = 0;
};

const genlmsghdr *genl_of(const std::vector<char> &req)
{
	return static_cast<const genlmsghdr *>(
		mnl_nlmsg_get_payload(reinterpret_cast<const nlmsghdr *>(req.data())));
}

struct SessionTest : testing::Test {
	FakeTransport t;
	timerx::ControlOptions opts;
	std::unique_ptr<NlSession> s;

	void SetUp() override { make(); }
	void make()
	{
		s = std::make_unique<NlSession>(t, opts);
		s->set_family(family);
	}
};

/* A reply with the request's sequence number, to our port. */
template <class Fill>
std::vector<char> reply_to(const nlmsghdr *req, std::uint8_t cmd, Fill fill,
			   std::uint16_t flags = 0)
{
	Msg m(family, cmd, req->nlmsg_seq, flags, portid);
	fill(m);
	return m.wire();
}

std::vector<char> ack_of(const nlmsghdr *req, int err = 0, const char *extack = nullptr)
{
	return error_msg(err, req->nlmsg_seq, portid, extack).wire();
}

TEST_F(SessionTest, ResolveFamily)
{
	t.respond = [](const nlmsghdr *req) {
		Msg m(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, req->nlmsg_seq, 0, portid);
		m.u16(CTRL_ATTR_FAMILY_ID, 0x25)
			.str(CTRL_ATTR_FAMILY_NAME, "timerx")
			.u32(CTRL_ATTR_VERSION, 1)
			.nest(CTRL_ATTR_MCAST_GROUPS)
			.nest(1)
			.str(CTRL_ATTR_MCAST_GRP_NAME, "monitor")
			.u32(CTRL_ATTR_MCAST_GRP_ID, 9)
			.end()
			.end();
		return std::vector<std::vector<char>>{m.wire(), ack_of(req)};
	};
	nl::FamilyInfo f;
	ASSERT_EQ(0, s->resolve("timerx", "monitor", f));
	EXPECT_EQ(0x25, f.id);
	EXPECT_EQ(9U, f.monitor_group.value_or(0));
	ASSERT_EQ(1U, t.sent.size());
	const auto *req = reinterpret_cast<const nlmsghdr *>(t.sent[0].data());
	EXPECT_EQ(GENL_ID_CTRL, req->nlmsg_type);
	EXPECT_EQ(CTRL_CMD_GETFAMILY, genl_of(t.sent[0])->cmd);
}

TEST_F(SessionTest, MissingFamilyIsEnoent)
{
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{ack_of(req, -ENOENT)};
	};
	nl::FamilyInfo f;
	f.id = 77;
	EXPECT_EQ(-ENOENT, s->resolve("timerx", "monitor", f));
	EXPECT_EQ(77, f.id);
}

TEST_F(SessionTest, StatsRoundTrip)
{
	t.respond = [](const nlmsghdr *req) {
		EXPECT_EQ(family, req->nlmsg_type);
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_STATS_GET,
				 [](Msg &m) {
					 m.u32(TIMERX_NL_A_API_VERSION, TIMERX_API_VERSION)
						 .str(TIMERX_NL_A_MODULE_VERSION, "0.9");
				 }),
			ack_of(req)};
	};
	timerx::Stats st;
	ASSERT_EQ(0, s->stats(st));
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_API_VERSION), st.api_version);
	EXPECT_EQ("0.9", st.module_version);
	EXPECT_EQ(1, t.drains); /* before the request */
	/* The default round-trip timeout, less what has passed. */
	EXPECT_GT(t.last_timeout, 4000);
	EXPECT_LE(t.last_timeout, 5000);
}

TEST_F(SessionTest, SequenceNumbersAdvanceAndAreNeverZero)
{
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_CONFIG_GET,
				 [](Msg &m) { m.nest(TIMERX_NL_A_CONFIG).end(); }),
			ack_of(req)};
	};
	timerx::Config c;
	ASSERT_EQ(0, s->config(c));
	ASSERT_EQ(0, s->config(c));
	const auto *a = reinterpret_cast<const nlmsghdr *>(t.sent[0].data());
	const auto *b = reinterpret_cast<const nlmsghdr *>(t.sent[1].data());
	EXPECT_NE(0U, a->nlmsg_seq);
	EXPECT_EQ(a->nlmsg_seq + 1, b->nlmsg_seq);
}

TEST_F(SessionTest, ErrnoAndExtackReachTheCaller)
{
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			ack_of(req, -EINVAL, "max_ring_entries must be a power of two")};
	};
	timerx::Config want;
	want.max_ring_entries = 3;
	timerx::Config result;
	result.max_ring_entries = 42;
	EXPECT_EQ(-EINVAL, s->set_config(want, &result));
	EXPECT_EQ("max_ring_entries must be a power of two", s->error_message());
	EXPECT_EQ(42U, result.max_ring_entries.value_or(0)); /* untouched */

	/* The next request that succeeds clears the message. */
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_CONFIG_SET,
				 [](Msg &m) {
					 m.nest(TIMERX_NL_A_CONFIG)
						 .u32(TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 4)
						 .end();
				 }),
			ack_of(req)};
	};
	want.max_ring_entries = 4;
	EXPECT_EQ(0, s->set_config(want, &result));
	EXPECT_EQ("", s->error_message());
	EXPECT_EQ(4U, result.max_ring_entries.value_or(0));
	EXPECT_EQ(0, s->set_config(want, nullptr));
}

TEST_F(SessionTest, PermissionAndAbsence)
{
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{ack_of(req, -ENOENT)};
	};
	timerx::ContextStatus c;
	c.ctx_id = 5;
	EXPECT_EQ(-ENOENT, s->context(12345, c));
	EXPECT_EQ(5U, c.ctx_id);
	timerx::TimerStatus tm;
	EXPECT_EQ(-ENOENT, s->timer(1, 2, tm));
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{ack_of(req, -EPERM)};
	};
	EXPECT_EQ(-EPERM, s->set_config({}, nullptr));
}

/* A dump of @n contexts, @per messages per datagram, the first @intr attempts interrupted. */
FakeTransport::Respond dump_of(std::uint32_t n, std::size_t per, int &attempts, int intr)
{
	return [n, per, &attempts, intr](const nlmsghdr *req) {
		const bool interrupted = attempts++ < intr;
		std::vector<std::vector<char>> out;
		std::vector<char> dg;
		for (std::uint32_t i = 1; i <= n; ++i) {
			std::uint16_t flags = NLM_F_MULTI;
			/* The change happens in the middle of the dump. */
			if (interrupted && i == n / 2)
				flags |= NLM_F_DUMP_INTR;
			const Msg m = ctx(i, flags, req->nlmsg_seq);
			const auto w = m.wire();
			dg.insert(dg.end(), w.begin(), w.end());
			if (i % per == 0) {
				out.push_back(std::move(dg));
				dg.clear();
			}
		}
		const auto d = done_msg(0, req->nlmsg_seq, portid).wire();
		dg.insert(dg.end(), d.begin(), d.end());
		out.push_back(std::move(dg));
		return out;
	};
}

TEST_F(SessionTest, LargeDumpOverManyDatagrams)
{
	int attempts = 0;
	t.respond = dump_of(2500, 40, attempts, 0);
	std::vector<timerx::ContextStatus> all;
	ASSERT_EQ(0, s->contexts(all));
	ASSERT_EQ(2500U, all.size());
	for (std::uint32_t i = 0; i < 2500; ++i)
		ASSERT_EQ(i + 1, all[i].ctx_id);
	const auto *req = reinterpret_cast<const nlmsghdr *>(t.sent[0].data());
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_DUMP, req->nlmsg_flags);
}

TEST_F(SessionTest, InterruptedDumpIsRestarted)
{
	int attempts = 0;
	t.respond = dump_of(100, 7, attempts, 3);
	std::vector<timerx::ContextStatus> all;
	ASSERT_EQ(0, s->contexts(all));
	EXPECT_EQ(4, attempts);
	EXPECT_EQ(4U, s->requests());
	/* Only the last, complete dump: nothing twice. */
	ASSERT_EQ(100U, all.size());
	for (std::uint32_t i = 0; i < 100; ++i)
		ASSERT_EQ(i + 1, all[i].ctx_id);
	/* Each restart is a new request with a new sequence number. */
	ASSERT_EQ(4U, t.sent.size());
	for (std::size_t i = 1; i < t.sent.size(); ++i)
		EXPECT_NE(reinterpret_cast<const nlmsghdr *>(t.sent[i].data())->nlmsg_seq,
			  reinterpret_cast<const nlmsghdr *>(t.sent[i - 1].data())->nlmsg_seq);
}

TEST_F(SessionTest, TimerDumpIsRestartedToo)
{
	int attempts = 0;
	t.respond = [&attempts](const nlmsghdr *req) {
		const bool intr = attempts++ == 0;
		Msg m(family, TIMERX_NL_CMD_TIMER_GET, req->nlmsg_seq,
		      static_cast<std::uint16_t>(NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0)),
		      portid);
		m.u32(TIMERX_NL_A_CTX_ID, 3).u32(TIMERX_NL_A_TIMER_ID, 1);
		return std::vector<std::vector<char>>{m.wire(),
						      done_msg(0, req->nlmsg_seq, portid).wire()};
	};
	std::vector<timerx::TimerStatus> all;
	ASSERT_EQ(0, s->timers(all, 3U));
	EXPECT_EQ(2, attempts);
	ASSERT_EQ(1U, all.size());
	EXPECT_EQ(3U, all[0].ctx_id);
}

TEST_F(SessionTest, DumpInterruptedEveryTimeIsEagain)
{
	for (unsigned retries : {0U, 1U, 8U}) {
		opts.dump_retries = retries;
		make();
		t.sent.clear();
		int attempts = 0;
		t.respond = dump_of(10, 3, attempts, 1000);
		std::vector<timerx::ContextStatus> all(1);
		all[0].ctx_id = 77;
		EXPECT_EQ(-EAGAIN, s->contexts(all)) << retries;
		EXPECT_EQ(static_cast<int>(retries) + 1, attempts) << retries;
		ASSERT_EQ(1U, all.size());
		EXPECT_EQ(77U, all[0].ctx_id); /* untouched */
	}
}

TEST_F(SessionTest, TimeoutIsEtimedout)
{
	opts.timeout = std::chrono::milliseconds(20);
	make();
	timerx::Stats st;
	EXPECT_EQ(-ETIMEDOUT, s->stats(st));
	EXPECT_LE(t.last_timeout, 20);
	/* A reply without its ACK times out as well. */
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_STATS_GET,
				 [](Msg &m) { m.u32(TIMERX_NL_A_API_VERSION, 1); })};
	};
	EXPECT_EQ(-ETIMEDOUT, s->stats(st));
}

TEST_F(SessionTest, NoTimeoutMeansWaitForever)
{
	opts.timeout = timerx::forever;
	make();
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_STATS_GET,
				 [](Msg &m) { m.u32(TIMERX_NL_A_API_VERSION, 1); }),
			ack_of(req)};
	};
	timerx::Stats st;
	ASSERT_EQ(0, s->stats(st));
	EXPECT_EQ(-1, t.last_timeout);
}

TEST_F(SessionTest, SignalsDoNotEndARoundTrip)
{
	t.interrupts = 3;
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_STATS_GET,
				 [](Msg &m) { m.u32(TIMERX_NL_A_API_VERSION, 1); }),
			ack_of(req)};
	};
	timerx::Stats st;
	EXPECT_EQ(0, s->stats(st));
	EXPECT_EQ(0, t.interrupts);
}

TEST_F(SessionTest, SendErrorIsReturned)
{
	t.send_error = -ENOBUFS;
	timerx::Stats st;
	EXPECT_EQ(-ENOBUFS, s->stats(st));
}

TEST_F(SessionTest, StaleReplyIsEproto)
{
	/* A reply to an earlier request that arrives after the drain. */
	t.respond = [](const nlmsghdr *req) {
		Msg m(family, TIMERX_NL_CMD_STATS_GET, req->nlmsg_seq - 1, 0, portid);
		m.u32(TIMERX_NL_A_API_VERSION, 1);
		return std::vector<std::vector<char>>{m.wire()};
	};
	timerx::Stats st;
	EXPECT_EQ(-EPROTO, s->stats(st));
}

TEST_F(SessionTest, MalformedReplyIsEprotoAndOutputUntouched)
{
	t.respond = [](const nlmsghdr *req) {
		return std::vector<std::vector<char>>{
			reply_to(req, TIMERX_NL_CMD_TIMER_GET,
				 [](Msg &m) {
					 m.u32(TIMERX_NL_A_CTX_ID, 1)
						 .u32(TIMERX_NL_A_TIMER_ID, 1)
						 .u32(TIMERX_NL_A_FIRES, 5); /* a u64 in 4 bytes */
				 }),
			ack_of(req)};
	};
	timerx::TimerStatus tm;
	tm.fires = 9;
	EXPECT_EQ(-EPROTO, s->timer(1, 1, tm));
	EXPECT_EQ(9U, tm.fires);
}

} // namespace
