// SPDX-License-Identifier: MIT
/*
 * The control plane through libtimerx-control (Control, Monitor) against the real
 * module: stats, contexts and timers with their lateness histograms,
 * ENOENT for what does not exist, config round trip and its all-or-nothing
 * EINVAL/ERANGE with an extack message, CTX_NEW/CTX_DEL notifications, what
 * nobody may see and do, and dumps of thousands of timers, also while
 * timers come and go (NLM_F_DUMP_INTR restarts).
 *
 * Each test skips when the generic netlink family is not registered (a
 * module without the control plane); the binary skips without the device.
 * Settings changed here are restored.
 */
#include "itest.hpp"

#include <timerx/control.hpp>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace {

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::Config;
using timerx::Context;
using timerx::ContextStatus;
using timerx::Control;
using timerx::Monitor;
using timerx::Notification;
using timerx::TimerStatus;

/* Far enough never to fire during a test. */
constexpr auto never = 3600s;

std::string self_comm()
{
	std::ifstream f("/proc/self/comm");
	std::string s;
	std::getline(f, s);
	return s;
}

std::uint32_t ctx_id_of(const Context &ctx)
{
	const auto info = ctx.info();
	EXPECT_TRUE(info.ok()) << std::strerror(info.error().code());
	return info->ctx_id;
}

const ContextStatus *find_ctx(const std::vector<ContextStatus> &v, std::uint32_t id)
{
	for (const ContextStatus &c : v)
		if (c.ctx_id == id)
			return &c;
	return nullptr;
}

const TimerStatus *find_timer(const std::vector<TimerStatus> &v, std::uint32_t ctx,
			      std::uint32_t id)
{
	for (const TimerStatus &t : v)
		if (t.ctx_id == ctx && t.timer_id == id)
			return &t;
	return nullptr;
}

bool same(const Config &a, const Config &b)
{
	return a.max_timers_per_ctx == b.max_timers_per_ctx &&
	       a.max_ring_entries == b.max_ring_entries && a.min_period_ns == b.min_period_ns &&
	       a.histograms == b.histograms && a.alarm_lateness_ns == b.alarm_lateness_ns &&
	       a.alarm_interval_ms == b.alarm_interval_ms &&
	       a.max_contexts_per_user == b.max_contexts_per_user &&
	       a.max_timers_per_user == b.max_timers_per_user && a.max_user_rate == b.max_user_rate;
}

/* Puts every setting back as it was when constructed. */
class ConfigRestore {
public:
	explicit ConfigRestore(Control &c) : c_(c) { ok_ = take(c_.config(), old_) == 0; }
	~ConfigRestore()
	{
		if (ok_) {
			EXPECT_EQ(0, status(c_.set_config(old_))) << c_.last_error_message();
		}
	}
	ConfigRestore(const ConfigRestore &) = delete;
	ConfigRestore &operator=(const ConfigRestore &) = delete;
	[[nodiscard]] bool ok() const { return ok_; }
	[[nodiscard]] const Config &old() const { return old_; }

private:
	Control &c_;
	Config old_;
	bool ok_ = false;
};

class ControlTest : public testing::Test {
protected:
	void SetUp() override
	{
		const int r = take(Control::open(), ctl);
		if (r == -ENOENT)
			GTEST_SKIP() << "generic netlink family \"" TIMERX_GENL_NAME
					"\" not registered (module without the control plane)";
		ASSERT_EQ(0, r) << std::strerror(-r);
		ASSERT_TRUE(ctl.is_open());
	}

	Control ctl;
};

TEST_F(ControlTest, Stats)
{
	timerx::Stats s;
	ASSERT_EQ(0, take(ctl.stats(), s)) << ctl.last_error_message();
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_API_VERSION), s.api_version);
	EXPECT_FALSE(s.module_version.empty());
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_SUB_BITS), s.lateness.sub_bits);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_BUCKETS), s.lateness.nr_buckets);

	/* A context of ours is counted. */
	Context ctx = itest::open_context(16);
	timerx::Stats s2;
	ASSERT_EQ(0, take(ctl.stats(), s2));
	EXPECT_GE(s2.contexts, 1U);
}

