// SPDX-License-Identifier: MIT
/*
 * The netlink codec without a kernel: the exact requests (header, flags,
 * genl command and version, attributes), replies of every command built
 * by hand with libmnl, and malformed input of every kind (short and long
 * attributes, wrong types, broken nests, bad bucket arrays, truncation at
 * every byte), which must be -EPROTO and never read out of bounds (ASan).
 */
#include "control_msg.hpp"
#include "netlink_codec.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace ctltest;
namespace nl = timerx::detail::nl;

/* The UAPI's numbers are ABI: a renumbering would break every tool. */
static_assert(TIMERX_NL_CMD_CTX_GET == 1 && TIMERX_NL_CMD_CONFIG_SET == 5 &&
	      TIMERX_NL_CMD_LATENESS_ALARM == 9);
static_assert(TIMERX_NL_A_CTX_ID == 2 && TIMERX_NL_A_LATENESS == 25 && TIMERX_NL_A_CONFIG == 29 &&
	      TIMERX_NL_A_ALARM_MAX_NS == 31);
static_assert(TIMERX_NL_HIST_A_BUCKETS == 8 && TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS == 7);
static_assert(TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER == 8 &&
	      TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER == 9 &&
	      TIMERX_NL_CONFIG_A_MAX_USER_RATE == 10);

struct Request {
	alignas(nlmsghdr) char buf[nl::request_buffer_size];
};

std::vector<unsigned char> bytes_of(const nlmsghdr *nlh)
{
	const auto *p = reinterpret_cast<const unsigned char *>(nlh);
	return {p, p + nlh->nlmsg_len};
}

const genlmsghdr *genl_of(const nlmsghdr *nlh)
{
	return static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(nlh));
}

std::vector<Attr> request_attrs(const nlmsghdr *nlh)
{
	return attrs_of(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
}

void expect_header(const nlmsghdr *nlh, std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
		   std::uint8_t cmd, std::uint8_t version)
{
	EXPECT_EQ(type, nlh->nlmsg_type);
	EXPECT_EQ(flags, nlh->nlmsg_flags);
	EXPECT_EQ(seq, nlh->nlmsg_seq);
	EXPECT_EQ(0U, nlh->nlmsg_pid); /* the kernel fills in the sender */
	EXPECT_EQ(cmd, genl_of(nlh)->cmd);
	EXPECT_EQ(version, genl_of(nlh)->version);
	EXPECT_EQ(0U, genl_of(nlh)->reserved); /* the policy rejects anything else */
}

/* ------------------------------------------------------------ requests */

TEST(ControlRequest, CtxGetDoExactBytes)
{
	Request r;
	const nlmsghdr *nlh = nl::build_ctx_get(r.buf, 0x20, 7, 5U);
	const std::vector<unsigned char> want{0x1c, 0, 0, 0, 0x20, 0, 0x05, 0, 7,
					      0,    0, 0, 0, 0,    0, 0, /* nlmsghdr, REQUEST|ACK */
					      1,    1, 0, 0,             /* CTX_GET, v1 */
					      8,    0, 2, 0, 5,    0, 0,    0}; /* CTX_ID = 5 */
	EXPECT_EQ(want, bytes_of(nlh));
}

TEST(ControlRequest, ConfigSetExactBytes)
{
	Request r;
	timerx::Config c;
	c.max_ring_entries = 0x400;
	c.min_period_ns = 0x1122334455667788ULL;
	c.histograms = true;
	const nlmsghdr *nlh = nl::build_config_set(r.buf, 0x20, 9, c);
	const std::vector<unsigned char> want{
		52, 0, 0,  0,    0x20, 0,    0x05, 0,    9,    0,    0,    0,
		0,  0, 0,  0,                         /* nlmsghdr, REQUEST|ACK */
		5,  1, 0,  0,                         /* CONFIG_SET, v1 */
		32, 0, 29, 0x80,                      /* CONFIG | NLA_F_NESTED */
		8,  0, 3,  0,    0x00, 0x04, 0,    0, /* MAX_RING_ENTRIES 1024 */
		12, 0, 4,  0,    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* MIN_PERIOD_NS */
		5,  0, 5,  0,    1,    0,    0,    0}; /* HISTOGRAMS 1, padding 0 */
	EXPECT_EQ(want, bytes_of(nlh));
}

/* The per-user limits (API 2). */
TEST(ControlRequest, ConfigSetPerUserLimitsExactBytes)
{
	Request r;
	timerx::Config c;
	c.max_contexts_per_user = 0x400;
	c.max_timers_per_user = 0x01000000;
	c.max_user_rate = 0x00000002540BE400ULL; /* 10^10 */
	const nlmsghdr *nlh = nl::build_config_set(r.buf, 0x20, 9, c);
	const std::vector<unsigned char> want{
		52, 0, 0,  0,    0x20, 0,    0x05, 0,    9,    0, 0, 0,
		0,  0, 0,  0,                         /* nlmsghdr, REQUEST|ACK */
		5,  1, 0,  0,                         /* CONFIG_SET, v1 */
		32, 0, 29, 0x80,                      /* CONFIG | NLA_F_NESTED */
		8,  0, 8,  0,    0x00, 0x04, 0,    0, /* MAX_CONTEXTS_PER_USER 1024 */
		8,  0, 9,  0,    0,    0,    0,    1, /* MAX_TIMERS_PER_USER 2^24 */
		12, 0, 10, 0,    0x00, 0xE4, 0x0B, 0x54, 0x02, 0, 0, 0}; /* MAX_USER_RATE */
	EXPECT_EQ(want, bytes_of(nlh));
}

TEST(ControlRequest, GetFamily)
{
	Request r;
	const nlmsghdr *nlh = nl::build_get_family(r.buf, 3, "timerx");
	expect_header(nlh, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 3, CTRL_CMD_GETFAMILY, 1);
	const auto a = request_attrs(nlh);
	ASSERT_EQ(1U, a.size());
	EXPECT_EQ(CTRL_ATTR_FAMILY_NAME, a[0].type);
	EXPECT_EQ(std::vector<unsigned char>({'t', 'i', 'm', 'e', 'r', 'x', 0}), a[0].payload);
	EXPECT_EQ(NLMSG_HDRLEN + GENL_HDRLEN + 12U, nlh->nlmsg_len);
}

TEST(ControlRequest, EveryCommand)
{
	Request r;
	const std::uint16_t f = 0x33;
	constexpr std::uint16_t do_flags = NLM_F_REQUEST | NLM_F_ACK;
	constexpr std::uint16_t dump_flags = NLM_F_REQUEST | NLM_F_DUMP;

	const nlmsghdr *nlh = nl::build_stats_get(r.buf, f, 11);
	expect_header(nlh, f, do_flags, 11, TIMERX_NL_CMD_STATS_GET, TIMERX_GENL_VERSION);
	EXPECT_TRUE(request_attrs(nlh).empty());
	EXPECT_EQ(NLMSG_HDRLEN + GENL_HDRLEN, nlh->nlmsg_len);

	nlh = nl::build_ctx_get(r.buf, f, 12, std::nullopt);
	expect_header(nlh, f, dump_flags, 12, TIMERX_NL_CMD_CTX_GET, TIMERX_GENL_VERSION);
	EXPECT_TRUE(request_attrs(nlh).empty());

	nlh = nl::build_ctx_get(r.buf, f, 13, 77U);
	expect_header(nlh, f, do_flags, 13, TIMERX_NL_CMD_CTX_GET, TIMERX_GENL_VERSION);
	auto a = request_attrs(nlh);
	ASSERT_EQ(1U, a.size());
	EXPECT_EQ(TIMERX_NL_A_CTX_ID, a[0].type);
	EXPECT_EQ(le32(77), a[0].payload);

	nlh = nl::build_timer_get(r.buf, f, 14, 77, 9);
	expect_header(nlh, f, do_flags, 14, TIMERX_NL_CMD_TIMER_GET, TIMERX_GENL_VERSION);
	a = request_attrs(nlh);
	ASSERT_EQ(2U, a.size());
	EXPECT_EQ(TIMERX_NL_A_CTX_ID, a[0].type);
	EXPECT_EQ(le32(77), a[0].payload);
	EXPECT_EQ(TIMERX_NL_A_TIMER_ID, a[1].type);
	EXPECT_EQ(le32(9), a[1].payload);

	nlh = nl::build_timer_dump(r.buf, f, 15, std::nullopt);
	expect_header(nlh, f, dump_flags, 15, TIMERX_NL_CMD_TIMER_GET, TIMERX_GENL_VERSION);
	EXPECT_TRUE(request_attrs(nlh).empty());

	nlh = nl::build_timer_dump(r.buf, f, 16, 78U);
	expect_header(nlh, f, dump_flags, 16, TIMERX_NL_CMD_TIMER_GET, TIMERX_GENL_VERSION);
	a = request_attrs(nlh);
	ASSERT_EQ(1U, a.size());
	EXPECT_EQ(TIMERX_NL_A_CTX_ID, a[0].type);
	EXPECT_EQ(le32(78), a[0].payload);

	nlh = nl::build_config_get(r.buf, f, 17);
	expect_header(nlh, f, do_flags, 17, TIMERX_NL_CMD_CONFIG_GET, TIMERX_GENL_VERSION);
	EXPECT_TRUE(request_attrs(nlh).empty());
}

TEST(ControlRequest, ConfigSetSendsOnlyEngagedSettings)
{
	Request r;
	timerx::Config none;
	const nlmsghdr *nlh = nl::build_config_set(r.buf, 0x33, 20, none);
	expect_header(nlh, 0x33, NLM_F_REQUEST | NLM_F_ACK, 20, TIMERX_NL_CMD_CONFIG_SET,
		      TIMERX_GENL_VERSION);
	auto a = request_attrs(nlh);
	ASSERT_EQ(1U, a.size());
	EXPECT_EQ(TIMERX_NL_A_CONFIG | NLA_F_NESTED, a[0].type);
	EXPECT_TRUE(a[0].payload.empty());

	timerx::Config all;
	all.max_timers_per_ctx = 1000;
	all.max_ring_entries = 2048;
	all.min_period_ns = 50000;
	all.histograms = false;
	all.alarm_lateness_ns = 2000000;
	all.alarm_interval_ms = 250;
	all.max_contexts_per_user = 16;
	all.max_timers_per_user = 100000;
	all.max_user_rate = 5000000;
	nlh = nl::build_config_set(r.buf, 0x33, 21, all);
	a = request_attrs(nlh);
	ASSERT_EQ(1U, a.size());
	const auto inner = attrs_of(a[0].payload.data(), a[0].payload.size());
	ASSERT_EQ(9U, inner.size());
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, inner[0].type);
	EXPECT_EQ(le32(1000), inner[0].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, inner[1].type);
	EXPECT_EQ(le32(2048), inner[1].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, inner[2].type);
	EXPECT_EQ(le64(50000), inner[2].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_HISTOGRAMS, inner[3].type);
	EXPECT_EQ(std::vector<unsigned char>{0}, inner[3].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, inner[4].type);
	EXPECT_EQ(le64(2000000), inner[4].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, inner[5].type);
	EXPECT_EQ(le32(250), inner[5].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER, inner[6].type);
	EXPECT_EQ(le32(16), inner[6].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER, inner[7].type);
	EXPECT_EQ(le32(100000), inner[7].payload);
	EXPECT_EQ(TIMERX_NL_CONFIG_A_MAX_USER_RATE, inner[8].type);
	EXPECT_EQ(le64(5000000), inner[8].payload);
}

