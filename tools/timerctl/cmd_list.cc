// SPDX-License-Identifier: MIT
/* timerctl list: one line per visible context, optionally its timers. */
#include "commands.hpp"

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {opt_help,
			    opt_json,
			    opt_prometheus,
			    {"timers", 't', false, {}, "also list each context's timers"}};

} // namespace

const std::span<const OptSpec> list_options{opts};

ListOptions parse_list(const Args &a)
{
	if (!a.positionals.empty())
		throw UsageError("list takes no arguments");
	ListOptions o;
	o.format = format_from(a, true);
	o.timers = a.has("timers");
	return o;
}

void render_list(std::ostream &out, const ListOptions &o, const std::vector<ContextView> &ctxs,
		 const ClockNow &now)
{
	if (o.format == Format::json) {
		JsonWriter w(out);
		w.begin_object();
		w.key("contexts").begin_array();
		for (const auto &v : ctxs)
			json_context(w, v.ctx, o.timers ? &v.timers : nullptr);
		w.end_array();
		w.end_object();
		out << '\n';
		return;
	}
	if (o.format == Format::prometheus) {
		PromWriter p(out);
		prom_up(p, true);
		prom_contexts(p, ctxs, o.timers);
		return;
	}
	if (ctxs.empty()) {
		out << "no timerx contexts\n";
		return;
	}
	using A = Table::Align;
	Table t({{"ID", A::right},
		 {"PID", A::right},
		 {"COMM", A::left},
		 {"UID", A::right},
		 {"TIMERS", A::right},
		 {"RING", A::right},
		 {"EVENTS", A::right},
		 {"RING_FULL", A::right},
		 {"WAKEUPS", A::right},
		 {"P99", A::right}});
	for (const auto &v : ctxs) {
		const timerx::ContextStatus &c = v.ctx;
		t.add_row({std::to_string(c.ctx_id), std::to_string(c.owner_pid),
			   printable(c.owner_comm), std::to_string(c.owner_uid),
			   std::to_string(c.timers),
			   c.ring_entries > 0 ? std::to_string(c.ring_used) + "/" +
							std::to_string(c.ring_entries)
					      : "-",
			   std::to_string(c.events), std::to_string(c.ring_full),
			   std::to_string(c.wakeups),
			   c.lateness.count > 0 ? format_duration_ns(c.lateness.quantile_ns(0.99))
						: "-"});
	}
	out << t.header() << '\n';
	for (std::size_t i = 0; i < ctxs.size(); ++i) {
		out << t.row(i) << '\n';
		if (o.timers && !ctxs[i].timers.empty())
			timers_table(ctxs[i].timers, now).print(out, "    ");
	}
}

int cmd_list(const Args &a, Io &io)
{
	const ListOptions o = parse_list(a);
	timerx::Control c;
	open_control(c, o.format, io.out);
	std::vector<timerx::ContextStatus> ctxs;
	if (int r = take(c.contexts(), ctxs); r < 0)
		fail(r, "cannot list the contexts", exit_failure, c.last_error_message());
	ClockNow now = clock_snapshot();
	std::vector<ContextView> views;
	for (auto &ctx : ctxs)
		views.push_back({std::move(ctx), {}});
	if (o.timers) {
		std::vector<timerx::TimerStatus> timers;
		/* Before the dump, as in show: NEXT is relative to it. */
		now = clock_snapshot();
		if (int r = take(c.timers(), timers); r < 0)
			fail(r, "cannot list the timers", exit_failure, c.last_error_message());
		/* Both dumps come in id order; a timer whose context appeared in between is left
		 * out. */
		for (auto &t : timers)
			for (auto &v : views)
				if (v.ctx.ctx_id == t.ctx_id) {
					v.timers.push_back(std::move(t));
					break;
				}
	}
	render_list(io.out, o, views, now);
	return exit_ok;
}

} // namespace timerctl
