// SPDX-License-Identifier: MIT
/*
 * w4: what a timer costs in kernel memory, and that nothing is lost at
 * scale. One context with --timers N (default 100 000) periodic timers,
 * period --period-ms (default 1000) with first expiries spread evenly
 * over it, consumed for --seconds on one thread (spin 50 µs, then block in
 * io_uring, as engine_10k does).
 *
 * Memory: /proc/meminfo Slab + VmallocUsed + Percpu and the module's timer
 * cache ("timerx_timer", KMEM_CACHE in kmod/timer.c) read before creating
 * the timers (context, ring and io_uring already set up) and after arming
 * them. With histograms on, each timer also has a ~3.7 KiB lateness
 * histogram (kmalloc), which shows in Slab but not in the timer cache; the
 * harness runs both settings.
 *
 * Loss: after the run everything is cancelled in one batch and drained;
 * per timer the module's expiration count must equal what was seen. A
 * difference is reported and makes the exit status 1.
 */
#include "record.hpp"
#include "sys.hpp"
#include "timerx_ops.hpp"
#include "workloads.hpp"

#include <timerx/timerx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace bench {

namespace {

constexpr const char *timer_cache = "timerx_timer";

struct Memory {
	std::uint64_t slab = 0;
	std::uint64_t vmalloc = 0;
	std::uint64_t percpu = 0;
	std::optional<SlabInfo> cache;

	[[nodiscard]] std::uint64_t kernel() const noexcept { return slab + vmalloc + percpu; }
};

[[nodiscard]] std::optional<Memory> read_memory()
{
	const auto slab = meminfo_bytes("Slab");
	const auto vmalloc = meminfo_bytes("VmallocUsed");
	const auto percpu = meminfo_bytes("Percpu");
	if (!slab || !vmalloc || !percpu)
		return std::nullopt;
	return Memory{*slab, *vmalloc, *percpu, slab_info(timer_cache)};
}

/* The module's histograms setting (Y/N) now: it applies to timers created now. */
[[nodiscard]] std::optional<bool> histograms_setting()
{
	const auto v = read_line("/sys/module/timerx/parameters/histograms");
	if (!v || (*v != "Y" && *v != "N")) {
		diag("cannot read /sys/module/timerx/parameters/histograms");
		return std::nullopt;
	}
	return *v == "Y";
}

std::int64_t delta(std::uint64_t after, std::uint64_t before)
{
	return static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
}

} // namespace

