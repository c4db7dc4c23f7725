// SPDX-License-Identifier: MIT
/*
 * timerctl latency without the module: option parsing (every bad input is
 * a usage error before anything is opened), cyclictest's line, its
 * histogram and footer byte for byte against real cyclictest 2.4 output
 * (tests/fixtures), the progress frames and the JSON shape.
 */
#include "commands.hpp"
#include "cpu_dma_latency.hpp"
#include "latency_report.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace timerctl;
using timerctl::test::parse_json;

namespace {

const std::vector<int> two_cpus{0, 1};

LatencyOptions parse(std::vector<std::string> argv, const std::vector<int> &online = two_cpus)
{
	return parse_latency(parse_args(argv, latency_options), online);
}

struct Outcome {
	int rc;
	std::string out;
	std::string err;
};

Outcome run(std::vector<std::string> argv)
{
	std::ostringstream out, err;
	Io io{out, err};
	argv.insert(argv.begin(), "latency");
	const int rc = run_timerctl(argv, io);
	return {rc, out.str(), err.str()};
}

std::string fixture(const std::string &name)
{
	std::ifstream f(std::string(TIMERCTL_FIXTURES) + "/" + name);
	EXPECT_TRUE(f) << name;
	std::ostringstream s;
	s << f.rdbuf();
	return s.str();
}

/*
 * @n samples whose truncated min, mean and max in microseconds are the
 * given ones: min, max, and n - 2 equal fillers.
 */
void fill(timerx::LatencyRecorder &r, std::uint64_t min_us, std::uint64_t avg_us,
	  std::uint64_t max_us, std::uint64_t n)
{
	const std::uint64_t min = min_us * 1000, max = max_us * 1000;
	const std::uint64_t rest = avg_us * 1000 * n - min - max;
	const std::uint64_t filler = (rest + n - 3) / (n - 2);
	r.record(static_cast<std::int64_t>(min));
	r.record(static_cast<std::int64_t>(max));
	for (std::uint64_t i = 0; i < n - 2; ++i)
		r.record(static_cast<std::int64_t>(filler));
}

LatencyThreadResult thread_result(unsigned index, std::size_t buckets)
{
	LatencyThreadResult t;
	t.index = index;
	t.tid = 1000 + index;
	t.interval_us = 1000;
	t.hist.assign(buckets, 0);
	return t;
}

} // namespace

/* ------------------------------------------------------------ parsing */

TEST(LatencyParse, Defaults)
{
	const LatencyOptions o = parse({});
	EXPECT_EQ(o.interval_us, 1000U);
	EXPECT_EQ(o.distance_us, 500U);
	EXPECT_EQ(o.loops, 0U);
	EXPECT_FALSE(o.duration_s);
	EXPECT_EQ(o.threads, 1U);
	EXPECT_TRUE(o.cpus.empty());
	EXPECT_EQ(o.thread_cpu(0), -1);
	EXPECT_EQ(o.priority, 0);
	EXPECT_FALSE(o.mlockall);
	EXPECT_EQ(o.histogram_us, 0U);
	EXPECT_FALSE(o.quiet);
	EXPECT_FALSE(o.json);
	EXPECT_EQ(o.mode, WaitMode::uring);
	EXPECT_EQ(o.clock, timerx::Clock::monotonic);
	EXPECT_EQ(o.expiry, timerx::Expiry::hard);
}

