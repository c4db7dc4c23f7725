// SPDX-License-Identifier: MIT
/*
 * timerctl latency: a cyclictest for timerx. Parsing (cyclictest's option
 * names and defaults), and the glue between the run (latency_run) and its
 * outputs (latency_report).
 */
#include "commands.hpp"
#include "cpu_dma_latency.hpp"
#include "latency_report.hpp"
#include "stop_signals.hpp"

#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>

namespace timerctl {

namespace {

constexpr std::uint64_t max_interval_us = 3600ULL * 1000 * 1000; /* one hour */
constexpr unsigned max_threads = 1024;
constexpr unsigned max_histogram_us = 1000000; /* 8 MB of buckets per thread */
constexpr std::uint64_t max_duration_s = 366ULL * 24 * 3600;

/* -h is the histogram here, as in cyclictest: help is --help only. */
constexpr OptSpec opts[] = {
	{"help", 0, false, {}, "show this help"},
	{"interval", 'i', true, "US", "interval of thread 0 in microseconds (default 1000)"},
	{"distance", 'd', true, "US",
	 "interval increment per thread in us (default 500; ignored with -h)"},
	{"loops", 'l', true, "N", "cycles per thread (default 0: until -D or SIGINT)"},
	{"duration", 'D', true, "TIME", "run time: seconds, or with a suffix s, m, h, d"},
	{"threads", 't', true, "[N]",
	 "measuring threads (default 1), one timer each; -t alone: one per CPU (of -a)", true},
	{"affinity", 'a', true, "[CPUS]",
	 "pin thread k and its timer to the k-th CPU of the list (\"1\", \"0-1,3\"); "
	 "-a alone: of all online CPUs",
	 true},
	{"timer-cpu", 0, true, "CPUS",
	 "pin timer k to the k-th CPU of this list instead of its thread's"},
	{"priority", 'p', true, "N", "SCHED_FIFO priority 1..99 (default 0: SCHED_OTHER)"},
	{"mlockall", 'm', false, {}, "lock current and future memory"},
	{"histogram", 'h', true, "US", "cyclictest histogram, 1 us buckets up to US"},
	{"histfile", 0, true, "FILE", "write the -h histogram to FILE instead of stdout"},
	{"quiet", 'q', false, {}, "no progress, only the result (with -h: only the histogram)"},
	{"laptop", 0, false, {}, "do not write 0 to /dev/cpu_dma_latency for the run"},
	opt_json,
	{"mode", 0, true, "MODE", "poll, uring (default) or epoll"},
	{"clock", 0, true, "CLOCK", "monotonic (default), realtime, boottime or tai"},
	{"soft", 0, false, {}, "softirq expiry (default: hard irq)"},
};

std::uint64_t number(const Args &a, std::string_view name, std::uint64_t lo, std::uint64_t hi,
		     std::uint64_t def)
{
	const auto v = a.value(name);
	if (!v)
		return def;
	const auto n = parse_u64(*v);
	if (!n || *n < lo || *n > hi)
		throw UsageError("--" + std::string(name) + " needs a number in " +
				 std::to_string(lo) + ".." + std::to_string(hi) + ": " + *v);
	return *n;
}

/* cyclictest's -D: a number of seconds, or with one of the suffixes s, m, h, d. */
std::optional<std::uint64_t> parse_cyclictest_duration(std::string_view s)
{
	std::uint64_t unit = 1;
	if (!s.empty() && !std::isdigit(static_cast<unsigned char>(s.back()))) {
		switch (std::tolower(static_cast<unsigned char>(s.back()))) {
		case 's':
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 24 * 3600;
			break;
		default:
			return std::nullopt;
		}
		s.remove_suffix(1);
	}
	const auto n = parse_u64(s);
	if (!n || *n > max_duration_s / unit)
		return std::nullopt;
	return *n * unit;
}

std::string uname_release()
{
	utsname u{};
	if (uname(&u) < 0)
		return "unknown";
	return u.release;
}

bool is_terminal(const std::ostream &s)
{
	if (&s == &std::cout)
		return isatty(STDOUT_FILENO) == 1;
	if (&s == &std::cerr)
		return isatty(STDERR_FILENO) == 1;
	return false;
}

void sleep_ns(std::int64_t ns)
{
	timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
	nanosleep(&ts, nullptr); /* a signal ends it early: that is what we want */
}

} // namespace

const std::span<const OptSpec> latency_options{opts};

std::optional<std::vector<int>> parse_cpu_list(std::string_view s)
{
	std::vector<int> cpus;
	if (s.empty())
		return std::nullopt;
	while (!s.empty()) {
		const auto comma = s.find(',');
		const std::string_view item = s.substr(0, comma);
		s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
		if (comma != std::string_view::npos && s.empty())
			return std::nullopt; /* trailing comma */
		const auto dash = item.find('-');
		const auto lo = parse_u32(item.substr(0, dash));
		const auto hi =
			dash == std::string_view::npos ? lo : parse_u32(item.substr(dash + 1));
		if (!lo || !hi || *lo > *hi || *hi >= 65536)
			return std::nullopt;
		for (std::uint32_t c = *lo; c <= *hi; ++c)
			if (std::find(cpus.begin(), cpus.end(), static_cast<int>(c)) == cpus.end())
				cpus.push_back(static_cast<int>(c));
	}
	return cpus;
}

std::vector<int> online_cpus()
{
	std::ifstream f("/sys/devices/system/cpu/online");
	std::string line;
	if (f && std::getline(f, line))
		if (auto cpus = parse_cpu_list(line))
			return *cpus;
	std::vector<int> cpus;
	const long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long i = 0; i < n; ++i)
		cpus.push_back(static_cast<int>(i));
	return cpus;
}