TEST_F(ControlTest, ContextsAndTimers)
{
	ConfigRestore restore(ctl);
	ASSERT_TRUE(restore.ok());
	/* Per-timer histograms are for timers created while they are on. */
	Config on;
	on.histograms = true;
	ASSERT_EQ(0, status(ctl.set_config(on))) << ctl.last_error_message();

	Context ctx = itest::open_context(1024);
	const std::uint32_t cid = ctx_id_of(ctx);
	const auto periodic = ctx.create_timer({.user_data = 101});
	const auto idle = ctx.create_timer({.user_data = 102, .clock = timerx::Clock::realtime});
	const auto once = ctx.create_timer({.user_data = 103});
	ASSERT_TRUE(periodic.ok() && idle.ok() && once.ok());
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*periodic, 1ms, 1ms))));
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*idle, never))));
	ASSERT_EQ(0, rc(ctx.cancel_timer(*idle)));
	ASSERT_EQ(0, rc(ctx.arm_timer(ArmSpec::after(*once, 1ms))));
	std::this_thread::sleep_for(100ms);
	/* Wait for the one-shot too (emulated time can be slow). */
	for (int i = 0; i < 50; ++i) {
		const auto info = ctx.get_timer(*once);
		if (info.ok() && info->expirations > 0)
			break;
		std::this_thread::sleep_for(100ms);
	}

	std::vector<ContextStatus> all;
	ASSERT_EQ(0, take(ctl.contexts(), all)) << ctl.last_error_message();
	const ContextStatus *c = find_ctx(all, cid);
	ASSERT_NE(nullptr, c) << "context " << cid << " not in the dump";
	EXPECT_EQ(static_cast<std::uint32_t>(::getpid()), c->owner_pid);
	EXPECT_EQ(0U, c->owner_uid);
	EXPECT_EQ(self_comm(), c->owner_comm);
	EXPECT_EQ(3U, c->timers);
	EXPECT_EQ(1024U, c->ring_entries);
	EXPECT_GT(c->events, 0U);
	EXPECT_GE(c->expirations, c->events);
	EXPECT_GT(c->lateness.count, 0U);

	ContextStatus one;
	ASSERT_EQ(0, take(ctl.context(cid), one)) << ctl.last_error_message();
	EXPECT_EQ(cid, one.ctx_id);
	EXPECT_EQ(c->owner_pid, one.owner_pid);
	EXPECT_EQ(c->owner_comm, one.owner_comm);
	EXPECT_GE(one.expirations, c->expirations);

	std::vector<TimerStatus> timers;
	ASSERT_EQ(0, take(ctl.timers(cid), timers)) << ctl.last_error_message();
	ASSERT_EQ(3U, timers.size());
	for (std::size_t i = 1; i < timers.size(); ++i)
		EXPECT_LT(timers[i - 1].timer_id, timers[i].timer_id) << "dumped in id order";

	const TimerStatus *p = find_timer(timers, cid, *periodic);
	ASSERT_NE(nullptr, p);
	EXPECT_EQ(101U, p->user_data);
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_MONOTONIC), p->clockid);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_TIMER_ARMED), p->state);
	EXPECT_EQ(1000000U, p->period_ns);
	EXPECT_TRUE(p->next_expiry_ns.has_value());
	EXPECT_GT(p->fires, 0U);
	EXPECT_GE(p->expirations, p->fires);
	EXPECT_EQ(p->expirations - p->fires, p->overruns);
	EXPECT_GE(p->last_cpu, 0);
	ASSERT_TRUE(p->lateness.has_value()) << "created with histograms on";
	const timerx::Histogram &h = *p->lateness;
	EXPECT_GT(h.count, 0U);
	EXPECT_LE(h.min_ns, h.max_ns);
	EXPECT_FALSE(h.buckets.empty());
	for (double q : {0.0, 0.5, 0.9, 0.99, 1.0}) {
		EXPECT_GE(h.quantile_ns(q), h.min_ns) << q;
		EXPECT_LE(h.quantile_ns(q), h.max_ns) << q;
	}

	const TimerStatus *i = find_timer(timers, cid, *idle);
	ASSERT_NE(nullptr, i);
	EXPECT_EQ(102U, i->user_data);
	EXPECT_EQ(static_cast<std::uint32_t>(CLOCK_REALTIME), i->clockid);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_TIMER_IDLE), i->state);
	EXPECT_FALSE(i->next_expiry_ns.has_value());
	EXPECT_EQ(0U, i->fires);
	EXPECT_EQ(-1, i->last_cpu);

	const TimerStatus *o = find_timer(timers, cid, *once);
	ASSERT_NE(nullptr, o);
	EXPECT_EQ(1U, o->fires);
	EXPECT_EQ(1U, o->expirations);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_TIMER_IDLE), o->state);

	/* The same timer alone, and among every visible timer. */
	TimerStatus single;
	ASSERT_EQ(0, take(ctl.timer(cid, *periodic), single)) << ctl.last_error_message();
	EXPECT_EQ(*periodic, single.timer_id);
	EXPECT_EQ(cid, single.ctx_id);
	EXPECT_GE(single.fires, p->fires);
	std::vector<TimerStatus> every;
	ASSERT_EQ(0, take(ctl.timers(), every));
	EXPECT_NE(nullptr, find_timer(every, cid, *periodic));
	EXPECT_NE(nullptr, find_timer(every, cid, *idle));
	EXPECT_NE(nullptr, find_timer(every, cid, *once));

	timerx::Stats s;
	ASSERT_EQ(0, take(ctl.stats(), s));
	EXPECT_GE(s.fires, p->fires);
	EXPECT_GE(s.timers, 3U);
	EXPECT_GT(s.lateness.count, 0U);
}