/* ------------------------------------------------------------ replies */

void put_buckets(Msg &m, std::initializer_list<timerx_hist_bucket> buckets)
{
	std::vector<timerx_hist_bucket> v(buckets);
	m.raw(TIMERX_NL_HIST_A_BUCKETS, v.data(), v.size() * sizeof(timerx_hist_bucket));
}

/* A LATENESS nest as the kernel writes it: PAD attributes around u64s included. */
void put_lateness(Msg &m)
{
	m.nest(TIMERX_NL_A_LATENESS)
		.u64(TIMERX_NL_HIST_A_COUNT, 10)
		.raw(TIMERX_NL_HIST_A_PAD, nullptr, 0)
		.u64(TIMERX_NL_HIST_A_SUM_NS, 100000)
		.u64(TIMERX_NL_HIST_A_MIN_NS, 3000)
		.u64(TIMERX_NL_HIST_A_MAX_NS, 40000)
		.u32(TIMERX_NL_HIST_A_SUB_BITS, TIMERX_HIST_SUB_BITS)
		.u32(TIMERX_NL_HIST_A_NR_BUCKETS, TIMERX_HIST_BUCKETS);
	put_buckets(m, {{170, 0, 4}, {180, 0, 5}, {230, 0, 1}});
	m.end();
}

Msg context_reply(std::uint8_t cmd = TIMERX_NL_CMD_CTX_GET)
{
	Msg m(family, cmd);
	m.u32(TIMERX_NL_A_CTX_ID, 42)
		.u32(TIMERX_NL_A_OWNER_PID, 1234)
		.u32(TIMERX_NL_A_OWNER_UID, 1000)
		.str(TIMERX_NL_A_OWNER_COMM, "engine")
		.u32(TIMERX_NL_A_TIMERS, 3)
		.u32(TIMERX_NL_A_RING_ENTRIES, 4096)
		.u32(TIMERX_NL_A_RING_USED, 17)
		.raw(TIMERX_NL_A_PAD, nullptr, 0)
		.u64(TIMERX_NL_A_EVENTS, 1000)
		.u64(TIMERX_NL_A_EXPIRATIONS, 1100)
		.u64(TIMERX_NL_A_RING_FULL, 2)
		.u64(TIMERX_NL_A_WAKEUPS, 50)
		.u64(TIMERX_NL_A_PENDING, 7);
	put_lateness(m);
	return m;
}

