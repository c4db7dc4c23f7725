// SPDX-License-Identifier: MIT
/*
 * w1: one periodic timer, the lateness userspace sees per wakeup, with the
 * plain kernel interfaces (the timerx contestants are `timerctl latency`).
 *
 * Every contestant runs on the same drift-free grid, first + k * period,
 * and measures the same thing: CLOCK_MONOTONIC read right after the wakeup
 * minus the grid point it woke for. A wakeup that comes after later grid
 * points passed takes them as overruns (as timerfd and the module fold
 * them), so one slow wakeup is one sample, not a burst of catch-up ones.
 */
#include "record.hpp"
#include "sys.hpp"
#include "workloads.hpp"
#include <lateness_summary.hpp>

#include <liburing.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <timerx/latency.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

namespace bench {

namespace {

constexpr std::int64_t ns_per_s = 1000000000;

struct W1Run {
	timerx::LatencyRecorder total;
	std::uint64_t cycles = 0;   /* expirations, overruns included */
	std::uint64_t overruns = 0; /* grid points that passed before the wakeup */
	std::uint64_t wakeups = 0;
};

struct Grid {
	std::int64_t period;
	std::int64_t first; /* first grid point */
	std::int64_t end;   /* no grid point after this one is waited for */
};

/*
 * After waking at @now for @target: one sample, the grid points already
 * passed folded in as overruns; returns the next grid point to wait for.
 */
std::int64_t account(W1Run &r, const Grid &g, std::int64_t target, std::int64_t now) noexcept
{
	const std::int64_t late = now - target;
	const std::uint64_t missed =
		late >= g.period ? static_cast<std::uint64_t>(late / g.period) : 0;
	r.total.record(late);
	++r.wakeups;
	r.cycles += 1 + missed;
	r.overruns += missed;
	return target + static_cast<std::int64_t>(missed + 1) * g.period;
}

bool run_clock_nanosleep(W1Run &r, const Grid &g)
{
	for (std::int64_t target = g.first; target <= g.end;) {
		const timespec ts = to_timespec(target);
		int err;
		while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr)) ==
		       EINTR) {
		}
		if (err != 0) {
			diag("clock_nanosleep: %s", std::strerror(err));
			return false;
		}
		target = account(r, g, target, now_ns());
	}
	return true;
}

/* Closes a descriptor on every way out of a contestant. */
struct Fd {
	int fd = -1;
	explicit Fd(int f) : fd(f) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd()
	{
		if (fd >= 0)
			::close(fd);
	}
};

bool run_timerfd_epoll(W1Run &r, const Grid &g)
{
	Fd tfd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (tfd.fd < 0) {
		diag_errno("timerfd_create");
		return false;
	}
	Fd ep(epoll_create1(EPOLL_CLOEXEC));
	if (ep.fd < 0) {
		diag_errno("epoll_create1");
		return false;
	}
	epoll_event ev{};
	ev.events = EPOLLIN;
	if (epoll_ctl(ep.fd, EPOLL_CTL_ADD, tfd.fd, &ev) != 0) {
		diag_errno("epoll_ctl");
		return false;
	}
	itimerspec its{};
	its.it_value = to_timespec(g.first);
	its.it_interval = to_timespec(g.period);
	if (timerfd_settime(tfd.fd, TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
		diag_errno("timerfd_settime");
		return false;
	}
	/* The expiry of the next expiration to be read: first + seen * period. */
	std::int64_t next = g.first;
	while (next <= g.end) {
		/* A timer that stops firing must not hang the run: give up 1 s past the end. */
		const std::int64_t left_ms = (g.end - now_ns()) / 1000000 + 1000;
		if (left_ms <= 0) {
			diag("timerfd-epoll: no expiry for more than 1 s past the end");
			return false;
		}
		epoll_event out{};
		const int n = epoll_wait(ep.fd, &out, 1, static_cast<int>(left_ms));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_errno("epoll_wait");
			return false;
		}
		if (n == 0)
			continue;
		std::uint64_t count = 0;
		const ssize_t got = ::read(tfd.fd, &count, sizeof(count));
		const std::int64_t now = now_ns();
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got != static_cast<ssize_t>(sizeof(count)) || count == 0) {
			diag_errno("read(timerfd)");
			return false;
		}
		/* Lateness of the first expiration of this read; the rest are overruns. */
		r.total.record(now - next);
		++r.wakeups;
		r.cycles += count;
		r.overruns += count - 1;
		next += static_cast<std::int64_t>(count) * g.period;
	}
	return true;
}