TEST_F(ControlTest, AbsentContextOrTimerIsEnoent)
{
	Context ctx = itest::open_context(16);
	const std::uint32_t cid = ctx_id_of(ctx);
	const auto id = ctx.create_timer({});
	ASSERT_TRUE(id.ok());
	const std::uint32_t bogus_ctx = 0xfffffff0U;

	ContextStatus c;
	c.ctx_id = 7;
	EXPECT_EQ(-ENOENT, take(ctl.context(bogus_ctx), c));
	EXPECT_EQ(7U, c.ctx_id) << "untouched on failure";
	TimerStatus t;
	EXPECT_EQ(-ENOENT, take(ctl.timer(cid, *id + 1000), t));
	EXPECT_EQ(-ENOENT, take(ctl.timer(bogus_ctx, *id), t));
	std::vector<TimerStatus> v;
	const int r = take(ctl.timers(bogus_ctx), v);
	EXPECT_TRUE(r == -ENOENT || (r == 0 && v.empty())) << r;

	/* Closed contexts are gone. */
	ctx.close();
	EXPECT_EQ(-ENOENT, take(ctl.context(cid), c));
	EXPECT_EQ(-ENOENT, take(ctl.timer(cid, *id), t));
}

TEST_F(ControlTest, ConfigRoundTrip)
{
	ConfigRestore restore(ctl);
	ASSERT_TRUE(restore.ok()) << ctl.last_error_message();
	const Config &old = restore.old();
	ASSERT_TRUE(old.max_timers_per_ctx && old.max_ring_entries && old.min_period_ns &&
		    old.histograms && old.alarm_lateness_ns && old.alarm_interval_ms)
		<< "CONFIG carries every setting";
	ASSERT_TRUE(old.max_contexts_per_user && old.max_timers_per_user && old.max_user_rate)
		<< "API " << TIMERX_API_VERSION << ": CONFIG carries the per-user limits";

	Config change;
	change.alarm_interval_ms = *old.alarm_interval_ms == 1234 ? 1235 : 1234;
	change.histograms = !*old.histograms;
	change.alarm_lateness_ns = *old.alarm_lateness_ns == 5000000 ? 6000000 : 5000000;
	change.max_contexts_per_user = *old.max_contexts_per_user == 1000 ? 1001 : 1000;
	change.max_timers_per_user = *old.max_timers_per_user == 70000 ? 70001 : 70000;
	change.max_user_rate = *old.max_user_rate == 200000 ? 200001 : 200000;
	Config result;
	ASSERT_EQ(0, take(ctl.set_config(change), result)) << ctl.last_error_message();
	EXPECT_EQ("", ctl.last_error_message());
	EXPECT_EQ(change.alarm_interval_ms, result.alarm_interval_ms);
	EXPECT_EQ(change.histograms, result.histograms);
	EXPECT_EQ(change.alarm_lateness_ns, result.alarm_lateness_ns);
	EXPECT_EQ(change.max_contexts_per_user, result.max_contexts_per_user);
	EXPECT_EQ(change.max_timers_per_user, result.max_timers_per_user);
	EXPECT_EQ(change.max_user_rate, result.max_user_rate);
	EXPECT_EQ(old.max_timers_per_ctx, result.max_timers_per_ctx) << "not sent, not changed";
	EXPECT_EQ(old.min_period_ns, result.min_period_ns);

	Config now;
	ASSERT_EQ(0, take(ctl.config(), now));
	EXPECT_TRUE(same(result, now));
	/* The module parameter of the same name says the same. */
	if (const auto p = itest::param_read("alarm_interval_ms")) {
		EXPECT_EQ(*change.alarm_interval_ms, *p);
	}
	if (const auto p = itest::param_read("max_contexts_per_user")) {
		EXPECT_EQ(*change.max_contexts_per_user, *p);
	}
	if (const auto p = itest::param_read("max_timers_per_user")) {
		EXPECT_EQ(*change.max_timers_per_user, *p);
	}
	if (const auto p = itest::param_read("max_user_rate")) {
		EXPECT_EQ(*change.max_user_rate, *p);
	}

	/*
	 * Refused: EINVAL (not a power of two) or ERANGE (out of range), with
	 * a message, and nothing applied (all or none).
	 */
	Config bad;
	bad.alarm_interval_ms = *old.alarm_interval_ms; /* valid, but must not be applied */
	bad.max_ring_entries = 3;                       /* not a power of two */
	EXPECT_EQ(-EINVAL, status(ctl.set_config(bad)));
	EXPECT_FALSE(ctl.last_error_message().empty());
	Config after;
	ASSERT_EQ(0, take(ctl.config(), after));
	EXPECT_TRUE(same(now, after)) << "a refused CONFIG_SET changed something";
	std::map<std::string, Config> out_of_range;
	out_of_range["max_timers_per_ctx 0"].max_timers_per_ctx = 0;
	out_of_range["max_ring_entries 2^21"].max_ring_entries = 1U << 21;
	out_of_range["min_period_ns 10^9 + 1"].min_period_ns = 1000000001ULL;
	out_of_range["alarm_interval_ms 0"].alarm_interval_ms = 0;
	out_of_range["alarm_lateness_ns 10^10 + 1"].alarm_lateness_ns = 10000000001ULL;
	out_of_range["max_contexts_per_user 0"].max_contexts_per_user = 0;
	out_of_range["max_contexts_per_user 2^20 + 1"].max_contexts_per_user = (1U << 20) + 1;
	out_of_range["max_timers_per_user 0"].max_timers_per_user = 0;
	out_of_range["max_timers_per_user 2^24 + 1"].max_timers_per_user = (1U << 24) + 1;
	out_of_range["max_user_rate 0"].max_user_rate = 0;
	out_of_range["max_user_rate 10^10 + 1"].max_user_rate = 10000000001ULL;
	for (const auto &[name, cfg] : out_of_range) {
		EXPECT_EQ(-ERANGE, status(ctl.set_config(cfg))) << name;
		EXPECT_FALSE(ctl.last_error_message().empty()) << name;
	}
	ASSERT_EQ(0, take(ctl.config(), after));
	EXPECT_TRUE(same(now, after));

	/* Back to the old values, by hand (the guard does it again). */
	ASSERT_EQ(0, take(ctl.set_config(old), result)) << ctl.last_error_message();
	EXPECT_TRUE(same(old, result));
}

