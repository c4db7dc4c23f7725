// SPDX-License-Identifier: MIT
/*
 * w2: what N periodic timers cost. N timers at H Hz, first expiries spread
 * evenly over one period (timer i starts at base + i * period / N), or with
 * --phase aligned all on the same instants (a control cycle: one interrupt
 * expires them all), one consumer thread pinned to --cpu, for --seconds.
 *
 * The window starts at `base` (setup done) and ends at t_stop, the first
 * time the loop reads the clock past the end. At t_stop the counters are
 * snapshotted (getrusage, /proc/stat, system calls, events), then the loop
 * goes on for a short grace period only to see expirations that were due
 * before t_stop but still in flight, and the timers are disarmed.
 *
 * Expected expirations are the grid's: per timer floor((t_stop - first_i)
 * / period) + 1. Expirations arrive in order per timer, so of what timer i
 * delivered by the end of the grace period, min(seen_i, expected_i) were
 * due in the window; `lost` is what is missing of the expected ones: the
 * backlog a saturated consumer had not worked off. That is a result, not an
 * error: every wait is bounded by the window's end, so a machine that
 * cannot keep up still finishes on time.
 *
 * Every contestant folds expirations the same way: timerx and posix timers
 * report overruns, a timerfd read returns a count, and an io_uring timeout
 * that completes after later grid points passed takes them as overruns
 * (it is re-armed for the next grid point still ahead).
 */
#include "record.hpp"
#include "sys.hpp"
#include "timerx_ops.hpp"
#include "workloads.hpp"

#include <liburing.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <timerx/timerx.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bench {

namespace {

constexpr std::int64_t ns_per_s = 1000000000;

/* Long enough for an expiry's delivery (also under emulation), short next to a window. */
constexpr std::int64_t grace_ns = 50000000;

struct Counters {
	std::uint64_t events = 0;
	std::uint64_t expirations = 0;
	std::uint64_t overruns = 0;
};

/* The grid and what the consumer saw of it; allocated before the loop. */
struct State {
	std::uint64_t n = 0;
	std::int64_t period = 0;
	std::int64_t base = 0;
	bool aligned = false;
	std::vector<std::uint64_t> seen; /* expirations of timer i seen so far */
	Counters c;
	SyscallCounter sc;

	[[nodiscard]] std::int64_t first(std::uint64_t i) const noexcept
	{
		if (aligned)
			return base;
		/* i < 10^6 and period <= 10^9: the product fits. */
		return base + static_cast<std::int64_t>(i) * period / static_cast<std::int64_t>(n);
	}

	/* @count expirations of timer @i, one event. */
	void saw(std::uint64_t i, std::uint64_t count) noexcept
	{
		seen[i] += count;
		++c.events;
		c.expirations += count;
		c.overruns += count - 1;
	}
};

struct Snapshot {
	std::int64_t t = 0;
	CpuTimes cpu;
	std::uint64_t cpu_exec = 0;
	SystemTimes sys;
	std::uint64_t syscalls = 0;
	Counters c;
};

[[nodiscard]] bool snapshot(Snapshot &s, const State &st, std::uint64_t syscalls)
{
	const auto cpu = rusage_times(RUSAGE_SELF);
	const auto exec = process_cpu_ns();
	const auto sys = system_times();
	if (!cpu || !exec || !sys)
		return false;
	s.cpu = *cpu;
	s.cpu_exec = *exec;
	s.sys = *sys;
	s.syscalls = syscalls;
	s.c = st.c;
	return true;
}

/* Until the grid starts: the window holds only the steady state. */
[[nodiscard]] bool sleep_until(std::int64_t t)
{
	const timespec ts = to_timespec(t);
	int err;
	while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr)) == EINTR) {
	}
	if (err != 0) {
		diag("clock_nanosleep: %s", std::strerror(err));
		return false;
	}
	return true;
}

/*
 * A contestant: arm() starts the N timers on st's grid, step(deadline)
 * waits at most until @deadline and consumes what is ready (false: a
 * system call failed), syscalls() is its count, finish() disarms and
 * adds its own result fields.
 */
