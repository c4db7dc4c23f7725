// SPDX-License-Identifier: MIT
/* timerctl status: module state, versions, settings and totals. */
#include "commands.hpp"

#include <timerx/version.hpp>

#include <sys/timex.h>
#include <time.h>

#include <cerrno>
#include <iomanip>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {opt_help, opt_json, opt_prometheus};

void kv(std::ostream &out, std::string_view key, const std::string &value)
{
	out << std::left << std::setw(13) << key << value << '\n';
}

/* Visible CLOCK_TAI timers (one timers dump), or nullopt when it fails. */
std::optional<std::uint64_t> count_tai_timers(timerx::Control &c)
{
	auto timers = c.timers();
	if (!timers)
		return std::nullopt;
	std::uint64_t n = 0;
	for (const auto &t : *timers)
		n += t.clockid == CLOCK_TAI;
	return n;
}

/* A sysfs parameter value as JSON: a number, a boolean (Y/N) or a string. */
void json_param(JsonWriter &w, const std::string &v)
{
	if (auto n = parse_u64(v))
		w.value(*n);
	else if (v == "Y" || v == "N")
		w.value(v == "Y");
	else
		w.value(v);
}

std::string clock_line(const ClockState &c)
{
	std::string s = c.synchronised() ? "synchronized" : "not synchronized";
	if (!c.synchronised())
		s += (c.status & STA_UNSYNC) ? " (STA_UNSYNC)" : " (TIME_ERROR)";
	else
		s += ", estimated error " + format_signed_duration_ns(c.esterror_ns);
	s += ", max error " + format_signed_duration_ns(c.maxerror_ns);
	s += ", TAI offset " + std::to_string(c.tai_offset_s) + " s";
	return s;
}

void json_clock(JsonWriter &w, const std::optional<ClockState> &c,
		const std::optional<std::uint64_t> &tai_timers)
{
	if (!c) {
		w.null();
		return;
	}
	w.begin_object();
	w.field("synchronized", c->synchronised());
	w.field("state", clock_state_name(c->state));
	w.field("status", c->status);
	w.field("unsync", (c->status & STA_UNSYNC) != 0);
	w.field("esterror_ns", c->esterror_ns);
	w.field("maxerror_ns", c->maxerror_ns);
	w.field("tai_offset_s", c->tai_offset_s);
	w.field("tai_timers", tai_timers);
	w.end_object();
}

} // namespace

const std::span<const OptSpec> status_options{opts};

std::vector<std::string> status_warnings(const StatusData &d)
{
	std::vector<std::string> w;
	if (d.clock && d.clock->tai_offset_s == 0 && d.tai_timers && *d.tai_timers > 0)
		w.push_back(std::to_string(*d.tai_timers) +
			    " CLOCK_TAI timer(s) while the kernel's TAI offset is 0: CLOCK_TAI "
			    "equals CLOCK_REALTIME, 37 s off TAI (set the offset: chronyd "
			    "leapsectz, phc2sys, or ntpd with a leap-seconds file)");
	return w;
}

