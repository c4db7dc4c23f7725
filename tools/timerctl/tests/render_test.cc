// SPDX-License-Identifier: MIT
/*
 * Every command's output on hand-made data: JSON is valid with stable keys
 * and numbers as numbers, Prometheus output is well-formed, text is aligned.
 */
#include "commands.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sys/timex.h>

#include <ctime>
#include <sstream>

using namespace timerctl;
using test::check_exposition;
using test::Json;
using test::lines;
using test::parse_json;

namespace {

timerx::ContextStatus make_ctx(std::uint32_t id, std::string comm)
{
	timerx::ContextStatus c;
	c.ctx_id = id;
	c.owner_pid = 1000 + id;
	c.owner_uid = id == 1 ? 0 : 65534;
	c.owner_comm = std::move(comm);
	c.timers = 2;
	c.ring_entries = 1024;
	c.ring_used = 3;
	c.events = 5000 + id;
	c.expirations = 5100 + id;
	c.ring_full = id;
	c.wakeups = 300;
	c.pending = 0;
	c.lateness = test::make_hist({1000, 2000, 3000, 50000, 2000000});
	return c;
}

timerx::TimerStatus make_timer(std::uint32_t ctx, std::uint32_t id, bool with_hist)
{
	timerx::TimerStatus t;
	t.ctx_id = ctx;
	t.timer_id = id;
	t.user_data = 0xdeadbeefULL + id;
	t.clockid = id == 0 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	t.flags = id == 0 ? 0 : TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED;
	t.cpu = 1;
	t.last_cpu = id == 0 ? -1 : 1;
	t.state = id == 0 ? TIMERX_TIMER_ARMED : TIMERX_TIMER_IDLE;
	t.period_ns = id == 0 ? 1000000 : 0;
	if (id == 0)
		t.next_expiry_ns = 5000000000LL + 1000000;
	t.fires = 100;
	t.expirations = 104;
	t.overruns = 4;
	t.events = 100;
	t.pending = 0;
	if (id == 0) {
		t.seq = 41;
		t.slack_ns = 50000;
	}
	if (with_hist)
		t.lateness = test::make_hist({1500, 2500, 40000});
	return t;
}

std::vector<ContextView> two_contexts()
{
	std::vector<ContextView> v;
	v.push_back({make_ctx(1, "engine_10k"), {make_timer(1, 0, true), make_timer(1, 1, false)}});
	v.push_back({make_ctx(7, "we\"ird \\comm\n"), {make_timer(7, 0, true)}});
	return v;
}

std::int64_t thread_cpu_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

ClockNow fixed_now()
{
	return [](std::uint32_t) -> std::optional<std::int64_t> { return 5000000000LL; };
}

StatusData status_data()
{
	StatusData d;
	d.module.loaded = true;
	d.module.state = "live";
	d.module.refcnt = 2;
	d.module.version = "0.1.0";
	d.module.parameters = {{"max_ring_entries", "65536"}, {"histograms", "N"}};
	d.stats.api_version = TIMERX_API_VERSION;
	d.stats.module_version = "0.1.0";
	d.stats.contexts = 2;
	d.stats.timers = 3;
	d.stats.fires = 1000;
	d.stats.expirations = 1010;
	d.stats.events = 1000;
	d.stats.ring_full = 5;
	d.stats.lateness = test::make_hist({100, 200, 300, 4000, 5000000});
	timerx::Config c;
	c.max_timers_per_ctx = 65536;
	c.max_ring_entries = 65536;
	c.min_period_ns = 100000;
	c.histograms = false;
	c.alarm_lateness_ns = 0;
	c.alarm_interval_ms = 1000;
	c.max_contexts_per_user = 1024;
	c.max_timers_per_user = 65536;
	c.max_user_rate = 100000;
	d.config = c;
	ClockState clk;
	clk.state = TIME_OK;
	clk.status = STA_PLL;
	clk.esterror_ns = 12000;
	clk.maxerror_ns = 1500000;
	clk.tai_offset_s = 37;
	d.clock = clk;
	return d;
}

void expect_integers(const Json &obj, std::initializer_list<const char *> keys)
{
	for (const char *k : keys)
		EXPECT_TRUE(obj[k].is_integer()) << k;
}

void expect_hist_summary(const Json &h)
{
	expect_integers(h, {"count", "sum_ns", "min_ns", "mean_ns", "max_ns", "p50_ns", "p90_ns",
			    "p99_ns", "p999_ns"});
	EXPECT_LE(h["p50_ns"].u64(), h["p99_ns"].u64());
	EXPECT_LE(h["p99_ns"].u64(), h["max_ns"].u64());
}

} // namespace

