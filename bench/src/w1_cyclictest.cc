// SPDX-License-Identifier: MIT
/*
 * w1 cyclictest: the reference everybody knows, run as it is usually run
 * (clock_nanosleep on an absolute grid, one thread, mlockall) with the
 * same rate, CPU and priority as the other contestants, and its
 * histogram turned into the suite's LAT object.
 *
 *   cyclictest -q -m --laptop -i US -l LOOPS -h MAXUS [-a CPU] [-p PRIO]
 *
 * cyclictest 2.x uses clock_nanosleep by default and no longer accepts
 * -n, so it is not passed. --laptop keeps it from writing 0 to
 * /dev/cpu_dma_latency (no deep C-states while it runs), which none of the
 * other contestants do: the comparison is of mechanisms, not of idle
 * settings. Its histogram has 1 µs buckets: each is
 * recorded at its middle, the overflows (>= MAXUS) at its maximum, and
 * its own min/avg/max (µs) replace the recorder's.
 */
#include "record.hpp"
#include "sys.hpp"
#include "workloads.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <timerx/latency.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

extern char **environ;

namespace bench {

namespace {

/* Histogram range: latencies past 20 ms are overflows (recorded at the max). */
constexpr std::uint64_t histogram_us = 20000;

struct CyclictestOutput {
	std::unique_ptr<timerx::LatencyRecorder> lat = std::make_unique<timerx::LatencyRecorder>();
	std::uint64_t in_histogram = 0;
	std::uint64_t overflows = 0;
	/* cyclictest's own summary, in µs; all three must be present. */
	std::uint64_t min_us = 0, avg_us = 0, max_us = 0;
	unsigned summary_lines = 0;
};

std::optional<std::uint64_t> summary_value(const std::string &line, const char *label)
{
	const std::string prefix = std::string("# ") + label + ":";
	if (!line.starts_with(prefix))
		return std::nullopt;
	std::istringstream in(line.substr(prefix.size()));
	std::string v;
	in >> v;
	return parse_u64(v);
}

bool parse(const std::string &text, CyclictestOutput &out)
{
	std::istringstream in(text);
	std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
	for (std::string line; std::getline(in, line);) {
		if (line.empty())
			continue;
		if (line[0] == '#') {
			if (auto v = summary_value(line, "Min Latencies")) {
				out.min_us = *v;
				++out.summary_lines;
			} else if (auto a = summary_value(line, "Avg Latencies")) {
				out.avg_us = *a;
				++out.summary_lines;
			} else if (auto m = summary_value(line, "Max Latencies")) {
				out.max_us = *m;
				++out.summary_lines;
			} else if (auto o = summary_value(line, "Histogram Overflows"))
				out.overflows = *o;
			continue;
		}
		/* "000014 000009": bucket (µs), count (one column per thread; we run one). */
		std::istringstream ls(line);
		std::string b, c;
		if (!(ls >> b >> c))
			return false;
		const auto bucket = parse_u64(b), count = parse_u64(c);
		if (!bucket || !count)
			return false;
		buckets.emplace_back(*bucket, *count);
	}
	if (out.summary_lines != 3)
		return false;
	for (const auto &[bucket, count] : buckets) {
		const auto ns = static_cast<std::int64_t>(bucket * 1000 + 500);
		for (std::uint64_t i = 0; i < count; ++i)
			out.lat->record(ns);
		out.in_histogram += count;
	}
	for (std::uint64_t i = 0; i < out.overflows; ++i)
		out.lat->record(static_cast<std::int64_t>(out.max_us * 1000));
	return true;
}

/*
 * Run @argv with its stdout captured, for at most @limit_ns; past that it
 * gets SIGINT (cyclictest then prints what it has), 5 s later SIGKILL.
 */
bool run_captured(const std::vector<std::string> &argv, std::int64_t limit_ns, std::string &out,
		  int &status)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		diag_errno("pipe2");
		return false;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = -1;
	const int err = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	::close(pipefd[1]);
	if (err != 0) {
		::close(pipefd[0]);
		diag("posix_spawn %s: %s", argv[0].c_str(), std::strerror(err));
		return false;
	}