Msg timer_reply()
{
	Msg m(family, TIMERX_NL_CMD_TIMER_GET);
	m.u32(TIMERX_NL_A_CTX_ID, 42)
		.u32(TIMERX_NL_A_TIMER_ID, 9)
		.u64(TIMERX_NL_A_USER_DATA, 0xdeadbeefcafeULL)
		.u32(TIMERX_NL_A_CLOCKID, 1)
		.u32(TIMERX_NL_A_FLAGS, TIMERX_CREATE_F_PINNED)
		.u32(TIMERX_NL_A_CPU, 1)
		.u32(TIMERX_NL_A_LAST_CPU, static_cast<std::uint32_t>(-1))
		.u32(TIMERX_NL_A_STATE, TIMERX_TIMER_ARMED)
		.u64(TIMERX_NL_A_PERIOD_NS, 1000000)
		.u64(TIMERX_NL_A_NEXT_EXPIRY_NS, static_cast<std::uint64_t>(-5))
		.u64(TIMERX_NL_A_FIRES, 100)
		.u64(TIMERX_NL_A_EXPIRATIONS, 103)
		.u64(TIMERX_NL_A_OVERRUNS, 3)
		.u64(TIMERX_NL_A_EVENTS, 99)
		.u64(TIMERX_NL_A_PENDING, 1)
		.u32(TIMERX_NL_A_SEQ, 0xFFFFFFF0U)
		.u32(TIMERX_NL_A_SLACK_NS, 50000);
	put_lateness(m);
	return m;
}

Msg stats_reply()
{
	Msg m(family, TIMERX_NL_CMD_STATS_GET);
	m.u32(TIMERX_NL_A_API_VERSION, TIMERX_API_VERSION)
		.str(TIMERX_NL_A_MODULE_VERSION, "1.2.3")
		.u32(TIMERX_NL_A_CONTEXTS, 2)
		.u32(TIMERX_NL_A_TIMERS, 20)
		.u64(TIMERX_NL_A_FIRES, 5000)
		.u64(TIMERX_NL_A_EXPIRATIONS, 5100)
		.u64(TIMERX_NL_A_EVENTS, 4900)
		.u64(TIMERX_NL_A_RING_FULL, 3);
	put_lateness(m);
	return m;
}

Msg config_reply(std::uint8_t cmd = TIMERX_NL_CMD_CONFIG_GET)
{
	Msg m(family, cmd);
	m.nest(TIMERX_NL_A_CONFIG)
		.u32(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 65536)
		.u32(TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1 << 16)
		.raw(TIMERX_NL_CONFIG_A_PAD, nullptr, 0)
		.u64(TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, 10000)
		.u8(TIMERX_NL_CONFIG_A_HISTOGRAMS, 1)
		.u64(TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 0)
		.u32(TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 1000)
		.u32(TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER, 1024)
		.u32(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER, 65536)
		.raw(TIMERX_NL_CONFIG_A_PAD, nullptr, 0)
		.u64(TIMERX_NL_CONFIG_A_MAX_USER_RATE, 100000)
		.end();
	return m;
}

void expect_lateness(const timerx::Histogram &h)
{
	EXPECT_EQ(10U, h.count);
	EXPECT_EQ(100000U, h.sum_ns);
	EXPECT_EQ(3000U, h.min_ns);
	EXPECT_EQ(40000U, h.max_ns);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_SUB_BITS), h.sub_bits);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_BUCKETS), h.nr_buckets);
	ASSERT_EQ(3U, h.buckets.size());
	EXPECT_EQ(170U, h.buckets[0].index);
	EXPECT_EQ(4U, h.buckets[0].count);
	EXPECT_EQ(180U, h.buckets[1].index);
	EXPECT_EQ(5U, h.buckets[1].count);
	EXPECT_EQ(230U, h.buckets[2].index);
	EXPECT_EQ(1U, h.buckets[2].count);
}

TEST(ControlReply, Context)
{
	timerx::ContextStatus c;
	ASSERT_EQ(0, nl::parse_context(context_reply().nlh(), c));
	EXPECT_EQ(42U, c.ctx_id);
	EXPECT_EQ(1234U, c.owner_pid);
	EXPECT_EQ(1000U, c.owner_uid);
	EXPECT_EQ("engine", c.owner_comm);
	EXPECT_EQ(3U, c.timers);
	EXPECT_EQ(4096U, c.ring_entries);
	EXPECT_EQ(17U, c.ring_used);
	EXPECT_EQ(1000U, c.events);
	EXPECT_EQ(1100U, c.expirations);
	EXPECT_EQ(2U, c.ring_full);
	EXPECT_EQ(50U, c.wakeups);
	EXPECT_EQ(7U, c.pending);
	expect_lateness(c.lateness);
}

TEST(ControlReply, Timer)
{
	timerx::TimerStatus t;
	ASSERT_EQ(0, nl::parse_timer(timer_reply().nlh(), t));
	EXPECT_EQ(42U, t.ctx_id);
	EXPECT_EQ(9U, t.timer_id);
	EXPECT_EQ(0xdeadbeefcafeULL, t.user_data);
	EXPECT_EQ(1U, t.clockid);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_CREATE_F_PINNED), t.flags);
	EXPECT_EQ(1U, t.cpu);
	EXPECT_EQ(-1, t.last_cpu);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_TIMER_ARMED), t.state);
	EXPECT_EQ(1000000U, t.period_ns);
	ASSERT_TRUE(t.next_expiry_ns.has_value());
	EXPECT_EQ(-5, *t.next_expiry_ns); /* s64 */
	EXPECT_EQ(100U, t.fires);
	EXPECT_EQ(103U, t.expirations);
	EXPECT_EQ(3U, t.overruns);
	EXPECT_EQ(99U, t.events);
	EXPECT_EQ(1U, t.pending);
	EXPECT_EQ(0xFFFFFFF0U, t.seq) << "API 3: the last arming's seq";
	EXPECT_EQ(50000U, t.slack_ns);
	ASSERT_TRUE(t.lateness.has_value());
	expect_lateness(*t.lateness);
}

TEST(ControlReply, TimerWithoutOptionalAttributes)
{
	/* Idle, created with histograms off: no NEXT_EXPIRY_NS, no LATENESS. */
	Msg m(family, TIMERX_NL_CMD_TIMER_GET);
	m.u32(TIMERX_NL_A_CTX_ID, 1).u32(TIMERX_NL_A_TIMER_ID, 2);
	timerx::TimerStatus t;
	ASSERT_EQ(0, nl::parse_timer(m.nlh(), t));
	EXPECT_EQ(1U, t.ctx_id);
	EXPECT_EQ(2U, t.timer_id);
	EXPECT_FALSE(t.next_expiry_ns.has_value());
	EXPECT_FALSE(t.lateness.has_value());
	EXPECT_EQ(-1, t.last_cpu);
	EXPECT_FALSE(t.seq.has_value()) << "a module older than API 3";
	EXPECT_FALSE(t.slack_ns.has_value());
}

TEST(ControlReply, Stats)
{
	timerx::Stats s;
	ASSERT_EQ(0, nl::parse_stats(stats_reply().nlh(), s));
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_API_VERSION), s.api_version);
	EXPECT_EQ("1.2.3", s.module_version);
	EXPECT_EQ(2U, s.contexts);
	EXPECT_EQ(20U, s.timers);
	EXPECT_EQ(5000U, s.fires);
	EXPECT_EQ(5100U, s.expirations);
	EXPECT_EQ(4900U, s.events);
	EXPECT_EQ(3U, s.ring_full);
	expect_lateness(s.lateness);
}

