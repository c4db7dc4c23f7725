// SPDX-License-Identifier: MIT
/*
 * timerctl latency: the measurement. One thread per timerx context, each
 * with one periodic timer on an absolute grid, consuming its ring by
 * busy-polling, io_uring or epoll and recording, per event, the total
 * lateness (seen - expected) split into the kernel part (actual -
 * expected) and the delivery part (seen - actual).
 *
 * Everything a thread touches in its loop is allocated before its timer
 * is armed; the loop itself neither allocates nor throws.
 */
#ifndef TIMERCTL_LATENCY_RUN_HPP
#define TIMERCTL_LATENCY_RUN_HPP

#include <timerx/latency.hpp>
#include <timerx/types.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace timerctl {

enum class WaitMode { poll, uring, epoll };

const char *wait_mode_name(WaitMode m);
std::string clock_option_name(timerx::Clock c); /* "monotonic", ... */

/* What `timerctl latency` was asked to do (parse_latency()). */
struct LatencyOptions {
	std::uint64_t interval_us = 1000;
	std::uint64_t distance_us = 500;
	std::uint64_t loops = 0;                 /* per thread; 0: until -D or a signal */
	std::optional<std::uint64_t> duration_s; /* -D */
	unsigned threads = 1;
	std::vector<int> cpus; /* -a: thread k on cpus[k % size]; empty: not pinned */
	/* --timer-cpu: timer k on timer_cpus[k % size]; empty: where its thread is */
	std::vector<int> timer_cpus;
	int priority = 0; /* SCHED_FIFO priority; 0: SCHED_OTHER */
	bool mlockall = false;
	unsigned histogram_us = 0; /* -h: 1 us buckets [0, histogram_us); 0: none */
	/* --histfile: the histogram block goes there instead of stdout. */
	std::optional<std::string> histfile;
	/* -d with -h: cyclictest ignores it (every thread gets -i) and warns. */
	bool distance_ignored = false;
	/* --laptop: no /dev/cpu_dma_latency request. */
	bool laptop = false;
	bool quiet = false;
	bool json = false;
	WaitMode mode = WaitMode::uring;
	timerx::Clock clock = timerx::Clock::monotonic;
	timerx::Expiry expiry = timerx::Expiry::hard;

	[[nodiscard]] std::uint64_t thread_interval_us(unsigned k) const
	{
		return interval_us + k * distance_us;
	}
	[[nodiscard]] int thread_cpu(unsigned k) const
	{
		return cpus.empty() ? -1 : cpus[k % cpus.size()];
	}
	[[nodiscard]] int timer_cpu(unsigned k) const
	{
		return timer_cpus.empty() ? thread_cpu(k) : timer_cpus[k % timer_cpus.size()];
	}
};

/* What one thread measured: plain data, for the renderers. */
struct LatencyThreadResult {
	unsigned index = 0;
	long tid = 0;
	int cpu = -1;       /* -1: not pinned */
	int timer_cpu = -1; /* -1: not pinned */
	std::uint64_t interval_us = 0;
	std::uint64_t cycles = 0;   /* expirations seen, overruns included */
	std::uint64_t overruns = 0; /* expirations folded into later events */
	std::int64_t act_ns = 0;    /* the last total lateness */
	/* The thread's CPU time (getrusage RUSAGE_THREAD), for cost comparisons. */
	std::uint64_t cpu_user_ns = 0;
	std::uint64_t cpu_sys_ns = 0;
	timerx::LatencyRecorder total;
	timerx::LatencyRecorder kernel;
	timerx::LatencyRecorder delivery;
	/* With -h: total lateness in 1 us buckets, as cyclictest keeps it. */
	std::vector<std::uint64_t> hist;
	std::uint64_t hist_overflows = 0;
	/* Cycle numbers of the first hist.size() overflows (cyclictest's outliers). */
	std::vector<std::uint64_t> overflow_cycles;
};

/*
 * Per-thread numbers the progress display reads while the thread runs:
 * single writer, relaxed atomics (plain loads and stores on x86).
 */
struct LatencyLive {
	std::atomic<long> tid{0};
	std::atomic<std::uint64_t> cycles{0};
	std::atomic<std::uint64_t> samples{0};
	std::atomic<std::uint64_t> sum_ns{0};
	std::atomic<std::uint64_t> min_ns{UINT64_MAX};
	std::atomic<std::uint64_t> max_ns{0};
	std::atomic<std::int64_t> act_ns{0};
	std::atomic<bool> done{false};
};

/* A copy of LatencyLive, for rendering. */
struct LatencySnapshot {
	long tid = 0;
	std::uint64_t cycles = 0;
	std::uint64_t samples = 0;
	std::uint64_t sum_ns = 0;
	std::uint64_t min_ns = UINT64_MAX; /* UINT64_MAX: no sample yet */
	std::uint64_t max_ns = 0;
	std::int64_t act_ns = 0;
};

LatencySnapshot snapshot(const LatencyLive &l);

/*
 * The run: opens the contexts, creates the timers and starts the threads
 * (errors throw timerctl::Error with timerctl's exit codes), then the
 * caller polls and finally stops it. Not copyable; the threads reference
 * it.
 */
class LatencyRun {
public:
	explicit LatencyRun(const LatencyOptions &o);
	~LatencyRun();
	LatencyRun(const LatencyRun &) = delete;
	LatencyRun &operator=(const LatencyRun &) = delete;

	/* Arms the timers: the threads start measuring. Throws Error. */
	void start();
	/* Every thread reached its loop count (or failed). */
	[[nodiscard]] bool all_done() const;
	/* Tells the threads to stop, joins them; throws Error if one failed. */
	void stop();

	[[nodiscard]] unsigned threads() const { return static_cast<unsigned>(results_.size()); }
	[[nodiscard]] const LatencyLive &live(unsigned k) const;
	/* Valid after stop(). */
	[[nodiscard]] const std::vector<LatencyThreadResult> &results() const { return results_; }

	struct Worker;

private:
	LatencyOptions o_;
	std::vector<LatencyThreadResult> results_;
	std::vector<std::unique_ptr<Worker>>
		workers_; /* Worker is complete in latency_run.cc only */
	std::atomic<bool> stop_{false};
	bool joined_ = false;
};

} // namespace timerctl

#endif /* TIMERCTL_LATENCY_RUN_HPP */
