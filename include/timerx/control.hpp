/* SPDX-License-Identifier: MIT */
/*
 * Control plane: the "timerx" generic netlink family (libmnl underneath),
 * in its own library: link libtimerx-control (pkg-config libtimerx-control,
 * CMake timerx::control), which brings libtimerx along. The data path's
 * headers (<timerx/timerx.hpp>) do not include this one.
 *
 * For tools and monitoring, not for the data path: these calls allocate,
 * and each is one or more netlink round trips. Every attribute the kernel
 * sends is checked (type and length) before it is used; a reply that does
 * not parse fails with -EPROTO.
 *
 * Every call is noexcept and returns a Result (see error.hpp); an
 * allocation that fails is Error ENOMEM. The errors:
 *   ENOENT  no such context or timer (or one the caller may not see), or
 *           (from open()) the family is not registered: the module is not
 *           loaded
 *   EPERM   set_config() or Monitor::open() without CAP_SYS_ADMIN
 *   ERANGE  a setting out of its range, EINVAL a max_ring_entries that is
 *           not a power of two (the kernel's extack message is in
 *           last_error_message())
 *   EAGAIN  a dump was interrupted by concurrent changes more than
 *           ControlOptions::dump_retries times in a row
 *   EPROTO  a malformed reply
 *   ETIMEDOUT  no reply within ControlOptions::timeout; nothing within
 *           Monitor::next()'s timeout
 *   ENOBUFS Monitor::next(): the socket overran, notifications were lost
 *   EBADF   a Control or Monitor that is not open
 *
 * Threading: one Control or Monitor per thread (each owns a socket).
 */
#ifndef TIMERX_CONTROL_HPP
#define TIMERX_CONTROL_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/histogram.hpp>
#include <timerx/timeout.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace timerx {

struct ContextStatus {
	std::uint32_t ctx_id = 0;
	std::uint32_t owner_pid = 0;
	std::uint32_t owner_uid = 0;
	std::string owner_comm;
	std::uint32_t timers = 0;
	std::uint32_t ring_entries = 0;
	std::uint32_t ring_used = 0;
	std::uint64_t events = 0;
	std::uint64_t expirations = 0;
	std::uint64_t ring_full = 0;
	std::uint64_t wakeups = 0;
	std::uint64_t pending = 0;
	Histogram lateness;
};

struct TimerStatus {
	std::uint32_t ctx_id = 0;
	std::uint32_t timer_id = 0;
	std::uint64_t user_data = 0;
	std::uint32_t clockid = 0;
	std::uint32_t flags = 0; /* TIMERX_CREATE_F_* */
	std::uint32_t cpu = 0;
	std::int32_t last_cpu = -1;
	std::uint32_t state = TIMERX_TIMER_IDLE;
	std::uint64_t period_ns = 0;
	std::optional<std::int64_t> next_expiry_ns; /* when armed */
	std::uint64_t fires = 0;
	std::uint64_t expirations = 0;
	std::uint64_t overruns = 0;
	std::uint64_t events = 0;
	std::uint64_t pending = 0;
	/* Of the timer's last arming (API 3; empty from an older module). */
	std::optional<std::uint32_t> seq;
	std::optional<std::uint32_t> slack_ns;
	std::optional<Histogram> lateness; /* timers created with histograms on */
};

struct Stats {
	std::uint32_t api_version = 0;
	std::string module_version;
	std::uint32_t contexts = 0;
	std::uint32_t timers = 0;
	std::uint64_t fires = 0;
	std::uint64_t expirations = 0;
	std::uint64_t events = 0;
	std::uint64_t ring_full = 0;
	Histogram lateness;
};

/*
 * Settings (each also a module parameter of the same name); in
 * set_config() only the engaged ones are sent. The per-user limits are
 * API 2: an older module does not report them (they stay empty) and
 * refuses a CONFIG_SET that carries them (-EINVAL, unknown attribute).
 */