/* The next notification for @ctx of @kind, within a few seconds. */
std::optional<Notification> wait_for(Monitor &m, Notification::Kind kind, std::uint32_t ctx)
{
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while (std::chrono::steady_clock::now() < deadline) {
		Notification n;
		const int r = take(m.next(std::chrono::milliseconds(200)), n);
		if (r == -ETIMEDOUT || r == -ENOBUFS)
			continue;
		EXPECT_EQ(0, r) << std::strerror(-r);
		if (r != 0)
			return std::nullopt;
		if (n.kind == kind && n.ctx_id == ctx)
			return n;
	}
	return std::nullopt;
}

TEST_F(ControlTest, MonitorSeesContextsComeAndGo)
{
	Monitor m;
	ASSERT_EQ(0, take(Monitor::open(), m));
	ASSERT_GE(m.fd(), 0);
	Notification n;
	EXPECT_EQ(-ETIMEDOUT, take(m.next(std::chrono::milliseconds(0)), n)) << "nothing yet";

	std::uint32_t cid = 0;
	{
		Context ctx = itest::open_context(16);
		cid = ctx_id_of(ctx);
		pollfd pfd{m.fd(), POLLIN, 0};
		EXPECT_EQ(1, ::poll(&pfd, 1, 5000)) << "the fd is readable with a notification";
	}
	const auto created = wait_for(m, Notification::Kind::ctx_new, cid);
	ASSERT_TRUE(created.has_value()) << "no CTX_NEW for " << cid;
	EXPECT_EQ(static_cast<std::uint32_t>(::getpid()), created->owner_pid.value_or(0));
	EXPECT_EQ(0U, created->owner_uid.value_or(1));
	EXPECT_EQ(self_comm(), created->owner_comm);
	const auto deleted = wait_for(m, Notification::Kind::ctx_del, cid);
	ASSERT_TRUE(deleted.has_value()) << "no CTX_DEL for " << cid;
	EXPECT_EQ(0U, deleted->owner_uid.value_or(1));

	/* Several contexts at once: a datagram may hold several notifications. */
	std::set<std::uint32_t> ids;
	{
		std::vector<Context> many;
		for (int i = 0; i < 20; ++i) {
			many.emplace_back(itest::open_context(16));
			ids.insert(ctx_id_of(many.back()));
		}
	}
	std::set<std::uint32_t> news;
	std::set<std::uint32_t> dels;
	const auto deadline = std::chrono::steady_clock::now() + itest::fire_timeout;
	while ((news.size() < ids.size() || dels.size() < ids.size()) &&
	       std::chrono::steady_clock::now() < deadline) {
		const int r = take(m.next(std::chrono::milliseconds(200)), n);
		if (r == -ETIMEDOUT)
			continue;
		ASSERT_EQ(0, r) << std::strerror(-r);
		if (ids.count(n.ctx_id) == 0)
			continue;
		if (n.kind == Notification::Kind::ctx_new)
			news.insert(n.ctx_id);
		else if (n.kind == Notification::Kind::ctx_del)
			dels.insert(n.ctx_id);
	}
	EXPECT_EQ(ids, news);
	EXPECT_EQ(ids, dels);
}

