// SPDX-License-Identifier: MIT
/* timerctl latency: the measuring threads and their three consumer loops. */
#include "latency_run.hpp"

#include "cli.hpp"

#include <timerx/context.hpp>
#include <timerx/uring.hpp>
#include <timerx/wait.hpp>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

namespace timerctl {

namespace {

using namespace std::chrono_literals;

/*
 * How long a consumer blocks or spins before it looks at the stop flag:
 * bounds the reaction to SIGINT and -D with any interval.
 */
constexpr auto stop_check = 100ms;

/* Small: the loop needs little, and with -m every stack is locked. */
constexpr std::size_t thread_stack = 256 * 1024;

enum State : int { starting, running, failed };

} // namespace

const char *wait_mode_name(WaitMode m)
{
	switch (m) {
	case WaitMode::poll:
		return "poll";
	case WaitMode::uring:
		return "uring";
	case WaitMode::epoll:
		return "epoll";
	}
	return "?";
}

std::string clock_option_name(timerx::Clock c)
{
	switch (c) {
	case timerx::Clock::monotonic:
		return "monotonic";
	case timerx::Clock::realtime:
		return "realtime";
	case timerx::Clock::boottime:
		return "boottime";
	case timerx::Clock::tai:
		return "tai";
	}
	return "?";
}

LatencySnapshot snapshot(const LatencyLive &l)
{
	LatencySnapshot s;
	s.tid = l.tid.load(std::memory_order_relaxed);
	s.cycles = l.cycles.load(std::memory_order_relaxed);
	s.samples = l.samples.load(std::memory_order_relaxed);
	s.sum_ns = l.sum_ns.load(std::memory_order_relaxed);
	s.min_ns = l.min_ns.load(std::memory_order_relaxed);
	s.max_ns = l.max_ns.load(std::memory_order_relaxed);
	s.act_ns = l.act_ns.load(std::memory_order_relaxed);
	return s;
}

struct LatencyRun::Worker {
	const LatencyOptions *o = nullptr;
	unsigned index = 0;
	std::int64_t interval_ns = 0;
	const std::atomic<bool> *stop = nullptr;
	LatencyThreadResult *res = nullptr;
	LatencyLive live;
	std::atomic<int> state{starting};
	int error = 0;
	const char *error_what = "";

	/* Declared before uring: a Uring must go before its Context. */
	std::optional<timerx::Context> ctx; /* opened by LatencyRun's constructor */
	timerx::TimerId timer = 0;
	std::unique_ptr<timerx::Uring> uring;
	int epfd = -1;

	pthread_t thread{};
	bool created = false;

	Worker() = default;
	Worker(const Worker &) = delete;
	Worker &operator=(const Worker &) = delete;
	~Worker()
	{
		uring.reset();
		if (epfd >= 0)
			::close(epfd);
	}

	[[nodiscard]] bool stopping() const noexcept
	{
		return stop->load(std::memory_order_relaxed);
	}
	[[nodiscard]] bool enough() const noexcept
	{
		return o->loops != 0 && res->cycles >= o->loops;
	}
};

namespace {

/* The per-event work, inlined into RingReader::consume(). */
struct Recorder {
	LatencyRun::Worker &w;
	LatencyThreadResult &res;
	timerx::Clock clock;
	std::uint64_t *hist;
	std::uint64_t hist_size;

