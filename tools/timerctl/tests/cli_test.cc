// SPDX-License-Identifier: MIT
/*
 * Command-line handling: the option parser, every subcommand's parse step,
 * help and version, and usage errors (exit 2, before any kernel access:
 * these tests run where the module is not loaded, so reaching the kernel
 * would show as exit 3).
 */
#include "commands.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace timerctl;

namespace {

struct Result {
	int rc;
	std::string out;
	std::string err;
};

Result run(std::vector<std::string> argv)
{
	std::ostringstream out, err;
	Io io{out, err};
	const int rc = run_timerctl(argv, io);
	return {rc, out.str(), err.str()};
}

Args args_for(const char *cmd, std::vector<std::string> argv)
{
	return parse_args(argv, find_command(cmd)->options);
}

} // namespace

TEST(Cli, ParseArgsForms)
{
	constexpr OptSpec specs[] = {{"json", 'j', false, {}, {}},
				     {"timers", 't', false, {}, {}},
				     {"count", 'c', true, "N", {}}};
	auto a = parse_args(std::vector<std::string>{"x", "-jt", "--count=5", "y"}, specs);
	EXPECT_TRUE(a.has("json"));
	EXPECT_TRUE(a.has("timers"));
	EXPECT_EQ(a.value("count"), "5");
	EXPECT_EQ(a.positionals, (std::vector<std::string>{"x", "y"}));

	a = parse_args(std::vector<std::string>{"--count", "7", "-c8", "--", "-j"}, specs);
	EXPECT_EQ(a.value("count"), "8"); /* the last wins */
	EXPECT_FALSE(a.has("json"));
	EXPECT_EQ(a.positionals, (std::vector<std::string>{"-j"}));

	a = parse_args(std::vector<std::string>{"-jc", "3", "-"}, specs);
	EXPECT_EQ(a.value("count"), "3");
	EXPECT_EQ(a.positionals, (std::vector<std::string>{"-"}));

	for (const auto &bad : std::vector<std::vector<std::string>>{
		     {"--nope"}, {"-x"}, {"--count"}, {"-c"}, {"--json=1"}, {"-jx"}})
		EXPECT_THROW(parse_args(bad, specs), UsageError) << bad[0];
}

TEST(Cli, OptionalValues)
{
	constexpr OptSpec specs[] = {{"threads", 't', true, "[N]", {}, true},
				     {"quiet", 'q', false, {}, {}}};
	const auto value = [&](std::vector<std::string> argv) {
		return parse_args(argv, specs).value("threads");
	};
	EXPECT_EQ(value({"-t4"}), "4");
	EXPECT_EQ(value({"-t", "4"}), "4"); /* cyclictest: a next argument that is a number */
	EXPECT_EQ(value({"--threads=4"}), "4");
	EXPECT_EQ(value({"--threads", "4"}), "4");
	EXPECT_EQ(value({"-t"}), "");
	EXPECT_EQ(value({"--threads"}), "");
	const Args a = parse_args(std::vector<std::string>{"-t", "-q", "x"}, specs);
	EXPECT_EQ(a.value("threads"), "");
	EXPECT_TRUE(a.has("quiet"));
	EXPECT_EQ(a.positionals, (std::vector<std::string>{"x"}));
	EXPECT_EQ(value({"-t", "x"}), ""); /* x stays a positional */
}

TEST(Cli, GlobalOptionsBeforeTheCommand)
{
	/* -j before the command reaches it: here it meets --prometheus. */
	for (const auto &argv :
	     std::vector<std::vector<std::string>>{{"-j", "status", "--prometheus"},
						   {"--json", "status", "--prometheus"},
						   {"-p", "status", "--prometheus"},
						   {"--pretty", "list", "--prometheus"},
						   {"-jp", "hist", "--prometheus"}}) {
		const Result r = run(argv);
		EXPECT_EQ(r.rc, exit_usage) << argv[0];
		EXPECT_NE(r.err.find("--json and --prometheus exclude each other"),
			  std::string::npos)
			<< r.err;
	}
	Result r = run({"-j", "load"});
	EXPECT_EQ(r.rc, exit_usage);
	EXPECT_NE(r.err.find("load has no JSON output"), std::string::npos) << r.err;
	r = run({"-x", "status"});
	EXPECT_EQ(r.rc, exit_usage);
	EXPECT_NE(r.err.find("unknown option -x (before the command)"), std::string::npos);
	r = run({"-jV"});
	EXPECT_EQ(r.rc, exit_ok);
	EXPECT_EQ(r.out.rfind("timerctl ", 0), 0U);
	/* The per-command spelling still works. */
	EXPECT_TRUE(args_for("status", {"-j"}).has("json"));
}

