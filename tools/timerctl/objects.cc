// SPDX-License-Identifier: MIT
/*
 * Rendering of contexts and timers, shared by list, show and status: the
 * JSON objects, the timers table and the Prometheus metric families.
 */
#include "commands.hpp"

#include <time.h>

#include <stdexcept>

namespace timerctl {

ClockNow system_clock_now()
{
	return [](std::uint32_t clockid) -> std::optional<std::int64_t> {
		timespec ts{};
		if (clock_gettime(static_cast<clockid_t>(clockid), &ts) != 0)
			return std::nullopt;
		return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	};
}

ClockNow clock_snapshot()
{
	static constexpr clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
					       CLOCK_TAI};
	std::vector<std::pair<std::uint32_t, std::int64_t>> now;
	const ClockNow read = system_clock_now();
	for (clockid_t c : clocks)
		if (auto t = read(static_cast<std::uint32_t>(c)))
			now.emplace_back(static_cast<std::uint32_t>(c), *t);
	return [now, read](std::uint32_t clockid) -> std::optional<std::int64_t> {
		for (const auto &[c, t] : now)
			if (c == clockid)
				return t;
		return read(clockid);
	};
}

std::string clock_name(std::uint32_t clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return "realtime";
	case CLOCK_MONOTONIC:
		return "monotonic";
	case CLOCK_BOOTTIME:
		return "boottime";
	case CLOCK_TAI:
		return "tai";
	default:
		return "clock" + std::to_string(clockid);
	}
}

std::string timer_flags(std::uint32_t flags)
{
	std::string s;
	auto add = [&s](const std::string &w) { s += (s.empty() ? "" : ",") + w; };
	if (flags & TIMERX_CREATE_F_SOFT)
		add("soft");
	if (flags & TIMERX_CREATE_F_HARD) /* demanded: hard irq or EPERM (API 2) */
		add("hard");
	if (flags & TIMERX_CREATE_F_PINNED)
		add("pinned");
	if (const std::uint32_t rest = flags & ~static_cast<std::uint32_t>(TIMERX_CREATE_F_ALL)) {
		char buf[16];
		std::snprintf(buf, sizeof(buf), "%#x", rest);
		add(buf);
	}
	return s.empty() ? "-" : s;
}

std::string timer_state(std::uint32_t state)
{
	switch (state) {
	case TIMERX_TIMER_IDLE:
		return "idle";
	case TIMERX_TIMER_ARMED:
		return "armed";
	default:
		return "state" + std::to_string(state);
	}
}

Labels context_labels(const timerx::ContextStatus &c)
{
	return {{"context", std::to_string(c.ctx_id)}, {"comm", c.owner_comm}};
}

Labels timer_labels(const timerx::ContextStatus &c, std::uint32_t timer_id)
{
	Labels l = context_labels(c);
	l.emplace_back("timer", std::to_string(timer_id));
	return l;
}

/* ------------------------------------------------------------ JSON */

void json_timer(JsonWriter &w, const timerx::TimerStatus &t)
{
	w.begin_object();
	w.field("ctx_id", t.ctx_id);
	w.field("timer_id", t.timer_id);
	w.field("user_data", t.user_data);
	/* Exact where a double is not (jq, JavaScript: above 2^53), as bpftool does for u64s. */
	w.field("user_data_str", std::to_string(t.user_data));
	w.field("clockid", t.clockid);
	w.field("clock", clock_name(t.clockid));
	w.field("flags", t.flags);
	w.field("soft", (t.flags & TIMERX_CREATE_F_SOFT) != 0);
	w.field("hard", (t.flags & TIMERX_CREATE_F_HARD) != 0);
	w.field("pinned", (t.flags & TIMERX_CREATE_F_PINNED) != 0);
	w.key("cpu");
	if (t.flags & TIMERX_CREATE_F_PINNED)
		w.value(t.cpu);
	else
		w.null();
	w.key("last_cpu");
	if (t.last_cpu >= 0)
		w.value(t.last_cpu);
	else
		w.null();
	w.field("state", timer_state(t.state));
	w.field("period_ns", t.period_ns);
	w.field("next_expiry_ns", t.next_expiry_ns);
	w.field("fires", t.fires);
	w.field("expirations", t.expirations);
	w.field("overruns", t.overruns);
	w.field("events", t.events);
	w.field("pending", t.pending);
	/* Of the last arming (API 3); null from an older module. */
	w.key("seq");
	if (t.seq)
		w.value(*t.seq);
	else
		w.null();
	w.key("slack_ns");
	if (t.slack_ns)
		w.value(*t.slack_ns);
	else
		w.null();
	w.key("lateness");
	if (t.lateness)
		json_hist(w, *t.lateness, false);
	else
		w.null();
	w.end_object();
}

