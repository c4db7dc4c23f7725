// SPDX-License-Identifier: MIT
#include "hist_render.hpp"

#include "durations.hpp"
#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace timerctl {

void json_hist_summary_fields(JsonWriter &w, const timerx::Histogram &h)
{
	json_lateness_fields(w, summarize(h));
}

void json_hist_bucket_fields(JsonWriter &w, const timerx::Histogram &h)
{
	w.field("sub_bits", h.sub_bits);
	w.field("nr_buckets", h.nr_buckets);
	w.key("buckets").begin_array();
	for (const auto &b : h.buckets) {
		const std::uint64_t upper =
			timerx::Histogram::bucket_upper(b.index, h.sub_bits, h.nr_buckets);
		w.begin_object();
		w.field("index", b.index);
		w.field("lower_ns", timerx::Histogram::bucket_lower(b.index, h.sub_bits));
		w.key("upper_ns");
		if (upper == std::numeric_limits<std::uint64_t>::max())
			w.null();
		else
			w.value(upper);
		w.field("count", static_cast<std::uint64_t>(b.count));
		w.end_object();
	}
	w.end_array();
}

void json_hist(JsonWriter &w, const timerx::Histogram &h, bool with_buckets)
{
	w.begin_object();
	json_hist_summary_fields(w, h);
	if (with_buckets)
		json_hist_bucket_fields(w, h);
	w.end_object();
}

std::string hist_one_line(const timerx::Histogram &h)
{
	if (h.count == 0)
		return "no samples";
	const LatenessSummary s = summarize(h);
	return "p50 " + format_duration_ns(s.p50_ns) + "  p99 " + format_duration_ns(s.p99_ns) +
	       "  p99.9 " + format_duration_ns(s.p999_ns) + "  max " +
	       format_duration_ns(s.max_ns) + "  (" + std::to_string(s.count) + " samples)";
}

namespace {

/* A row of the terminal histogram: one bucket or a run of them. */
struct HistRow {
	std::uint64_t lo, hi, count;
};

std::vector<HistRow> hist_rows(const timerx::Histogram &h, std::size_t max_rows)
{
	const std::size_t n = h.buckets.size();
	const std::size_t rows = max_rows && n > max_rows ? max_rows : n;
	std::vector<HistRow> out;
	out.reserve(rows);
	for (std::size_t r = 0, i = 0; r < rows; ++r) {
		/* Rows [r * n / rows, (r + 1) * n / rows): sizes differ by one at most. */
		const std::size_t end = (r + 1) * n / rows;
		HistRow row{timerx::Histogram::bucket_lower(h.buckets[i].index, h.sub_bits), 0, 0};
		for (; i < end; ++i)
			row.count += h.buckets[i].count;
		row.hi = timerx::Histogram::bucket_upper(h.buckets[i - 1].index, h.sub_bits,
							 h.nr_buckets);
		out.push_back(row);
	}
	return out;
}

} // namespace

void render_hist_text(std::ostream &out, const timerx::Histogram &h, unsigned bar_width,
		      std::size_t max_rows)
{
	const LatenessSummary s = summarize(h);
	out << "count " << s.count;
	if (s.count == 0) {
		out << "  (no samples)\n";
		return;
	}
	out << "  min " << format_duration_ns(s.min_ns) << "  mean "
	    << format_duration_ns(static_cast<std::uint64_t>(std::llround(s.mean_ns))) << "  max "
	    << format_duration_ns(s.max_ns) << '\n';
	out << "p50 " << format_duration_ns(s.p50_ns) << "  p90 " << format_duration_ns(s.p90_ns)
	    << "  p99 " << format_duration_ns(s.p99_ns) << "  p99.9 "
	    << format_duration_ns(s.p999_ns) << '\n';
	if (h.buckets.empty())
		return;

	const std::vector<HistRow> rows = hist_rows(h, max_rows);
	std::uint64_t largest = 0;
	for (const auto &row : rows)
		largest = std::max<std::uint64_t>(largest, row.count);
	Table t({{"from", Table::Align::right},
		 {"to", Table::Align::right},
		 {"", Table::Align::left},
		 {"count", Table::Align::right}});
	for (const auto &row : rows) {
		std::size_t len = 0;
		if (row.count > 0 && largest > 0) {
			const double frac =
				static_cast<double>(row.count) / static_cast<double>(largest);
			len = static_cast<std::size_t>(std::lround(frac * bar_width));
			len = std::max<std::size_t>(len, 1);
		}
		t.add_row({format_duration_ns(row.lo),
			   row.hi == std::numeric_limits<std::uint64_t>::max()
				   ? "inf"
				   : format_duration_ns(row.hi),
			   std::string(len, '#'), std::to_string(row.count)});
	}
	out << '\n';
	t.print(out);
}

} // namespace timerctl