struct Contestant {
	virtual ~Contestant() = default;
	[[nodiscard]] virtual bool arm(State &st) = 0;
	[[nodiscard]] virtual bool step(State &st, std::int64_t deadline) noexcept = 0;
	[[nodiscard]] virtual std::uint64_t syscalls(const State &st) const noexcept
	{
		return st.sc.calls;
	}
	[[nodiscard]] virtual bool finish(State &st) = 0;
	virtual void fields(timerx_tools::JsonWriter &) const {}
};

/* ------------------------------------------------------------ timerx */

class TimerxContestant final : public Contestant {
public:
	TimerxContestant(bool block, int cpu, std::uint64_t n)
		: block_(block), cpu_(cpu), entries_(ring_entries_for(n)),
		  ctx_(must(timerx::Context::open({.ring_entries = entries_}), "open /dev/timerx")),
		  uring_(must(timerx::Uring::open(ctx_, {.sq_entries = 4096}), "io_uring")),
		  batch_(must(timerx::Batch::with_capacity(n), "batch")), ids_(n)
	{
		/* finish() accounts across a cancel: its events count too. */
		reader_ = ctx_.reader(timerx::Stale::deliver);
	}

	bool arm(State &st) override
	{
		for (std::uint64_t i = 0; i < st.n; ++i)
			(void)batch_.create_timer({.user_data = i, .cpu = cpu_});
		if (!submit("create"))
			return false;
		for (std::uint64_t i = 0; i < st.n; ++i)
			ids_[i] = *batch_.result(i);
		batch_.clear();
		for (std::uint64_t i = 0; i < st.n; ++i)
			(void)batch_.arm_timer(timerx::ArmSpec::at_since_epoch(
				ids_[i], std::chrono::nanoseconds(st.first(i)),
				std::chrono::nanoseconds(st.period)));
		if (!submit("arm"))
			return false;
		stats0_ = uring_.stats();
		return true;
	}

	bool step(State &st, std::int64_t deadline) noexcept override
	{
		const auto r = reader_.consume([&](const timerx::Event &e) noexcept {
			if (e.user_data < st.n)
				st.saw(e.user_data, timerx::expirations(e));
		});
		if (!r) {
			diag("consume: %s", std::strerror(r.error().code()));
			return false;
		}
		flushes_ += r->flushes;
		if (r->events != 0)
			return true;
		if (!block_) {
			/* steady_clock is CLOCK_MONOTONIC on Linux: the grid's clock. */
			(void)timerx::spin_until(reader_,
						 std::chrono::steady_clock::time_point(
							 std::chrono::nanoseconds(deadline)));
			return true;
		}
		if (!reader_.prepare_wait())
			return true;
		const std::int64_t left = deadline - now_ns();
		if (left <= 0)
			return true;
		const auto ret = uring_.wait(std::chrono::nanoseconds(left));
		if (!ret && ret.error().code() != EINTR && ret.error().code() != ETIMEDOUT) {
			diag("Uring::wait: %s", std::strerror(ret.error().code()));
			return false;
		}
		return true;
	}

	std::uint64_t syscalls(const State &) const noexcept override
	{
		/* Each flush is a TIMERX_IOC_FLUSH; waits and submissions are io_uring_enter. */
		const timerx::UringStats &s = uring_.stats();
		return (s.enters - stats0_.enters) + (s.ioctls - stats0_.ioctls) +
		       (s.waits - stats0_.waits) + flushes_;
	}

	bool finish(State &st) override
	{
		/* Cancel keeps what is pending: drain it, then the module's counts must match. */
		batch_.clear();
		for (std::uint64_t i = 0; i < st.n; ++i)
			(void)batch_.cancel_timer(ids_[i]);
		if (!submit("cancel"))
			return false;
		reader_.set_polling(false);
		const auto on_event = [&](const timerx::Event &e) noexcept {
			if (e.user_data < st.n)
				seen_after_[e.user_data] += timerx::expirations(e);
		};
		seen_after_.assign(st.n, 0);
		for (int i = 0; i < 1000 && reader_.has_work(); ++i) {
			const auto r = reader_.consume(on_event);
			if (!r) {
				diag("consume: %s", std::strerror(r.error().code()));
				return false;
			}
		}
		for (std::uint64_t i = 0; i < st.n; ++i) {
			const auto info = ctx_.get_timer(ids_[i]);
			if (!info) {
				diag("get_timer(%u): %s", ids_[i],
				     std::strerror(info.error().code()));
				return false;
			}
			module_total_ += info->expirations;
			seen_total_ += st.seen[i] + seen_after_[i];
		}
		return true;
	}