void json_context(JsonWriter &w, const timerx::ContextStatus &c,
		  const std::vector<timerx::TimerStatus> *timers)
{
	w.begin_object();
	w.field("ctx_id", c.ctx_id);
	w.field("pid", c.owner_pid);
	w.field("uid", c.owner_uid);
	w.field("comm", c.owner_comm);
	w.field("timers", c.timers);
	w.field("ring_entries", c.ring_entries);
	w.field("ring_used", c.ring_used);
	w.field("events", c.events);
	w.field("expirations", c.expirations);
	w.field("ring_full", c.ring_full);
	w.field("wakeups", c.wakeups);
	w.field("pending", c.pending);
	w.key("lateness");
	json_hist(w, c.lateness, false);
	if (timers != nullptr) {
		w.key("timer_list").begin_array();
		for (const auto &t : *timers)
			json_timer(w, t);
		w.end_array();
	}
	w.end_object();
}

/* ------------------------------------------------------------ timers table */

namespace {

/* The SLACK column: "-" from a module older than API 3, "0" for none. */
std::string slack_text(const std::optional<std::uint32_t> &slack_ns)
{
	if (!slack_ns)
		return "-";
	return *slack_ns == 0 ? "0" : format_duration_ns(*slack_ns);
}

} // namespace

Table timers_table(const std::vector<timerx::TimerStatus> &timers, const ClockNow &now)
{
	using A = Table::Align;
	Table t({{"TIMER", A::right},
		 {"CLOCK", A::left},
		 {"FLAGS", A::left},
		 {"CPU", A::right},
		 {"PERIOD", A::right},
		 {"STATE", A::left},
		 {"NEXT", A::right},
		 {"FIRES", A::right},
		 {"OVERRUNS", A::right},
		 {"EVENTS", A::right},
		 {"PENDING", A::right},
		 {"SEQ", A::right},
		 {"SLACK", A::right},
		 {"P50", A::right},
		 {"P99", A::right},
		 {"MAX", A::right}});
	for (const auto &tm : timers) {
		std::string next = "-";
		if (tm.state == TIMERX_TIMER_ARMED && tm.next_expiry_ns) {
			const auto n = now ? now(tm.clockid) : std::nullopt;
			if (n)
				next = (*tm.next_expiry_ns >= *n ? "+" : "") +
				       format_signed_duration_ns(*tm.next_expiry_ns - *n);
			else
				next = std::to_string(*tm.next_expiry_ns);
		}
		std::string p50 = "-", p99 = "-", max = "-";
		if (tm.lateness && tm.lateness->count > 0) {
			/* Three quantiles, not a whole summary: 100 000 rows. */
			p50 = format_duration_ns(tm.lateness->quantile_ns(0.5));
			p99 = format_duration_ns(tm.lateness->quantile_ns(0.99));
			max = format_duration_ns(tm.lateness->max_ns);
		}
		t.add_row({std::to_string(tm.timer_id), clock_name(tm.clockid),
			   timer_flags(tm.flags),
			   (tm.flags & TIMERX_CREATE_F_PINNED) ? std::to_string(tm.cpu) : "-",
			   tm.period_ns > 0 ? format_duration_ns(tm.period_ns) : "oneshot",
			   timer_state(tm.state), next, std::to_string(tm.fires),
			   std::to_string(tm.overruns), std::to_string(tm.events),
			   std::to_string(tm.pending), tm.seq ? std::to_string(*tm.seq) : "-",
			   slack_text(tm.slack_ns), p50, p99, max});
	}
	return t;
}

/* ------------------------------------------------------------ Prometheus */

namespace {

using T = PromWriter::Type;

struct Family {
	const char *name;
	T type;
	const char *help;
};

/*
 * One table, so that a family has the same HELP and TYPE in every
 * command's output (node_exporter merges the files of its textfile
 * directory). Levels: no labels is the module, {context} a context,
 * {context,timer} a timer; do not sum across levels.
 */
constexpr Family families[] = {
	{"timerx_up", T::gauge,
	 "1 when the timerx module is loaded and answered, 0 when it is not loaded."},
	{"timerx_info", T::gauge, "timerx module version (labels), value 1."},
	{"timerx_contexts", T::gauge, "Open timerx contexts."},
	{"timerx_timers", T::gauge, "Live timers: of the module, or of a context."},
	{"timerx_context_info", T::gauge,
	 "Open context with its owner's pid and uid as labels, value 1."},
	{"timerx_ring_entries", T::gauge, "Size of a context's event ring, in events."},
	{"timerx_ring_used", T::gauge, "Unread events in a context's ring."},
	{"timerx_pending", T::gauge,
	 "Expirations waiting in the kernel for room in the ring: of a context, or of a timer."},
	{"timerx_fires_total", T::counter,
	 "Timer callbacks run: since the module was loaded, or of a timer."},
	{"timerx_expirations_total", T::counter,
	 "Expirations, missed periods included: since the module was loaded, of a context, or "
	 "of a timer."},
	{"timerx_overruns_total", T::counter, "Missed periods of a timer (expirations - fires)."},
	{"timerx_events_total", T::counter,
	 "Events written to rings: since the module was loaded, of a context, or of a timer."},
	{"timerx_ring_full_total", T::counter,
	 "Callbacks that found the ring full: since the module was loaded, or of a context."},
	{"timerx_wakeups_total", T::counter, "Wakeups a context's producer triggered."},
	{"timerx_timer_info", T::gauge, "Timer with its clock and flags as labels, value 1."},
	{"timerx_timer_armed", T::gauge, "1 when a timer is armed, else 0."},
	{"timerx_timer_period_seconds", T::gauge, "A timer's period (0: one-shot)."},
	{"timerx_lateness_seconds", T::histogram,
	 "Time from a timer's expiry to its callback: since the module was loaded, of a context, "
	 "or of a timer."},
};

} // namespace