bool run_io_uring_timeout(W1Run &r, const Grid &g)
{
	io_uring ring{};
	if (const int ret = io_uring_queue_init(4, &ring, 0); ret < 0) {
		diag("io_uring_queue_init: %s", std::strerror(-ret));
		return false;
	}
	const std::unique_ptr<io_uring, decltype(&io_uring_queue_exit)> guard(&ring,
									      io_uring_queue_exit);
	for (std::int64_t target = g.first; target <= g.end;) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		if (sqe == nullptr) {
			diag("io_uring_get_sqe: SQ full");
			return false;
		}
		/* Copied by the kernel when the SQE is submitted, which is below. */
		__kernel_timespec ts{};
		ts.tv_sec = target / ns_per_s;
		ts.tv_nsec = target % ns_per_s;
		io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_ABS);
		io_uring_sqe_set_data64(sqe, static_cast<std::uint64_t>(target));
		int ret;
		while ((ret = io_uring_submit_and_wait(&ring, 1)) == -EINTR) {
		}
		if (ret < 0) {
			diag("io_uring_submit_and_wait: %s", std::strerror(-ret));
			return false;
		}
		io_uring_cqe *cqe = nullptr;
		while ((ret = io_uring_wait_cqe(&ring, &cqe)) == -EINTR) {
		}
		const std::int64_t now = now_ns();
		if (ret < 0) {
			diag("io_uring_wait_cqe: %s", std::strerror(-ret));
			return false;
		}
		const int res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (res != -ETIME) {
			diag("IORING_OP_TIMEOUT completed with %d (%s)", res, std::strerror(-res));
			return false;
		}
		target = account(r, g, target, now);
	}
	return true;
}

} // namespace

int run_w1(const Options &o)
{
	if (!pin_to_cpu(o.cpu) || !set_fifo(o.priority) || !lock_memory())
		return exit_failed;

	/* Allocated before the loop; mlockall(MCL_FUTURE) faults it in. */
	const auto run = std::make_unique<W1Run>();
	const std::int64_t period = ns_per_s / static_cast<std::int64_t>(o.hz);
	/* Start on a grid a few periods out, so setup is done when it begins. */
	const std::int64_t first = now_ns() + 10000000 + period;
	const Grid grid{period, first, first + static_cast<std::int64_t>(o.seconds * 1e9) - period};

	const auto cpu0 = rusage_times(RUSAGE_SELF);
	const std::int64_t t0 = now_ns();
	bool ok = false;
	if (o.contestant == "clock_nanosleep")
		ok = run_clock_nanosleep(*run, grid);
	else if (o.contestant == "timerfd-epoll")
		ok = run_timerfd_epoll(*run, grid);
	else if (o.contestant == "io_uring-timeout")
		ok = run_io_uring_timeout(*run, grid);
	const std::int64_t t1 = now_ns();
	const auto cpu1 = rusage_times(RUSAGE_SELF);
	if (!ok || !cpu0 || !cpu1)
		return exit_failed;

	Record rec("w1", o.contestant);
	auto &p = rec.params();
	p.field("hz", o.hz);
	p.field("seconds", o.seconds);
	p.field("cpu", static_cast<std::int64_t>(o.cpu));
	p.field("priority", static_cast<std::int64_t>(o.priority));
	auto &w = rec.result();
	w.field("cycles", run->cycles);
	w.field("overruns", run->overruns);
	w.field("wakeups", run->wakeups);
	w.key("total");
	timerx_tools::json_lateness(w, timerx_tools::summarize(run->total));
	w.field("elapsed_ns", t1 - t0);
	w.field("cpu_user_ns", cpu1->user_ns - cpu0->user_ns);
	w.field("cpu_sys_ns", cpu1->sys_ns - cpu0->sys_ns);
	rec.print();
	return 0;
}

} // namespace bench
