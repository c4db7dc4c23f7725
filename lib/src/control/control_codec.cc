// SPDX-License-Identifier: MIT
/*
 * Requests and replies of the "timerx" generic netlink family (see
 * netlink_codec.hpp). The attribute tree is the one of <linux/timerx.h>.
 */
#include "netlink_codec.hpp"

#include <libmnl/libmnl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace timerx::detail::nl {

namespace {

/* ------------------------------------------------------------ attributes */

/* How an attribute is checked; `skip` ones (PAD, unknown) are not read. */
enum class Kind : std::uint8_t { skip, u8, u16, u32, u64, str, nest, binary };

template <std::size_t N>
using Table = std::array<const nlattr *, N + 1>;

/*
 * Collects the attributes in [p, p + len) by type, the last of a type
 * winning (as in the kernel). Unlike mnl_attr_parse(), which stops
 * quietly at the first attribute that does not fit, anything that is not
 * a sequence of whole attributes filling the area is -EPROTO: a truncated
 * message must not pass for a short one. Types above N (a newer module)
 * are skipped.
 */
template <std::size_t N>
int collect(const char *p, std::size_t len, Table<N> &tb)
{
	tb.fill(nullptr);
	std::size_t off = 0;
	while (off < len) {
		if (len - off < sizeof(nlattr))
			return -EPROTO;
		const auto *a = reinterpret_cast<const nlattr *>(p + off);
		if (a->nla_len < sizeof(nlattr) || a->nla_len > len - off)
			return -EPROTO;
		if (mnl_attr_type_valid(a, static_cast<std::uint16_t>(N)) > 0)
			tb[mnl_attr_get_type(a)] = a;
		/* The last attribute's padding may be missing: off then passes len. */
		off += MNL_ALIGN(a->nla_len);
	}
	return 0;
}

template <std::size_t N>
int collect_payload(const nlmsghdr *nlh, std::size_t hdrlen, Table<N> &tb)
{
	const std::size_t plen = mnl_nlmsg_get_payload_len(nlh);
	if (plen < hdrlen)
		return -EPROTO;
	const char *payload = static_cast<const char *>(mnl_nlmsg_get_payload(nlh));
	/* Attributes start at the aligned end of the family header. */
	const std::size_t start = MNL_ALIGN(hdrlen);
	if (start > plen)
		return -EPROTO;
	return collect<N>(payload + start, plen - start, tb);
}

template <std::size_t N>
int collect_nest(const nlattr *nest, Table<N> &tb)
{
	return collect<N>(static_cast<const char *>(mnl_attr_get_payload(nest)),
			  mnl_attr_get_payload_len(nest), tb);
}

bool valid(const nlattr *a, Kind k)
{
	switch (k) {
	case Kind::skip:
		return true;
	case Kind::u8:
		return mnl_attr_validate(a, MNL_TYPE_U8) == 0;
	case Kind::u16:
		return mnl_attr_validate(a, MNL_TYPE_U16) == 0;
	case Kind::u32:
		return mnl_attr_validate(a, MNL_TYPE_U32) == 0;
	case Kind::u64:
		return mnl_attr_validate(a, MNL_TYPE_U64) == 0;
	case Kind::str:
		return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0;
	case Kind::nest:
		return mnl_attr_validate(a, MNL_TYPE_NESTED) == 0;
	case Kind::binary:
		return mnl_attr_validate(a, MNL_TYPE_BINARY) == 0;
	}
	return false;
}

/* Every present attribute of @tb has the kind @policy gives its type. */
template <std::size_t N, class Policy>
int check(const Table<N> &tb, Policy policy)
{
	for (std::size_t t = 0; t <= N; ++t)
		if (tb[t] != nullptr && !valid(tb[t], policy(static_cast<unsigned>(t))))
			return -EPROTO;
	return 0;
}

constexpr Kind top_kind(unsigned type)
{
	switch (type) {
	case TIMERX_NL_A_CTX_ID:
	case TIMERX_NL_A_TIMER_ID:
	case TIMERX_NL_A_OWNER_PID:
	case TIMERX_NL_A_OWNER_UID:
	case TIMERX_NL_A_TIMERS:
	case TIMERX_NL_A_RING_ENTRIES:
	case TIMERX_NL_A_RING_USED:
	case TIMERX_NL_A_CLOCKID:
	case TIMERX_NL_A_FLAGS:
	case TIMERX_NL_A_CPU:
	case TIMERX_NL_A_LAST_CPU:
	case TIMERX_NL_A_STATE:
	case TIMERX_NL_A_API_VERSION:
	case TIMERX_NL_A_CONTEXTS:
	case TIMERX_NL_A_SEQ:
	case TIMERX_NL_A_SLACK_NS:
		return Kind::u32;
	case TIMERX_NL_A_EVENTS:
	case TIMERX_NL_A_EXPIRATIONS:
	case TIMERX_NL_A_RING_FULL:
	case TIMERX_NL_A_WAKEUPS:
	case TIMERX_NL_A_PENDING:
	case TIMERX_NL_A_USER_DATA:
	case TIMERX_NL_A_PERIOD_NS:
	case TIMERX_NL_A_NEXT_EXPIRY_NS:
	case TIMERX_NL_A_FIRES:
	case TIMERX_NL_A_OVERRUNS:
	case TIMERX_NL_A_ALARM_COUNT:
	case TIMERX_NL_A_ALARM_MAX_NS:
		return Kind::u64;
	case TIMERX_NL_A_OWNER_COMM:
	case TIMERX_NL_A_MODULE_VERSION:
		return Kind::str;
	case TIMERX_NL_A_LATENESS:
	case TIMERX_NL_A_CONFIG:
		return Kind::nest;
	default:
		return Kind::skip; /* PAD */
	}
}

constexpr Kind hist_kind(unsigned type)
{
	switch (type) {
	case TIMERX_NL_HIST_A_COUNT:
	case TIMERX_NL_HIST_A_SUM_NS:
	case TIMERX_NL_HIST_A_MIN_NS:
	case TIMERX_NL_HIST_A_MAX_NS:
		return Kind::u64;
	case TIMERX_NL_HIST_A_SUB_BITS:
	case TIMERX_NL_HIST_A_NR_BUCKETS:
		return Kind::u32;
	case TIMERX_NL_HIST_A_BUCKETS:
		return Kind::binary;
	default:
		return Kind::skip;
	}
}

constexpr Kind config_kind(unsigned type)
{
	switch (type) {
	case TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX:
	case TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES:
	case TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS:
	case TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER:
	case TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER:
		return Kind::u32;
	case TIMERX_NL_CONFIG_A_MIN_PERIOD_NS:
	case TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS:
	case TIMERX_NL_CONFIG_A_MAX_USER_RATE:
		return Kind::u64;
	case TIMERX_NL_CONFIG_A_HISTOGRAMS:
		return Kind::u8;
	default:
		return Kind::skip;
	}
}

constexpr Kind ctrl_kind(unsigned type)
{
	switch (type) {
	case CTRL_ATTR_FAMILY_ID:
		return Kind::u16;
	case CTRL_ATTR_FAMILY_NAME:
		return Kind::str;
	case CTRL_ATTR_VERSION:
		return Kind::u32;
	case CTRL_ATTR_MCAST_GROUPS:
		return Kind::nest;
	default:
		return Kind::skip; /* HDRSIZE, MAXATTR, OPS, POLICY: not needed */
	}
}

constexpr Kind mcgrp_kind(unsigned type)
{
	switch (type) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		return Kind::str;
	case CTRL_ATTR_MCAST_GRP_ID:
		return Kind::u32;
	default:
		return Kind::skip;
	}
}