TEST(ControlReply, Config)
{
	timerx::Config c;
	ASSERT_EQ(0, nl::parse_config(config_reply().nlh(), c));
	EXPECT_EQ(65536U, c.max_timers_per_ctx.value_or(0));
	EXPECT_EQ(65536U, c.max_ring_entries.value_or(0));
	EXPECT_EQ(10000U, c.min_period_ns.value_or(0));
	EXPECT_EQ(true, c.histograms.value_or(false));
	EXPECT_EQ(0U, c.alarm_lateness_ns.value_or(99));
	EXPECT_EQ(1000U, c.alarm_interval_ms.value_or(0));
	EXPECT_EQ(1024U, c.max_contexts_per_user.value_or(0));
	EXPECT_EQ(65536U, c.max_timers_per_user.value_or(0));
	EXPECT_EQ(100000U, c.max_user_rate.value_or(0));
}

/* An API 1 module sends no per-user limits: they stay empty. */
TEST(ControlReply, ConfigOfAnOlderModule)
{
	Msg m(family, TIMERX_NL_CMD_CONFIG_GET);
	m.nest(TIMERX_NL_A_CONFIG)
		.u32(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX, 65536)
		.u32(TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES, 1 << 16)
		.raw(TIMERX_NL_CONFIG_A_PAD, nullptr, 0)
		.u64(TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, 10000)
		.u8(TIMERX_NL_CONFIG_A_HISTOGRAMS, 0)
		.u64(TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS, 0)
		.u32(TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS, 1000)
		.end();
	timerx::Config c;
	c.max_user_rate = 7; /* replaced as a whole */
	ASSERT_EQ(0, nl::parse_config(m.nlh(), c));
	EXPECT_EQ(65536U, c.max_timers_per_ctx.value_or(0));
	EXPECT_EQ(1000U, c.alarm_interval_ms.value_or(0));
	EXPECT_FALSE(c.max_contexts_per_user);
	EXPECT_FALSE(c.max_timers_per_user);
	EXPECT_FALSE(c.max_user_rate);
}

TEST(ControlReply, EmptyHistogramHasNoMinMax)
{
	Msg m(family, TIMERX_NL_CMD_STATS_GET);
	m.u32(TIMERX_NL_A_API_VERSION, 1)
		.nest(TIMERX_NL_A_LATENESS)
		.u64(TIMERX_NL_HIST_A_COUNT, 0)
		.u64(TIMERX_NL_HIST_A_SUM_NS, 0)
		.u32(TIMERX_NL_HIST_A_SUB_BITS, 4)
		.u32(TIMERX_NL_HIST_A_NR_BUCKETS, 465)
		.raw(TIMERX_NL_HIST_A_BUCKETS, nullptr, 0)
		.end();
	timerx::Stats s;
	ASSERT_EQ(0, nl::parse_stats(m.nlh(), s));
	EXPECT_EQ(0U, s.lateness.count);
	EXPECT_TRUE(s.lateness.buckets.empty());
	EXPECT_EQ(0U, s.lateness.quantile_ns(0.99));
}