namespace {

std::vector<int> online_cpu_list(std::string_view option, const std::string &value,
				 const std::vector<int> &online)
{
	auto cpus = parse_cpu_list(value);
	if (!cpus)
		throw UsageError("--" + std::string(option) +
				 " needs a CPU list like 1 or 0-1,3: " + value);
	for (const int cpu : *cpus)
		if (std::find(online.begin(), online.end(), cpu) == online.end())
			throw UsageError("--" + std::string(option) + ": CPU " +
					 std::to_string(cpu) + " is not online");
	return *cpus;
}

} // namespace

LatencyOptions parse_latency(const Args &a, const std::vector<int> &online)
{
	if (!a.positionals.empty())
		throw UsageError("latency takes no arguments: " + a.positionals[0]);
	LatencyOptions o;
	o.interval_us = number(a, "interval", 1, max_interval_us, o.interval_us);
	o.histogram_us = static_cast<unsigned>(number(a, "histogram", 1, max_histogram_us, 0));
	o.distance_us = number(a, "distance", 0, max_interval_us, o.distance_us);
	/* As cyclictest: with -h every thread has the interval -i, whatever -d says. */
	if (o.histogram_us != 0) {
		o.distance_ignored = a.has("distance");
		o.distance_us = 0;
	}
	if (auto f = a.value("histfile")) {
		if (o.histogram_us == 0)
			throw UsageError("--histfile needs -h");
		if (f->empty())
			throw UsageError("--histfile needs a file name");
		o.histfile = *f;
	}
	o.laptop = a.has("laptop");
	o.loops = number(a, "loops", 0, UINT64_MAX, 0);
	/* -a alone: all online CPUs, round robin (cyclictest's AFFINITY_USEALL). */
	if (auto c = a.value("affinity"))
		o.cpus = c->empty() ? online : online_cpu_list("affinity", *c, online);
	/* -t alone: one thread per CPU it may run on. */
	if (auto t = a.value("threads"); t && t->empty())
		o.threads = static_cast<unsigned>(std::clamp<std::size_t>(
			o.cpus.empty() ? online.size() : o.cpus.size(), 1, max_threads));
	else
		o.threads = static_cast<unsigned>(number(a, "threads", 1, max_threads, 1));
	if (o.thread_interval_us(o.threads - 1) > max_interval_us)
		throw UsageError("the interval of thread " + std::to_string(o.threads - 1) +
				 " (-i + " + std::to_string(o.threads - 1) +
				 " * -d) is above one hour");
	if (auto d = a.value("duration")) {
		o.duration_s = parse_cyclictest_duration(*d);
		if (!o.duration_s || *o.duration_s == 0)
			throw UsageError("--duration needs a time above 0: a number of seconds, or "
					 "with a suffix s, m, h, d: " +
					 *d);
	}
	/* Busy-polling on one CPU while the timer interrupts another: no irq on the poller. */
	if (auto c = a.value("timer-cpu"))
		o.timer_cpus = online_cpu_list("timer-cpu", *c, online);
	o.priority = static_cast<int>(number(a, "priority", 0, 99, 0));
	o.mlockall = a.has("mlockall");
	o.quiet = a.has("quiet");
	o.json = a.has("json");
	if (auto m = a.value("mode")) {
		if (*m == "poll")
			o.mode = WaitMode::poll;
		else if (*m == "uring")
			o.mode = WaitMode::uring;
		else if (*m == "epoll")
			o.mode = WaitMode::epoll;
		else
			throw UsageError("--mode needs poll, uring or epoll: " + *m);
	}
	if (auto c = a.value("clock")) {
		if (*c == "monotonic")
			o.clock = timerx::Clock::monotonic;
		else if (*c == "realtime")
			o.clock = timerx::Clock::realtime;
		else if (*c == "boottime")
			o.clock = timerx::Clock::boottime;
		else if (*c == "tai")
			o.clock = timerx::Clock::tai;
		else
			throw UsageError("--clock needs monotonic, realtime, boottime or tai: " +
					 *c);
	}
	if (a.has("soft"))
		o.expiry = timerx::Expiry::soft;
	return o;
}

