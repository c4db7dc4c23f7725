// SPDX-License-Identifier: MIT
/*
 * engine_10k: the shape of a timer engine on one thread. N periodic timers
 * (default 10 000) are created and armed in two batched submissions; one
 * loop reads the ring in batches, spins briefly when it is empty and then
 * blocks in io_uring (or keeps spinning); once a second it prints a
 * summary. At the end it cancels everything in one batch, drains, checks
 * that every expiration the module counted was seen, and deletes the
 * timers. Exit status 0 when nothing was lost.
 *
 *   engine_10k [-d SECONDS] [-n TIMERS] [-p PERIOD_MS] [-m hybrid|spin|uring]
 *              [-t uring|ioctl] [-s SPIN_US]
 */
#include <timerx/timerx.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

enum class Mode { hybrid, spin, uring };

struct Config {
	double seconds = 5;
	std::size_t timers = 10000;
	unsigned period_ms = 100;
	Mode mode = Mode::hybrid;
	timerx::Transport transport = timerx::Transport::automatic;
	unsigned spin_us = 50;
};

void usage()
{
	std::fprintf(stderr, "usage: engine_10k [-d SECONDS] [-n TIMERS] [-p PERIOD_MS] "
			     "[-m hybrid|spin|uring] [-t uring|ioctl] [-s SPIN_US]\n");
	std::exit(2);
}

/* Submit @batch: false (with a message) if io_uring or any command failed. */
bool submit_all(timerx::Uring &uring, timerx::Batch &batch, const char *what)
{
	const auto sent = uring.submit(batch);
	const timerx::Result<void> status = sent ? batch.status() : sent.error();
	if (!status)
		std::fprintf(stderr, "%s: %s\n", what, std::strerror(status.error().code()));
	return status.ok();
}

int fail(const char *what, timerx::Error e)
{
	std::fprintf(stderr, "engine_10k: %s: %s%s\n", what, std::strerror(e.code()),
		     e.code() == ENOENT ? " (is timerx.ko loaded?)" : "");
	return 1;
}