TEST(ControlReply, Family)
{
	Msg m(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	m.str(CTRL_ATTR_FAMILY_NAME, "timerx")
		.u16(CTRL_ATTR_FAMILY_ID, family)
		.u32(CTRL_ATTR_VERSION, 1)
		.u32(CTRL_ATTR_HDRSIZE, 0)
		.u32(CTRL_ATTR_MAXATTR, TIMERX_NL_A_MAX)
		.nest(CTRL_ATTR_OPS)
		.nest(1)
		.u32(CTRL_ATTR_OP_ID, 1)
		.u32(CTRL_ATTR_OP_FLAGS, 0)
		.end()
		.end()
		.nest(CTRL_ATTR_MCAST_GROUPS)
		.nest(1)
		.str(CTRL_ATTR_MCAST_GRP_NAME, "other")
		.u32(CTRL_ATTR_MCAST_GRP_ID, 3)
		.end()
		.nest(2)
		.u32(CTRL_ATTR_MCAST_GRP_ID, 11)
		.str(CTRL_ATTR_MCAST_GRP_NAME, "monitor")
		.end()
		.end();
	nl::FamilyInfo f;
	ASSERT_EQ(0, nl::parse_family(m.nlh(), "monitor", f));
	EXPECT_EQ(family, f.id);
	EXPECT_EQ(1U, f.version);
	ASSERT_TRUE(f.monitor_group.has_value());
	EXPECT_EQ(11U, *f.monitor_group);

	nl::FamilyInfo g;
	ASSERT_EQ(0, nl::parse_family(m.nlh(), "absent", g));
	EXPECT_FALSE(g.monitor_group.has_value());
}

TEST(ControlReply, FamilyMalformed)
{
	nl::FamilyInfo f;
	Msg no_id(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	no_id.str(CTRL_ATTR_FAMILY_NAME, "timerx");
	EXPECT_EQ(-EPROTO, nl::parse_family(no_id.nlh(), "monitor", f));

	Msg wide_id(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	wide_id.u32(CTRL_ATTR_FAMILY_ID, family);
	EXPECT_EQ(-EPROTO, nl::parse_family(wide_id.nlh(), "monitor", f));

	Msg control_id(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	control_id.u16(CTRL_ATTR_FAMILY_ID, NLMSG_DONE);
	EXPECT_EQ(-EPROTO, nl::parse_family(control_id.nlh(), "monitor", f));

	Msg bad_group(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	bad_group.u16(CTRL_ATTR_FAMILY_ID, family)
		.nest(CTRL_ATTR_MCAST_GROUPS)
		.nest(1)
		.str(CTRL_ATTR_MCAST_GRP_NAME, "monitor")
		.u16(CTRL_ATTR_MCAST_GRP_ID, 11)
		.end()
		.end();
	EXPECT_EQ(-EPROTO, nl::parse_family(bad_group.nlh(), "monitor", f));

	const std::uint32_t not_a_nest = 7;
	Msg flat_groups(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	flat_groups.u16(CTRL_ATTR_FAMILY_ID, family)
		.nest(CTRL_ATTR_MCAST_GROUPS)
		.raw(1, &not_a_nest, 2)
		.end();
	EXPECT_EQ(-EPROTO, nl::parse_family(flat_groups.nlh(), "monitor", f));
}

TEST(ControlReply, UnknownAttributesAreIgnored)
{
	/* A newer module: attributes above our MAX, at the top and in every nest. */
	const char blob[] = "from the future";
	Msg m(family, TIMERX_NL_CMD_TIMER_GET);
	m.u32(TIMERX_NL_A_CTX_ID, 1)
		.raw(TIMERX_NL_A_MAX + 1, blob, sizeof(blob))
		.u64(TIMERX_NL_A_MAX + 7, 5)
		.u32(TIMERX_NL_A_TIMER_ID, 2)
		.raw(0x3fff, blob, 3)
		.nest(TIMERX_NL_A_LATENESS)
		.u32(TIMERX_NL_HIST_A_MAX + 1, 1)
		.u64(TIMERX_NL_HIST_A_COUNT, 1)
		.end();
	timerx::TimerStatus t;
	ASSERT_EQ(0, nl::parse_timer(m.nlh(), t));
	EXPECT_EQ(2U, t.timer_id);
	ASSERT_TRUE(t.lateness.has_value());
	EXPECT_EQ(1U, t.lateness->count);

	Msg c = config_reply();
	c.nest(TIMERX_NL_A_MAX + 2).u8(1, 1).end();
	timerx::Config cfg;
	EXPECT_EQ(0, nl::parse_config(c.nlh(), cfg));

	Msg c2(family, TIMERX_NL_CMD_CONFIG_GET);
	c2.nest(TIMERX_NL_A_CONFIG).u64(TIMERX_NL_CONFIG_A_MAX + 1, 3).end();
	EXPECT_EQ(0, nl::parse_config(c2.nlh(), cfg));
}

TEST(ControlReply, MissingIdentifyingAttributeIsEproto)
{
	timerx::ContextStatus c;
	Msg no_ctx(family, TIMERX_NL_CMD_CTX_GET);
	no_ctx.u32(TIMERX_NL_A_TIMERS, 1);
	EXPECT_EQ(-EPROTO, nl::parse_context(no_ctx.nlh(), c));

	timerx::TimerStatus t;
	Msg no_timer(family, TIMERX_NL_CMD_TIMER_GET);
	no_timer.u32(TIMERX_NL_A_CTX_ID, 1);
	EXPECT_EQ(-EPROTO, nl::parse_timer(no_timer.nlh(), t));

	timerx::Stats s;
	Msg no_version(family, TIMERX_NL_CMD_STATS_GET);
	no_version.u32(TIMERX_NL_A_CONTEXTS, 1);
	EXPECT_EQ(-EPROTO, nl::parse_stats(no_version.nlh(), s));

	timerx::Config cfg;
	Msg no_config(family, TIMERX_NL_CMD_CONFIG_GET);
	EXPECT_EQ(-EPROTO, nl::parse_config(no_config.nlh(), cfg));
}

TEST(ControlReply, NoGenlHeaderIsEproto)
{
	Msg m = Msg::control(family, nullptr, 0);
	timerx::Stats s;
	EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s));
	EXPECT_EQ(-EPROTO, nl::genl_cmd(m.nlh()));
	timerx::Notification n;
	EXPECT_EQ(-EPROTO, nl::parse_notification(m.nlh(), n));
}

/* Every known top-level attribute with a wrong length: short, long, empty. */
TEST(ControlReply, WrongAttributeLengthsAreEproto)
{
	struct Case {
		std::uint16_t type;
		std::size_t good;
	};
	const Case cases[] = {
		{TIMERX_NL_A_CTX_ID, 4},       {TIMERX_NL_A_TIMER_ID, 4},
		{TIMERX_NL_A_OWNER_PID, 4},    {TIMERX_NL_A_STATE, 4},
		{TIMERX_NL_A_LAST_CPU, 4},     {TIMERX_NL_A_USER_DATA, 8},
		{TIMERX_NL_A_PERIOD_NS, 8},    {TIMERX_NL_A_NEXT_EXPIRY_NS, 8},
		{TIMERX_NL_A_FIRES, 8},        {TIMERX_NL_A_EVENTS, 8},
		{TIMERX_NL_A_API_VERSION, 4},  {TIMERX_NL_A_ALARM_COUNT, 8},
		{TIMERX_NL_A_ALARM_MAX_NS, 8}, {TIMERX_NL_A_CONTEXTS, 4},
		{TIMERX_NL_A_RING_ENTRIES, 4}, {TIMERX_NL_A_WAKEUPS, 8},
		{TIMERX_NL_A_SEQ, 4},          {TIMERX_NL_A_SLACK_NS, 4},
	};
	const unsigned char junk[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	for (const Case &c : cases) {
		for (std::size_t len : {std::size_t{0}, c.good - 1, c.good + 1, c.good * 2}) {
			Msg m(family, TIMERX_NL_CMD_TIMER_GET);
			m.u32(TIMERX_NL_A_CTX_ID, 1)
				.u32(TIMERX_NL_A_TIMER_ID, 2)
				.u32(TIMERX_NL_A_API_VERSION, 1);
			m.raw(c.type, junk, len);
			timerx::TimerStatus t;
			timerx::Stats s;
			timerx::ContextStatus ctx;
			EXPECT_EQ(-EPROTO, nl::parse_timer(m.nlh(), t)) << c.type << " len " << len;
			EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s)) << c.type << " len " << len;
			EXPECT_EQ(-EPROTO, nl::parse_context(m.nlh(), ctx))
				<< c.type << " len " << len;
		}
	}
}

TEST(ControlReply, WrongAttributeTypesAreEproto)
{
	timerx::ContextStatus c;
	/* A string without its NUL. */
	Msg no_nul(family, TIMERX_NL_CMD_CTX_GET);
	no_nul.u32(TIMERX_NL_A_CTX_ID, 1).raw(TIMERX_NL_A_OWNER_COMM, "abcd", 4);
	EXPECT_EQ(-EPROTO, nl::parse_context(no_nul.nlh(), c));
	/* An empty string attribute. */
	Msg empty(family, TIMERX_NL_CMD_CTX_GET);
	empty.u32(TIMERX_NL_A_CTX_ID, 1).raw(TIMERX_NL_A_OWNER_COMM, nullptr, 0);
	EXPECT_EQ(-EPROTO, nl::parse_context(empty.nlh(), c));
	/* A nest that holds a bare u32 instead of attributes. */
	Msg flat(family, TIMERX_NL_CMD_CTX_GET);
	flat.u32(TIMERX_NL_A_CTX_ID, 1).u32(TIMERX_NL_A_LATENESS, 5);
	EXPECT_EQ(-EPROTO, nl::parse_context(flat.nlh(), c));
	/* A nest of two bytes. */
	Msg tiny(family, TIMERX_NL_CMD_CTX_GET);
	tiny.u32(TIMERX_NL_A_CTX_ID, 1).raw(TIMERX_NL_A_LATENESS, "ab", 2);
	EXPECT_EQ(-EPROTO, nl::parse_context(tiny.nlh(), c));
	/* HISTOGRAMS is a u8 holding 0 or 1. */
	timerx::Config cfg;
	Msg two(family, TIMERX_NL_CMD_CONFIG_GET);
	two.nest(TIMERX_NL_A_CONFIG).u8(TIMERX_NL_CONFIG_A_HISTOGRAMS, 2).end();
	EXPECT_EQ(-EPROTO, nl::parse_config(two.nlh(), cfg));
	Msg wide(family, TIMERX_NL_CMD_CONFIG_GET);
	wide.nest(TIMERX_NL_A_CONFIG).u32(TIMERX_NL_CONFIG_A_HISTOGRAMS, 1).end();
	EXPECT_EQ(-EPROTO, nl::parse_config(wide.nlh(), cfg));
	Msg short_u64(family, TIMERX_NL_CMD_CONFIG_GET);
	short_u64.nest(TIMERX_NL_A_CONFIG).u32(TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, 1).end();
	EXPECT_EQ(-EPROTO, nl::parse_config(short_u64.nlh(), cfg));
	/* The per-user limits: exact lengths too. */
	Msg short_rate(family, TIMERX_NL_CMD_CONFIG_GET);
	short_rate.nest(TIMERX_NL_A_CONFIG).u32(TIMERX_NL_CONFIG_A_MAX_USER_RATE, 1).end();
	EXPECT_EQ(-EPROTO, nl::parse_config(short_rate.nlh(), cfg));
	Msg wide_contexts(family, TIMERX_NL_CMD_CONFIG_GET);
	wide_contexts.nest(TIMERX_NL_A_CONFIG)
		.u64(TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER, 1)
		.end();
	EXPECT_EQ(-EPROTO, nl::parse_config(wide_contexts.nlh(), cfg));
	Msg narrow_timers(family, TIMERX_NL_CMD_CONFIG_GET);
	narrow_timers.nest(TIMERX_NL_A_CONFIG).u8(TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER, 1).end();
	EXPECT_EQ(-EPROTO, nl::parse_config(narrow_timers.nlh(), cfg));
	Msg config_not_nest(family, TIMERX_NL_CMD_CONFIG_GET);
	config_not_nest.raw(TIMERX_NL_A_CONFIG, "x", 1);
	EXPECT_EQ(-EPROTO, nl::parse_config(config_not_nest.nlh(), cfg));
}

/* A nest whose inner attribute claims more than the nest holds. */
TEST(ControlReply, BadNestsAreEproto)
{
	timerx::Stats s;
	Msg m(family, TIMERX_NL_CMD_STATS_GET);
	m.u32(TIMERX_NL_A_API_VERSION, 1).nest(TIMERX_NL_A_LATENESS).u64(TIMERX_NL_HIST_A_COUNT, 1);
	m.end();
	/* Inner COUNT: nla_len 12 -> 40, past the nest and the message. */
	auto *nest = reinterpret_cast<nlattr *>(
		static_cast<char *>(mnl_nlmsg_get_payload(m.nlh())) + GENL_HDRLEN + 8);
	auto *inner = static_cast<nlattr *>(mnl_attr_get_payload(nest));
	ASSERT_EQ(TIMERX_NL_HIST_A_COUNT, inner->nla_type);
	inner->nla_len = 40;
	EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s));
	inner->nla_len = 3; /* shorter than an attribute header */
	EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s));
	inner->nla_len = 8; /* a u64 in 4 bytes, followed by 4 bytes of garbage */
	EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s));

	/* Trailing bytes inside a nest that are not an attribute. */
	Msg t(family, TIMERX_NL_CMD_STATS_GET);
	t.u32(TIMERX_NL_A_API_VERSION, 1).nest(TIMERX_NL_A_LATENESS).u64(TIMERX_NL_HIST_A_COUNT, 1);
	const std::uint16_t two = 0x0202;
	t.bytes(&two, 2);
	t.end();
	EXPECT_EQ(-EPROTO, nl::parse_stats(t.nlh(), s));

	/* Wrong lengths inside the histogram nest. */
	for (std::uint16_t type : {TIMERX_NL_HIST_A_COUNT, TIMERX_NL_HIST_A_SUM_NS,
				   TIMERX_NL_HIST_A_MIN_NS, TIMERX_NL_HIST_A_MAX_NS}) {
		Msg w(family, TIMERX_NL_CMD_STATS_GET);
		w.u32(TIMERX_NL_A_API_VERSION, 1).nest(TIMERX_NL_A_LATENESS).u32(type, 1).end();
		EXPECT_EQ(-EPROTO, nl::parse_stats(w.nlh(), s)) << type;
	}
	for (std::uint16_t type : {TIMERX_NL_HIST_A_SUB_BITS, TIMERX_NL_HIST_A_NR_BUCKETS}) {
		Msg w(family, TIMERX_NL_CMD_STATS_GET);
		w.u32(TIMERX_NL_A_API_VERSION, 1).nest(TIMERX_NL_A_LATENESS).u64(type, 4).end();
		EXPECT_EQ(-EPROTO, nl::parse_stats(w.nlh(), s)) << type;
	}
}