TEST(Render, StatusJson)
{
	std::ostringstream s;
	render_status(s, Format::json, status_data());
	EXPECT_EQ(s.str().back(), '\n');
	EXPECT_EQ(lines(s.str()).size(), 1U); /* one line */
	const Json v = parse_json(s.str());
	EXPECT_EQ(v["version"].str, "0.1.0");
	EXPECT_EQ(v["api_version"].u64(), 3U);
	EXPECT_EQ(v["tool_api_version"].u64(), 3U);
	EXPECT_EQ(v["module"]["loaded"].b, true);
	EXPECT_EQ(v["module"]["state"].str, "live");
	EXPECT_EQ(v["module"]["refcnt"].u64(), 2U);
	expect_integers(v, {"contexts", "timers", "fires", "expirations", "events", "ring_full"});
	expect_hist_summary(v["lateness"]);
	EXPECT_EQ(v["config"]["min_period_ns"].u64(), 100000U);
	EXPECT_EQ(v["config"]["histograms"].type, Json::Type::boolean);
	EXPECT_EQ(v["parameters"]["max_ring_entries"].u64(), 65536U);
	EXPECT_EQ(v["parameters"]["histograms"].b, false);
	EXPECT_EQ(v["clock"]["synchronized"].b, true);
	EXPECT_EQ(v["clock"]["state"].str, "ok");
	EXPECT_EQ(v["clock"]["tai_offset_s"].u64(), 37U);
	EXPECT_EQ(v["clock"]["esterror_ns"].u64(), 12000U);
	EXPECT_EQ(v["clock"]["tai_timers"].type, Json::Type::null); /* not counted: offset set */
	EXPECT_TRUE(v["warnings"].items.empty());
}

TEST(Render, StatusWarnsOfTaiTimersWithoutATaiOffset)
{
	StatusData d = status_data();
	d.clock->tai_offset_s = 0;
	d.clock->status |= STA_UNSYNC;
	d.clock->state = TIME_ERROR;
	d.tai_timers = 3;
	ASSERT_EQ(status_warnings(d).size(), 1U);
	std::ostringstream t;
	render_status(t, Format::text, d);
	EXPECT_NE(t.str().find("clock        not synchronized (STA_UNSYNC)"), std::string::npos)
		<< t.str();
	EXPECT_NE(t.str().find("TAI offset 0 s"), std::string::npos) << t.str();
	EXPECT_NE(t.str().find("warning: 3 CLOCK_TAI timer(s) while the kernel's TAI offset is 0"),
		  std::string::npos)
		<< t.str();
	std::ostringstream j;
	render_status(j, Format::json, d);
	const Json v = parse_json(j.str());
	EXPECT_EQ(v["clock"]["synchronized"].b, false);
	EXPECT_EQ(v["clock"]["unsync"].b, true);
	EXPECT_EQ(v["clock"]["state"].str, "error");
	EXPECT_EQ(v["clock"]["tai_timers"].u64(), 3U);
	ASSERT_EQ(v["warnings"].items.size(), 1U);
	EXPECT_NE(v["warnings"][0].str.find("37 s off TAI"), std::string::npos);

	/* No TAI timers, or an offset: no warning. */
	d.tai_timers = 0;
	EXPECT_TRUE(status_warnings(d).empty());
	d.tai_timers = 3;
	d.clock->tai_offset_s = 37;
	EXPECT_TRUE(status_warnings(d).empty());
	/* adjtimex failed: said so, no warning. */
	d.clock.reset();
	std::ostringstream u;
	render_status(u, Format::text, d);
	EXPECT_NE(u.str().find("clock        unknown"), std::string::npos) << u.str();
}