TEST(LatencyParse, CyclictestSpelling)
{
	/* As one would type cyclictest: bundled values, -h for the histogram. */
	const LatencyOptions o =
		parse({"-i200", "-d", "50", "-l", "1000", "-t3", "-a", "1", "-p80", "-m", "-h",
		       "400", "-qj", "--mode", "poll", "--clock=tai", "--soft", "-D", "2m"});
	EXPECT_EQ(o.interval_us, 200U);
	/* -h: every thread at -i, -d ignored (cyclictest warns about it). */
	EXPECT_EQ(o.distance_us, 0U);
	EXPECT_TRUE(o.distance_ignored);
	EXPECT_EQ(o.thread_interval_us(2), 200U);
	EXPECT_EQ(o.loops, 1000U);
	EXPECT_EQ(o.threads, 3U);
	EXPECT_EQ(o.cpus, (std::vector<int>{1}));
	EXPECT_EQ(o.thread_cpu(2), 1);
	EXPECT_EQ(o.priority, 80);
	EXPECT_TRUE(o.mlockall);
	EXPECT_EQ(o.histogram_us, 400U);
	EXPECT_TRUE(o.quiet);
	EXPECT_TRUE(o.json);
	EXPECT_EQ(o.mode, WaitMode::poll);
	EXPECT_EQ(o.clock, timerx::Clock::tai);
	EXPECT_EQ(o.expiry, timerx::Expiry::soft);
	EXPECT_EQ(o.duration_s, 120U);

	EXPECT_EQ(parse({"--mode", "epoll"}).mode, WaitMode::epoll);
	EXPECT_EQ(parse({"--mode", "uring"}).mode, WaitMode::uring);
	EXPECT_EQ(parse({"--clock", "realtime"}).clock, timerx::Clock::realtime);
	EXPECT_EQ(parse({"--clock", "boottime"}).clock, timerx::Clock::boottime);
	EXPECT_EQ(parse({"--clock", "monotonic"}).clock, timerx::Clock::monotonic);
}

TEST(LatencyParse, HistogramMakesTheDistanceZeroLikeCyclictest)
{
	EXPECT_EQ(parse({"-t", "2", "-h", "100"}).thread_interval_us(1), 1000U);
	EXPECT_FALSE(parse({"-t", "2", "-h", "100"}).distance_ignored);
	/* cyclictest: "distance is ignored and set to 0, if histogram enabled". */
	const LatencyOptions o = parse({"-t", "2", "-h", "100", "-d", "10"});
	EXPECT_EQ(o.thread_interval_us(1), 1000U);
	EXPECT_TRUE(o.distance_ignored);
	EXPECT_EQ(parse({"-t", "2", "-d", "10"}).thread_interval_us(1), 1010U);
	EXPECT_FALSE(parse({"-t", "2", "-d", "10"}).distance_ignored);
	EXPECT_EQ(parse({"-t", "2"}).thread_interval_us(1), 1500U);
}

TEST(LatencyParse, Durations)
{
	const std::pair<const char *, std::uint64_t> ok[] = {
		{"10", 10},   {"10s", 10},  {"10S", 10},    {"2m", 120},   {"3M", 180},
		{"1h", 3600}, {"1H", 3600}, {"2d", 172800}, {"1D", 86400}, {"366d", 31622400}};
	for (const auto &[s, want] : ok)
		EXPECT_EQ(parse({"-D", s}).duration_s, want) << s;
}

TEST(LatencyParse, Affinity)
{
	EXPECT_EQ(parse_cpu_list("0-1,3"), (std::vector<int>{0, 1, 3}));
	EXPECT_EQ(parse_cpu_list("3,1,1-2"), (std::vector<int>{3, 1, 2}));
	EXPECT_EQ(parse_cpu_list("7"), (std::vector<int>{7}));
	for (const char *bad :
	     {"", ",", "1,", ",1", "1-", "-1", "2-1", "a", "1-b", "1,,2", "1 2", "65536", "0x1"})
		EXPECT_FALSE(parse_cpu_list(bad)) << bad;

	const std::vector<int> online{0, 1, 3};
	const LatencyOptions o = parse({"-t", "5", "-a", "0-1,3"}, online);
	EXPECT_EQ(o.cpus, (std::vector<int>{0, 1, 3}));
	EXPECT_EQ(o.thread_cpu(0), 0);
	EXPECT_EQ(o.thread_cpu(2), 3);
	EXPECT_EQ(o.thread_cpu(3), 0); /* round robin */
	EXPECT_THROW(parse({"-a", "2"}, online), UsageError);
	EXPECT_THROW(parse({"-a", "0-3"}, online), UsageError);

	/* Timers follow their threads unless --timer-cpu puts them elsewhere. */
	EXPECT_EQ(o.timer_cpu(2), 3);
	const LatencyOptions split = parse({"-t", "2", "-a", "1", "--timer-cpu", "0"}, online);
	EXPECT_EQ(split.thread_cpu(1), 1);
	EXPECT_EQ(split.timer_cpu(1), 0);
	EXPECT_EQ(parse({}, online).timer_cpu(0), -1);
	EXPECT_THROW(parse({"--timer-cpu", "2"}, online), UsageError);
}