/* A histogram nest with @buckets (raw bytes) and the UAPI layout unless told otherwise. */
int parse_hist(const void *buckets, std::size_t len, std::uint32_t sub_bits = 4,
	       std::uint32_t nr = 465, timerx::Histogram *out = nullptr)
{
	Msg m(family, TIMERX_NL_CMD_STATS_GET);
	m.u32(TIMERX_NL_A_API_VERSION, 1)
		.nest(TIMERX_NL_A_LATENESS)
		.u64(TIMERX_NL_HIST_A_COUNT, 3)
		.u64(TIMERX_NL_HIST_A_MIN_NS, 1)
		.u64(TIMERX_NL_HIST_A_MAX_NS, 100)
		.u32(TIMERX_NL_HIST_A_SUB_BITS, sub_bits)
		.u32(TIMERX_NL_HIST_A_NR_BUCKETS, nr)
		.raw(TIMERX_NL_HIST_A_BUCKETS, buckets, len)
		.end();
	timerx::Stats s;
	const int ret = nl::parse_stats(m.nlh(), s);
	if (out != nullptr)
		*out = s.lateness;
	return ret;
}

TEST(ControlReply, BucketArray)
{
	const timerx_hist_bucket ok[] = {{1, 0, 1}, {20, 0, 1}, {464, 0, 1}};
	timerx::Histogram h;
	ASSERT_EQ(0, parse_hist(ok, sizeof(ok), 4, 465, &h));
	ASSERT_EQ(3U, h.buckets.size());
	EXPECT_EQ(464U, h.buckets[2].index);

	/* Lengths that are not a multiple of 16. */
	for (std::size_t len : {1UL, 8UL, 15UL, 17UL, 24UL, 47UL})
		EXPECT_EQ(-EPROTO, parse_hist(ok, len)) << len;

	const timerx_hist_bucket descending[] = {{20, 0, 1}, {1, 0, 1}};
	EXPECT_EQ(-EPROTO, parse_hist(descending, sizeof(descending)));
	const timerx_hist_bucket duplicate[] = {{20, 0, 1}, {20, 0, 1}};
	EXPECT_EQ(-EPROTO, parse_hist(duplicate, sizeof(duplicate)));
	const timerx_hist_bucket out_of_range[] = {{1, 0, 1}, {465, 0, 1}};
	EXPECT_EQ(-EPROTO, parse_hist(out_of_range, sizeof(out_of_range)));
	const timerx_hist_bucket huge[] = {{UINT32_MAX, 0, 1}};
	EXPECT_EQ(-EPROTO, parse_hist(huge, sizeof(huge)));
	/* In range only for a smaller layout than the message's own. */
	const timerx_hist_bucket past_small[] = {{100, 0, 1}};
	EXPECT_EQ(-EPROTO, parse_hist(past_small, sizeof(past_small), 4, 100));
	EXPECT_EQ(0, parse_hist(past_small, sizeof(past_small), 4, 101));
}