TEST_F(ControlTest, NobodySeesNothingOfRoot)
{
	if (!itest::is_root())
		GTEST_SKIP() << "needs root to switch to nobody";
	Context ctx = itest::open_context(16);
	const std::uint32_t cid = ctx_id_of(ctx);
	const auto id = ctx.create_timer({});
	ASSERT_TRUE(id.ok());
	Config before;
	ASSERT_EQ(0, take(ctl.config(), before));

	const int failed = itest::run_as_nobody([&] {
		int f = 0;
		/* A socket of our own, as a tool run by nobody has. */
		Control c;
		ITEST_CHECK(f, take(Control::open(), c) == 0);
		if (!c.is_open())
			return f + 1;
		std::vector<ContextStatus> all;
		ITEST_CHECK(f, take(c.contexts(), all) == 0);
		ITEST_CHECK(f, find_ctx(all, cid) == nullptr);
		for (const ContextStatus &s : all)
			ITEST_CHECK(f, s.owner_uid == 65534);
		ContextStatus one;
		ITEST_CHECK(f, take(c.context(cid), one) == -ENOENT);
		TimerStatus t;
		ITEST_CHECK(f, take(c.timer(cid, *id), t) == -ENOENT);
		std::vector<TimerStatus> timers;
		const int r = take(c.timers(cid), timers);
		ITEST_CHECK(f, r == -ENOENT || (r == 0 && timers.empty()));
		ITEST_CHECK(f, take(c.timers(), timers) == 0);
		ITEST_CHECK(f, find_timer(timers, cid, *id) == nullptr);
		timerx::Stats s;
		ITEST_CHECK(f, take(c.stats(), s) == 0);
		ITEST_CHECK(f, s.contexts >= 1); /* the totals include what nobody cannot see */
		Config cfg;
		ITEST_CHECK(f, take(c.config(), cfg) == 0);
		Config change;
		change.alarm_interval_ms = 4321;
		ITEST_CHECK(f, status(c.set_config(change)) == -EPERM);
		Monitor m;
		ITEST_CHECK(f, take(Monitor::open(), m) == -EPERM);
		ITEST_CHECK(f, m.fd() == -1);
		return f;
	});
	EXPECT_EQ(0, failed) << "checks failed as nobody (see the output above); -1: child died";
	Config after;
	ASSERT_EQ(0, take(ctl.config(), after));
	EXPECT_TRUE(same(before, after));
}

