// SPDX-License-Identifier: MIT
/*
 * timerx-bench: the benchmark suite's programs, one subcommand per
 * workload, each printing one JSON record to stdout (diagnostics go to
 * stderr). Exit status: 0 the run completed, 1 it could not run, 2 bad
 * arguments, 3 a needed program (cyclictest) is missing.
 */
#include "sys.hpp"
#include "workloads.hpp"

#include <getopt.h>
#include <sched.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>

namespace bench {

namespace {

const char usage_text[] =
	"usage: timerx-bench meta\n"
	"       timerx-bench w1 -c CONTESTANT --hz N --seconds S [--cpu C] [--priority P]\n"
	"            CONTESTANT: clock_nanosleep timerfd-epoll io_uring-timeout cyclictest\n"
	"       timerx-bench w2 -c CONTESTANT --timers N --hz H --seconds S [--cpu C]\n"
	"                       [--phase spread|aligned]\n"
	"            CONTESTANT: timerx-poll timerx-uring timerfd-epoll io_uring-timeout\n"
	"                        posix-timer\n"
	"       timerx-bench w3 -c CONTESTANT --live N --ops M [--batch B] [--cpu C]\n"
	"            CONTESTANT: timerx-uring-batch timerx-ioctl timerfd_settime\n"
	"       timerx-bench w4 --timers N --seconds S [--period-ms P]\n"
	"\n"
	"Each run prints one JSON line: {\"workload\",\"contestant\",\"params\",\"result\"}.\n"
	"Exit status: 0 done, 1 could not run, 2 usage, 3 cyclictest missing.\n";

[[noreturn]] void usage_error(const char *fmt, const char *arg)
{
	std::fputs("timerx-bench: ", stderr);
	std::fprintf(stderr, fmt, arg);
	std::fputs("\n", stderr);
	std::fputs(usage_text, stderr);
	std::exit(exit_usage);
}

enum Opt : int {
	opt_contestant = 'c',
	opt_help = 'h',
	opt_hz = 256,
	opt_seconds,
	opt_cpu,
	opt_priority,
	opt_timers,
	opt_live,
	opt_ops,
	opt_batch,
	opt_period_ms,
	opt_phase,
};

const option long_options[] = {
	{"contestant", required_argument, nullptr, opt_contestant},
	{"hz", required_argument, nullptr, opt_hz},
	{"seconds", required_argument, nullptr, opt_seconds},
	{"cpu", required_argument, nullptr, opt_cpu},
	{"priority", required_argument, nullptr, opt_priority},
	{"timers", required_argument, nullptr, opt_timers},
	{"live", required_argument, nullptr, opt_live},
	{"ops", required_argument, nullptr, opt_ops},
	{"batch", required_argument, nullptr, opt_batch},
	{"period-ms", required_argument, nullptr, opt_period_ms},
	{"phase", required_argument, nullptr, opt_phase},
	{"help", no_argument, nullptr, opt_help},
	{nullptr, 0, nullptr, 0},
};

const char *option_name(int opt)
{
	for (const option &o : long_options)
		if (o.name != nullptr && o.val == opt)
			return o.name;
	return "?";
}

std::uint64_t u64_arg(int opt, std::uint64_t lo, std::uint64_t hi)
{
	const auto v = parse_u64(optarg);
	if (!v || *v < lo || *v > hi) {
		const std::string msg = std::string("--") + option_name(opt) + " %s: expected " +
					std::to_string(lo) + ".." + std::to_string(hi);
		usage_error(msg.c_str(), optarg);
	}
	return *v;
}

double seconds_arg()
{
	char *end = nullptr;
	errno = 0;
	const double v = std::strtod(optarg, &end);
	/* A day at most: every run is bounded by its wall time. */
	if (errno != 0 || end == optarg || *end != '\0' || !(v > 0) || v > 86400)
		usage_error("--seconds %s: expected a number of seconds in (0, 86400]", optarg);
	return v;
}

struct Workload {
	const char *name;
	int (*run)(const Options &);
	/* The options it takes and the ones it needs (Opt values, 0-terminated). */
	std::array<int, 8> allowed;
	std::array<int, 8> required;
	std::array<const char *, 6> contestants;
};

const Workload workloads[] = {
	{"meta", run_meta, {}, {}, {}},
	{"w1",
	 run_w1,
	 {opt_contestant, opt_hz, opt_seconds, opt_cpu, opt_priority},
	 {opt_contestant, opt_hz, opt_seconds},
	 {"clock_nanosleep", "timerfd-epoll", "io_uring-timeout", "cyclictest"}},
	{"w2",
	 run_w2,
	 {opt_contestant, opt_timers, opt_hz, opt_seconds, opt_cpu, opt_phase},
	 {opt_contestant, opt_timers, opt_hz, opt_seconds},
	 {"timerx-poll", "timerx-uring", "timerfd-epoll", "io_uring-timeout", "posix-timer"}},
	{"w3",
	 run_w3,
	 {opt_contestant, opt_live, opt_ops, opt_batch, opt_cpu},
	 {opt_contestant, opt_live, opt_ops},
	 {"timerx-uring-batch", "timerx-batch-ioctl", "timerx-ioctl", "timerfd_settime"}},
	{"w4", run_w4, {opt_timers, opt_seconds, opt_period_ms}, {opt_seconds}, {}},
};

bool contains(const std::array<int, 8> &set, int v)
{
	for (const int x : set)
		if (x == v)
			return true;
	return false;
}

int dispatch(int argc, char **argv)
{
	if (argc < 2)
		usage_error("%s", "missing subcommand");
	const std::string_view sub = argv[1];
	if (sub == "-h" || sub == "--help" || sub == "help") {
		std::fputs(usage_text, stdout);
		return 0;
	}
	const Workload *wl = nullptr;
	for (const Workload &w : workloads)
		if (sub == w.name)
			wl = &w;
	if (wl == nullptr)
		usage_error("unknown subcommand %s", argv[1]);

	Options o;
	if (sub == "w4")
		o.timers = 100000;
	std::array<bool, 512> seen{};
	optind = 2;
	opterr = 0;
	for (int opt; (opt = getopt_long(argc, argv, ":c:h", long_options, nullptr)) != -1;) {
		if (opt == '?')
			usage_error("unknown option %s", argv[optind - 1]);
		if (opt == ':')
			usage_error("option %s needs a value", argv[optind - 1]);
		if (opt == opt_help) {
			std::fputs(usage_text, stdout);
			return 0;
		}
		if (!contains(wl->allowed, opt))
			usage_error("--%s does not apply here", option_name(opt));
		seen[static_cast<std::size_t>(opt)] = true;
		switch (opt) {
		case opt_contestant:
			o.contestant = optarg;
			break;
		case opt_hz:
			o.hz = u64_arg(opt, 1, 1000000);
			break;
		case opt_seconds:
			o.seconds = seconds_arg();
			break;
		case opt_cpu:
			o.cpu = static_cast<int>(u64_arg(opt, 0, CPU_SETSIZE - 1));
			break;
		case opt_priority:
			o.priority = static_cast<int>(u64_arg(opt, 0, 99));
			break;
		case opt_timers:
			o.timers = u64_arg(opt, 1, 1000000);
			break;
		case opt_live:
			o.live = u64_arg(opt, 2, 1000000);
			break;
		case opt_ops:
			o.ops = u64_arg(opt, 2, 1000000000);
			break;
		case opt_batch:
			o.batch = u64_arg(opt, 1, 65536);
			break;
		case opt_period_ms:
			o.period_ms = u64_arg(opt, 1, 3600000);
			break;
		case opt_phase:
			if (std::strcmp(optarg, "aligned") == 0)
				o.aligned = true;
			else if (std::strcmp(optarg, "spread") != 0)
				usage_error("--phase %s: expected spread or aligned", optarg);
			break;
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument %s", argv[optind]);
	for (const int r : wl->required)
		if (r != 0 && !seen[static_cast<std::size_t>(r)])
			usage_error("--%s is required", option_name(r));
	if (wl->contestants[0] != nullptr) {
		bool known = false;
		for (const char *c : wl->contestants)
			known |= c != nullptr && o.contestant == c;
		if (!known)
			usage_error("unknown contestant %s", o.contestant.c_str());
	}
	if (sub == "w1" && o.contestant == "cyclictest")
		return run_w1_cyclictest(o);
	return wl->run(o);
}

} // namespace

} // namespace bench

int main(int argc, char **argv)
{
	try {
		return bench::dispatch(argc, argv);
	} catch (const std::system_error &e) {
		/* Setup of a timerx context or io_uring: the run could not happen. */
		bench::diag("%s%s", e.what(),
			    e.code().value() == ENOENT ? " (is timerx.ko loaded?)" : "");
	} catch (const std::exception &e) {
		bench::diag("%s", e.what());
	}
	return bench::exit_failed;
}