struct Config {
	std::optional<std::uint32_t> max_timers_per_ctx;    /* 1 .. 2^20 */
	std::optional<std::uint32_t> max_ring_entries;      /* power of two, 2 .. 2^20 */
	std::optional<std::uint64_t> min_period_ns;         /* 0 .. 10^9 */
	std::optional<bool> histograms;                     /* lateness histograms of new timers */
	std::optional<std::uint64_t> alarm_lateness_ns;     /* 0 (off) .. 10^10 */
	std::optional<std::uint32_t> alarm_interval_ms;     /* 1 .. 3600000 */
	std::optional<std::uint32_t> max_contexts_per_user; /* per uid, 1 .. 2^20 */
	std::optional<std::uint32_t> max_timers_per_user;   /* per uid, all contexts, 1 .. 2^24 */
	std::optional<std::uint64_t> max_user_rate;         /* expirations/s per uid, 1 .. 10^10 */
};

struct ControlOptions {
	/* Restarts of a dump that came back with NLM_F_DUMP_INTR. */
	unsigned dump_retries = 8;
	/* Receive timeout of each round trip (timeout.hpp; `forever`: none). */
	Timeout timeout = std::chrono::seconds(5);
};

namespace detail {
struct NetlinkSocket;
}

class TIMERX_API Control {
public:
	/* Resolves the family; ENOENT when the module is not loaded. */
	[[nodiscard]] static Result<Control> open(const ControlOptions &opts = {}) noexcept;

	/* Not open: every request fails with EBADF. */
	Control() noexcept;
	~Control();
	Control(Control &&) noexcept;
	Control &operator=(Control &&) noexcept;
	Control(const Control &) = delete;
	Control &operator=(const Control &) = delete;

	[[nodiscard]] bool is_open() const noexcept { return sock_ != nullptr; }

	[[nodiscard]] Result<Stats> stats() noexcept;
	[[nodiscard]] Result<std::vector<ContextStatus>> contexts() noexcept;
	[[nodiscard]] Result<ContextStatus> context(std::uint32_t ctx_id) noexcept;
	/* Every visible timer, or those of @ctx_id. */
	[[nodiscard]] Result<std::vector<TimerStatus>>
	timers(std::optional<std::uint32_t> ctx_id = std::nullopt) noexcept;
	[[nodiscard]] Result<TimerStatus> timer(std::uint32_t ctx_id,
						std::uint32_t timer_id) noexcept;
	[[nodiscard]] Result<Config> config() noexcept;
	/* Applies the engaged settings (all or none); every setting as it is afterwards. */
	[[nodiscard]] Result<Config> set_config(const Config &changes) noexcept;

	/* The kernel's extack message for the last failed request, or "". */
	[[nodiscard]] const std::string &last_error_message() const noexcept { return errmsg_; }

private:
	std::unique_ptr<detail::NetlinkSocket> sock_;
	ControlOptions opts_;
	std::string errmsg_;
};

struct Notification {
	enum class Kind { ctx_new, ctx_del, overflow, lateness_alarm };
	Kind kind = Kind::ctx_new;
	std::uint32_t ctx_id = 0;
	std::optional<std::uint32_t> owner_pid;
	std::optional<std::uint32_t> owner_uid;
	std::string owner_comm;
	std::optional<std::uint32_t> timer_id;
	std::uint64_t events = 0;
	std::uint64_t expirations = 0;
	std::uint64_t ring_full = 0;
	std::uint64_t alarm_count = 0;
	std::uint64_t alarm_max_ns = 0;
};

/* A subscription to the monitor group. */
class TIMERX_API Monitor {
public:
	/* ENOENT: module not loaded; EPERM: not an admin. */
	[[nodiscard]] static Result<Monitor> open() noexcept;

	/* Not open: next() fails with EBADF. */
	Monitor() noexcept;
	~Monitor();
	Monitor(Monitor &&) noexcept;
	Monitor &operator=(Monitor &&) noexcept;
	Monitor(const Monitor &) = delete;
	Monitor &operator=(const Monitor &) = delete;

	/* For poll/epoll: readable when notifications are queued. */
	[[nodiscard]] int fd() const noexcept;

	/*
	 * The next notification, waiting up to @timeout (timeout.hpp).
	 * ETIMEDOUT, EINTR on a signal, ENOBUFS when the socket overran and
	 * notifications were lost (the next call continues).
	 */
	[[nodiscard]] Result<Notification> next(Timeout timeout) noexcept;

private:
	std::unique_ptr<detail::NetlinkSocket> sock_;
	std::vector<Notification> queued_;
	std::size_t next_queued_ = 0;
};

} // namespace timerx

#endif /* TIMERX_CONTROL_HPP */