int run(const Config &cfg)
{
	/* Room for about one period's worth of events; overflow is handled anyway. */
	const std::uint32_t entries =
		timerx::ring_entries_for(std::max<std::size_t>(cfg.timers, 1024));
	auto opened = timerx::Context::open({.ring_entries = entries});
	if (!opened)
		return fail("open " TIMERX_DEVICE_PATH, opened.error());
	const timerx::Context ctx = std::move(opened).value();
	auto uring_opened = timerx::Uring::open(
		ctx, timerx::UringOptions{.sq_entries = 4096, .transport = cfg.transport});
	if (!uring_opened)
		return fail("io_uring", uring_opened.error());
	timerx::Uring uring = std::move(uring_opened).value();
	timerx::RingReader reader = ctx.reader();
	std::printf("# %zu timers, period %u ms, ring %u entries, transport %s (probe %d)\n",
		    cfg.timers, cfg.period_ms, entries, timerx::to_string(uring.transport()),
		    uring.probe_result());

	/* Everything the loop touches is allocated here, before it starts. */
	auto batch_made = timerx::Batch::with_capacity(cfg.timers);
	if (!batch_made)
		return fail("batch", batch_made.error());
	timerx::Batch batch = std::move(batch_made).value();
	std::vector<timerx::TimerId> ids(cfg.timers);
	std::vector<std::uint64_t> seen(cfg.timers, 0);

	const auto t0 = clock_type::now();
	for (std::size_t i = 0; i < cfg.timers; ++i)
		(void)batch.create_timer({.user_data = i});
	if (!submit_all(uring, batch, "create"))
		return 1;
	for (std::size_t i = 0; i < cfg.timers; ++i)
		ids[i] = *batch.result(i);

	/* Spread the first expiries over one period so the load is even. */
	const std::chrono::nanoseconds period = std::chrono::milliseconds(cfg.period_ms);
	batch.clear();
	for (std::size_t i = 0; i < cfg.timers; ++i) {
		const auto offset = period * static_cast<std::int64_t>(i) /
				    static_cast<std::int64_t>(cfg.timers);
		(void)batch.arm_timer(timerx::ArmSpec::after(ids[i], 1ms + offset, period));
	}
	if (!submit_all(uring, batch, "arm"))
		return 1;
	const auto setup_us =
		std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);
	std::printf("# created and armed in %lld us with %" PRIu64 " io_uring_enter, %" PRIu64
		    " ioctl\n",
		    static_cast<long long>(setup_us.count()), uring.stats().enters,
		    uring.stats().ioctls);

	const auto end = t0 + std::chrono::duration_cast<clock_type::duration>(
				      std::chrono::duration<double>(cfg.seconds));
	auto next_report = clock_type::now() + 1s;
	std::uint64_t events = 0, expirations = 0, flushes = 0, blocks = 0;
	std::int64_t worst = 0;
	std::uint64_t last_ring_full = 0, last_wakeups = 0;
	int second = 0;

	auto on_event = [&](const timerx::Event &e) noexcept {
		++events;
		const std::uint64_t n = timerx::expirations(e);
		expirations += n;
		if (e.user_data < seen.size())
			seen[e.user_data] += n;
		worst = std::max(worst, timerx::kernel_lateness_ns(e));
	};

	for (;;) {
		const auto res = reader.consume(on_event);
		if (!res)
			return fail("consume", res.error());
		flushes += res->flushes;

		const auto now = clock_type::now();
		if (now >= next_report || now >= end) {
			const auto info = ctx.info();
			std::printf(
				"%3d s: %8" PRIu64 " events %8" PRIu64 " expirations, worst "
				"kernel lateness %.1f us, ring_full +%" PRIu64 ", flushes %" PRIu64
				", blocked %" PRIu64 "x, wakeups +%" PRIu64 "\n",
				++second, events, expirations, static_cast<double>(worst) / 1e3,
				info ? std::uint64_t{info->ring_full} - last_ring_full : 0, flushes,
				blocks, info ? std::uint64_t{info->wakeups} - last_wakeups : 0);
			std::fflush(stdout);
			if (info) {
				last_ring_full = info->ring_full;
				last_wakeups = info->wakeups;
			}
			events = expirations = flushes = blocks = 0;
			worst = 0;
			next_report += 1s;
		}
		if (now >= end)
			break;
		if (res->events != 0)
			continue;

		const auto until = std::min(next_report, end);
		timerx::Result<void> ret;
		switch (cfg.mode) {
		case Mode::spin:
			(void)timerx::spin_until(reader, until);
			break;
		case Mode::uring:
			if (reader.prepare_wait()) {
				++blocks;
				if (const auto w = uring.wait(until - now); !w)
					ret = w.error();
			}
			break;
		case Mode::hybrid:
			ret = timerx::wait_hybrid(
				reader, std::chrono::microseconds(cfg.spin_us), [&] {
					++blocks;
					return uring.wait(until - clock_type::now());
				});
			break;
		}
		if (!ret && ret.error().code() != EINTR && ret.error().code() != ETIMEDOUT)
			return fail("wait", ret.error());
	}

	/* Stop everything at once; cancel keeps what is pending, so drain it all. */
	batch.clear();
	for (std::size_t i = 0; i < cfg.timers; ++i)
		(void)batch.cancel_timer(ids[i]);
	if (!submit_all(uring, batch, "cancel"))
		return 1;
	reader.set_polling(false);
	/* The reader would drop the cancelled armings' events as stale: take them, to count. */
	reader.set_stale(timerx::Stale::deliver);
	for (int i = 0; i < 1000 && reader.has_work(); ++i)
		(void)reader.consume(on_event);

	std::uint64_t module_total = 0, seen_total = 0, mismatched = 0;
	for (std::size_t i = 0; i < cfg.timers; ++i) {
		const auto info = ctx.get_timer(ids[i]);
		const std::uint64_t counted = info ? info->expirations : 0;
		module_total += counted;
		seen_total += seen[i];
		mismatched += counted != seen[i];
	}
	batch.clear();
	for (std::size_t i = 0; i < cfg.timers; ++i)
		(void)batch.delete_timer(ids[i]);
	const bool deleted = submit_all(uring, batch, "delete");

	std::printf("# total: module counted %" PRIu64 " expirations, the loop saw %" PRIu64
		    ", %" PRIu64 " timers differ; deleted: %s\n",
		    module_total, seen_total, mismatched, deleted ? "all" : "NOT all");
	return mismatched == 0 && module_total == seen_total && deleted ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	Config cfg;
	for (int opt; (opt = ::getopt(argc, argv, "d:n:p:m:t:s:h")) != -1;) {
		switch (opt) {
		case 'd':
			cfg.seconds = std::atof(optarg);
			if (cfg.seconds <= 0)
				usage();
			break;
		case 'n':
			cfg.timers = std::strtoul(optarg, nullptr, 0);
			if (cfg.timers == 0 || cfg.timers > 1000000)
				usage();
			break;
		case 'p':
			cfg.period_ms = static_cast<unsigned>(std::strtoul(optarg, nullptr, 0));
			if (cfg.period_ms == 0)
				usage();
			break;
		case 'm':
			if (std::strcmp(optarg, "hybrid") == 0)
				cfg.mode = Mode::hybrid;
			else if (std::strcmp(optarg, "spin") == 0)
				cfg.mode = Mode::spin;
			else if (std::strcmp(optarg, "uring") == 0)
				cfg.mode = Mode::uring;
			else
				usage();
			break;
		case 't':
			if (std::strcmp(optarg, "uring") == 0)
				cfg.transport = timerx::Transport::uring_cmd;
			else if (std::strcmp(optarg, "ioctl") == 0)
				cfg.transport = timerx::Transport::ioctl;
			else
				usage();
			break;
		case 's':
			cfg.spin_us = static_cast<unsigned>(std::strtoul(optarg, nullptr, 0));
			break;
		default:
			usage();
		}
	}
	return run(cfg);
}