TEST(LatencyParse, EveryBadInputIsAUsageError)
{
	const std::vector<std::vector<std::string>> bad = {
		{"-i", "0"},
		{"-i", "-5"},
		{"-i", "1.5"},
		{"-i", "3600000001"},
		{"-i", "x"},
		{"-d", "-1"},
		{"-d", "x"},
		{"-t", "0"},
		{"-t", "1025"},
		{"-t", "100000"},
		{"-t", "-1"},
		{"-t", "2", "-i", "3600000000", "-d", "1"},
		{"-l", "abc"},
		{"-l", "-1"},
		{"-l", "1e3"},
		{"-D", "0"},
		{"-D", "0s"},
		{"-D", "5x"},
		{"-D", "s"},
		{"-D", "-5"},
		{"-D", "1.5"},
		{"-D", "367d"},
		{"-a", "2"},
		{"-a", "1-0"},
		{"-a", "x"},
		{"-a", ""},
		{"--timer-cpu", "x"},
		{"--timer-cpu", "65536"},
		{"-p", "100"},
		{"-p", "-1"},
		{"-p", "x"},
		{"-h", "0"},
		{"-h", "1000001"},
		{"-h", "x"},
		{"--histfile", "x"},
		{"-h", "5", "--histfile="},
		{"--laptop=1"},
		{"--mode", "spin"},
		{"--mode", ""},
		{"--clock", "gps"},
		{"--clock", "MONOTONIC"},
		{"--soft=1"},
		{"--bogus"},
		{"-x"},
		{"extra"},
		{"-h"},
		{"-i"},
		{"--mode"},
	};
	for (const auto &argv : bad) {
		std::string joined;
		for (const auto &s : argv)
			joined += s + " ";
		EXPECT_THROW(parse(argv), UsageError) << joined;
		/* The whole program: exit 2 and a message, nothing opened (here that would be 3).
		 */
		const Outcome r = run(argv);
		EXPECT_EQ(r.rc, exit_usage) << joined << r.err;
		EXPECT_EQ(r.err.rfind("timerctl: ", 0), 0U) << joined;
		EXPECT_NE(r.err.find("Try 'timerctl latency --help'"), std::string::npos);
		EXPECT_EQ(r.out, "");
	}
}

TEST(LatencyParse, OptionalThreadsAndAffinityLikeCyclictest)
{
	const std::vector<int> four{0, 1, 2, 3};
	/* -t alone: one thread per CPU; with -a, per CPU of its list. */
	EXPECT_EQ(parse({"-t"}, four).threads, 4U);
	EXPECT_EQ(parse({"--threads"}, four).threads, 4U);
	EXPECT_EQ(parse({"-t", "-a", "1-2"}, four).threads, 2U);
	EXPECT_EQ(parse({"-a", "1-2", "-t"}, four).threads, 2U);
	EXPECT_EQ(parse({"-t3"}, four).threads, 3U);
	EXPECT_EQ(parse({"-t", "3"}, four).threads, 3U);
	EXPECT_EQ(parse({"--threads=3"}, four).threads, 3U);
	LatencyOptions o = parse({"-t", "-q"}, four);
	EXPECT_EQ(o.threads, 4U);
	EXPECT_TRUE(o.quiet);
	/* -a alone: every online CPU, thread k on the k-th. */
	o = parse({"-a", "-t"}, four);
	EXPECT_EQ(o.cpus, four);
	EXPECT_EQ(o.threads, 4U);
	EXPECT_EQ(o.thread_cpu(3), 3);
	EXPECT_EQ(parse({"-a"}, four).threads, 1U);
	EXPECT_EQ(parse({"-a", "2"}, four).cpus, (std::vector<int>{2}));
	EXPECT_EQ(parse({"-a2"}, four).cpus, (std::vector<int>{2}));
	EXPECT_EQ(parse({"--affinity=1,3"}, four).cpus, (std::vector<int>{1, 3}));
}

