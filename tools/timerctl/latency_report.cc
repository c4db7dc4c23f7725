// SPDX-License-Identifier: MIT
/* timerctl latency: the text, progress, cyclictest histogram and JSON outputs. */
#include "latency_report.hpp"

#include "table.hpp"
#include "tools_common.hpp"

#include <cinttypes>
#include <cstdio>
#include <optional>

namespace timerctl {

namespace {

std::uint64_t to_us(std::uint64_t ns)
{
	return ns / 1000; /* cyclictest truncates */
}

std::int64_t to_us_signed(std::int64_t ns)
{
	return ns / 1000;
}

/* Tenths of a microsecond: the kernel part is often below 1 us. */
std::string us1(std::uint64_t ns)
{
	char b[32];
	std::snprintf(b, sizeof(b), "%.1f", static_cast<double>(ns) / 1000.0);
	return b;
}

void table_rows(Table &t, const std::string &who, const LatencyThreadResult &r)
{
	const std::pair<const char *, const timerx::LatencyRecorder *> parts[] = {
		{"total", &r.total}, {"kernel", &r.kernel}, {"delivery", &r.delivery}};
	for (const auto &[name, rec] : parts)
		t.add_row({who, name, std::to_string(rec->count()), us1(rec->min_ns()),
			   us1(static_cast<std::uint64_t>(rec->mean_ns())),
			   us1(rec->quantile_ns(0.5)), us1(rec->quantile_ns(0.99)),
			   us1(rec->quantile_ns(0.999)), us1(rec->max_ns()),
			   std::to_string(rec->early())});
}

LatencyThreadResult merged(const std::vector<LatencyThreadResult> &threads)
{
	LatencyThreadResult m;
	for (const auto &t : threads) {
		m.cycles += t.cycles;
		m.overruns += t.overruns;
		m.cpu_user_ns += t.cpu_user_ns;
		m.cpu_sys_ns += t.cpu_sys_ns;
		m.total.merge(t.total);
		m.kernel.merge(t.kernel);
		m.delivery.merge(t.delivery);
	}
	return m;
}

/* What a thread (or all of them, merged) measured, as members of the open object. */
void json_measured(JsonWriter &w, const LatencyThreadResult &t)
{
	w.field("cycles", t.cycles);
	w.field("overruns", t.overruns);
	w.field("cpu_user_ns", t.cpu_user_ns);
	w.field("cpu_sys_ns", t.cpu_sys_ns);
	w.key("total");
	json_lateness(w, summarize(t.total));
	w.key("kernel");
	json_lateness(w, summarize(t.kernel));
	w.key("delivery");
	json_lateness(w, summarize(t.delivery));
}

const char *expiry_name(timerx::Expiry e)
{
	return e == timerx::Expiry::soft ? "soft" : "hard";
}

} // namespace

std::string format_cyclic_line(const CyclicLine &l)
{
	char b[160];
	std::snprintf(b, sizeof(b),
		      "T:%2u (%5ld) P:%2d I:%" PRIu64 " C:%7" PRIu64 " Min:%7" PRIu64
		      " Act:%5" PRId64 " Avg:%5" PRIu64 " Max:%8" PRIu64,
		      l.index, l.tid, l.priority, l.interval_us, l.cycles, l.min_us, l.act_us,
		      l.avg_us, l.max_us);
	return b;
}

CyclicLine cyclic_line(const LatencyOptions &o, unsigned k, const LatencySnapshot &s)
{
	CyclicLine l;
	l.index = k;
	l.tid = s.tid;
	l.priority = o.priority;
	l.interval_us = o.thread_interval_us(k);
	l.cycles = s.cycles;
	if (s.samples != 0) {
		l.min_us = to_us(s.min_ns);
		l.avg_us = to_us(s.sum_ns / s.samples);
		l.max_us = to_us(s.max_ns);
		l.act_us = to_us_signed(s.act_ns);
	}
	return l;
}

CyclicLine cyclic_line(const LatencyOptions &o, const LatencyThreadResult &r)
{
	CyclicLine l;
	l.index = r.index;
	l.tid = r.tid;
	l.priority = o.priority;
	l.interval_us = r.interval_us;
	l.cycles = r.cycles;
	if (r.total.count() != 0) {
		l.min_us = to_us(r.total.min_ns());
		l.avg_us = to_us(r.total.sum_ns() / r.total.count());
		l.max_us = to_us(r.total.max_ns());
		l.act_us = to_us_signed(r.act_ns);
	}
	return l;
}

void render_progress(std::ostream &out, const std::vector<std::string> &lines, bool tty,
		     bool redraw)
{
	if (tty && redraw && !lines.empty())
		out << "\033[" << lines.size() << 'A';
	for (const auto &l : lines)
		out << l << (tty ? "\033[K\n" : "\n");
	out.flush();
}

void render_latency_text(std::ostream &out, const LatencyReport &r)
{
	const LatencyOptions &o = r.options;
	/* As cyclictest -q -h: the histogram block alone, for `grep -v '^#'`. */
	const bool only_histogram = o.quiet && o.histogram_us != 0;
	if (!only_histogram)
		render_latency_summary(out, r);
	if (o.histogram_us != 0 && !o.histfile) {
		if (!only_histogram)
			out << '\n';
		render_cyclictest_hist(out, r.threads);
	}
}

void render_latency_summary(std::ostream &out, const LatencyReport &r)
{
	const LatencyOptions &o = r.options;
	for (const auto &t : r.threads)
		out << format_cyclic_line(cyclic_line(o, t)) << '\n';

	out << "\ntimerx latency in us (" << wait_mode_name(o.mode) << ", "
	    << clock_option_name(o.clock) << ", " << expiry_name(o.expiry)
	    << " expiry): total = seen - expected = kernel + delivery\n";
	Table t({{"T"},
		 {"PART"},
		 {"SAMPLES", Table::Align::right},
		 {"MIN", Table::Align::right},
		 {"AVG", Table::Align::right},
		 {"P50", Table::Align::right},
		 {"P99", Table::Align::right},
		 {"P99.9", Table::Align::right},
		 {"MAX", Table::Align::right},
		 {"EARLY", Table::Align::right}});
	for (const auto &th : r.threads)
		table_rows(t, std::to_string(th.index), th);
	const LatencyThreadResult all = merged(r.threads);
	if (r.threads.size() > 1)
		table_rows(t, "all", all);
	t.print(out, "  ");
	out << "overruns: " << all.overruns;
	if (r.threads.size() > 1) {
		out << " (";
		for (std::size_t i = 0; i < r.threads.size(); ++i)
			out << (i ? ", " : "") << 'T' << r.threads[i].index << ' '
			    << r.threads[i].overruns;
		out << ')';
	}
	out << '\n';
}

void render_cyclictest_hist(std::ostream &out, const std::vector<LatencyThreadResult> &threads)
{
	char b[64];
	const std::size_t rows = threads.empty() ? 0 : threads[0].hist.size();
	std::vector<std::uint64_t> totals(threads.size(), 0);
	out << "# Histogram\n";
	for (std::size_t i = 0; i < rows; ++i) {
		std::snprintf(b, sizeof(b), "%06zu ", i);
		out << b;
		for (std::size_t j = 0; j < threads.size(); ++j) {
			const std::uint64_t v = i < threads[j].hist.size() ? threads[j].hist[i] : 0;
			std::snprintf(b, sizeof(b), "%06" PRIu64, v);
			out << b << (j + 1 < threads.size() ? "\t" : "");
			totals[j] += v;
		}
		out << '\n';
	}
	auto footer = [&](const char *title, auto value, const char *fmt) {
		out << title;
		for (std::size_t j = 0; j < threads.size(); ++j) {
			std::snprintf(b, sizeof(b), fmt, static_cast<std::uint64_t>(value(j)));
			out << b;
		}
		out << '\n';
	};
	footer(
		"# Total:", [&](std::size_t j) { return totals[j]; }, " %09" PRIu64);
	footer(
		"# Min Latencies:",
		[&](std::size_t j) {
			return threads[j].total.count() ? to_us(threads[j].total.min_ns())
							: std::uint64_t{1000000};
		},
		" %05" PRIu64);
	footer(
		"# Avg Latencies:",
		[&](std::size_t j) {
			const auto &t = threads[j].total;
			return t.count() ? to_us(t.sum_ns() / t.count()) : 0;
		},
		" %05" PRIu64);
	footer(
		"# Max Latencies:", [&](std::size_t j) { return to_us(threads[j].total.max_ns()); },
		" %05" PRIu64);
	footer(
		"# Histogram Overflows:", [&](std::size_t j) { return threads[j].hist_overflows; },
		" %05" PRIu64);
	out << "# Histogram Overflow at cycle number:\n";
	for (std::size_t j = 0; j < threads.size(); ++j) {
		const auto &t = threads[j];
		out << "# Thread " << j << ':';
		for (const std::uint64_t c : t.overflow_cycles) {
			std::snprintf(b, sizeof(b), " %05" PRIu64, c);
			out << b;
		}
		if (t.overflow_cycles.size() < t.hist_overflows) {
			std::snprintf(b, sizeof(b), " # %05" PRIu64 " others",
				      t.hist_overflows - t.overflow_cycles.size());
			out << b;
		}
		out << '\n';
	}
	out << '\n';
}

void render_latency_json(std::ostream &out, const LatencyReport &r)
{
	const LatencyOptions &o = r.options;
	JsonWriter w(out);
	w.begin_object();
	w.field("tool", "timerctl latency");
	/* Not "kernel": that is the kernel part of the lateness, below. */
	w.field("kernel_release", r.kernel);
	w.field("mode", wait_mode_name(o.mode));
	w.field("clock", clock_option_name(o.clock));
	w.field("expiry", expiry_name(o.expiry));
	w.field("interval_us", o.interval_us);
	w.field("distance_us", o.distance_us);
	w.field("loops", o.loops);
	w.field("duration_s", o.duration_s);
	w.field("priority", o.priority);
	w.field("mlockall", o.mlockall);
	w.field("cpu_dma_latency", r.cpu_dma_latency);
	w.key("threads").begin_array();
	for (const auto &t : r.threads) {
		w.begin_object();
		w.field("thread", t.index);
		w.field("tid", static_cast<std::int64_t>(t.tid));
		w.field("cpu", t.cpu >= 0 ? std::optional<int>(t.cpu) : std::nullopt);
		w.field("timer_cpu",
			t.timer_cpu >= 0 ? std::optional<int>(t.timer_cpu) : std::nullopt);
		w.field("interval_us", t.interval_us);
		json_measured(w, t);
		w.end_object();
	}
	w.end_array();
	json_measured(w, merged(r.threads));
	if (o.histogram_us != 0) {
		w.key("histogram").begin_object();
		w.field("bucket_us", 1U);
		w.key("threads").begin_array();
		for (const auto &t : r.threads) {
			w.begin_array();
			for (const std::uint64_t c : t.hist)
				w.value(c);
			w.end_array();
		}
		w.end_array();
		w.key("overflows").begin_array();
		for (const auto &t : r.threads)
			w.value(t.hist_overflows);
		w.end_array();
		w.end_object();
	}
	w.end_object();
	out << '\n';
}

} // namespace timerctl