LatencyOptions parse_latency(const Args &a)
{
	return parse_latency(a, online_cpus());
}

int cmd_latency(const Args &a, Io &io)
{
	const LatencyOptions o = parse_latency(a);
	if (o.mlockall && ::mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		fail(-errno, "mlockall");
	/* Opened before the run, so that a bad path fails before any measuring. */
	std::ofstream histfile;
	if (o.histfile) {
		histfile.open(*o.histfile, std::ios::out | std::ios::trunc);
		if (!histfile)
			fail(-errno, "cannot open " + *o.histfile);
	}
	if (o.distance_ignored)
		io.err << "timerctl: -d is ignored with -h: every thread has the interval -i\n";
	std::optional<CpuDmaLatency> pm_qos;
	if (o.laptop) {
		if (!o.json)
			io.err << "timerctl: not setting " << cpu_dma_latency_path
			       << " to save battery power (--laptop)\n";
	} else {
		pm_qos.emplace(0);
		/*
		 * cyclictest's line ('#': plotting pipelines skip it). JSON stays
		 * silent: its cpu_dma_latency key says whether it was held.
		 */
		if (!o.json && pm_qos->held())
			io.out << "# " << cpu_dma_latency_path << " set to 0us\n";
		else if (!o.json)
			io.err << "timerctl: warning: " << pm_qos->error()
			       << " (deep C-states stay allowed)\n";
	}
	StopSignals signals;
	LatencyRun run(o);
	run.start();

	using clock = std::chrono::steady_clock;
	const auto t0 = clock::now();
	const auto deadline =
		o.duration_s ? t0 + std::chrono::seconds(*o.duration_s) : clock::time_point::max();
	std::ostream &prog = o.json ? io.err : io.out;
	const bool tty = is_terminal(prog);
	/* Redrawn in place on a terminal; into a file or pipe, a line per thread and second. */
	const auto every = tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
	auto next_frame = t0 + every;
	bool drawn = false;
	std::vector<std::string> lines(run.threads());
	while (StopSignals::stop_signal() == 0 && !run.all_done()) {
		const auto now = clock::now();
		if (now >= deadline)
			break;
		if (!o.quiet && now >= next_frame) {
			for (unsigned k = 0; k < run.threads(); ++k)
				lines[k] = format_cyclic_line(
					cyclic_line(o, k, snapshot(run.live(k))));
			render_progress(prog, lines, tty, drawn);
			drawn = true;
			next_frame = now + every;
		}
		auto wake = std::min(now + std::chrono::milliseconds(100), deadline);
		if (!o.quiet)
			wake = std::min(wake, next_frame);
		sleep_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now).count());
	}
	run.stop();

	LatencyReport report{o, uname_release(), run.results(), pm_qos && pm_qos->held()};
	if (o.histfile) {
		render_cyclictest_hist(histfile, report.threads);
		histfile.close();
		if (!histfile)
			throw Error(exit_failure, "cannot write " + *o.histfile);
	}
	if (o.json) {
		render_latency_json(io.out, report);
		return exit_ok;
	}
	/* The final lines take the place of the live ones. */
	if (drawn && tty)
		io.out << "\033[" << run.threads() << 'A';
	render_latency_text(io.out, report);
	return exit_ok;
}

} // namespace timerctl