using TopTable = Table<TIMERX_NL_A_MAX>;

/* The attributes of a timerx message, checked against the policy. */
int collect_top(const nlmsghdr *nlh, TopTable &tb)
{
	const int ret = collect_payload<TIMERX_NL_A_MAX>(nlh, sizeof(genlmsghdr), tb);
	return ret < 0 ? ret : check<TIMERX_NL_A_MAX>(tb, top_kind);
}

/* Readers for checked attributes: leave @v alone when absent. */
void get(const nlattr *a, std::uint32_t &v)
{
	if (a != nullptr)
		v = mnl_attr_get_u32(a);
}

void get(const nlattr *a, std::int32_t &v)
{
	if (a != nullptr)
		v = static_cast<std::int32_t>(mnl_attr_get_u32(a));
}

void get(const nlattr *a, std::uint64_t &v)
{
	if (a != nullptr)
		v = mnl_attr_get_u64(a);
}

void get(const nlattr *a, std::string &v)
{
	if (a != nullptr)
		v = mnl_attr_get_str(a);
}

template <class T>
void get(const nlattr *a, std::optional<T> &v)
{
	if (a != nullptr) {
		T x{};
		get(a, x);
		v = x;
	}
}

/* ------------------------------------------------------------ requests */

nlmsghdr *put_request(void *buf, std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
		      std::uint8_t cmd, std::uint8_t version)
{
	/* Zeroed first: reserved fields and padding are part of the contract. */
	std::memset(buf, 0, request_buffer_size);
	nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	auto *genl = static_cast<genlmsghdr *>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

constexpr std::uint16_t do_flags = NLM_F_REQUEST | NLM_F_ACK;
constexpr std::uint16_t dump_flags = NLM_F_REQUEST | NLM_F_DUMP;

nlmsghdr *put_timerx(void *buf, std::uint16_t family, std::uint32_t seq, std::uint8_t cmd,
		     bool dump)
{
	return put_request(buf, family, dump ? dump_flags : do_flags, seq, cmd,
			   TIMERX_GENL_VERSION);
}

/* ------------------------------------------------------------ histograms */

/* The layouts Histogram's helpers can compute: every bucket bound < 2^64. */
bool layout_ok(std::uint32_t sub_bits, std::uint32_t nr_buckets)
{
	if (sub_bits > 16 || nr_buckets == 0)
		return false;
	/* The last index b has e = b / 2^S + S - 1 <= 63. */
	const std::uint64_t limit = (65ULL - sub_bits) << sub_bits;
	return nr_buckets <= limit;
}

} // namespace