/* Contexts with @per timers each, created idle. */
struct ManyTimers {
	std::vector<Context> contexts;
	std::map<std::uint32_t, std::set<std::uint32_t>> ids; /* ctx id -> timer ids */

	ManyTimers(int n, int per)
	{
		for (int i = 0; i < n; ++i) {
			contexts.emplace_back(itest::open_context(16));
			std::set<std::uint32_t> &set = ids[ctx_id_of(contexts.back())];
			for (int j = 0; j < per; ++j) {
				const auto id = contexts.back().create_timer(
					{.user_data = static_cast<std::uint64_t>(j)});
				EXPECT_TRUE(id.ok()) << std::strerror(id.error().code());
				if (id.ok())
					set.insert(*id);
			}
		}
	}

	/*
	 * Every timer of ours is in @v exactly once, and no timer twice.
	 * Only @churn_ctx may hold others (timers that come and go).
	 */
	void expect_all_in(const std::vector<TimerStatus> &v, std::uint32_t churn_ctx = 0) const
	{
		std::map<std::uint32_t, std::multiset<std::uint32_t>> seen;
		for (const TimerStatus &t : v)
			if (ids.count(t.ctx_id) != 0)
				seen[t.ctx_id].insert(t.timer_id);
		for (const auto &[cid, set] : ids) {
			const auto &got = seen[cid];
			for (std::uint32_t id : set)
				EXPECT_EQ(1U, got.count(id))
					<< "context " << cid << " timer " << id;
			for (std::uint32_t id : got) {
				EXPECT_EQ(1U, got.count(id))
					<< "context " << cid << " timer " << id;
				if (cid != churn_ctx) {
					EXPECT_EQ(1U, set.count(id))
						<< "context " << cid << " timer " << id;
				}
			}
		}
	}
};

TEST_F(ControlTest, DumpOfThousandsOfTimers)
{
	const auto limit = itest::param_read("max_timers_per_ctx");
	if (limit && *limit < 600)
		GTEST_SKIP() << "max_timers_per_ctx below 600";
	ManyTimers many(4, 600);

	std::vector<TimerStatus> all;
	ASSERT_EQ(0, take(ctl.timers(), all)) << ctl.last_error_message();
	EXPECT_GE(all.size(), 2400U);
	many.expect_all_in(all);
	for (std::size_t i = 1; i < all.size(); ++i)
		EXPECT_TRUE(all[i - 1].ctx_id < all[i].ctx_id ||
			    (all[i - 1].ctx_id == all[i].ctx_id &&
			     all[i - 1].timer_id < all[i].timer_id))
			<< "dump not in id order at " << i;

	for (const auto &[cid, set] : many.ids) {
		std::vector<TimerStatus> one;
		ASSERT_EQ(0, take(ctl.timers(cid), one)) << ctl.last_error_message();
		EXPECT_EQ(set.size(), one.size());
		for (const TimerStatus &t : one)
			EXPECT_EQ(cid, t.ctx_id);
	}

	std::vector<ContextStatus> ctxs;
	ASSERT_EQ(0, take(ctl.contexts(), ctxs));
	for (const auto &[cid, set] : many.ids) {
		const ContextStatus *c = find_ctx(ctxs, cid);
		ASSERT_NE(nullptr, c) << cid;
		EXPECT_EQ(set.size(), c->timers);
	}
}

/*
 * Heavy churn: timers created and deleted in a context the dumps are in
 * the middle of, and contexts opened and closed, all the time. The kernel
 * marks such dumps NLM_F_DUMP_INTR; each comes back complete and
 * consistent (restarted) or, when every retry was interrupted, -EAGAIN.
 * Never a partial or duplicated list.
 */
