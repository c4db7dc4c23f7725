// SPDX-License-Identifier: MIT
/* timerctl show CTX: one context in detail, with its timers. */
#include "commands.hpp"

#include <cerrno>
#include <iomanip>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {opt_help, opt_json, opt_prometheus};

void kv(std::ostream &out, std::string_view key, const std::string &value)
{
	out << "  " << std::left << std::setw(13) << key << value << '\n';
}

} // namespace

const std::span<const OptSpec> show_options{opts};

ShowOptions parse_show(const Args &a)
{
	if (a.positionals.size() != 1)
		throw UsageError("show needs one context id");
	ShowOptions o;
	o.format = format_from(a, true);
	const auto id = parse_u32(a.positionals[0]);
	if (!id)
		throw UsageError("not a context id: " + a.positionals[0]);
	o.ctx_id = *id;
	return o;
}

void render_show(std::ostream &out, Format f, const ContextView &v, const ClockNow &now)
{
	const timerx::ContextStatus &c = v.ctx;
	if (f == Format::json) {
		JsonWriter w(out);
		json_context(w, c, &v.timers);
		out << '\n';
		return;
	}
	if (f == Format::prometheus) {
		PromWriter p(out);
		prom_up(p, true);
		prom_contexts(p, {v}, true);
		return;
	}
	out << "context " << c.ctx_id << ": pid " << c.owner_pid << " (" << printable(c.owner_comm)
	    << "), uid " << c.owner_uid << '\n';
	kv(out, "timers", std::to_string(c.timers));
	kv(out, "ring",
	   c.ring_entries > 0
		   ? std::to_string(c.ring_used) + "/" + std::to_string(c.ring_entries) + " used"
		   : "not set up");
	kv(out, "events", std::to_string(c.events));
	kv(out, "expirations", std::to_string(c.expirations));
	kv(out, "ring full", std::to_string(c.ring_full));
	kv(out, "wakeups", std::to_string(c.wakeups));
	kv(out, "pending", std::to_string(c.pending));
	kv(out, "lateness", hist_one_line(c.lateness));
	if (!v.timers.empty()) {
		out << '\n';
		timers_table(v.timers, now).print(out);
	}
}

int cmd_show(const Args &a, Io &io)
{
	const ShowOptions o = parse_show(a);
	timerx::Control c;
	open_control(c, o.format, io.out);
	ContextView v;
	if (int r = take(c.context(o.ctx_id), v.ctx); r < 0) {
		if (r == -ENOENT)
			throw Error(exit_no_such, "no such context: " + std::to_string(o.ctx_id));
		fail(r, "cannot read context " + std::to_string(o.ctx_id), exit_no_such,
		     c.last_error_message());
	}
	/*
	 * Before the dump: each expiry it reports was in the future when read,
	 * and a dump of many timers takes a while (NEXT would go negative).
	 */
	const ClockNow now = clock_snapshot();
	if (int r = take(c.timers(o.ctx_id), v.timers); r < 0) {
		if (r == -ENOENT)
			throw Error(exit_no_such,
				    "context " + std::to_string(o.ctx_id) + " went away");
		fail(r, "cannot list the timers of context " + std::to_string(o.ctx_id),
		     exit_no_such, c.last_error_message());
	}
	render_show(io.out, o.format, v, now);
	return exit_ok;
}

} // namespace timerctl
