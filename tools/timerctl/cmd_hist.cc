// SPDX-License-Identifier: MIT
/* timerctl hist [CTX[:TIMER]]: a lateness histogram. */
#include "commands.hpp"

#include <cerrno>

namespace timerctl {

namespace {

constexpr OptSpec opts[] = {
	opt_help,
	opt_json,
	opt_prometheus,
	{"width", 'w', true, "COLUMNS", "width of the longest bar (default 40)"},
	{"rows", 'r', true, "N",
	 "at most N rows: adjacent buckets share one (default 32; 0: every bucket)"}};

std::string title(const HistTarget &t)
{
	if (!t.ctx)
		return "lateness of every timer since the module was loaded";
	std::string owner = " (" + printable(t.ctx->owner_comm) + ", pid " +
			    std::to_string(t.ctx->owner_pid) + ")";
	if (t.timer_id)
		return "lateness of timer " + std::to_string(*t.timer_id) + " of context " +
		       std::to_string(t.ctx->ctx_id) + owner;
	return "lateness of context " + std::to_string(t.ctx->ctx_id) + owner;
}

} // namespace

const std::span<const OptSpec> hist_options{opts};

HistOptions parse_hist(const Args &a)
{
	HistOptions o;
	o.format = format_from(a, true);
	if (a.positionals.size() > 1)
		throw UsageError("hist takes at most one CTX or CTX:TIMER");
	if (a.positionals.size() == 1) {
		o.ref = parse_object_ref(a.positionals[0]);
		if (!o.ref)
			throw UsageError("not CTX or CTX:TIMER: " + a.positionals[0]);
	}
	if (auto w = a.value("width")) {
		const auto n = parse_u32(*w);
		if (!n || *n < 1 || *n > 1000)
			throw UsageError("--width needs a number from 1 to 1000: " + *w);
		o.width = *n;
	}
	if (auto r = a.value("rows")) {
		const auto n = parse_u32(*r);
		if (!n || *n > 100000)
			throw UsageError("--rows needs a number from 0 to 100000: " + *r);
		o.rows = *n;
	}
	return o;
}

void render_hist(std::ostream &out, const HistOptions &o, const HistTarget &t,
		 const timerx::Histogram &h)
{
	if (o.format == Format::json) {
		JsonWriter w(out);
		w.begin_object();
		w.field("scope", !t.ctx ? "global" : (t.timer_id ? "timer" : "context"));
		w.key("ctx_id");
		if (t.ctx)
			w.value(t.ctx->ctx_id);
		else
			w.null();
		w.field("timer_id", t.timer_id);
		if (t.ctx) {
			w.field("pid", t.ctx->owner_pid);
			w.field("comm", t.ctx->owner_comm);
		}
		json_hist_summary_fields(w, h);
		json_hist_bucket_fields(w, h);
		w.end_object();
		out << '\n';
		return;
	}
	if (o.format == Format::prometheus) {
		PromWriter p(out);
		prom_up(p, true);
		prom_begin(p, "timerx_lateness_seconds");
		Labels l;
		if (t.ctx)
			l = t.timer_id ? timer_labels(*t.ctx, *t.timer_id) : context_labels(*t.ctx);
		p.histogram(l, h);
		return;
	}
	out << title(t) << '\n';
	render_hist_text(out, h, o.width, o.rows);
}

int cmd_hist(const Args &a, Io &io)
{
	const HistOptions o = parse_hist(a);
	timerx::Control c;
	open_control(c, o.format, io.out);
	HistTarget t;
	timerx::Histogram h;
	if (!o.ref) {
		timerx::Stats s;
		if (int r = take(c.stats(), s); r < 0)
			fail(r, "cannot read the statistics", exit_failure, c.last_error_message());
		h = std::move(s.lateness);
	} else {
		const std::uint32_t id = o.ref->ctx_id;
		timerx::ContextStatus ctx;
		if (int r = take(c.context(id), ctx); r < 0) {
			if (r == -ENOENT)
				throw Error(exit_no_such, "no such context: " + std::to_string(id));
			fail(r, "cannot read context " + std::to_string(id), exit_no_such,
			     c.last_error_message());
		}
		if (o.ref->timer_id) {
			const std::uint32_t tid = *o.ref->timer_id;
			const std::string name =
				"timer " + std::to_string(id) + ":" + std::to_string(tid);
			timerx::TimerStatus ts;
			if (int r = take(c.timer(id, tid), ts); r < 0) {
				if (r == -ENOENT)
					throw Error(exit_no_such, "no such timer: " + name);
				fail(r, "cannot read " + name, exit_no_such,
				     c.last_error_message());
			}
			if (!ts.lateness)
				throw Error(exit_failure,
					    name + " has no histogram: it was created while "
						   "histograms were off (timerctl config "
						   "histograms=on, then recreate it)");
			h = std::move(*ts.lateness);
			t.timer_id = tid;
		} else {
			h = ctx.lateness;
		}
		t.ctx = std::move(ctx);
	}
	render_hist(io.out, o, t, h);
	return exit_ok;
}

} // namespace timerctl