void render_status(std::ostream &out, Format f, const StatusData &d)
{
	const timerx::Stats &s = d.stats;
	if (f == Format::json) {
		JsonWriter w(out);
		w.begin_object();
		w.key("module").begin_object();
		w.field("name", module_name);
		w.field("loaded", d.module.loaded);
		w.field("state", d.module.state);
		w.field("refcnt", d.module.refcnt);
		w.end_object();
		w.field("version", s.module_version);
		w.field("api_version", s.api_version);
		w.field("tool_api_version", static_cast<std::uint32_t>(TIMERX_API_VERSION));
		w.field("contexts", s.contexts);
		w.field("timers", s.timers);
		w.field("fires", s.fires);
		w.field("expirations", s.expirations);
		w.field("events", s.events);
		w.field("ring_full", s.ring_full);
		w.key("lateness");
		json_hist(w, s.lateness, false);
		w.key("config");
		if (d.config) {
			w.begin_object();
			json_config_fields(w, *d.config);
			w.end_object();
		} else {
			w.null();
		}
		w.key("parameters").begin_object();
		for (const auto &[k, v] : d.module.parameters) {
			w.key(k);
			json_param(w, v);
		}
		w.end_object();
		w.key("clock");
		json_clock(w, d.clock, d.tai_timers);
		w.key("warnings").begin_array();
		for (const auto &m : status_warnings(d))
			w.value(m);
		w.end_array();
		w.end_object();
		out << '\n';
		return;
	}
	if (f == Format::prometheus) {
		PromWriter p(out);
		prom_up(p, true);
		prom_begin(p, "timerx_info");
		p.sample({{"version", s.module_version},
			  {"api_version", std::to_string(s.api_version)}},
			 std::uint64_t{1});
		prom_begin(p, "timerx_contexts");
		p.sample({}, std::uint64_t{s.contexts});
		prom_begin(p, "timerx_timers");
		p.sample({}, std::uint64_t{s.timers});
		prom_begin(p, "timerx_fires_total");
		p.sample({}, s.fires);
		prom_begin(p, "timerx_expirations_total");
		p.sample({}, s.expirations);
		prom_begin(p, "timerx_events_total");
		p.sample({}, s.events);
		prom_begin(p, "timerx_ring_full_total");
		p.sample({}, s.ring_full);
		prom_begin(p, "timerx_lateness_seconds");
		p.histogram({}, s.lateness);
		return;
	}

	std::string module = std::string(module_name) + " " + s.module_version;
	if (d.module.loaded) {
		module += " (" + d.module.state;
		if (d.module.refcnt)
			module += ", refcnt " + std::to_string(*d.module.refcnt);
		module += ")";
	}
	kv(out, "module", module);
	kv(out, "api version",
	   std::to_string(s.api_version) + " (timerctl: " + std::to_string(TIMERX_API_VERSION) +
		   ")");
	kv(out, "contexts", std::to_string(s.contexts));
	kv(out, "timers", std::to_string(s.timers));
	kv(out, "fires", std::to_string(s.fires));
	kv(out, "expirations", std::to_string(s.expirations));
	kv(out, "events", std::to_string(s.events));
	kv(out, "ring full", std::to_string(s.ring_full));
	kv(out, "lateness", hist_one_line(s.lateness));
	kv(out, "clock", d.clock ? clock_line(*d.clock) : "unknown (adjtimex failed)");
	for (const auto &m : status_warnings(d))
		out << "warning: " << m << '\n';
	if (d.config) {
		out << "config\n";
		for (const auto &l : config_lines(*d.config))
			out << "  " << l << '\n';
	}
	if (!d.module.parameters.empty()) {
		out << "parameters (/sys/module/" << module_name << "/parameters)\n";
		for (const auto &[k, v] : d.module.parameters)
			out << "  " << k << '=' << v << '\n';
	}
}

int cmd_status(const Args &a, Io &io)
{
	if (!a.positionals.empty())
		throw UsageError("status takes no arguments");
	const Format f = format_from(a, true);

	StatusData d;
	timerx::Control c;
	open_control(c, f, io.out);
	d.module = query_module();
	if (int r = take(c.stats(), d.stats); r < 0)
		fail(r, "cannot read the statistics", exit_failure, c.last_error_message());
	timerx::Config cfg;
	if (int r = take(c.config(), cfg); r == 0)
		d.config = cfg;
	else if (r != -EPERM && r != -EACCES)
		fail(r, "cannot read the configuration", exit_failure, c.last_error_message());
	d.clock = read_clock_state();
	if (d.clock && d.clock->tai_offset_s == 0)
		d.tai_timers = count_tai_timers(c);
	render_status(io.out, f, d);
	return exit_ok;
}

} // namespace timerctl
