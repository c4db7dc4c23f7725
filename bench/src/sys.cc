// SPDX-License-Identifier: MIT
#include "sys.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bench {

namespace {

void vdiag(const char *fmt, va_list ap, int err)
{
	std::fputs("timerx-bench: ", stderr);
	std::vfprintf(stderr, fmt, ap);
	if (err != 0)
		std::fprintf(stderr, ": %s", std::strerror(err));
	std::fputc('\n', stderr);
}

std::uint64_t timeval_ns(const timeval &tv)
{
	return static_cast<std::uint64_t>(tv.tv_sec) * 1000000000ULL +
	       static_cast<std::uint64_t>(tv.tv_usec) * 1000ULL;
}

} // namespace

void diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap, 0);
	va_end(ap);
}

void diag_errno(const char *fmt, ...)
{
	const int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap, err);
	va_end(ap);
}

bool pin_to_cpu(int cpu)
{
	if (cpu < 0)
		return true;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(static_cast<unsigned>(cpu), &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		diag_errno("sched_setaffinity(CPU %d)", cpu);
		return false;
	}
	return true;
}

bool set_fifo(int priority)
{
	if (priority <= 0)
		return true;
	sched_param sp{};
	sp.sched_priority = priority;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
		diag_errno("sched_setscheduler(SCHED_FIFO, %d)", priority);
		return false;
	}
	return true;
}

bool lock_memory()
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		diag_errno("mlockall");
		return false;
	}
	return true;
}

bool raise_rlimit(int resource, std::uint64_t want, const char *name)
{
	rlimit rl{};
	if (getrlimit(resource, &rl) != 0) {
		diag_errno("getrlimit(%s)", name);
		return false;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return true;
	rl.rlim_cur = want;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(resource, &rl) != 0) {
		diag_errno("setrlimit(%s, %llu)", name, static_cast<unsigned long long>(want));
		return false;
	}
	return true;
}

std::optional<CpuTimes> rusage_times(int who)
{
	rusage ru{};
	if (getrusage(who, &ru) != 0) {
		diag_errno("getrusage");
		return std::nullopt;
	}
	return CpuTimes{timeval_ns(ru.ru_utime), timeval_ns(ru.ru_stime)};
}

std::optional<std::uint64_t> process_cpu_ns()
{
	timespec ts{};
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
		diag_errno("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
		return std::nullopt;
	}
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
	       static_cast<std::uint64_t>(ts.tv_nsec);
}

std::optional<SystemTimes> system_times()
{
	static const long tck = sysconf(_SC_CLK_TCK);
	if (tck <= 0) {
		diag_errno("sysconf(_SC_CLK_TCK)");
		return std::nullopt;
	}
	const auto text = read_text("/proc/stat");
	if (!text)
		return std::nullopt;
	/* cpu  user nice system idle iowait irq softirq steal guest guest_nice */
	std::istringstream in(*text);
	std::string label;
	std::uint64_t v[8] = {};
	in >> label;
	for (auto &x : v)
		in >> x;
	if (!in || label != "cpu") {
		diag("/proc/stat: no aggregate cpu line");
		return std::nullopt;
	}
	const std::uint64_t ns_per_tick = 1000000000ULL / static_cast<std::uint64_t>(tck);
	return SystemTimes{(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * ns_per_tick,
			   (v[3] + v[4]) * ns_per_tick};
}

std::optional<std::uint64_t> meminfo_bytes(const char *key)
{
	const auto text = read_text("/proc/meminfo");
	if (!text)
		return std::nullopt;
	std::istringstream in(*text);
	const std::string want = std::string(key) + ":";
	std::string name, unit;
	std::uint64_t value = 0;
	while (in >> name >> value) {
		std::getline(in, unit);
		if (name == want)
			return value * (unit.find("kB") != std::string::npos ? 1024 : 1);
	}
	diag("/proc/meminfo: no %s", key);
	return std::nullopt;
}

std::optional<SlabInfo> slab_info(const std::string &cache)
{
	/* name active_objs num_objs objsize objperslab pagesperslab : ... */
	if (const auto text = read_text("/proc/slabinfo")) {
		std::istringstream in(*text);
		for (std::string line; std::getline(in, line);) {
			std::istringstream ls(line);
			std::string name;
			SlabInfo si;
			if (ls >> name >> si.active_objs >> si.num_objs >> si.objsize &&
			    name == cache) {
				si.source = "/proc/slabinfo";
				return si;
			}
		}
	}
	const std::string dir = "/sys/kernel/slab/" + cache;
	const auto size = read_line(dir + "/object_size");
	const auto objects = read_line(dir + "/objects");
	const auto total = read_line(dir + "/total_objects");
	if (size && objects && total) {
		/* "objects" is "N N0=.. N1=..": the first word is the total. */
		const auto first = [](const std::string &s) { return s.substr(0, s.find(' ')); };
		const auto sz = parse_u64(*size), obj = parse_u64(first(*objects)),
			   tot = parse_u64(first(*total));
		if (sz && obj && tot)
			return SlabInfo{*obj, *tot, *sz, dir};
	}
	diag("slab cache %s not found (/proc/slabinfo, %s)", cache.c_str(), dir.c_str());
	return std::nullopt;
}

std::optional<std::string> read_text(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		return std::nullopt;
	std::ostringstream s;
	s << in.rdbuf();
	if (in.bad())
		return std::nullopt;
	return s.str();
}

std::optional<std::string> read_line(const std::string &path)
{
	auto s = read_text(path);
	if (!s)
		return std::nullopt;
	while (!s->empty() && std::strchr(" \t\r\n", s->back()) != nullptr)
		s->pop_back();
	return s;
}

std::optional<std::uint64_t> parse_u64(const std::string &s)
{
	std::uint64_t v = 0;
	const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size() || s.empty())
		return std::nullopt;
	return v;
}

std::optional<std::int64_t> parse_i64(const std::string &s)
{
	std::int64_t v = 0;
	const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size() || s.empty())
		return std::nullopt;
	return v;
}

} // namespace bench