	const std::int64_t deadline = now_ns() + limit_ns;
	int signals_sent = 0;
	char buf[65536];
	for (;;) {
		const std::int64_t left = deadline + signals_sent * 5000000000LL - now_ns();
		if (left <= 0 && signals_sent < 2) {
			diag("%s still running after its time limit: %s", argv[0].c_str(),
			     signals_sent == 0 ? "SIGINT" : "SIGKILL");
			if (kill(pid, signals_sent == 0 ? SIGINT : SIGKILL) != 0)
				diag_errno("kill");
			++signals_sent;
			continue;
		}
		pollfd pfd{pipefd[0], POLLIN, 0};
		const int n = poll(&pfd, 1, left > 0 ? static_cast<int>(left / 1000000) + 1 : 1000);
		if (n < 0 && errno != EINTR) {
			diag_errno("poll");
			break;
		}
		if (n <= 0)
			continue;
		const ssize_t got = ::read(pipefd[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_errno("read");
			break;
		}
		if (got == 0)
			break;
		out.append(buf, static_cast<std::size_t>(got));
	}
	::close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			diag_errno("waitpid");
			return false;
		}
	}
	return true;
}

} // namespace

int run_w1_cyclictest(const Options &o)
{
	const char *env = std::getenv("CYCLICTEST");
	const std::string path = env != nullptr && *env != '\0' ? env : "/usr/bin/cyclictest";
	if (access(path.c_str(), X_OK) != 0) {
		diag_errno("cyclictest not found at %s (install rt-tests or set CYCLICTEST)",
			   path.c_str());
		return exit_missing;
	}
	const std::uint64_t interval_us = (1000000 + o.hz / 2) / o.hz;
	const auto loops = static_cast<std::uint64_t>(static_cast<double>(o.hz) * o.seconds);
	std::vector<std::string> argv = {path, "-q",
					 "-m", "--laptop",
					 "-i", std::to_string(interval_us),
					 "-l", std::to_string(loops),
					 "-h", std::to_string(histogram_us)};
	if (o.cpu >= 0) {
		argv.emplace_back("-a");
		argv.push_back(std::to_string(o.cpu));
	}
	if (o.priority > 0) {
		argv.emplace_back("-p");
		argv.push_back(std::to_string(o.priority));
	}

	const auto cpu0 = rusage_times(RUSAGE_CHILDREN);
	std::string text;
	int status = 0;
	const std::int64_t t0 = now_ns();
	/* Twice the planned time plus a minute: a slow VM is a result, a hang is not. */
	const bool ran = run_captured(
		argv, static_cast<std::int64_t>(o.seconds * 2e9) + 60000000000LL, text, status);
	const std::int64_t t1 = now_ns();
	const auto cpu1 = rusage_times(RUSAGE_CHILDREN);
	if (!ran || !cpu0 || !cpu1)
		return exit_failed;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag("%s failed (wait status %#x)", path.c_str(), static_cast<unsigned>(status));
		return exit_failed;
	}
	CyclictestOutput out;
	if (!parse(text, out)) {
		diag("cannot parse cyclictest's histogram output (%zu bytes)", text.size());
		return exit_failed;
	}

	Record rec("w1", "cyclictest");
	auto &p = rec.params();
	p.field("hz", o.hz);
	p.field("seconds", o.seconds);
	p.field("cpu", static_cast<std::int64_t>(o.cpu));
	p.field("priority", static_cast<std::int64_t>(o.priority));
	p.field("interval_us", interval_us);
	p.field("loops", loops);
	p.field("histogram_us", histogram_us);
	auto &w = rec.result();
	w.field("cycles", out.in_histogram + out.overflows);
	w.key("overruns").null(); /* cyclictest does not report them */
	w.field("histogram_overflows", out.overflows);
	w.key("total");
	json_latency_with_extremes(w, *out.lat, out.min_us * 1000,
				   static_cast<double>(out.avg_us) * 1000, out.max_us * 1000);
	w.field("elapsed_ns", t1 - t0);
	w.field("cpu_user_ns", cpu1->user_ns - cpu0->user_ns);
	w.field("cpu_sys_ns", cpu1->sys_ns - cpu0->sys_ns);
	rec.print();
	return 0;
}

} // namespace bench