/* ------------------------------------------------------------ requests */

nlmsghdr *build_get_family(void *buf, std::uint32_t seq, const char *name)
{
	/* The controller takes any version; 1 is what everybody sends. */
	nlmsghdr *nlh = put_request(buf, GENL_ID_CTRL, do_flags, seq, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nlh;
}

nlmsghdr *build_stats_get(void *buf, std::uint16_t family, std::uint32_t seq)
{
	return put_timerx(buf, family, seq, TIMERX_NL_CMD_STATS_GET, false);
}

nlmsghdr *build_ctx_get(void *buf, std::uint16_t family, std::uint32_t seq,
			std::optional<std::uint32_t> ctx_id)
{
	nlmsghdr *nlh = put_timerx(buf, family, seq, TIMERX_NL_CMD_CTX_GET, !ctx_id);
	if (ctx_id)
		mnl_attr_put_u32(nlh, TIMERX_NL_A_CTX_ID, *ctx_id);
	return nlh;
}

nlmsghdr *build_timer_get(void *buf, std::uint16_t family, std::uint32_t seq, std::uint32_t ctx_id,
			  std::uint32_t timer_id)
{
	nlmsghdr *nlh = put_timerx(buf, family, seq, TIMERX_NL_CMD_TIMER_GET, false);
	mnl_attr_put_u32(nlh, TIMERX_NL_A_CTX_ID, ctx_id);
	mnl_attr_put_u32(nlh, TIMERX_NL_A_TIMER_ID, timer_id);
	return nlh;
}

nlmsghdr *build_timer_dump(void *buf, std::uint16_t family, std::uint32_t seq,
			   std::optional<std::uint32_t> ctx_id)
{
	nlmsghdr *nlh = put_timerx(buf, family, seq, TIMERX_NL_CMD_TIMER_GET, true);
	if (ctx_id)
		mnl_attr_put_u32(nlh, TIMERX_NL_A_CTX_ID, *ctx_id);
	return nlh;
}

nlmsghdr *build_config_get(void *buf, std::uint16_t family, std::uint32_t seq)
{
	return put_timerx(buf, family, seq, TIMERX_NL_CMD_CONFIG_GET, false);
}

nlmsghdr *build_config_set(void *buf, std::uint16_t family, std::uint32_t seq,
			   const Config &changes)
{
	nlmsghdr *nlh = put_timerx(buf, family, seq, TIMERX_NL_CMD_CONFIG_SET, false);
	nlattr *nest = mnl_attr_nest_start(nlh, TIMERX_NL_A_CONFIG);
	if (changes.max_timers_per_ctx)
		mnl_attr_put_u32(nlh, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX,
				 *changes.max_timers_per_ctx);
	if (changes.max_ring_entries)
		mnl_attr_put_u32(nlh, TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES,
				 *changes.max_ring_entries);
	if (changes.min_period_ns)
		mnl_attr_put_u64(nlh, TIMERX_NL_CONFIG_A_MIN_PERIOD_NS, *changes.min_period_ns);
	if (changes.histograms)
		mnl_attr_put_u8(nlh, TIMERX_NL_CONFIG_A_HISTOGRAMS, *changes.histograms ? 1 : 0);
	if (changes.alarm_lateness_ns)
		mnl_attr_put_u64(nlh, TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS,
				 *changes.alarm_lateness_ns);
	if (changes.alarm_interval_ms)
		mnl_attr_put_u32(nlh, TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,
				 *changes.alarm_interval_ms);
	/* API 2: an older module refuses these (unknown attribute: -EINVAL). */
	if (changes.max_contexts_per_user)
		mnl_attr_put_u32(nlh, TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER,
				 *changes.max_contexts_per_user);
	if (changes.max_timers_per_user)
		mnl_attr_put_u32(nlh, TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER,
				 *changes.max_timers_per_user);
	if (changes.max_user_rate)
		mnl_attr_put_u64(nlh, TIMERX_NL_CONFIG_A_MAX_USER_RATE, *changes.max_user_rate);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* ------------------------------------------------------------ replies */

int genl_cmd(const nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(genlmsghdr)))
		return -EPROTO;
	return static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(nlh))->cmd;
}