int run_w4(const Options &o)
{
	const std::uint64_t n = o.timers;
	TimerLimit limit; /* declared first: restored after the context is closed */
	if (!limit.ensure(n))
		return exit_failed;
	const std::uint32_t entries = ring_entries_for(n);
	const timerx::Context ctx =
		must(timerx::Context::open({.ring_entries = entries}), "open /dev/timerx");
	timerx::Uring uring = must(timerx::Uring::open(ctx, {.sq_entries = 4096}), "io_uring");
	/* Accounts across the cancel below: the cancelled armings' events count too. */
	timerx::RingReader reader = ctx.reader(timerx::Stale::deliver);
	timerx::Batch batch = must(timerx::Batch::with_capacity(n), "batch");
	std::vector<timerx::TimerId> ids(n);
	std::vector<std::uint64_t> seen(n, 0);

	const auto hist = histograms_setting();
	const auto before = read_memory();
	if (!hist || !before)
		return exit_failed;

	for (std::uint64_t i = 0; i < n; ++i)
		(void)batch.create_timer({.user_data = i});
	if (!submit_checked(uring, batch, "create"))
		return exit_failed;
	for (std::uint64_t i = 0; i < n; ++i)
		ids[i] = *batch.result(i);
	const std::int64_t period = static_cast<std::int64_t>(o.period_ms) * 1000000;
	/* A little after arming is done (~100x slower under emulation). */
	const std::int64_t base = now_ns() + 20000000 + static_cast<std::int64_t>(n) * 2000;
	batch.clear();
	for (std::uint64_t i = 0; i < n; ++i)
		(void)batch.arm_timer(timerx::ArmSpec::at_since_epoch(
			ids[i],
			std::chrono::nanoseconds(base + static_cast<std::int64_t>(i) * period /
								static_cast<std::int64_t>(n)),
			std::chrono::nanoseconds(period)));
	if (!submit_checked(uring, batch, "arm"))
		return exit_failed;
	const auto after = read_memory();
	const auto hist_after = histograms_setting();
	if (!after || !hist_after)
		return exit_failed;
	if (*hist_after != *hist)
		diag("warning: histograms changed from %d to %d while the timers were created",
		     *hist, *hist_after);

	std::uint64_t events = 0, expirations = 0;
	const auto on_event = [&](const timerx::Event &e) noexcept {
		++events;
		const std::uint64_t c = timerx::expirations(e);
		expirations += c;
		if (e.user_data < n)
			seen[e.user_data] += c;
	};
	const std::int64_t t0 = now_ns();
	const std::int64_t end = t0 + static_cast<std::int64_t>(o.seconds * 1e9);
	for (std::int64_t now; (now = now_ns()) < end;) {
		const auto r = reader.consume(on_event);
		if (!r) {
			diag("consume: %s", std::strerror(r.error().code()));
			return exit_failed;
		}
		if (r->events != 0)
			continue;
		const auto ret = timerx::wait_hybrid(reader, std::chrono::microseconds(50), [&] {
			return uring.wait(std::chrono::nanoseconds(end - now_ns()));
		});
		if (!ret && ret.error().code() != EINTR && ret.error().code() != ETIMEDOUT) {
			diag("wait: %s", std::strerror(ret.error().code()));
			return exit_failed;
		}
	}
	const std::int64_t t1 = now_ns();

	/* Cancel keeps what is pending: drain it all, then compare with the module. */
	batch.clear();
	for (std::uint64_t i = 0; i < n; ++i)
		(void)batch.cancel_timer(ids[i]);
	if (!submit_checked(uring, batch, "cancel"))
		return exit_failed;
	reader.set_polling(false);
	for (int i = 0; i < 1000 && reader.has_work(); ++i) {
		const auto r = reader.consume(on_event);
		if (!r) {
			diag("consume: %s", std::strerror(r.error().code()));
			return exit_failed;
		}
	}
	std::uint64_t module_total = 0, seen_total = 0, mismatched = 0;
	for (std::uint64_t i = 0; i < n; ++i) {
		const auto info = ctx.get_timer(ids[i]);
		if (!info) {
			diag("get_timer(%u): %s", ids[i], std::strerror(info.error().code()));
			return exit_failed;
		}
		module_total += info->expirations;
		seen_total += seen[i];
		mismatched += info->expirations != seen[i];
	}
	batch.clear();
	for (std::uint64_t i = 0; i < n; ++i)
		(void)batch.delete_timer(ids[i]);
	if (!submit_checked(uring, batch, "delete"))
		return exit_failed;

	const auto nn = static_cast<double>(n);
	Record rec("w4", "timerx");
	auto &p = rec.params();
	p.field("timers", n);
	p.field("seconds", o.seconds);
	p.field("period_ms", o.period_ms);
	p.field("histograms", std::uint64_t{*hist ? 1U : 0U});
	p.field("max_timers_per_ctx", limit.limit());
	auto &w = rec.result();
	w.field("timers", n);
	w.field("histograms", std::uint64_t{*hist ? 1U : 0U});
	if (before->cache && after->cache) {
		w.field("slab_cache", after->cache->source);
		w.field("slab_objsize", after->cache->objsize);
		w.field("slab_bytes_per_timer",
			static_cast<double>(
				delta(after->cache->active_objs, before->cache->active_objs)) *
				static_cast<double>(after->cache->objsize) / nn);
	} else {
		w.key("slab_cache").null();
		w.key("slab_objsize").null();
		w.key("slab_bytes_per_timer").null();
	}
	w.field("bytes_per_timer",
		static_cast<double>(delta(after->kernel(), before->kernel())) / nn);
	w.field("slab_delta_bytes", delta(after->slab, before->slab));
	w.field("vmalloc_delta_bytes", delta(after->vmalloc, before->vmalloc));
	w.field("percpu_delta_bytes", delta(after->percpu, before->percpu));
	w.field("ring_entries", entries);
	w.field("elapsed_ns", t1 - t0);
	w.field("events", events);
	w.field("expirations", module_total);
	w.field("seen", seen_total);
	w.field("lost", static_cast<std::int64_t>(module_total - seen_total));
	w.field("mismatched_timers", mismatched);
	rec.print();
	if (mismatched != 0 || module_total != seen_total) {
		diag("%llu timers: the module counted %llu expirations, %llu were seen",
		     static_cast<unsigned long long>(mismatched),
		     static_cast<unsigned long long>(module_total),
		     static_cast<unsigned long long>(seen_total));
		return exit_failed;
	}
	return 0;
}

} // namespace bench