TEST(LatencyParse, HistfileAndLaptop)
{
	LatencyOptions o = parse({"-h", "10", "--histfile", "/tmp/h.txt"});
	EXPECT_EQ(o.histfile, "/tmp/h.txt");
	EXPECT_FALSE(o.laptop);
	o = parse({"-h10", "--histfile=x", "--laptop"});
	EXPECT_EQ(o.histfile, "x");
	EXPECT_TRUE(o.laptop);
	EXPECT_FALSE(parse({}).histfile);
	EXPECT_THROW(parse({"--histfile", "x"}), UsageError); /* without -h */
	EXPECT_THROW(parse({"-h", "10", "--histfile="}), UsageError);
}

TEST(LatencyParse, HelpIsLongOnly)
{
	const Outcome r = run({"--help"});
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.out.rfind("usage: timerctl latency", 0), 0U);
	EXPECT_NE(r.out.find("-h, --histogram US"), std::string::npos);
	EXPECT_NE(r.out.find("      --help"), std::string::npos);
	const Outcome h = run({"-h"});
	EXPECT_EQ(h.rc, exit_usage);
	EXPECT_NE(h.err.find("option -h needs a value"), std::string::npos);
}

/* ------------------------------------------------------------ cyclictest's line */

TEST(LatencyReport, CyclictestLine)
{
	CyclicLine l;
	l.index = 0;
	l.tid = 1234;
	l.priority = 80;
	l.interval_us = 1000;
	l.cycles = 10000;
	l.min_us = 3;
	l.act_us = 5;
	l.avg_us = 4;
	l.max_us = 40;
	EXPECT_EQ(
		format_cyclic_line(l),
		"T: 0 ( 1234) P:80 I:1000 C:  10000 Min:      3 Act:    5 Avg:    4 Max:      40");

	/* cyclictest 2.4's first frame, before any sample (Min is its start value). */
	LatencyOptions o;
	o.distance_us = 500;
	EXPECT_EQ(
		format_cyclic_line(cyclic_line(o, 1, LatencySnapshot{})),
		"T: 1 (    0) P: 0 I:1500 C:      0 Min:1000000 Act:    0 Avg:    0 Max:       0");

	/* Live numbers: truncated to microseconds, like cyclictest. */
	LatencySnapshot s;
	s.tid = 30342;
	s.cycles = 19;
	s.samples = 18;
	s.min_ns = 62999;
	s.sum_ns = 148999 * 18;
	s.max_ns = 1615999;
	s.act_ns = 65400;
	EXPECT_EQ(
		format_cyclic_line(cyclic_line(o, 0, s)),
		"T: 0 (30342) P: 0 I:1000 C:     19 Min:     62 Act:   65 Avg:  148 Max:    1615");

	LatencyThreadResult t = thread_result(0, 0);
	t.tid = 77;
	t.cycles = 3;
	t.total.record(2500);
	t.total.record(3500);
	t.total.record(10900);
	t.act_ns = 10900;
	o.priority = 99;
	EXPECT_EQ(
		format_cyclic_line(cyclic_line(o, t)),
		"T: 0 (   77) P:99 I:1000 C:      3 Min:      2 Act:   10 Avg:    5 Max:      10");
}

TEST(LatencyReport, ProgressFrames)
{
	const std::vector<std::string> lines{"T: 0 a", "T: 1 b"};
	std::ostringstream plain;
	render_progress(plain, lines, false, false);
	render_progress(plain, lines, false, true);
	EXPECT_EQ(plain.str(), "T: 0 a\nT: 1 b\nT: 0 a\nT: 1 b\n");
	std::ostringstream tty;
	render_progress(tty, lines, true, false);
	render_progress(tty, lines, true, true);
	EXPECT_EQ(tty.str(), "T: 0 a\033[K\nT: 1 b\033[K\n\033[2AT: 0 a\033[K\nT: 1 b\033[K\n");
}

/* ------------------------------------------------------------ cyclictest's histogram */