int parse_family(const nlmsghdr *nlh, const char *group, FamilyInfo &out)
{
	Table<CTRL_ATTR_MAX> tb;
	int ret = collect_payload<CTRL_ATTR_MAX>(nlh, sizeof(genlmsghdr), tb);
	if (ret == 0)
		ret = check<CTRL_ATTR_MAX>(tb, ctrl_kind);
	if (ret < 0 || tb[CTRL_ATTR_FAMILY_ID] == nullptr)
		return -EPROTO;
	FamilyInfo info;
	info.id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (info.id < NLMSG_MIN_TYPE)
		return -EPROTO;
	get(tb[CTRL_ATTR_VERSION], info.version);
	if (const nlattr *groups = tb[CTRL_ATTR_MCAST_GROUPS]) {
		/* A nest of nests, one per group, each with a name and an id. */
		const char *p = static_cast<const char *>(mnl_attr_get_payload(groups));
		const std::size_t len = mnl_attr_get_payload_len(groups);
		std::size_t off = 0;
		while (off < len) {
			if (len - off < sizeof(nlattr))
				return -EPROTO;
			const auto *g = reinterpret_cast<const nlattr *>(p + off);
			if (g->nla_len < sizeof(nlattr) || g->nla_len > len - off ||
			    !valid(g, Kind::nest))
				return -EPROTO;
			Table<CTRL_ATTR_MCAST_GRP_MAX> gt;
			if (collect_nest<CTRL_ATTR_MCAST_GRP_MAX>(g, gt) < 0 ||
			    check<CTRL_ATTR_MCAST_GRP_MAX>(gt, mcgrp_kind) < 0)
				return -EPROTO;
			if (gt[CTRL_ATTR_MCAST_GRP_NAME] != nullptr &&
			    gt[CTRL_ATTR_MCAST_GRP_ID] != nullptr &&
			    std::strcmp(mnl_attr_get_str(gt[CTRL_ATTR_MCAST_GRP_NAME]), group) == 0)
				info.monitor_group = mnl_attr_get_u32(gt[CTRL_ATTR_MCAST_GRP_ID]);
			off += MNL_ALIGN(g->nla_len);
		}
	}
	out = info;
	return 0;
}