	void fields(timerx_tools::JsonWriter &w) const override
	{
		w.field("transport", timerx::to_string(uring_.transport()));
		w.field("ring_entries", entries_);
		w.field("flushes", flushes_);
		w.field("module_expirations", module_total_);
		w.field("seen_total", seen_total_);
		w.field("lost_module", static_cast<std::int64_t>(module_total_ - seen_total_));
	}

private:
	bool submit(const char *what) { return submit_checked(uring_, batch_, what); }

	bool block_;
	int cpu_;
	std::uint32_t entries_;
	timerx::Context ctx_;
	timerx::Uring uring_;
	timerx::Batch batch_;
	std::vector<timerx::TimerId> ids_;
	std::vector<std::uint64_t> seen_after_;
	timerx::RingReader reader_;
	timerx::UringStats stats0_{};
	std::uint64_t flushes_ = 0;
	std::uint64_t module_total_ = 0;
	std::uint64_t seen_total_ = 0;
};

/* ------------------------------------------------------------ timerfd + epoll */

class TimerfdContestant final : public Contestant {
public:
	explicit TimerfdContestant(std::uint64_t n)
		: fds_(n, -1), events_(std::min<std::uint64_t>(n, 1024))
	{}

	~TimerfdContestant() override
	{
		for (const int fd : fds_)
			if (fd >= 0)
				::close(fd);
		if (ep_ >= 0)
			::close(ep_);
	}

	bool arm(State &st) override
	{
		if (!raise_rlimit(RLIMIT_NOFILE, st.n + 64, "RLIMIT_NOFILE"))
			return false;
		ep_ = epoll_create1(EPOLL_CLOEXEC);
		if (ep_ < 0) {
			diag_errno("epoll_create1");
			return false;
		}
		for (std::uint64_t i = 0; i < st.n; ++i) {
			fds_[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
			if (fds_[i] < 0) {
				diag_errno("timerfd_create (timer %llu)",
					   static_cast<unsigned long long>(i));
				return false;
			}
			epoll_event ev{};
			ev.events = EPOLLIN;
			ev.data.u64 = i;
			if (epoll_ctl(ep_, EPOLL_CTL_ADD, fds_[i], &ev) != 0) {
				diag_errno("epoll_ctl");
				return false;
			}
		}
		for (std::uint64_t i = 0; i < st.n; ++i) {
			itimerspec its{};
			its.it_value = to_timespec(st.first(i));
			its.it_interval = to_timespec(st.period);
			if (timerfd_settime(fds_[i], TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
				diag_errno("timerfd_settime");
				return false;
			}
		}
		return true;
	}

	bool step(State &st, std::int64_t deadline) noexcept override
	{
		const std::int64_t left = deadline - now_ns();
		/* epoll's timeout is in ms: round up, so the loop never spins on 0 */
		const int timeout = left <= 0 ? 0 : static_cast<int>((left + 999999) / 1000000);
		const int n = st.sc(
			epoll_wait(ep_, events_.data(), static_cast<int>(events_.size()), timeout));
		if (n < 0 && errno == EINTR)
			return true;
		if (n < 0) {
			diag_errno("epoll_wait");
			return false;
		}
		for (int k = 0; k < n; ++k) {
			const std::uint64_t i = events_[static_cast<std::size_t>(k)].data.u64;
			std::uint64_t count = 0;
			const ssize_t got = st.sc(::read(fds_[i], &count, sizeof(count)));
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got != static_cast<ssize_t>(sizeof(count)) || count == 0) {
				diag_errno("read(timerfd)");
				return false;
			}
			st.saw(i, count);
		}
		return true;
	}

	bool finish(State &) override
	{
		for (int &fd : fds_) {
			if (fd >= 0 && ::close(fd) != 0) {
				diag_errno("close(timerfd)");
				return false;
			}
			fd = -1;
		}
		return true;
	}

private:
	std::vector<int> fds_;
	std::vector<epoll_event> events_;
	int ep_ = -1;
};

/* ------------------------------------------------------------ io_uring timeouts */

class UringTimeoutContestant final : public Contestant {
public:
	explicit UringTimeoutContestant(std::uint64_t n) : ts_(n), target_(n) {}