TEST_F(ControlTest, DumpWhileTimersComeAndGo)
{
	ManyTimers many(3, 700);
	Context &churn = many.contexts[1];
	const std::uint32_t churn_id = ctx_id_of(churn);
	std::atomic<bool> stop{false};
	std::thread t([&] {
		for (unsigned i = 0; !stop.load(); ++i) {
			const auto id = churn.create_timer({});
			if (id.ok())
				(void)churn.delete_timer(*id);
			if (i % 16 != 0)
				continue;
			try {
				Context passing = itest::open_context(16); /* opened and closed */
			} catch (const std::system_error &) {
			}
		}
	});
	int complete = 0;
	int eagain = 0;
	auto dump = [&](Control &c) {
		std::vector<TimerStatus> all;
		const int r = take(c.timers(), all);
		if (r == -EAGAIN) {
			++eagain;
			return;
		}
		ASSERT_EQ(0, r) << std::strerror(-r) << " " << c.last_error_message();
		++complete;
		many.expect_all_in(all, churn_id);
		std::vector<ContextStatus> ctxs;
		const int rc = take(c.contexts(), ctxs);
		ASSERT_TRUE(rc == 0 || rc == -EAGAIN) << rc;
		for (const auto &[cid, set] : many.ids) {
			if (rc == 0) {
				EXPECT_NE(nullptr, find_ctx(ctxs, cid)) << cid;
			}
		}
	};
	for (int i = 0; i < 20; ++i)
		dump(ctl);
	/* With fewer restarts allowed, and none: still never a wrong list. */
	for (unsigned retries : {0U, 1U}) {
		timerx::ControlOptions opts;
		opts.dump_retries = retries;
		Control c;
		ASSERT_EQ(0, take(Control::open(opts), c));
		for (int i = 0; i < 5; ++i)
			dump(c);
	}
	stop = true;
	t.join();
	std::printf("# %d complete dumps, %d gave up after every retry was interrupted\n", complete,
		    eagain);
}

/*
 * A change now and then: a context opened and closed every few dump
 * durations. Without restarts (dump_retries 0) some dumps come back
 * -EAGAIN, which shows the kernel's NLM_F_DUMP_INTR is seen; with
 * restarts every dump completes, and is consistent.
 */
TEST_F(ControlTest, InterruptedDumpIsRestarted)
{
	ManyTimers many(3, 700);
	using clock = std::chrono::steady_clock;
	auto took = clock::duration::zero();
	for (int i = 0; i < 3; ++i) {
		std::vector<TimerStatus> all;
		const auto start = clock::now();
		ASSERT_EQ(0, take(ctl.timers(), all));
		took = i == 0 ? clock::now() - start : std::min(took, clock::now() - start);
	}
	/* About one attempt in three sees a change. */
	const auto interval = std::max<clock::duration>(3 * took, 5ms);

	std::atomic<bool> stop{false};
	std::thread t([&] {
		while (!stop.load()) {
			std::this_thread::sleep_for(interval);
			try {
				Context passing = itest::open_context(16);
			} catch (const std::system_error &) {
			}
		}
	});
	timerx::ControlOptions once;
	once.dump_retries = 0;
	timerx::ControlOptions patient;
	patient.dump_retries = 50;
	Control c0;
	Control c50;
	ASSERT_EQ(0, take(Control::open(once), c0));
	ASSERT_EQ(0, take(Control::open(patient), c50));
	int interrupted = 0;
	int whole = 0;
	for (int i = 0; i < 30; ++i) {
		std::vector<TimerStatus> all;
		const int r = take(c0.timers(), all);
		ASSERT_TRUE(r == 0 || r == -EAGAIN) << r;
		if (r == -EAGAIN) {
			++interrupted;
			continue;
		}
		++whole;
		many.expect_all_in(all);
	}
	for (int i = 0; i < 10; ++i) {
		std::vector<TimerStatus> all;
		ASSERT_EQ(0, take(c50.timers(), all)) << "50 restarts were not enough";
		many.expect_all_in(all);
		std::vector<ContextStatus> ctxs;
		ASSERT_EQ(0, take(c50.contexts(), ctxs));
		for (const auto &[cid, set] : many.ids) {
			EXPECT_NE(nullptr, find_ctx(ctxs, cid)) << cid;
		}
	}
	stop = true;
	t.join();
	std::printf(
		"# dumps of %lld us, a change every %lld us: %d of 30 interrupted\n",
		static_cast<long long>(
			std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
		static_cast<long long>(
			std::chrono::duration_cast<std::chrono::microseconds>(interval).count()),
		interrupted);
	EXPECT_GT(interrupted, 0) << "no dump saw NLM_F_DUMP_INTR";
	EXPECT_GT(whole, 0);
}

} // namespace