int parse_histogram(const nlattr *nest, Histogram &out)
{
	Table<TIMERX_NL_HIST_A_MAX> tb;
	if (collect_nest<TIMERX_NL_HIST_A_MAX>(nest, tb) < 0 ||
	    check<TIMERX_NL_HIST_A_MAX>(tb, hist_kind) < 0)
		return -EPROTO;
	Histogram h;
	get(tb[TIMERX_NL_HIST_A_COUNT], h.count);
	get(tb[TIMERX_NL_HIST_A_SUM_NS], h.sum_ns);
	get(tb[TIMERX_NL_HIST_A_MIN_NS], h.min_ns);
	get(tb[TIMERX_NL_HIST_A_MAX_NS], h.max_ns);
	get(tb[TIMERX_NL_HIST_A_SUB_BITS], h.sub_bits);
	get(tb[TIMERX_NL_HIST_A_NR_BUCKETS], h.nr_buckets);
	if (!layout_ok(h.sub_bits, h.nr_buckets))
		return -EPROTO;
	if (h.count > 0 && h.min_ns > h.max_ns)
		return -EPROTO;
	if (const nlattr *b = tb[TIMERX_NL_HIST_A_BUCKETS]) {
		const std::size_t len = mnl_attr_get_payload_len(b);
		if (len % sizeof(timerx_hist_bucket) != 0)
			return -EPROTO;
		const char *p = static_cast<const char *>(mnl_attr_get_payload(b));
		h.buckets.resize(len / sizeof(timerx_hist_bucket));
		for (std::size_t i = 0; i < h.buckets.size(); ++i) {
			/* Attribute payloads are only 4-byte aligned: copy, do not cast. */
			std::memcpy(&h.buckets[i], p + i * sizeof(timerx_hist_bucket),
				    sizeof(timerx_hist_bucket));
			if (h.buckets[i].index >= h.nr_buckets)
				return -EPROTO;
			if (i > 0 && h.buckets[i].index <= h.buckets[i - 1].index)
				return -EPROTO;
		}
	}
	out = std::move(h);
	return 0;
}

int parse_context(const nlmsghdr *nlh, ContextStatus &out)
{
	TopTable tb;
	if (collect_top(nlh, tb) < 0 || tb[TIMERX_NL_A_CTX_ID] == nullptr)
		return -EPROTO;
	ContextStatus c;
	get(tb[TIMERX_NL_A_CTX_ID], c.ctx_id);
	get(tb[TIMERX_NL_A_OWNER_PID], c.owner_pid);
	get(tb[TIMERX_NL_A_OWNER_UID], c.owner_uid);
	get(tb[TIMERX_NL_A_OWNER_COMM], c.owner_comm);
	get(tb[TIMERX_NL_A_TIMERS], c.timers);
	get(tb[TIMERX_NL_A_RING_ENTRIES], c.ring_entries);
	get(tb[TIMERX_NL_A_RING_USED], c.ring_used);
	get(tb[TIMERX_NL_A_EVENTS], c.events);
	get(tb[TIMERX_NL_A_EXPIRATIONS], c.expirations);
	get(tb[TIMERX_NL_A_RING_FULL], c.ring_full);
	get(tb[TIMERX_NL_A_WAKEUPS], c.wakeups);
	get(tb[TIMERX_NL_A_PENDING], c.pending);
	if (tb[TIMERX_NL_A_LATENESS] != nullptr &&
	    parse_histogram(tb[TIMERX_NL_A_LATENESS], c.lateness) < 0)
		return -EPROTO;
	out = std::move(c);
	return 0;
}

