// SPDX-License-Identifier: MIT
/*
 * w3: how fast timers are armed and cancelled. --live N timers are created
 * and armed an hour out (none fires during the run), then --ops M
 * operations are done: M/2 pairs, pair k arming timer k mod N (an hour
 * out again) and cancelling timer (k + N/2) mod N. Arming and cancelling
 * half a rotation apart keeps about N/2 timers armed throughout, so every
 * arm is a real insertion into a timer queue of that size and every
 * cancel a real removal (arm-then-cancel of one timer would empty it).
 *
 * timerx-uring-batch sends --batch B arms as one Batch through io_uring
 * (Transport::uring_cmd, forced), then the B matching cancels as another;
 * timerx-batch-ioctl sends B pairs (arm, cancel, interleaved as an
 * engine's commands come) as one TIMERX_IOC_BATCH of 2B entries, at most
 * TIMERX_BATCH_MAX; timerx-ioctl and timerfd_settime do one system call
 * per operation.
 * Every result is checked: a failed operation is an error, not a number.
 */
#include "record.hpp"
#include "sys.hpp"
#include "timerx_ops.hpp"
#include "workloads.hpp"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <timerx/timerx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace bench {

namespace {

constexpr std::int64_t hour_ns = 3600LL * 1000000000LL;

struct Plan {
	std::uint64_t live;
	std::uint64_t pairs;
	std::uint64_t batch;
	std::int64_t far; /* an hour from the start */

	[[nodiscard]] std::uint64_t arm_index(std::uint64_t k) const noexcept { return k % live; }
	[[nodiscard]] std::uint64_t cancel_index(std::uint64_t k) const noexcept
	{
		return (k + live / 2) % live;
	}
	/* Distinct expiries, so the queue is ordered by more than insertion. */
	[[nodiscard]] std::int64_t expiry(std::uint64_t i) const noexcept
	{
		return far + static_cast<std::int64_t>(i) * 1000;
	}
};

struct Outcome {
	std::uint64_t ops = 0;
	std::uint64_t syscalls = 0;
	const char *transport = nullptr;
};

/* The context with N timers armed an hour out, created through @uring. */
[[nodiscard]] bool setup_timers(timerx::Uring &uring, const Plan &p,
				std::vector<timerx::TimerId> &ids)
{
	timerx::Batch b = must(timerx::Batch::with_capacity(p.live), "batch");
	for (std::uint64_t i = 0; i < p.live; ++i)
		(void)b.create_timer({.user_data = i});
	if (!submit_checked(uring, b, "create"))
		return false;
	for (std::uint64_t i = 0; i < p.live; ++i)
		ids[i] = *b.result(i);
	b.clear();
	for (std::uint64_t i = 0; i < p.live; ++i)
		(void)b.arm_timer(timerx::ArmSpec::at_since_epoch(
			ids[i], std::chrono::nanoseconds(p.expiry(i))));
	return submit_checked(uring, b, "arm");
}

std::optional<Outcome> timed(const char *name, const auto &measured, std::int64_t &elapsed,
			     CpuTimes &cpu)
{
	const auto c0 = rusage_times(RUSAGE_SELF);
	const std::int64_t t0 = now_ns();
	std::optional<Outcome> out = measured();
	const std::int64_t t1 = now_ns();
	const auto c1 = rusage_times(RUSAGE_SELF);
	if (!out || !c0 || !c1) {
		diag("%s: the run did not complete", name);
		return std::nullopt;
	}
	elapsed = t1 - t0;
	cpu = {c1->user_ns - c0->user_ns, c1->sys_ns - c0->sys_ns};
	return out;
}

/* B pairs per TIMERX_IOC_BATCH, every entry's result checked. */
std::optional<Outcome> batch_ioctl_pairs(int fd, const Plan &p,
					 const std::vector<timerx::TimerId> &ids)
{
	const std::uint64_t per_call = std::min<std::uint64_t>(p.batch, TIMERX_BATCH_MAX / 2);
	std::vector<timerx_batch_entry> e(2 * per_call);
	Outcome r;

	for (std::uint64_t k = 0; k < p.pairs;) {
		const std::uint64_t n = std::min(per_call, p.pairs - k);
		for (std::uint64_t j = 0; j < n; ++j) {
			const auto a = p.arm_index(k + j);
			e[2 * j] = timerx_batch_entry{.op = TIMERX_BATCH_ARM,
						      .timer_id = ids[a],
						      .flags = TIMERX_ARM_F_ABS,
						      .result = 0,
						      .expires_ns = p.expiry(a),
						      .period_ns = 0,
						      .seq = 0,
						      .slack_ns = 0};
			e[2 * j + 1] = timerx_batch_entry{
				.op = TIMERX_BATCH_CANCEL,
				.timer_id = ids[p.cancel_index(k + j)],
				.flags = 0,
				.result = 0,
				.expires_ns = 0,
				.period_ns = 0,
				.seq = 0,
				.slack_ns = 0};
		}
		timerx_batch b{.entries = reinterpret_cast<std::uintptr_t>(e.data()),
			       .nr = static_cast<std::uint32_t>(2 * n),
			       .flags = 0};
		const int ret = ::ioctl(fd, TIMERX_IOC_BATCH, &b);
		++r.syscalls;
		if (ret != static_cast<int>(2 * n)) {
			diag_errno("BATCH of %llu returned %d", static_cast<unsigned long long>(2 * n),
				   ret);
			return std::nullopt;
		}
		for (std::uint64_t j = 0; j < 2 * n; ++j)
			if (e[j].result != 0) {
				diag("BATCH entry %llu: %s", static_cast<unsigned long long>(j),
				     std::strerror(-e[j].result));
				return std::nullopt;
			}
		k += n;
		r.ops += 2 * n;
	}
	r.transport = "ioctl-batch";
	return r;
}

} // namespace

