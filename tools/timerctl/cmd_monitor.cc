// SPDX-License-Identifier: MIT
/* timerctl monitor: print the module's notifications as they come. */
#include "commands.hpp"
#include "stop_signals.hpp"

#include <time.h>

#include <cerrno>
#include <chrono>
#include <sstream>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {
	opt_help,
	opt_json,
	{"count", 'c', true, "N", "exit after N notifications"},
	{"timeout", 't', true, "SEC",
	 "exit after SEC seconds (units: ms, s); with --count, fail if fewer came"}};

std::string timestamp(const timespec &ts)
{
	tm t{};
	localtime_r(&ts.tv_sec, &t);
	char date[32], zone[8], out[64];
	std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &t);
	std::strftime(zone, sizeof(zone), "%z", &t); /* +hhmm */
	std::snprintf(out, sizeof(out), "%s.%06ld%.3s:%.2s", date, ts.tv_nsec / 1000, zone,
		      zone + 3);
	return out;
}

/* comm as a text token: bare when it is one word of printable characters. */
std::string text_token(const std::string &s)
{
	bool plain = !s.empty();
	for (unsigned char c : s)
		if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f)
			plain = false;
	return plain ? s : json_quote(s);
}

} // namespace

const std::span<const OptSpec> monitor_options{opts};

MonitorOptions parse_monitor(const Args &a)
{
	if (!a.positionals.empty())
		throw UsageError("monitor takes no arguments");
	MonitorOptions o;
	o.json = format_from(a, false) == Format::json;
	if (auto c = a.value("count")) {
		o.count = parse_u64(*c);
		if (!o.count || *o.count == 0)
			throw UsageError("--count needs a positive number: " + *c);
	}
	if (auto t = a.value("timeout")) {
		o.timeout_ms = parse_duration(*t, ns_per_s, ns_per_ms);
		if (!o.timeout_ms || *o.timeout_ms == 0 ||
		    *o.timeout_ms > 100ULL * 24 * 3600 * 1000)
			throw UsageError("--timeout needs a duration (seconds, or with a unit: "
					 "ms, s) above 0: " +
					 *t);
	}
	return o;
}

const char *notification_kind(timerx::Notification::Kind k)
{
	using K = timerx::Notification::Kind;
	switch (k) {
	case K::ctx_new:
		return "ctx_new";
	case K::ctx_del:
		return "ctx_del";
	case K::overflow:
		return "overflow";
	case K::lateness_alarm:
		return "lateness_alarm";
	}
	return "unknown";
}

std::string format_notification(const timerx::Notification &n, bool json, const timespec &when)
{
	using K = timerx::Notification::Kind;
	std::ostringstream s;
	if (json) {
		JsonWriter w(s);
		w.begin_object();
		w.field("time", timestamp(when));
		w.field("time_ns",
			static_cast<std::int64_t>(when.tv_sec) * 1000000000 + when.tv_nsec);
		w.field("kind", notification_kind(n.kind));
		w.field("ctx_id", n.ctx_id);
		if (n.owner_pid)
			w.field("pid", *n.owner_pid);
		if (n.owner_uid)
			w.field("uid", *n.owner_uid);
		if (n.kind == K::ctx_new || !n.owner_comm.empty())
			w.field("comm", n.owner_comm);
		if (n.timer_id)
			w.field("timer_id", *n.timer_id);
		if (n.kind == K::ctx_del) {
			w.field("events", n.events);
			w.field("expirations", n.expirations);
		}
		if (n.kind == K::ctx_del || n.kind == K::overflow)
			w.field("ring_full", n.ring_full);
		if (n.kind == K::overflow || n.kind == K::lateness_alarm)
			w.field("count", n.alarm_count);
		if (n.kind == K::lateness_alarm)
			w.field("max_ns", n.alarm_max_ns);
		w.end_object();
		return s.str();
	}
	s << timestamp(when) << ' ' << notification_kind(n.kind) << " ctx=" << n.ctx_id;
	if (n.owner_pid)
		s << " pid=" << *n.owner_pid;
	if (n.owner_uid)
		s << " uid=" << *n.owner_uid;
	if (n.kind == K::ctx_new || !n.owner_comm.empty())
		s << " comm=" << text_token(n.owner_comm);
	if (n.timer_id)
		s << " timer=" << *n.timer_id;
	if (n.kind == K::ctx_del)
		s << " events=" << n.events << " expirations=" << n.expirations;
	if (n.kind == K::ctx_del || n.kind == K::overflow)
		s << " ring_full=" << n.ring_full;
	if (n.kind == K::overflow || n.kind == K::lateness_alarm)
		s << " count=" << n.alarm_count;
	if (n.kind == K::lateness_alarm)
		s << " max=" << format_duration_ns(n.alarm_max_ns);
	return s.str();
}

int cmd_monitor(const Args &a, Io &io)
{
	const MonitorOptions o = parse_monitor(a);
	StopSignals signals;
	timerx::Monitor m;
	if (int r = take(timerx::Monitor::open(), m); r < 0) {
		if (r == -ENOENT)
			throw Error(exit_not_loaded, not_loaded_message());
		fail(r, "cannot subscribe to the timerx monitor group", exit_failure,
		     r == -EPERM || r == -EACCES ? "needs CAP_SYS_ADMIN" : "");
	}
	using clock = std::chrono::steady_clock;
	const auto deadline = o.timeout_ms ? clock::now() + std::chrono::milliseconds(*o.timeout_ms)
					   : clock::time_point::max();
	std::uint64_t seen = 0;
	while (StopSignals::stop_signal() == 0) {
		int wait_ms = 250; /* bounded: a signal between checks is seen soon */
		if (o.timeout_ms) {
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
						  deadline - clock::now())
						  .count();
			if (left <= 0)
				break;
			wait_ms = static_cast<int>(std::min<long long>(left, wait_ms));
		}
		timerx::Notification n;
		const int r = take(m.next(std::chrono::milliseconds(wait_ms)), n);
		if (r == -ETIMEDOUT || r == -EINTR)
			continue;
		timespec now{};
		clock_gettime(CLOCK_REALTIME, &now);
		if (r == -ENOBUFS) {
			if (o.json)
				io.out << "{\"time\":" << json_quote(timestamp(now))
				       << ",\"kind\":\"lost\"}\n";
			else
				io.out << timestamp(now)
				       << " lost notifications (receive buffer overrun)\n";
			io.out.flush();
			continue;
		}
		if (r < 0)
			fail(r, "monitor");
		io.out << format_notification(n, o.json, now) << '\n';
		io.out.flush();
		if (o.count && ++seen >= *o.count)
			return exit_ok;
	}
	if (StopSignals::stop_signal() == 0 && o.count)
		throw Error(exit_failure, "monitor: timed out with " + std::to_string(seen) +
						  " of " + std::to_string(*o.count) +
						  " notifications");
	return exit_ok;
}

} // namespace timerctl