TEST(LatencyReport, HistogramMatchesCyclictestByteForByte)
{
	/* cyclictest -q -l 40 -i 1000 -h 80 -t 2 (2.4), less its "# /dev/cpu_dma_latency" line. */
	std::vector<LatencyThreadResult> th{thread_result(0, 80), thread_result(1, 80)};
	th[0].hist[72] = 1;
	th[0].hist[75] = 1;
	th[1].hist[71] = 1;
	th[1].hist[75] = 1;
	th[1].hist[76] = 3;
	th[1].hist[77] = 3;
	th[1].hist[78] = 2;
	th[1].hist[79] = 1;
	th[0].hist_overflows = 38;
	th[1].hist_overflows = 29;
	for (std::uint64_t c = 0; c < 40; ++c)
		if (c != 19 && c != 25)
			th[0].overflow_cycles.push_back(c);
	th[1].overflow_cycles = {6,  7,  8,  9,  11, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24,
				 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39};
	fill(th[0].total, 72, 86, 105, 40);
	fill(th[1].total, 71, 124, 1763, 40);
	std::ostringstream out;
	render_cyclictest_hist(out, th);
	EXPECT_EQ(out.str(), fixture("cyclictest-2.4-h80-t2.txt"));
}

TEST(LatencyReport, HistogramOverflowLogIsCappedLikeCyclictest)
{
	/* cyclictest -q -l 300 -i 200 -h 4 -t 2: every sample overflowed, 4 logged. */
	std::vector<LatencyThreadResult> th{thread_result(0, 4), thread_result(1, 4)};
	for (auto &t : th) {
		t.hist_overflows = 300;
		t.overflow_cycles = {0, 1, 2, 3};
	}
	fill(th[0].total, 38, 63, 96, 300);
	fill(th[1].total, 67, 74, 125, 300);
	std::ostringstream out;
	render_cyclictest_hist(out, th);
	EXPECT_EQ(out.str(), fixture("cyclictest-2.4-h4-t2-overflows.txt"));
}

TEST(LatencyReport, TextHasCyclictestLinesTableAndHistogram)
{
	LatencyReport r;
	r.options.priority = 80;
	r.options.histogram_us = 3;
	r.kernel = "6.1.0-test";
	r.threads = {thread_result(0, 3), thread_result(1, 3)};
	r.threads[1].interval_us = 1500;
	for (auto &t : r.threads) {
		t.cycles = 12;
		t.overruns = t.index; /* 0 and 1 */
		for (int i = 0; i < 11 - static_cast<int>(t.index); ++i) {
			t.total.record(2000 + i * 100);
			t.kernel.record(500 + i * 10);
			t.delivery.record(1500 + i * 90);
			t.hist[2] += 1;
		}
	}
	std::ostringstream out;
	render_latency_text(out, r);
	const auto lines = timerctl::test::lines(out.str());
	ASSERT_GE(lines.size(), 20U);
	EXPECT_EQ(lines[0], "T: 0 ( 1000) P:80 I:1000 C:     12 Min:      2 Act:    0 Avg:    2 "
			    "Max:       3");
	EXPECT_EQ(lines[1].rfind("T: 1 ( 1001) P:80 I:1500 C:     12 ", 0), 0U);
	EXPECT_EQ(lines[2], "");
	EXPECT_EQ(lines[3].rfind("timerx latency in us (uring, monotonic, hard expiry)", 0), 0U);
	EXPECT_NE(lines[4].find("PART"), std::string::npos);
	EXPECT_NE(lines[4].find("P99.9"), std::string::npos);
	/* Rows: thread x part, then all threads merged; never a line a histogram parser takes. */
	const char *parts[] = {"total", "kernel", "delivery"};
	for (int i = 0; i < 9; ++i) {
		const std::string &l = lines[5 + i];
		EXPECT_EQ(l.rfind("  ", 0), 0U) << l;
		EXPECT_NE(l.find(parts[i % 3]), std::string::npos) << l;
	}
	EXPECT_EQ(lines[11].rfind("  all", 0), 0U);
	EXPECT_NE(lines[5].find(" 11 "), std::string::npos) << lines[5];  /* samples */
	EXPECT_NE(lines[5].find(" 2.0 "), std::string::npos) << lines[5]; /* min in us */
	EXPECT_EQ(lines[14], "overruns: 1 (T0 0, T1 1)");
	EXPECT_EQ(lines[15], "");
	EXPECT_EQ(lines[16], "# Histogram");
	EXPECT_EQ(lines[17], "000000 000000\t000000");
	EXPECT_EQ(lines[19], "000002 000011\t000010");
	EXPECT_EQ(lines[20], "# Total: 000000011 000000010");
}