	~UringTimeoutContestant() override
	{
		if (ready_)
			io_uring_queue_exit(&ring_);
	}

	bool arm(State &st) override
	{
		unsigned sq = 8, cq = 16;
		while (sq < st.n && sq < 4096)
			sq *= 2;
		/* Room for every timer's completion at once (the kernel caps it at 64 Ki). */
		while (cq < st.n && cq < 65536)
			cq *= 2;
		io_uring_params p{};
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = std::max(cq, 2 * sq);
		if (const int ret = io_uring_queue_init_params(sq, &ring_, &p); ret < 0) {
			diag("io_uring_queue_init_params: %s", std::strerror(-ret));
			return false;
		}
		ready_ = true;
		for (std::uint64_t i = 0; i < st.n; ++i) {
			target_[i] = st.first(i);
			if (!queue(st, i))
				return false;
		}
		const int ret = io_uring_submit(&ring_);
		if (ret < 0) {
			diag("io_uring_submit: %s", std::strerror(-ret));
			return false;
		}
		return true;
	}

	bool step(State &st, std::int64_t deadline) noexcept override
	{
		const std::int64_t left = std::max<std::int64_t>(deadline - now_ns(), 0);
		__kernel_timespec to{};
		to.tv_sec = left / ns_per_s;
		to.tv_nsec = left % ns_per_s;
		/* liburing enters the kernel only to submit or when no completion is there. */
		if (io_uring_sq_ready(&ring_) > 0 || io_uring_cq_ready(&ring_) == 0)
			++st.sc.calls;
		io_uring_cqe *cqe = nullptr;
		const int ret = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &to, nullptr);
		if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN) {
			diag("io_uring_submit_and_wait_timeout: %s", std::strerror(-ret));
			return false;
		}
		unsigned head, seen = 0;
		bool ok = true;
		io_uring_for_each_cqe(&ring_, head, cqe)
		{
			++seen;
			const std::uint64_t i = io_uring_cqe_get_data64(cqe);
			if (cqe->res != -ETIME || i >= st.n) {
				diag("IORING_OP_TIMEOUT completed with %d (%s)", cqe->res,
				     std::strerror(-cqe->res));
				ok = false;
				break;
			}
			const std::int64_t now = now_ns();
			const std::int64_t late = now - target_[i];
			const std::uint64_t missed =
				late >= st.period ? static_cast<std::uint64_t>(late / st.period)
						  : 0;
			st.saw(i, 1 + missed);
			target_[i] += static_cast<std::int64_t>(missed + 1) * st.period;
			if (!queue(st, i)) {
				ok = false;
				break;
			}
		}
		io_uring_cq_advance(&ring_, seen);
		return ok;
	}

	bool finish(State &) override
	{
		/* Exiting the ring cancels the outstanding timeouts. */
		io_uring_queue_exit(&ring_);
		ready_ = false;
		return true;
	}

private:
	/* An absolute timeout for timer @i's next grid point; submits when the SQ is full. */
	bool queue(State &st, std::uint64_t i) noexcept
	{
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (sqe == nullptr) {
			const int ret = st.sc(io_uring_submit(&ring_));
			if (ret < 0) {
				diag("io_uring_submit: %s", std::strerror(-ret));
				return false;
			}
			sqe = io_uring_get_sqe(&ring_);
			if (sqe == nullptr) {
				diag("io_uring_get_sqe: SQ still full");
				return false;
			}
		}
		/* The kernel copies the timespec when the SQE is submitted; it stays until then. */
		ts_[i].tv_sec = target_[i] / ns_per_s;
		ts_[i].tv_nsec = target_[i] % ns_per_s;
		io_uring_prep_timeout(sqe, &ts_[i], 0, IORING_TIMEOUT_ABS);
		io_uring_sqe_set_data64(sqe, i);
		return true;
	}

	io_uring ring_{};
	bool ready_ = false;
	std::vector<__kernel_timespec> ts_;
	std::vector<std::int64_t> target_;
};

/* ------------------------------------------------------------ POSIX timers */

class PosixTimerContestant final : public Contestant {
public:
	explicit PosixTimerContestant(std::uint64_t n) : timers_(n) {}

	~PosixTimerContestant() override { (void)finish_timers(); }