	void operator()(const timerx::Event &e) noexcept
	{
		/* First thing: every instruction before it would count as delivery. */
		const std::int64_t seen = timerx::now_ns(clock);
		const std::int64_t total = seen - e.expected_ns;
		res.total.record(total);
		res.kernel.record(e.actual_ns - e.expected_ns);
		res.delivery.record(seen - e.actual_ns);
		if (hist_size != 0) {
			/* cyclictest truncates to whole microseconds; early counts as 0. */
			const std::uint64_t us =
				total > 0 ? static_cast<std::uint64_t>(total) / 1000 : 0;
			if (us < hist_size) {
				++hist[us];
			} else {
				if (res.hist_overflows < hist_size)
					res.overflow_cycles[res.hist_overflows] = res.cycles;
				++res.hist_overflows;
			}
		}
		res.cycles += timerx::expirations(e);
		res.overruns += e.overrun;
		res.act_ns = total;

		LatencyLive &l = w.live;
		l.cycles.store(res.cycles, std::memory_order_relaxed);
		l.samples.store(res.total.count(), std::memory_order_relaxed);
		l.sum_ns.store(res.total.sum_ns(), std::memory_order_relaxed);
		l.min_ns.store(res.total.min_ns(), std::memory_order_relaxed);
		l.max_ns.store(res.total.max_ns(), std::memory_order_relaxed);
		l.act_ns.store(total, std::memory_order_relaxed);
	}
};

/* Busy-polling: TIMERX_CONSUMER_F_POLLING stays set, no wakeups. */
int loop_poll(LatencyRun::Worker &w, Recorder &rec)
{
	timerx::RingReader reader = w.ctx->reader();
	while (!w.stopping() && !w.enough()) {
		if (!timerx::spin_until(reader, std::chrono::steady_clock::now() + stop_check))
			continue;
		const auto r = reader.consume(rec);
		if (!r)
			return -r.error().code();
	}
	(void)reader.prepare_wait(); /* leave the flag clear: nobody spins any more */
	return 0;
}

int loop_uring(LatencyRun::Worker &w, Recorder &rec)
{
	timerx::RingReader reader = w.ctx->reader();
	for (;;) {
		const auto r = reader.consume(rec);
		if (!r)
			return -r.error().code();
		if (w.stopping() || w.enough())
			return 0;
		if (!reader.prepare_wait())
			continue;
		const auto wr = w.uring->wait(stop_check);
		if (!wr && wr.error().code() != EINTR && wr.error().code() != ETIMEDOUT)
			return -wr.error().code();
	}
}

int loop_epoll(LatencyRun::Worker &w, Recorder &rec)
{
	timerx::RingReader reader = w.ctx->reader();
	const int timeout_ms = static_cast<int>(
		std::chrono::duration_cast<std::chrono::milliseconds>(stop_check).count());
	for (;;) {
		const auto r = reader.consume(rec);
		if (!r)
			return -r.error().code();
		if (w.stopping() || w.enough())
			return 0;
		if (!reader.prepare_wait())
			continue;
		epoll_event ev{};
		if (epoll_wait(w.epfd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
			return -errno;
	}
}

std::uint64_t timeval_ns(const timeval &tv)
{
	return static_cast<std::uint64_t>(tv.tv_sec) * 1000000000U +
	       static_cast<std::uint64_t>(tv.tv_usec) * 1000U;
}

void *worker_main(void *arg)
{
	auto &w = *static_cast<LatencyRun::Worker *>(arg);
	LatencyThreadResult &res = *w.res;
	res.tid = static_cast<long>(gettid());
	w.live.tid.store(res.tid, std::memory_order_relaxed);

	/* Armed here, already on its CPU and at its priority: the grid starts now. */
	const std::int64_t start = timerx::now_ns(w.o->clock) + w.interval_ns;
	const auto armed = w.ctx->arm_timer(timerx::ArmSpec::at_since_epoch(
		w.timer, std::chrono::nanoseconds(start), std::chrono::nanoseconds(w.interval_ns)));
	if (!armed) {
		w.error = -armed.error().code();
		w.error_what = "cannot arm the timer";
		w.live.done.store(true);
		w.state.store(failed);
		return nullptr;
	}
	w.state.store(running);

	Recorder rec{w, res, w.o->clock, res.hist.data(), res.hist.size()};
	int r = 0;
	switch (w.o->mode) {
	case WaitMode::poll:
		r = loop_poll(w, rec);
		break;
	case WaitMode::uring:
		r = loop_uring(w, rec);
		break;
	case WaitMode::epoll:
		r = loop_epoll(w, rec);
		break;
	}
	(void)w.ctx->cancel_timer(w.timer);
	rusage ru{};
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		res.cpu_user_ns = timeval_ns(ru.ru_utime);
		res.cpu_sys_ns = timeval_ns(ru.ru_stime);
	}
	if (r < 0) {
		w.error = r;
		w.error_what = "reading the ring";
	}
	w.live.done.store(true);
	return nullptr;
}

[[noreturn]] void fail_context(timerx::Error e)
{
	const int err = e.code();
	if (err == ENOENT)
		throw Error(exit_not_loaded, "cannot open " TIMERX_DEVICE_PATH
					     ": timerx module is not loaded (load it: timerctl "
					     "load, or modprobe timerx)");
	fail(-err, "cannot open " TIMERX_DEVICE_PATH);
}

} // namespace

LatencyRun::LatencyRun(const LatencyOptions &o) : o_(o), results_(o.threads)
{
	workers_.reserve(o.threads);
	for (unsigned k = 0; k < o.threads; ++k) {
		LatencyThreadResult &res = results_[k];
		res.index = k;
		res.cpu = o.thread_cpu(k);
		res.timer_cpu = o.timer_cpu(k);
		res.interval_us = o.thread_interval_us(k);
		if (o.histogram_us != 0) {
			res.hist.assign(o.histogram_us, 0);
			res.overflow_cycles.assign(o.histogram_us, 0);
		}

		auto *w = workers_.emplace_back(std::make_unique<Worker>()).get();
		w->o = &o_;
		w->index = k;
		w->interval_ns = static_cast<std::int64_t>(res.interval_us * 1000);
		w->stop = &stop_;
		w->res = &res;
		auto opened = timerx::Context::open();
		if (!opened)
			fail_context(opened.error());
		w->ctx.emplace(std::move(opened).value());
		auto id = w->ctx->create_timer({.user_data = k,
						.clock = o.clock,
						.expiry = o.expiry,
						.cpu = res.timer_cpu});
		if (!id)
			fail(-id.error().code(),
			     "cannot create the timer of thread " + std::to_string(k));
		w->timer = *id;
		if (o.mode == WaitMode::uring) {
			auto u = timerx::Uring::open(*w->ctx);
			if (!u)
				fail(-u.error().code(), "cannot set up io_uring");
			w->uring = std::make_unique<timerx::Uring>(std::move(u).value());
		}
		if (o.mode == WaitMode::epoll) {
			w->epfd = epoll_create1(EPOLL_CLOEXEC);
			if (w->epfd < 0)
				fail(-errno, "epoll_create1");
			epoll_event ev{};
			ev.events = EPOLLIN;
			if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ctx->fd(), &ev) < 0)
				fail(-errno, "epoll_ctl");
		}
	}
}