TEST(LatencyReport, QuietHistogramIsTheHistogramAlone)
{
	LatencyReport r;
	r.options.histogram_us = 3;
	r.options.quiet = true;
	r.threads = {thread_result(0, 3), thread_result(1, 3)};
	r.threads[0].total.record(1500);
	r.threads[0].hist[1] = 1;
	std::ostringstream text, hist;
	render_latency_text(text, r);
	render_cyclictest_hist(hist, r.threads);
	/* As cyclictest -q -h: `grep -v '^#'` leaves the bucket rows alone. */
	EXPECT_EQ(text.str(), hist.str());
	for (const auto &l : timerctl::test::lines(text.str()))
		EXPECT_TRUE(
			l.empty() || l[0] == '#' ||
			(l.size() > 7 && l.find_first_not_of("0123456789\t ") == std::string::npos))
			<< l;

	/* --histfile: the block goes to the file, stdout keeps the rest. */
	r.options.quiet = false;
	r.options.histfile = "/tmp/unused";
	std::ostringstream with_file;
	render_latency_text(with_file, r);
	EXPECT_EQ(with_file.str().find("# Histogram"), std::string::npos) << with_file.str();
	EXPECT_EQ(with_file.str().rfind("T: 0 (", 0), 0U);
	/* -q -h --histfile: nothing on stdout. */
	r.options.quiet = true;
	std::ostringstream nothing;
	render_latency_text(nothing, r);
	EXPECT_EQ(nothing.str(), "");
}

TEST(CpuDmaLatency, WritesZeroAndHoldsTheFileOpen)
{
	const std::string path = (std::filesystem::temp_directory_path() /
				  ("timerctl-pmqos." + std::to_string(getpid())))
					 .string();
	std::ofstream(path) << "";
	const auto open_fds = [&path]() {
		int n = 0;
		for (const auto &e : std::filesystem::directory_iterator("/proc/self/fd")) {
			std::error_code ec;
			if (std::filesystem::read_symlink(e.path(), ec) == path)
				++n;
		}
		return n;
	};
	{
		CpuDmaLatency l(0, path);
		EXPECT_TRUE(l.held()) << l.error();
		EXPECT_EQ(open_fds(), 1); /* the request lasts as long as the file is open */
	}
	EXPECT_EQ(open_fds(), 0);
	std::ifstream in(path, std::ios::binary);
	const std::string bytes((std::istreambuf_iterator<char>(in)),
				std::istreambuf_iterator<char>());
	EXPECT_EQ(bytes, std::string(4, '\0')); /* a binary s32 0 */
	std::filesystem::remove(path);

	CpuDmaLatency missing(0, "/nonexistent/cpu_dma_latency");
	EXPECT_FALSE(missing.held());
	EXPECT_NE(missing.error().find("cannot open /nonexistent/cpu_dma_latency"),
		  std::string::npos);
}

/* ------------------------------------------------------------ JSON */

