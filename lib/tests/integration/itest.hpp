/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the libtimerx integration tests, which run against the real
 * module: as root, in the test VM's busybox initramfs, with timerx.ko
 * loaded. Without the device (TIMERX_DEVICE, default /dev/timerx) every
 * binary prints one TAP skip and exits 4.
 *
 * Timing under QEMU/TCG is emulated: timers may be milliseconds late.
 * Bounds here are sanity limits ("should have fired by now"), never
 * latency assertions; "fired early" is always a failure.
 */
#ifndef TIMERX_ITEST_HPP
#define TIMERX_ITEST_HPP

#include <timerx/timerx.hpp>

#include "rc.hpp"
#include "tap.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace itest {

using namespace std::chrono_literals;

/* Sanity bound for "an event should have come by now". */
inline constexpr auto fire_timeout = 5s;

inline const char *device_path()
{
	const char *p = std::getenv("TIMERX_DEVICE");
	return p != nullptr && *p != '\0' ? p : TIMERX_DEVICE_PATH;
}

inline timerx::ContextOptions options(std::uint32_t entries = 1024)
{
	return timerx::ContextOptions{.path = device_path(), .ring_entries = entries};
}

/* Context::open(options(@entries)); a failure fails the test (the Context is closed). */
inline timerx::Context open_context(std::uint32_t entries = 1024)
{
	auto c = timerx::Context::open(options(entries));
	if (!c)
		ADD_FAILURE() << "Context::open(" << entries << "): " << c.error_code().message();
	return std::move(c).value();
}

inline timerx::Uring open_uring(const timerx::Context &ctx, const timerx::UringOptions &o = {})
{
	auto u = timerx::Uring::open(ctx, o);
	if (!u)
		ADD_FAILURE() << "Uring::open: " << u.error_code().message();
	return std::move(u).value();
}

inline timerx::Batch make_batch(std::size_t n)
{
	auto b = timerx::Batch::with_capacity(n);
	if (!b)
		ADD_FAILURE() << "Batch::with_capacity(" << n << "): " << b.error_code().message();
	return std::move(b).value();
}

inline bool is_root()
{
	return ::geteuid() == 0;
}

/* /sys/module/timerx/parameters/NAME */
inline std::optional<unsigned long long> param_read(const char *name)
{
	std::ifstream f(std::string("/sys/module/timerx/parameters/") + name);
	unsigned long long v = 0;
	if (!(f >> v))
		return std::nullopt;
	return v;
}

inline bool param_write(const char *name, unsigned long long v)
{
	std::ofstream f(std::string("/sys/module/timerx/parameters/") + name);
	f << v << '\n';
	f.flush();
	return static_cast<bool>(f);
}

/* Sets a module parameter for one test and restores it. */
class ParamGuard {
public:
	ParamGuard(const char *name, unsigned long long v) : name_(name), old_(param_read(name))
	{
		ok_ = old_.has_value() && param_write(name, v);
	}
	~ParamGuard()
	{
		if (ok_)
			param_write(name_, *old_);
	}
	ParamGuard(const ParamGuard &) = delete;
	ParamGuard &operator=(const ParamGuard &) = delete;
	[[nodiscard]] bool ok() const { return ok_; }

private:
	const char *name_;
	std::optional<unsigned long long> old_;
	bool ok_ = false;
};

/*
 * Consume until @want events arrived or @timeout passed, blocking in
 * poll(2) between batches. Returns the events (copied out of the ring).
 */
inline std::vector<timerx::Event> collect(timerx::RingReader &r, int fd, std::size_t want,
					  std::chrono::nanoseconds timeout = fire_timeout)
{
	std::vector<timerx::Event> out;
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (out.size() < want) {
		const auto res = r.consume([&](const timerx::Event &e) { out.push_back(e); });
		EXPECT_TRUE(res.ok()) << "consume: " << res.error_code().message();
		if (!res.ok() || out.size() >= want)
			break;
		const auto now = std::chrono::steady_clock::now();
		if (now >= deadline)
			break;
		if (r.prepare_wait())
			(void)timerx::poll_fd(
				fd, std::min<std::chrono::nanoseconds>(deadline - now, 100ms));
	}
	return out;
}

/*
 * Run @fn in a child process that has become nobody (uid/gid 65534, no
 * supplementary groups, hence no capabilities). File descriptors opened
 * before are inherited. @fn returns the number of failed checks and prints
 * what failed to stderr. Returns that number, or -1 if the child could
 * not become nobody or died.
 */
inline int run_as_nobody(const std::function<int()> &fn)
{
	std::fflush(stdout);
	std::fflush(stderr);
	const pid_t pid = ::fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
		    ::setresuid(65534, 65534, 65534) != 0) {
			std::perror("become nobody");
			::_exit(255);
		}
		const int failed = fn();
		std::fflush(stderr);
		::_exit(failed > 250 ? 250 : failed);
	}
	int status = 0;
	if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* A check inside run_as_nobody(): counts and reports a failure. */
#define ITEST_CHECK(failed, cond)                                                                  \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,      \
				     #cond);                                                       \
			++(failed);                                                                \
		}                                                                                  \
	} while (0)

} // namespace itest

using timerx_test::rc;
using timerx_test::status;
using timerx_test::take;

/* Skip the whole binary when the device is absent (not an error: not this machine). */
const char *timerx::test::skip_all_reason()
{
	static std::string why;
	struct stat st;
	if (::stat(itest::device_path(), &st) != 0) {
		why = std::string(itest::device_path()) + " not present (timerx.ko not loaded)";
		return why.c_str();
	}
	return nullptr;
}

#endif /* TIMERX_ITEST_HPP */