void prom_begin(PromWriter &p, std::string_view name)
{
	for (const auto &f : families) {
		if (name == f.name) {
			p.begin_family(f.name, f.type, f.help);
			return;
		}
	}
	throw std::logic_error("unknown metric family " + std::string(name));
}

void prom_up(PromWriter &p, bool up)
{
	prom_begin(p, "timerx_up");
	p.sample({}, std::uint64_t{up ? 1U : 0U});
}

void open_control(timerx::Control &c, Format f, std::ostream &out)
{
	try {
		open_control(c);
	} catch (const Error &e) {
		/* A textfile collector then shows "down", not the last metrics written. */
		if (e.code() == exit_not_loaded && f == Format::prometheus) {
			PromWriter p(out);
			prom_up(p, false);
			out.flush();
		}
		throw;
	}
}

void prom_contexts(PromWriter &p, const std::vector<ContextView> &ctxs, bool with_timers)
{
	using CtxGet = std::uint64_t (*)(const timerx::ContextStatus &);
	using TimerGet = std::uint64_t (*)(const timerx::TimerStatus &);
	auto family = [&](const char *name, CtxGet cg, TimerGet tg) {
		if (cg == nullptr && (!with_timers || tg == nullptr))
			return;
		prom_begin(p, name);
		if (cg != nullptr)
			for (const auto &v : ctxs)
				p.sample(context_labels(v.ctx), cg(v.ctx));
		if (with_timers && tg != nullptr)
			for (const auto &v : ctxs)
				for (const auto &t : v.timers)
					p.sample(timer_labels(v.ctx, t.timer_id), tg(t));
	};

	prom_begin(p, "timerx_context_info");
	for (const auto &v : ctxs) {
		Labels l = context_labels(v.ctx);
		l.emplace_back("pid", std::to_string(v.ctx.owner_pid));
		l.emplace_back("uid", std::to_string(v.ctx.owner_uid));
		p.sample(l, std::uint64_t{1});
	}
	family(
		"timerx_timers",
		[](const timerx::ContextStatus &c) -> std::uint64_t { return c.timers; }, nullptr);
	family(
		"timerx_ring_entries",
		[](const timerx::ContextStatus &c) -> std::uint64_t { return c.ring_entries; },
		nullptr);
	family(
		"timerx_ring_used",
		[](const timerx::ContextStatus &c) -> std::uint64_t { return c.ring_used; },
		nullptr);
	family(
		"timerx_pending", [](const timerx::ContextStatus &c) { return c.pending; },
		[](const timerx::TimerStatus &t) { return t.pending; });
	family("timerx_fires_total", nullptr, [](const timerx::TimerStatus &t) { return t.fires; });
	family(
		"timerx_expirations_total",
		[](const timerx::ContextStatus &c) { return c.expirations; },
		[](const timerx::TimerStatus &t) { return t.expirations; });
	family("timerx_overruns_total", nullptr,
	       [](const timerx::TimerStatus &t) { return t.overruns; });
	family(
		"timerx_events_total", [](const timerx::ContextStatus &c) { return c.events; },
		[](const timerx::TimerStatus &t) { return t.events; });
	family(
		"timerx_ring_full_total",
		[](const timerx::ContextStatus &c) { return c.ring_full; }, nullptr);
	family(
		"timerx_wakeups_total", [](const timerx::ContextStatus &c) { return c.wakeups; },
		nullptr);
	if (with_timers) {
		prom_begin(p, "timerx_timer_info");
		for (const auto &v : ctxs)
			for (const auto &t : v.timers) {
				Labels l = timer_labels(v.ctx, t.timer_id);
				l.emplace_back("clock", clock_name(t.clockid));
				l.emplace_back("flags", timer_flags(t.flags));
				p.sample(l, std::uint64_t{1});
			}
		family("timerx_timer_armed", nullptr, [](const timerx::TimerStatus &t) {
			return static_cast<std::uint64_t>(t.state == TIMERX_TIMER_ARMED);
		});
		prom_begin(p, "timerx_timer_period_seconds");
		for (const auto &v : ctxs)
			for (const auto &t : v.timers)
				p.sample(timer_labels(v.ctx, t.timer_id),
					 static_cast<double>(t.period_ns) / 1e9);
	}
	prom_begin(p, "timerx_lateness_seconds");
	for (const auto &v : ctxs)
		p.histogram(context_labels(v.ctx), v.ctx.lateness);
	if (with_timers)
		for (const auto &v : ctxs)
			for (const auto &t : v.timers)
				if (t.lateness)
					p.histogram(timer_labels(v.ctx, t.timer_id), *t.lateness);
}

} // namespace timerctl