TEST(LatencyReport, JsonShape)
{
	LatencyReport r;
	r.options.interval_us = 200;
	r.options.distance_us = 100;
	r.options.loops = 3;
	r.options.priority = 80;
	r.options.mlockall = true;
	r.options.mode = WaitMode::epoll;
	r.options.clock = timerx::Clock::boottime;
	r.options.expiry = timerx::Expiry::soft;
	r.kernel = "6.1.0-\"x\"";
	r.threads = {thread_result(0, 0), thread_result(1, 0)};
	r.threads[0].cpu = 1;
	r.threads[1].interval_us = 300;
	for (auto &t : r.threads) {
		t.cycles = 4;
		t.overruns = 1;
		for (int i = 0; i < 3; ++i) {
			t.total.record(3000 + i);
			t.kernel.record(1000);
			t.delivery.record(2000 + i);
		}
	}
	r.threads[1].total.record(-5); /* early: counted, recorded as 0 */

	std::ostringstream out;
	render_latency_json(out, r);
	const std::string s = out.str();
	ASSERT_EQ(s.back(), '\n');
	EXPECT_EQ(s.find('\n'), s.size() - 1); /* one line */
	const auto j = parse_json(s);
	EXPECT_EQ(j.keys(),
		  (std::vector<std::string>{
			  "tool",        "kernel_release",  "mode",    "clock",      "expiry",
			  "interval_us", "distance_us",     "loops",   "duration_s", "priority",
			  "mlockall",    "cpu_dma_latency", "threads", "cycles",     "overruns",
			  "cpu_user_ns", "cpu_sys_ns",      "total",   "kernel",     "delivery"}));
	EXPECT_EQ(j["tool"].str, "timerctl latency");
	EXPECT_EQ(j["kernel_release"].str, "6.1.0-\"x\"");
	EXPECT_EQ(j["mode"].str, "epoll");
	EXPECT_EQ(j["clock"].str, "boottime");
	EXPECT_EQ(j["expiry"].str, "soft");
	EXPECT_EQ(j["interval_us"].u64(), 200U);
	EXPECT_EQ(j["distance_us"].u64(), 100U);
	EXPECT_EQ(j["loops"].u64(), 3U);
	EXPECT_EQ(j["duration_s"].type, test::Json::Type::null);
	EXPECT_EQ(j["priority"].u64(), 80U);
	EXPECT_TRUE(j["mlockall"].b);
	ASSERT_EQ(j["threads"].items.size(), 2U);
	const auto &t0 = j["threads"][0];
	EXPECT_EQ(t0.keys(),
		  (std::vector<std::string>{"thread", "tid", "cpu", "timer_cpu", "interval_us",
					    "cycles", "overruns", "cpu_user_ns", "cpu_sys_ns",
					    "total", "kernel", "delivery"}));
	EXPECT_EQ(t0["thread"].u64(), 0U);
	EXPECT_EQ(t0["tid"].u64(), 1000U);
	EXPECT_EQ(t0["cpu"].u64(), 1U);
	EXPECT_EQ(j["threads"][1]["cpu"].type, test::Json::Type::null);
	EXPECT_EQ(j["threads"][1]["interval_us"].u64(), 300U);
	EXPECT_EQ(t0["total"]["count"].u64(), 3U);
	EXPECT_EQ(t0["kernel"]["min_ns"].u64(), 1000U);
	EXPECT_EQ(j["threads"][1]["total"]["early"].u64(), 1U);
	/* Merged over the threads. */
	EXPECT_EQ(j["cycles"].u64(), 8U);
	EXPECT_EQ(j["overruns"].u64(), 2U);
	EXPECT_EQ(j["total"]["count"].u64(), 7U);
	EXPECT_EQ(j["total"]["early"].u64(), 1U);
	EXPECT_EQ(j["kernel"]["count"].u64(), 6U);
	EXPECT_EQ(j["delivery"]["max_ns"].u64(), 2002U);
	for (const char *k : {"count", "early", "min_ns", "avg_ns", "max_ns", "p50_ns", "p90_ns",
			      "p99_ns", "p999_ns", "p9999_ns", "quantiles"})
		EXPECT_TRUE(j["delivery"].has(k)) << k;
	EXPECT_FALSE(j.has("histogram"));

	/* -h and -D add the histogram and the duration. */
	r.options.histogram_us = 3;
	r.options.duration_s = 60;
	r.threads[0].hist = {1, 2, 0};
	r.threads[1].hist = {0, 0, 3};
	r.threads[1].hist_overflows = 4;
	std::ostringstream out2;
	render_latency_json(out2, r);
	const auto h = parse_json(out2.str());
	EXPECT_EQ(h["duration_s"].u64(), 60U);
	const auto &hist = h["histogram"];
	EXPECT_EQ(hist.keys(), (std::vector<std::string>{"bucket_us", "threads", "overflows"}));
	EXPECT_EQ(hist["bucket_us"].u64(), 1U);
	ASSERT_EQ(hist["threads"].items.size(), 2U);
	EXPECT_EQ(hist["threads"][0].items.size(), 3U);
	EXPECT_EQ(hist["threads"][0][1].u64(), 2U);
	EXPECT_EQ(hist["threads"][1][2].u64(), 3U);
	EXPECT_EQ(hist["overflows"][0].u64(), 0U);
	EXPECT_EQ(hist["overflows"][1].u64(), 4U);
}