TEST(Render, StatusText)
{
	std::ostringstream s;
	render_status(s, Format::text, status_data());
	const std::string t = s.str();
	EXPECT_NE(t.find("module       timerx 0.1.0 (live, refcnt 2)\n"), std::string::npos) << t;
	EXPECT_NE(t.find("api version  3 (timerctl: 3)\n"), std::string::npos) << t;
	EXPECT_NE(t.find("contexts     2\n"), std::string::npos);
	EXPECT_NE(t.find("ring full    5\n"), std::string::npos);
	EXPECT_NE(t.find("lateness     p50 "), std::string::npos);
	EXPECT_NE(t.find("  histograms=off\n"), std::string::npos);
	EXPECT_NE(t.find("parameters (/sys/module/timerx/parameters)\n"), std::string::npos);
}

TEST(Render, StatusPrometheus)
{
	std::ostringstream s;
	render_status(s, Format::prometheus, status_data());
	EXPECT_EQ(check_exposition(s.str()), "") << s.str();
	const std::string t = s.str();
	EXPECT_NE(t.find("\ntimerx_contexts 2\n"), std::string::npos);
	EXPECT_NE(t.find("\ntimerx_timers 3\n"), std::string::npos);
	EXPECT_NE(t.find("\ntimerx_expirations_total 1010\n"), std::string::npos);
	EXPECT_NE(t.find("\ntimerx_ring_full_total 5\n"), std::string::npos);
	EXPECT_NE(t.find("# TYPE timerx_lateness_seconds histogram\n"), std::string::npos);
	EXPECT_NE(t.find("timerx_lateness_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos);
	EXPECT_NE(t.find("timerx_info{version=\"0.1.0\",api_version=\"3\"} 1\n"),
		  std::string::npos);
	EXPECT_EQ(t.rfind("# HELP timerx_up ", 0), 0U) << t; /* first */
	EXPECT_NE(t.find("\ntimerx_up 1\n"), std::string::npos);
}

TEST(Render, ListText)
{
	std::ostringstream s;
	render_list(s, {Format::text, false}, two_contexts(), fixed_now());
	const auto l = lines(s.str());
	ASSERT_EQ(l.size(), 3U) << s.str();
	EXPECT_EQ(l[0].rfind("ID", 0) + 1, 1U);
	for (const char *col :
	     {"PID", "COMM", "UID", "TIMERS", "RING", "EVENTS", "RING_FULL", "WAKEUPS", "P99"})
		EXPECT_NE(l[0].find(col), std::string::npos) << col;
	EXPECT_NE(l[1].find("engine_10k"), std::string::npos);
	EXPECT_NE(l[1].find("3/1024"), std::string::npos);
	/* Right-aligned columns end where their header ends. */
	EXPECT_EQ(l[1].find("5001") + 4, l[0].find("EVENTS") + 6);
	EXPECT_EQ(l[2].find("5007") + 4, l[0].find("EVENTS") + 6);
	/* A newline in comm does not break the table. */
	EXPECT_EQ(l[2].find('\n'), std::string::npos);
}

TEST(Render, ListTimersText)
{
	std::ostringstream s;
	render_list(s, {Format::text, true}, two_contexts(), fixed_now());
	const auto l = lines(s.str());
	/* header, ctx 1, its timer header + 2 timers, ctx 7, its header + 1 timer */
	ASSERT_EQ(l.size(), 1 + 1 + 3 + 1 + 2U) << s.str();
	EXPECT_EQ(l[2].rfind("    TIMER", 0), 0U) << l[2];
	EXPECT_NE(l[3].find("monotonic"), std::string::npos);
	EXPECT_NE(l[3].find("+1.00ms"), std::string::npos) << l[3]; /* next expiry */
	EXPECT_NE(l[4].find("soft,pinned"), std::string::npos);
	EXPECT_NE(l[4].find("oneshot"), std::string::npos);
}

/* TIMERX_CREATE_F_HARD (API 2: hard irq demanded) reads "hard". */
TEST(Render, TimerFlags)
{
	EXPECT_EQ(timer_flags(0), "-");
	EXPECT_EQ(timer_flags(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED), "soft,pinned");
	EXPECT_EQ(timer_flags(TIMERX_CREATE_F_HARD), "hard");
	EXPECT_EQ(timer_flags(TIMERX_CREATE_F_HARD | TIMERX_CREATE_F_PINNED), "hard,pinned");
	EXPECT_EQ(timer_flags(TIMERX_CREATE_F_HARD | 0x10), "hard,0x10") << "unknown bits in hex";

	timerx::TimerStatus t = make_timer(1, 3, false);
	t.flags = TIMERX_CREATE_F_HARD;
	std::ostringstream j;
	{
		JsonWriter w(j);
		json_timer(w, t);
	}
	const Json v = parse_json(j.str());
	EXPECT_EQ(v["hard"].b, true);
	EXPECT_EQ(v["soft"].b, false);
	EXPECT_EQ(v["flags"].u64(), 4U);
}

TEST(Render, ListEmpty)
{
	std::ostringstream s;
	render_list(s, {Format::text, false}, {}, fixed_now());
	EXPECT_EQ(s.str(), "no timerx contexts\n");
	std::ostringstream j;
	render_list(j, {Format::json, false}, {}, fixed_now());
	EXPECT_EQ(j.str(), "{\"contexts\":[]}\n");
	std::ostringstream p;
	render_list(p, {Format::prometheus, true}, {}, fixed_now());
	EXPECT_EQ(check_exposition(p.str()), "") << p.str();
}

TEST(Render, ListJson)
{
	for (bool timers : {false, true}) {
		std::ostringstream s;
		render_list(s, {Format::json, timers}, two_contexts(), fixed_now());
		const Json v = parse_json(s.str());
		const Json &ctxs = v["contexts"];
		ASSERT_EQ(ctxs.items.size(), 2U);
		const Json &c = ctxs[0];
		std::vector<std::string> want = {
			"ctx_id",       "pid",       "uid",     "comm",        "timers",
			"ring_entries", "ring_used", "events",  "expirations", "ring_full",
			"wakeups",      "pending",   "lateness"};
		if (timers)
			want.push_back("timer_list");
		EXPECT_EQ(c.keys(), want); /* stable keys, in this order */
		expect_integers(c, {"ctx_id", "pid", "uid", "timers", "ring_entries", "ring_used",
				    "events", "expirations", "ring_full", "wakeups", "pending"});
		EXPECT_EQ(c["comm"].str, "engine_10k");
		EXPECT_EQ(ctxs[1]["comm"].str, "we\"ird \\comm\n");
		expect_hist_summary(c["lateness"]);
		EXPECT_EQ(c.has("timer_list"), timers);
		if (timers) {
			ASSERT_EQ(c["timer_list"].items.size(), 2U);
			const Json &t = c["timer_list"][0];
			expect_integers(t, {"ctx_id", "timer_id", "user_data", "clockid", "flags",
					    "period_ns", "next_expiry_ns", "fires", "expirations",
					    "overruns", "events", "pending"});
			EXPECT_EQ(t["clock"].str, "monotonic");
			EXPECT_EQ(t["state"].str, "armed");
			EXPECT_EQ(t["cpu"].type, Json::Type::null);
			EXPECT_EQ(t["last_cpu"].type, Json::Type::null);
			expect_hist_summary(t["lateness"]);
			const Json &t1 = c["timer_list"][1];
			EXPECT_EQ(t1["soft"].b, true);
			EXPECT_EQ(t1["hard"].type, Json::Type::boolean);
			EXPECT_EQ(t1["hard"].b, false);
			EXPECT_EQ(t1["pinned"].b, true);
			EXPECT_EQ(t1["cpu"].u64(), 1U);
			EXPECT_EQ(t1["next_expiry_ns"].type, Json::Type::null);
			EXPECT_EQ(t1["lateness"].type, Json::Type::null);
			EXPECT_EQ(t["user_data_str"].str, std::to_string(0xdeadbeefULL));
		}
	}
}

TEST(Render, UserDataAbove2To53IsExactAsAString)
{
	ContextView v = two_contexts()[0];
	v.timers[0].user_data = 0xffffffffffffffffULL; /* a pointer, a tagged id */
	std::ostringstream s;
	render_show(s, Format::json, v, fixed_now());
	const Json t = parse_json(s.str())["timer_list"][0];
	EXPECT_EQ(t["user_data"].number, "18446744073709551615");
	EXPECT_EQ(t["user_data_str"].str, "18446744073709551615");
}

TEST(Render, ListAndShowPrometheus)
{
	for (bool timers : {false, true}) {
		std::ostringstream s;
		render_list(s, {Format::prometheus, timers}, two_contexts(), fixed_now());
		EXPECT_EQ(check_exposition(s.str()), "") << s.str();
		const std::string t = s.str();
		EXPECT_NE(t.find("timerx_timers{context=\"1\",comm=\"engine_10k\"} 2\n"),
			  std::string::npos)
			<< t;
		EXPECT_NE(t.find("timerx_ring_full_total{context=\"7\",comm=\"we\\\"ird "
				 "\\\\comm\\n\"} 7\n"),
			  std::string::npos)
			<< t;
		EXPECT_NE(
			t.find("timerx_context_info{context=\"1\",comm=\"engine_10k\",pid=\"1001\","
			       "uid=\"0\"} 1\n"),
			std::string::npos);
		EXPECT_EQ(t.find("timer=\"") != std::string::npos, timers);
		EXPECT_EQ(t.rfind("# HELP timerx_up ", 0), 0U) << t;
		EXPECT_NE(t.find("\ntimerx_up 1\n"), std::string::npos);
	}
	std::ostringstream s;
	render_show(s, Format::prometheus, two_contexts()[0], fixed_now());
	EXPECT_EQ(check_exposition(s.str()), "") << s.str();
	EXPECT_NE(s.str().find("timerx_lateness_seconds_count{context=\"1\",comm=\"engine_10k\","
			       "timer=\"0\"} 3\n"),
		  std::string::npos)
		<< s.str();
	EXPECT_NE(s.str().find("\ntimerx_up 1\n"), std::string::npos);
	/* The timer without a histogram has no lateness series. */
	EXPECT_EQ(s.str().find("timerx_lateness_seconds_count{context=\"1\",comm=\"engine_10k\","
			       "timer=\"1\"}"),
		  std::string::npos);
}

TEST(Render, ShowTextAndJson)
{
	const ContextView v = two_contexts()[0];
	std::ostringstream s;
	render_show(s, Format::text, v, fixed_now());
	const std::string t = s.str();
	EXPECT_EQ(t.rfind("context 1: pid 1001 (engine_10k), uid 0\n", 0), 0U) << t;
	EXPECT_NE(t.find("  ring         3/1024 used\n"), std::string::npos) << t;
	EXPECT_NE(t.find("  lateness     p50 "), std::string::npos);
	for (const char *col :
	     {"TIMER", "CLOCK", "FLAGS", "CPU", "PERIOD", "STATE", "NEXT", "FIRES", "OVERRUNS",
	      "EVENTS", "PENDING", "SEQ", "SLACK", "P50", "P99", "MAX"})
		EXPECT_NE(t.find(col), std::string::npos) << col;
	EXPECT_NE(t.find("1.00ms"), std::string::npos);
	EXPECT_NE(t.find(" 41 "), std::string::npos) << "the seq of timer 0's arming\n" << t;
	EXPECT_NE(t.find("50.0µs"), std::string::npos) << "its slack\n" << t;

	std::ostringstream j;
	render_show(j, Format::json, v, fixed_now());
	const Json o = parse_json(j.str());
	EXPECT_EQ(o["ctx_id"].u64(), 1U);
	ASSERT_EQ(o["timer_list"].items.size(), 2U);
	EXPECT_EQ(o["timer_list"][0]["fires"].u64(), 100U);
	EXPECT_EQ(o["timer_list"][0]["seq"].u64(), 41U);
	EXPECT_EQ(o["timer_list"][0]["slack_ns"].u64(), 50000U);
	EXPECT_EQ(o["timer_list"][1]["seq"].type, Json::Type::null) << "an older module";
	EXPECT_EQ(o["timer_list"][1]["slack_ns"].type, Json::Type::null);
}

/*
 * `timerctl show` of a 100 000-timer context (the done criterion: a
 * table once took ~12 s for 10 000 rows, its widths recomputed per row). The
 * bound is generous for an O(n) table (~350 ms of CPU under ASan) and
 * hours away from an O(n^2) one.
 */
TEST(Render, ShowOf100000TimersIsFastAndAligned)
{
	constexpr std::uint32_t n = 100000;
	ContextView v{make_ctx(1, "engine_100k"), {}};
	v.ctx.timers = n;
	v.timers.reserve(n);
	for (std::uint32_t i = 0; i < n; ++i) {
		timerx::TimerStatus t = make_timer(1, i % 2, i % 2 == 0);
		t.timer_id = i + 1;
		t.fires = i * 37ULL; /* widths vary from row to row */
		v.timers.push_back(std::move(t));
	}
	/* CPU time, not wall time: the host is shared, a loaded one must not fail this. */
	const std::int64_t t0 = thread_cpu_ns();
	std::ostringstream s;
	render_show(s, Format::text, v, fixed_now());
	const std::int64_t cpu_ns = thread_cpu_ns() - t0;
	EXPECT_LT(cpu_ns, 1000000000) << cpu_ns / 1000000 << " ms of CPU";

	const std::vector<std::string> all = lines(s.str());
	const auto header = std::find_if(all.begin(), all.end(), [](const std::string &l) {
		return l.find("TIMER") != std::string::npos;
	});
	ASSERT_NE(header, all.end());
	ASSERT_EQ(static_cast<std::size_t>(all.end() - header), n + 1U);
	/* The last column is right-aligned: every line of the table is as wide. */
	for (auto it = header; it != all.end(); ++it)
		ASSERT_EQ(display_width(*it), display_width(*header)) << *it;
	EXPECT_EQ(all.back().find("100000"), all.back().find_first_not_of(' '));
}

TEST(Render, HistAllFormats)
{
	const auto ctx = make_ctx(3, "engine");
	const auto h = test::make_hist({1000, 1100, 1200, 90000, 5000000000ULL});
	const HistTarget targets[] = {{std::nullopt, std::nullopt}, {ctx, std::nullopt}, {ctx, 4}};
	const char *scopes[] = {"global", "context", "timer"};
	for (std::size_t i = 0; i < 3; ++i) {
		const HistTarget &t = targets[i];
		HistOptions o;
		o.format = Format::json;
		std::ostringstream j;
		render_hist(j, o, t, h);
		const Json v = parse_json(j.str());
		EXPECT_EQ(v["scope"].str, scopes[i]);
		expect_hist_summary(v);
		EXPECT_EQ(v["count"].u64(), 5U);
		EXPECT_EQ(v["buckets"].items.size(), h.buckets.size());
		if (t.ctx) {
			EXPECT_EQ(v["ctx_id"].u64(), 3U);
		} else {
			EXPECT_EQ(v["ctx_id"].type, Json::Type::null);
		}
		if (t.timer_id) {
			EXPECT_EQ(v["timer_id"].u64(), 4U);
		} else {
			EXPECT_EQ(v["timer_id"].type, Json::Type::null);
		}

		o.format = Format::prometheus;
		std::ostringstream p;
		render_hist(p, o, t, h);
		EXPECT_EQ(check_exposition(p.str()), "") << p.str();
		EXPECT_EQ(p.str().find("timer=\"4\"") != std::string::npos, t.timer_id.has_value());

		o.format = Format::text;
		std::ostringstream x;
		render_hist(x, o, t, h);
		const auto l = lines(x.str());
		ASSERT_GE(l.size(), 5U);
		EXPECT_EQ(l[0].rfind("lateness of ", 0), 0U);
		EXPECT_NE(l[2].find("p99.9"), std::string::npos);
		EXPECT_NE(x.str().find('#'), std::string::npos);
	}
}

TEST(Render, ConfigFormats)
{
	const timerx::Config c = *status_data().config;
	std::ostringstream t;
	render_config(t, Format::text, c);
	EXPECT_EQ(t.str(),
		  "max_timers_per_ctx=65536\nmax_ring_entries=65536\nmin_period_ns=100000\n"
		  "histograms=off\nalarm_lateness_ns=0\nalarm_interval_ms=1000\n"
		  "max_contexts_per_user=1024\nmax_timers_per_user=65536\nmax_user_rate=100000\n");
	std::ostringstream j;
	render_config(j, Format::json, c);
	const Json v = parse_json(j.str());
	EXPECT_EQ(v.keys(), (std::vector<std::string>(config_keys().begin(), config_keys().end())));
	EXPECT_EQ(v["histograms"].b, false);
	expect_integers(v, {"max_timers_per_ctx", "max_ring_entries", "min_period_ns",
			    "alarm_lateness_ns", "alarm_interval_ms", "max_contexts_per_user",
			    "max_timers_per_user", "max_user_rate"});
	EXPECT_EQ(v["max_user_rate"].u64(), 100000U);
}

/* A module older than API 2 sends no per-user limits: no text line, JSON null. */
TEST(Render, ConfigOfAnOlderModule)
{
	timerx::Config c = *status_data().config;
	c.max_contexts_per_user.reset();
	c.max_timers_per_user.reset();
	c.max_user_rate.reset();
	std::ostringstream t;
	render_config(t, Format::text, c);
	EXPECT_EQ(t.str(),
		  "max_timers_per_ctx=65536\nmax_ring_entries=65536\nmin_period_ns=100000\n"
		  "histograms=off\nalarm_lateness_ns=0\nalarm_interval_ms=1000\n");
	std::ostringstream j;
	render_config(j, Format::json, c);
	const Json v = parse_json(j.str());
	EXPECT_EQ(v.keys(), (std::vector<std::string>(config_keys().begin(), config_keys().end())));
	for (const char *k : {"max_contexts_per_user", "max_timers_per_user", "max_user_rate"})
		EXPECT_EQ(v[k].type, Json::Type::null) << k;
	EXPECT_TRUE(v["max_timers_per_ctx"].is_integer());
}

TEST(Render, Notifications)
{
	using K = timerx::Notification::Kind;
	const timespec when{1700000000, 123456789};
	timerx::Notification n;
	n.kind = K::ctx_new;
	n.ctx_id = 4;
	n.owner_pid = 321;
	n.owner_uid = 0;
	n.owner_comm = "engine_10k";
	EXPECT_NE(format_notification(n, false, when)
			  .find(" ctx_new ctx=4 pid=321 uid=0 "
				"comm=engine_10k"),
		  std::string::npos)
		<< format_notification(n, false, when);
	Json v = parse_json(format_notification(n, true, when));
	EXPECT_EQ(v["kind"].str, "ctx_new");
	EXPECT_EQ(v["ctx_id"].u64(), 4U);
	EXPECT_EQ(v["pid"].u64(), 321U);
	EXPECT_EQ(v["comm"].str, "engine_10k");
	EXPECT_EQ(v["time_ns"].u64(), 1700000000123456789ULL);
	EXPECT_NE(v["time"].str.find(".123456"), std::string::npos) << v["time"].str;

	n = {};
	n.kind = K::ctx_del;
	n.ctx_id = 4;
	n.owner_uid = 0;
	n.events = 10;
	n.expirations = 11;
	n.ring_full = 1;
	v = parse_json(format_notification(n, true, when));
	EXPECT_EQ(v["kind"].str, "ctx_del");
	EXPECT_EQ(v["expirations"].u64(), 11U);
	EXPECT_FALSE(v.has("pid"));
	EXPECT_NE(format_notification(n, false, when)
			  .find("ctx_del ctx=4 uid=0 events=10 "
				"expirations=11 ring_full=1"),
		  std::string::npos);

	n = {};
	n.kind = K::lateness_alarm;
	n.ctx_id = 2;
	n.timer_id = 9;
	n.alarm_count = 3;
	n.alarm_max_ns = 1500000;
	v = parse_json(format_notification(n, true, when));
	EXPECT_EQ(v["timer_id"].u64(), 9U);
	EXPECT_EQ(v["max_ns"].u64(), 1500000U);
	EXPECT_NE(format_notification(n, false, when).find("timer=9 count=3 max=1.50ms"),
		  std::string::npos);

	n = {};
	n.kind = K::overflow;
	n.owner_comm = "two words";
	EXPECT_NE(format_notification(n, false, when).find("comm=\"two words\""),
		  std::string::npos);
	EXPECT_NO_THROW(parse_json(format_notification(n, true, when)));
}