int parse_timer(const nlmsghdr *nlh, TimerStatus &out)
{
	TopTable tb;
	if (collect_top(nlh, tb) < 0 || tb[TIMERX_NL_A_CTX_ID] == nullptr ||
	    tb[TIMERX_NL_A_TIMER_ID] == nullptr)
		return -EPROTO;
	TimerStatus t;
	get(tb[TIMERX_NL_A_CTX_ID], t.ctx_id);
	get(tb[TIMERX_NL_A_TIMER_ID], t.timer_id);
	get(tb[TIMERX_NL_A_USER_DATA], t.user_data);
	get(tb[TIMERX_NL_A_CLOCKID], t.clockid);
	get(tb[TIMERX_NL_A_FLAGS], t.flags);
	get(tb[TIMERX_NL_A_CPU], t.cpu);
	get(tb[TIMERX_NL_A_LAST_CPU], t.last_cpu);
	get(tb[TIMERX_NL_A_STATE], t.state);
	get(tb[TIMERX_NL_A_PERIOD_NS], t.period_ns);
	if (const nlattr *a = tb[TIMERX_NL_A_NEXT_EXPIRY_NS])
		t.next_expiry_ns = static_cast<std::int64_t>(mnl_attr_get_u64(a));
	get(tb[TIMERX_NL_A_FIRES], t.fires);
	get(tb[TIMERX_NL_A_EXPIRATIONS], t.expirations);
	get(tb[TIMERX_NL_A_OVERRUNS], t.overruns);
	get(tb[TIMERX_NL_A_EVENTS], t.events);
	get(tb[TIMERX_NL_A_PENDING], t.pending);
	if (const nlattr *a = tb[TIMERX_NL_A_SEQ])
		t.seq = mnl_attr_get_u32(a);
	if (const nlattr *a = tb[TIMERX_NL_A_SLACK_NS])
		t.slack_ns = mnl_attr_get_u32(a);
	if (const nlattr *a = tb[TIMERX_NL_A_LATENESS]) {
		Histogram h;
		if (parse_histogram(a, h) < 0)
			return -EPROTO;
		t.lateness = std::move(h);
	}
	out = std::move(t);
	return 0;
}

int parse_stats(const nlmsghdr *nlh, Stats &out)
{
	TopTable tb;
	if (collect_top(nlh, tb) < 0 || tb[TIMERX_NL_A_API_VERSION] == nullptr)
		return -EPROTO;
	Stats s;
	get(tb[TIMERX_NL_A_API_VERSION], s.api_version);
	get(tb[TIMERX_NL_A_MODULE_VERSION], s.module_version);
	get(tb[TIMERX_NL_A_CONTEXTS], s.contexts);
	get(tb[TIMERX_NL_A_TIMERS], s.timers);
	get(tb[TIMERX_NL_A_FIRES], s.fires);
	get(tb[TIMERX_NL_A_EXPIRATIONS], s.expirations);
	get(tb[TIMERX_NL_A_EVENTS], s.events);
	get(tb[TIMERX_NL_A_RING_FULL], s.ring_full);
	if (tb[TIMERX_NL_A_LATENESS] != nullptr &&
	    parse_histogram(tb[TIMERX_NL_A_LATENESS], s.lateness) < 0)
		return -EPROTO;
	out = std::move(s);
	return 0;
}

int parse_config(const nlmsghdr *nlh, Config &out)
{
	TopTable tb;
	if (collect_top(nlh, tb) < 0 || tb[TIMERX_NL_A_CONFIG] == nullptr)
		return -EPROTO;
	Table<TIMERX_NL_CONFIG_A_MAX> ct;
	if (collect_nest<TIMERX_NL_CONFIG_A_MAX>(tb[TIMERX_NL_A_CONFIG], ct) < 0 ||
	    check<TIMERX_NL_CONFIG_A_MAX>(ct, config_kind) < 0)
		return -EPROTO;
	Config c;
	get(ct[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX], c.max_timers_per_ctx);
	get(ct[TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES], c.max_ring_entries);
	get(ct[TIMERX_NL_CONFIG_A_MIN_PERIOD_NS], c.min_period_ns);
	if (const nlattr *a = ct[TIMERX_NL_CONFIG_A_HISTOGRAMS]) {
		const std::uint8_t v = mnl_attr_get_u8(a);
		if (v > 1)
			return -EPROTO;
		c.histograms = v == 1;
	}
	get(ct[TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS], c.alarm_lateness_ns);
	get(ct[TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS], c.alarm_interval_ms);
	/* API 2; absent from an older module's replies: left empty. */
	get(ct[TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER], c.max_contexts_per_user);
	get(ct[TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER], c.max_timers_per_user);
	get(ct[TIMERX_NL_CONFIG_A_MAX_USER_RATE], c.max_user_rate);
	out = c;
	return 0;
}

