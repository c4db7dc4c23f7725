// SPDX-License-Identifier: MIT
/*
 * The system side of a benchmark run: putting the measured thread where it
 * belongs (CPU, SCHED_FIFO, locked memory), what it cost (getrusage,
 * /proc/stat) and what the kernel holds (/proc/meminfo, /proc/slabinfo).
 *
 * Setup helpers print a message and return false (or nullopt) when they
 * fail; the callers turn that into exit status 1. None of them is meant
 * for a measured loop except now_ns() and SyscallCounter.
 */
#ifndef TIMERX_BENCH_SYS_HPP
#define TIMERX_BENCH_SYS_HPP

#include <time.h>

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

/* Exit status when something could not run (usage errors are 2). */
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
/* A contestant that needs a program this system lacks (cyclictest). */
inline constexpr int exit_missing = 3;

/* "timerx-bench: " + printf to stderr, newline added. */
[[gnu::format(printf, 1, 2)]] void diag(const char *fmt, ...);
/* diag() with ": strerror(errno)" appended. */
[[gnu::format(printf, 1, 2)]] void diag_errno(const char *fmt, ...);

/* CLOCK_MONOTONIC in ns (vDSO: no system call). */
[[nodiscard]] inline std::int64_t now_ns() noexcept
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[nodiscard]] constexpr timespec to_timespec(std::int64_t ns) noexcept
{
	return {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

/*
 * The system calls a measured loop makes, counted where they are made:
 * `n = sc(::epoll_wait(...))` counts one and passes the result through.
 */
struct SyscallCounter {
	std::uint64_t calls = 0;

	template <class R>
	R operator()(R result) noexcept
	{
		++calls;
		return result;
	}
};

/*
 * The measured thread's setup: pin to @cpu (< 0: leave), SCHED_FIFO at
 * @priority (0: leave the policy), mlockall(MCL_CURRENT | MCL_FUTURE).
 */
[[nodiscard]] bool pin_to_cpu(int cpu);
[[nodiscard]] bool set_fifo(int priority);
[[nodiscard]] bool lock_memory();

/* Raise a resource limit (soft and, if needed, hard) to at least @want. */
[[nodiscard]] bool raise_rlimit(int resource, std::uint64_t want, const char *name);

struct CpuTimes {
	std::uint64_t user_ns = 0;
	std::uint64_t sys_ns = 0;
};

/* getrusage(@who) as ns. */
[[nodiscard]] std::optional<CpuTimes> rusage_times(int who);

/* CLOCK_PROCESS_CPUTIME_ID: the scheduler's exact runtime, user and system together. */
[[nodiscard]] std::optional<std::uint64_t> process_cpu_ns();

struct SystemTimes {
	/*
	 * user + nice + system + irq + softirq + steal of all CPUs, in ns.
	 * Tick-sampled (USER_HZ, 10 ms): meant for windows of seconds, and
	 * blind when the tick itself is starved (a CPU drowning in timer
	 * interrupts under emulation shows as idle here).
	 */
	std::uint64_t busy_ns = 0;
	/* idle + iowait: measured by the NO_HZ idle code, not sampled by the tick. */
	std::uint64_t idle_ns = 0;
};

/* The aggregate "cpu" line of /proc/stat. */
[[nodiscard]] std::optional<SystemTimes> system_times();

/* A /proc/meminfo value ("Slab", "VmallocUsed", "Percpu") in bytes. */
[[nodiscard]] std::optional<std::uint64_t> meminfo_bytes(const char *key);

struct SlabInfo {
	std::uint64_t active_objs = 0;
	std::uint64_t num_objs = 0;
	std::uint64_t objsize = 0;
	std::string source; /* "/proc/slabinfo" or the /sys/kernel/slab directory */
};

/*
 * A slab cache's objects. /proc/slabinfo first; SLUB lists a cache merged
 * into another only under /sys/kernel/slab/NAME (a link to the shared
 * cache, whose counts then include the other users).
 */
[[nodiscard]] std::optional<SlabInfo> slab_info(const std::string &cache);

/* A whole (small) file; nullopt when it cannot be read. */
[[nodiscard]] std::optional<std::string> read_text(const std::string &path);
/* read_text() without trailing whitespace. */
[[nodiscard]] std::optional<std::string> read_line(const std::string &path);

/* Strict decimal parsing for arguments and kernel files. */
[[nodiscard]] std::optional<std::uint64_t> parse_u64(const std::string &s);
[[nodiscard]] std::optional<std::int64_t> parse_i64(const std::string &s);

} // namespace bench

#endif /* TIMERX_BENCH_SYS_HPP */