TEST(ControlReply, HistogramLayoutAndRangeChecked)
{
	EXPECT_EQ(-EPROTO, parse_hist(nullptr, 0, 17, 465)); /* sub_bits too large */
	EXPECT_EQ(-EPROTO, parse_hist(nullptr, 0, 4, 0));    /* no buckets */
	EXPECT_EQ(-EPROTO, parse_hist(nullptr, 0, 4, 977));  /* bounds past 2^64 */
	EXPECT_EQ(0, parse_hist(nullptr, 0, 4, 976));        /* up to e = 63 */
	EXPECT_EQ(0, parse_hist(nullptr, 0, 0, 34));
	/* min > max with samples. */
	Msg m(family, TIMERX_NL_CMD_STATS_GET);
	m.u32(TIMERX_NL_A_API_VERSION, 1)
		.nest(TIMERX_NL_A_LATENESS)
		.u64(TIMERX_NL_HIST_A_COUNT, 3)
		.u64(TIMERX_NL_HIST_A_MIN_NS, 100)
		.u64(TIMERX_NL_HIST_A_MAX_NS, 1)
		.end();
	timerx::Stats s;
	EXPECT_EQ(-EPROTO, nl::parse_stats(m.nlh(), s));
}

/*
 * A message cut at every length, in a buffer of exactly that size (ASan
 * sees any read past it): a cut inside an attribute is -EPROTO; a cut
 * between attributes is a shorter message, which parses only if what it
 * lost was optional.
 */
template <class Parse>
void truncate_everywhere(const Msg &m, Parse parse, std::size_t min_ok)
{
	const std::vector<char> full = m.wire();
	const std::size_t len = m.len();
	/* Attribute boundaries of the top level (the nests' insides are not). */
	std::vector<std::size_t> boundaries{NLMSG_HDRLEN + GENL_HDRLEN};
	for (std::size_t off = NLMSG_HDRLEN + GENL_HDRLEN; off < len;) {
		const auto *a = reinterpret_cast<const nlattr *>(full.data() + off);
		/* Without (some of) its padding the last attribute is still whole. */
		for (std::size_t end = off + a->nla_len; end <= off + MNL_ALIGN(a->nla_len); ++end)
			boundaries.push_back(end);
		off += MNL_ALIGN(a->nla_len);
	}
	for (std::size_t cut = NLMSG_HDRLEN; cut < len; ++cut) {
		auto buf = std::make_unique<char[]>(cut);
		std::memcpy(buf.get(), full.data(), cut);
		auto *nlh = reinterpret_cast<nlmsghdr *>(buf.get());
		nlh->nlmsg_len = static_cast<std::uint32_t>(cut);
		const int ret = parse(nlh);
		const bool boundary =
			std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
		if (!boundary)
			EXPECT_EQ(-EPROTO, ret) << "cut at " << cut << " of " << len;
		else if (cut >= min_ok)
			EXPECT_EQ(0, ret) << "cut at " << cut << " of " << len;
		else
			EXPECT_TRUE(ret == 0 || ret == -EPROTO) << "cut at " << cut;
	}
}

TEST(ControlReply, TruncatedAtEveryByte)
{
	/* The identifying attributes come first: once they are in, a boundary parses. */
	truncate_everywhere(
		context_reply(),
		[](const nlmsghdr *nlh) {
			timerx::ContextStatus c;
			return nl::parse_context(nlh, c);
		},
		NLMSG_HDRLEN + GENL_HDRLEN + 8);
	truncate_everywhere(
		timer_reply(),
		[](const nlmsghdr *nlh) {
			timerx::TimerStatus t;
			return nl::parse_timer(nlh, t);
		},
		NLMSG_HDRLEN + GENL_HDRLEN + 16);
	truncate_everywhere(
		stats_reply(),
		[](const nlmsghdr *nlh) {
			timerx::Stats s;
			return nl::parse_stats(nlh, s);
		},
		NLMSG_HDRLEN + GENL_HDRLEN + 8);
	truncate_everywhere(
		config_reply(),
		[](const nlmsghdr *nlh) {
			timerx::Config c;
			return nl::parse_config(nlh, c);
		},
		SIZE_MAX);
}

TEST(ControlReply, OutputUntouchedOnFailure)
{
	timerx::ContextStatus c;
	c.ctx_id = 99;
	c.owner_comm = "keep";
	Msg bad = context_reply();
	bad.raw(TIMERX_NL_A_RING_USED, "xx", 2);
	EXPECT_EQ(-EPROTO, nl::parse_context(bad.nlh(), c));
	EXPECT_EQ(99U, c.ctx_id);
	EXPECT_EQ("keep", c.owner_comm);
}

/* ------------------------------------------------------------ notifications */

TEST(ControlNotification, EveryKind)
{
	Msg ctx_new(family, TIMERX_NL_CMD_CTX_NEW);
	ctx_new.u32(TIMERX_NL_A_CTX_ID, 5)
		.u32(TIMERX_NL_A_OWNER_PID, 300)
		.u32(TIMERX_NL_A_OWNER_UID, 0)
		.str(TIMERX_NL_A_OWNER_COMM, "app");
	Msg ctx_del(family, TIMERX_NL_CMD_CTX_DEL);
	ctx_del.u32(TIMERX_NL_A_CTX_ID, 5)
		.u32(TIMERX_NL_A_OWNER_UID, 0)
		.u64(TIMERX_NL_A_EVENTS, 10)
		.u64(TIMERX_NL_A_EXPIRATIONS, 12)
		.u64(TIMERX_NL_A_RING_FULL, 1);
	Msg overflow(family, TIMERX_NL_CMD_OVERFLOW);
	overflow.u32(TIMERX_NL_A_CTX_ID, 6)
		.u32(TIMERX_NL_A_OWNER_UID, 1000)
		.u64(TIMERX_NL_A_RING_FULL, 40)
		.u64(TIMERX_NL_A_ALARM_COUNT, 4);
	Msg alarm(family, TIMERX_NL_CMD_LATENESS_ALARM);
	alarm.u32(TIMERX_NL_A_CTX_ID, 7)
		.u32(TIMERX_NL_A_OWNER_UID, 1000)
		.u32(TIMERX_NL_A_TIMER_ID, 3)
		.u64(TIMERX_NL_A_ALARM_COUNT, 9)
		.u64(TIMERX_NL_A_ALARM_MAX_NS, 5000000);
	/* Another family's message and a command from the future are skipped. */
	Msg other(family + 1, TIMERX_NL_CMD_CTX_NEW);
	other.u32(TIMERX_NL_A_CTX_ID, 99);
	Msg future(family, TIMERX_NL_CMD_MAX + 1);
	future.u32(TIMERX_NL_A_CTX_ID, 98);

	const auto dg = datagram({&ctx_new, &other, &ctx_del, &future, &overflow, &alarm});
	std::vector<timerx::Notification> out;
	ASSERT_EQ(0, nl::parse_notifications(dg.data(), dg.size(), family, out));
	ASSERT_EQ(4U, out.size());

	using K = timerx::Notification::Kind;
	EXPECT_EQ(K::ctx_new, out[0].kind);
	EXPECT_EQ(5U, out[0].ctx_id);
	EXPECT_EQ(300U, out[0].owner_pid.value_or(0));
	EXPECT_EQ(0U, out[0].owner_uid.value_or(1));
	EXPECT_EQ("app", out[0].owner_comm);
	EXPECT_FALSE(out[0].timer_id.has_value());

	EXPECT_EQ(K::ctx_del, out[1].kind);
	EXPECT_EQ(5U, out[1].ctx_id);
	EXPECT_FALSE(out[1].owner_pid.has_value());
	EXPECT_EQ(10U, out[1].events);
	EXPECT_EQ(12U, out[1].expirations);
	EXPECT_EQ(1U, out[1].ring_full);

	EXPECT_EQ(K::overflow, out[2].kind);
	EXPECT_EQ(6U, out[2].ctx_id);
	EXPECT_EQ(1000U, out[2].owner_uid.value_or(0));
	EXPECT_EQ(40U, out[2].ring_full);
	EXPECT_EQ(4U, out[2].alarm_count);

	EXPECT_EQ(K::lateness_alarm, out[3].kind);
	EXPECT_EQ(7U, out[3].ctx_id);
	EXPECT_EQ(3U, out[3].timer_id.value_or(0));
	EXPECT_EQ(9U, out[3].alarm_count);
	EXPECT_EQ(5000000U, out[3].alarm_max_ns);
}

