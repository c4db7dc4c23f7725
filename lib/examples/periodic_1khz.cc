// SPDX-License-Identifier: MIT
/*
 * periodic_1khz: one 1 kHz periodic timer; prints, once a second, how late
 * the events were: the kernel's part (actual_ns - expected_ns: from when
 * the timer was due to when its callback ran) and the delivery part (from
 * the callback to this loop seeing the event).
 *
 *   periodic_1khz [-d SECONDS] [-m spin|uring|poll] [-c CPU] [-v]
 *
 *   -d  run time (default 5 s)
 *   -m  how to wait: busy-poll, io_uring (default), or poll(2)
 *   -c  pin the timer to CPU
 *   -v  print every event
 */
#include <timerx/timerx.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace {

using namespace std::chrono_literals;

enum class Mode { spin, uring, poll };

/* min/avg/max of one second, no allocation. */
struct Stat {
	std::int64_t min = std::numeric_limits<std::int64_t>::max();
	std::int64_t max = std::numeric_limits<std::int64_t>::min();
	std::int64_t sum = 0;
	std::uint64_t n = 0;

	void add(std::int64_t v)
	{
		min = std::min(min, v);
		max = std::max(max, v);
		sum += v;
		++n;
	}
	void print(const char *name) const
	{
		if (n == 0) {
			std::printf(" %s -", name);
			return;
		}
		std::printf(" %s %.1f/%.1f/%.1f", name, static_cast<double>(min) / 1e3,
			    static_cast<double>(sum) / static_cast<double>(n) / 1e3,
			    static_cast<double>(max) / 1e3);
	}
};

void usage()
{
	std::fprintf(stderr,
		     "usage: periodic_1khz [-d SECONDS] [-m spin|uring|poll] [-c CPU] [-v]\n");
	std::exit(2);
}

int fail(const char *what, timerx::Error e)
{
	std::fprintf(stderr, "periodic_1khz: %s: %s%s\n", what, std::strerror(e.code()),
		     e.code() == ENOENT ? " (is timerx.ko loaded?)" : "");
	return 1;
}

int run(double seconds, Mode mode, int cpu, bool verbose)
{
	auto opened = timerx::Context::open({.ring_entries = 1024});
	if (!opened)
		return fail("open " TIMERX_DEVICE_PATH, opened.error());
	const timerx::Context ctx = std::move(opened).value();
	timerx::RingReader reader = ctx.reader();
	timerx::Uring uring;
	if (mode == Mode::uring) {
		auto u = timerx::Uring::open(ctx, timerx::UringOptions{.sq_entries = 8});
		if (!u)
			return fail("io_uring", u.error());
		uring = std::move(u).value();
		std::printf("# io_uring transport: %s\n", timerx::to_string(uring.transport()));
	}

	const auto id = ctx.create_timer({.user_data = 1, .cpu = cpu});
	if (!id)
		return fail("create", id.error());
	if (const auto armed = ctx.arm_timer(timerx::ArmSpec::after(*id, 1ms, 1ms)); !armed)
		return fail("arm", armed.error());
	std::printf("# 1 kHz on CLOCK_MONOTONIC for %.1f s; lateness in us, min/avg/max\n",
		    seconds);

	const auto start = std::chrono::steady_clock::now();
	const auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					 std::chrono::duration<double>(seconds));
	auto next_report = start + 1s;
	Stat kernel, delivery;
	std::uint64_t expirations = 0, events = 0, overruns = 0, total_expirations = 0;
	std::int64_t worst_kernel = 0, worst_delivery = 0;
	int second = 0;

	for (;;) {
		const auto res = reader.consume([&](const timerx::Event &e) {
			const std::int64_t seen = timerx::now_ns(timerx::Clock::monotonic);
			const std::int64_t k = timerx::kernel_lateness_ns(e);
			const std::int64_t d = seen - e.actual_ns;
			kernel.add(k);
			delivery.add(d);
			++events;
			expirations += timerx::expirations(e);
			overruns += e.overrun;
			worst_kernel = std::max(worst_kernel, k);
			worst_delivery = std::max(worst_delivery, d);
			if (verbose)
				std::printf(
					"expected %" PRId64 " kernel %+.1f us delivery %+.1f us "
					"overrun %u\n",
					std::int64_t{e.expected_ns}, static_cast<double>(k) / 1e3,
					static_cast<double>(d) / 1e3, e.overrun);
		});
		if (!res)
			return fail("consume", res.error());

		const auto now = std::chrono::steady_clock::now();
		if (now >= next_report || now >= end) {
			std::printf("%3d s: %5" PRIu64 " events %5" PRIu64 " expirations %3" PRIu64
				    " overruns",
				    ++second, events, expirations, overruns);
			kernel.print("kernel");
			delivery.print("delivery");
			std::printf("\n");
			std::fflush(stdout);
			total_expirations += expirations;
			kernel = delivery = Stat{};
			events = expirations = overruns = 0;
			next_report += 1s;
		}
		if (now >= end)
			break;

		const auto until = std::min(next_report, end);
		timerx::Result<void> ret;
		switch (mode) {
		case Mode::spin:
			/* Either work, or the deadline (report or end) came. */
			(void)timerx::spin_until(reader, until);
			break;
		case Mode::uring:
			if (reader.prepare_wait()) {
				if (const auto w = uring.wait(until - now); !w)
					ret = w.error();
			}
			break;
		case Mode::poll:
			if (reader.prepare_wait())
				ret = timerx::poll_fd(ctx.fd(), until - now);
			break;
		}
		if (!ret && ret.error().code() != EINTR && ret.error().code() != ETIMEDOUT)
			return fail("wait", ret.error());
	}

	(void)ctx.cancel_timer(*id);
	/*
	 * Cancelled: the reader would drop what was still in the ring as stale.
	 * The check below counts every expiration the module counted: take them.
	 */
	reader.set_stale(timerx::Stale::deliver);
	if (const auto drained = reader.consume(
		    [&](const timerx::Event &e) { total_expirations += timerx::expirations(e); });
	    !drained)
		return fail("consume", drained.error());
	const auto info = ctx.get_timer(*id);
	std::printf("# total: %" PRIu64 " expirations seen, module counted %" PRIu64
		    "; worst kernel %.1f us, worst delivery %.1f us\n",
		    total_expirations, info ? static_cast<std::uint64_t>(info->expirations) : 0,
		    static_cast<double>(worst_kernel) / 1e3,
		    static_cast<double>(worst_delivery) / 1e3);
	return info && info->expirations == total_expirations ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	double seconds = 5;
	Mode mode = Mode::uring;
	int cpu = timerx::any_cpu;
	bool verbose = false;
	for (int opt; (opt = ::getopt(argc, argv, "d:m:c:vh")) != -1;) {
		switch (opt) {
		case 'd':
			seconds = std::atof(optarg);
			if (seconds <= 0)
				usage();
			break;
		case 'm':
			if (std::strcmp(optarg, "spin") == 0)
				mode = Mode::spin;
			else if (std::strcmp(optarg, "uring") == 0)
				mode = Mode::uring;
			else if (std::strcmp(optarg, "poll") == 0)
				mode = Mode::poll;
			else
				usage();
			break;
		case 'c':
			cpu = std::atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	return run(seconds, mode, cpu, verbose);
}
