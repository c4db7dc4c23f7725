// SPDX-License-Identifier: MIT
/*
 * The subcommands of timerx-bench, each printing one record (record.hpp).
 * main.cc parses and checks the arguments; these only run. They return the
 * process exit status: 0 when the run completed (slow or saturated runs
 * included: that is a result), exit_failed (with a message on stderr) when
 * it could not run or a command failed, exit_missing when a needed
 * program is absent.
 */
#ifndef TIMERX_BENCH_WORKLOADS_HPP
#define TIMERX_BENCH_WORKLOADS_HPP

#include <cstdint>
#include <string>

namespace bench {

struct Options {
	std::string contestant;
	std::uint64_t hz = 0;
	double seconds = 0;
	int cpu = -1;     /* < 0: not pinned */
	int priority = 0; /* SCHED_FIFO priority; 0: the default policy */
	std::uint64_t timers = 0;
	std::uint64_t live = 0;
	std::uint64_t ops = 0;
	std::uint64_t batch = 256;
	std::uint64_t period_ms = 1000;
	/* w2: first expiries spread over one period, or all on the same instants */
	bool aligned = false;
};

int run_meta(const Options &o);
/* clock_nanosleep, timerfd-epoll, io_uring-timeout (w1_latency.cc). */
int run_w1(const Options &o);
int run_w1_cyclictest(const Options &o);
int run_w2(const Options &o);
int run_w3(const Options &o);
int run_w4(const Options &o);

} // namespace bench

#endif /* TIMERX_BENCH_WORKLOADS_HPP */