TEST(ControlNotification, MalformedOnesAreEprotoOthersKept)
{
	Msg good(family, TIMERX_NL_CMD_CTX_NEW);
	good.u32(TIMERX_NL_A_CTX_ID, 1);
	Msg no_ctx(family, TIMERX_NL_CMD_CTX_DEL);
	no_ctx.u32(TIMERX_NL_A_OWNER_UID, 1);
	Msg short_u64(family, TIMERX_NL_CMD_OVERFLOW);
	short_u64.u32(TIMERX_NL_A_CTX_ID, 2).u32(TIMERX_NL_A_RING_FULL, 1);
	Msg good2(family, TIMERX_NL_CMD_CTX_DEL);
	good2.u32(TIMERX_NL_A_CTX_ID, 3);
	const auto dg = datagram({&good, &no_ctx, &short_u64, &good2});
	std::vector<timerx::Notification> out;
	EXPECT_EQ(-EPROTO, nl::parse_notifications(dg.data(), dg.size(), family, out));
	ASSERT_EQ(2U, out.size());
	EXPECT_EQ(1U, out[0].ctx_id);
	EXPECT_EQ(3U, out[1].ctx_id);
}

TEST(ControlNotification, BrokenFramingIsEproto)
{
	Msg good(family, TIMERX_NL_CMD_CTX_NEW);
	good.u32(TIMERX_NL_A_CTX_ID, 1);
	auto dg = good.wire();
	std::vector<timerx::Notification> out;
	/* Cut inside the message: its nlmsg_len runs past the datagram. */
	for (std::size_t cut = 1; cut < dg.size(); ++cut) {
		auto buf = std::make_unique<char[]>(cut);
		std::memcpy(buf.get(), dg.data(), cut);
		out.clear();
		EXPECT_EQ(-EPROTO, nl::parse_notifications(buf.get(), cut, family, out)) << cut;
		EXPECT_TRUE(out.empty());
	}
	/* nlmsg_len below a header. */
	reinterpret_cast<nlmsghdr *>(dg.data())->nlmsg_len = 8;
	EXPECT_EQ(-EPROTO, nl::parse_notifications(dg.data(), dg.size(), family, out));
	/* Truncated attribute inside a whole message. */
	Msg cut_attr(family, TIMERX_NL_CMD_CTX_NEW);
	cut_attr.u32(TIMERX_NL_A_CTX_ID, 1).u64(TIMERX_NL_A_EVENTS, 1);
	cut_attr.nlh()->nlmsg_len -= 4;
	auto dg2 = cut_attr.wire();
	dg2.resize(cut_attr.len());
	out.clear();
	EXPECT_EQ(-EPROTO, nl::parse_notifications(dg2.data(), dg2.size(), family, out));
	EXPECT_TRUE(out.empty());
}

/* ------------------------------------------------------------ extack */

TEST(ControlExtack, CappedError)
{
	const Msg m = error_msg(-EINVAL, 1, portid, "max_ring_entries: not a power of two");
	EXPECT_EQ("max_ring_entries: not a power of two", nl::extack_message(m.nlh()));
}

TEST(ControlExtack, UncappedErrorEchoesTheRequest)
{
	/* Without NETLINK_CAP_ACK: nlmsgerr, then the rest of the request, then the TLVs. */
	alignas(nlmsghdr) char req[nl::request_buffer_size];
	const nlmsghdr *r = nl::build_timer_get(req, family, 5, 1, 2);
	std::vector<char> payload(sizeof(int) + r->nlmsg_len);
	const int err = -ENOENT;
	std::memcpy(payload.data(), &err, sizeof(err));
	std::memcpy(payload.data() + sizeof(int), r, r->nlmsg_len);
	Msg m = Msg::control(NLMSG_ERROR, payload.data(), payload.size(), 5, NLM_F_ACK_TLVS);
	m.str(NLMSGERR_ATTR_MSG, "no such timer");
	m.u32(NLMSGERR_ATTR_OFFS, 20);
	EXPECT_EQ("no such timer", nl::extack_message(m.nlh()));
}

TEST(ControlExtack, DoneOfAFailedDump)
{
	const Msg m = done_msg(-ENOENT, 1, portid, "no such context");
	EXPECT_EQ("no such context", nl::extack_message(m.nlh()));
}

TEST(ControlExtack, AbsentOrMalformedIsEmpty)
{
	EXPECT_EQ("", nl::extack_message(error_msg(-EINVAL, 1, portid).nlh()));
	/* Flag set but nothing there. */
	Msg flagged = error_msg(-EINVAL, 1, portid);
	flagged.flags(NLM_F_CAPPED | NLM_F_ACK_TLVS);
	EXPECT_EQ("", nl::extack_message(flagged.nlh()));
	/* The message without its NUL. */
	Msg no_nul = error_msg(-EINVAL, 1, portid);
	no_nul.flags(NLM_F_CAPPED | NLM_F_ACK_TLVS).raw(NLMSGERR_ATTR_MSG, "abc", 3);
	EXPECT_EQ("", nl::extack_message(no_nul.nlh()));
	/* An echoed request length that runs past the message. */
	nlmsgerr e{};
	e.error = -EINVAL;
	e.msg.nlmsg_len = 4000;
	Msg liar = Msg::control(NLMSG_ERROR, &e, sizeof(e), 1, NLM_F_ACK_TLVS);
	liar.str(NLMSGERR_ATTR_MSG, "x");
	EXPECT_EQ("", nl::extack_message(liar.nlh()));
	e.msg.nlmsg_len = 3;
	Msg tiny = Msg::control(NLMSG_ERROR, &e, sizeof(e), 1, NLM_F_ACK_TLVS);
	EXPECT_EQ("", nl::extack_message(tiny.nlh()));
	/* Too short to be an nlmsgerr at all. */
	const int only_errno = -EINVAL;
	Msg short_err = Msg::control(NLMSG_ERROR, &only_errno, sizeof(only_errno), 1,
				     NLM_F_ACK_TLVS | NLM_F_CAPPED);
	EXPECT_EQ("", nl::extack_message(short_err.nlh()));
}

} // namespace