int run_w3(const Options &o)
{
	if (!pin_to_cpu(o.cpu))
		return exit_failed;
	Plan p{o.live, o.ops / 2, o.batch, now_ns() + hour_ns};
	std::int64_t elapsed = 0;
	CpuTimes cpu;
	std::optional<Outcome> out;

	if (o.contestant == "timerx-uring-batch" || o.contestant == "timerx-ioctl" ||
	    o.contestant == "timerx-batch-ioctl") {
		const timerx::Context ctx =
			must(timerx::Context::open({.ring_entries = 64}), "open /dev/timerx");
		const bool batched = o.contestant == "timerx-uring-batch";
		timerx::UringOptions uo;
		uo.sq_entries = static_cast<unsigned>(std::min<std::uint64_t>(p.batch, 4096));
		/* The batched contestant is about io_uring: no silent fallback to ioctl. */
		uo.transport =
			batched ? timerx::Transport::uring_cmd : timerx::Transport::automatic;
		timerx::Uring uring = must(timerx::Uring::open(ctx, uo), "io_uring");
		std::vector<timerx::TimerId> ids(p.live);
		if (!setup_timers(uring, p, ids))
			return exit_failed;
		timerx::Batch arms = must(timerx::Batch::with_capacity(p.batch), "batch");
		timerx::Batch cancels = must(timerx::Batch::with_capacity(p.batch), "batch");
		const int fd = ctx.fd();

		if (o.contestant == "timerx-batch-ioctl") {
			out = timed(
				"timerx-batch-ioctl",
				[&]() -> std::optional<Outcome> {
					return batch_ioctl_pairs(fd, p, ids);
				},
				elapsed, cpu);
		} else if (batched) {
			out = timed(
				"timerx-uring-batch",
				[&]() -> std::optional<Outcome> {
					const timerx::UringStats s0 = uring.stats();
					Outcome r;
					for (std::uint64_t k = 0; k < p.pairs;) {
						const std::uint64_t n =
							std::min(p.batch, p.pairs - k);
						arms.clear();
						cancels.clear();
						for (std::uint64_t j = k; j < k + n; ++j) {
							const auto a = p.arm_index(j);
							(void)arms.arm_timer(
								timerx::ArmSpec::at_since_epoch(
									ids[a],
									std::chrono::nanoseconds(
										p.expiry(a))));
							(void)cancels.cancel_timer(
								ids[p.cancel_index(j)]);
						}
						if (!submit_checked(uring, arms, "arm") ||
						    !submit_checked(uring, cancels, "cancel"))
							return std::nullopt;
						k += n;
						r.ops += 2 * n;
					}
					const timerx::UringStats &s1 = uring.stats();
					r.syscalls =
						(s1.enters - s0.enters) + (s1.ioctls - s0.ioctls);
					r.transport = timerx::to_string(uring.transport());
					return r;
				},
				elapsed, cpu);
		} else {
			out = timed(
				"timerx-ioctl",
				[&]() -> std::optional<Outcome> {
					Outcome r;
					SyscallCounter sc;
					for (std::uint64_t k = 0; k < p.pairs; ++k) {
						const auto a = p.arm_index(k);
						const auto c = p.cancel_index(k);
						timerx::Result<void> ret = sc(timerx::arm_timer(
							fd,
							timerx::ArmSpec::at_since_epoch(
								ids[a], std::chrono::nanoseconds(
										p.expiry(a)))));
						if (ret)
							ret = sc(timerx::cancel_timer(fd, ids[c]));
						if (!ret) {
							diag("pair %llu: %s",
							     static_cast<unsigned long long>(k),
							     std::strerror(ret.error().code()));
							return std::nullopt;
						}
						r.ops += 2;
					}
					r.syscalls = sc.calls;
					r.transport = "ioctl";
					return r;
				},
				elapsed, cpu);
		}
	} else {
		if (!raise_rlimit(RLIMIT_NOFILE, p.live + 64, "RLIMIT_NOFILE"))
			return exit_failed;
		std::vector<int> fds(p.live, -1);
		/* Closes them on every way out. */
		struct Closer {
			std::vector<int> &v;
			~Closer()
			{
				for (const int fd : v)
					if (fd >= 0)
						::close(fd);
			}
		} closer{fds};
		const auto arm_its = [&](std::uint64_t i) {
			itimerspec its{};
			its.it_value = to_timespec(p.expiry(i));
			return its;
		};
		for (std::uint64_t i = 0; i < p.live; ++i) {
			fds[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
			const itimerspec its = arm_its(i);
			if (fds[i] < 0 ||
			    timerfd_settime(fds[i], TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
				diag_errno("timerfd setup (timer %llu)",
					   static_cast<unsigned long long>(i));
				return exit_failed;
			}
		}
		out = timed(
			"timerfd_settime",
			[&]() -> std::optional<Outcome> {
				Outcome r;
				SyscallCounter sc;
				const itimerspec disarm{};
				for (std::uint64_t k = 0; k < p.pairs; ++k) {
					const auto a = p.arm_index(k);
					const itimerspec its = arm_its(a);
					if (sc(timerfd_settime(fds[a], TFD_TIMER_ABSTIME, &its,
							       nullptr)) != 0 ||
					    sc(timerfd_settime(fds[p.cancel_index(k)], 0, &disarm,
							       nullptr)) != 0) {
						diag_errno("timerfd_settime (pair %llu)",
							   static_cast<unsigned long long>(k));
						return std::nullopt;
					}
					r.ops += 2;
				}
				r.syscalls = sc.calls;
				return r;
			},
			elapsed, cpu);
	}
	if (!out)
		return exit_failed;

	Record rec("w3", o.contestant);
	auto &pw = rec.params();
	pw.field("live", o.live);
	pw.field("ops", o.ops);
	pw.field("batch", o.batch); /* used by timerx-uring-batch only */
	pw.field("cpu", static_cast<std::int64_t>(o.cpu));
	auto &w = rec.result();
	w.field("ops", out->ops);
	w.field("elapsed_ns", elapsed);
	json_ratio(w, "ops_per_s", static_cast<double>(out->ops) * 1e9,
		   static_cast<double>(elapsed));
	w.field("syscalls", out->syscalls);
	w.field("cpu_user_ns", cpu.user_ns);
	w.field("cpu_sys_ns", cpu.sys_ns);
	if (out->transport != nullptr)
		w.field("transport", out->transport);
	rec.print();
	return 0;
}

} // namespace bench