int parse_notification(const nlmsghdr *nlh, Notification &out)
{
	const int cmd = genl_cmd(nlh);
	if (cmd < 0)
		return -EPROTO;
	Notification n;
	switch (cmd) {
	case TIMERX_NL_CMD_CTX_NEW:
		n.kind = Notification::Kind::ctx_new;
		break;
	case TIMERX_NL_CMD_CTX_DEL:
		n.kind = Notification::Kind::ctx_del;
		break;
	case TIMERX_NL_CMD_OVERFLOW:
		n.kind = Notification::Kind::overflow;
		break;
	case TIMERX_NL_CMD_LATENESS_ALARM:
		n.kind = Notification::Kind::lateness_alarm;
		break;
	default:
		return 0; /* a newer module's notification */
	}
	TopTable tb;
	if (collect_top(nlh, tb) < 0 || tb[TIMERX_NL_A_CTX_ID] == nullptr)
		return -EPROTO;
	get(tb[TIMERX_NL_A_CTX_ID], n.ctx_id);
	get(tb[TIMERX_NL_A_OWNER_PID], n.owner_pid);
	get(tb[TIMERX_NL_A_OWNER_UID], n.owner_uid);
	get(tb[TIMERX_NL_A_OWNER_COMM], n.owner_comm);
	get(tb[TIMERX_NL_A_TIMER_ID], n.timer_id);
	get(tb[TIMERX_NL_A_EVENTS], n.events);
	get(tb[TIMERX_NL_A_EXPIRATIONS], n.expirations);
	get(tb[TIMERX_NL_A_RING_FULL], n.ring_full);
	get(tb[TIMERX_NL_A_ALARM_COUNT], n.alarm_count);
	get(tb[TIMERX_NL_A_ALARM_MAX_NS], n.alarm_max_ns);
	out = std::move(n);
	return 1;
}

std::string extack_message(const nlmsghdr *nlh)
{
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) == 0)
		return {};
	const std::size_t plen = mnl_nlmsg_get_payload_len(nlh);
	std::size_t off = sizeof(int); /* NLMSG_DONE: the errno, then the TLVs */
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (plen < sizeof(nlmsgerr))
			return {};
		const auto *err = static_cast<const nlmsgerr *>(mnl_nlmsg_get_payload(nlh));
		off = sizeof(nlmsgerr);
		/* Without NETLINK_CAP_ACK the whole request is echoed first. */
		if ((nlh->nlmsg_flags & NLM_F_CAPPED) == 0) {
			if (err->msg.nlmsg_len < sizeof(nlmsghdr))
				return {};
			off += err->msg.nlmsg_len - sizeof(nlmsghdr);
		}
	}
	off = MNL_ALIGN(off);
	if (off > plen)
		return {};
	Table<NLMSGERR_ATTR_MAX> tb;
	const char *p = static_cast<const char *>(mnl_nlmsg_get_payload(nlh));
	if (collect<NLMSGERR_ATTR_MAX>(p + off, plen - off, tb) < 0)
		return {};
	const nlattr *msg = tb[NLMSGERR_ATTR_MSG];
	if (msg == nullptr || !valid(msg, Kind::str))
		return {};
	return mnl_attr_get_str(msg);
}

/* ------------------------------------------------------------ ReplyStream */

ReplyStream::ReplyStream(std::uint32_t seq, std::uint32_t portid, std::uint16_t family,
			 std::uint8_t cmd, bool dump, MessageFn on_message)
	: seq_(seq), portid_(portid), family_(family), cmd_(cmd), dump_(dump),
	  on_message_(std::move(on_message))
{}