	bool arm(State &st) override
	{
		/* Each timer preallocates its signal, charged to RLIMIT_SIGPENDING. */
		if (!raise_rlimit(RLIMIT_SIGPENDING, st.n + 64, "RLIMIT_SIGPENDING"))
			return false;
		sigemptyset(&set_);
		sigaddset(&set_, SIGRTMIN);
		if (const int err = pthread_sigmask(SIG_BLOCK, &set_, nullptr); err != 0) {
			diag("pthread_sigmask: %s", std::strerror(err));
			return false;
		}
		for (std::uint64_t i = 0; i < st.n; ++i) {
			sigevent sev{};
			/* To this thread, the consumer, with the timer's index as the value. */
			sev.sigev_notify = SIGEV_THREAD_ID;
			sev.sigev_signo = SIGRTMIN;
			sev.sigev_value.sival_ptr = reinterpret_cast<void *>(i);
			sev._sigev_un._tid = gettid(); /* glibc 2.36 lacks sigev_notify_thread_id */
			if (timer_create(CLOCK_MONOTONIC, &sev, &timers_[i]) != 0) {
				diag_errno("timer_create (timer %llu)",
					   static_cast<unsigned long long>(i));
				return false;
			}
			++created_;
		}
		for (std::uint64_t i = 0; i < st.n; ++i) {
			itimerspec its{};
			its.it_value = to_timespec(st.first(i));
			its.it_interval = to_timespec(st.period);
			if (timer_settime(timers_[i], TIMER_ABSTIME, &its, nullptr) != 0) {
				diag_errno("timer_settime");
				return false;
			}
		}
		return true;
	}

	bool step(State &st, std::int64_t deadline) noexcept override
	{
		const timespec to = to_timespec(std::max<std::int64_t>(deadline - now_ns(), 0));
		siginfo_t si{};
		const int sig = st.sc(sigtimedwait(&set_, &si, &to));
		if (sig < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (sig < 0) {
			diag_errno("sigtimedwait");
			return false;
		}
		const auto i = reinterpret_cast<std::uintptr_t>(si.si_value.sival_ptr);
		if (si.si_code != SI_TIMER || i >= st.n || si.si_overrun < 0) {
			diag("unexpected signal %d (si_code %d)", sig, si.si_code);
			return false;
		}
		st.saw(i, 1 + static_cast<std::uint64_t>(si.si_overrun));
		return true;
	}

	bool finish(State &) override { return finish_timers(); }

private:
	bool finish_timers() noexcept
	{
		bool ok = true;
		for (; created_ > 0; --created_)
			if (timer_delete(timers_[created_ - 1]) != 0) {
				diag_errno("timer_delete");
				ok = false;
			}
		return ok;
	}

	std::vector<timer_t> timers_;
	std::uint64_t created_ = 0;
	sigset_t set_{};
};

std::unique_ptr<Contestant> make_contestant(const Options &o)
{
	if (o.contestant == "timerx-poll")
		return std::make_unique<TimerxContestant>(false, o.cpu, o.timers);
	if (o.contestant == "timerx-uring")
		return std::make_unique<TimerxContestant>(true, o.cpu, o.timers);
	if (o.contestant == "timerfd-epoll")
		return std::make_unique<TimerfdContestant>(o.timers);
	if (o.contestant == "io_uring-timeout")
		return std::make_unique<UringTimeoutContestant>(o.timers);
	return std::make_unique<PosixTimerContestant>(o.timers);
}

} // namespace