LatencyRun::~LatencyRun()
{
	stop_.store(true);
	for (const auto &w : workers_)
		if (w->created)
			pthread_join(w->thread, nullptr);
}

const LatencyLive &LatencyRun::live(unsigned k) const
{
	return workers_.at(k)->live;
}

void LatencyRun::start()
{
	/* The main thread takes SIGINT/SIGTERM; the measuring threads never see them. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	unsigned k = 0;
	for (; k < workers_.size() && rc == 0; ++k) {
		Worker &w = *workers_[k];
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, thread_stack);
		if (w.res->cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(w.res->cpu, &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		if (o_.priority > 0) {
			sched_param sp{};
			sp.sched_priority = o_.priority;
			pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
			pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
			pthread_attr_setschedparam(&attr, &sp);
		}
		rc = pthread_create(&w.thread, &attr, worker_main, &w);
		pthread_attr_destroy(&attr);
		w.created = rc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	if (rc != 0) {
		std::string what = "cannot start thread " + std::to_string(k - 1);
		if (o_.priority > 0)
			what += " at SCHED_FIFO priority " + std::to_string(o_.priority);
		if (workers_[k - 1]->res->cpu >= 0)
			what += " on CPU " + std::to_string(workers_[k - 1]->res->cpu);
		fail(-rc, what);
	}
	/* Wait until every timer is armed, so an arm error ends the run at once. */
	for (const auto &w : workers_) {
		while (w->state.load() == starting)
			std::this_thread::sleep_for(1ms);
		if (w->state.load() == failed)
			fail(w->error,
			     std::string(w->error_what) + " of thread " + std::to_string(w->index));
	}
}

bool LatencyRun::all_done() const
{
	for (const auto &w : workers_)
		if (!w->live.done.load(std::memory_order_relaxed))
			return false;
	return true;
}

void LatencyRun::stop()
{
	stop_.store(true);
	if (joined_)
		return;
	for (const auto &w : workers_)
		if (w->created) {
			pthread_join(w->thread, nullptr);
			w->created = false;
		}
	joined_ = true;
	for (LatencyThreadResult &r : results_)
		if (r.hist_overflows < r.overflow_cycles.size())
			r.overflow_cycles.resize(r.hist_overflows);
	for (const auto &w : workers_)
		if (w->error < 0)
			fail(w->error,
			     std::string(w->error_what) + " of thread " + std::to_string(w->index));
}

} // namespace timerctl