int ReplyStream::feed(const void *buf, std::size_t len)
{
	if (finished_ || len == 0)
		return fail(-EPROTO);
	/*
	 * First the framing, for every message: mnl_cb_run2() stops quietly
	 * at a message that does not fit (a truncated datagram would look
	 * like a complete one), and stops at the first NLM_F_DUMP_INTR, when
	 * the end of the dump may be further on in the same datagram.
	 */
	const char *p = static_cast<const char *>(buf);
	bool intr = false;
	bool terminal = false;
	std::size_t off = 0;
	while (off < len) {
		if (len - off < sizeof(nlmsghdr))
			return fail(-EPROTO);
		const auto *nlh = reinterpret_cast<const nlmsghdr *>(p + off);
		if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > len - off ||
		    !mnl_nlmsg_portid_ok(nlh, portid_) || !mnl_nlmsg_seq_ok(nlh, seq_))
			return fail(-EPROTO);
		intr = intr || (nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
		terminal =
			terminal || nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}

	if (intr)
		interrupted_ = true;
	if (interrupted_) {
		/* Read to the end of the dump, so the socket is clean for the restart. */
		if (!terminal)
			return more;
		finished_ = true;
		return interrupted;
	}

	std::array<mnl_cb_t, NLMSG_MIN_TYPE> ctl{};
	ctl[NLMSG_NOOP] = noop_cb;
	ctl[NLMSG_ERROR] = error_cb;
	ctl[NLMSG_DONE] = done_cb;
	ctl[NLMSG_OVERRUN] = noop_cb;
	const int ret = mnl_cb_run2(buf, len, seq_, portid_, data_cb, this, ctl.data(),
				    static_cast<unsigned>(ctl.size()));
	if (ret == MNL_CB_OK)
		return more;
	finished_ = true;
	if (ret < 0 && result_ == 0)
		result_ = -EPROTO; /* libmnl's own checks */
	return result_;
}

int ReplyStream::fail(int err)
{
	finished_ = true;
	result_ = err;
	return err;
}

int ReplyStream::on_data(const nlmsghdr *nlh)
{
	if (nlh->nlmsg_type != family_ || genl_cmd(nlh) != cmd_)
		return -EPROTO;
	/* A single request has exactly one reply, before its ACK. */
	if (!dump_ && messages_ > 0)
		return -EPROTO;
	++messages_;
	return on_message_(nlh);
}

int ReplyStream::on_error(const nlmsghdr *nlh)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr))
		return -EPROTO;
	const auto *err = static_cast<const nlmsgerr *>(mnl_nlmsg_get_payload(nlh));
	if (err->error == 0) /* the ACK */
		return !dump_ && messages_ == 0 ? -EPROTO : 0;
	errmsg_ = extack_message(nlh);
	/* Subsystems disagree on the sign; libmnl accepts both too. */
	return err->error < 0 ? err->error : -err->error;
}

int ReplyStream::on_done(const nlmsghdr *nlh)
{
	if (!dump_)
		return -EPROTO;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return 0; /* very old kernels: no errno */
	int err = 0;
	std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err == 0)
		return 0;
	errmsg_ = extack_message(nlh);
	return err < 0 ? err : -err;
}

int ReplyStream::data_cb(const nlmsghdr *nlh, void *self)
{
	auto *s = static_cast<ReplyStream *>(self);
	s->result_ = s->on_data(nlh);
	return s->result_ < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int ReplyStream::error_cb(const nlmsghdr *nlh, void *self)
{
	auto *s = static_cast<ReplyStream *>(self);
	s->result_ = s->on_error(nlh);
	return MNL_CB_STOP;
}

int ReplyStream::done_cb(const nlmsghdr *nlh, void *self)
{
	auto *s = static_cast<ReplyStream *>(self);
	s->result_ = s->on_done(nlh);
	return MNL_CB_STOP;
}

int ReplyStream::noop_cb(const nlmsghdr *, void *)
{
	return MNL_CB_OK;
}

/* ------------------------------------------------------------ notifications */

int parse_notifications(const void *buf, std::size_t len, std::uint16_t family,
			std::vector<Notification> &out)
{
	const char *p = static_cast<const char *>(buf);
	int ret = 0;
	std::size_t off = 0;
	while (off < len) {
		if (len - off < sizeof(nlmsghdr))
			return -EPROTO;
		const auto *nlh = reinterpret_cast<const nlmsghdr *>(p + off);
		if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > len - off)
			return -EPROTO;
		if (nlh->nlmsg_type == family) {
			Notification n;
			const int r = parse_notification(nlh, n);
			if (r < 0)
				ret = r;
			else if (r > 0)
				out.push_back(std::move(n));
		}
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return ret;
}

} // namespace timerx::detail::nl