int run_w2(const Options &o)
{
	if (!pin_to_cpu(o.cpu))
		return exit_failed;
	const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus <= 0) {
		diag_errno("sysconf(_SC_NPROCESSORS_ONLN)");
		return exit_failed;
	}

	State st;
	st.n = o.timers;
	st.period = ns_per_s / static_cast<std::int64_t>(o.hz);
	st.aligned = o.aligned;
	st.seen.assign(st.n, 0);
	TimerLimit limit; /* declared first: restored after the context is closed */
	if (o.contestant.starts_with("timerx") && !limit.ensure(st.n))
		return exit_failed;
	const auto contestant = make_contestant(o);

	/*
	 * Setup time grows with N (about 50 µs a timer under emulation, where
	 * the first timers firing also slow the rest down): start the grid
	 * after it, so the window holds the steady state. At most 5 s.
	 */
	st.base = now_ns() + 50000000 +
		  std::min<std::int64_t>(static_cast<std::int64_t>(st.n) * 50000, 5000000000LL);
	if (!contestant->arm(st))
		return exit_failed;
	const std::int64_t late_start = now_ns() - st.base;
	if (late_start < 0 && !sleep_until(st.base))
		return exit_failed;

	Snapshot s0, s1;
	if (!snapshot(s0, st, contestant->syscalls(st)))
		return exit_failed;
	s0.t = now_ns();
	const std::int64_t t_end = s0.t + static_cast<std::int64_t>(o.seconds * 1e9);
	std::int64_t now;
	while ((now = now_ns()) < t_end)
		if (!contestant->step(st, t_end))
			return exit_failed;
	/* t_stop: the clock read that ended the window, before anything is disarmed. */
	s1.t = now;
	if (!snapshot(s1, st, contestant->syscalls(st)))
		return exit_failed;
	while (now_ns() < s1.t + grace_ns)
		if (!contestant->step(st, s1.t + grace_ns))
			return exit_failed;
	if (!contestant->finish(st))
		return exit_failed;

	std::uint64_t expected = 0, due_seen = 0;
	for (std::uint64_t i = 0; i < st.n; ++i) {
		const std::int64_t f = st.first(i);
		const std::uint64_t e =
			s1.t >= f ? static_cast<std::uint64_t>((s1.t - f) / st.period) + 1 : 0;
		expected += e;
		due_seen += std::min(st.seen[i], e);
	}

	const std::uint64_t user = s1.cpu.user_ns - s0.cpu.user_ns;
	const std::uint64_t sys = s1.cpu.sys_ns - s0.cpu.sys_ns;
	const std::uint64_t busy = s1.sys.busy_ns - s0.sys.busy_ns;
	const std::int64_t elapsed = s1.t - s0.t;
	const auto nonidle = static_cast<std::int64_t>(cpus) * elapsed -
			     static_cast<std::int64_t>(s1.sys.idle_ns - s0.sys.idle_ns);
	const std::uint64_t calls = s1.syscalls - s0.syscalls;
	const std::uint64_t events = s1.c.events - s0.c.events;
	const std::uint64_t exps = s1.c.expirations - s0.c.expirations;

	Record rec("w2", o.contestant);
	auto &p = rec.params();
	p.field("timers", o.timers);
	p.field("hz", o.hz);
	p.field("phase", o.aligned ? "aligned" : "spread");
	p.field("seconds", o.seconds);
	p.field("cpu", static_cast<std::int64_t>(o.cpu));
	auto &w = rec.result();
	w.field("events", events);
	w.field("expirations", exps);
	w.field("expected_expirations", expected);
	w.field("lost", expected - due_seen);
	/* Due in the window and seen by the end of the grace period (>= expirations - late ones).
	 */
	w.field("seen_due", due_seen);
	w.field("overruns", s1.c.overruns - s0.c.overruns);
	w.field("cpu_user_ns", user);
	w.field("cpu_sys_ns", sys);
	w.field("system_busy_ns", busy);
	w.field("syscalls", calls);
	w.field("elapsed_ns", elapsed);
	/*
	 * Cross-checks that do not depend on the tick, which a CPU drowning in
	 * timer interrupts (10k timers at 1 kHz under emulation) may not get:
	 * the scheduler's runtime of the process, and all CPUs' time minus the
	 * NO_HZ-measured idle time.
	 */
	w.field("cpu_exec_ns", s1.cpu_exec - s0.cpu_exec);
	w.field("system_nonidle_ns", std::max<std::int64_t>(nonidle, 0));
	json_ratio(w, "cpu_ns_per_expiration", static_cast<double>(user + sys),
		   static_cast<double>(exps));
	json_ratio(w, "system_ns_per_expiration", static_cast<double>(busy),
		   static_cast<double>(exps));
	json_ratio(w, "syscalls_per_event", static_cast<double>(calls),
		   static_cast<double>(events));
	/* How far setup ran past the grid's start (> 0: early expirations fired at arm time). */
	w.field("setup_overrun_ns", std::max<std::int64_t>(late_start, 0));
	contestant->fields(w);
	rec.print();
	return 0;
}

} // namespace bench