TEST(Cli, UnambiguousCommandPrefixes)
{
	EXPECT_EQ(resolve_command("st").name, "status");
	EXPECT_EQ(resolve_command("sh").name, "show");
	EXPECT_EQ(resolve_command("li").name, "list");
	EXPECT_EQ(resolve_command("lat").name, "latency");
	EXPECT_EQ(resolve_command("m").name, "monitor");
	EXPECT_EQ(resolve_command("help").name, "help");
	Result r = run({"st", "extra"}); /* status's own parse step: it was found */
	EXPECT_EQ(r.rc, exit_usage);
	EXPECT_NE(r.err.find("status takes no arguments"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("Try 'timerctl status --help'"), std::string::npos) << r.err;
	r = run({"l"});
	EXPECT_EQ(r.rc, exit_usage);
	EXPECT_NE(r.err.find("ambiguous command \"l\": list, latency, load"), std::string::npos)
		<< r.err;
	r = run({"h"});
	EXPECT_NE(r.err.find("ambiguous command \"h\": hist, help"), std::string::npos) << r.err;
	r = run({"s"});
	EXPECT_NE(r.err.find("status, show"), std::string::npos) << r.err;
	r = run({"statusx"});
	EXPECT_NE(r.err.find("unknown command: statusx"), std::string::npos) << r.err;
	r = run({"help", "conf"});
	EXPECT_EQ(r.rc, exit_ok);
	EXPECT_EQ(r.out.rfind("usage: timerctl config", 0), 0U);
}

TEST(Cli, HelpAndVersion)
{
	for (const auto &argv :
	     std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
		const Result r = run(argv);
		EXPECT_EQ(r.rc, 0);
		EXPECT_EQ(r.out.rfind("usage: timerctl", 0), 0U);
		for (const auto &c : commands())
			EXPECT_NE(r.out.find("  " + std::string(c.name)), std::string::npos)
				<< c.name;
		EXPECT_NE(r.out.find("Exit status:"), std::string::npos);
		EXPECT_NE(r.out.find("5  no such context or timer"), std::string::npos);
		EXPECT_EQ(r.err, "");
	}
	const Result v = run({"--version"});
	EXPECT_EQ(v.rc, 0);
	EXPECT_EQ(v.out.rfind("timerctl ", 0), 0U);
	EXPECT_NE(v.out.find("UAPI"), std::string::npos);
}

TEST(Cli, EveryCommandHasHelp)
{
	for (const auto &c : commands()) {
		const std::string name(c.name);
		for (const auto &argv : std::vector<std::vector<std::string>>{
			     {name, "--help"}, {name, "-h"}, {"help", name}}) {
			/* latency is cyclictest's: there -h US is the histogram. */
			if (name == "latency" && argv[1] == "-h")
				continue;
			const Result r = run(argv);
			EXPECT_EQ(r.rc, 0) << name;
			EXPECT_EQ(r.out.rfind("usage: timerctl " + name, 0), 0U) << r.out;
			EXPECT_NE(r.out.find("--help"), std::string::npos) << name;
			EXPECT_NE(r.out.find("Exit status:"), std::string::npos) << name;
		}
	}
	/* Every read command offers JSON. */
	for (const char *name : {"status", "list", "show", "hist", "config", "monitor"})
		EXPECT_NE(run({name, "--help"}).out.find("-j, --json"), std::string::npos) << name;
	for (const char *name : {"status", "list", "show", "hist"})
		EXPECT_NE(run({name, "--help"}).out.find("--prometheus"), std::string::npos)
			<< name;
}

TEST(Cli, UsageErrorsExit2BeforeTheKernel)
{
	const std::vector<std::vector<std::string>> bad = {
		{},
		{"--bogus"},
		{"bogus"},
		{"help", "bogus"},
		{"help", "a", "b"},
		{"status", "extra"},
		{"status", "-j", "--prometheus"},
		{"status", "--bogus"},
		{"list", "x"},
		{"list", "--nope"},
		{"list", "-t", "--json", "--prometheus"},
		{"show"},
		{"show", "abc"},
		{"show", "1", "2"},
		{"show", "-1"},
		{"show", "4294967296"},
		{"hist", "1:x"},
		{"hist", "1", "2"},
		{"hist", ":3"},
		{"hist", "-w", "0"},
		{"hist", "--width", "x"},
		{"hist", "--width"},
		{"config", "bogus=1"},
		{"config", "noequals"},
		{"config", "=1"},
		{"config", "max_timers_per_ctx=0"},
		{"config", "max_timers_per_ctx=1048577"},
		{"config", "max_timers_per_ctx=-1"},
		{"config", "max_ring_entries=3"},
		{"config", "max_ring_entries=1"},
		{"config", "max_ring_entries=2097152"},
		{"config", "min_period_ns=2s"},
		{"config", "min_period_ns=1.5ns"},
		{"config", "min_period_ns=fast"},
		{"config", "histograms=maybe"},
		{"config", "histograms="},
		{"config", "alarm_lateness_ns=11s"},
		{"config", "alarm_interval_ms=0"},
		{"config", "alarm_interval_ms=3600001"},
		{"config", "alarm_interval_ms=1500us"},
		{"config", "max_contexts_per_user=0"},
		{"config", "max_contexts_per_user=1048577"},
		{"config", "max_contexts_per_user=1k"},
		{"config", "max_timers_per_user=0"},
		{"config", "max_timers_per_user=16777217"},
		{"config", "max_timers_per_user=-5"},
		{"config", "max_user_rate=0"},
		{"config", "max_user_rate=10000000001"},
		{"config", "max_user_rate=1.5"},
		{"config", "max_user_rate=100/s"},
		{"config", "histograms=on", "histograms=off"},
		{"config", "histograms=on", "bogus=1"}, /* nothing sent at all */
		{"config", "--prometheus"},
		{"monitor", "x"},
		{"monitor", "--count", "0"},
		{"monitor", "--count", "x"},
		{"monitor", "--timeout", "abc"},
		{"monitor", "--timeout", "0"},
		{"monitor", "--prometheus"},
		{"load", "bad"},
		{"load", "a b=1"},
		{"load", "=1"},
		{"load", "x=\"y\""},
		{"load", "--path"},
		{"load", "--path="},
		{"unload", "x"},
	};
	for (const auto &argv : bad) {
		std::string cmdline;
		for (const auto &a : argv)
			cmdline += " " + a;
		const Result r = run(argv);
		EXPECT_EQ(r.rc, exit_usage) << cmdline << "\n" << r.err;
		EXPECT_EQ(r.err.rfind("timerctl: ", 0), 0U) << cmdline << "\n" << r.err;
		EXPECT_NE(r.err.find("Try 'timerctl"), std::string::npos) << cmdline;
		EXPECT_EQ(r.out, "") << cmdline;
	}
}

TEST(Cli, UnknownConfigKeyNamesTheKeys)
{
	const Result r = run({"config", "histogram=on"});
	EXPECT_EQ(r.rc, exit_usage);
	EXPECT_NE(r.err.find("unknown setting: histogram"), std::string::npos) << r.err;
	for (const char *k : config_keys())
		EXPECT_NE(r.err.find(k), std::string::npos) << k;
	EXPECT_NE(r.err.find("Try 'timerctl config --help'"), std::string::npos);
}

TEST(Cli, ParseConfig)
{
	auto o = parse_config(args_for("config", {}));
	EXPECT_FALSE(o.set);
	o = parse_config(
		args_for("config", {"-j", "max_timers_per_ctx=1048576", "max_ring_entries=1024",
				    "min_period_ns=50us", "histograms=true",
				    "alarm_lateness_ns=1.5ms", "alarm_interval_ms=2s"}));
	EXPECT_TRUE(o.set);
	EXPECT_EQ(o.format, Format::json);
	EXPECT_EQ(o.changes.max_timers_per_ctx, 1048576U);
	EXPECT_EQ(o.changes.max_ring_entries, 1024U);
	EXPECT_EQ(o.changes.min_period_ns, 50000U);
	EXPECT_EQ(o.changes.histograms, true);
	EXPECT_EQ(o.changes.alarm_lateness_ns, 1500000U);
	EXPECT_EQ(o.changes.alarm_interval_ms, 2000U);

	o = parse_config(args_for("config", {"histograms=0", "min_period_ns=0"}));
	EXPECT_EQ(o.changes.histograms, false);
	EXPECT_EQ(o.changes.min_period_ns, 0U);
	EXPECT_FALSE(o.changes.max_ring_entries); /* only what was given is sent */
	EXPECT_FALSE(o.changes.alarm_lateness_ns);
	o = parse_config(args_for("config", {"min_period_ns=1s", "alarm_lateness_ns=10s"}));
	EXPECT_EQ(o.changes.min_period_ns, 1000000000U);
	EXPECT_EQ(o.changes.alarm_lateness_ns, 10000000000U);
	EXPECT_FALSE(o.changes.max_user_rate);

	/* The per-user limits (API 2), at both ends of their ranges. */
	o = parse_config(
		args_for("config", {"max_contexts_per_user=1", "max_timers_per_user=16777216",
				    "max_user_rate=10000000000"}));
	EXPECT_EQ(o.changes.max_contexts_per_user, 1U);
	EXPECT_EQ(o.changes.max_timers_per_user, 16777216U);
	EXPECT_EQ(o.changes.max_user_rate, 10000000000U);
	EXPECT_FALSE(o.changes.max_timers_per_ctx);
	o = parse_config(args_for("config", {"max_contexts_per_user=1048576",
					     "max_timers_per_user=1", "max_user_rate=1"}));
	EXPECT_EQ(o.changes.max_contexts_per_user, 1048576U);
	EXPECT_EQ(o.changes.max_timers_per_user, 1U);
	EXPECT_EQ(o.changes.max_user_rate, 1U);
}

TEST(Cli, ConfigLinesRoundTrip)
{
	timerx::Config c;
	c.max_timers_per_ctx = 100;
	c.max_ring_entries = 4096;
	c.min_period_ns = 100000;
	c.histograms = true;
	c.alarm_lateness_ns = 0;
	c.alarm_interval_ms = 1000;
	c.max_contexts_per_user = 1024;
	c.max_timers_per_user = 65536;
	c.max_user_rate = 100000;
	const auto lines = config_lines(c);
	EXPECT_EQ(lines, (std::vector<std::string>{
				 "max_timers_per_ctx=100", "max_ring_entries=4096",
				 "min_period_ns=100000", "histograms=on", "alarm_lateness_ns=0",
				 "alarm_interval_ms=1000", "max_contexts_per_user=1024",
				 "max_timers_per_user=65536", "max_user_rate=100000"}));
	/* timerctl config $(timerctl config) sets what it printed. */
	const auto o = parse_config(args_for("config", lines));
	EXPECT_EQ(o.changes.max_timers_per_ctx, c.max_timers_per_ctx);
	EXPECT_EQ(o.changes.max_ring_entries, c.max_ring_entries);
	EXPECT_EQ(o.changes.min_period_ns, c.min_period_ns);
	EXPECT_EQ(o.changes.histograms, c.histograms);
	EXPECT_EQ(o.changes.alarm_lateness_ns, c.alarm_lateness_ns);
	EXPECT_EQ(o.changes.alarm_interval_ms, c.alarm_interval_ms);
	EXPECT_EQ(o.changes.max_contexts_per_user, c.max_contexts_per_user);
	EXPECT_EQ(o.changes.max_timers_per_user, c.max_timers_per_user);
	EXPECT_EQ(o.changes.max_user_rate, c.max_user_rate);

	/* An older module (API 1) reports no per-user limits: no lines for them. */
	c.max_contexts_per_user.reset();
	c.max_timers_per_user.reset();
	c.max_user_rate.reset();
	EXPECT_EQ(config_lines(c).size(), 6U);
	EXPECT_EQ(config_lines(c).back(), "alarm_interval_ms=1000");
}

TEST(Cli, ParseReadCommands)
{
	auto l = parse_list(args_for("list", {"-t", "-j"}));
	EXPECT_TRUE(l.timers);
	EXPECT_EQ(l.format, Format::json);
	l = parse_list(args_for("list", {"--timers", "--prometheus"}));
	EXPECT_EQ(l.format, Format::prometheus);
	EXPECT_EQ(parse_list(args_for("list", {})).format, Format::text);

	auto s = parse_show(args_for("show", {"42", "--json"}));
	EXPECT_EQ(s.ctx_id, 42U);
	EXPECT_EQ(s.format, Format::json);

	auto h = parse_hist(args_for("hist", {}));
	EXPECT_FALSE(h.ref);
	EXPECT_EQ(h.width, 40U);
	h = parse_hist(args_for("hist", {"3:9", "-w", "60", "--prometheus"}));
	ASSERT_TRUE(h.ref);
	EXPECT_EQ(h.ref->ctx_id, 3U);
	EXPECT_EQ(h.ref->timer_id, 9U);
	EXPECT_EQ(h.width, 60U);
	EXPECT_EQ(h.format, Format::prometheus);
	h = parse_hist(args_for("hist", {"5"}));
	EXPECT_EQ(h.ref->ctx_id, 5U);
	EXPECT_FALSE(h.ref->timer_id);
}

TEST(Cli, ParseMonitor)
{
	auto m = parse_monitor(args_for("monitor", {}));
	EXPECT_FALSE(m.json);
	EXPECT_FALSE(m.count);
	EXPECT_FALSE(m.timeout_ms);
	m = parse_monitor(args_for("monitor", {"-j", "--count", "2", "--timeout", "20"}));
	EXPECT_TRUE(m.json);
	EXPECT_EQ(m.count, 2U);
	EXPECT_EQ(m.timeout_ms, 20000U);
	m = parse_monitor(args_for("monitor", {"-c5", "-t", "1.5"}));
	EXPECT_EQ(m.count, 5U);
	EXPECT_EQ(m.timeout_ms, 1500U);
	m = parse_monitor(args_for("monitor", {"--timeout=250ms"}));
	EXPECT_EQ(m.timeout_ms, 250U);
}

TEST(Cli, ParseLoad)
{
	auto l = parse_load(args_for("load", {}));
	EXPECT_FALSE(l.path);
	EXPECT_TRUE(l.params.empty());
	l = parse_load(args_for(
		"load", {"--path", "/timerx.ko", "max_ring_entries=1024", "min_period_ns=0"}));
	EXPECT_EQ(l.path, "/timerx.ko");
	EXPECT_EQ(l.params, (std::vector<std::string>{"max_ring_entries=1024", "min_period_ns=0"}));
	l = parse_load(args_for("load", {"-p/x.ko"}));
	EXPECT_EQ(l.path, "/x.ko");
	EXPECT_NO_THROW(parse_unload(args_for("unload", {})));
}

TEST(Cli, ExitCodesForErrnos)
{
	EXPECT_EQ(exit_code_for(-EPERM), exit_permission);
	EXPECT_EQ(exit_code_for(-EACCES), exit_permission);
	EXPECT_EQ(exit_code_for(-ENOENT), exit_failure);
	EXPECT_EQ(exit_code_for(-ENOENT, exit_no_such), exit_no_such);
	EXPECT_EQ(exit_code_for(-EINVAL), exit_failure);
	try {
		fail(-EPERM, "cannot change the configuration", exit_failure,
		     "needs CAP_SYS_ADMIN");
		FAIL() << "fail() returned";
	} catch (const Error &e) {
		EXPECT_EQ(e.code(), exit_permission);
		EXPECT_STREQ(e.what(), "cannot change the configuration: Operation not permitted "
				       "(needs CAP_SYS_ADMIN)");
	}
}
